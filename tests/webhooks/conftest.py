"""Fixtures for the smskit.webhooks tests: a real redis-server when installed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from webhook_helpers import RedisServer, redis_binary


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server on 127.0.0.1 for the whole session (skipped when absent)."""
    pytest.importorskip("redis")
    binary = redis_binary()
    if binary is None:
        pytest.skip("no redis-server")
    server = RedisServer(binary, tmp_path_factory.mktemp("webhooks-redis"))
    try:
        server.start()
        yield server.url
    finally:
        server.stop()
