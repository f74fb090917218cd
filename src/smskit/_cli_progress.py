"""Progress for ``smskit send-bulk`` on stderr: a bar, or plain lines.

The bar is tqdm's, from the optional ``cli`` extra, shown when stderr is a
terminal. Without tqdm, or when stderr goes to a file or a pipe (CI logs),
progress is a plain line every few seconds and one at the end, which logs
keep readable.
"""

from __future__ import annotations

import importlib
import sys
import time
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TextIO

__all__ = ["Counts", "PlainProgress", "Progress", "make_progress"]

_PLAIN_INTERVAL = 2.0
"""Seconds between plain progress lines."""


class Counts:
    """Rows done so far over the whole file, by outcome."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.sent = 0
        self.failed = 0
        self.unknown = 0

    @property
    def done(self) -> int:
        """Rows with an outcome."""
        return self.sent + self.failed + self.unknown

    def add(self, outcome: str) -> None:
        """Count one more row with ``outcome``."""
        setattr(self, outcome, getattr(self, outcome) + 1)

    def line(self) -> str:
        """``12/200 rows (6 %): sent 10, failed 1, unknown 1``."""
        share = 100 * self.done // self.total if self.total else 100
        return (
            f"{self.done}/{self.total} rows ({share} %): sent {self.sent}, "
            f"failed {self.failed}, unknown {self.unknown}"
        )


class Progress(Protocol):
    """What the run tells about its progress."""

    def update(self, counts: Counts) -> None:
        """One more row is done."""

    def close(self, counts: Counts) -> None:
        """The run ended (finished or interrupted)."""


class _Silent:
    """``--no-progress``."""

    def update(self, counts: Counts) -> None:
        """Say nothing."""

    def close(self, counts: Counts) -> None:
        """Say nothing."""


class PlainProgress:
    """A plain line on ``stream`` at most every ``interval`` seconds, and at the end."""

    def __init__(
        self,
        stream: TextIO,
        *,
        interval: float = _PLAIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._interval = interval
        self._clock = clock
        self._last = clock()

    def update(self, counts: Counts) -> None:
        """Print the counts when ``interval`` has passed since the last line."""
        now = self._clock()
        if now - self._last >= self._interval:
            self._last = now
            self._print(counts)

    def close(self, counts: Counts) -> None:
        """Print the final counts."""
        self._print(counts)

    def _print(self, counts: Counts) -> None:
        print(counts.line(), file=self._stream, flush=True)


class _Bar:
    """A tqdm bar over all rows, the outcomes beside it."""

    def __init__(self, tqdm: Any, counts: Counts, stream: TextIO) -> None:
        self._shown = counts.done
        self._bar = tqdm(
            total=counts.total,
            initial=counts.done,
            unit="row",
            file=stream,
            dynamic_ncols=True,
        )
        self._bar.set_postfix_str(self._postfix(counts))

    @staticmethod
    def _postfix(counts: Counts) -> str:
        return f"sent {counts.sent}, failed {counts.failed}, unknown {counts.unknown}"

    def update(self, counts: Counts) -> None:
        """Move the bar to ``counts.done``."""
        self._bar.set_postfix_str(self._postfix(counts), refresh=False)
        self._bar.update(counts.done - self._shown)
        self._shown = counts.done

    def close(self, counts: Counts) -> None:
        """Draw the last state and leave the bar on screen."""
        self.update(counts)
        self._bar.close()


def _tqdm() -> Any | None:
    """The bar class of tqdm, or ``None`` when the ``cli`` extra is not installed."""
    try:
        return importlib.import_module("tqdm").tqdm
    except ImportError:
        return None


def make_progress(
    counts: Counts, *, enabled: bool, stream: TextIO | None = None
) -> Progress:
    """The progress display for this terminal.

    Args:
        counts: The counts at the start (rows done by earlier runs included).
        enabled: ``False`` for no progress at all.
        stream: Where progress goes; stderr by default.
    """
    out = sys.stderr if stream is None else stream
    if not enabled:
        return _Silent()
    tqdm = _tqdm() if out.isatty() else None
    if tqdm is None:
        return PlainProgress(out)
    return _Bar(tqdm, counts, out)
