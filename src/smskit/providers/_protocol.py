"""What a provider is: sans-I/O request builders and response parsers."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import attrs

from smskit.encoding import Encoding

if TYPE_CHECKING:
    import httpx

    from smskit._models import Message

__all__ = ["OutgoingMessage", "Provider"]


@attrs.frozen(kw_only=True)
class OutgoingMessage:
    """A message that passed smskit's checks and is ready for a provider.

    Clients build these; providers turn them into requests.

    Attributes:
        to: The recipient in E.164.
        body: The text, non-empty.
        sender: The sender ID, short code or number, if any.
        encoding: The encoding the text needs.
        segments: How many segments it takes.
        client_ref: Your reference, passed to providers that echo it.
        status_callback: URL for delivery receipts, where supported.
        validity: How long the provider may keep trying to deliver it.
    """

    to: str
    body: str
    sender: str | None = None
    encoding: Encoding = Encoding.GSM7
    segments: int = 1
    client_ref: str | None = None
    status_callback: str | None = None
    validity: dt.timedelta | None = None


@runtime_checkable
class Provider(Protocol):
    """The interface every provider implements; it never performs I/O.

    A provider builds `httpx.Request` objects and turns `httpx.Response`
    objects into smskit models or raises smskit errors. The client's engine
    decides when to send, retry or wait.
    """

    @property
    def name(self) -> str:
        """A short lower-case name, such as ``"twilio"``."""
        ...

    @property
    def transport(self) -> httpx.MockTransport | None:
        """An in-process transport to send through (the sandbox), else None."""
        ...

    @property
    def rate_limit_key(self) -> str:
        """The account the provider's limits apply to (never a secret)."""
        ...

    def build_send(self, message: OutgoingMessage) -> httpx.Request:
        """Make the request that sends ``message``."""
        ...

    def parse_send(self, message: OutgoingMessage, response: httpx.Response) -> Message:
        """Read the answer to a send, or raise the matching smskit error."""
        ...

    def build_fetch(self, message_id: str) -> httpx.Request:
        """Make the request that looks up a message by id."""
        ...

    def parse_fetch(self, response: httpx.Response) -> Message:
        """Read the answer to a lookup, or raise the matching smskit error."""
        ...
