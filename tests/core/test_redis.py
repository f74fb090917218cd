"""RedisLimiter against a real redis-server started on 127.0.0.1.

Skipped when redis-server is not installed, unless SMSKIT_REQUIRE_REDIS=1
(CI sets it), which turns the skip into a failure.

The fault tests kill (SIGKILL) and freeze (SIGSTOP) a server of their own
mid-run and check that the limiter fails closed with `LimiterUnavailable`
instead of hanging or leaking redis-py's errors. A hang is detected by a
generous join timeout, never by measuring how fast the error came.
"""

from __future__ import annotations

import pickle
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

import smskit
from redis_server import RedisServer, running_redis
from smskit._core import _redis as redis_limiter

redis = pytest.importorskip("redis")
redis_asyncio = pytest.importorskip("redis.asyncio")

# The test server's password, looked for in every error and pickle.
PASSWORD = "s3cret"
# Short enough to keep the freeze tests quick, long enough for a loaded CI box.
FAST = 0.3
# Far beyond FAST plus a reconnect: only a hang gets here.
HANG = 10.0
TO = "+14155552671"

asyncio_only = pytest.mark.parametrize("anyio_backend", ["asyncio"])  # redis-py


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server.url


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    """A password-protected server of this test's own, to kill or freeze."""
    with running_redis(tmp_path, password=PASSWORD) as server:
        yield server


@pytest.fixture
def limiter(redis_url: str) -> Iterator[smskit.RedisLimiter]:
    limiter = smskit.RedisLimiter(smskit.RateLimit(rate=10, burst=2), url=redis_url)
    yield limiter
    limiter.close()


@pytest.fixture
def fast(server: RedisServer) -> Iterator[smskit.RedisLimiter]:
    """A limiter on ``server`` with short timeouts (sync clients closed after)."""
    limiter = fast_limiter(server.url)
    yield limiter
    limiter.close()


def fast_limiter(url: str) -> smskit.RedisLimiter:
    limit = smskit.RateLimit(rate=1000, burst=1)
    return smskit.RedisLimiter(
        limit, url=url, connect_timeout=FAST, socket_timeout=FAST
    )


def key(name: str) -> str:
    return f"smskit:test:{name}:{time.monotonic_ns()}"


def in_thread(call: Callable[[], object]) -> BaseException | None:
    """Run ``call`` in a thread; fail the test if it is still blocked at HANG."""
    caught: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as error:  # handed to the test, whatever it is
            caught.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG)
    assert not thread.is_alive(), "the call hung on a frozen Redis"
    return caught[0] if caught else None


def assert_unavailable(error: BaseException | None, cause: type[Exception]) -> None:
    """The error is smskit's, says nothing was sent, and leaks no password."""
    assert isinstance(error, smskit.LimiterUnavailable)
    assert isinstance(error.__cause__, cause)
    assert "could not be reached" in str(error)
    assert "nothing was sent" in str(error)
    assert_no_password(error)


def assert_no_password(error: BaseException) -> None:
    text = "".join(traceback.format_exception(error))
    assert PASSWORD not in text
    assert PASSWORD not in repr(error)


# -- the GCRA behaviour, unchanged ---------------------------------------------


def test_burst_then_paced(limiter: smskit.RedisLimiter) -> None:
    bucket = key("burst")
    waits = [limiter.reserve(bucket, 1) for _ in range(4)]
    assert [0.0, 0.0] == waits[:2]
    assert 0.1 == pytest.approx(waits[2], abs=0.02)
    assert 0.2 == pytest.approx(waits[3], abs=0.02)


def test_two_processes_worth_of_limiters_share_one_bucket(
    limiter: smskit.RedisLimiter, redis_url: str
) -> None:
    given = redis.Redis.from_url(redis_url)
    other = smskit.RedisLimiter(limiter.limit, client=given)
    bucket = key("shared")
    limiter.reserve(bucket, 1)
    other.reserve(bucket, 1)
    assert 0.1 == pytest.approx(other.reserve(bucket, 1), abs=0.02)
    other.close()  # a given client is not closed by the limiter
    assert given.ping()
    given.close()


def test_pause_is_seen_by_everyone(limiter: smskit.RedisLimiter) -> None:
    bucket = key("pause")
    limiter.pause(bucket, 2.0)
    assert 2.1 == pytest.approx(limiter.reserve(bucket, 1), abs=0.05)


