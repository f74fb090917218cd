"""Every script in examples/ runs and prints what it promises."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent.parent / "examples"


def run_example(name: str, capsys: pytest.CaptureFixture[str]) -> str:
    runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    return capsys.readouterr().out


def test_quickstart_sends_and_sees_delivery(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_example("quickstart.py", capsys)
    assert "to=+14155552671" in out
    assert "status=queued encoding=GSM-7 segments=1" in out
    assert "event     sent" in out
    assert "event     delivered" in out
    assert "fetched   status=delivered" in out


# What each webhook example prints, in order: two callbacks, a redelivery of
# the first, and a forged request.
WEBHOOK_DEMO = [
    "status    SM0123456789abcdef0123456789abcdef delivered",
    "answered  204 ",
    "inbound   SMfedcba9876543210fedcba9876543210 'STOP' intent=opt_out",
    'answered  200 <?xml version="1.0" encoding="UTF-8"?><Response></Response>',
    "duplicate StatusEvent (already handled)",
    "answered  204 ",
    "forged    403 webhook signature does not verify",
]


def test_webhooks_flask_receives_signed_callbacks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("flask")
    assert run_example("webhooks_flask.py", capsys).splitlines() == WEBHOOK_DEMO


def test_webhooks_fastapi_receives_signed_callbacks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("fastapi")
    assert run_example("webhooks_fastapi.py", capsys).splitlines() == WEBHOOK_DEMO


def test_webhooks_django_receives_signed_callbacks() -> None:
    # Django's settings are configured once per process: the example, which
    # configures its own, runs in a process of its own.
    pytest.importorskip("django")
    done = subprocess.run(  # noqa: S603 - this interpreter, a file of the repository
        [sys.executable, str(EXAMPLES / "webhooks_django.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == WEBHOOK_DEMO
