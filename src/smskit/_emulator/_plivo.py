"""The Plivo Message API (v1) over `SandboxState`.

Covers sending (``POST /v1/Account/{auth_id}/Message/`` with a JSON body,
several destinations joined with ``<``), fetching and listing MDRs with
``limit``/``offset`` paging, the Account object (``cash_credits``), errors
as ``{"api_id", "error"}``, and status callbacks and inbound webhooks signed
with Plivo's V3 and V2 signatures.

Plivo's facts (paths, parameter names, dates, message states, codes, the
signatures) come from ``smskit.providers.plivo``. This module reads requests:
routing, credentials, validation, destinations, the ledger, paging and list
filters; what the answers and webhooks look like (and which state and code
each sandbox state shows) is in ``_plivo_render``.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import attrs

from smskit._emulator._common import Ledger, same_secret, url_problem
from smskit._emulator._faults import SendTarget, retry_after_header
from smskit._emulator._http import EmulatorRequest, EmulatorResponse, Params, first
from smskit._emulator._plivo_render import (
    DELIVERY_CODES,
    REJECTION_STATUS,
    STATUS_WORDS,
    UNREACHABLE,
    PlivoMeta,
    PlivoRender,
    api_id,
    error,
    error_code,
    rejected,
    uuid_of,
)
from smskit._models import Status
from smskit.providers._common import digits_only, from_digits
from smskit.providers.plivo import _wire as wire
from smskit.providers.sandbox._magic import SandboxFault
from smskit.providers.sandbox._state import SandboxRejected

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable

    from smskit._emulator._common import Webhook
    from smskit._emulator._config import Credentials
    from smskit._models import InboundMessage, StatusEvent
    from smskit.providers.sandbox._state import SandboxRecord, SandboxState

__all__ = [
    "DELIVERY_CODES",
    "REJECTION_STATUS",
    "STATUS_WORDS",
    "UNREACHABLE",
    "PlivoDialect",
]

_ROUTE = re.compile(r"/v1/Account/(?P<account>[^/]+)/(?P<rest>.*)")
_MESSAGE = re.compile(r"Message/(?P<uuid>[^/]+)/")
_MAX_LIMIT = wire.MAX_LIST_LIMIT
_MAX_DESTINATIONS = wire.MAX_DESTINATIONS
# The list filters on message_time (wire.TIME_FILTERS), as tests.
_TIME_FILTERS: dict[str, Callable[[dt.datetime, dt.datetime], bool]] = {
    "message_time__gt": lambda time, bound: time > bound,
    "message_time__gte": lambda time, bound: time >= bound,
    "message_time__lt": lambda time, bound: time < bound,
    "message_time__lte": lambda time, bound: time <= bound,
}


def _destinations(value: Any) -> list[str]:
    """The destinations of ``dst``: a ``<``-joined string (or a JSON list)."""
    if isinstance(value, list):
        value = wire.DESTINATION_SEPARATOR.join(str(item) for item in value)
    if not isinstance(value, str):
        return []
    unique: dict[str, None] = {}
    for part in value.split(wire.DESTINATION_SEPARATOR):
        if part.strip():
            unique[part.strip()] = None
    return list(unique)


class PlivoDialect:
    """Answers Plivo Message API requests and renders Plivo webhooks.

    Args:
        state: The sandbox that stores the messages.
        credentials: The account it accepts and signs with.
    """

    name = "plivo"

    def __init__(self, state: SandboxState, credentials: Credentials) -> None:
        self.state = state
        self.auth_id = credentials.plivo_auth_id
        self.auth_token = credentials.plivo_auth_token
        self.ledger: Ledger[PlivoMeta] = Ledger()
        self.render = PlivoRender(state, credentials)

    def handles(self, path: str) -> bool:
        """Whether ``path`` belongs to the Plivo API."""
        return path.startswith("/v1/Account/")

    def provider_ids(self, record_id: str) -> tuple[str, ...]:
        """The message UUID of a record sent through this dialect."""
        return self.ledger.provider_ids(record_id)

    # -- REST -------------------------------------------------------------------

    def refuse(self, path: str, status: int, text: str) -> EmulatorResponse:
        """A Plivo error for a request whose body cannot be read."""
        return error(status, text)

    # -- faults -----------------------------------------------------------------

    def send_target(self, request: EmulatorRequest) -> SendTarget | None:
        """The destinations of an authenticated ``POST …/Message/``."""
        match = _ROUTE.fullmatch(request.path)
        if (
            request.method != "POST"
            or match is None
            or match["rest"] != "Message/"
            or not self._authenticated(request)
            or not same_secret(match["account"], self.auth_id)
        ):
            return None
        try:
            payload = self._payload(request)
        except ValueError:  # answered as unreadable by _send
            return None
        destinations = _destinations(payload.get(wire.DST))
        return SendTarget(recipients=tuple(from_digits(d) for d in destinations))

    def fault_answer(self, fault: SandboxFault, retry_after: float) -> EmulatorResponse:
        """Plivo's 429 (with ``Retry-After``), 503 or 500, as ``{api_id, error}``.

        Plivo does not document ``Retry-After``; the emulator sends it so a
        fault's wait reaches clients that read it.
        """
        if fault is SandboxFault.RATE_LIMITED:
            response = error(429, "too many requests, please slow down")
            header = retry_after_header(retry_after)
            return attrs.evolve(response, headers=(*response.headers, header))
        if fault is SandboxFault.UNAVAILABLE:
            return error(503, "service unavailable, the request was not processed")
        return error(500, "internal server error")

    def accepted(self, response: EmulatorResponse) -> tuple[str, ...]:
        """The records behind the ``message_uuid`` list of a 202 answer."""
        if response.status != 202:
            return ()
        found = []
        for message_uuid in json.loads(response.body).get("message_uuid") or []:
            record_id = self.ledger.record_id(str(message_uuid))
            if record_id is not None:
                found.append(record_id)
        return tuple(found)

    def _authenticated(self, request: EmulatorRequest) -> bool:
        auth_id, token = request.basic_auth() or ("", "")
        # Both compared, in constant time: the answer must not time the token.
        return same_secret(auth_id, self.auth_id) & same_secret(token, self.auth_token)

    def handle(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer one Plivo API request."""
        if not self._authenticated(request):
            return error(
                401, "Authentication failed: check your auth_id and auth_token"
            )
        match = _ROUTE.fullmatch(request.path)
        if match is None or not same_secret(match["account"], self.auth_id):
            return error(404, f"resource not found: {request.path}")
        rest = match["rest"]
        if rest == "" and request.method == "GET":
            return EmulatorResponse.json(200, self.render.account_json())
        if rest == "Message/":
            if request.method == "POST":
                return self._send(request)
            if request.method == "GET":
                return self._list(request.query_params())
            return error(405, "method not allowed")
        message = _MESSAGE.fullmatch(rest)
        if message is not None and request.method == "GET":
            return self._fetch(message["uuid"])
        return error(404, f"resource not found: {request.path}")

    def _payload(self, request: EmulatorRequest) -> dict[str, Any]:
        """The send's parameters (a JSON object, or a form).

        Raises:
            ValueError: The body is not a JSON object the emulator can use.
        """
        if request.content_type == "application/json":
            payload = request.json()
            if not isinstance(payload, dict):
                raise ValueError("not an object")
            return payload
        return {name: values[0] for name, values in request.form().items()}

    def _send(self, request: EmulatorRequest) -> EmulatorResponse:
        try:
            payload = self._payload(request)
        except ValueError as unreadable:
            return error(400, f"the request body is not a JSON object: {unreadable}")
        problem = self._invalid(payload)
        if problem is not None:
            return error(400, problem)
        destinations = _destinations(payload.get(wire.DST))
        sender = str(payload.get(wire.SRC) or "")
        accepted, refused = [], []
        for destination in destinations:
            outcome = self._submit_one(payload, destination, sender)
            if isinstance(outcome, SandboxRejected):
                refused.append((destination, outcome))
            else:
                accepted.append(outcome)
        if not accepted:
            destination, first_refusal = refused[0]
            return rejected(first_refusal, to=destination, sender=sender)
        body: dict[str, Any] = {
            "api_id": api_id(),
            "message": "message(s) queued",
            "message_uuid": accepted,
        }
        if refused:
            body["invalid_number"] = [destination for destination, _ in refused]
        return EmulatorResponse.json(202, body)

    def _invalid(self, payload: dict[str, Any]) -> str | None:
        """Why a send's parameters are refused, or ``None``."""
        destinations = _destinations(payload.get(wire.DST))
        if not destinations:
            return "dst parameter not present"
        if len(destinations) > _MAX_DESTINATIONS:
            return f"dst holds more than {_MAX_DESTINATIONS} destinations"
        if not payload.get(wire.SRC) and not payload.get(wire.POWERPACK_UUID):
            return "src parameter not present"
        if str(payload.get(wire.SRC) or "") in destinations:
            return "src and dst cannot be the same"
        if (payload.get(wire.TYPE) or wire.TYPE_SMS) != wire.TYPE_SMS:
            return "the emulator sends type sms only"
        method = str(payload.get(wire.METHOD) or "POST").upper()
        if method not in {"GET", "POST"}:
            return "method must be GET or POST"
        url = payload.get(wire.URL)
        problem = None if url in {None, ""} else url_problem(url)
        if problem is not None:
            return f"url is not a valid URL: it {problem}"
        return None

    def _submit_one(
        self, payload: dict[str, Any], destination: str, sender: str
    ) -> str | SandboxRejected:
        """Submit to one destination: its message UUID, or why it was refused."""
        url = payload.get(wire.URL) or None  # checked by _invalid: a string
        try:
            record = self.state.submit(
                to=from_digits(destination),
                body=str(payload.get(wire.TEXT) or ""),
                sender=from_digits(sender) if sender else None,
                status_callback=url,
            )
        except SandboxRejected as rejected:
            return rejected
        message_uuid = uuid_of(record.id)
        method = str(payload.get(wire.METHOD) or "POST").upper()
        self.ledger.add(
            record.id, [message_uuid], PlivoMeta(uuid=message_uuid, method=method)
        )
        return message_uuid

    def _fetch(self, message_uuid: str) -> EmulatorResponse:
        record_id = self.ledger.record_id(message_uuid)
        record = None if record_id is None else self.state.get(record_id)
        if record is None:
            return error(404, f"message {message_uuid} not found")
        mdr = self.render.mdr(record, message_uuid)
        return EmulatorResponse.json(200, {"api_id": api_id(), **mdr})

    def _list(self, params: Params) -> EmulatorResponse:
        try:
            limit = int(first(params, wire.LIMIT) or _MAX_LIMIT)
            offset = int(first(params, wire.OFFSET) or 0)
            keep = self._list_filter(params)
        except ValueError as problem:
            return error(400, f"invalid list parameter: {problem}")
        if not 1 <= limit <= _MAX_LIMIT or offset < 0:
            return error(
                400, f"limit must be 1 to {_MAX_LIMIT} and offset not negative"
            )
        records = [
            (self.state.get(rid), meta.uuid) for rid, meta in self.ledger.entries()
        ]
        chosen = [(r, u) for r, u in reversed(records) if r is not None and keep(r)]
        page = chosen[offset : offset + limit]
        filters = [
            (k, v)
            for k, values in params.items()
            if k not in {wire.LIMIT, wire.OFFSET}
            for v in values
        ]

        def link(start: int) -> str:
            query = urlencode([(wire.LIMIT, limit), (wire.OFFSET, start), *filters])
            return f"/v1/Account/{self.auth_id}/Message/?{query}"

        meta = {
            "limit": limit,
            "offset": offset,
            "next": link(offset + limit) if offset + limit < len(chosen) else None,
            "previous": link(max(offset - limit, 0)) if offset > 0 else None,
            "total_count": len(chosen),
        }
        objects = [
            self.render.mdr(record, message_uuid) for record, message_uuid in page
        ]
        return EmulatorResponse.json(
            200, {"api_id": api_id(), "meta": meta, "objects": objects}
        )

    def _list_filter(self, params: Params) -> Callable[[SandboxRecord], bool]:
        exact: dict[str, Callable[[SandboxRecord], str]] = {
            "message_state": lambda r: STATUS_WORDS[r.status],
            "message_direction": lambda _: "outbound",
            "message_type": lambda _: "sms",
            "to_number": lambda r: digits_only(r.to),
            "from_number": lambda r: digits_only(r.sender),
            "error_code": lambda r: error_code(r.status, r.error_code),
        }
        wanted = [(exact[k], v) for k in exact for v in params.get(k, [])]
        bounds = [
            (_TIME_FILTERS[k], wire.parse_time(v))
            for k in _TIME_FILTERS
            for v in params.get(k, [])
        ]

        def keep(record: SandboxRecord) -> bool:
            return all(read(record) == value for read, value in wanted) and all(
                test(record.created_at, bound) for test, bound in bounds
            )

        return keep

    def mdr(self, record: SandboxRecord, message_uuid: str) -> dict[str, Any]:
        """The message detail record of a record (see `PlivoRender.mdr`)."""
        return self.render.mdr(record, message_uuid)

    # -- webhooks ---------------------------------------------------------------

    def on_event(self, event: StatusEvent) -> list[Webhook]:
        """The status callback for a change, if the message has a ``url``."""
        meta = self.ledger.meta(event.message_id)
        record = self.state.get(event.message_id)
        if meta is None or record is None:
            return []
        if event.status is Status.SENT and meta.sent_at is None:
            meta.sent_at = event.occurred_at
        if not record.status_callback:
            return []
        meta.sequence += 1
        url = record.status_callback
        return [self.render.status_callback(record, meta, event, url)]

    def inbound_webhooks(self, message: InboundMessage, url: str) -> list[Webhook]:
        """The POST Plivo makes to an application's ``message_url``."""
        return [self.render.inbound(message, url)]
