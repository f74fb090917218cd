"""A rate limit shared by many processes and hosts, kept in Redis.

The GCRA arithmetic of `LocalLimiter` runs inside Redis as one Lua script, so
a reservation is atomic across every client, and it reads the time from the
Redis server (``TIME``), so hosts with skewed clocks still share one quota.
Needs ``pip install smskit-sdk[redis]``.

Every Redis failure becomes `LimiterUnavailable`: smskit fails closed and
never sends without a reservation.
"""

from __future__ import annotations

import asyncio
import importlib
from typing import Any, NoReturn

from smskit import _checks as checks
from smskit._core._ratelimit import RateLimit
from smskit._exceptions import (
    ConfigurationError,
    LimiterUnavailable,
    OptionTypeError,
)

__all__ = ["DEFAULT_REDIS_TIMEOUT", "RedisLimiter"]

DEFAULT_REDIS_TIMEOUT = 1.0
"""Seconds `RedisLimiter` allows for connecting, and for each reply.

Well within the client's own 5 s connect timeout: a Redis that is down or
frozen fails a send in about two seconds instead of stalling it.
"""

# KEYS[1] bucket; ARGV: rate, capacity, cost, pause seconds (0: reserve).
# Returns the wait in seconds as a string (Lua numbers would be truncated).
_GCRA_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local pause = tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
local wait = 0
if pause > 0 then
  tat = math.max(tat, now + pause + capacity / rate)
else
  tat = math.max(tat, now) + cost / rate
  wait = math.max(tat - capacity / rate - now, 0)