@pytest.mark.anyio
@asyncio_only
async def test_async_reserve_and_pause(redis_url: str) -> None:
    limiter = smskit.RedisLimiter(smskit.RateLimit(rate=10, burst=1), url=redis_url)
    bucket = key("async")
    assert 0.0 == await limiter.areserve(bucket, 1)
    await limiter.apause(bucket, 1.0)
    assert 1.1 == pytest.approx(await limiter.areserve(bucket, 1), abs=0.05)
    await limiter.aclose()


@pytest.mark.anyio
@asyncio_only
async def test_a_given_async_client_is_used_and_left_open(redis_url: str) -> None:
    given = redis_asyncio.Redis.from_url(redis_url)
    limiter = smskit.RedisLimiter(smskit.RateLimit(rate=10), async_client=given)
    assert 0.0 == await limiter.areserve(key("given-async"), 1)
    await limiter.aclose()
    assert await given.ping()
    await given.aclose()


def test_client_paced_through_redis(redis_url: str) -> None:
    limit = smskit.RateLimit(rate=1000, burst=1)
    limiter = smskit.RedisLimiter(limit, url=redis_url)
    sandbox = smskit.providers.Sandbox()
    with smskit.Client(sandbox, rate_limit=limiter) as client:
        for _ in range(3):
            client.send(to=TO, body="hi")
    assert 3 == len(sandbox.outbox)
    limiter.close()


# -- options ---------------------------------------------------------------------


def test_needs_a_url_or_client() -> None:
    with pytest.raises(smskit.ConfigurationError, match="url="):
        smskit.RedisLimiter(smskit.RateLimit(rate=1))


def test_one_client_only_needs_url_for_the_other(redis_url: str) -> None:
    given = redis.Redis.from_url(redis_url)
    limiter = smskit.RedisLimiter(smskit.RateLimit(rate=1), client=given)
    with pytest.raises(smskit.ConfigurationError, match="pass url="):
        limiter._async_script_object()
    given.close()


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"connect_timeout": 0}, smskit.ConfigurationError, "connect_timeout"),
        ({"socket_timeout": -1.0}, smskit.ConfigurationError, "socket_timeout"),
        ({"socket_timeout": float("nan")}, smskit.ConfigurationError, "finite"),
        ({"socket_timeout": "1"}, smskit.OptionTypeError, "a number, not str"),
        ({"connect_timeout": True}, smskit.OptionTypeError, "not bool"),
        ({"url": b"redis://127.0.0.1"}, smskit.OptionTypeError, "url"),
        ({"client": "redis://127.0.0.1"}, smskit.OptionTypeError, "redis-py client"),
        ({"async_client": object()}, smskit.OptionTypeError, "async_client="),
        ({"url": "http://127.0.0.1/"}, smskit.ConfigurationError, "Redis URL"),
    ],
)
def test_options_are_checked_at_construction(
    options: dict[str, Any], error: type[Exception], match: str
) -> None:
    options.setdefault("url", "redis://127.0.0.1:1/0")
    with pytest.raises(error, match=match):
        smskit.RedisLimiter(smskit.RateLimit(rate=1), **options)


def test_limit_must_be_a_rate_limit() -> None:
    with pytest.raises(smskit.OptionTypeError, match="RateLimit"):
        smskit.RedisLimiter(10, url="redis://127.0.0.1:1/0")  # type: ignore[arg-type]


def test_bad_url_error_does_not_quote_it() -> None:
    url = f"redis://:{PASSWORD}@127.0.0.1:{PASSWORD}/0"  # the port is not a number
    with pytest.raises(smskit.ConfigurationError, match="Redis URL") as caught:
        smskit.RedisLimiter(smskit.RateLimit(rate=1), url=url)
    assert_no_password(caught.value)


def test_clients_from_a_url_get_the_timeouts(redis_url: str) -> None:
    default = smskit.RedisLimiter(smskit.RateLimit(rate=1), url=redis_url)
    chosen = smskit.RedisLimiter(
        smskit.RateLimit(rate=1), url=redis_url, connect_timeout=2, socket_timeout=3
    )
    expected = redis_limiter.DEFAULT_REDIS_TIMEOUT
    assert (expected, expected) == pool_timeouts(default._client)
    assert (expected, expected) == pool_timeouts(default._async_client)
    assert (2, 3) == pool_timeouts(chosen._client)
    assert (2, 3) == pool_timeouts(chosen._async_client)
    # One attempt each: redis-py's retries would multiply the bound.
    for client in (default._client, default._async_client):
        assert 0 == client.connection_pool.connection_kwargs["retry"].get_retries()
    # Well within the client's own default connect timeout.
    assert smskit.DEFAULT_TIMEOUT.connect is not None
    assert expected * 2 < smskit.DEFAULT_TIMEOUT.connect


