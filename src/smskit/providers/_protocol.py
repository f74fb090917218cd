"""What a provider is: sans-I/O request builders and response parsers.

`Provider` is the part every provider has: send one message and look one up.
What only some providers can do is a small protocol of its own
(`SupportsList`, `SupportsCancel`, `SupportsBalance`, `SupportsSchedule`,
`SupportsBatch`, `SupportsWebhooks`); the client checks for it before any I/O and raises
`NotSupported` when it is missing, and `capabilities` turns the same checks
into the feature matrix of the docs. A provider that answers in-process (the
sandbox) is an `InProcessProvider`: it also brings its own transport.
"""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import attrs

from smskit._exceptions import ArgumentTypeError
from smskit.encoding import Encoding

if TYPE_CHECKING:
    import httpx

    from smskit._exceptions import SmsKitError
    from smskit._models import Balance, InboundMessage, Message, StatusEvent

__all__ = [
    "CAPABILITIES",
    "BatchResult",
    "Capability",
    "InProcessProvider",
    "ListQuery",
    "OutgoingBatch",
    "OutgoingMessage",
    "Page",
    "Provider",
    "SupportsBalance",
    "SupportsBatch",
    "SupportsCancel",
    "SupportsList",
    "SupportsSchedule",
    "SupportsWebhooks",
    "WebhookReply",
    "WebhookRequest",
    "capabilities",
]


def _frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """A read-only copy, so a frozen message cannot change under a provider."""
    return types.MappingProxyType(dict(value or {}))


@attrs.frozen(kw_only=True)
class OutgoingMessage:
    """A message that passed smskit's checks and is ready for a provider.

    Clients build these; providers turn them into requests.

    Attributes:
        to: The recipient in E.164.
        body: The text to send, non-empty (the smart-encoded text when smart
            encoding replaced characters).
        sender: The sender ID, short code or number, if any.
        encoding: The encoding the text needs.
        segments: How many segments it takes.
        client_ref: Your reference, passed to providers that echo it.
        status_callback: URL for delivery receipts, where supported.
        validity: How long the provider may keep trying to deliver it.
        send_at: When to send it (timezone-aware, in UTC), or ``None`` for now.
        smart_encoded: Whether look-alike characters were replaced in ``body``.
        options: Provider-specific parameters, passed through verbatim.
    """

    to: str
    body: str
    sender: str | None = None
    encoding: Encoding = Encoding.GSM7
    segments: int = 1
    client_ref: str | None = None
    status_callback: str | None = None
    validity: dt.timedelta | None = None
    send_at: dt.datetime | None = None
    smart_encoded: bool = False
    options: Mapping[str, Any] = attrs.field(
        factory=dict, converter=_frozen_mapping, hash=False
    )


@attrs.frozen(kw_only=True)
class OutgoingBatch:
    """One text to several recipients, sent in one request where supported.

    Attributes:
        recipients: The recipients in E.164, in the caller's order, at most the
            provider's `SupportsBatch.max_batch_size`.
        message: Everything else, as for one message (its ``to`` is the first
            recipient).
    """

    recipients: tuple[str, ...]
    message: OutgoingMessage


@attrs.frozen(kw_only=True)
class BatchResult:
    """What became of one recipient of a batch: a message, or an error.

    Attributes:
        to: The recipient, as the caller gave it.
        message: The accepted message, or ``None``.
        error: Why this recipient got nothing (a smskit error), or ``None``.
    """

    to: str
    message: Message | None = None
    error: SmsKitError | None = None

    @property
    def ok(self) -> bool:
        """Whether the message to this recipient was accepted."""
        return self.message is not None


@attrs.frozen(kw_only=True)
class ListQuery:
    """Which sent messages to list; every field narrows the list.

    Attributes:
        to: Only messages to this number (E.164).
        sender: Only messages from this sender.
        sent_after: Only messages created at or after this moment (UTC).
        sent_before: Only messages created before this moment (UTC).
        page_size: How many messages to ask for per page (the provider's
            default when ``None``).
    """

    to: str | None = None
    sender: str | None = None
    sent_after: dt.datetime | None = None
    sent_before: dt.datetime | None = None
    page_size: int | None = None


