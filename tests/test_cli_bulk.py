"""``smskit send-bulk``: one result per row, faults, resuming, interrupts.

The interrupted runs are real processes killed with SIGINT and SIGKILL while
they send through the local emulator; its outbox proves nobody got two
messages.
"""

from __future__ import annotations

import collections
import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import smskit
from smskit import _cli
from smskit._cli_journal import Journal
from smskit._cli_progress import Counts, PlainProgress, make_progress
from smskit._emulator import Emulator

SENDER = "+15005550006"


def number(index: int) -> str:
    return f"+1415555{2000 + index}"


def write_input(path: Path, rows: int, special: dict[int, tuple[str, str]]) -> Path:
    """A CSV of ``rows`` rows (1-based), with ``special`` rows' (to, body)."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["to", "body", "name"])
        for row in range(1, rows + 1):
            to, body = special.get(row, (number(row), f"Hello {row}"))
            writer.writerow([to, body, f"person {row}"])
    return path


def read_results(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = _cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def bulk(
    capsys: pytest.CaptureFixture[str], source: Path, *extra: str
) -> tuple[int, str, str]:
    return run(capsys, "send-bulk", str(source), "--provider", "sandbox", *extra)


def test_200_rows_with_faults_one_result_each(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    smskit_sandbox: smskit.providers.Sandbox,
) -> None:
    """Bad rows, refusals and sends in doubt each get a result; none stops the run."""
    special = {
        5: ("not a number", "x"),
        6: (number(6), ""),
        7: ("+15005550001", "refused"),
        8: ("+15005550004", "opted out"),
    }
    source = write_input(tmp_path / "in.csv", 200, special)
    smskit_sandbox.inject("server_error", times=3, to=number(50))
    smskit_sandbox.inject("read_timeout", to=number(60))
    smskit_sandbox.inject("rate_limited", times=2, to=number(70))  # retried

    status, out, err = bulk(capsys, source, "--json", "--concurrency", "5")

    assert 1 == status
    results = read_results(tmp_path / "in.results.csv")
    assert [str(row) for row in range(1, 201)] == [r["row"] for r in results]
    outcomes = {int(r["row"]): r for r in results}
    assert ("failed", "InvalidPhoneNumber") == (
        outcomes[5]["outcome"],
        outcomes[5]["error_type"],
    )
    assert ("failed", "InvalidMessage") == (
        outcomes[6]["outcome"],
        outcomes[6]["error_type"],
    )
    assert ("RejectedMessage", "invalid_to") == (
        outcomes[7]["error_type"],
        outcomes[7]["error_code"],
    )
    assert "OptedOut" == outcomes[8]["error_type"]
    assert ["unknown", "unknown"] == [outcomes[r]["outcome"] for r in (50, 60)]
    assert "sent" == outcomes[70]["outcome"]
    sent = [r for r in results if r["outcome"] == "sent"]
    assert 194 == len(sent)
    assert all(r["name"] == f"person {r['row']}" for r in results)
    # Every row carries a reference derived from the file, distinct per row.
    assert 200 == len({r["client_ref"] for r in results})
    records = smskit_sandbox.state.records()
    by_to = collections.Counter(record.to for record in records)
    assert max(by_to.values()) == 1
    assert {r["message_id"] for r in sent} <= {record.id for record in records}
    summary = json.loads(out)
    assert (200, 194, 4, 2, 0, False) == (
        summary["rows"],
        summary["sent"],
        summary["failed"],
        summary["unknown"],
        summary["not_yet_sent"],
        summary["interrupted"],
    )
    assert "200/200 rows (100 %): sent 194, failed 4, unknown 2" in err
    assert number(1) not in err + out  # progress and summary name nobody

    # The same command again sends nobody and writes the same results.
    again, _, err = bulk(capsys, source, "--no-progress")
    assert 1 == again
    assert "resuming: 200 of 200 rows done before" in err
    assert results == read_results(tmp_path / "in.results.csv")
    assert len(records) == len(smskit_sandbox.state.records())


def test_all_sent_exits_0_and_keeps_given_refs(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    smskit_sandbox: smskit.providers.Sandbox,
) -> None:
    source = tmp_path / "list"
    source.write_text(
        "\ufeffTo,Body,Client_Ref,Sender,status\n"
        f"{number(1)},one,ref-1,Acme,vip\n"
        "\n"
        f"{number(2)},two,,,\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    status, text, _ = bulk(capsys, source, "--out", str(out), "--sender", "Other")
    assert 0 == status
    assert f"2 rows: 2 sent, 0 failed, 0 unknown; results in {out}" in text
    results = read_results(out)
    assert ["ref-1", "vip"] == [results[0]["client_ref"], results[0]["input_status"]]
    assert results[1]["client_ref"].startswith("bulk-")
    records = {record.to: record for record in smskit_sandbox.state.records()}
    assert ("Acme", "ref-1") == (
        records[number(1)].sender,
        records[number(1)].client_ref,
    )
    assert "Other" == records[number(2)].sender


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"number,text\n1,2\n", "no 'to' or 'body' column"),
        (b"to,body,to\n", "two columns named 'to'"),
        (b"to,body,TO\n", "names a column twice"),
        (b"to,body\n\xff\n", "not UTF-8"),
        (b'to,body\n"+1,x\n', "not valid CSV"),
    ],
)
def test_bad_input_files_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
    message: str,
) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(content)
    status, _, err = bulk(capsys, source)
    assert 2 == status
    assert message in err
    assert not (tmp_path / "in.results.csv.journal").exists()


def test_missing_file_and_out_on_input_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = bulk(capsys, tmp_path / "nope.csv")
    assert (2, True) == (status, "cannot read" in err)
    source = write_input(tmp_path / "in.csv", 1, {})
    status, _, err = bulk(capsys, source, "--out", str(source))
    assert (2, True) == (status, "must not be the input" in err)


def test_changed_input_is_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    smskit_sandbox: smskit.providers.Sandbox,
) -> None:
    """Resuming against a file that changed could skip or repeat rows: refused."""
    source = write_input(tmp_path / "in.csv", 3, {})
    assert 0 == bulk(capsys, source)[0]
    write_input(source, 3, {2: (number(99), "changed")})
    status, _, err = bulk(capsys, source)
    assert 2 == status
    assert "the input file changed" in err
    assert 3 == len(smskit_sandbox.state.records())


def unfinish(journal: Path, rows: set[int]) -> None:
    """Make ``rows`` look started but not done, as after a crash mid-send."""
    lines = journal.read_text("utf-8").splitlines(keepends=True)
    kept = [line for line in lines if json.loads(line).get("done") not in rows]
    journal.write_text("".join(kept), "utf-8")


def test_a_row_in_doubt_is_found_in_the_providers_records(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    smskit_sandbox: smskit.providers.Sandbox,
) -> None:
    """The real Client.resolve: the row was accepted, so it is reported sent."""
    source = write_input(tmp_path / "in.csv", 3, {})
    assert 0 == bulk(capsys, source)[0]
    unfinish(tmp_path / "in.results.csv.journal", {2})
    status, _, _ = bulk(capsys, source)
    assert 0 == status
    results = read_results(tmp_path / "in.results.csv")
    assert ["sent", "sent", "sent"] == [row["outcome"] for row in results]
    sent = [record.to for record in smskit_sandbox.state.records()]
    assert len(sent) == len(set(sent)) == 3


def test_rows_in_doubt_are_resolved_not_resent(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    smskit_sandbox: smskit.providers.Sandbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Accepted: sent. Proven not accepted: sent now. Unknown: left unknown."""
    source = write_input(tmp_path / "in.csv", 5, {4: ("bad", "x")})
    assert 1 == bulk(capsys, source)[0]
    journal = tmp_path / "in.results.csv.journal"
    unfinish(journal, {1, 2, 3, 4})
    sent_before = {record.to: record for record in smskit_sandbox.state.records()}
    asked: list[smskit.DeliveryUnknown] = []

    def resolve(self: smskit.Client, error: smskit.DeliveryUnknown, **_: object) -> Any:
        asked.append(error)
        if error.to == number(1):
            return smskit.Message.from_dict(
                {
                    "id": sent_before[number(1)].id,
                    "provider": "sandbox",
                    "to": number(1),
                    "status": "delivered",
                }
            )
        if error.to == number(2):
            return None
        raise smskit.DeliveryUnknown(
            "no answer", provider="sandbox", to=error.to, client_ref=None, attempts=1
        )

    monkeypatch.setattr(smskit.Client, "resolve", resolve, raising=False)
    status, out, err = bulk(capsys, source, "--json")

    assert 1 == status
    assert "4 were being sent when the last run stopped" in err
    # Row 4's number cannot be read, so it never reached the provider.
    assert [number(1), number(2), number(3)] == [error.to for error in asked]
    assert all(error.client_ref.startswith("bulk-") for error in asked)
    results = {int(r["row"]): r for r in read_results(tmp_path / "in.results.csv")}
    assert ("sent", "delivered") == (results[1]["outcome"], results[1]["status"])
    assert "sent" == results[2]["outcome"]
    assert ("unknown", "DeliveryUnknown") == (
        results[3]["outcome"],
        results[3]["error_type"],
    )
    assert "check before sending it again" in results[3]["error"]
    assert "InvalidPhoneNumber" == results[4]["error_type"]
    assert 1 == json.loads(out)["resolved"]
    by_to = collections.Counter(r.to for r in smskit_sandbox.state.records())
    # Only row 2, proven never accepted, went out again (its first copy was
    # the sandbox's: the test faked the proof).
    assert {number(2): 2, number(1): 1, number(3): 1, number(5): 1} == dict(by_to)


