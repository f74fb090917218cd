"""What the engine works with: commands for executors, and operations.

An `Operation` is one logical call to a provider (however many attempts it
takes); the commands are what `smskit._core._flow.call_flow` yields for an
executor to carry out, and `Outcome` is what the executor sends back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Literal, TypeVar

import attrs
import httpx

from smskit._exceptions import LimiterUnavailable

__all__ = [
    "Command",
    "Effect",
    "Operation",
    "Outcome",
    "Pause",
    "Reserve",
    "Send",
    "SendContext",
    "Sleep",
]

T = TypeVar("T")


@attrs.frozen
class Send:
    """Send this request and report the response or transport error."""

    request: httpx.Request


@attrs.frozen
class Sleep:
    """Wait this many seconds, then report ``None``."""

    seconds: float


@attrs.frozen
class Reserve:
    """Take ``cost`` tokens from the rate limit ``key`` and report the wait."""

    key: str
    cost: float


@attrs.frozen
class Pause:
    """Keep everyone off rate limit ``key`` for ``seconds``; report ``None``."""

    key: str
    seconds: float


Command = Send | Sleep | Reserve | Pause
# A limiter that cannot be asked is reported back like a transport error, so
# the flow decides what it means (after an ambiguous attempt: DeliveryUnknown).
Outcome = httpx.Response | httpx.TransportError | LimiterUnavailable | float | None


Effect = Literal["read", "write", "send"]
"""What an operation does at the provider.

``read`` changes nothing, so it is retried after any failure worth retrying;
``write`` changes something (cancel), so it is retried only when it provably
was not processed; ``send`` may deliver an SMS, so on top of that an answer
lost after the request left ends in `DeliveryUnknown`.
"""


@attrs.frozen(kw_only=True)
class SendContext:
    """What a send is about, for `DeliveryUnknown` and logs.

    Attributes:
        to: The recipient (E.164); the first one of a batch.
        body: The text (masked in logs unless logging is unredacted).
        client_ref: The client reference, for `DeliveryUnknown`.
        recipients: Every recipient of a batch (empty for a single send).
        sender: The sender, for `DeliveryUnknown` (a search needs it).
    """

    to: str
    body: str | None = None
    client_ref: str | None = None
    recipients: tuple[str, ...] = ()
    sender: str | None = None


@attrs.frozen(kw_only=True)
class Operation(Generic[T]):
    """One logical call to a provider, however many attempts it takes.

    Attributes:
        provider: The provider's name, for errors.
        name: What the call is (``"send"``, ``"fetch"``, ``"list"``,
            ``"cancel"``, ``"balance"``), for hooks and logs.
        effect: ``"read"``, ``"write"`` or ``"send"``; decides what is retried.
        build: Makes a fresh request for each attempt.
        parse: Turns a response into the result, or raises a smskit error.
        send: What a send is about (its recipient, body and reference).
        limit_key: The rate-limit bucket to draw from, or ``None``.
        cost: Tokens one attempt takes from that bucket.
        fallback: Makes the same call somewhere else (the next member of a
            `Failover`), or ``None``. The engine turns to it only when this
            operation failed in a way that proves nothing was accepted, and
            gives it a retry budget and rate limit of its own.
    """

    provider: str
    name: str
    effect: Effect
    build: Callable[[], httpx.Request]
    parse: Callable[[httpx.Response], T]
    send: SendContext | None = None
    limit_key: str | None = None
    cost: float = 1.0
    fallback: Callable[[], Operation[T]] | None = None

    @property
    def to(self) -> str:
        """The recipient of a send, else ``""``."""
        return "" if self.send is None else self.send.to
