"""Every script in examples/ runs and prints what it promises."""

from __future__ import annotations

import runpy
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
