"""A rate limit shared by many processes and hosts, kept in Redis.

The GCRA arithmetic of `LocalLimiter` runs inside Redis as one Lua script, so
a reservation is atomic across every client, and it reads the time from the
Redis server (``TIME``), so hosts with skewed clocks still share one quota.
Needs ``pip install smskit[redis]``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from smskit._exceptions import ConfigurationError

if TYPE_CHECKING:
    from smskit._core._ratelimit import RateLimit

__all__ = ["RedisLimiter"]

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
        message = "RedisLimiter needs redis-py: pip install 'smskit[redis]'"
        raise ConfigurationError(message) from None


class RedisLimiter:
    """Token buckets in Redis, shared by every process that uses the same keys.

    Args:
        limit: The rate, burst and keying (the same for every process).
        url: A Redis URL such as ``redis://localhost:6379/0``; used to create
            the clients not given.
        client: A ``redis.Redis`` to use for sync clients.
        async_client: A ``redis.asyncio.Redis`` to use for async clients.

    Raises:
        ConfigurationError: redis-py is not installed, or neither a URL nor
            a client was given.
    """

    def __init__(
        self,
        limit: RateLimit,
        *,
        url: str | None = None,
        client: Any = None,
        async_client: Any = None,
    ) -> None:
        if url is None and client is None and async_client is None:
            raise ConfigurationError(
                "RedisLimiter needs url=, client= or async_client="
            )
        self._limit = limit
        self._url = url
        self._client = client
        self._async_client = async_client
        self._owns: list[Any] = []
        self._script: Any = None
        self._async_script: Any = None

    def __repr__(self) -> str:
        # The URL may hold a password: never show it.
        return (
            f"<RedisLimiter rate={self.limit.rate:g}/s burst={self.limit.capacity:g}>"
        )

    @property
    def limit(self) -> RateLimit:
        """The rate, burst and keying this limiter enforces."""
        return self._limit

    def reserve(self, key: str, cost: float) -> float:
        """Take ``cost`` tokens from bucket ``key``; return seconds to wait."""
        return float(self._sync_script()(keys=[key], args=self._args(cost, 0.0)))

    async def areserve(self, key: str, cost: float) -> float:
        """Async `reserve`."""
        script = self._async_script_object()
        return float(await script(keys=[key], args=self._args(cost, 0.0)))

    def pause(self, key: str, seconds: float) -> None:
        """Empty bucket ``key`` for every process until ``seconds`` from now."""
        self._sync_script()(keys=[key], args=self._args(0.0, seconds))

    async def apause(self, key: str, seconds: float) -> None:
        """Async `pause`."""
        await self._async_script_object()(keys=[key], args=self._args(0.0, seconds))

    def close(self) -> None:
        """Close the sync Redis client this limiter created (not a given one)."""
        for client in self._owns:
            if not hasattr(client, "aclose"):
                client.close()

    async def aclose(self) -> None:
        """Close the Redis clients this limiter created (not given ones)."""
        for client in self._owns:
            if hasattr(client, "aclose"):
                await client.aclose()
            else:
                client.close()

    def _args(self, cost: float, pause: float) -> list[str]:
        return [
            repr(float(self.limit.rate)),
            repr(float(self.limit.capacity)),
            repr(float(cost)),
            repr(float(pause)),
        ]

    def _sync_script(self) -> Any:
        if self._script is None:
            if self._client is None:
                redis = _redis_module("redis")
                self._client = redis.Redis.from_url(self._need_url())
                self._owns.append(self._client)
            self._script = self._client.register_script(_GCRA_LUA)
        return self._script

    def _async_script_object(self) -> Any:
        if self._async_script is None:
            if self._async_client is None:
                redis_asyncio = _redis_module("redis.asyncio")
                self._async_client = redis_asyncio.Redis.from_url(self._need_url())
                self._owns.append(self._async_client)
            self._async_script = self._async_client.register_script(_GCRA_LUA)
        return self._async_script

    def _need_url(self) -> str:
        if self._url is None:
            message = "RedisLimiter was given one client only; pass url= for the other"
            raise ConfigurationError(message)
        return self._url
