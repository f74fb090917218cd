"""The Twilio Messages API (2010-04-01) over `SandboxState`.

Covers what an SMS client uses: create (``POST …/Messages.json``), fetch,
list with paging and filters, cancel (``Status=canceled``) and redaction
(``Body=``), delete, ``Balance.json``; errors in Twilio's legacy JSON shape
with its codes; status callbacks and inbound webhooks signed with
``X-Twilio-Signature``.

Twilio's facts (paths, parameter names, dates, status words, codes, the
signature) come from ``smskit.providers.twilio``. This module reads requests:
routing, credentials, validation, the ledger and paging; what the answers and
webhooks look like (and which word and code each sandbox state shows) is in
``_twilio_render``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import attrs

from smskit._emulator._common import Ledger, same_secret, url_problem
from smskit._emulator._faults import SendTarget, retry_after_header
from smskit._emulator._http import EmulatorRequest, EmulatorResponse, Params, first
from smskit._emulator._twilio_render import (
    API_VERSION,
    DELIVERY_CODES,
    REJECTION_CODES,
    STATUS_WORDS,
    TwilioMeta,
    TwilioRender,
    error,
    invalid,
    not_found,
    rejected,
    unauthorized,
)
from smskit._models import Status
from smskit.providers.sandbox._magic import SandboxFault
from smskit.providers.sandbox._state import SandboxRejected
from smskit.providers.twilio import _wire as wire

if TYPE_CHECKING:
    from collections.abc import Callable

    from smskit._emulator._common import Webhook
    from smskit._emulator._config import Credentials
    from smskit._models import InboundMessage, StatusEvent
    from smskit.providers.sandbox._state import SandboxRecord, SandboxState

__all__ = ["DELIVERY_CODES", "REJECTION_CODES", "STATUS_WORDS", "TwilioDialect"]

# The name the round-trip tests (tests/providers) build metas by.
_Meta = TwilioMeta

_ROUTE = re.compile(rf"/{API_VERSION}/Accounts/(?P<account>[^/]+)/(?P<rest>.+)")
_MESSAGE = re.compile(r"Messages/(?P<sid>[^/]+)\.json")
_DEFAULT_PAGE_SIZE = 50
_MAX_PAGE_SIZE = 1000
_SCHEDULE_MIN, _SCHEDULE_MAX = wire.SCHEDULE_WINDOW


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
        self.api_key = credentials.twilio_api_key
        self.api_secret = credentials.twilio_api_secret
        self.ledger: Ledger[TwilioMeta] = Ledger()
        self.render = TwilioRender(credentials)

    def handles(self, path: str) -> bool:
        """Whether ``path`` belongs to the Twilio API."""
        return path.startswith(f"/{API_VERSION}/")

    def provider_ids(self, record_id: str) -> tuple[str, ...]:
        """The Message SID of a record sent through this dialect."""
        return self.ledger.provider_ids(record_id)

    def refuse(self, path: str, status: int, text: str) -> EmulatorResponse:
        """A Twilio error for a request whose body cannot be read."""
        return error(status, 21000, text)  # code: [unverified] generic invalid request

    # -- faults ---------------------------------------------------------------

    def send_target(self, request: EmulatorRequest) -> SendTarget | None:
        """The recipient of an authenticated ``POST …/Messages.json``."""
        match = _ROUTE.fullmatch(request.path)
        if (
            request.method != "POST"
            or match is None
            or match["rest"] != "Messages.json"
            or not self._authenticated(request)
            or not same_secret(match["account"], self.account_sid)
        ):
            return None
        return SendTarget(recipients=(first(request.form(), wire.TO) or "",))

    def fault_answer(self, fault: SandboxFault, retry_after: float) -> EmulatorResponse:
        """Twilio's 429/20429 (with ``Retry-After``), 503/20503 or 500/20500."""
        if fault is SandboxFault.RATE_LIMITED:
            response = error(429, 20429, "Too Many Requests")
            header = retry_after_header(retry_after)
            return attrs.evolve(response, headers=(*response.headers, header))
        if fault is SandboxFault.UNAVAILABLE:
            return error(503, 20503, "Service unavailable")
        return error(500, 20500, "Internal Server Error")

    def accepted(self, response: EmulatorResponse) -> tuple[str, ...]:
        """The record behind the Message a 201 answer shows."""
        if response.status != 201:
            return ()
        record_id = self.ledger.record_id(str(json.loads(response.body).get("sid")))
        return () if record_id is None else (record_id,)

    # -- REST -----------------------------------------------------------------

    def _authenticated(self, request: EmulatorRequest) -> bool:
        """Whether Basic auth holds the Account SID and Auth Token, or the API key.

        With an API key the path still names the account (checked by
        `handle`), as at Twilio.
        """
        user, password = request.basic_auth() or ("", "")
        # Every pair compared, in constant time: the answer must not time a
        # secret, nor tell which kind of credential came close.
        token = same_secret(user, self.account_sid) & same_secret(
            password, self.auth_token
        )
        if self.api_key is None or self.api_secret is None:
            return token
        key = same_secret(user, self.api_key) & same_secret(password, self.api_secret)
        return token | key

    def handle(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer one Twilio API request."""
        if not self._authenticated(request):
            return unauthorized()
        match = _ROUTE.fullmatch(request.path)
        if match is None or not same_secret(match["account"], self.account_sid):
            return not_found(request.path)
        rest = match["rest"]
        if rest == "Messages.json":
            return self._on_messages(request)
        message = _MESSAGE.fullmatch(rest)
        if message is not None:
            return self._on_message(request, message["sid"])
        if rest == "Balance.json" and request.method == "GET":
            return self._balance()
        return not_found(request.path)

    def _on_messages(self, request: EmulatorRequest) -> EmulatorResponse:
        if request.method == "POST":
            return self._create(request.form())
        if request.method == "GET":
            return self._list(request.query_params())
        return error(405, 20004, "Method not allowed")

    def _on_message(self, request: EmulatorRequest, sid: str) -> EmulatorResponse:
        found = self._find(sid)
        if found is None:
            return not_found(request.path)
        record, meta = found
        if request.method == "GET":
            return EmulatorResponse.json(200, self.message_json(record, meta))
        if request.method == "POST":
            return self._update(record, meta, request.form())
        if request.method == "DELETE":
            return self._delete(record, meta)
        return error(405, 20004, "Method not allowed")

    def _find(self, sid: str) -> tuple[SandboxRecord, TwilioMeta] | None:
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
            return rejected(refused, to=to, sender=sender or "")
        meta = TwilioMeta(sid=f"SM{record.id[2:]}", messaging_service_sid=service)
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

    def _update(
        self, record: SandboxRecord, meta: TwilioMeta, params: Params
    ) -> EmulatorResponse:
        status = first(params, wire.STATUS)
        if status is not None:
            if status != "canceled":
                return invalid("Status can only be updated to 'canceled'")
            try:
                self.state.cancel(record.id)
            except SandboxRejected as refused:
                return rejected(refused, to=record.to, sender=record.sender)
        elif wire.BODY in params:
            if first(params, wire.BODY):
                return invalid("Body can only be updated to an empty string")
            meta.redacted = True  # Twilio keeps every other field intact
        return EmulatorResponse.json(200, self.message_json(record, meta))

    def _delete(self, record: SandboxRecord, meta: TwilioMeta) -> EmulatorResponse:
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
            return invalid(f"Invalid list parameter: {problem}")
        if size < 1 or page < 0:
            return invalid("PageSize must be positive and Page not negative")
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
            return f"{self.render.base}/Messages.json?{query}"

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

    def _list_filter(
        self, params: Params
    ) -> Callable[[SandboxRecord, TwilioMeta], bool]:
        to, sender = first(params, wire.TO), first(params, wire.FROM)
        bounds = [
            (name, wire.parse_date_filter(value))
            for name in ("DateSent", "DateSent<", "DateSent>")
            for value in params.get(name, [])
        ]

        def keep(record: SandboxRecord, meta: TwilioMeta) -> bool:
            if (to and record.to != to) or (sender and record.sender != sender):
                return False
            if not bounds:
                return True
            sent = meta.date_sent
            return sent is not None and all(
                _sent_matches(name, bound, sent) for name, bound in bounds
            )

        return keep

    def message_json(self, record: SandboxRecord, meta: TwilioMeta) -> dict[str, Any]:
        """The Message resource of a record."""
        return self.render.message_json(record, meta)

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
        return [
            self.render.status_callback(record, meta, event, record.status_callback)
        ]

    def inbound_webhooks(self, message: InboundMessage, url: str) -> list[Webhook]:
        """The request Twilio sends to a number's SMS URL for ``message``."""
        return [self.render.inbound(message, url)]
