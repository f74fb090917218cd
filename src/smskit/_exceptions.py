"""Every error smskit raises, in one tree.

```
SmsKitError
├── InvalidInput (+ ValueError)      bad input, caught before any request
│   ├── InvalidPhoneNumber           .number .reason
│   ├── InvalidSenderId              .sender .reason
│   ├── InvalidMessage               a model or send argument is wrong
│   │   ├── ArgumentTypeError (+ TypeError)  an argument of the wrong type
│   │   └── UnknownStatus            .value: not one of smskit's statuses
│   ├── MessageTooLong               .segments .max_segments
│   ├── Refused                      the compliance guard said no (smskit._guard_errors)
│   └── ConfigurationError           missing/invalid credentials or options
│       └── OptionTypeError (+ TypeError)    an option of the wrong type
├── ClientClosed (+ RuntimeError)    the client was closed; nothing was sent
├── LimiterUnavailable               the shared rate limiter failed; nothing was sent
├── NotSupported                     the provider cannot do this
├── TransportError                   the network failed; httpx error on __cause__
│   ├── ConnectError (+ ConnectionError)  never reached the provider
│   └── TransportTimeout (+ TimeoutError)
├── WebhookStoreUnavailable          the webhook store (Redis) could not be asked
├── DeliveryUnknown                  a send may or may not have been accepted
├── ProviderError                    the provider answered "no"
│   ├── AuthenticationError (+ PermissionError)
│   ├── RateLimited                  .retry_after (seconds, or None)
│   ├── RejectedMessage              bad recipient or sender, refused content
│   │   └── OptedOut                 the recipient replied STOP
│   ├── InsufficientFunds
│   ├── NotFound (+ LookupError)
│   └── ProviderUnavailable          5xx / maintenance
└── WebhookError (+ ValueError)
    ├── WebhookVerificationError     bad or missing signature, stale timestamp
    └── WebhookPayloadError          unknown or malformed payload
        └── WebhookBodyTooLarge      over the size cap (answer 413)
```

Every error is picklable (Celery, RQ) and keeps its attributes across a pickle
round trip. No error ever puts a credential in ``str()`` or ``repr()``: errors
are built from facts (statuses, codes, reasons), never from request headers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datetime as dt

    from smskit.phone._types import PhoneNumberReason, SenderIdReason

__all__ = [
    "ArgumentTypeError",
    "AuthenticationError",
    "ClientClosed",
    "ConfigurationError",
    "ConnectError",
    "DeliveryUnknown",
    "InsufficientFunds",
    "InvalidInput",
    "InvalidMessage",
    "InvalidPhoneNumber",
    "InvalidSenderId",
    "LimiterUnavailable",
    "MessageTooLong",
    "NotFound",
    "NotSupported",
    "OptedOut",
    "OptionTypeError",
    "ProviderError",
    "ProviderUnavailable",
    "RateLimited",
    "RejectedMessage",
    "SmsKitError",
    "TransportError",
    "TransportTimeout",
    "UnknownStatus",
    "WebhookBodyTooLarge",
    "WebhookError",
    "WebhookPayloadError",
    "WebhookStoreUnavailable",
    "WebhookVerificationError",
]


def _rebuild(
    cls: type[SmsKitError], args: tuple[Any, ...], state: dict[str, Any]
) -> SmsKitError:
    """Recreate an error from its pickled parts without calling ``__init__``."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class SmsKitError(Exception):
    """Base class of every error smskit raises.

    Catch this to handle anything that went wrong inside smskit.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructors break Exception's default pickling, which
        # calls cls(*args); rebuild from args plus attributes instead.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class InvalidInput(SmsKitError, ValueError):
    """Input was rejected before any request was made."""


class InvalidPhoneNumber(InvalidInput):
    """A phone number could not be turned into a valid E.164 number.

    Attributes:
        number: The input exactly as given.
        reason: A short machine-readable cause, such as ``"too_short"``.
    """

    def __init__(
        self, message: str, *, number: object = None, reason: PhoneNumberReason
    ) -> None:
        super().__init__(message)
        self.number = number
        self.reason = reason


class InvalidSenderId(InvalidInput):
    """A sender ID is neither a valid alphanumeric ID, short code nor long number.

    Attributes:
        sender: The input exactly as given.
        reason: A short machine-readable cause, such as ``"too_long"``.
    """

    def __init__(
        self, message: str, *, sender: object = None, reason: SenderIdReason
    ) -> None:
        super().__init__(message)
        self.sender = sender
        self.reason = reason


class InvalidMessage(InvalidInput):
    """A message, event or send argument is invalid (for example an empty body)."""


class ArgumentTypeError(InvalidMessage, TypeError):
    """An argument has the wrong type, such as ``bytes`` where text belongs."""


class UnknownStatus(InvalidMessage):
    """A status string is not one of smskit's delivery statuses.

    Attributes:
        value: The rejected value.
    """

    def __init__(self, message: str, *, value: object) -> None:
        super().__init__(message)
        self.value = value


class MessageTooLong(InvalidInput):
    """A message needs more segments than allowed.

    Attributes:
        segments: How many segments the text needs.
        max_segments: The configured maximum.
    """

    def __init__(self, message: str, *, segments: int, max_segments: int) -> None:
        super().__init__(message)
        self.segments = segments
        self.max_segments = max_segments


class ConfigurationError(InvalidInput):
    """Credentials or options are missing or invalid."""


class OptionTypeError(ConfigurationError, TypeError):
    """A client or provider option has the wrong type (``region=1``)."""


class ClientClosed(SmsKitError, RuntimeError):
    """The client was closed (`Client.close`, `AsyncClient.aclose`).

    Raised before any request is made, so nothing was sent.
    """


class LimiterUnavailable(SmsKitError):
    """The shared rate limiter (such as Redis) could not be asked in time.

    smskit fails closed: without a reservation it does not send, so nothing
    was sent and the message can be sent again later. The limiter's own
    error is kept on ``__cause__``.
    """


class WebhookStoreUnavailable(SmsKitError):
    """The webhook store (such as Redis) could not be asked.

    Nothing was acted on: answer with a 5xx so the provider retries the
    request later. The store's own error is kept on ``__cause__``.
    """


class NotSupported(SmsKitError):
    """The provider does not offer this operation.

    Attributes:
        provider: The provider's name.
        operation: What was asked for, such as ``"fetch"``.
    """

    def __init__(self, message: str, *, provider: str, operation: str) -> None:
        super().__init__(message)
        self.provider = provider
        self.operation = operation


class TransportError(SmsKitError):
    """The network failed before a usable answer arrived.

    The original httpx exception is kept on ``__cause__``.

    Attributes:
        provider: The provider's name.
    """

    def __init__(self, message: str, *, provider: str) -> None:
        super().__init__(message)
        self.provider = provider


class ConnectError(TransportError, ConnectionError):
    """No connection could be made, so the request never reached the provider."""


class TransportTimeout(TransportError, TimeoutError):
    """A request timed out."""


class DeliveryUnknown(SmsKitError):
    """A send may or may not have been accepted by the provider.

    Raised instead of retrying when a send failed after the request may have
    reached the provider (a read timeout, a dropped connection, an HTTP 500).
    Retrying could deliver the SMS twice, so smskit does not send it again on
    its own. `Client.resolve` (or ``send(..., resolve_unknown=True)``) looks
    the message up in the provider's records and tells which it was.

    The error carries what that search needs: the sender, the text and when
    the attempts were made. The text is needed to tell this message from
    others to the same number, so it is kept on the error (and in its
    pickle, for a task queue that resolves later), but it is never part of
    ``str()``, ``repr()`` or smskit's logs: like a phone number, a text can
    be personal (a one-time code, an address).

    Attributes:
        provider: The provider's name.
        to: The recipient (E.164); the first one of a batch.
        recipients: Every recipient the request was for (one for a single
            send; all of them for a batch).
        client_ref: The client reference sent with the message, if any.
        attempts: How many requests were made.
        http_status: The HTTP status of the last response, if one arrived.
        sender: The sender the message was sent from, if one was given.
        body: The text that was sent (never shown; see above).
        first_attempt_at: When the first request was made (UTC), if known.
        last_attempt_at: When the last request ended (UTC), if known; the
            provider cannot have accepted the message before
            ``first_attempt_at`` nor, barring a request it was still working
            on, after ``last_attempt_at``.
        reason: Why a search of the provider's records could not settle
            it (`Client.resolve`), or ``None`` before any search.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        to: str,
        client_ref: str | None,
        attempts: int,
        http_status: int | None = None,
        recipients: tuple[str, ...] = (),
        sender: str | None = None,
        body: str | None = None,
        first_attempt_at: dt.datetime | None = None,
        last_attempt_at: dt.datetime | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.to = to
        self.recipients = recipients or (to,)
        self.client_ref = client_ref
        self.attempts = attempts
        self.http_status = http_status
        self.sender = sender
        self.body = body
        self.first_attempt_at = first_attempt_at
        self.last_attempt_at = last_attempt_at
        self.reason = reason


