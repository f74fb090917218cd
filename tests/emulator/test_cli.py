"""``smskit sandbox serve`` and ``python -m smskit``."""

from __future__ import annotations

import importlib.metadata
import os
import queue
import re
import runpy
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

import smskit
from smskit import _cli
from smskit._emulator import _server


def test_serve_starts_and_stops_on_a_signal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """serve prints a banner, answers requests and stops cleanly when told."""
    seen: dict[str, object] = {}

    def block(stop: threading.Event) -> None:
        banner = capsys.readouterr().out
        seen["banner"] = banner
        url = re.search(r"smskit emulator on (\S+)", banner)
        assert url is not None
        with httpx.Client(base_url=url[1]) as http:
            seen["summary"] = http.get("/_sandbox").json()
        stop.set()  # what the SIGINT/SIGTERM handler does
        _cli_block(stop)

    monkeypatch.setattr(_cli, "_block", block)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "from-env-secret")
    status = _cli.main(
        [
            "sandbox",
            "serve",
            "--port",
            "0",
            "--no-clock",
            "--vonage-api-key",
            "flag-key",
            "--inbound-url-plivo",
            "http://127.0.0.1:9/in",
            "--verbose",
        ]
    )
    assert 0 == status
    summary = seen["summary"]
    assert isinstance(summary, dict)
    assert "flag-key" == summary["providers"]["vonage"]["api_key"]
    assert {"plivo": "http://127.0.0.1:9/in"} == summary["inbound_urls"]
    assert "from-env-secret" not in str(seen["banner"])
    assert "stopping" in capsys.readouterr().out


_cli_block = _cli._block


def test_keyboard_interrupt_still_stops(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Where no signal handler could be set, Ctrl-C's KeyboardInterrupt stops it."""

    def block(stop: threading.Event) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_cli, "_block", block)
    assert 0 == _cli.main(["sandbox", "serve", "--port", "0", "--no-clock"])
    assert "stopping" in capsys.readouterr().out


def test_signal_handlers_are_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """serve puts the SIGINT and SIGTERM handlers back when it returns."""
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    during: list[object] = []

    def block(stop: threading.Event) -> None:
        during.append(signal.getsignal(signal.SIGTERM))
        stop.set()

    monkeypatch.setattr(_cli, "_block", block)
    assert 0 == _cli.main(["sandbox", "serve", "--port", "0", "--no-clock"])
    assert during[0] not in before
    assert before == (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT))


def test_no_handlers_outside_the_main_thread() -> None:
    """Embedded in another thread, serve leaves signal handling alone."""
    restores: list[object] = []
    thread = threading.Thread(
        target=lambda: restores.append(_cli._on_stop_signals(threading.Event()))
    )
    before = signal.getsignal(signal.SIGTERM)
    thread.start()
    thread.join()
    assert before == signal.getsignal(signal.SIGTERM)
    restore = restores[0]
    assert callable(restore)
    restore()


def test_sigterm_stops_like_ctrl_c(tmp_path: Path) -> None:
    """A real ``python -m smskit sandbox serve`` stops cleanly on SIGTERM."""
    if not hasattr(signal, "SIGTERM") or sys.platform == "win32":
        pytest.skip("POSIX signals only")
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TWILIO_", "VONAGE_", "PLIVO_"))
    }
    env["PYTHONIOENCODING"] = "utf-8"
    command = [sys.executable, "-m", "smskit", "sandbox", "serve", "--port", "0"]
    with subprocess.Popen(  # noqa: S603 -- our own interpreter and module
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    ) as process:
        assert process.stdout is not None
        lines: queue.Queue[bytes] = queue.Queue()
        threading.Thread(
            target=lambda: [lines.put(line) for line in process.stdout or ()],
            daemon=True,
        ).start()
        first = lines.get(timeout=30)
        url = re.search(rb"smskit emulator on (\S+)", first)
        assert url is not None, first
        assert 200 == httpx.get(url[1].decode() + "/_sandbox").status_code
        process.send_signal(signal.SIGTERM)
        assert 0 == process.wait(timeout=30)
        rest = b""
        while not lines.empty():
            rest += lines.get()
        stderr = process.stderr.read() if process.stderr else b""
    assert "stopping" in rest.decode("utf-8")
    assert b"Traceback" not in stderr


