"""The sandbox's own HTTP API over `SandboxState`, with fault injection.

It answers `httpx.Request` objects in-process (through `httpx.MockTransport`),
so clients reach the sandbox through exactly the engine real providers use,
retries and all.
"""

from __future__ import annotations

import hmac
import json
import math
import random
import re
import threading
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from smskit.providers.sandbox._magic import MAGIC_RECIPIENTS, SandboxFault
from smskit.providers.sandbox._state import SandboxRecord, SandboxRejected, SandboxState

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["API_KEY", "BASE_URL", "FaultRule", "SandboxServer"]

BASE_URL = "https://sandbox.smskit.invalid/v1"
API_KEY = "sandbox-key"

_MESSAGE_PATH = re.compile(r"/v1/messages/(?P<id>[A-Za-z0-9]+)")
# Magic recipients whose fault hits every other request, so a retry succeeds.
_ALTERNATING = frozenset({SandboxFault.RATE_LIMITED, SandboxFault.UNAVAILABLE})


@attrs.define(kw_only=True)
class FaultRule:
    """One injected failure: which requests it hits and how often.

    Attributes:
        fault: What goes wrong.
        times: How many more requests it hits (``None``: no limit).
        rate: The chance it hits a matching request (1.0: always).
        to: Only sends to this recipient (``None``: every request).
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
            return _error(401, "unauthorized", "missing or wrong sandbox API key")
        path = request.url.path
        if path == "/v1/messages" and request.method == "POST":
            return self._create(request)
        match = _MESSAGE_PATH.fullmatch(path)
        if match and request.method == "GET":
            return self._with_faults(request, None, lambda: self._fetch(match["id"]))
        return _error(404, "not_found", f"no route for {request.method} {path}")

    def _create(self, request: httpx.Request) -> httpx.Response:
        try:
            payload = json.loads(request.content)
        except ValueError:
            return _error(400, "invalid_json", "request body is not JSON")
        if not isinstance(payload, dict):
            return _error(400, "invalid_json", "request body must be a JSON object")
        to = payload.get("to")
        return self._with_faults(
            request, to if isinstance(to, str) else None, lambda: self._accept(payload)
        )

    def _accept(self, payload: dict[str, Any]) -> httpx.Response:
        validity = payload.get("validity")
        if validity is not None and _seconds(validity) is None:
            return _error(400, "invalid_validity", "'validity' must be seconds > 0")
        try:
            record = self.state.submit(
                to=_text(payload.get("to")),
                body=_text(payload.get("body")),
                sender=payload.get("from"),
                client_ref=payload.get("client_ref"),
                status_callback=payload.get("status_callback"),
                validity=_seconds(validity),
            )
        except SandboxRejected as refused:
            rejection = refused.rejection
            return _error(rejection.http_status, rejection.code, refused.detail)
        return httpx.Response(201, json=record_json(record))

    def _fetch(self, message_id: str) -> httpx.Response:
        record = self.state.get(message_id)
        if record is None:
            return _error(404, "not_found", f"no message {message_id}")
        return httpx.Response(200, json=record_json(record))

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
            response = _error(429, "rate_limited", "too many requests")
            response.headers["Retry-After"] = retry_after
            return response
        if fault is SandboxFault.UNAVAILABLE:
            return _error(
                503, "unavailable", "try again; the request was not processed"
            )
        accepted = answer()
        if fault is SandboxFault.LATENCY:
            if rule.latency <= _read_timeout(request):
                self.state.advance(rule.latency)
                return accepted
        elif fault is SandboxFault.SERVER_ERROR:
            return _error(
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


def record_json(record: SandboxRecord) -> dict[str, Any]:
    """The sandbox API's representation of a message."""
    return {
        "id": record.id,
        "to": record.to,
        "from": record.sender,
        "body": record.body,
        "status": record.status.value,
        "encoding": record.encoding.value,
        "segments": record.segments,
        "created_at": record.created_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
        "client_ref": record.client_ref,
        "price": None if record.price is None else str(record.price),
        "currency": "USD",
        "error_code": record.error_code,
    }


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


def _seconds(value: object) -> float | None:
    """A finite, positive number of seconds, or ``None``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        seconds = float(value)
    except OverflowError:  # an integer beyond any float
        return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(
        status, json={"error": {"code": code, "message": message, "status": status}}
    )
