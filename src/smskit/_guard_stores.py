"""Where the guard keeps opt-outs and the frequency caps' counts.

A store answers in one step what must be decided in one step: `admit` checks
the opt-out and every cap and, only if all allow it, counts the message
under a token, atomically. `release` uncounts a token whose send failed.

`MemoryGuardStore` serves one process (every thread and task in it, under a
lock); `RedisGuardStore` (``smskit._guard_redis``) serves every process that
shares a Redis. Times are POSIX seconds (floats) inside a store; the guard
converts them to and from aware datetimes.
"""

from __future__ import annotations

import bisect
import threading
from typing import TYPE_CHECKING, Protocol

import attrs

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = ["Admission", "GuardStore", "MemoryGuardStore", "Usage", "Window"]

# A memory store sweeps every counter for expired sends after this many
# admissions, so recipients who are never sent to again do not pile up.
_SWEEP_EVERY = 4096


@attrs.frozen(kw_only=True)
class Window:
    """One frequency cap as a store sees it.

    Attributes:
        name: The counters' name (`FrequencyCap.name`).
        limit: How many sends the window holds.
        seconds: The window's length.
    """

    name: str
    limit: int
    seconds: float


@attrs.frozen(kw_only=True)
class Admission:
    """A store's answer to `GuardStore.admit`.

    Attributes:
        admitted: Whether the send was counted under the token.
        opted_out_since: When the recipient opted out, if they have.
        full: The index of the first full window, if one was.
        until: When that window has room again.
    """

    admitted: bool
    opted_out_since: float | None = None
    full: int | None = None
    until: float | None = None


@attrs.frozen(kw_only=True)
class Usage:
    """One window's count for a recipient, read without counting.

    Attributes:
        used: Sends counted in the window now.
        until: When it has room again, if it is full.
    """

    used: int
    until: float | None = None


class GuardStore(Protocol):
    """Opt-outs and frequency counters, shared by everything that sends.

    An opt-out record holds the latest opt-out or opt-in and when it
    happened; an older event (a webhook retried late) never overwrites a
    newer one. Every method has an async twin for async clients.
    """

    def opted_out_since(self, to: str) -> float | None:
        """When ``to`` opted out, or ``None`` if they have not (or opted in)."""
        ...

    def record_opt(self, to: str, *, opted_out: bool, at: float) -> bool:
        """Record an opt-out or opt-in at ``at``; False if a newer one is kept."""
        ...

    def admit(
        self,
        to: str,
        windows: Sequence[Window],
        *,
        now: float,
        token: str,
        check_opt_out: bool,
    ) -> Admission:
        """Atomically check the opt-out and windows, and count the send if allowed."""
        ...

    def release(self, to: str, names: Sequence[str], *, token: str) -> None:
        """Uncount the send counted under ``token`` (nothing if it is not)."""
        ...

    def usage(
        self, to: str, windows: Sequence[Window], *, now: float
    ) -> tuple[float | None, tuple[Usage, ...]]:
        """The opt-out and each window's count, without counting anything."""
        ...

    async def aopted_out_since(self, to: str) -> float | None:
        """Async `opted_out_since`."""
        ...

    async def arecord_opt(self, to: str, *, opted_out: bool, at: float) -> bool:
        """Async `record_opt`."""
        ...

    async def aadmit(
        self,
        to: str,
        windows: Sequence[Window],
        *,
        now: float,
        token: str,
        check_opt_out: bool,
    ) -> Admission:
        """Async `admit`."""
        ...

    async def arelease(self, to: str, names: Sequence[str], *, token: str) -> None:
        """Async `release`."""
        ...

    async def ausage(
        self, to: str, windows: Sequence[Window], *, now: float
    ) -> tuple[float | None, tuple[Usage, ...]]:
        """Async `usage`."""
        ...