def test_rows_in_doubt_stay_unknown_where_records_cannot_be_searched(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    smskit_sandbox: smskit.providers.Sandbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = write_input(tmp_path / "in.csv", 3, {})
    assert 0 == bulk(capsys, source)[0]
    journal = tmp_path / "in.results.csv.journal"
    unfinish(journal, {2})
    with journal.open("ab") as stream:
        stream.write(b'{"done":3,"row"')  # a record torn by a crash

    # A provider whose records cannot be searched (as Vonage's cannot).
    def cannot_search(client: smskit.Client, error: object, **_: object) -> None:
        raise smskit.NotSupported(
            "the provider's records cannot be searched",
            provider=client.provider.name,
            operation="resolve",
        )

    monkeypatch.setattr(smskit.Client, "resolve", cannot_search)
    status, _, _ = bulk(capsys, source)
    assert 1 == status
    results = read_results(tmp_path / "in.results.csv")
    assert ["sent", "unknown", "sent"] == [r["outcome"] for r in results]
    assert "records cannot be searched" in results[1]["error"]
    assert 3 == len(smskit_sandbox.state.records())


def test_damaged_or_busy_journal_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_input(tmp_path / "in.csv", 1, {})
    journal_path = tmp_path / "in.results.csv.journal"
    journal_path.write_text('{"something": "else"}\n', "utf-8")
    status, _, err = bulk(capsys, source)
    assert (2, True) == (status, "not a send-bulk journal" in err)
    journal_path.write_text("[1]\n", "utf-8")
    assert "damaged" in bulk(capsys, source)[2]
    journal_path.unlink()
    held = Journal.open(journal_path, digest="d", rows=1)
    try:
        status, _, err = bulk(capsys, source)
    finally:
        held.close()
        held.close()
    assert (2, True) == (status, "another smskit send-bulk" in err)


def test_plain_progress_lines() -> None:
    """Without a terminal: a line every interval, and one at the end."""
    stream = io.StringIO()
    now = [0.0]
    progress = PlainProgress(stream, interval=2.0, clock=lambda: now[0])
    counts = Counts(4)
    counts.add("sent")
    progress.update(counts)
    now[0] = 2.5
    counts.add("failed")
    progress.update(counts)
    counts.add("unknown")
    progress.close(counts)
    assert [
        "2/4 rows (50 %): sent 1, failed 1, unknown 0",
        "3/4 rows (75 %): sent 1, failed 1, unknown 1",
    ] == stream.getvalue().splitlines()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_when_tqdm_is_there(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal with the cli extra, tqdm draws the bar from the counts."""
    calls: list[tuple[str, Any]] = []

    class FakeTqdm:
        def __init__(self, **options: Any) -> None:
            calls.append(("new", options))

        def set_postfix_str(self, text: str, refresh: bool = True) -> None:
            calls.append(("postfix", text))

        def update(self, steps: int) -> None:
            calls.append(("update", steps))

        def close(self) -> None:
            calls.append(("close", None))

    module = type(sys)("tqdm")
    module.tqdm = FakeTqdm  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tqdm", module)
    counts = Counts(10)
    counts.add("sent")
    progress = make_progress(counts, enabled=True, stream=Terminal())
    counts.add("sent")
    counts.add("failed")
    progress.update(counts)
    progress.close(counts)
    new = calls[0][1]
    assert (10, 1, "row") == (new["total"], new["initial"], new["unit"])
    assert ("update", 2) in calls
    assert ("postfix", "sent 2, failed 1, unknown 0") in calls
    assert ("close", None) == calls[-1]


def test_no_tqdm_or_no_terminal_means_plain_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import fails
    assert isinstance(
        make_progress(Counts(1), enabled=True, stream=Terminal()), PlainProgress
    )
    assert isinstance(
        make_progress(Counts(1), enabled=True, stream=io.StringIO()), PlainProgress
    )
    silent = make_progress(Counts(1), enabled=False, stream=Terminal())
    assert not isinstance(silent, PlainProgress)
    silent.update(Counts(1))
    silent.close(Counts(1))


# -- real processes, interrupted and resumed ---------------------------------


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(port=0, realtime=False) as running:
        yield running


def env_for(emulator: Emulator) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TWILIO_", "VONAGE_", "PLIVO_"))
    }
    env["TWILIO_ACCOUNT_SID"] = emulator.credentials.twilio_account_sid
    env["TWILIO_AUTH_TOKEN"] = emulator.credentials.twilio_auth_token or ""
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def command(emulator: Emulator, source: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "smskit",
        "send-bulk",
        str(source),
        "--provider",
        "twilio",
        "--base-url",
        emulator.url,
        "--sender",
        SENDER,
        "--concurrency",
        "4",
    ]


def wait_for_lines(
    journal: Path, key: str, count: int, process: subprocess.Popen[str]
) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if journal.exists():
            text = journal.read_text("utf-8")
            if text.count(f'{{"{key}":') >= count:
                return
        assert process.poll() is None, "the run ended before it could be interrupted"
        time.sleep(0.01)
    raise AssertionError(f"no {count} {key} records in time")


def finish_and_check(
    emulator: Emulator, source: Path, rows: int
) -> list[dict[str, str]]:
    """Run the same command to the end; check one result a row, nobody twice."""
    emulator.clear_faults()
    # The emulator's records are complete at once: no need to let them settle.
    done = subprocess.run(  # noqa: S603 -- our own interpreter and module
        [*command(emulator, source), "--settle", "0"],
        capture_output=True,
        text=True,
        env=env_for(emulator),
        timeout=120,
        check=False,
    )
    assert done.returncode in {0, 1}, done.stderr
    assert "resuming:" in done.stderr
    results = read_results(source.with_name("in.results.csv"))
    assert [str(row) for row in range(1, rows + 1)] == [r["row"] for r in results]
    outbox = collections.Counter(record.to for record in emulator.state.records())
    assert 1 == max(outbox.values()), "somebody got two messages"
    for result in results:
        if result["outcome"] == "sent":
            assert 1 == outbox[result["to"]]
        else:  # in doubt: the outbox holds it once or not at all (checked above)
            assert "unknown" == result["outcome"], json.dumps(result)
            assert "check before sending it again" in result["error"]
    assert (done.returncode == 0) == all(r["outcome"] == "sent" for r in results)
    return results


def test_sigint_stops_cleanly_and_the_rerun_completes(
    tmp_path: Path, emulator: Emulator
) -> None:
    """Ctrl-C: in-flight sends finish, exit 130; the same command finishes the job."""
    if sys.platform == "win32":
        pytest.skip("POSIX signals only")
    source = write_input(tmp_path / "in.csv", 200, {})
    emulator.inject("latency", latency=0.02, times=None)
    journal = tmp_path / "in.results.csv.journal"
    with subprocess.Popen(  # noqa: S603 -- our own interpreter and module
        command(emulator, source),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env_for(emulator),
    ) as process:
        wait_for_lines(journal, "done", 20, process)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert 130 == process.returncode, stderr
    assert "stopping: no new rows" in stderr
    assert "run the same command again" in stderr
    partial = read_results(tmp_path / "in.results.csv")
    assert 20 <= len(partial) < 200
    # Graceful: every row handed over finished, so none is in doubt.
    assert [] == [r for r in partial if r["outcome"] != "sent"]
    assert len(partial) == len(emulator.state.records())
    results = finish_and_check(emulator, source, 200)
    assert [] == [r for r in results if r["outcome"] != "sent"]
    assert 200 == len(emulator.state.records())


@pytest.mark.parametrize("how", ["SIGKILL", "two SIGINTs"])
def test_killed_run_resumes_without_sending_twice(
    tmp_path: Path, emulator: Emulator, how: str
) -> None:
    """Killed mid-send: rows in doubt are never resent; the rest are sent once."""
    if sys.platform == "win32":
        pytest.skip("POSIX signals only")
    source = write_input(tmp_path / "in.csv", 200, {})
    # Slow answers, so the second Ctrl-C lands while sends are in flight.
    emulator.inject("latency", latency=0.3, times=None)
    journal = tmp_path / "in.results.csv.journal"
    with subprocess.Popen(  # noqa: S603 -- our own interpreter and module
        command(emulator, source),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env_for(emulator),
    ) as process:
        wait_for_lines(journal, "started", 30, process)
        if how == "SIGKILL":
            process.kill()
        else:
            process.send_signal(signal.SIGINT)
            time.sleep(0.02)
            process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    expected = -signal.SIGKILL if how == "SIGKILL" else 130
    assert expected == process.returncode, stderr
    if how != "SIGKILL":
        assert "stopped at once" in stderr
    results = finish_and_check(emulator, source, 200)
    assert sum(r["outcome"] == "sent" for r in results) >= 170
