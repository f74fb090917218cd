"""What the Vonage dialect shows: its words and codes, answers, reports, webhooks.

Vonage's facts (dates, status words read back, codes, the signature) come
from ``smskit.providers.vonage``; the choices here are the emulator's own:
which word and code to show for each sandbox state, and how send answers,
Reports API records, receipts and inbound webhooks look.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from smskit import encoding
from smskit._emulator._common import (
    Webhook,
    country_of,
    form_webhook,
    provider_code,
)
from smskit._emulator._http import EmulatorResponse
from smskit._models import Status
from smskit.providers._common import digits_only, utc
from smskit.providers.sandbox._magic import DeliveryError, Rejection
from smskit.providers.sandbox._state import PRICE_PER_SEGMENT
from smskit.providers.vonage import _errors as errors
from smskit.providers.vonage import _signing as signing
from smskit.providers.vonage import _wire as wire

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from smskit._emulator._config import Credentials
    from smskit._models import InboundMessage, StatusEvent
    from smskit.providers.sandbox._state import SandboxRecord, SandboxState

__all__ = [
    "DELIVERY_CODES",
    "DLR_STATUS",
    "NETWORK",
    "SEND_STATUS",
    "UNREACHABLE",
    "VonageRender",
    "report_error",
    "report_status",
    "send_error",
]

# The MCC/MNC reserved for test networks; no real carrier has it.
NETWORK = "00101"

# The receipt ``status`` shown for each sandbox status. Statuses missing here
# (queued, scheduled, canceled) produce no receipt. Reading the word back
# through wire.DLR_STATUSES gives the status, or a collapse wire.COLLAPSED
# documents.
DLR_STATUS: dict[Status, str] = {
    Status.SENDING: "buffered",
    Status.SENT: "accepted",
    Status.DELIVERED: "delivered",
    Status.READ: wire.COLLAPSED[Status.READ],
    Status.UNDELIVERED: "failed",
    Status.REJECTED: "rejected",
    Status.EXPIRED: "expired",
    Status.FAILED: wire.COLLAPSED[Status.FAILED],
    Status.UNKNOWN: "unknown",
}
UNREACHABLE = frozenset({Status.SCHEDULED, Status.CANCELED, Status.RECEIVED})
"""Vonage can neither schedule nor cancel, and each dialect shows only the
messages sent through it, so no Vonage message is ever in these states."""
# The Reports API's word for a message without a receipt yet.
_NO_RECEIPT_YET = wire.COLLAPSED[Status.QUEUED]
# The receipt ``err-code`` shown for each sandbox delivery error
# (errors.DELIVERY_ERRORS says what each means).
DELIVERY_CODES: dict[str, str] = {
    DeliveryError.UNREACHABLE.value: "2",  # absent subscriber, temporary
    DeliveryError.BLOCKED.value: "4",  # call barred by user
    DeliveryError.UNKNOWN_NUMBER.value: "3",  # absent subscriber, permanent
    DeliveryError.NO_ROUTE.value: "12",  # destination unreachable
    DeliveryError.FILTERED.value: "6",  # anti-spam rejection
    DeliveryError.UNKNOWN.value: "99",  # general error
    # The receipt's status says "expired"; no err-code says more than unknown.
    DeliveryError.EXPIRED.value: "1",
}
_GENERAL_ERROR = "99"
# The send ``status`` and an ``error-text`` like Vonage's for each sandbox
# refusal (errors.SEND_ERRORS says what each status means).
SEND_STATUS: dict[Rejection, tuple[str, str]] = {
    Rejection.INVALID_TO: ("3", "Invalid to address"),
    Rejection.INVALID_FROM: ("15", "Illegal Sender Address - rejected"),
    Rejection.SENDER_NOT_OWNED: ("15", "Illegal Sender Address - rejected"),
    # Vonage has no sender queue to fill; the nearest refusal is throttling.
    Rejection.QUEUE_FULL: (
        "1",
        "Throughput Rate Exceeded - please wait [ 1000 ] and retry",
    ),
    Rejection.CANNOT_ROUTE: ("6", "Unroutable message - rejected"),
    Rejection.NO_PERMISSION: ("29", "Non White-listed Destination - rejected"),
    # A number that replied STOP is on Vonage's block list.
    Rejection.OPTED_OUT: ("7", "Number barred"),
    Rejection.NOT_MOBILE: ("6", "Unroutable message - rejected"),
    Rejection.MISSING_BODY: ("2", "Missing text param"),
    Rejection.BODY_TOO_LONG: ("12", "Message too long"),
}


def send_error(status: str, text: str) -> EmulatorResponse:
    """A refused send: HTTP 200, one entry with the status and error-text."""
    entry = {"status": status, "error-text": text}
    return EmulatorResponse.json(200, {"message-count": "1", "messages": [entry]})


def report_error(status: int, title: str, detail: str) -> EmulatorResponse:
    """An error of the Reports API, as problem details."""
    body = {
        "type": "https://developer.vonage.com/api-errors",
        "title": title,
        "detail": detail,
        "instance": str(uuid.uuid4()),
    }
    return EmulatorResponse.json(status, body)


def report_status(record: SandboxRecord) -> str:
    """The Reports API's ``status`` of a record."""
    return DLR_STATUS.get(record.status, _NO_RECEIPT_YET)


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else wire.format_report_time(moment)


