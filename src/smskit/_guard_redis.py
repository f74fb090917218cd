"""The guard's opt-outs and frequency counters in Redis, shared by processes.

Each recipient has an opt-out record (a string ``"out <time>"`` or
``"in <time>"``) and one sorted set per frequency cap, whose members are
reservation tokens scored by send time. Admission runs as one Lua script, so
checking the opt-out and every cap and counting the send is atomic across
every process and host. Every key of a recipient carries the number as a
hash tag (``{+14155552671}``), so the script works on Redis Cluster too.

Times come from the guard's clock, not from the Redis server: a cap's window
is minutes to days long, so a second of skew between hosts does not matter,
and the memory and Redis stores then behave exactly alike.

Every Redis failure becomes `GuardUnavailable`: the guard fails closed.
Needs ``pip install smskit-sdk[redis]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from smskit import _checks as checks
from smskit import _redis_support as support
from smskit._exceptions import ConfigurationError
from smskit._guard_errors import GuardUnavailable
from smskit._guard_stores import Admission, Usage, Window
from smskit._redis_support import DEFAULT_REDIS_TIMEOUT
from smskit._redis_support import text as _text

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["DEFAULT_GUARD_PREFIX", "RedisGuardStore"]

DEFAULT_GUARD_PREFIX = "smskit:guard"
"""The start of every key `RedisGuardStore` writes."""

_OWNER = "RedisGuardStore"

# KEYS[1] the opt-out record; ARGV[1] "out" or "in", ARGV[2] the time.
# Keeps the newer event: returns 1 if written, 0 if a newer one was kept.
_RECORD_LUA = """
local current = redis.call('GET', KEYS[1])
if current then
  local at = tonumber(string.match(current, ' (.+)$'))
  if at and at > tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. ARGV[2])
return 1
"""

# A window's edge (now - seconds) is written with 17 significant digits: the
# exact double, so Redis and the memory store drop the same sends. Rounded to
# 6 decimals, a send made exactly one window ago could stay counted.

# KEYS[1] the opt-out record, KEYS[2..] the caps' sorted sets.
# ARGV[1] now, ARGV[2] token, ARGV[3] "1" to check the opt-out, then a
# (limit, seconds) pair per cap. Returns {"opted_out", since},
# {"full", index from 0, until} or {"ok"}.
_ADMIT_LUA = """
local now = tonumber(ARGV[1])
if ARGV[3] == '1' then
  local record = redis.call('GET', KEYS[1])
  if record and string.sub(record, 1, 4) == 'out ' then
    return {'opted_out', string.sub(record, 5)}
  end
end
for i = 2, #KEYS do
  local limit = tonumber(ARGV[2 + 2 * (i - 1)])
  local seconds = tonumber(ARGV[3 + 2 * (i - 1)])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', string.format('%.17g', now - seconds))
  local used = redis.call('ZCARD', KEYS[i])
  if used >= limit then
    local first = used - limit
    local oldest = redis.call('ZRANGE', KEYS[i], first, first, 'WITHSCORES')
    local free = string.format('%.6f', tonumber(oldest[2]) + seconds)
    return {'full', tostring(i - 2), free}
  end
