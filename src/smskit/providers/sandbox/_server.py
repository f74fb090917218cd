"""The sandbox's own HTTP API over `SandboxState`, with fault injection.

It answers `httpx.Request` objects in-process (through `httpx.MockTransport`),
so clients reach the sandbox through exactly the engine real providers use,
retries and all.
"""

from __future__ import annotations

import base64
import datetime as dt
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
from smskit.providers.sandbox._state import (
    CURRENCY,
    Position,
    SandboxRecord,
    SandboxRejected,
    SandboxState,
)

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["API_KEY", "BASE_URL", "FaultRule", "SandboxServer", "record_json"]

BASE_URL = "https://sandbox.smskit.invalid/v1"
API_KEY = "sandbox-key"

_MESSAGE_ID = re.compile(r"[A-Za-z0-9]+")
_MESSAGE_PATH = re.compile(
    rf"/v1/messages/(?P<id>{_MESSAGE_ID.pattern})(?P<cancel>/cancel)?"
)
_OPTIONS = frozenset({"tag", "parts"})
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
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
        method, path = request.method, request.url.path
        if path == "/v1/messages" and method == "POST":
            return self._create(request)
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
        return _error(404, "not_found", f"no route for {method} {path}")

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
        try:
            extras = _send_extras(payload)
        except _Invalid as invalid:
            return invalid.response()
        try:
            record = self.state.submit(
                to=_text(payload.get("to")),
                body=_text(payload.get("body")),
                sender=payload.get("from"),
                client_ref=payload.get("client_ref"),
                status_callback=payload.get("status_callback"),
                **extras,
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

    def _list(self, params: httpx.QueryParams) -> httpx.Response:
        try:
            query = _list_query(params)
        except _Invalid as invalid:
            return invalid.response()
        page = self.state.page(**query)
        token = None if page.next_after is None else _token(page.next_after)
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
            return _error(
                409,
                "not_cancelable",
                f"message {message_id} is {status}; only a scheduled message "
                "can be canceled",
            )
        if record is None:
            return _error(404, "not_found", f"no message {message_id}")
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
        "currency": CURRENCY,
        "error_code": record.error_code,
        "scheduled_at": _iso(record.scheduled_at),
        "part_ids": None if record.part_ids is None else list(record.part_ids),
        "tag": record.tag,
        "smart_encoded": record.smart_encoded,
    }


class _Invalid(Exception):
    """A request the sandbox refuses with a 400 before touching its state."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def response(self) -> httpx.Response:
        return _error(400, self.code, self.message)


def _send_extras(payload: dict[str, Any]) -> dict[str, Any]:
    """`SandboxState.submit`'s keyword arguments beyond the basics.

    Raises:
        _Invalid: ``validity``, ``send_at``, ``options`` or ``smart_encoded``
            is malformed, or ``options`` names a key the sandbox lacks.
    """
    validity = payload.get("validity")
    if validity is not None and _seconds(validity) is None:
        raise _Invalid("invalid_validity", "'validity' must be seconds > 0")
    send_at = payload.get("send_at")
    moment = None if send_at is None else _moment(send_at)
    if send_at is not None and moment is None:
        raise _Invalid(
            "invalid_send_at", "'send_at' must be an ISO 8601 time with an offset"
        )
    smart = payload.get("smart_encoded", False)
    if not isinstance(smart, bool):
        raise _Invalid("invalid_smart_encoded", "'smart_encoded' must be a boolean")
    return {
        "validity": _seconds(validity),
        "send_at": moment,
        "smart_encoded": smart,
        **_options(payload.get("options")),
    }


def _options(options: object) -> dict[str, Any]:
    """The provider-specific ``options`` as `SandboxState.submit` arguments."""
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise _Invalid("invalid_option", "'options' must be a JSON object")
    unknown = sorted(set(options) - _OPTIONS)
    if unknown:
        known = ", ".join(sorted(_OPTIONS))
        raise _Invalid(
            "unknown_option",
            f"unknown option {unknown[0]!r}; the sandbox knows {known}",
        )
    tag, parts = options.get("tag"), options.get("parts", False)
    if tag is not None and not isinstance(tag, str):
        raise _Invalid("invalid_option", "option 'tag' must be a string")
    if not isinstance(parts, bool):
        raise _Invalid("invalid_option", "option 'parts' must be a boolean")
    return {"tag": tag, "parts": parts}


def _list_query(params: httpx.QueryParams) -> dict[str, Any]:
    """`SandboxState.page`'s arguments from a listing's query string.

    An empty parameter counts as absent.

    Raises:
        _Invalid: A time, the page size or the page token is malformed.
    """
    query: dict[str, Any] = {
        "to": params.get("to") or None,
        "sender": params.get("from") or None,
        "page_size": _page_size(params.get("page_size") or None),
    }
    for name in ("sent_after", "sent_before"):
        text = params.get(name) or None
        query[name] = None if text is None else _moment(text)
        if text is not None and query[name] is None:
            raise _Invalid(
                f"invalid_{name}", f"{name!r} must be an ISO 8601 time with an offset"
            )
    token = params.get("page_token") or None
    query["after"] = None if token is None else _position(token)
    return query


def _page_size(text: str | None) -> int:
    if text is None:
        return DEFAULT_PAGE_SIZE
    # ASCII digits only (int() would also take " 7", "+7", "1_0" and "٣"), and
    # few of them, so a huge number is refused before int() works on it.
    size = int(text) if re.fullmatch(r"[0-9]{1,7}", text) else 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise _Invalid(
            "invalid_page_size",
            f"'page_size' must be a whole number from 1 to {MAX_PAGE_SIZE}",
        )
    return size


def _token(position: Position) -> str:
    """An opaque page token for a listing's position."""
    created_at, message_id = position
    text = f"{created_at.isoformat()}|{message_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _position(token: str) -> Position:
    """The position a page token stands for.

    Raises:
        _Invalid: The token was not made by `_token`.
    """
    try:
        padded = token + "=" * (-len(token) % 4)
        text = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        text = ""
    created, _, message_id = text.partition("|")
    moment = _moment(created)
    if moment is None or _MESSAGE_ID.fullmatch(message_id) is None:
        raise _Invalid("invalid_page_token", "'page_token' is not one this API gave")
    return (moment, message_id)


def _moment(value: object) -> dt.datetime | None:
    """An ISO 8601 time with an offset, in UTC; ``None`` if it is not one."""
    if not isinstance(value, str):
        return None
    text = value[:-1] + "+00:00" if value[-1:] in {"Z", "z"} else value
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.utcoffset() is None:
        return None
    try:
        return moment.astimezone(dt.timezone.utc)
    except OverflowError:  # e.g. year 1 at +01:00 is before datetime.min
        return None


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


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
