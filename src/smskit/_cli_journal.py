"""The write-ahead journal that makes ``smskit send-bulk`` resumable.

One JSON document a line, next to the results file:

- a header naming the input by its SHA-256, so a run never resumes against a
  file that changed;
- ``{"started": ROW, "client_ref": REF}`` written and fsync'd *before* the row
  is handed to the client;
- ``{"done": ROW, ...result...}`` once its outcome is known.

After a crash, a row that is started but not done may or may not have reached
the provider, so it is never simply sent again (see ``_cli_bulk``). A done
line needs no fsync of its own: the kernel keeps what was written even if the
process dies, and a done line lost with the machine leaves the row
"started", which is the safe side. A torn last line (power lost mid-write)
is dropped on reading.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
from typing import TYPE_CHECKING, Any

import attrs

from smskit._exceptions import ConfigurationError

if TYPE_CHECKING:
    from pathlib import Path

    from smskit._cli_output import Outcome

__all__ = ["FORMAT", "Journal", "ResultRow"]

FORMAT = "smskit send-bulk journal"
_VERSION = 1


@attrs.frozen(kw_only=True)
class ResultRow:
    """One row of the results file: what happened to one input row.

    Attributes:
        row: The input row's number, 1 for the first row after the header.
        to: The recipient as the input gave it.
        client_ref: The reference sent (given, or derived from file and row).
        outcome: ``sent``, ``failed`` or ``unknown`` (may have been sent).
        message_id: The provider's message id, when sent.
        status: The message's status when sent.
        error_type: The smskit error's class name, when not sent.
        error_code: The provider's code or smskit's reason, when known.
        error: The error's text.
    """

    row: int
    to: str
    client_ref: str
    outcome: Outcome
    message_id: str = ""
    status: str = ""
    error_type: str = ""
    error_code: str = ""
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        """The fields as a dict, for the journal and the results file."""
        return attrs.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ResultRow:
        """Rebuild a row the journal holds.

        Raises:
            ConfigurationError: The data is not a result row.
        """
        names = {field.name for field in attrs.fields(cls)}
        try:
            return cls(**{name: data[name] for name in names})
        except (KeyError, TypeError):
            raise ConfigurationError("a result in the journal is damaged") from None


class Journal:
    """An open journal: what is done, what was started, and appending to it.

    Use `open`; close it when the run ends. While open it holds an exclusive
    lock (on POSIX systems), so two runs cannot work on the same results.
    """

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd = fd
        self.done: dict[int, ResultRow] = {}
        self.started: dict[int, str] = {}
        self.started_at: dict[int, dt.datetime] = {}
        self.last_written: dt.datetime | None = None

    @classmethod
    def open(cls, path: Path, *, digest: str, rows: int) -> Journal:
        """Open the journal at ``path``, creating it for a new run.

        Args:
            path: Where the journal lives.
            digest: The input file's SHA-256 (hex).
            rows: How many data rows the input has.

        Raises:
            ConfigurationError: The journal belongs to another input, is
                damaged, or another run holds it.
        """
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            _lock(fd, path)
            journal = cls(path, fd)
            journal._load(digest=digest, rows=rows)
        except BaseException:
            os.close(fd)
            raise
        return journal

    def _load(self, *, digest: str, rows: int) -> None:
        # When the run before this one last wrote: a row it left unfinished
        # was last attempted about then (the bound of a search for it).
        written = os.fstat(self._fd).st_mtime
        self.last_written = dt.datetime.fromtimestamp(written, dt.timezone.utc)
        with open(self._fd, "rb", closefd=False) as stream:
            stream.seek(0)
            data = stream.read()
        lines = data.split(b"\n")
        if lines[-1]:  # a torn last line: cut it so appends start clean
            os.ftruncate(self._fd, len(data) - len(lines[-1]))
        entries = [self._parse(line) for line in lines[:-1]]
        if not entries:  # a new run (or one that died writing its header)
            header = {"journal": FORMAT, "version": _VERSION}
            self._append({**header, "input_sha256": digest, "rows": rows}, sync=True)
            _sync_directory(self.path)
            return
        self._check_header(entries[0], digest=digest, rows=rows)
        for entry in entries[1:]:
            self._replay(entry)

    def _parse(self, line: bytes) -> dict[str, Any]:
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if not isinstance(entry, dict):
            raise ConfigurationError(f"{self.path} is damaged: a line is not a record")
        return entry

    def _check_header(self, header: dict[str, Any], *, digest: str, rows: int) -> None:
        if header.get("journal") != FORMAT or header.get("version") != _VERSION:
            raise ConfigurationError(f"{self.path} is not a send-bulk journal")
        if header.get("input_sha256") != digest or header.get("rows") != rows:
            raise ConfigurationError(
                f"the input file changed since {self.path} was started; resuming "
                "could send rows twice or skip some. Restore the file, or start "
                "over with another --out (or delete the journal) to send it as new"
            )

    def _replay(self, entry: dict[str, Any]) -> None:
        if isinstance(entry.get("started"), int):
            self.started[entry["started"]] = str(entry.get("client_ref", ""))
            with contextlib.suppress(TypeError, ValueError):  # a time is a bonus
                self.started_at[entry["started"]] = dt.datetime.fromisoformat(
                    entry["at"]
                )
        elif isinstance(entry.get("done"), int):
            result = ResultRow.from_json(entry)
            self.done[result.row] = result
            self.started.pop(result.row, None)
        else:
            raise ConfigurationError(f"{self.path} is damaged: an unknown record")

    @property
    def unfinished(self) -> dict[int, str]:
        """Rows started but not done, with their client_ref: maybe sent."""
        return {row: ref for row, ref in self.started.items() if row not in self.done}

    def start(self, row: int, client_ref: str) -> None:
        """Record, durably, that ``row`` is about to be sent."""
        now = dt.datetime.now(dt.timezone.utc)
        entry = {"started": row, "client_ref": client_ref, "at": now.isoformat()}
        self._append(entry, sync=True)
        self.started[row] = client_ref
        self.started_at[row] = now

    def finish(self, result: ResultRow) -> None:
        """Record the outcome of a row."""
        self._append({"done": result.row, **result.to_json()}, sync=False)
        self.done[result.row] = result
        self.started.pop(result.row, None)

    def _append(self, entry: dict[str, Any], *, sync: bool) -> None:
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
        data = line.encode("utf-8")
        # One write() call per record: O_APPEND puts it at the end whole.
        written = os.write(self._fd, data)
        if written != len(data):  # pragma: no cover -- a full disk mid-record
            raise OSError(f"short write to {self.path}")
        if sync:
            os.fsync(self._fd)

    def close(self) -> None:
        """Sync and close the journal, releasing its lock; closing twice is fine."""
        if self._fd < 0:
            return
        with contextlib.suppress(OSError):
            os.fsync(self._fd)
        os.close(self._fd)
        self._fd = -1


def _lock(fd: int, path: Path) -> None:
    """Take the journal's exclusive lock, or say another run holds it."""
    if sys.platform == "win32":  # pragma: no cover -- no flock there
        return
    import fcntl  # noqa: PLC0415 -- POSIX only

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise ConfigurationError(
            f"another smskit send-bulk is working on {path}; wait for it to end"
        ) from None


def _sync_directory(path: Path) -> None:
    """Make the new journal's directory entry durable (POSIX)."""
    if sys.platform == "win32":  # pragma: no cover -- directories cannot be opened
        return
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
