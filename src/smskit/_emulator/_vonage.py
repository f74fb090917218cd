"""The Vonage SMS API (``/sms/json``) over `SandboxState`.

Covers sending (form, JSON or query; credentials as ``api_key``/``api_secret``
fields, Basic auth, or a signed request), ``/account/get-balance``, the Reports
API's synchronous records lookup (``/v2/reports/records``, Vonage's way to
fetch and list SMS), per-part delivery receipts and inbound webhooks signed
with ``sig``. Errors on ``/sms/json`` come back as HTTP 200 with a status
other than ``"0"``, as Vonage does.

Vonage's facts (paths, parameter names, dates, status words, codes, the
signature) come from ``smskit.providers.vonage``. This module reads requests:
routing, credentials and signatures, validation, the ledger and the Reports
API's selection; what the answers and webhooks look like (and which word and
code each sandbox state shows) is in ``_vonage_render``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import attrs

from smskit._emulator._common import Ledger, same_secret, url_problem
from smskit._emulator._faults import SendTarget
from smskit._emulator._http import EmulatorRequest, EmulatorResponse, Params, first
from smskit._emulator._vonage_render import (
    DELIVERY_CODES,
    DLR_STATUS,
    SEND_STATUS,
    UNREACHABLE,
    VonageRender,
    report_error,
    report_status,
    send_error,
)
from smskit.providers._common import from_digits
from smskit.providers.sandbox._magic import SandboxFault
from smskit.providers.sandbox._state import SandboxRejected
from smskit.providers.vonage import _signing as signing
from smskit.providers.vonage import _wire as wire

if TYPE_CHECKING:
    from smskit._emulator._common import Webhook
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

_TTL_RANGE = wire.TTL_RANGE_MS
_MESSAGE_TYPES = frozenset(wire.TEXT_TYPES)


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
        self.render = VonageRender(state, credentials)

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
        return report_error(status, "Bad Request", text)

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

    # -- faults -----------------------------------------------------------------

    def send_target(self, request: EmulatorRequest) -> SendTarget | None:
        """The recipient of a ``/sms/json`` send with good credentials."""
        if request.path != "/sms/json" or request.method not in {"GET", "POST"}:
            return None
        try:
            params = self._params(request)
        except ValueError:  # answered as unreadable by _send
            return None
        if self._send_credentials(request, params) is not None:
            return None
        return SendTarget(recipients=(from_digits(first(params, wire.TO) or ""),))

    def fault_answer(self, fault: SandboxFault, retry_after: float) -> EmulatorResponse:
        """Vonage's throttle (HTTP 200, status 1 with its wait hint), 503 or 500.

        Vonage reports throttling in the message list, with the wait in
        milliseconds inside the error text; an outage is an HTTP error, and
        the 500 carries status 5 (internal error: the message may be out).
        """
        if fault is SandboxFault.RATE_LIMITED:
            wait = round(retry_after * 1000)
            return send_error(
                "1", f"Throughput Rate Exceeded - please wait [ {wait} ] and retry"
            )
        if fault is SandboxFault.UNAVAILABLE:
            body = {"error-code": "503", "error-code-label": "service unavailable"}
            return EmulatorResponse.json(503, body)
        entry = {"status": "5", "error-text": "Internal Error"}
        return EmulatorResponse.json(500, {"message-count": "1", "messages": [entry]})

    def accepted(self, response: EmulatorResponse) -> tuple[str, ...]:
        """The record behind the parts a 200 answer accepted (status ``0``)."""
        if response.status != 200:
            return ()
        entries = json.loads(response.body).get("messages") or []
        found: dict[str, None] = {}
        for entry in entries:
            if entry.get("status") == wire.SEND_OK:
                record_id = self.ledger.record_id(str(entry.get("message-id")))
                if record_id is not None:
                    found[record_id] = None
        return tuple(found)

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
            return send_error(refused, texts[refused])
        problem = self._invalid(params)
        if problem is not None:
            return send_error(*problem)
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
            return send_error(
                *SEND_STATUS.get(rejected.rejection, ("3", rejected.detail))
            )
        hex_id = record.id[2:]
        parts = tuple(f"{hex_id[:14]}{n:02x}".upper() for n in range(record.segments))
        receipts = (first(params, wire.STATUS_REPORT_REQ) or "true").lower() not in {
            "false",
            "0",
        }
        self.ledger.add(record.id, parts, _Meta(part_ids=parts, receipts=receipts))
        return EmulatorResponse.json(200, self.render.sent_json(record, parts))

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
            return report_error(401, "Unauthorized", "Invalid credentials")
        if not same_secret(first(params, "account_id") or "", self.api_key):
            return report_error(403, "Forbidden", "account_id is not your account")
        if (
            first(params, "product") != wire.REPORT_PRODUCT
            or first(params, "direction") != wire.REPORT_DIRECTION
        ):
            return report_error(
                422,
                "Invalid parameters",
                "the emulator has product=SMS, direction=outbound",
            )
        try:
            found, missing = self._select(params)
        except ValueError as problem:
            return report_error(422, "Invalid parameters", str(problem))
        with_body = first(params, "include_message") == "true"
        payload = self.render.records_json(found, missing, with_body)
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
            if wanted and report_status(record) != wanted:
                continue
            chosen += [(record, part) for part in meta.part_ids]
        return chosen, []

    def _report_json(
        self, record: SandboxRecord, part: str, with_body: bool
    ) -> dict[str, Any]:
        """The Reports API's record of one part of a message.

        A door to `VonageRender.report_json` for the round-trip tests.
        """
        return self.render.report_json(record, part, with_body)

    # -- webhooks -------------------------------------------------------------------

    def on_event(self, event: StatusEvent) -> list[Webhook]:
        """One delivery receipt per part for a status change, if receipts are due."""
        meta = self.ledger.meta(event.message_id)
        record = self.state.get(event.message_id)
        if meta is None or record is None:
            return []
        if not meta.receipts or not record.status_callback:
            return []
        return self.render.receipts(
            record, meta.part_ids, event, record.status_callback
        )

    def inbound_webhooks(self, message: InboundMessage, url: str) -> list[Webhook]:
        """Inbound-SMS webhooks: one per part, as Vonage does not reassemble."""
        return self.render.inbound(message, url)
