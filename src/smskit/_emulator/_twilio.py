"""The Twilio Messages API (2010-04-01) over `SandboxState`.

Covers what an SMS client uses: create (``POST …/Messages.json``), fetch,
list with paging and filters, cancel (``Status=canceled``) and redaction
(``Body=``), delete, ``Balance.json``; errors in Twilio's legacy JSON shape
with its codes; status callbacks and inbound webhooks signed with
``X-Twilio-Signature``.

Twilio's facts (paths, parameter names, dates, status words, codes, the
signature) come from ``smskit.providers.twilio``; this module keeps what only
a server does: routing, validation, the ledger, rendering, and its own choice
of which word and code to show for each sandbox state.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import attrs

from smskit._emulator._common import (
    Ledger,
    Webhook,
    form_webhook,
    provider_code,
    same_secret,
    url_problem,
)
from smskit._emulator._http import EmulatorRequest, EmulatorResponse, Params, first
from smskit._models import Status
from smskit.providers.sandbox._magic import DeliveryError, Rejection
from smskit.providers.sandbox._state import SandboxRejected
from smskit.providers.twilio import _signing as signing
from smskit.providers.twilio import _wire as wire

if TYPE_CHECKING:
    from collections.abc import Callable

    from smskit._emulator._config import Credentials
    from smskit._models import InboundMessage, StatusEvent
    from smskit.providers.sandbox._state import SandboxRecord, SandboxState

__all__ = ["DELIVERY_CODES", "REJECTION_CODES", "STATUS_WORDS", "TwilioDialect"]

API_VERSION = wire.API_VERSION
_ROUTE = re.compile(rf"/{API_VERSION}/Accounts/(?P<account>[^/]+)/(?P<rest>.+)")
_MESSAGE = re.compile(r"Messages/(?P<sid>[^/]+)\.json")
_DEFAULT_PAGE_SIZE = 50
_MAX_PAGE_SIZE = 1000
_SCHEDULE_MIN, _SCHEDULE_MAX = wire.SCHEDULE_WINDOW

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
class _Meta:
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


def _unauthorized() -> EmulatorResponse:
    response = error(
        401, 20003, "Authenticate", detail="Your AccountSid or AuthToken was incorrect."
    )
    realm = ("WWW-Authenticate", 'Basic realm="Twilio API"')
    return attrs.evolve(response, headers=(*response.headers, realm))


def _not_found(path: str) -> EmulatorResponse:
    return error(404, 20404, f"The requested resource {path} was not found")


def _invalid(message: str) -> EmulatorResponse:
    return error(400, 21000, message)  # code: [unverified] generic invalid parameter


def _error_number(code: str | None) -> int | None:
    """Twilio's integer ``error_code`` for a sandbox error code, or ``None``."""
    shown = provider_code(code, DELIVERY_CODES)
    return None if shown is None else int(shown)


def _sent_matches(name: str, bound: dt.date | dt.datetime, sent: dt.datetime) -> bool:
    value: dt.date | dt.datetime = sent
    if not isinstance(bound, dt.datetime):
        value = sent.date()
    if name == "DateSent<":
        return value <= bound
    if name == "DateSent>":
        return value >= bound
    return value == bound