def _err_text(code: str) -> str:
    """A description for a receipt's err-code, like the Reports API's."""
    meaning = errors.DELIVERY_ERRORS.get(code, ("general error", "later"))[0]
    return meaning[0].upper() + meaning[1:]


def _err_code(status: Status, code: str | None) -> str:
    failed = {Status.UNDELIVERED, Status.REJECTED, Status.EXPIRED, Status.FAILED}
    if status not in failed and status is not Status.UNKNOWN:
        return "0"  # delivered, or no verdict yet
    return provider_code(code, DELIVERY_CODES) or _GENERAL_ERROR


class VonageRender:
    """Renders one account's send answers, reports and signed webhooks.

    Args:
        state: The sandbox, read for its balance and clock.
        credentials: The account shown, and the signature secret and method.
    """

    def __init__(self, state: SandboxState, credentials: Credentials) -> None:
        self._state = state
        self._api_key = credentials.vonage_api_key
        self._signature_secret = credentials.vonage_signature_secret
        self._signature_method = credentials.vonage_signature_method

    def sent_json(
        self, record: SandboxRecord, parts: tuple[str, ...]
    ) -> dict[str, Any]:
        """The answer to an accepted send: one entry per part."""
        balance = f"{self._state.balance:.8f}"
        messages = []
        for part in parts:
            entry = {
                "to": digits_only(record.to),
                "message-id": part,
                "status": "0",
                "remaining-balance": balance,
                "message-price": f"{PRICE_PER_SEGMENT:.8f}",
                "network": NETWORK,
            }
            if record.client_ref is not None:
                entry["client-ref"] = record.client_ref
            messages.append(entry)
        return {"message-count": str(len(parts)), "messages": messages}

    def records_json(
        self,
        found: Sequence[tuple[SandboxRecord, str]],
        missing: Sequence[str],
        with_body: bool,
    ) -> dict[str, Any]:
        """The Reports API's answer: a record per part, and the ids not found."""
        payload: dict[str, Any] = {
            "request_id": str(uuid.uuid4()),
            "request_status": "SUCCESS",
            "received_at": _iso(self._state.now),
            "price": 0,
            "currency": "EUR",
            "account_id": self._api_key,
            "product": "SMS",
            "direction": "outbound",
            "include_message": with_body,
            "items_count": len(found),
            "records": [
                self.report_json(record, part, with_body) for record, part in found
            ],
        }
        if missing:
            payload["ids_not_found"] = ",".join(missing)
        return payload

    def report_json(
        self, record: SandboxRecord, part: str, with_body: bool
    ) -> dict[str, Any]:
        """The Reports API's record of one part of a message."""
        final = record.status.is_final
        err = _err_code(record.status, record.error_code)
        item: dict[str, Any] = {
            "account_id": self._api_key,
            "message_id": part,
            "client_ref": record.client_ref,
            "direction": "outbound",
            "from": digits_only(record.sender),
            "to": digits_only(record.to),
            "network": NETWORK,
            "country": country_of(record.to),
            "date_received": _iso(record.created_at),
            "date_finalized": _iso(record.updated_at) if final else None,
            "latency": int(
                (record.updated_at - record.created_at).total_seconds() * 1000
            )
            if final
            else None,
            "status": report_status(record),
            "error_code": err,
            "error_code_description": _err_text(err),
            "total_price": f"{PRICE_PER_SEGMENT if record.price else 0:.8f}",
            "currency": "EUR",
            "concatenated": record.segments > 1,
        }
        if with_body:
            item["message_body"] = record.body
        return item

    def receipts(
        self,
        record: SandboxRecord,
        parts: Sequence[str],
        event: StatusEvent,
        url: str,
    ) -> list[Webhook]:
        """One delivery receipt per part announcing ``event`` to ``url``."""
        word = DLR_STATUS.get(event.status)
        if word is None:
            return []
        moment = utc(event.occurred_at or self._state.now)
        err = _err_code(event.status, event.error_code)
        hooks = []
        for part in parts:
            params = [
                ("msisdn", digits_only(record.to)),
                ("to", digits_only(record.sender)),
                ("network-code", NETWORK),
                ("messageId", part),
                ("price", f"{PRICE_PER_SEGMENT:.8f}"),
                ("status", word),
                ("scts", wire.format_scts(moment)),
                ("err-code", err),
                ("api-key", self._api_key),
                ("message-timestamp", wire.format_timestamp(moment)),
            ]
            if record.client_ref is not None:
                params.append(("client-ref", record.client_ref))
            hooks.append(self._webhook("status", url, params, part))
        return hooks

    def inbound(self, message: InboundMessage, url: str) -> list[Webhook]:
        """Inbound-SMS webhooks: one per part, as Vonage does not reassemble."""
        info = encoding.analyze(message.body)
        kind = "text" if info.encoding is encoding.Encoding.GSM7 else "unicode"
        moment = utc(message.received_at or self._state.now)
        hex_id = message.id[2:]
        parts = [segment.text for segment in info.segments] or [message.body]
        hooks = []
        for number, text in enumerate(parts, start=1):
            message_id = f"{hex_id[:14]}{number:02x}".upper()
            params = [
                ("msisdn", digits_only(message.sender)),
                ("to", digits_only(message.to)),
                ("messageId", message_id),
                ("text", text),
                ("type", kind),
                ("keyword", message.keyword),
                ("api-key", self._api_key),
                ("message-timestamp", wire.format_timestamp(moment)),
            ]
            if len(parts) > 1:
                params += [
                    ("concat", "true"),
                    ("concat-ref", str(int(hex_id[:4], 16) % 256)),
                    ("concat-total", str(len(parts))),
                    ("concat-part", str(number)),
                ]
            hooks.append(self._webhook("inbound", url, params, message_id))
        return hooks

    def _webhook(
        self, kind: str, url: str, params: list[tuple[str, str]], message_id: str
    ) -> Webhook:
        signed = [
            *params,
            ("timestamp", str(int(time.time()))),
            ("nonce", str(uuid.uuid4())),
        ]
        sig = signing.signature(
            self._signature_secret, dict(signed), method=self._signature_method
        )
        return form_webhook(
            provider="vonage",
            kind="status" if kind == "status" else "inbound",
            method="POST",
            url=url,
            params=[*signed, (wire.SIGNATURE, sig)],
            sign=lambda _url, _data: {"User-Agent": "Vonage-Webhooks/1.0"},
            message_id=message_id,
        )