def test_busy_port_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    """A port that is taken ends with status 1 and a message."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        assert 1 == _cli.main(["sandbox", "serve", "--port", port])
    assert "cannot listen" in capsys.readouterr().err


def test_bad_signature_method_from_env(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad VONAGE_SIGNATURE_METHOD ends with status 2."""
    monkeypatch.setenv("VONAGE_SIGNATURE_METHOD", "crc32")
    assert 2 == _cli.main(["sandbox", "serve", "--port", "0"])
    assert "signature method" in capsys.readouterr().err


def test_block_returns_once_stopped() -> None:
    """The default _block returns when its event is set."""
    stop = threading.Event()
    stop.set()
    _cli._block(stop)


def test_block_keeps_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """_block waits in short slices until the event is set."""
    waits: list[float] = []

    class Slow:
        def wait(self, timeout: float) -> bool:
            waits.append(timeout)
            return len(waits) == 3

    _cli._block(Slow())  # type: ignore[arg-type]
    assert [1.0, 1.0, 1.0] == waits


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "must be from 0 to 65535, not 70000"),
        (["--port", "http"], "not a port number"),
        (["--speed", "-2"], "must be > 0"),
        (["--speed", "fast"], "not a number"),
        (["--speed", "nan"], "must be > 0"),
        (["--speed", "0"], "--no-clock"),
        (["--inbound-url-twilio", "ftp://x"], "http or https"),
        (["--inbound-url-vonage", "http://[::1/x"], "not a valid URL"),
    ],
)
def test_bad_options_are_clear_cli_errors(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    """Out-of-range options end with status 2 and say which and why."""
    with pytest.raises(SystemExit) as exit_info:
        _cli.main(["sandbox", "serve", *args])
    assert 2 == exit_info.value.code
    err = capsys.readouterr().err
    assert f"argument {args[0]}" in err
    assert message in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """smskit --version prints the installed version."""
    with pytest.raises(SystemExit) as exit_info:
        _cli.main(["--version"])
    assert 0 == exit_info.value.code
    assert f"smskit {smskit.__version__}\n" == capsys.readouterr().out


def test_version_without_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    """A source tree that is not installed still answers --version."""

    def missing(name: str) -> object:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert "not installed" in _cli._version()


@pytest.mark.parametrize("command", [[], ["sandbox"], ["sandbox", "serve"]])
def test_every_help_shows_defaults(
    capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """Every option of every --help says its default (help and version aside)."""
    with pytest.raises(SystemExit):
        _cli.main([*command, "--help"])
    text = " ".join(capsys.readouterr().out.split())  # undo the wrapping
    options = re.findall(r"(?:^| )(--[a-z-]+)(?=[ ,])", text.split("options:", 1)[1])
    for option in set(options) - {"--help", "--version"}:
        after = text.split(f" {option}", 1)[1]
        help_text = re.split(r" --[a-z]", after, maxsplit=1)[0]
        assert "default" in help_text, option


def test_serve_help_names_the_real_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    """The defaults shown are the values the emulator uses."""
    with pytest.raises(SystemExit):
        _cli.main(["sandbox", "serve", "--help"])
    text = " ".join(capsys.readouterr().out.split()).replace("- ", "-")
    for shown in (
        "(default: 127.0.0.1)",
        "(default: 8787)",
        "(default: 1.0)",
        "$TWILIO_AUTH_TOKEN, else emulator-twilio-auth-token",
        "$VONAGE_SIGNATURE_METHOD, else md5hash",
    ):
        assert shown in text


def test_exposed_host_warns(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """--host 0.0.0.0 warns that the control API has no authentication."""

    def refuse(*args: object) -> None:
        raise OSError("not binding in a test")

    monkeypatch.setattr(_server, "_Server", refuse)
    assert 1 == _cli.main(["sandbox", "serve", "--host", "0.0.0.0", "--port", "0"])  # noqa: S104
    assert any("no authentication" in r.getMessage() for r in caplog.records)


def test_python_m_smskit(monkeypatch: pytest.MonkeyPatch) -> None:
    """python -m smskit runs the same command line."""
    monkeypatch.setattr(sys, "argv", ["smskit", "--help"])
    with pytest.raises(SystemExit) as exit_info:
        # run_path: pytest's import hook for the smskit plugin cannot serve run_module
        runpy.run_path(
            str(Path(smskit.__file__).with_name("__main__.py")), run_name="__main__"
        )
    assert 0 == exit_info.value.code