class ProviderError(SmsKitError):
    """The provider answered and refused the request.

    Attributes:
        provider: The provider's name, such as ``"twilio"``.
        http_status: The HTTP status code, when known.
        provider_code: The provider's own error code, as a string, when known.
        retryable: Whether sending the same request again later may succeed.
        request_id: The provider's request id, for support tickets, when known.
    """

    default_retryable = False

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        http_status: int | None = None,
        provider_code: str | None = None,
        retryable: bool | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.http_status = http_status
        self.provider_code = provider_code
        self.retryable = self.default_retryable if retryable is None else retryable
        self.request_id = request_id


class AuthenticationError(ProviderError, PermissionError):
    """The credentials were refused (wrong, revoked or for another region)."""


class RateLimited(ProviderError):
    """The provider asked to slow down; the request was not processed.

    Attributes:
        retry_after: Seconds the provider asked to wait, or ``None``.
    """

    default_retryable = True

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        retry_after: float | None = None,
        http_status: int | None = None,
        provider_code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(
            message,
            provider=provider,
            http_status=http_status,
            provider_code=provider_code,
            retryable=True,
            request_id=request_id,
        )
        self.retry_after = retry_after


class RejectedMessage(ProviderError):
    """The provider refused this message: bad recipient or sender, or content."""


