"""``smskit send-bulk FILE.csv``: send a file of messages, resumably, nobody twice.

Every input row gets exactly one result row. A write-ahead journal beside the
results (``_cli_journal``) records each row as started, durably, before it is
handed to the client, and as done once its outcome is known. Running the same
command again continues where the last run stopped:

- done rows are skipped;
- a row started but not done may have reached the provider, so it is not
  simply sent again: the provider is asked (``Client.resolve``) by the row's
  ``client_ref``. Accepted: it is ``sent``. Proven not accepted: it is sent
  now. Anything else: it is ``unknown``, with the reason, for a person to
  check.

Ctrl-C stops taking new rows and lets the sends in flight finish (exit status
130); a second Ctrl-C quits at once, and the journal still holds.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smskit import phone
from smskit._cli_bulk_input import (
    BulkInput,
    InputRow,
    default_results_path,
    read_input,
    write_results,
)
from smskit._cli_journal import Journal, ResultRow
from smskit._cli_output import (
    FAILED,
    INTERRUPTED,
    OK,
    USAGE_ERROR,
    emit_json,
    error_code,
    fail,
    outcome_of,
)
from smskit._cli_progress import Counts, Progress, make_progress
from smskit._cli_send import add_provider_options, open_client
from smskit._exceptions import DeliveryUnknown, InvalidInput, SmsKitError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from smskit._client import Client
    from smskit._models import Message

__all__ = ["add_send_bulk", "journal_path", "run_send_bulk"]

_MAX_CONCURRENCY = 64


def _seconds(text: str) -> float:
    """A ``--settle`` value: a finite number of seconds >= 0."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        message = f"must be a number of seconds >= 0, not {text!r}"
        raise argparse.ArgumentTypeError(message)
    return value


