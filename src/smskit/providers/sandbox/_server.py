"""The sandbox's own HTTP API over `SandboxState`, with fault injection.

It answers `httpx.Request` objects in-process (through `httpx.MockTransport`),
so clients reach the sandbox through exactly the engine real providers use,
retries and all.
"""

from __future__ import annotations

import hmac
import random
import re
import threading
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from smskit.providers.sandbox._magic import MAGIC_RECIPIENTS, SandboxFault
from smskit.providers.sandbox._record import (
    CURRENCY,
    SandboxRecord,
    SandboxRejected,
    record_json,
)
from smskit.providers.sandbox._wire import (
    MESSAGE_ID,
    Invalid,
    batch_recipients,
    error_response,
    json_object,
    list_query,
    page_token,
    send_fields,
    text,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from smskit.providers.sandbox._state import SandboxState

__all__ = ["API_KEY", "BASE_URL", "FaultRule", "SandboxServer", "record_json"]

BASE_URL = "https://sandbox.smskit.invalid/v1"
API_KEY = "sandbox-key"

_MESSAGE_PATH = re.compile(
    rf"/v1/messages/(?P<id>{MESSAGE_ID.pattern})(?P<cancel>/cancel)?"
)
# Magic recipients whose fault hits every other request, so a retry succeeds.
_ALTERNATING = frozenset({SandboxFault.RATE_LIMITED, SandboxFault.UNAVAILABLE})


@attrs.define(kw_only=True)
class FaultRule:
    """One injected failure: which requests it hits and how often.

    Attributes:
        fault: What goes wrong.
        times: How many more requests it hits (``None``: no limit).
        rate: The chance it hits a matching request (1.0: always).
        to: Only single sends to this recipient and cancels of its messages,
            never a batch (``None``: every request).
        retry_after: Seconds for ``Retry-After`` on a 429.
        latency: Seconds the answer takes, for ``LATENCY``.
    """

    fault: SandboxFault
    times: int | None = 1
    rate: float = 1.0
    to: str | None = None
    retry_after: float = 1.0
    latency: float = 0.0

    def matches(self, to: str | None, rng: random.Random) -> bool:
        if self.times == 0 or (self.to is not None and self.to != to):
            return False
        return self.rate >= 1.0 or rng.random() < self.rate


class SandboxServer:
    """Serves the sandbox API for one `SandboxState`."""

    def __init__(self, state: SandboxState, *, seed: int = 0) -> None:
        self.state = state
        self.rules: list[FaultRule] = []
        self._rng = random.Random(seed)  # noqa: S311 -- fault dice, not secrets
        self._lock = threading.Lock()
        self._alternate: dict[str, bool] = {}

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request (the `httpx.MockTransport` handler)."""
        if not _authorized(request):
            return error_response(
                401, "unauthorized", "missing or wrong sandbox API key"
            )
        method, path = request.method, request.url.path
        if path == "/v1/messages" and method == "POST":
            return self._create(request)
        if path == "/v1/messages/batch" and method == "POST":
            return self._batch(request)
        if path == "/v1/messages" and method == "GET":
            params = request.url.params
            return self._with_faults(request, None, lambda: self._list(params))
        if path == "/v1/balance" and method == "GET":
            return self._with_faults(request, None, self._balance)
        match = _MESSAGE_PATH.fullmatch(path)
        if match and not match["cancel"] and method == "GET":
            return self._with_faults(request, None, lambda: self._fetch(match["id"]))
        if match and match["cancel"] and method == "POST":
            return self._cancel_request(request, match["id"])
        return error_response(404, "not_found", f"no route for {method} {path}")

    def _create(self, request: httpx.Request) -> httpx.Response:
        try:
            payload = json_object(request.content)
        except Invalid as invalid:
            return invalid.response()
        to = payload.get("to")
        return self._with_faults(
            request, to if isinstance(to, str) else None, lambda: self._accept(payload)
        )

    def _accept(self, payload: dict[str, Any]) -> httpx.Response:
        try:
            fields = send_fields(payload)
        except Invalid as invalid:
            return invalid.response()
        try:
            record = self.state.submit(to=text(payload.get("to")), **fields)
        except SandboxRejected as refused:
            return _refusal(refused)
        return httpx.Response(201, json=record_json(record))

    def _batch(self, request: httpx.Request) -> httpx.Response:
        try:
            payload = json_object(request.content)
        except Invalid as invalid:
            return invalid.response()
        # Faults hit the batch as a whole, not the rules of one recipient.
        return self._with_faults(request, None, lambda: self._accept_batch(payload))

    def _accept_batch(self, payload: dict[str, Any]) -> httpx.Response:
        try:
            recipients = batch_recipients(payload)
            fields = send_fields(payload)
        except Invalid as invalid:
            return invalid.response()
        try:
            outcomes = self.state.submit_batch(to=recipients, **fields)
        except SandboxRejected as refused:  # the body or the sender: nothing sent
            return _refusal(refused)
        results = [
            _batch_result(to, outcome)
            for to, outcome in zip(recipients, outcomes, strict=True)
        ]
        return httpx.Response(200, json={"results": results})

    def _fetch(self, message_id: str) -> httpx.Response:
        record = self.state.get(message_id)
        if record is None:
            return error_response(404, "not_found", f"no message {message_id}")
        return httpx.Response(200, json=record_json(record))

    def _list(self, params: httpx.QueryParams) -> httpx.Response:
        try:
            listing = list_query(params)
        except Invalid as invalid:
            return invalid.response()
        page = self.state.page(listing)
        token = None if page.next_after is None else page_token(page.next_after)
        messages = [record_json(record) for record in page.records]
        return httpx.Response(
            200, json={"messages": messages, "next_page_token": token}
        )

    def _cancel_request(
        self, request: httpx.Request, message_id: str
    ) -> httpx.Response:
        record = self.state.get(message_id)
        to = None if record is None else record.to
        return self._with_faults(request, to, lambda: self._cancel(message_id))

    def _cancel(self, message_id: str) -> httpx.Response:
        try:
            # Idempotent: a retried cancel whose first attempt worked succeeds.
            record = self.state.cancel(message_id, idempotent=True)
        except SandboxRejected:
            current = self.state.get(message_id)
            status = "unknown" if current is None else current.status.value
            return error_response(
                409,
                "not_cancelable",
                f"message {message_id} is {status}; only a scheduled message "
                "can be canceled",
            )
        if record is None:
            return error_response(404, "not_found", f"no message {message_id}")
        return httpx.Response(200, json=record_json(record))

    def _balance(self) -> httpx.Response:
        balance = {"balance": str(self.state.balance), "currency": CURRENCY}
        return httpx.Response(200, json=balance)

    def _with_faults(
        self,
        request: httpx.Request,
        to: str | None,
        answer: Callable[[], httpx.Response],
    ) -> httpx.Response:
        """Answer with ``answer()``, unless an injected fault gets in the way."""
        rule = self._fault_for(to)
        if rule is None:
            return answer()
        fault = rule.fault
        if fault is SandboxFault.CONNECT_ERROR:
            raise httpx.ConnectError("sandbox: connection refused", request=request)
        if fault is SandboxFault.RATE_LIMITED:
            retry_after = f"{rule.retry_after:g}"
            response = error_response(429, "rate_limited", "too many requests")
            response.headers["Retry-After"] = retry_after
            return response
        if fault is SandboxFault.UNAVAILABLE:
            return error_response(
                503, "unavailable", "try again; the request was not processed"
            )
        accepted = answer()
        if fault is SandboxFault.LATENCY:
            if rule.latency <= _read_timeout(request):
                self.state.advance(rule.latency)
                return accepted
        elif fault is SandboxFault.SERVER_ERROR:
            return error_response(
                500, "internal", f"internal error (after {accepted.status_code})"
            )
        raise httpx.ReadTimeout("sandbox: no answer in time", request=request)

    def _fault_for(self, to: str | None) -> FaultRule | None:
        with self._lock:
            for rule in self.rules:
                if rule.matches(to, self._rng):
                    if rule.times is not None:
                        rule.times -= 1
                    return rule
            magic = MAGIC_RECIPIENTS.get(to or "")
            if not isinstance(magic, SandboxFault):
                return None
            if magic in _ALTERNATING:
                hit = not self._alternate.get(to or "", False)
                self._alternate[to or ""] = hit
                if not hit:
                    return None
            return FaultRule(fault=magic)


def _batch_result(to: str, outcome: SandboxRecord | SandboxRejected) -> dict[str, Any]:
    """One recipient's entry in a batch's answer: its message or its refusal."""
    if isinstance(outcome, SandboxRejected):
        error = {"code": outcome.rejection.code, "message": outcome.detail}
        return {"to": to, "error": error}
    return {"to": to, "message": record_json(outcome)}


def _refusal(refused: SandboxRejected) -> httpx.Response:
    rejection = refused.rejection
    return error_response(rejection.http_status, rejection.code, refused.detail)


def _read_timeout(request: httpx.Request) -> float:
    """The client's read timeout for this request (httpx puts it on the request)."""
    timeouts = request.extensions.get("timeout", {})
    read = timeouts.get("read") if isinstance(timeouts, dict) else None
    return float("inf") if read is None else float(read)


def _authorized(request: httpx.Request) -> bool:
    """Whether the request carries the sandbox key, compared in constant time."""
    given = request.headers.get("authorization", "")
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), f"Bearer {API_KEY}".encode()
    )