end
for i = 2, #KEYS do
  local seconds = tonumber(ARGV[3 + 2 * (i - 1)])
  redis.call('ZADD', KEYS[i], ARGV[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[i], math.ceil(seconds * 1000) + 1000)
end
return {'ok'}
"""

# KEYS[1] the opt-out record, KEYS[2..] the caps' sorted sets; ARGV[1] now,
# then a (limit, seconds) pair per cap. Counts without writing: returns the
# opt-out time ("" if none), then a (used, until or "") pair per cap.
_USAGE_LUA = """
local now = tonumber(ARGV[1])
local record = redis.call('GET', KEYS[1])
local out = {''}
if record and string.sub(record, 1, 4) == 'out ' then out[1] = string.sub(record, 5) end
for i = 2, #KEYS do
  local limit = tonumber(ARGV[2 * (i - 1)])
  local seconds = tonumber(ARGV[1 + 2 * (i - 1)])
  local low = '(' .. string.format('%.17g', now - seconds)
  local used = redis.call('ZCOUNT', KEYS[i], low, '+inf')
  local free = ''
  if used >= limit then
    local row = redis.call('ZRANGEBYSCORE', KEYS[i], low, '+inf', 'WITHSCORES',
      'LIMIT', used - limit, 1)
    free = string.format('%.6f', tonumber(row[2]) + seconds)
  end
  table.insert(out, tostring(used))
  table.insert(out, free)
end
return out
"""

# KEYS the caps' sorted sets; ARGV[1] the token.
_RELEASE_LUA = """
for i = 1, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
return 1
"""

_SCRIPTS = {
    "record": _RECORD_LUA,
    "admit": _ADMIT_LUA,
    "usage": _USAGE_LUA,
    "release": _RELEASE_LUA,
}


def _unavailable(action: str, error: BaseException) -> NoReturn:
    support.raise_unavailable(
        GuardUnavailable,
        f"the guard's store could not be reached to {action}",
        error,
        "nothing was sent, so the message can be sent again later",
    )


def _float_or_none(value: Any) -> float | None:
    text = _text(value) if value is not None else ""
    return float(text) if text else None


class RedisGuardStore:
    """Opt-outs and frequency counters in Redis, shared by every process.

    Clients created from ``url`` connect within ``connect_timeout``, wait at
    most ``socket_timeout`` for each reply and make one attempt, so a Redis
    that is down or frozen fails a send in bounded time. Clients you pass in
    keep their own settings. A store cannot be pickled: create one in each
    process from the same URL.

    Args:
        url: A Redis URL such as ``redis://localhost:6379/0``, for the clients
            not given.
        client: A ``redis.Redis`` for sync clients.
        async_client: A ``redis.asyncio.Redis`` for async clients.
        prefix: The start of every key, to keep apart several applications
            sharing one Redis.
        connect_timeout: Seconds to connect (clients from ``url``).
        socket_timeout: Seconds to wait for each reply (clients from ``url``).

    Raises:
        ConfigurationError: redis-py is not installed, neither a URL nor a
            client was given, or the URL or a timeout is unusable.
        OptionTypeError: An option has the wrong type.
    """

    def __init__(
        self,
        *,
        url: str | None = None,
        client: Any = None,
        async_client: Any = None,
        prefix: str = DEFAULT_GUARD_PREFIX,
        connect_timeout: float = DEFAULT_REDIS_TIMEOUT,
        socket_timeout: float = DEFAULT_REDIS_TIMEOUT,
    ) -> None:
        _check_options(url, client, async_client, prefix)
        options = support.timeouts(_OWNER, connect_timeout, socket_timeout)
        self._failures = support.failures(_OWNER)
        self._prefix = prefix
        self._owned: list[Any] = []
        self._owned_async: list[Any] = []
        if url is not None and client is None:
            client = support.client_from_url(_OWNER, "redis", url, options)
            self._owned.append(client)
        if url is not None and async_client is None:
            async_client = support.client_from_url(
                _OWNER, "redis.asyncio", url, options
            )
            self._owned_async.append(async_client)
        self._client = client
        self._async_client = async_client
        self._scripts: dict[str, Any] = {}
        self._async_scripts: dict[str, Any] = {}

    def __repr__(self) -> str:
        # The URL may hold a password: never show it.
        return f"<RedisGuardStore prefix={self._prefix!r}>"

    def __reduce__(self) -> NoReturn:
        support.refuse_pickling(_OWNER)

    # -- keys and arguments (pure) ---------------------------------------------

    def _opt_key(self, to: str) -> str:
        return f"{self._prefix}:{{{to}}}:opt"

    def _cap_key(self, to: str, name: str) -> str:
        return f"{self._prefix}:{{{to}}}:cap:{name}"

    def _keys(self, to: str, windows: Sequence[Window]) -> list[str]:
        return [self._opt_key(to), *(self._cap_key(to, w.name) for w in windows)]

    @staticmethod
    def _window_args(windows: Sequence[Window]) -> list[str]:
        args: list[str] = []
        for window in windows:
            args += [str(window.limit), repr(float(window.seconds))]
        return args

    def _admit_args(
        self,
        to: str,
        windows: Sequence[Window],
        *,
        now: float,
        token: str,
        check_opt_out: bool,
    ) -> tuple[list[str], list[str]]:
        head = [repr(float(now)), token, "1" if check_opt_out else "0"]
        return self._keys(to, windows), head + self._window_args(windows)

    # -- sync ------------------------------------------------------------------

    def opted_out_since(self, to: str) -> float | None:
        """When ``to`` opted out, or ``None``.

        Raises:
            GuardUnavailable: Redis failed.
        """
        try:
            record = _need(self._client).get(self._opt_key(to))
        except self._failures as error:
            _unavailable("read an opt-out", error)
        return _since(record)

    def record_opt(self, to: str, *, opted_out: bool, at: float) -> bool:
        """Record an opt-out or opt-in unless a newer event is already kept.

        Raises:
            GuardUnavailable: Redis failed; nothing was recorded.
        """
        args = ["out" if opted_out else "in", repr(float(at))]
        written = self._run("record", [self._opt_key(to)], args, "record an opt-out")
        return bool(written)

    def admit(
        self,
        to: str,
        windows: Sequence[Window],
        *,
        now: float,
        token: str,
        check_opt_out: bool,
    ) -> Admission:
        """Atomically check the opt-out and every cap, and count if allowed.

        Raises:
            GuardUnavailable: Redis failed; nothing was counted.
        """
        keys, args = self._admit_args(
            to, windows, now=now, token=token, check_opt_out=check_opt_out
        )
        return _admission(self._run("admit", keys, args, "check the recipient"))

    def release(self, to: str, names: Sequence[str], *, token: str) -> None:
        """Uncount the send counted under ``token``.

        Raises:
            GuardUnavailable: Redis failed; the send stays counted.
        """
        if names:
            keys = [self._cap_key(to, name) for name in names]
            self._run("release", keys, [token], "release a reservation")

    def usage(
        self, to: str, windows: Sequence[Window], *, now: float
    ) -> tuple[float | None, tuple[Usage, ...]]:
        """The opt-out and each cap's count, without counting anything.

        Raises:
            GuardUnavailable: Redis failed.
        """
        args = [repr(float(now)), *self._window_args(windows)]
        reply = self._run("usage", self._keys(to, windows), args, "read the counts")
        return _usage(reply)

    def close(self) -> None:
        """Close the sync Redis client this store created (not a given one)."""
        for client in self._owned:
            client.close()

    # -- async -----------------------------------------------------------------

    async def aopted_out_since(self, to: str) -> float | None:
        """Async `opted_out_since`."""
        try:
            record = await _need(self._async_client).get(self._opt_key(to))
        except self._failures as error:
            _unavailable("read an opt-out", error)
        return _since(record)

    async def arecord_opt(self, to: str, *, opted_out: bool, at: float) -> bool:
        """Async `record_opt`."""
        args = ["out" if opted_out else "in", repr(float(at))]
        keys = [self._opt_key(to)]
        return bool(await self._arun("record", keys, args, "record an opt-out"))

    async def aadmit(
        self,
        to: str,
        windows: Sequence[Window],
        *,
        now: float,
        token: str,
        check_opt_out: bool,
    ) -> Admission:
        """Async `admit`."""
        keys, args = self._admit_args(
            to, windows, now=now, token=token, check_opt_out=check_opt_out
        )
        return _admission(await self._arun("admit", keys, args, "check the recipient"))

    async def arelease(self, to: str, names: Sequence[str], *, token: str) -> None:
        """Async `release`."""
        if names:
            keys = [self._cap_key(to, name) for name in names]
            await self._arun("release", keys, [token], "release a reservation")

    async def ausage(
        self, to: str, windows: Sequence[Window], *, now: float
    ) -> tuple[float | None, tuple[Usage, ...]]:
        """Async `usage`."""
        args = [repr(float(now)), *self._window_args(windows)]
        keys = self._keys(to, windows)
        return _usage(await self._arun("usage", keys, args, "read the counts"))

    async def aclose(self) -> None:
        """Close the Redis clients this store created (not given ones)."""
        self.close()
        for client in self._owned_async:
            await support.aclose_client(client)

    # -- running scripts -------------------------------------------------------

    def _run(self, name: str, keys: list[str], args: list[str], action: str) -> Any:
        script = self._scripts.get(name)
        if script is None:
            script = _need(self._client).register_script(_SCRIPTS[name])
            self._scripts[name] = script
        try:
            return script(keys=keys, args=args)
        except self._failures as error:
            _unavailable(action, error)

    async def _arun(
        self, name: str, keys: list[str], args: list[str], action: str
    ) -> Any:
        script = self._async_scripts.get(name)
        if script is None:
            script = _need(self._async_client).register_script(_SCRIPTS[name])
            self._async_scripts[name] = script
        try:
            return await script(keys=keys, args=args)
        except self._failures as error:
            _unavailable(action, error)


def _since(record: Any) -> float | None:
    if record is None:
        return None
    state, _, at = _text(record).partition(" ")
    return float(at) if state == "out" else None


def _admission(reply: Any) -> Admission:
    verdict = _text(reply[0])
    if verdict == "opted_out":
        return Admission(admitted=False, opted_out_since=float(_text(reply[1])))
    if verdict == "full":
        return Admission(
            admitted=False, full=int(_text(reply[1])), until=float(_text(reply[2]))
        )
    return Admission(admitted=True)


def _usage(reply: Any) -> tuple[float | None, tuple[Usage, ...]]:
    since = _float_or_none(reply[0])
    pairs = zip(reply[1::2], reply[2::2], strict=True)
    return since, tuple(
        Usage(used=int(_text(used)), until=_float_or_none(until))
        for used, until in pairs
    )


def _check_options(
    url: object, client: object, async_client: object, prefix: object
) -> None:
    support.check_sources(_OWNER, url, client, async_client)
    checks.instance("RedisGuardStore prefix", prefix, str)
    support.check_client(_OWNER, "client", client)
    support.check_client(_OWNER, "async_client", async_client)


def _need(client: Any) -> Any:
    if client is None:
        message = (
            "RedisGuardStore was given one client only; pass url= (or the other "
            "client) to use it from both Client and AsyncClient"
        )
        raise ConfigurationError(message)
    return client