class _Log:
    """The sends counted in one window for one recipient, oldest first."""

    __slots__ = ("entries", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.entries: list[tuple[float, str]] = []

    def trim(self, now: float) -> None:
        """Forget sends the window has slid past (sent at or before now - seconds)."""
        cut = bisect.bisect_right(self.entries, (now - self.seconds, "\uffff"))
        del self.entries[:cut]

    def count(self, now: float) -> int:
        return len(self.entries) - bisect.bisect_right(
            self.entries, (now - self.seconds, "\uffff")
        )

    def free_at(self, now: float, limit: int) -> float | None:
        """When the window has room again, if it is full at ``now``."""
        live = self.entries[len(self.entries) - self.count(now) :]
        if len(live) < limit:
            return None
        return live[len(live) - limit][0] + self.seconds


class MemoryGuardStore:
    """Opt-outs and counters in this process, for every thread and task in it.

    Nothing survives a restart, and other processes do not see it: use
    `RedisGuardStore` when several processes or hosts send. A store may be
    shared by several guards (their caps count the same sends when their
    windows and kinds match).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Recipient -> (opted out?, when), the latest event only.
        self._opts: dict[str, tuple[bool, float]] = {}
        self._logs: dict[tuple[str, str], _Log] = {}
        self._admissions = 0

    def __repr__(self) -> str:
        # Counts only: the recipients are personal data.
        with self._lock:
            opted_out = sum(out for out, _ in self._opts.values())
        return f"<MemoryGuardStore opted_out={opted_out}>"

    def opted_out_since(self, to: str) -> float | None:
        """When ``to`` opted out, or ``None``."""
        with self._lock:
            return self._since(to)

    def record_opt(self, to: str, *, opted_out: bool, at: float) -> bool:
        """Record an opt-out or opt-in unless a newer event is already kept."""
        with self._lock:
            current = self._opts.get(to)
            if current is not None and current[1] > at:
                return False
            self._opts[to] = (opted_out, at)
            return True

    def admit(
        self,
        to: str,
        windows: Sequence[Window],
        *,
        now: float,
        token: str,
        check_opt_out: bool,
    ) -> Admission:
        """Check the opt-out and every window, and count the send if all allow."""
        with self._lock:
            if check_opt_out:
                since = self._since(to)
                if since is not None:
                    return Admission(admitted=False, opted_out_since=since)
            logs = [self._log(to, window) for window in windows]
            for index, (window, log) in enumerate(zip(windows, logs, strict=True)):
                log.trim(now)
                if len(log.entries) >= window.limit:
                    until = log.free_at(now, window.limit)
                    return Admission(admitted=False, full=index, until=until)
            for log in logs:
                bisect.insort(log.entries, (now, token))
            self._maybe_sweep(now)
            return Admission(admitted=True)

    def release(self, to: str, names: Sequence[str], *, token: str) -> None:
        """Uncount the send counted under ``token``."""
        with self._lock:
            for name in names:
                log = self._logs.get((name, to))
                if log is not None:
                    log.entries[:] = [e for e in log.entries if e[1] != token]

    def usage(
        self, to: str, windows: Sequence[Window], *, now: float
    ) -> tuple[float | None, tuple[Usage, ...]]:
        """The opt-out and each window's count, without counting anything."""
        with self._lock:
            counts = []
            for window in windows:
                log = self._logs.get((window.name, to))
                if log is None:
                    counts.append(Usage(used=0))
                    continue
                until = log.free_at(now, window.limit)
                counts.append(Usage(used=log.count(now), until=until))
            return self._since(to), tuple(counts)

    async def aopted_out_since(self, to: str) -> float | None:
        """Same as `opted_out_since`: the lock is held only briefly."""
        return self.opted_out_since(to)

    async def arecord_opt(self, to: str, *, opted_out: bool, at: float) -> bool:
        """Same as `record_opt`."""
        return self.record_opt(to, opted_out=opted_out, at=at)

    async def aadmit(
        self,
        to: str,
        windows: Sequence[Window],
        *,
        now: float,
        token: str,
        check_opt_out: bool,
    ) -> Admission:
        """Same as `admit`."""
        return self.admit(
            to, windows, now=now, token=token, check_opt_out=check_opt_out
        )

    async def arelease(self, to: str, names: Sequence[str], *, token: str) -> None:
        """Same as `release`."""
        self.release(to, names, token=token)

    async def ausage(
        self, to: str, windows: Sequence[Window], *, now: float
    ) -> tuple[float | None, tuple[Usage, ...]]:
        """Same as `usage`."""
        return self.usage(to, windows, now=now)

    def _since(self, to: str) -> float | None:
        current = self._opts.get(to)
        return current[1] if current is not None and current[0] else None

    def _log(self, to: str, window: Window) -> _Log:
        log = self._logs.get((window.name, to))
        if log is None:
            log = self._logs[window.name, to] = _Log(window.seconds)
        return log

    def _maybe_sweep(self, now: float) -> None:
        self._admissions += 1
        if self._admissions % _SWEEP_EVERY:
            return
        for key in _expired(self._logs.items(), now):
            del self._logs[key]


def _expired(
    logs: Iterable[tuple[tuple[str, str], _Log]], now: float
) -> list[tuple[str, str]]:
    """Trim every log, and name those left empty."""
    empty = []
    for key, log in logs:
        log.trim(now)
        if not log.entries:
            empty.append(key)
    return empty