def _concurrency(text: str) -> int:
    """An argparse type: sends in flight, 1 to 64."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= _MAX_CONCURRENCY:
        raise argparse.ArgumentTypeError(
            f"must be from 1 to {_MAX_CONCURRENCY}, not {value}"
        )
    return value


def add_send_bulk(commands: Any, formatter: type[argparse.HelpFormatter]) -> None:
    """Register ``smskit send-bulk`` on the ``commands`` subparsers."""
    parser = commands.add_parser(
        "send-bulk",
        help="send every row of a CSV file, resumably",
        description=(
            "Send one SMS per row of a CSV file (header: to, body, optional "
            "sender and client_ref, any other columns carried through) and write "
            "one result row per input row. Interrupted or crashed, the same "
            "command continues where it stopped and sends nobody twice. Exit "
            "status 0 when every row was sent, 1 when some failed or may not "
            "have been sent, 2 for bad options or input, 130 when interrupted."
        ),
        formatter_class=formatter,
    )
    parser.add_argument("file", metavar="FILE.csv", type=Path, help="the input")
    add_provider_options(parser)
    parser.add_argument(
        "--out",
        type=Path,
        metavar="RESULTS.csv",
        help="the results file; its journal is RESULTS.csv.journal "
        "(default: FILE.results.csv beside the input)",
    )
    parser.add_argument(
        "--concurrency",
        type=_concurrency,
        default=8,
        help="sends in flight at once",
    )
    parser.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        help="no progress on stderr (default: a bar on a terminal with the "
        "cli extra, else a line every few seconds)",
    )
    parser.add_argument(
        "--settle",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="on resuming, how long after a row's last attempt the provider's "
        "records are trusted to be complete (default: smskit's, 30 s for a "
        "real provider; 0 for a local emulator)",
    )
    parser.add_argument("--json", action="store_true", help="a JSON summary on stdout")
    parser.set_defaults(run=run_send_bulk)


def journal_path(results: Path) -> Path:
    """Where the journal of ``results`` lives."""
    return results.with_name(results.name + ".journal")


def run_send_bulk(args: argparse.Namespace) -> int:
    """Run ``send-bulk``; see `add_send_bulk` for the exit statuses."""
    source: Path = args.file
    results: Path = args.out or default_results_path(source)
    try:
        bulk = read_input(source)
    except OSError as error:
        return fail(f"cannot read {source}: {error.strerror or error}", USAGE_ERROR)
    except InvalidInput as error:
        return fail(str(error), USAGE_ERROR)
    if results.resolve() == source.resolve():
        return fail("--out must not be the input file", USAGE_ERROR)
    try:
        client = open_client(args)
    except SmsKitError as error:
        return fail(str(error), USAGE_ERROR)
    with client:
        try:
            journal = Journal.open(
                journal_path(results), digest=bulk.digest, rows=len(bulk.rows)
            )
        except OSError as error:
            return fail(f"cannot open the journal: {error}", USAGE_ERROR)
        except InvalidInput as error:
            return fail(str(error), USAGE_ERROR)
        try:
            return _Run(args, bulk, client, journal, results).execute()
        finally:
            journal.close()


class _Run:
    """One run of ``send-bulk`` over a journal (new or resumed)."""

    def __init__(
        self,
        args: argparse.Namespace,
        bulk: BulkInput,
        client: Client,
        journal: Journal,
        results: Path,
    ) -> None:
        self.args = args
        self.bulk = bulk
        self.client = client
        self.journal = journal
        self.results = results
        self.stop = threading.Event()
        self.counts = Counts(len(bulk.rows))
        for result in journal.done.values():
            self.counts.add(result.outcome)
        self.already_done = len(journal.done)
        self.resolved = 0

    def execute(self) -> int:
        """Settle rows in doubt, send the rest, write the results."""
        progress = make_progress(self.counts, enabled=self.args.progress)
        restore = self._trap_interrupts()
        try:
            self._announce_resume()
            again = self._settle_unfinished(progress)
            pending = sorted((*again, *self._untouched()), key=lambda item: item.row)
            self._send(pending, progress)
        finally:
            restore()
            progress.close(self.counts)
            write_results(self.results, self.bulk, self.journal.done)
        return self._finish()

    def _untouched(self) -> Iterator[InputRow]:
        """Rows no run has started."""
        started = self.journal.started
        return (
            item
            for item in self.bulk.rows
            if item.row not in self.journal.done and item.row not in started
        )

    def _announce_resume(self) -> None:
        unfinished = len(self.journal.unfinished)
        if self.already_done or unfinished:
            _say(
                f"resuming: {self.already_done} of {len(self.bulk.rows)} rows done "
                f"before, {unfinished} were being sent when the last run stopped"
            )

    def _settle_unfinished(self, progress: Progress) -> list[InputRow]:
        """Ask the provider about rows in doubt; return those proven unsent."""
        by_row = {item.row: item for item in self.bulk.rows}
        again = []
        for row, client_ref in sorted(self.journal.unfinished.items()):
            if self.stop.is_set():
                break
            item = by_row[row]
            message, doubt = self._ask(item, client_ref)
            if message is None and doubt is None:
                again.append(item)  # proven never accepted: safe to send
                continue
            self.resolved += message is not None
            self._record(_result(item, message, doubt), progress)
        return again

    def _ask(
        self, item: InputRow, client_ref: str
    ) -> tuple[Message | None, SmsKitError | None]:
        """Whether the provider accepted ``item``.

        Returns:
            ``(message, None)`` when it did, ``(None, None)`` when it certainly
            did not, ``(None, error)`` when that is unknown.
        """
        try:
            to = phone.to_e164(item.to, self.args.region)
        except InvalidInput:
            return None, None  # the client refuses it before any request
        # What the provider's records are searched by: number, reference,
        # sender, text, and when: from the row's start to the last write of
        # the run that left it unfinished.
        started = self.journal.started_at.get(item.row)
        question = DeliveryUnknown(
            "send-bulk stopped while this row was being sent",
            provider=self.client.provider.name,
            to=to,
            client_ref=client_ref,
            attempts=1,
            sender=item.sender or self.args.sender,
            body=item.body,
            first_attempt_at=started,
            last_attempt_at=max(started, self.journal.last_written or started)
            if started is not None
            else None,
        )
        try:
            return self.client.resolve(question, settle=self.args.settle), None
        except SmsKitError as error:
            return None, DeliveryUnknown(
                "send-bulk stopped while this row was being sent, and whether the "
                f"provider accepted it is unknown ({error}); check before sending "
                "it again",
                provider=self.client.provider.name,
                to=to,
                client_ref=client_ref,
                attempts=1,
            )

    def _send(self, pending: list[InputRow], progress: Progress) -> None:
        handed: list[InputRow] = []

        def feed() -> Iterator[dict[str, str]]:
            for item in pending:
                if self.stop.is_set():
                    return
                self.journal.start(item.row, item.client_ref)
                handed.append(item)
                yield _request(item)

        outcomes = self.client.send_many(feed(), concurrency=self.args.concurrency)
        for outcome in outcomes:
            item = handed[outcome.index]
            self._record(_result(item, outcome.message, outcome.error), progress)

    def _record(self, result: ResultRow, progress: Progress) -> None:
        self.journal.finish(result)
        self.counts.add(result.outcome)
        progress.update(self.counts)

    def _trap_interrupts(self) -> Callable[[], None]:
        """First Ctrl-C: stop taking rows. Second: quit at once."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None

        def on_interrupt(signum: int, frame: object) -> None:
            # os.write, not print: a handler may run in the middle of a print.
            if self.stop.is_set():
                _say_raw(
                    "stopped at once; the journal holds every row's state: run "
                    "the same command again to continue"
                )
                os._exit(INTERRUPTED)
            self.stop.set()
            _say_raw(
                "stopping: no new rows, waiting for the sends in flight "
                "(Ctrl-C again quits at once)"
            )

        previous = signal.signal(signal.SIGINT, on_interrupt)
        return lambda: signal.signal(signal.SIGINT, previous)  # type: ignore[return-value]

    def _finish(self) -> int:
        counts = self.counts
        missing = counts.total - counts.done
        interrupted = missing > 0
        summary = {
            "input": str(self.args.file),
            "results": str(self.results),
            "journal": str(self.journal.path),
            "rows": counts.total,
            "sent": counts.sent,
            "failed": counts.failed,
            "unknown": counts.unknown,
            "not_yet_sent": missing,
            "done_before": self.already_done,
            "resolved": self.resolved,
            "interrupted": interrupted,
        }
        if self.args.json:
            emit_json(summary)
        else:
            print(
                f"{counts.total} rows: {counts.sent} sent, {counts.failed} failed, "
                f"{counts.unknown} unknown; results in {self.results}"
            )
        if interrupted:
            _say(
                f"interrupted: {missing} rows not sent yet; run the same command "
                "again to continue"
            )
            return INTERRUPTED
        return OK if counts.sent == counts.total else FAILED


def _request(item: InputRow) -> dict[str, str]:
    """What the client is handed for a row (no sender: the command's)."""
    request = {"to": item.to, "body": item.body, "client_ref": item.client_ref}
    if item.sender is not None:
        request["sender"] = item.sender
    return request


def _result(
    item: InputRow, message: Message | None, error: SmsKitError | None
) -> ResultRow:
    if message is not None:
        return ResultRow(
            row=item.row,
            to=item.to,
            client_ref=item.client_ref,
            outcome="sent",
            message_id=message.id,
            status=message.status.value,
        )
    if error is None:  # pragma: no cover -- send_many sets exactly one
        raise AssertionError("a bulk result with neither message nor error")
    return ResultRow(
        row=item.row,
        to=item.to,
        client_ref=item.client_ref,
        outcome=outcome_of(error),
        error_type=type(error).__name__,
        error_code=error_code(error),
        error=str(error),
    )


def _say(text: str) -> None:
    print(f"smskit: {text}", file=sys.stderr, flush=True)


def _say_raw(text: str) -> None:
    os.write(2, f"\nsmskit: {text}\n".encode())
