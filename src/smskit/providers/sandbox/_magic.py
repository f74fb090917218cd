"""The sandbox's magic numbers: recipients and senders with scripted fates.

The first group of numbers copies Twilio's test credentials, so code written
against them behaves the same in the sandbox. The second group is smskit's
own, for outcomes Twilio's test numbers cannot show (delivery failures,
throttling, ambiguous failures).

The sandbox speaks no provider's codes: its refusals (`Rejection`) and its
delivery errors (`DeliveryError`) have neutral names. The local emulator's
Twilio, Vonage and Plivo dialects each map them to their provider's codes.
"""

from __future__ import annotations

import enum

import attrs

from smskit._models import Status

__all__ = [
    "MAGIC_RECIPIENTS",
    "MAGIC_SENDERS",
    "DeliveryError",
    "Fate",
    "Rejection",
    "SandboxFault",
]


class Rejection(enum.Enum):
    """Why the sandbox refuses a request: its code, HTTP status and text."""

    INVALID_TO = ("invalid_to", 400, "the 'to' number is invalid")
    INVALID_FROM = ("invalid_from", 400, "the 'from' number is invalid")
    SENDER_NOT_OWNED = (
        "sender_not_owned",
        400,
        "the 'from' number is not a message-capable number of this account",
    )
    QUEUE_FULL = ("queue_full", 400, "the sender's outgoing queue is full")
    CANNOT_ROUTE = ("cannot_route", 400, "the 'to' number cannot be reached")
    NO_PERMISSION = ("no_geo_permission", 400, "sending to this region is not enabled")
    OPTED_OUT = ("opted_out", 400, "the recipient has opted out (replied STOP)")
    NOT_MOBILE = ("not_mobile", 400, "the 'to' number cannot receive SMS")
    MISSING_BODY = ("missing_body", 400, "'body' must be a non-empty string")
    BODY_TOO_LONG = ("body_too_long", 400, "'body' exceeds 1600 characters")
    NOT_CANCELABLE = (
        "not_cancelable",
        400,
        "only a scheduled message can be canceled",
    )

    def __init__(self, code: str, http_status: int, text: str) -> None:
        self.code = code
        self.http_status = http_status
        self.text = text


class DeliveryError(enum.Enum):
    """Why a message the sandbox accepted was not delivered.

    The value is the ``error_code`` the sandbox reports with the failed
    status. A scripted fate may carry any other code; it is reported as given.
    """

    UNREACHABLE = "unreachable"
    """The handset is off or out of coverage; a later try may work."""
    BLOCKED = "blocked"
    """The recipient or the carrier blocks messages from this sender."""
    UNKNOWN_NUMBER = "unknown_number"
    """The number is unknown or no longer in service."""
    NO_ROUTE = "no_route"
    """A landline, or a carrier the message cannot reach."""
    FILTERED = "filtered"
    """The carrier filtered it (spam, compliance)."""
    EXPIRED = "expired"
    """The validity period ran out before delivery."""
    UNKNOWN = "unknown"
    """The carrier gave no reason."""


class SandboxFault(enum.Enum):
    """A failure of the HTTP exchange itself rather than a refusal."""

    RATE_LIMITED = "rate_limited"
    """HTTP 429 with ``Retry-After``; the message is not accepted."""
    UNAVAILABLE = "unavailable"
    """HTTP 503, documented as "not processed"; the message is not accepted."""
    SERVER_ERROR = "server_error"
    """HTTP 500 *after* the message was accepted (an ambiguous failure)."""
    CONNECT_ERROR = "connect_error"
    """The connection is refused; nothing reaches the sandbox."""
    READ_TIMEOUT = "read_timeout"
    """The message is accepted but the answer never arrives."""
    LATENCY = "latency"
    """The answer takes ``latency`` seconds of sandbox time; longer than the
    client's read timeout, it becomes a read timeout after accepting."""


@attrs.frozen(kw_only=True)
class Fate:
    """What happens to a message after the sandbox accepts it.

    Attributes:
        final: The status it ends in.
        error_code: The error code reported with a failed final status.
        sent_after: Seconds from acceptance until ``sent``.
        final_after: Seconds from acceptance until the final status.
    """

    final: Status = Status.DELIVERED
    error_code: str | None = None
    sent_after: float = 1.0
    final_after: float = 3.0


DEFAULT_FATE = Fate()

# Recipients ("to") with a scripted outcome. Keys are E.164.
MAGIC_RECIPIENTS: dict[str, Rejection | Fate | SandboxFault] = {
    # Twilio test credentials (twilio.com/docs/iam/test-credentials).
    "+15005550001": Rejection.INVALID_TO,
    "+15005550002": Rejection.CANNOT_ROUTE,
    "+15005550003": Rejection.NO_PERMISSION,
    "+15005550004": Rejection.OPTED_OUT,
    "+15005550009": Rejection.NOT_MOBILE,
    # smskit's own.
    "+15005550010": Fate(
        final=Status.UNDELIVERED, error_code=DeliveryError.UNREACHABLE.value
    ),
    "+15005550011": Fate(
        final=Status.FAILED, error_code=DeliveryError.UNKNOWN.value, sent_after=0.5
    ),
    "+15005550012": Fate(
        final=Status.EXPIRED, error_code=DeliveryError.EXPIRED.value, final_after=60.0
    ),
    "+15005550013": Fate(
        final=Status.REJECTED, error_code=DeliveryError.FILTERED.value
    ),
    "+15005550014": Fate(sent_after=30.0, final_after=120.0),  # slow carrier
    "+15005550020": SandboxFault.RATE_LIMITED,
    "+15005550021": SandboxFault.UNAVAILABLE,
    "+15005550022": SandboxFault.SERVER_ERROR,
    "+15005550023": SandboxFault.CONNECT_ERROR,
    "+15005550024": SandboxFault.READ_TIMEOUT,
}

# Senders ("from") with a scripted outcome.
MAGIC_SENDERS: dict[str, Rejection] = {
    "+15005550001": Rejection.INVALID_FROM,
    "+15005550007": Rejection.SENDER_NOT_OWNED,
    "+15005550008": Rejection.QUEUE_FULL,
}
