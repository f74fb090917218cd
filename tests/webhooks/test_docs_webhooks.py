"""The Python examples of docs/webhooks.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).parent.parent.parent / "docs" / "webhooks.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def test_the_webhooks_guide_runs() -> None:
    pytest.importorskip("redis")  # one example builds a RedisStore
    found = BLOCK.findall(PAGE.read_text("utf-8"))
    assert len(found) >= 4
    namespace: dict[str, object] = {"__name__": "docs_example"}
    for source in found:
        exec(compile(source, str(PAGE), "exec"), namespace)  # noqa: S102 -- our docs
    assert callable(namespace["on_request"])