end
local ttl = math.ceil((tat - now) * 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.6f', tat), 'PX', ttl)
return string.format('%.6f', wait)
"""


def _redis_module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        message = "RedisLimiter needs redis-py: pip install 'smskit-sdk[redis]'"
        raise ConfigurationError(message) from None


def _failures() -> tuple[type[BaseException], ...]:
    """The errors that mean "Redis could not be asked", from redis-py or below.

    redis-py wraps most socket errors, but not all of them on every version;
    ``asyncio.TimeoutError`` is not an ``OSError`` before Python 3.11.
    """
    exceptions = _redis_module("redis.exceptions")
    return (exceptions.RedisError, OSError, asyncio.TimeoutError)


def _unavailable(action: str, error: BaseException) -> NoReturn:
    # Only the error's class: its text may name the host, and a URL is never
    # repeated, as it may hold the password.
    message = (
        f"the shared rate limiter could not be reached to {action}: Redis failed "
        f"with {type(error).__name__}; nothing was sent, so the message can be "
        "sent again later"
    )
    raise LimiterUnavailable(message) from error


class RedisLimiter:
    """Token buckets in Redis, shared by every process that uses the same keys.

    Clients created from ``url`` connect within ``connect_timeout`` and wait
    at most ``socket_timeout`` for each reply, and make one attempt: a Redis
    that is down or frozen fails a send in bounded time. A client you pass in
    keeps its own timeouts and retries.

    A limiter holds connections and perhaps a password, so it cannot be
    pickled: create one in each process from the same URL.

    Args:
        limit: The rate, burst and keying (the same for every process).
        url: A Redis URL such as ``redis://localhost:6379/0``; used to create
            the clients not given. Options in its query string (such as
            ``?socket_timeout=5``) win over the keywords below.
        client: A ``redis.Redis`` to use for sync clients, with its own
            settings.
        async_client: A ``redis.asyncio.Redis`` to use for async clients, with
            its own settings.
        connect_timeout: Seconds to connect to Redis (clients from ``url``).
        socket_timeout: Seconds to wait for each Redis reply (clients from
            ``url``).

    Raises:
        ConfigurationError: redis-py is not installed, neither a URL nor a
            client was given, the URL is not a Redis URL, or a timeout is not
            a positive number of seconds.
        OptionTypeError: An option has the wrong type.
    """

    def __init__(
        self,
        limit: RateLimit,
        *,
        url: str | None = None,
        client: Any = None,
        async_client: Any = None,
        connect_timeout: float = DEFAULT_REDIS_TIMEOUT,
        socket_timeout: float = DEFAULT_REDIS_TIMEOUT,
    ) -> None:
        _check_options(limit, url, client, async_client)
        options = _timeouts(connect_timeout, socket_timeout)
        self._limit = limit
        self._failures = _failures()
        # The clients created here, which close() and aclose() close.
        self._owned_client: Any = None
        self._owned_async_client: Any = None
        if url is not None and client is None:
            client = self._owned_client = _sync_client(url, options)
        if url is not None and async_client is None:
            async_client = self._owned_async_client = _async_client(url, options)
        self._client = client
        self._async_client = async_client
        self._script: Any = None
        self._async_script: Any = None

    def __repr__(self) -> str:
        # The URL may hold a password: never show it.
        return (
            f"<RedisLimiter rate={self.limit.rate:g}/s burst={self.limit.capacity:g}>"
        )

    def __reduce__(self) -> NoReturn:
        # A pickle would carry the password of the URL and dead connections.
        message = (
            "a RedisLimiter cannot be pickled (it holds Redis connections and "
            "perhaps a password): create one in each process from its URL"
        )
        raise TypeError(message)

    @property
    def limit(self) -> RateLimit:
        """The rate, burst and keying this limiter enforces."""
        return self._limit

    def reserve(self, key: str, cost: float) -> float:
        """Take ``cost`` tokens from bucket ``key``; return seconds to wait.

        Raises:
            LimiterUnavailable: Redis failed; no reservation was made.
        """
        script = self._sync_script()
        try:
            wait = script(keys=[key], args=self._args(cost, 0.0))
        except self._failures as error:
            _unavailable("reserve a send", error)
        return float(wait)

    async def areserve(self, key: str, cost: float) -> float:
        """Async `reserve`.

        Raises:
            LimiterUnavailable: Redis failed; no reservation was made.
        """
        script = self._async_script_object()
        try:
            wait = await script(keys=[key], args=self._args(cost, 0.0))
        except self._failures as error:
            _unavailable("reserve a send", error)
        return float(wait)

    def pause(self, key: str, seconds: float) -> None:
        """Empty bucket ``key`` for every process until ``seconds`` from now.

        Raises:
            LimiterUnavailable: Redis failed; the bucket was not paused.
        """
        script = self._sync_script()
        try:
            script(keys=[key], args=self._args(0.0, seconds))
        except self._failures as error:
            _unavailable("pause the bucket", error)

    async def apause(self, key: str, seconds: float) -> None:
        """Async `pause`.

        Raises:
            LimiterUnavailable: Redis failed; the bucket was not paused.
        """
        script = self._async_script_object()
        try:
            await script(keys=[key], args=self._args(0.0, seconds))
        except self._failures as error:
            _unavailable("pause the bucket", error)

    def close(self) -> None:
        """Close the sync Redis client this limiter created (not a given one)."""
        if self._owned_client is not None:
            self._owned_client.close()

    async def aclose(self) -> None:
        """Close the Redis clients this limiter created (not given ones)."""
        self.close()
        if self._owned_async_client is not None:
            # redis-py 5.0.0 has no aclose(); its close() is the coroutine.
            client = self._owned_async_client
            await getattr(client, "aclose", client.close)()

    def _args(self, cost: float, pause: float) -> list[str]:
        return [
            repr(float(self.limit.rate)),
            repr(float(self.limit.capacity)),
            repr(float(cost)),
            repr(float(pause)),
        ]

    def _sync_script(self) -> Any:
        if self._script is None:
            self._script = _need(self._client).register_script(_GCRA_LUA)
        return self._script

    def _async_script_object(self) -> Any:
        if self._async_script is None:
            self._async_script = _need(self._async_client).register_script(_GCRA_LUA)
        return self._async_script


def _check_options(
    limit: object, url: object, client: object, async_client: object
) -> None:
    checks.instance("RedisLimiter limit", limit, RateLimit)
    if url is None and client is None and async_client is None:
        raise ConfigurationError("RedisLimiter needs url=, client= or async_client=")
    if url is not None:
        checks.instance("RedisLimiter url", url, str)
    for name, given in (("client", client), ("async_client", async_client)):
        if given is not None and not callable(getattr(given, "register_script", None)):
            kind = type(given).__name__
            message = f"RedisLimiter {name}= must be a redis-py client, not {kind}"
            raise OptionTypeError(message)


def _timeouts(connect_timeout: object, socket_timeout: object) -> dict[str, float]:
    """Check the timeouts and name them as redis-py's ``from_url`` does."""
    return {
        "socket_connect_timeout": checks.number(
            "RedisLimiter connect_timeout", connect_timeout, minimum=0
        ),
        "socket_timeout": checks.number(
            "RedisLimiter socket_timeout", socket_timeout, minimum=0
        ),
    }


def _sync_client(url: str, options: dict[str, float]) -> Any:
    redis = _redis_module("redis")
    retry = _redis_module("redis.retry").Retry
    return _from_url(redis.Redis, url, options, retry)


def _async_client(url: str, options: dict[str, float]) -> Any:
    redis_asyncio = _redis_module("redis.asyncio")
    retry = _redis_module("redis.asyncio.retry").Retry
    return _from_url(redis_asyncio.Redis, url, options, retry)


def _from_url(
    redis_class: Any, url: str, options: dict[str, float], retry_class: Any
) -> Any:
    """Build a client that makes one attempt, so the timeouts bound a call.

    Building connects to nothing: a dead Redis shows at the first reservation.
    """
    no_backoff = _redis_module("redis.backoff").NoBackoff()
    try:
        return redis_class.from_url(url, retry=retry_class(no_backoff, 0), **options)
    except ValueError as error:
        # redis-py's message may quote part of the URL; show only its kind.
        message = (
            "RedisLimiter url= is not a usable Redis URL (redis://, rediss:// or "
            f"unix://, with valid options): {type(error).__name__}"
        )
        raise ConfigurationError(message) from None


def _need(client: Any) -> Any:
    if client is None:
        message = "RedisLimiter was given one client only; pass url= for the other"
        raise ConfigurationError(message)
    return client
