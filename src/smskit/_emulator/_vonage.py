"""The Vonage SMS API (``/sms/json``) over `SandboxState`.

Covers sending (form, JSON or query; credentials as ``api_key``/``api_secret``
fields, Basic auth, or a signed request), ``/account/get-balance``, the Reports
API's synchronous records lookup (``/v2/reports/records``, Vonage's way to
fetch and list SMS), per-part delivery receipts and inbound webhooks signed
with ``sig``. Errors on ``/sms/json`` come back as HTTP 200 with a status
other than ``"0"``, as Vonage does.

Vonage's facts (paths, parameter names, dates, status words, codes, the
signature) come from ``smskit.providers.vonage``; this module keeps what only
a server does, and its own choice of which word and code to show for each
sandbox state.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import attrs

from smskit import encoding
from smskit._emulator._common import (
    Ledger,
    Webhook,
    country_of,
    form_webhook,
    provider_code,
    same_secret,
    url_problem,
)
from smskit._emulator._http import EmulatorRequest, EmulatorResponse, Params, first
from smskit._models import Status
from smskit.providers._common import digits_only, from_digits, utc
from smskit.providers.sandbox._magic import DeliveryError, Rejection
from smskit.providers.sandbox._state import PRICE_PER_SEGMENT, SandboxRejected
from smskit.providers.vonage import _errors as errors
from smskit.providers.vonage import _signing as signing
from smskit.providers.vonage import _wire as wire

if TYPE_CHECKING:
    from smskit._emulator._config import Credentials
    from smskit._models import InboundMessage, StatusEvent
    from smskit.providers.sandbox._state import SandboxRecord, SandboxState

__all__ = [
    "DELIVERY_CODES",
    "DLR_STATUS",
    "SEND_STATUS",
    "UNREACHABLE",
    "VonageDialect",
]

# The MCC/MNC reserved for test networks; no real carrier has it.
NETWORK = "00101"
_TTL_RANGE = wire.TTL_RANGE_MS
_MESSAGE_TYPES = frozenset(wire.TEXT_TYPES)

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


@attrs.define
class _Meta:
    """Vonage-only facts about one message."""

    part_ids: tuple[str, ...]
    receipts: bool = True


def _valid_ttl(text: str) -> bool:
    """Whether ``ttl`` is a whole number of milliseconds in Vonage's range."""
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return False  # "²".isdigit() is true, but int() refuses it
    return _TTL_RANGE[0] <= int(text) <= _TTL_RANGE[1]


def _send_error(status: str, text: str) -> EmulatorResponse:
    """A refused send: HTTP 200, one entry with the status and error-text."""
    entry = {"status": status, "error-text": text}
    return EmulatorResponse.json(200, {"message-count": "1", "messages": [entry]})


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else wire.format_report_time(moment)


def _err_text(code: str) -> str:
    """A description for a receipt's err-code, like the Reports API's."""
    meaning = errors.DELIVERY_ERRORS.get(code, ("general error", "later"))[0]
    return meaning[0].upper() + meaning[1:]