@attrs.frozen(kw_only=True)
class Page:
    """One page of a message list.

    Attributes:
        messages: The messages on this page, in the provider's order.
        next_cursor: What to pass to `SupportsList.build_list` for the next
            page (a token, a URL path or an offset, as the provider pages), or
            ``None`` on the last page.
    """

    messages: tuple[Message, ...]
    next_cursor: str | None = None


def _lower_case_headers(value: object) -> Mapping[str, str]:
    """Header names in lower case, read-only: HTTP header names ignore case."""
    if value is None:
        return types.MappingProxyType({})
    if not isinstance(value, Mapping):
        kind = type(value).__name__
        message = f"headers must be a mapping of names to values, not {kind}"
        raise ArgumentTypeError(message)
    headers: dict[str, str] = {}
    for name, text in value.items():
        if not isinstance(name, str) or not isinstance(text, str):
            message = "headers must map str names to str values"
            raise ArgumentTypeError(message)
        key = name.lower()
        # A header sent twice reaches frameworks joined by ", " (RFC 9110 5.3).
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return types.MappingProxyType(headers)


def _to_body(value: object) -> bytes:
    if value is None:
        return b""
    if not isinstance(value, (bytes, bytearray, memoryview)):
        message = (
            f"body must be the raw bytes as received, not {type(value).__name__} "
            "(a decoded or re-encoded body no longer matches its signature)"
        )
        raise ArgumentTypeError(message)
    return bytes(value)


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


def _text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value:
        message = f"{attribute.name} must be a non-empty string, not {value!r}"
        raise ArgumentTypeError(message)


@attrs.frozen(kw_only=True)
class WebhookRequest:
    """An HTTP request a provider made to your webhook, as your framework saw it.

    Attributes:
        method: ``"POST"`` or ``"GET"`` (upper-cased on the way in).
        url: The full URL the request reached, query included. Behind a
            proxy this is the URL your server saw; `smskit.webhooks` rebuilds
            the URL the provider signed from your configuration.
        headers: The request headers; names are stored in lower case, and a
            repeated header is joined with ``", "`` as HTTP allows.
        body: The raw body, exactly as received.
        remote_addr: The address of the peer that connected to your server
            (the last proxy, if any), used to decide whether its forwarded
            headers can be believed.
    """

    method: str = attrs.field(validator=_text, converter=_upper)
    url: str = attrs.field(validator=_text)
    headers: Mapping[str, str] = attrs.field(
        factory=dict, converter=_lower_case_headers, hash=False
    )
    body: bytes = attrs.field(default=b"", converter=_to_body, repr=False)
    remote_addr: str | None = None

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or ``None`` when absent."""
        return self.headers.get(name.lower())

    def __reduce__(self) -> tuple[Any, ...]:
        # The read-only headers cannot be pickled as they are; a task queue
        # that hands requests to workers needs them to be.
        fields = attrs.asdict(self, recurse=False)
        fields["headers"] = dict(self.headers)
        return (_rebuild_request, (fields,))


def _rebuild_request(fields: dict[str, Any]) -> WebhookRequest:
    return WebhookRequest(**fields)


@attrs.frozen(kw_only=True)
class WebhookReply:
    """What to answer a provider's webhook request with.

    Attributes:
        status: The HTTP status code.
        content_type: The ``Content-Type`` of ``body``, or ``None`` for no body.
        body: The response body.
    """

    status: int = 200
    content_type: str | None = None
    body: bytes = b""


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
        """Make the request that looks up a message by id.

        Raises:
            InvalidMessage: The id cannot be one of this provider's ids.
        """
        ...

    def parse_fetch(self, response: httpx.Response) -> Message:
        """Read the answer to a lookup, or raise the matching smskit error."""
        ...


@runtime_checkable
class InProcessProvider(Provider, Protocol):
    """A provider that answers in this process, through its own transport."""

    @property
    def transport(self) -> httpx.MockTransport:
        """The in-process transport every client of this provider sends through."""
        ...


@runtime_checkable
class SupportsList(Protocol):
    """A provider that lists the messages you sent, page by page."""

    def build_list(self, query: ListQuery, cursor: str | None) -> httpx.Request:
        """Make the request for the first page (``cursor=None``) or the next."""
        ...

    def parse_list(self, response: httpx.Response) -> Page:
        """Read one page, with the cursor of the next one."""
        ...


@runtime_checkable
class SupportsBatch(Protocol):
    """A provider that sends one text to many recipients in one request."""

    @property
    def max_batch_size(self) -> int:
        """The most recipients one request may carry."""
        ...

    def build_send_batch(self, batch: OutgoingBatch) -> httpx.Request:
        """Make the request that sends ``batch``."""
        ...

    def parse_send_batch(
        self, batch: OutgoingBatch, response: httpx.Response
    ) -> tuple[BatchResult, ...]:
        """One result per recipient, in order; raise for a refused request."""
        ...


@runtime_checkable
class SupportsCancel(Protocol):
    """A provider that cancels scheduled messages.

    Cancelling must be idempotent at the parser: the answer to a cancel of a
    message that is already cancelled is that message, not an error, so a
    retried cancel whose first attempt worked counts as a success.
    """

    def build_cancel(self, message_id: str) -> httpx.Request:
        """Make the request that cancels a scheduled message."""
        ...

    def parse_cancel(self, response: httpx.Response) -> Message:
        """Read the cancelled message, or raise the matching smskit error."""
        ...


@runtime_checkable
class SupportsBalance(Protocol):
    """A provider that tells the account's remaining credit."""

    def build_balance(self) -> httpx.Request:
        """Make the request for the account balance."""
        ...

    def parse_balance(self, response: httpx.Response) -> Balance:
        """Read the balance, or raise the matching smskit error."""
        ...


