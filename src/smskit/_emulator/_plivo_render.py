"""What the Plivo dialect shows: its states and codes, errors, records, webhooks.

Plivo's facts (dates, message states read back, codes, the signatures) come
from ``smskit.providers.plivo``; the choices here are the emulator's own:
which state and code to show for each sandbox state, and how the Account
object, message detail records, errors and the signed webhooks look.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import attrs

from smskit._emulator._common import (
    Webhook,
    country_of,
    form_webhook,
    nonce,
    provider_code,
)
from smskit._emulator._http import EmulatorResponse
from smskit._models import Status
from smskit.providers._common import digits_only
from smskit.providers.plivo import _signing as signing
from smskit.providers.plivo import _wire as wire
from smskit.providers.sandbox._magic import DeliveryError, Rejection
from smskit.providers.sandbox._state import (
    OPT_IN_WORDS,
    OPT_OUT_WORDS,
    PRICE_PER_SEGMENT,
)

if TYPE_CHECKING:
    import datetime as dt

    from smskit._emulator._config import Credentials
    from smskit._models import InboundMessage, StatusEvent
    from smskit.providers.sandbox._state import (
        SandboxRecord,
        SandboxRejected,
        SandboxState,
    )

__all__ = [
    "DELIVERY_CODES",
    "REJECTION_STATUS",
    "STATUS_WORDS",
    "UNREACHABLE",
    "PlivoMeta",
    "PlivoRender",
    "api_id",
    "error",
    "error_code",
    "rejected",
    "uuid_of",
]

# The ``message_state`` shown for each sandbox status. Reading it back
# through wire.STATUSES gives the status, or a collapse wire.COLLAPSED
# documents; UNREACHABLE lists the statuses no Plivo message can reach.
STATUS_WORDS: dict[Status, str] = {
    Status.SCHEDULED: "queued",
    Status.QUEUED: "queued",
    Status.SENDING: wire.COLLAPSED[Status.SENDING],
    Status.SENT: "sent",
    Status.DELIVERED: "delivered",
    Status.READ: "read",
    Status.UNDELIVERED: "undelivered",
    Status.REJECTED: "rejected",
    Status.EXPIRED: wire.COLLAPSED[Status.EXPIRED],
    Status.FAILED: "failed",
    Status.CANCELED: "failed",
    Status.RECEIVED: "received",
    Status.UNKNOWN: wire.COLLAPSED[Status.UNKNOWN],
}
UNREACHABLE = frozenset({Status.SCHEDULED, Status.CANCELED})
"""Plivo can neither schedule nor cancel, and each dialect shows only the
messages sent through it, so no Plivo message is ever in these states."""
# The ``error_code`` shown for each sandbox delivery error (_errors.
# DELIVERY_ERRORS says what each means).
DELIVERY_CODES: dict[str, str] = {
    DeliveryError.UNREACHABLE.value: "80",  # destination temporarily unavailable
    DeliveryError.BLOCKED.value: "100",  # prohibited by carrier
    DeliveryError.UNKNOWN_NUMBER.value: "50",  # invalid destination number
    DeliveryError.NO_ROUTE.value: "90",  # no route available
    DeliveryError.FILTERED.value: "30",  # spam detected
    DeliveryError.UNKNOWN.value: "1000",  # unknown error
    # Plivo reports expiry as an error code on an undelivered message; none of
    # its published codes says "expired", temporarily unavailable is nearest.
    DeliveryError.EXPIRED.value: "80",
}
_UNKNOWN_ERROR = "1000"
# The HTTP status of each sandbox refusal (_errors.ERRORS says what each
# means); Plivo answers a refusal with a status and a text, no code.
REJECTION_STATUS: dict[Rejection, int] = {
    # The SDK maps a 403 on POST …/Message/ to GeoPermissionError.
    Rejection.NO_PERMISSION: 403,
}
_REFUSED = 400
_REJECTION_TEXT: dict[Rejection, str] = {
    Rejection.INVALID_TO: "{to} is not a valid phone number",
    Rejection.INVALID_FROM: "{sender} is not a valid source number",
    Rejection.SENDER_NOT_OWNED: "{sender} is not a number of this account",
    Rejection.QUEUE_FULL: "queue for {sender} is full, try again later",
    Rejection.CANNOT_ROUTE: "no route available to {to}",
    Rejection.NO_PERMISSION: "geo permission for {to} is not enabled",
    Rejection.OPTED_OUT: "{to} has opted out (STOP) of messages from this account",
    Rejection.NOT_MOBILE: "{to} is not SMS enabled",
    Rejection.MISSING_BODY: "text parameter not present",
    Rejection.BODY_TOO_LONG: "text is too long: it exceeds 1600 characters",
}
_FAILED = frozenset(
    {Status.FAILED, Status.UNDELIVERED, Status.REJECTED, Status.EXPIRED}
)


@attrs.define
class PlivoMeta:
    """Plivo-only facts about one message."""

    uuid: str
    method: str = "POST"
    sequence: int = 0
    sent_at: dt.datetime | None = None


def api_id() -> str:
    """A fresh ``api_id`` for an answer."""
    return str(uuid.uuid1())  # Plivo's api_ids are time-based UUIDs


def uuid_of(sandbox_id: str) -> str:
    """A version-4-shaped UUID made from a sandbox id's 128 random bits."""
    return str(uuid.UUID(hex=sandbox_id[2:], version=4))