class VonageDialect:
    """Answers Vonage SMS API requests and renders Vonage webhooks.

    Args:
        state: The sandbox that stores the messages.
        credentials: The account it accepts and signs with.
    """

    name = "vonage"

    def __init__(self, state: SandboxState, credentials: Credentials) -> None:
        self.state = state
        self.api_key = credentials.vonage_api_key
        self.api_secret = credentials.vonage_api_secret
        self.signature_secret = credentials.vonage_signature_secret
        self.signature_method = credentials.vonage_signature_method
        self.ledger: Ledger[_Meta] = Ledger()

    def handles(self, path: str) -> bool:
        """Whether ``path`` belongs to the Vonage APIs."""
        return path in {"/sms/json", "/account/get-balance", "/v2/reports/records"}

    def provider_ids(self, record_id: str) -> tuple[str, ...]:
        """The message ids (one per part) of a record sent through this dialect."""
        return self.ledger.provider_ids(record_id)

    def refuse(self, path: str, status: int, text: str) -> EmulatorResponse:
        """A Vonage error for a request whose body cannot be read.

        Each API keeps its own shape: the SMS API's message list (status
        ``3``, invalid parameters), the account API's error code and label,
        the Reports API's problem details.
        """
        if path == "/sms/json":
            entry = {"status": "3", "error-text": text}
            return EmulatorResponse.json(
                status, {"message-count": "1", "messages": [entry]}
            )
        if path == "/account/get-balance":
            body = {"error-code": str(status), "error-code-label": text}
            return EmulatorResponse.json(status, body)
        return self._report_error(status, "Bad Request", text)

    def handle(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer one Vonage API request."""
        if request.path == "/sms/json":
            if request.method not in {"GET", "POST"}:
                return EmulatorResponse.json(
                    405, {"error-code-label": "method not allowed"}
                )
            return self._send(request)
        if request.method != "GET":
            return EmulatorResponse.json(
                405, {"error-code-label": "method not allowed"}
            )
        if request.path == "/account/get-balance":
            return self._balance(request)
        return self._records(request)

    # -- credentials ------------------------------------------------------------

    def _key_and_secret(self, request: EmulatorRequest, params: Params) -> bool:
        """Whether the request carries this account's key and secret."""
        key, secret = request.basic_auth() or (
            first(params, wire.API_KEY) or "",
            first(params, wire.API_SECRET) or "",
        )
        # Both compared, in constant time: the answer must not time the secret.
        return same_secret(key, self.api_key) & same_secret(secret, self.api_secret)

    def _send_credentials(self, request: EmulatorRequest, params: Params) -> str | None:
        """Why the credentials of a send are refused (a status), or ``None``."""
        if wire.SIGNATURE not in params:
            if not request.basic_auth() and not first(params, wire.API_KEY):
                return "2"
            return None if self._key_and_secret(request, params) else "4"
        if wire.API_SECRET in params:
            return "32"  # signature and secret together
        if not same_secret(first(params, wire.API_KEY) or "", self.api_key):
            return "4"
        flat = {
            name: values[0] for name, values in params.items() if name != wire.SIGNATURE
        }
        expected = signing.signature(
            self.signature_secret, flat, method=self.signature_method
        )
        given = (first(params, wire.SIGNATURE) or "").lower()
        return None if same_secret(given, expected) else "14"

    # -- send -------------------------------------------------------------------

    def _params(self, request: EmulatorRequest) -> Params:
        """The query's parameters, updated with the body's (JSON or form).

        Raises:
            ValueError: A JSON body is not an object the emulator can use.
        """
        params = request.query_params()
        if request.content_type != "application/json":
            params.update(request.form())
            return params
        body = request.json()
        if not isinstance(body, dict):
            raise ValueError("not an object")
        for name, value in body.items():
            params[name] = [value if isinstance(value, str) else json.dumps(value)]
        return params

    def _send(self, request: EmulatorRequest) -> EmulatorResponse:
        try:
            params = self._params(request)
        except ValueError as unreadable:
            text = f"the request body is not a JSON object: {unreadable}"
            return self.refuse(request.path, 400, text)
        refused = self._send_credentials(request, params)
        if refused is not None:
            texts = {
                "2": "Missing api_key",
                "4": "Bad Credentials",
                "14": "Invalid Signature",
                "32": "Signature and api secret cannot be used together",
            }
            return _send_error(refused, texts[refused])
        problem = self._invalid(params)
        if problem is not None:
            return _send_error(*problem)
        sender, to = first(params, wire.FROM) or "", first(params, wire.TO) or ""
        try:
            record = self.state.submit(
                to=from_digits(to),
                body=first(params, wire.TEXT) or "",
                sender=from_digits(sender),
                client_ref=first(params, wire.CLIENT_REF),
                status_callback=first(params, wire.CALLBACK),
            )
        except SandboxRejected as rejected:
            return _send_error(
                *SEND_STATUS.get(rejected.rejection, ("3", rejected.detail))
            )
        hex_id = record.id[2:]
        parts = tuple(f"{hex_id[:14]}{n:02x}".upper() for n in range(record.segments))
        receipts = (first(params, wire.STATUS_REPORT_REQ) or "true").lower() not in {
            "false",
            "0",
        }
        self.ledger.add(record.id, parts, _Meta(part_ids=parts, receipts=receipts))
        return EmulatorResponse.json(200, self._sent_json(record, parts))

    def _invalid(self, params: Params) -> tuple[str, str] | None:
        """A status and text for a malformed send, or ``None``."""
        for name in ("from", "to"):
            if not first(params, name):
                return "2", f"Missing {name} param"
        kind = first(params, wire.TYPE) or "text"
        if kind not in _MESSAGE_TYPES:
            return "3", f"Invalid type: the emulator sends text and unicode, not {kind}"
        callback = first(params, wire.CALLBACK)
        if callback is not None and url_problem(callback) is not None:
            return "23", "Invalid callback url"
        ttl = first(params, wire.TTL)
        if ttl is not None and not _valid_ttl(ttl):
            return "3", "Invalid ttl"
        return None

    def _sent_json(
        self, record: SandboxRecord, parts: tuple[str, ...]
    ) -> dict[str, Any]:
        balance = f"{self.state.balance:.8f}"
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

    # -- balance and reports ------------------------------------------------------

    def _unauthorized(self) -> EmulatorResponse:
        body = {"error-code": "401", "error-code-label": "authentication failed"}
        return EmulatorResponse.json(401, body)

    def _balance(self, request: EmulatorRequest) -> EmulatorResponse:
        if not self._key_and_secret(request, request.query_params()):
            return self._unauthorized()
        value = round(float(self.state.balance), 8)
        return EmulatorResponse.json(200, {"value": value, "autoReload": False})

    def _records(self, request: EmulatorRequest) -> EmulatorResponse:
        """The Reports API's synchronous ``GET /v2/reports/records`` for SMS."""
        params = request.query_params()
        if not self._key_and_secret(request, params):
            return self._report_error(401, "Unauthorized", "Invalid credentials")
        if not same_secret(first(params, "account_id") or "", self.api_key):
            return self._report_error(
                403, "Forbidden", "account_id is not your account"
            )
        if (
            first(params, "product") != wire.REPORT_PRODUCT
            or first(params, "direction") != wire.REPORT_DIRECTION
        ):
            return self._report_error(
                422,
                "Invalid parameters",
                "the emulator has product=SMS, direction=outbound",
            )
        try:
            found, missing = self._select(params)
        except ValueError as problem:
            return self._report_error(422, "Invalid parameters", str(problem))
        with_body = first(params, "include_message") == "true"
        payload: dict[str, Any] = {
            "request_id": str(uuid.uuid4()),
            "request_status": "SUCCESS",
            "received_at": _iso(self.state.now),
            "price": 0,
            "currency": "EUR",
            "account_id": self.api_key,
            "product": "SMS",
            "direction": "outbound",
            "include_message": with_body,
            "items_count": len(found),
            "records": [
                self._report_json(record, part, with_body) for record, part in found
            ],
        }
        if missing:
            payload["ids_not_found"] = ",".join(missing)
        return EmulatorResponse.json(200, payload)

    def _select(
        self, params: Params
    ) -> tuple[list[tuple[SandboxRecord, str]], list[str]]:
        """Records chosen by ``id`` (comma list) or a date window, and ids not found."""
        ids = [part for part in (first(params, "id") or "").split(",") if part]
        if ids:
            found, missing = [], []
            for part in ids:
                record_id = self.ledger.record_id(part)
                record = None if record_id is None else self.state.get(record_id)
                if record is None:
                    missing.append(part)
                else:
                    found.append((record, part))
            return found, missing
        start = wire.parse_report_time(
            first(params, "date_start") or "1970-01-01T00:00:00Z"
        )
        end = wire.parse_report_time(
            first(params, "date_end") or "9999-12-31T00:00:00Z"
        )
        wanted = first(params, "status")
        chosen = []
        for record_id, meta in self.ledger.entries():
            record = self.state.get(record_id)
            if record is None or not start <= record.created_at < end:
                continue
            if wanted and self._report_status(record) != wanted:
                continue
            chosen += [(record, part) for part in meta.part_ids]
        return chosen, []

    def _report_status(self, record: SandboxRecord) -> str:
        return DLR_STATUS.get(record.status, _NO_RECEIPT_YET)

    def _report_json(
        self, record: SandboxRecord, part: str, with_body: bool
    ) -> dict[str, Any]:
        final = record.status.is_final
        err = self._err_code(record.status, record.error_code)
        item: dict[str, Any] = {
            "account_id": self.api_key,
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
            "status": self._report_status(record),
            "error_code": err,
            "error_code_description": _err_text(err),
            "total_price": f"{PRICE_PER_SEGMENT if record.price else 0:.8f}",
            "currency": "EUR",
            "concatenated": record.segments > 1,
        }
        if with_body:
            item["message_body"] = record.body
        return item

    def _report_error(self, status: int, title: str, detail: str) -> EmulatorResponse:
        body = {
            "type": "https://developer.vonage.com/api-errors",
            "title": title,
            "detail": detail,
            "instance": str(uuid.uuid4()),
        }
        return EmulatorResponse.json(status, body)

    # -- webhooks -------------------------------------------------------------------

    def _err_code(self, status: Status, code: str | None) -> str:
        failed = {Status.UNDELIVERED, Status.REJECTED, Status.EXPIRED, Status.FAILED}
        if status not in failed and status is not Status.UNKNOWN:
            return "0"  # delivered, or no verdict yet
        return provider_code(code, DELIVERY_CODES) or _GENERAL_ERROR

    def on_event(self, event: StatusEvent) -> list[Webhook]:
        """One delivery receipt per part for a status change, if receipts are due."""
        meta = self.ledger.meta(event.message_id)
        record = self.state.get(event.message_id)
        word = DLR_STATUS.get(event.status)
        if meta is None or record is None or word is None:
            return []
        if not meta.receipts or not record.status_callback:
            return []
        moment = utc(event.occurred_at or self.state.now)
        err = self._err_code(event.status, event.error_code)
        hooks = []
        for part in meta.part_ids:
            params = [
                ("msisdn", digits_only(record.to)),
                ("to", digits_only(record.sender)),
                ("network-code", NETWORK),
                ("messageId", part),
                ("price", f"{PRICE_PER_SEGMENT:.8f}"),
                ("status", word),
                ("scts", wire.format_scts(moment)),
                ("err-code", err),
                ("api-key", self.api_key),
                ("message-timestamp", wire.format_timestamp(moment)),
            ]
            if record.client_ref is not None:
                params.append(("client-ref", record.client_ref))
            hooks.append(self._webhook("status", record.status_callback, params, part))
        return hooks

    def inbound_webhooks(self, message: InboundMessage, url: str) -> list[Webhook]:
        """Inbound-SMS webhooks: one per part, as Vonage does not reassemble."""
        info = encoding.analyze(message.body)
        kind = "text" if info.encoding is encoding.Encoding.GSM7 else "unicode"
        moment = utc(message.received_at or self.state.now)
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
                ("api-key", self.api_key),
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
            self.signature_secret, dict(signed), method=self.signature_method
        )
        return form_webhook(
            provider=self.name,
            kind="status" if kind == "status" else "inbound",
            method="POST",
            url=url,
            params=[*signed, (wire.SIGNATURE, sig)],
            sign=lambda _url, _data: {"User-Agent": "Vonage-Webhooks/1.0"},
            message_id=message_id,
        )