def test_a_given_client_keeps_its_own_settings(redis_url: str) -> None:
    given = redis.Redis.from_url(redis_url, socket_timeout=7)
    smskit.RedisLimiter(smskit.RateLimit(rate=1), client=given, socket_timeout=0.5)
    assert 7 == given.connection_pool.connection_kwargs["socket_timeout"]
    given.close()


def pool_timeouts(client: Any) -> tuple[float, float]:
    kwargs = client.connection_pool.connection_kwargs
    return kwargs["socket_connect_timeout"], kwargs["socket_timeout"]


def test_missing_redis_package(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes ``import`` of that name raise ImportError.
    for name in [name for name in sys.modules if name.split(".")[0] == "redis"]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(smskit.ConfigurationError, match=r"smskit-sdk\[redis\]"):
        smskit.RedisLimiter(smskit.RateLimit(rate=1), url="redis://127.0.0.1:1")


# -- secrets ---------------------------------------------------------------------


def test_repr_hides_the_url() -> None:
    limiter = smskit.RedisLimiter(
        smskit.RateLimit(rate=3), url=f"redis://:{PASSWORD}@127.0.0.1:1/0"
    )
    assert PASSWORD not in repr(limiter)
    assert "<RedisLimiter rate=3/s burst=3>" == repr(limiter)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickling_is_refused_without_the_password(protocol: int) -> None:
    limiter = smskit.RedisLimiter(
        smskit.RateLimit(rate=3), url=f"redis://:{PASSWORD}@127.0.0.1:1/0"
    )
    with pytest.raises(TypeError, match="create one in each process") as caught:
        pickle.dumps(limiter, protocol=protocol)
    assert_no_password(caught.value)


def test_unreachable_redis_errors_hold_no_password() -> None:
    # Port 1 on the loopback: nothing listens, the connection is refused.
    limiter = smskit.RedisLimiter(
        smskit.RateLimit(rate=3), url=f"redis://:{PASSWORD}@127.0.0.1:1/0"
    )
    with pytest.raises(smskit.LimiterUnavailable) as caught:
        limiter.reserve(key("refused"), 1)
    assert_unavailable(caught.value, redis.ConnectionError)


def test_a_wrong_password_is_unavailable_not_leaked(server: RedisServer) -> None:
    url = server.url.replace(PASSWORD, "wr0ng")
    limiter = fast_limiter(url)
    with pytest.raises(smskit.LimiterUnavailable) as caught:
        limiter.reserve(key("auth"), 1)
    assert_unavailable(caught.value, redis.AuthenticationError)
    assert "wr0ng" not in "".join(traceback.format_exception(caught.value))
    limiter.close()


# -- a killed server ---------------------------------------------------------------


def test_killed_redis_fails_closed_then_recovers(
    server: RedisServer, fast: smskit.RedisLimiter
) -> None:
    bucket = key("killed")
    assert 0.0 == fast.reserve(bucket, 1)
    server.kill()
    assert_unavailable(in_thread(lambda: fast.reserve(bucket, 1)), redis.RedisError)
    assert_unavailable(in_thread(lambda: fast.pause(bucket, 1)), redis.RedisError)
    server.start()  # same port, empty: the limiter reconnects by itself
    assert 0.0 == fast.reserve(bucket, 1)


@pytest.mark.anyio
@asyncio_only
async def test_killed_redis_fails_closed_async(
    server: RedisServer, fast: smskit.RedisLimiter
) -> None:
    bucket = key("killed-async")
    assert 0.0 == await fast.areserve(bucket, 1)
    server.kill()
    with anyio.fail_after(HANG):
        with pytest.raises(smskit.LimiterUnavailable) as reserving:
            await fast.areserve(bucket, 1)
        with pytest.raises(smskit.LimiterUnavailable) as pausing:
            await fast.apause(bucket, 1)
    assert_unavailable(reserving.value, redis.RedisError)
    assert_unavailable(pausing.value, redis.RedisError)
    server.start()
    assert 0.0 == await fast.areserve(bucket, 1)
    await fast.aclose()


def test_send_fails_closed_when_redis_is_killed(
    server: RedisServer, fast: smskit.RedisLimiter
) -> None:
    sandbox = smskit.providers.Sandbox()
    with smskit.Client(sandbox, rate_limit=fast) as client:
        client.send(to=TO, body="before")
        server.kill()
        with pytest.raises(smskit.LimiterUnavailable) as caught:
            client.send(to=TO, body="after")
    assert_unavailable(caught.value, redis.RedisError)
    assert ["before"] == [message.body for message in sandbox.outbox]


@pytest.mark.anyio
@asyncio_only
async def test_async_send_fails_closed_when_redis_is_killed(
    server: RedisServer, fast: smskit.RedisLimiter
) -> None:
    sandbox = smskit.providers.Sandbox()
    async with smskit.AsyncClient(sandbox, rate_limit=fast) as client:
        await client.send(to=TO, body="before")
        server.kill()
        with anyio.fail_after(HANG), pytest.raises(smskit.LimiterUnavailable):
            await client.send(to=TO, body="after")
    assert ["before"] == [message.body for message in sandbox.outbox]
    await fast.aclose()


# -- a frozen server -----------------------------------------------------------------


def test_frozen_redis_times_out_instead_of_hanging(
    server: RedisServer, fast: smskit.RedisLimiter
) -> None:
    bucket = key("frozen")
    assert 0.0 == fast.reserve(bucket, 1)
    server.signal(signal.SIGSTOP)
    assert_unavailable(in_thread(lambda: fast.reserve(bucket, 1)), redis.TimeoutError)
    assert_unavailable(in_thread(lambda: fast.pause(bucket, 1)), redis.TimeoutError)
    server.signal(signal.SIGCONT)
    assert fast.reserve(bucket, 1) >= 0.0  # thawed: usable again


def test_frozen_redis_times_out_on_a_new_connection(server: RedisServer) -> None:
    # The kernel still accepts the TCP connection; the handshake reply never comes.
    server.signal(signal.SIGSTOP)
    limiter = fast_limiter(server.url)
    error = in_thread(lambda: limiter.reserve(key("frozen-new"), 1))
    assert_unavailable(error, redis.TimeoutError)
    limiter.close()


@pytest.mark.anyio
@asyncio_only
async def test_frozen_redis_times_out_async(
    server: RedisServer, fast: smskit.RedisLimiter
) -> None:
    bucket = key("frozen-async")
    assert 0.0 == await fast.areserve(bucket, 1)
    server.signal(signal.SIGSTOP)
    with anyio.fail_after(HANG):
        with pytest.raises(smskit.LimiterUnavailable) as reserving:
            await fast.areserve(bucket, 1)
        with pytest.raises(smskit.LimiterUnavailable) as pausing:
            await fast.apause(bucket, 1)
    assert_unavailable(reserving.value, redis.TimeoutError)
    assert_unavailable(pausing.value, redis.TimeoutError)
    server.signal(signal.SIGCONT)
    assert await fast.areserve(bucket, 1) >= 0.0
    await fast.aclose()


def test_send_fails_closed_when_redis_is_frozen(
    server: RedisServer, fast: smskit.RedisLimiter
) -> None:
    sandbox = smskit.providers.Sandbox()
    with smskit.Client(sandbox, rate_limit=fast) as client:
        client.send(to=TO, body="before")
        server.signal(signal.SIGSTOP)
        error = in_thread(lambda: client.send(to=TO, body="after"))
    assert_unavailable(error, redis.TimeoutError)
    assert ["before"] == [message.body for message in sandbox.outbox]


@pytest.mark.anyio
@asyncio_only
async def test_async_send_fails_closed_when_redis_is_frozen(
    server: RedisServer, fast: smskit.RedisLimiter
) -> None:
    sandbox = smskit.providers.Sandbox()
    async with smskit.AsyncClient(sandbox, rate_limit=fast) as client:
        await client.send(to=TO, body="before")
        server.signal(signal.SIGSTOP)
        with anyio.fail_after(HANG), pytest.raises(smskit.LimiterUnavailable) as caught:
            await client.send(to=TO, body="after")
    assert_unavailable(caught.value, redis.TimeoutError)
    assert ["before"] == [message.body for message in sandbox.outbox]
    await fast.aclose()
