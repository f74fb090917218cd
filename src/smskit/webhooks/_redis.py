"""A webhook store in Redis, shared by every process that handles webhooks.

Each operation is one Redis command or one Lua script, so it is atomic
across processes: ``SET NX PX`` for claims, a compare-and-set script for the
last status of a message, and a hash per long inbound message that a script
hands out whole exactly once. Needs ``pip install 'smskit-sdk[redis]'``.

Every Redis failure becomes `WebhookStoreUnavailable`; nothing from
redis-py escapes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TypeVar

from smskit import _checks as checks
from smskit import _redis_support as support
from smskit._exceptions import ConfigurationError
from smskit._redis_support import DEFAULT_REDIS_TIMEOUT
from smskit._redis_support import text as _text
from smskit.webhooks._stores import PartGroup, WebhookStoreUnavailable

__all__ = ["RedisStore"]

_T = TypeVar("_T")

DEFAULT_PREFIX = "smskit:webhooks:"

_OWNER = "RedisStore"

# KEYS[1] the key; ARGV: 1 when a value is expected, the expected value, the
# new value, the lifetime in ms.
_COMPARE_AND_SET = """
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
return 1
"""

# KEYS[1] the group's hash, KEYS[2] the index of groups by first arrival.
# ARGV: part number, data, part count, lifetime in ms, now, group name.
# Returns {1, field, value, ...} when complete (the group removed), else {0, n}.
_ADD_PART = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if not redis.call('ZSCORE', KEYS[2], ARGV[6]) then
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[6])
end
redis.call('PEXPIRE', KEYS[2], ARGV[4])
local stored = redis.call('HLEN', KEYS[1])
if stored < tonumber(ARGV[3]) then return {0, stored} end
local parts = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[6])
local reply = {1}
for _, value in ipairs(parts) do reply[#reply + 1] = value end
return reply
"""

# KEYS[1] the index of groups. ARGV: before, the hash keys' prefix.
# Returns {group, n, field, value, ... , group, n, ...}; groups whose hash
# expired are dropped from the index and not returned.
_TAKE_EXPIRED = """
local groups = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
local reply = {}
for _, group in ipairs(groups) do
  local key = ARGV[2] .. group
  local parts = redis.call('HGETALL', key)
  redis.call('DEL', key)
  redis.call('ZREM', KEYS[1], group)
  if #parts > 0 then
    reply[#reply + 1] = group
    reply[#reply + 1] = #parts
    for _, value in ipairs(parts) do reply[#reply + 1] = value end
  end
end
return reply
"""


def _ms(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))


