"""What the Twilio dialect shows: its words and codes, errors, resources, webhooks.

Twilio's facts (dates, status words read back, codes, the signature) come
from ``smskit.providers.twilio``; the choices here are the emulator's own:
which word and code to show for each sandbox state, and how the Message
resource, the legacy error JSON and the signed webhooks look.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from smskit._emulator._common import Webhook, form_webhook, provider_code
from smskit._emulator._http import EmulatorResponse
from smskit._models import Status
from smskit.providers.sandbox._magic import DeliveryError, Rejection
from smskit.providers.twilio import _signing as signing
from smskit.providers.twilio import _wire as wire

if TYPE_CHECKING:
    import datetime as dt

    from smskit._emulator._config import Credentials
    from smskit._models import InboundMessage, StatusEvent
    from smskit.providers.sandbox._state import SandboxRecord, SandboxRejected

__all__ = [
    "API_VERSION",
    "DELIVERY_CODES",
    "REJECTION_CODES",
    "STATUS_WORDS",
    "TwilioMeta",
    "TwilioRender",
    "error",
    "invalid",
    "not_found",
    "rejected",
    "rfc2822",
    "unauthorized",
]

API_VERSION = wire.API_VERSION

# The word shown for each sandbox status. Reading it back through
# wire.STATUSES gives the status, or the collapse wire.COLLAPSED documents.
STATUS_WORDS: dict[Status, str] = {
    Status.SCHEDULED: "scheduled",
    Status.QUEUED: "queued",
    Status.SENDING: "sending",
    Status.SENT: "sent",
    Status.DELIVERED: "delivered",
    Status.READ: "read",
    Status.UNDELIVERED: "undelivered",
    Status.REJECTED: wire.COLLAPSED[Status.REJECTED],
    Status.EXPIRED: wire.COLLAPSED[Status.EXPIRED],
    Status.FAILED: "failed",
    Status.CANCELED: "canceled",
    Status.RECEIVED: "received",
    Status.UNKNOWN: wire.COLLAPSED[Status.UNKNOWN],
}

# The code shown for each sandbox refusal; _errors.ERRORS says what it means.
REJECTION_CODES: dict[Rejection, int] = {
    Rejection.INVALID_TO: 21211,
    Rejection.INVALID_FROM: 21212,
    Rejection.SENDER_NOT_OWNED: 21606,
    Rejection.QUEUE_FULL: 21611,
    Rejection.CANNOT_ROUTE: 21612,
    Rejection.NO_PERMISSION: 21408,
    Rejection.OPTED_OUT: 21610,
    Rejection.NOT_MOBILE: 21614,
    Rejection.MISSING_BODY: 21602,
    Rejection.BODY_TOO_LONG: 21617,
    # [unverified]: not in providers.md; Twilio's "message cannot be canceled".
    Rejection.NOT_CANCELABLE: 30409,
}

# The delivery error code shown for each sandbox delivery error
# (_errors.DELIVERY_ERRORS says what each means).
DELIVERY_CODES: dict[str, str] = {
    DeliveryError.UNREACHABLE.value: "30003",
    DeliveryError.BLOCKED.value: "30004",
    DeliveryError.UNKNOWN_NUMBER.value: "30005",
    DeliveryError.NO_ROUTE.value: "30006",
    DeliveryError.FILTERED.value: "30007",
    DeliveryError.UNKNOWN.value: "30008",
    # [unverified]: not in providers.md; Twilio's "validity period expired".
    DeliveryError.EXPIRED.value: "30036",
}

# Error texts modelled on Twilio's; clients must not match on them.
_REJECTION_TEXT: dict[Rejection, str] = {
    Rejection.INVALID_TO: "The 'To' number {to} is not a valid phone number.",
    Rejection.INVALID_FROM: (
        "The 'From' number {sender} is not a valid phone number, shortcode, "
        "or alphanumeric sender ID."
    ),
    Rejection.SENDER_NOT_OWNED: (
        "The From phone number {sender} is not a valid, SMS-capable inbound phone "
        "number or short code for your account."
    ),
    Rejection.QUEUE_FULL: (
        "This 'From' number has exceeded the maximum number of queued messages"
    ),
    Rejection.CANNOT_ROUTE: (
        "The 'To' phone number: {to}, is not currently reachable using the "
        "'From' phone number: {sender} via SMS."
    ),
    Rejection.NO_PERMISSION: (
        "Permission to send an SMS has not been enabled for the region indicated "
        "by the 'To' number: {to}."
    ),
    Rejection.OPTED_OUT: "Attempt to send to unsubscribed recipient",
    Rejection.NOT_MOBILE: "'To' number {to} is not a valid mobile number",
    Rejection.MISSING_BODY: "Message body is required.",
    Rejection.BODY_TOO_LONG: (
        "The concatenated message body exceeds the 1600 character limit."
    ),
    Rejection.NOT_CANCELABLE: "This message cannot be canceled",
}


@attrs.define
class TwilioMeta:
    """Twilio-only facts about one message."""

    sid: str
    messaging_service_sid: str | None = None
    date_sent: dt.datetime | None = None
    deleted: bool = False
    redacted: bool = False


def rfc2822(moment: dt.datetime | None) -> str | None:
    """A Twilio date (``Sun, 01 Jun 2025 12:00:00 +0000``), or ``None``."""
    return None if moment is None else wire.format_date(moment)


def error(status: int, code: int, message: str, **extra: str) -> EmulatorResponse:
    """A Twilio error response in the legacy 2010 shape."""
    payload: dict[str, Any] = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
        **extra,
    }
    return EmulatorResponse.json(status, payload)


def unauthorized() -> EmulatorResponse:
    """Twilio's 401, with its Basic-auth challenge."""
    response = error(
        401, 20003, "Authenticate", detail="Your AccountSid or AuthToken was incorrect."
    )
    realm = ("WWW-Authenticate", 'Basic realm="Twilio API"')
    return attrs.evolve(response, headers=(*response.headers, realm))


