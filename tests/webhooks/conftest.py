"""Fixtures for the smskit.webhooks tests: a real redis-server when installed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from redis_server import running_redis


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server on 127.0.0.1 for the whole session (skipped when absent)."""
    pytest.importorskip("redis")
    with running_redis(tmp_path_factory.mktemp("webhooks-redis")) as server:
        yield server.url
