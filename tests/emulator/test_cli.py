"""``smskit sandbox serve`` and ``python -m smskit``."""

from __future__ import annotations

import runpy
import socket
import sys
from pathlib import Path

import httpx
import pytest

import smskit
from smskit import _cli
from smskit._emulator import Emulator


def test_serve_starts_and_stops_on_ctrl_c(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """serve prints a banner, answers requests and stops cleanly on Ctrl-C."""
    seen: dict[str, object] = {}

    def block(emulator: Emulator) -> None:
        with httpx.Client(base_url=emulator.url) as http:
            seen["summary"] = http.get("/_sandbox").json()
        seen["inbound"] = dict(emulator.inbound_urls)
        raise KeyboardInterrupt

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
    assert {"plivo": "http://127.0.0.1:9/in"} == seen["inbound"]
    out = capsys.readouterr().out
    assert "smskit emulator on http://127.0.0.1:" in out
    assert "from-env-secret" not in out
    assert "stopping" in out


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


def test_block_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default _block waits on an event (here interrupted at once)."""

    class Interrupted:
        def wait(self) -> None:
            raise KeyboardInterrupt

    monkeypatch.setattr(_cli.threading, "Event", Interrupted)
    with pytest.raises(KeyboardInterrupt):
        _cli._block(Emulator(port=0))


def test_python_m_smskit(monkeypatch: pytest.MonkeyPatch) -> None:
    """python -m smskit runs the same command line."""
    monkeypatch.setattr(sys, "argv", ["smskit", "--help"])
    with pytest.raises(SystemExit) as exit_info:
        # run_path: pytest's import hook for the smskit plugin cannot serve run_module
        runpy.run_path(
            str(Path(smskit.__file__).with_name("__main__.py")), run_name="__main__"
        )
    assert 0 == exit_info.value.code