class RedisStore:
    """A webhook store in Redis, for several processes or hosts.

    Every key starts with ``prefix``. The Lua scripts touch keys they derive
    from the prefix, so use a single Redis (or a primary with replicas), not
    a Redis Cluster.

    A store holds connections and perhaps a password, so it cannot be
    pickled: create one in each process from the same URL.

    Args:
        url: A Redis URL such as ``redis://localhost:6379/0``.
        client: A ``redis.Redis`` to use instead, with its own settings.
        prefix: What every key starts with.
        connect_timeout: Seconds to connect (clients made from ``url``).
        socket_timeout: Seconds to wait for each reply (clients from ``url``).

    Raises:
        ConfigurationError: redis-py is not installed, neither or both of
            ``url`` and ``client`` were given, or the URL is not a Redis URL.
        OptionTypeError: An option has the wrong type.
    """

    def __init__(
        self,
        *,
        url: str | None = None,
        client: Any = None,
        prefix: str = DEFAULT_PREFIX,
        connect_timeout: float = DEFAULT_REDIS_TIMEOUT,
        socket_timeout: float = DEFAULT_REDIS_TIMEOUT,
    ) -> None:
        if (url is None) == (client is None):
            raise ConfigurationError("RedisStore needs url= or client=, not both")
        checks.instance("RedisStore prefix", prefix, str)
        self._failures = support.failures(_OWNER)
        self._owned = False
        if client is None:
            checks.instance("RedisStore url", url, str)
            options = support.timeouts(_OWNER, connect_timeout, socket_timeout)
            client = support.client_from_url(_OWNER, "redis", str(url), options)
            self._owned = True
        else:
            support.check_client(_OWNER, "client", client)
        self._client = client
        self._prefix = prefix
        self._index = f"{prefix}parts-index"
        self._compare_and_set = client.register_script(_COMPARE_AND_SET)
        self._add_part = client.register_script(_ADD_PART)
        self._take_expired = client.register_script(_TAKE_EXPIRED)

    def __repr__(self) -> str:
        # The URL may hold a password: never show it.
        return f"<RedisStore prefix={self._prefix!r}>"

    def __reduce__(self) -> NoReturn:
        support.refuse_pickling(_OWNER)

    def close(self) -> None:
        """Close the Redis client this store created (not a given one)."""
        if self._owned:
            self._client.close()

    def claim(self, key: str, *, ttl: float, now: float) -> bool:
        """See `Store.claim`."""
        return bool(
            self._call(
                "claim an event",
                lambda: self._client.set(self._prefix + key, "1", nx=True, px=_ms(ttl)),
            )
        )

    def release(self, key: str) -> None:
        """See `Store.release`."""
        self._call("release a claim", lambda: self._client.delete(self._prefix + key))

    def get(self, key: str, *, now: float) -> str | None:
        """See `Store.get`."""
        value = self._call("read a value", lambda: self._client.get(self._prefix + key))
        return None if value is None else _text(value)

    def put(self, key: str, value: str, *, ttl: float, now: float) -> None:
        """See `Store.put`."""
        self._call(
            "store a value",
            lambda: self._client.set(self._prefix + key, value, px=_ms(ttl)),
        )

    def compare_and_set(
        self, key: str, expected: str | None, value: str, *, ttl: float, now: float
    ) -> bool:
        """See `Store.compare_and_set`."""
        args = ["0", ""] if expected is None else ["1", expected]
        changed = self._call(
            "record a status",
            lambda: self._compare_and_set(
                keys=[self._prefix + key], args=[*args, value, _ms(ttl)]
            ),
        )
        return bool(int(changed))

    def add_part(
        self,
        group: str,
        number: int,
        count: int,
        data: str,
        *,
        ttl: float,
        now: float,
    ) -> PartGroup | int:
        """See `Store.add_part`."""
        reply = self._call(
            "store a message part",
            lambda: self._add_part(
                keys=[self._group_key(group), self._index],
                args=[number, data, count, _ms(ttl), repr(float(now)), group],
            ),
        )
        if int(reply[0]) == 0:
            return int(reply[1])
        return _group(group, reply[1:])

    def take_expired(self, *, before: float, now: float) -> tuple[PartGroup, ...]:
        """See `Store.take_expired`."""
        reply = self._call(
            "collect message parts",
            lambda: self._take_expired(
                keys=[self._index], args=[repr(float(before)), self._group_key("")]
            ),
        )
        groups = []
        index = 0
        while index < len(reply):
            name, size = _text(reply[index]), int(reply[index + 1])
            start = index + 2
            groups.append(_group(name, reply[start : start + size]))
            index = start + size
        return tuple(groups)

    def _group_key(self, group: str) -> str:
        return f"{self._prefix}parts:{group}"

    def _call(self, action: str, command: Callable[[], _T]) -> _T:
        try:
            return command()
        except self._failures as error:
            _unavailable(action, error)


def _group(name: str, flat: Sequence[Any]) -> PartGroup:
    """A group from HGETALL's flat field/value list, in part order."""
    pairs = sorted(
        (int(_text(flat[index])), _text(flat[index + 1]))
        for index in range(0, len(flat), 2)
    )
    return PartGroup(group=name, parts=tuple(data for _, data in pairs))


def _unavailable(action: str, error: BaseException) -> NoReturn:
    support.raise_unavailable(
        WebhookStoreUnavailable,
        f"the webhook store could not {action}",
        error,
        "nothing was acted on, so answer with a 5xx and the provider will retry",
    )