class TwilioDialect:
    """Answers Twilio REST requests and renders Twilio webhooks.

    Args:
        state: The sandbox that stores the messages.
        credentials: The account it accepts and signs with.
    """

    name = "twilio"

    def __init__(self, state: SandboxState, credentials: Credentials) -> None:
        self.state = state
        self.account_sid = credentials.twilio_account_sid
        self.auth_token = credentials.twilio_auth_token
        self.ledger: Ledger[_Meta] = Ledger()

    def handles(self, path: str) -> bool:
        """Whether ``path`` belongs to the Twilio API."""
        return path.startswith(f"/{API_VERSION}/")

    def provider_ids(self, record_id: str) -> tuple[str, ...]:
        """The Message SID of a record sent through this dialect."""
        return self.ledger.provider_ids(record_id)

    def refuse(self, path: str, status: int, text: str) -> EmulatorResponse:
        """A Twilio error for a request whose body cannot be read."""
        return error(status, 21000, text)  # code: [unverified] generic invalid request

    # -- REST -----------------------------------------------------------------

    def _authenticated(self, request: EmulatorRequest) -> bool:
        sid, token = request.basic_auth() or ("", "")
        # Both compared, in constant time: the answer must not time the token.
        return same_secret(sid, self.account_sid) & same_secret(token, self.auth_token)

    def handle(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer one Twilio API request."""
        if not self._authenticated(request):
            return _unauthorized()
        match = _ROUTE.fullmatch(request.path)
        if match is None or not same_secret(match["account"], self.account_sid):
            return _not_found(request.path)
        rest = match["rest"]
        if rest == "Messages.json":
            return self._on_messages(request)
        message = _MESSAGE.fullmatch(rest)
        if message is not None:
            return self._on_message(request, message["sid"])
        if rest == "Balance.json" and request.method == "GET":
            return self._balance()
        return _not_found(request.path)

    def _on_messages(self, request: EmulatorRequest) -> EmulatorResponse:
        if request.method == "POST":
            return self._create(request.form())
        if request.method == "GET":
            return self._list(request.query_params())
        return error(405, 20004, "Method not allowed")

    def _on_message(self, request: EmulatorRequest, sid: str) -> EmulatorResponse:
        found = self._find(sid)
        if found is None:
            return _not_found(request.path)
        record, meta = found
        if request.method == "GET":
            return EmulatorResponse.json(200, self.message_json(record, meta))
        if request.method == "POST":
            return self._update(record, meta, request.form())
        if request.method == "DELETE":
            return self._delete(record, meta)
        return error(405, 20004, "Method not allowed")

    def _find(self, sid: str) -> tuple[SandboxRecord, _Meta] | None:
        record_id = self.ledger.record_id(sid)
        meta = None if record_id is None else self.ledger.meta(record_id)
        record = None if record_id is None else self.state.get(record_id)
        if record is None or meta is None or meta.deleted:
            return None
        return record, meta

    def _create(self, params: Params) -> EmulatorResponse:
        to = first(params, wire.TO)
        sender = first(params, wire.FROM)
        service = first(params, wire.MESSAGING_SERVICE_SID)
        if not to:
            return error(400, 21604, "A 'To' phone number is required.")
        if not sender and not service:
            return error(400, 21603, "A 'From' phone number is required.")
        callback = first(params, wire.STATUS_CALLBACK) or None
        problem = None if callback is None else url_problem(callback)
        if problem is not None:  # code: [unverified] Twilio's invalid StatusCallback
            return error(400, 21609, f"The StatusCallback URL {problem}.")
        send_at = self._schedule(params, service)
        if isinstance(send_at, EmulatorResponse):
            return send_at
        try:
            record = self.state.submit(
                to=to,
                body=first(params, wire.BODY) or "",
                sender=sender,
                status_callback=callback,
                send_at=send_at,
            )
        except SandboxRejected as refused:
            return self._rejected(refused, to=to, sender=sender or "")
        meta = _Meta(sid=f"SM{record.id[2:]}", messaging_service_sid=service)
        self.ledger.add(record.id, [meta.sid], meta)
        return EmulatorResponse.json(201, self.message_json(record, meta))

    def _schedule(
        self, params: Params, service: str | None
    ) -> dt.datetime | EmulatorResponse | None:
        """``SendAt`` of a scheduled send, ``None`` if not scheduled, or an error."""
        kind = first(params, wire.SCHEDULE_TYPE)
        if kind is None:
            return None
        if kind != wire.SCHEDULE_TYPE_FIXED:
            return error(400, 35126, f"Invalid ScheduleType: {kind}")
        text = first(params, wire.SEND_AT)
        if not text:
            return error(400, 35111, "SendAt is required to schedule a message")
        if not service:
            return error(400, 35118, "MessagingServiceSid is required to schedule")
        try:
            send_at = wire.parse_date_filter(text)
        except ValueError:
            send_at = None
        now = self.state.now
        if not isinstance(send_at, dt.datetime) or not (
            now + _SCHEDULE_MIN <= send_at <= now + _SCHEDULE_MAX
        ):
            return error(
                400, 35115, "SendAt must be between 5 minutes and 35 days from now"
            )
        return send_at

    def _rejected(
        self, refused: SandboxRejected, *, to: str, sender: str
    ) -> EmulatorResponse:
        rejection = refused.rejection
        text = _REJECTION_TEXT.get(rejection, refused.detail)
        return error(400, REJECTION_CODES[rejection], text.format(to=to, sender=sender))

    def _update(
        self, record: SandboxRecord, meta: _Meta, params: Params
    ) -> EmulatorResponse:
        status = first(params, wire.STATUS)
        if status is not None:
            if status != "canceled":
                return _invalid("Status can only be updated to 'canceled'")
            try:
                self.state.cancel(record.id)
            except SandboxRejected as refused:
                return self._rejected(refused, to=record.to, sender=record.sender)
        elif wire.BODY in params:
            if first(params, wire.BODY):
                return _invalid("Body can only be updated to an empty string")
            meta.redacted = True  # Twilio keeps every other field intact
        return EmulatorResponse.json(200, self.message_json(record, meta))

    def _delete(self, record: SandboxRecord, meta: _Meta) -> EmulatorResponse:
        if not record.status.is_final:
            return error(  # code and text: [unverified]
                400,
                20009,
                "Cannot delete message because delivery has not been completed.",
            )
        meta.deleted = True
        return EmulatorResponse(status=204)

    def _balance(self) -> EmulatorResponse:
        payload = {
            "currency": "USD",
            "balance": f"{self.state.balance:.5f}",
            "account_sid": self.account_sid,
        }
        return EmulatorResponse.json(200, payload)

    def _list(self, params: Params) -> EmulatorResponse:
        try:
            size = min(
                int(first(params, wire.PAGE_SIZE) or _DEFAULT_PAGE_SIZE), _MAX_PAGE_SIZE
            )
            page = int(first(params, wire.PAGE) or 0)
            keep = self._list_filter(params)
        except ValueError as problem:
            return _invalid(f"Invalid list parameter: {problem}")
        if size < 1 or page < 0:
            return _invalid("PageSize must be positive and Page not negative")
        found = [self._find(meta.sid) for _, meta in self.ledger.entries()]
        items = [item for item in reversed(found) if item is not None and keep(*item)]
        start = page * size
        chunk = items[start : start + size]
        filters = [
            (name, value)
            for name in wire.LIST_FILTERS
            for value in params.get(name, [])
        ]

        def uri(number: int) -> str:
            query = urlencode([*filters, (wire.PAGE_SIZE, size), (wire.PAGE, number)])
            return f"{self._base()}/Messages.json?{query}"

        payload = {
            "first_page_uri": uri(0),
            "end": start + len(chunk) - 1 if chunk else start,
            "previous_page_uri": uri(page - 1) if page > 0 else None,
            "messages": [self.message_json(record, meta) for record, meta in chunk],
            "uri": uri(page),
            "page_size": size,
            "start": start,
            "next_page_uri": uri(page + 1) if start + size < len(items) else None,
            "page": page,
        }
        return EmulatorResponse.json(200, payload)

    def _list_filter(self, params: Params) -> Callable[[SandboxRecord, _Meta], bool]:
        to, sender = first(params, wire.TO), first(params, wire.FROM)
        bounds = [
            (name, wire.parse_date_filter(value))
            for name in ("DateSent", "DateSent<", "DateSent>")
            for value in params.get(name, [])
        ]

        def keep(record: SandboxRecord, meta: _Meta) -> bool:
            if (to and record.to != to) or (sender and record.sender != sender):
                return False
            if not bounds:
                return True
            sent = meta.date_sent
            return sent is not None and all(
                _sent_matches(name, bound, sent) for name, bound in bounds
            )

        return keep

    def _base(self) -> str:
        return f"/{API_VERSION}/Accounts/{self.account_sid}"

    def status_word(self, record: SandboxRecord, meta: _Meta) -> str:
        """The Twilio status of a record (``accepted`` for queued service sends)."""
        word = STATUS_WORDS[record.status]
        if word == "queued" and meta.messaging_service_sid:
            return "accepted"  # a Messaging Service has not picked a sender yet
        return word

    def message_json(self, record: SandboxRecord, meta: _Meta) -> dict[str, Any]:
        """The Message resource of a record."""
        status = self.status_word(record, meta)
        accepted = status == "accepted"
        uri = f"{self._base()}/Messages/{meta.sid}"
        return {
            "account_sid": self.account_sid,
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

    # -- webhooks -------------------------------------------------------------

    def on_event(self, event: StatusEvent) -> list[Webhook]:
        """Note a status change; return its status callback, if one is due."""
        meta = self.ledger.meta(event.message_id)
        record = self.state.get(event.message_id)
        if meta is None or record is None:
            return []
        if event.status is Status.SENT and meta.date_sent is None:
            meta.date_sent = event.occurred_at
        if not record.status_callback:
            return []
        status = STATUS_WORDS[event.status]
        params = [
            ("SmsSid", meta.sid),
            ("SmsStatus", status),
            ("MessageStatus", status),
            ("To", record.to),
            ("MessageSid", meta.sid),
            ("AccountSid", self.account_sid),
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
        return [self._webhook("status", record.status_callback, params, meta.sid)]

    def inbound_webhooks(self, message: InboundMessage, url: str) -> list[Webhook]:
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
            ("AccountSid", self.account_sid),
            ("From", message.sender),
            ("ApiVersion", API_VERSION),
        ]
        return [self._webhook("inbound", url, params, sid)]

    def _webhook(
        self, kind: str, url: str, params: list[tuple[str, str]], sid: str
    ) -> Webhook:
        def sign(final_url: str, data: dict[str, str]) -> dict[str, str]:
            signature = signing.signature(self.auth_token, final_url, data)
            return {"X-Twilio-Signature": signature, "User-Agent": "TwilioProxy/1.1"}

        return form_webhook(
            provider=self.name,
            kind="status" if kind == "status" else "inbound",
            method="POST",
            url=url,
            params=params,
            sign=sign,
            message_id=sid,
        )
