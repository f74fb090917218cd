"""Fixtures for the phone tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from smskit.phone import _normalize


@pytest.fixture(autouse=True)
def _fresh_memos() -> Iterator[None]:
    """Start and end every test with empty memos, so tests cannot leak."""
    _normalize._e164_memo.cache_clear()
    _normalize._parse_memo.cache_clear()
    yield
    _normalize._e164_memo.cache_clear()
    _normalize._parse_memo.cache_clear()