def error(status: int, text: str) -> EmulatorResponse:
    """A Plivo error response."""
    return EmulatorResponse.json(status, {"api_id": api_id(), "error": text})


def rejected(refused: SandboxRejected, *, to: str, sender: str) -> EmulatorResponse:
    """The error Plivo answers when the sandbox refused a send to ``to``."""
    status = REJECTION_STATUS.get(refused.rejection, _REFUSED)
    text = _REJECTION_TEXT.get(refused.rejection, refused.detail)
    return error(status, text.format(to=to, sender=sender))


def error_code(status: Status, code: str | None) -> str:
    """The ``error_code`` Plivo shows for a message in ``status``."""
    if status not in _FAILED:
        return wire.NO_ERROR
    return provider_code(code, DELIVERY_CODES) or _UNKNOWN_ERROR


def _callback_time(moment: dt.datetime | None) -> str:
    return "" if moment is None else wire.format_callback_time(moment)


def _intent(keyword: str) -> str:
    """The ``MessageIntent`` of an inbound message's first word."""
    if keyword in OPT_OUT_WORDS:
        return "optout"
    if keyword in OPT_IN_WORDS:
        return "optin"
    return "help" if keyword in {"HELP", "INFO"} else ""


class PlivoRender:
    """Renders one account's Account object, records and signed webhooks.

    Args:
        state: The sandbox, read for its balance.
        credentials: The account shown, and the token webhooks are signed with.
    """

    def __init__(self, state: SandboxState, credentials: Credentials) -> None:
        self._state = state
        self._auth_id = credentials.plivo_auth_id
        self._auth_token = credentials.plivo_auth_token

    def account_json(self) -> dict[str, Any]:
        """The Account object (``cash_credits`` is the sandbox's balance)."""
        return {
            "account_type": "standard",
            "address": "",
            "api_id": api_id(),
            "auth_id": self._auth_id,
            "auto_recharge": False,
            "billing_mode": "prepaid",
            "cash_credits": f"{self._state.balance:.5f}",
            "city": "",
            "name": "smskit emulator",
            "resource_uri": f"/v1/Account/{self._auth_id}/",
            "state": "",
            "timezone": "Etc/UTC",
        }

    def mdr(self, record: SandboxRecord, message_uuid: str) -> dict[str, Any]:
        """The message detail record of a record."""
        amount = record.price or 0
        return {
            "destination_country_iso2": country_of(record.to),
            "error_code": error_code(record.status, record.error_code),
            "from_number": digits_only(record.sender),
            "is_domestic": False,
            "message_direction": "outbound",
            "message_state": STATUS_WORDS[record.status],
            "message_time": wire.format_message_time(record.created_at),
            "message_type": "sms",
            "message_uuid": message_uuid,
            "powerpack_id": None,
            "replaced_sender": "",
            "requester_ip": "127.0.0.1",
            "resource_uri": f"/v1/Account/{self._auth_id}/Message/{message_uuid}/",
            "to_number": digits_only(record.to),
            "total_amount": f"{amount:.5f}",
            "total_rate": f"{PRICE_PER_SEGMENT:.5f}",
            "units": record.segments,
        }

    def status_callback(
        self, record: SandboxRecord, meta: PlivoMeta, event: StatusEvent, url: str
    ) -> Webhook:
        """The status callback announcing ``event`` to ``url``."""
        code = error_code(event.status, event.error_code)
        params = [
            ("MessageUUID", meta.uuid),
            ("ParentMessageUUID", meta.uuid),
            ("From", digits_only(record.sender)),
            ("To", digits_only(record.to)),
            ("Type", "sms"),
            ("Status", STATUS_WORDS[event.status]),
            ("Units", str(record.segments)),
            ("TotalRate", f"{PRICE_PER_SEGMENT:.5f}"),
            ("TotalAmount", f"{event.price or 0:.5f}"),
            ("MCC", "001"),
            ("MNC", "01"),
            ("Sequence", str(meta.sequence)),
            ("MessageTime", _callback_time(record.created_at)),
            ("QueuedTime", _callback_time(record.created_at)),
            ("SentTime", _callback_time(meta.sent_at)),
            (
                "DeliveryReportTime",
                _callback_time(event.occurred_at) if event.status.is_final else "",
            ),
        ]
        if code != wire.NO_ERROR:
            params.append(("ErrorCode", code))
        return self._webhook("status", url, meta.method, params, meta.uuid)

    def inbound(self, message: InboundMessage, url: str) -> Webhook:
        """The POST Plivo makes to an application's ``message_url``.

        Plivo concatenates long inbound SMS, so there is one request.
        """
        message_uuid = uuid_of(message.id)
        params = [
            ("From", digits_only(message.sender)),
            ("To", digits_only(message.to)),
            ("Type", "sms"),
            ("Text", message.body),
            ("MessageUUID", message_uuid),
            ("Units", str(message.segments or 1)),
            ("TotalRate", "0.00000"),
            ("TotalAmount", "0.00000"),
            ("MessageIntent", _intent(message.keyword)),
            ("PowerpackUUID", ""),
        ]
        return self._webhook("inbound", url, "POST", params, message_uuid)

    def _webhook(
        self,
        kind: str,
        url: str,
        method: str,
        params: list[tuple[str, str]],
        message_uuid: str,
    ) -> Webhook:
        def sign(final_url: str, data: dict[str, str]) -> dict[str, str]:
            once = nonce()
            if method == "GET":  # the parameters are in the final URL's query
                v3 = signing.v3_signature(
                    self._auth_token, final_url, once, method="GET"
                )
            else:
                v3 = signing.v3_signature(self._auth_token, final_url, once, data)
            v2 = signing.v2_signature(self._auth_token, final_url, once)
            return {
                "X-Plivo-Signature-V3": v3,
                "X-Plivo-Signature-Ma-V3": v3,  # no subaccounts: same token
                "X-Plivo-Signature-V3-Nonce": once,
                "X-Plivo-Signature-V2": v2,
                "X-Plivo-Signature-Ma-V2": v2,
                "X-Plivo-Signature-V2-Nonce": once,
                "User-Agent": "PlivoHTTP/1.0",
            }

        return form_webhook(
            provider="plivo",
            kind="status" if kind == "status" else "inbound",
            method=method,
            url=url,
            params=params,
            sign=sign,
            message_id=message_uuid,
        )
