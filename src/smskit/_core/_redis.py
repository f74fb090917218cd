"""A rate limit shared by many processes and hosts, kept in Redis.

The GCRA arithmetic of `LocalLimiter` runs inside Redis as one Lua script, so
a reservation is atomic across every client, and it reads the time from the
Redis server (``TIME``), so hosts with skewed clocks still share one quota.
Needs ``pip install smskit-sdk[redis]``.

Every Redis failure becomes `LimiterUnavailable`: smskit fails closed and
never sends without a reservation.
"""

from __future__ import annotations

from typing import Any, NoReturn

from smskit import _checks as checks
from smskit import _redis_support as support
from smskit._core._ratelimit import RateLimit
from smskit._exceptions import ConfigurationError, LimiterUnavailable
from smskit._redis_support import DEFAULT_REDIS_TIMEOUT

__all__ = ["DEFAULT_REDIS_TIMEOUT", "RedisLimiter"]

_OWNER = "RedisLimiter"

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


def _unavailable(action: str, error: BaseException) -> NoReturn:
    support.raise_unavailable(
        LimiterUnavailable,
        f"the shared rate limiter could not be reached to {action}",
        error,
        "nothing was sent, so the message can be sent again later",
    )


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
        options = support.timeouts(_OWNER, connect_timeout, socket_timeout)
        self._limit = limit
        self._failures = support.failures(_OWNER)
        # The clients created here, which close() and aclose() close.
        self._owned_client: Any = None
        self._owned_async_client: Any = None
        if url is not None and client is None:
            client = self._owned_client = support.client_from_url(
                _OWNER, "redis", url, options
            )
        if url is not None and async_client is None:
            async_client = self._owned_async_client = support.client_from_url(
                _OWNER, "redis.asyncio", url, options
            )
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
        support.refuse_pickling(_OWNER)

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
            await support.aclose_client(self._owned_async_client)

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
    support.check_sources(_OWNER, url, client, async_client)
    support.check_client(_OWNER, "client", client)
    support.check_client(_OWNER, "async_client", async_client)


def _need(client: Any) -> Any:
    if client is None:
        message = "RedisLimiter was given one client only; pass url= for the other"
        raise ConfigurationError(message)
    return client
