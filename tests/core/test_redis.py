"""RedisLimiter against a real redis-server started on 127.0.0.1.

Skipped when redis-server is not installed, unless SMSKIT_REQUIRE_REDIS=1
(CI sets it), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

import smskit

redis = pytest.importorskip("redis")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("SMSKIT_REQUIRE_REDIS") == "1":
            pytest.fail("SMSKIT_REQUIRE_REDIS=1 but redis-server is not installed")
        pytest.skip("no redis-server")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(  # noqa: S603 -- a fixed local binary
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with redis.Redis.from_url(url) as probe:
                    probe.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def limiter(redis_url: str) -> Iterator[smskit.RedisLimiter]:
    limiter = smskit.RedisLimiter(smskit.RateLimit(rate=10, burst=2), url=redis_url)
    yield limiter
    limiter.close()


def key(name: str) -> str:
    return f"smskit:test:{name}:{time.monotonic_ns()}"


def test_burst_then_paced(limiter: smskit.RedisLimiter) -> None:
    bucket = key("burst")
    waits = [limiter.reserve(bucket, 1) for _ in range(4)]
    assert [0.0, 0.0] == waits[:2]
    assert 0.1 == pytest.approx(waits[2], abs=0.02)
    assert 0.2 == pytest.approx(waits[3], abs=0.02)


def test_two_processes_worth_of_limiters_share_one_bucket(
    limiter: smskit.RedisLimiter, redis_url: str
) -> None:
    other = smskit.RedisLimiter(limiter.limit, client=redis.Redis.from_url(redis_url))
    bucket = key("shared")
    limiter.reserve(bucket, 1)
    other.reserve(bucket, 1)
    assert 0.1 == pytest.approx(other.reserve(bucket, 1), abs=0.02)
    other.close()  # a given client is not closed by the limiter


def test_pause_is_seen_by_everyone(limiter: smskit.RedisLimiter) -> None:
    bucket = key("pause")
    limiter.pause(bucket, 2.0)
    assert 2.1 == pytest.approx(limiter.reserve(bucket, 1), abs=0.05)


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # redis-py is asyncio-only
async def test_async_reserve_and_pause(redis_url: str) -> None:
    limiter = smskit.RedisLimiter(smskit.RateLimit(rate=10, burst=1), url=redis_url)
    bucket = key("async")
    assert 0.0 == await limiter.areserve(bucket, 1)
    await limiter.apause(bucket, 1.0)
    assert 1.1 == pytest.approx(await limiter.areserve(bucket, 1), abs=0.05)
    await limiter.aclose()


def test_client_paced_through_redis(redis_url: str) -> None:
    limit = smskit.RateLimit(rate=1000, burst=1)
    limiter = smskit.RedisLimiter(limit, url=redis_url)
    sandbox = smskit.providers.Sandbox()
    with smskit.Client(sandbox, rate_limit=limiter) as client:
        for _ in range(3):
            client.send(to="+14155552671", body="hi")
    assert 3 == len(sandbox.outbox)
    limiter.close()


def test_needs_a_url_or_client() -> None:
    with pytest.raises(smskit.ConfigurationError, match="url="):
        smskit.RedisLimiter(smskit.RateLimit(rate=1))


def test_one_client_only_needs_url_for_the_other(redis_url: str) -> None:
    limiter = smskit.RedisLimiter(
        smskit.RateLimit(rate=1), client=redis.Redis.from_url(redis_url)
    )
    with pytest.raises(smskit.ConfigurationError, match="pass url="):
        limiter._async_script_object()


def test_repr_hides_the_url(redis_url: str) -> None:
    limiter = smskit.RedisLimiter(
        smskit.RateLimit(rate=3), url="redis://:hunter2@127.0.0.1:1/0"
    )
    assert "hunter2" not in repr(limiter)
    assert "<RedisLimiter rate=3/s burst=3>" == repr(limiter)


def test_missing_redis_package(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from smskit._core import _redis

    real_import = importlib.import_module

    def fake_import(name: str) -> object:
        if name.startswith("redis"):
            raise ImportError(name)
        return real_import(name)

    monkeypatch.setattr(_redis.importlib, "import_module", fake_import)
    limiter = smskit.RedisLimiter(smskit.RateLimit(rate=1), url="redis://127.0.0.1:1")
    with pytest.raises(smskit.ConfigurationError, match=r"smskit\[redis\]"):
        limiter.reserve("k", 1)