def not_found(path: str) -> EmulatorResponse:
    """Twilio's 404 for ``path``."""
    return error(404, 20404, f"The requested resource {path} was not found")


def invalid(message: str) -> EmulatorResponse:
    """Twilio's 400 for a parameter it refuses."""
    return error(400, 21000, message)  # code: [unverified] generic invalid parameter


def rejected(refused: SandboxRejected, *, to: str, sender: str) -> EmulatorResponse:
    """The error Twilio answers for a sandbox refusal of a message."""
    rejection = refused.rejection
    text = _REJECTION_TEXT.get(rejection, refused.detail)
    return error(400, REJECTION_CODES[rejection], text.format(to=to, sender=sender))


def _error_number(code: str | None) -> int | None:
    """Twilio's integer ``error_code`` for a sandbox error code, or ``None``."""
    shown = provider_code(code, DELIVERY_CODES)
    return None if shown is None else int(shown)


class TwilioRender:
    """Renders one account's Message resources and signed webhooks.

    Args:
        credentials: The account shown, and the token webhooks are signed with.
    """

    def __init__(self, credentials: Credentials) -> None:
        self._account_sid = credentials.twilio_account_sid
        self._auth_token = credentials.twilio_auth_token

    @property
    def base(self) -> str:
        """The account's path, e.g. ``/2010-04-01/Accounts/AC…``."""
        return f"/{API_VERSION}/Accounts/{self._account_sid}"

    def status_word(self, record: SandboxRecord, meta: TwilioMeta) -> str:
        """The Twilio status of a record (``accepted`` for queued service sends)."""
        word = STATUS_WORDS[record.status]
        if word == "queued" and meta.messaging_service_sid:
            return "accepted"  # a Messaging Service has not picked a sender yet
        return word

    def message_json(self, record: SandboxRecord, meta: TwilioMeta) -> dict[str, Any]:
        """The Message resource of a record."""
        status = self.status_word(record, meta)
        accepted = status == "accepted"
        uri = f"{self.base}/Messages/{meta.sid}"
        return {
            "account_sid": self._account_sid,
            "api_version": API_VERSION,
            "body": "" if meta.redacted else record.body,
            "date_created": rfc2822(record.created_at),
            "date_sent": rfc2822(meta.date_sent),
            "date_updated": rfc2822(record.updated_at),
            "direction": "outbound-api",
            "error_code": _error_number(record.error_code),
            "error_message": None,
            "from": None if accepted else record.sender,
            "messaging_service_sid": meta.messaging_service_sid,
            "num_media": "0",
            "num_segments": "0" if accepted else str(record.segments),
            "price": None if record.price is None else f"{-record.price:.5f}",
            "price_unit": "USD",
            "sid": meta.sid,
            "status": status,
            "subresource_uris": {
                "media": f"{uri}/Media.json",
                "feedback": f"{uri}/Feedback.json",
            },
            "to": record.to,
            "uri": f"{uri}.json",
        }

    def status_callback(
        self, record: SandboxRecord, meta: TwilioMeta, event: StatusEvent, url: str
    ) -> Webhook:
        """The status callback announcing ``event`` to ``url``."""
        status = STATUS_WORDS[event.status]
        params = [
            ("SmsSid", meta.sid),
            ("SmsStatus", status),
            ("MessageStatus", status),
            ("To", record.to),
            ("MessageSid", meta.sid),
            ("AccountSid", self._account_sid),
            ("From", record.sender),
            ("ApiVersion", API_VERSION),
        ]
        code = _error_number(event.error_code)
        if code is not None:
            params.append(("ErrorCode", str(code)))
        if meta.messaging_service_sid:
            params.append(("MessagingServiceSid", meta.messaging_service_sid))
        if status in {"delivered", "undelivered"} and event.occurred_at is not None:
            params.append(
                ("RawDlrDoneDate", wire.format_dlr_done_date(event.occurred_at))
            )
        return self._webhook("status", url, params, meta.sid)

    def inbound(self, message: InboundMessage, url: str) -> Webhook:
        """The request Twilio sends to a number's SMS URL for ``message``.

        Twilio reassembles long messages, so there is one request.
        """
        sid = f"SM{message.id[2:]}"
        params = [
            ("ToCountry", ""),
            ("SmsMessageSid", sid),
            ("NumMedia", "0"),
            ("SmsSid", sid),
            ("SmsStatus", "received"),
            ("Body", message.body),
            ("To", message.to),
            ("NumSegments", str(message.segments or 1)),
            ("ReferralNumMedia", "0"),
            ("MessageSid", sid),
            ("AccountSid", self._account_sid),
            ("From", message.sender),
            ("ApiVersion", API_VERSION),
        ]
        return self._webhook("inbound", url, params, sid)

    def _webhook(
        self, kind: str, url: str, params: list[tuple[str, str]], sid: str
    ) -> Webhook:
        def sign(final_url: str, data: dict[str, str]) -> dict[str, str]:
            signature = signing.signature(self._auth_token, final_url, data)
            return {"X-Twilio-Signature": signature, "User-Agent": "TwilioProxy/1.1"}

        return form_webhook(
            provider="twilio",
            kind="status" if kind == "status" else "inbound",
            method="POST",
            url=url,
            params=params,
            sign=sign,
            message_id=sid,
        )