class OptedOut(RejectedMessage):
    """The recipient has opted out (replied STOP); never retry.

    Attributes:
        to: The recipient who opted out (E.164), when the provider says.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        to: str | None = None,
        http_status: int | None = None,
        provider_code: str | None = None,
        retryable: bool | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(
            message,
            provider=provider,
            http_status=http_status,
            provider_code=provider_code,
            retryable=retryable,
            request_id=request_id,
        )
        self.to = to


class InsufficientFunds(ProviderError):
    """The account has no credit left for this message."""


class NotFound(ProviderError, LookupError):
    """The provider knows no such message or resource."""


class ProviderUnavailable(ProviderError):
    """The provider failed on its side (5xx, maintenance).

    ``retryable`` is true only when the provider documents that the request was
    not processed, so a send can be repeated without a duplicate.
    """


class WebhookError(SmsKitError, ValueError):
    """A webhook request could not be accepted."""


class WebhookVerificationError(WebhookError):
    """A webhook's signature is missing, wrong or stale."""


class WebhookPayloadError(WebhookError):
    """A webhook's payload is malformed or of an unknown kind."""


class WebhookBodyTooLarge(WebhookPayloadError):
    """A webhook's body is larger than the configured cap.

    Attributes:
        limit: The cap, in bytes.
    """

    def __init__(self, message: str, *, limit: int) -> None:
        super().__init__(message)
        self.limit = limit