@runtime_checkable
class SupportsSchedule(Protocol):
    """A provider that sends at a later time (``send(..., send_at=...)``)."""

    def check_send_at(self, send_at: dt.datetime) -> None:
        """Refuse a moment this provider cannot schedule a send for.

        Args:
            send_at: When to send (timezone-aware, UTC).

        Raises:
            InvalidMessage: ``send_at`` is too soon or too far ahead, by the
                provider's own clock.
        """
        ...


@runtime_checkable
class SupportsWebhooks(Protocol):
    """A provider whose webhooks smskit can verify and parse.

    All four methods are pure: secrets come from the provider's configuration
    and the time from ``now``. What needs state (replayed nonces, duplicate
    events, message parts, the public URL behind a proxy) is done by
    `smskit.webhooks` around them.
    """

    def verify_webhook(self, request: WebhookRequest, *, now: dt.datetime) -> None:
        """Check the request's signature (and age, where signed), or raise.

        ``request.url`` is taken as the URL the provider signed.

        Raises:
            WebhookVerificationError: The request is not the provider's; the
                message says why (missing header, bad signature, stale
                timestamp, body hash mismatch, unknown key) and which URL
                was checked.
        """
        ...

    def parse_webhook(
        self, request: WebhookRequest
    ) -> tuple[StatusEvent | InboundMessage, ...]:
        """Read a verified request into events and inbound messages.

        Raises:
            WebhookPayloadError: The request cannot be understood.
        """
        ...

    def webhook_nonce(self, request: WebhookRequest) -> str | None:
        """A value the signature covers that the provider never sends twice.

        Plivo's ``X-Plivo-Signature-V3-Nonce``, Vonage's signed ``nonce``;
        ``None`` when the request has none. `smskit.webhooks` refuses a
        second request with the same nonce when given a nonce store.
        """
        ...

    def webhook_reply(
        self, items: tuple[StatusEvent | InboundMessage, ...]
    ) -> WebhookReply:
        """The answer the provider expects for a request that was accepted."""
        ...


Capability = Literal["list", "cancel", "balance", "schedule", "batch", "webhooks"]
"""What a provider can do beyond sending and looking up one message."""

CAPABILITIES: Mapping[Capability, type] = types.MappingProxyType(
    {
        "list": SupportsList,
        "cancel": SupportsCancel,
        "balance": SupportsBalance,
        "schedule": SupportsSchedule,
        "batch": SupportsBatch,
        "webhooks": SupportsWebhooks,
    }
)
"""Each capability and the protocol a provider implements for it."""


def capabilities(provider: object) -> frozenset[Capability]:
    """What ``provider`` can do beyond send and fetch (the docs' feature matrix)."""
    return frozenset(
        name
        for name, protocol in CAPABILITIES.items()
        if isinstance(provider, protocol)
    )
