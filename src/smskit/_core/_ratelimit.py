"""Rate limiting: token buckets, in-process or shared through Redis.

Both backends run the same GCRA (generic cell rate algorithm) arithmetic, a
token bucket expressed as one timestamp per bucket: the *theoretical arrival
time* (TAT) at which the bucket would be full again. A reservation moves the
TAT forward by ``cost / rate`` and tells the caller how long to wait; it is
committed at once, so nobody holds a lock while waiting.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Literal, Protocol

import attrs

from smskit import _checks as checks
from smskit._exceptions import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Limiter", "LocalLimiter", "RateLimit", "RateLimitPreset"]


class Limiter(Protocol):
    """Something that hands out send capacity, locally or shared.

    ``reserve`` commits the reservation at once and returns how long the
    caller must wait before using it, so it never holds a lock while waiting.
    """

    @property
    def limit(self) -> RateLimit:
        """The rate, burst and keying this limiter enforces."""
        ...

    def reserve(self, key: str, cost: float) -> float:
        """Take ``cost`` tokens from bucket ``key``; return seconds to wait."""
        ...

    async def areserve(self, key: str, cost: float) -> float:
        """Async twin of `reserve` (for limiters that talk to a server)."""
        ...

    def pause(self, key: str, seconds: float) -> None:
        """Stop everyone using bucket ``key`` for ``seconds`` (after a 429)."""
        ...

    async def apause(self, key: str, seconds: float) -> None:
        """Async twin of `pause`."""
        ...


RateLimitPreset = Literal[
    "plivo",
    "twilio-long-code",
    "twilio-short-code",
    "twilio-toll-free",
    "vonage",
]
"""The names `RateLimit.preset` knows."""


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    checks.number(f"RateLimit.{attribute.name}", value, minimum=0)


def _burst(
    _: object, attribute: attrs.Attribute[float | None], value: float | None
) -> None:
    if value is not None:
        checks.number(f"RateLimit.{attribute.name}", value, minimum=1, inclusive=True)


def _one_of(
    *choices: str,
) -> Callable[[object, attrs.Attribute[str], str], None]:
    """An attrs validator: one of ``choices`` (Literal types are not checked)."""

    def validate(_: object, attribute: attrs.Attribute[str], value: str) -> None:
        if value not in choices:
            known = " or ".join(repr(choice) for choice in choices)
            message = f"RateLimit.{attribute.name} must be {known}, not {value!r}"
            raise ConfigurationError(message)

    return validate


@attrs.frozen(kw_only=True)
class RateLimit:
    """How fast a client may send: a token bucket.

    Attributes:
        rate: Tokens added per second (messages or segments per second).
        burst: The bucket's size: how many may go at once after a quiet
            spell. Defaults to ``max(1, rate)``, one second's worth.
        per: ``"account"`` shares one bucket across all senders of the
            provider account; ``"sender"`` gives each sender its own (long
            codes are usually limited per number).
        cost: ``"message"`` takes one token per send; ``"segment"`` takes one
            per segment, for providers that limit segments per second.
    """

    rate: float = attrs.field(validator=_positive)
    burst: float | None = attrs.field(default=None, validator=_burst)
    per: Literal["account", "sender"] = attrs.field(
        default="account", validator=_one_of("account", "sender")
    )
    cost: Literal["message", "segment"] = attrs.field(
        default="message", validator=_one_of("message", "segment")
    )

    @classmethod
    def preset(cls, name: RateLimitPreset) -> RateLimit:
        """A limit from a provider's published throughput.

        | name | limit | source |
        | --- | --- | --- |
        | ``twilio-long-code`` | 1 segment/s per sender | US long codes send 1 MPS |
        | ``twilio-toll-free`` | 3 segments/s per sender | toll-free default 3 MPS |
        | ``twilio-short-code`` | 100 segments/s per sender | short codes, 100 MPS |
        | ``vonage`` | 30 requests/s per API key | Vonage SMS API default |
        | ``plivo`` | 60/s, bursts of 300, per account | 300 requests per 5 s |

        Raises:
            ConfigurationError: ``name`` is not one of these.
        """
        # The numbers are provider facts (providers/<name>/_wire.py). The
        # engine never imports providers, so the table is built one layer up
        # and read here only when a preset is asked for.
        from smskit._presets import PRESETS  # noqa: PLC0415 -- see above

        try:
            return PRESETS[name]
        except (KeyError, TypeError):
            known = ", ".join(sorted(PRESETS))
            raise ConfigurationError(
                f"no rate-limit preset {name!r}; one of: {known}"
            ) from None

    @property
    def capacity(self) -> float:
        """The bucket size in tokens."""
        return self.burst if self.burst is not None else max(1.0, self.rate)

    def key(self, *, provider: str, account: str, sender: str | None) -> str:
        """The bucket a send draws from."""
        base = f"smskit:{provider}:{account}"
        return f"{base}:{sender or '-'}" if self.per == "sender" else base

    def cost_of(self, segments: int) -> float:
        """Tokens one send of ``segments`` segments takes."""
        return float(max(segments, 1)) if self.cost == "segment" else 1.0


class LocalLimiter:
    """Token buckets in this process, shared by every thread and task.

    Args:
        limit: The rate, burst and keying.
        clock: Monotonic seconds (injectable for tests).
    """

    def __init__(
        self, limit: RateLimit, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self._rate = limit.rate
        self._window = limit.capacity / limit.rate  # seconds to refill from empty
        self._clock = clock
        self._lock = threading.Lock()
        self._tats: dict[str, float] = {}

    def __repr__(self) -> str:
        return (
            f"<LocalLimiter rate={self.limit.rate:g}/s burst={self.limit.capacity:g}>"
        )

    def reserve(self, key: str, cost: float) -> float:
        """Take ``cost`` tokens from bucket ``key``; return seconds to wait."""
        # One GCRA step, written flat: it runs once per send. The bucket's TAT
        # moves on by cost/rate; the caller waits until it is within one
        # refill window (capacity/rate) of now.
        rate = self._rate
        with self._lock:
            now = self._clock()
            tat = self._tats.get(key, now)
            tat = (tat if tat > now else now) + cost / rate
            self._tats[key] = tat
        wait = tat - self._window - now
        return wait if wait > 0 else 0.0

    async def areserve(self, key: str, cost: float) -> float:
        """Same as `reserve`: the arithmetic is quick and never waits."""
        return self.reserve(key, cost)

    def peek(self, key: str, cost: float) -> float:
        """Seconds `reserve` would make a send of ``cost`` wait now; takes nothing."""
        with self._lock:
            now = self._clock()
            tat = self._tats.get(key, now)
        wait = (tat if tat > now else now) + cost / self._rate - self._window - now
        return wait if wait > 0 else 0.0

    def pause(self, key: str, seconds: float) -> None:
        """Empty bucket ``key`` until ``seconds`` from now."""
        with self._lock:
            now = self._clock()
            # Empty at the end of the pause: TAT a full window past it.
            paused = now + seconds + self._window
            self._tats[key] = max(self._tats.get(key, now), paused)

    async def apause(self, key: str, seconds: float) -> None:
        """Same as `pause`."""
        self.pause(key, seconds)
