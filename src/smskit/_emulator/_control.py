"""The emulator's control API under ``/_sandbox/``: for tests and curious users.

``GET /_sandbox`` (summary), ``GET /_sandbox/outbox``, ``GET /_sandbox/inbox``,
``GET /_sandbox/webhooks``, ``POST /_sandbox/advance``,
``POST /_sandbox/inbound``, ``POST /_sandbox/script`` and
``GET``/``POST``/``DELETE /_sandbox/faults``. Bodies are JSON. It
needs no credentials: by default it only listens on the loopback interface.

Every value is checked before it reaches the sandbox, so nothing a request
leaves behind can fail later on the clock thread or in a webhook.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from smskit._emulator._common import url_problem
from smskit._emulator._http import EmulatorResponse
from smskit._exceptions import ConfigurationError, InvalidInput, UnknownStatus
from smskit._models import Status
from smskit.providers.sandbox._magic import DeliveryError, Fate
from smskit.providers.sandbox._record import record_json
from smskit.providers.sandbox._state import MAX_BODY_CHARACTERS, is_e164

if TYPE_CHECKING:
    from collections.abc import Callable

    from smskit._emulator._http import EmulatorRequest
    from smskit._emulator._server import Emulator
    from smskit._models import InboundMessage, StatusEvent

__all__ = ["MAX_ADVANCE", "MAX_DELAY", "handle_control"]

MAX_ADVANCE = 366 * 24 * 3600.0
"""The most sandbox seconds one ``POST /_sandbox/advance`` may move (a year)."""
MAX_DELAY = MAX_ADVANCE
"""The longest scripted ``sent_after`` / ``final_after``, in seconds (a year)."""
_MAX_ADDRESS = 64  # characters in an inbound "from" or "to" (E.164, short code, name)
_ERROR_CODE = re.compile(r"[0-9]{1,9}")  # every API renders it as digits
_DELIVERY_ERRORS = frozenset(error.value for error in DeliveryError)
_FAULT_FIELDS = frozenset(
    {"fault", "rate", "times", "provider", "to", "retry_after", "latency", "seed"}
)
_MAX_SEED = 2**63  # any seed random.Random takes; bounded so it stays a number


class _BadRequest(Exception):
    """A control request that cannot be carried out (answered with 400)."""


def handle_control(emulator: Emulator, request: EmulatorRequest) -> EmulatorResponse:
    """Answer one ``/_sandbox`` request."""
    action = _ROUTES.get((request.method, request.path.rstrip("/")))
    if action is None:
        return EmulatorResponse.json(
            404, {"error": f"no control route {request.method} {request.path}"}
        )
    try:
        return action(emulator, request)
    except _BadRequest as problem:
        return EmulatorResponse.json(400, {"error": str(problem)})


def _ok(payload: dict[str, Any]) -> EmulatorResponse:
    return EmulatorResponse.json(200, payload)


def _payload(request: EmulatorRequest) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        payload = request.json()
    except ValueError:
        raise _BadRequest("the body must be JSON") from None
    if not isinstance(payload, dict):
        raise _BadRequest("the body must be a JSON object")
    return payload


def _text(
    payload: dict[str, Any],
    name: str,
    *,
    required: bool = True,
    max_length: int = _MAX_ADDRESS,
) -> str | None:
    value = payload.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise _BadRequest(f"{name!r} must be a non-empty string")
    if len(value) > max_length:
        raise _BadRequest(f"{name!r} must be at most {max_length} characters")
    return value


def _number(payload: dict[str, Any], name: str, default: float, limit: float) -> float:
    value = payload.get(name, default)
    # The chained comparison is false for NaN and for infinities; checking the
    # range before float() keeps a 400-digit integer from overflowing.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _BadRequest(f"{name!r} must be a number")
    if not 0 <= value <= limit:
        raise _BadRequest(f"{name!r} must be a number from 0 to {limit:g}")
    return float(value)


def _url(payload: dict[str, Any]) -> str | None:
    url = payload.get("url")
    if url is None:
        return None
    problem = url_problem(url)
    if problem is not None:
        raise _BadRequest(f"'url' {problem}")
    return str(url)


def _error_code(payload: dict[str, Any]) -> str | None:
    value = payload.get("error_code")
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and (
        value in _DELIVERY_ERRORS or _ERROR_CODE.fullmatch(value)
    ):
        return value
    names = ", ".join(sorted(_DELIVERY_ERRORS))
    raise _BadRequest(
        f"'error_code' must be one of {names}, or 1 to 9 digits such as \"30005\""
    )


def _summary(emulator: Emulator) -> dict[str, Any]:
    credentials = emulator.credentials
    return {
        "url": emulator.url,
        "now": emulator.state.now.isoformat(),
        "realtime": emulator.realtime,
        "balance": str(emulator.state.balance),
        "providers": {
            "twilio": {
                "account_sid": credentials.twilio_account_sid,
                "api_key": credentials.twilio_api_key,
            },
            "vonage": {"api_key": credentials.vonage_api_key},
            "plivo": {"auth_id": credentials.plivo_auth_id},
        },
        "inbound_urls": emulator.inbound_urls,
        "faults": len(emulator.faults.rules()),
    }


def _outbox(emulator: Emulator) -> list[dict[str, Any]]:
    messages = []
    for record in emulator.state.records():
        item = record_json(record)
        for dialect in emulator.dialects:
            ids = dialect.provider_ids(record.id)
            if ids:
                item["provider"] = dialect.name
                item["provider_ids"] = list(ids)
        # The accepted message whose answer an injected fault replaced.
        item["fault"] = emulator.faults.answer_fault(record.id)
        messages.append(item)
    return messages


def _event_json(event: StatusEvent) -> dict[str, Any]:
    return {
        "id": event.message_id,
        "status": event.status.value,
        "error_code": event.error_code,
        "occurred_at": None
        if event.occurred_at is None
        else event.occurred_at.isoformat(),
    }


def _inbound_json(message: InboundMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "from": message.sender,
        "to": message.to,
        "body": message.body,
        "received_at": None
        if message.received_at is None
        else message.received_at.isoformat(),
    }


def _advance(emulator: Emulator, payload: dict[str, Any]) -> EmulatorResponse:
    seconds = payload.get("seconds")
    if seconds is not None:
        seconds = _number(payload, "seconds", 0.0, MAX_ADVANCE)
    events = emulator.advance(seconds)
    return _ok(
        {
            "now": emulator.state.now.isoformat(),
            "events": [_event_json(e) for e in events],
        }
    )


def _inbound(emulator: Emulator, payload: dict[str, Any]) -> EmulatorResponse:
    provider = _text(payload, "provider", required=False)
    url = _url(payload)
    if provider is not None and provider not in {d.name for d in emulator.dialects}:
        raise _BadRequest(f"unknown provider {provider!r}")
    if url is not None and provider is None:
        raise _BadRequest("'url' needs 'provider'")
    try:
        message, webhooks = emulator.receive(
            from_=_text(payload, "from") or "",
            body=_text(payload, "body", max_length=MAX_BODY_CHARACTERS) or "",
            to=_text(payload, "to", required=False),
            provider=provider,
            url=url,
        )
    except InvalidInput as problem:  # the message model's own rules (blank text)
        raise _BadRequest(str(problem)) from None
    return _ok({"message": _inbound_json(message), "webhooks": webhooks})


def _script(emulator: Emulator, payload: dict[str, Any]) -> EmulatorResponse:
    to = _text(payload, "to") or ""
    if not is_e164(to):
        raise _BadRequest("'to' must be an E.164 number such as +14155550123")
    try:
        final = Status.parse(_text(payload, "final") or "")
    except UnknownStatus as problem:
        raise _BadRequest(str(problem)) from None
    sent_after = _number(payload, "sent_after", 1.0, MAX_DELAY)
    final_after = _number(payload, "final_after", 3.0, MAX_DELAY)
    if not final.is_final or final is Status.RECEIVED or sent_after > final_after:
        raise _BadRequest("need a final outbound status and sent_after <= final_after")
    fate = Fate(
        final=final,
        error_code=_error_code(payload),
        sent_after=sent_after,
        final_after=final_after,
    )
    emulator.state.script(to, fate)
    return _ok({"to": to, "final": final.value})


def _add_fault(emulator: Emulator, payload: dict[str, Any]) -> EmulatorResponse:
    unknown = sorted(set(payload) - _FAULT_FIELDS)
    if unknown:
        fields = ", ".join(sorted(_FAULT_FIELDS))
        raise _BadRequest(f"unknown field {unknown[0]!r}; the fields are {fields}")
    fault = payload.get("fault")
    if not isinstance(fault, str):
        raise _BadRequest("'fault' must be a string such as \"rate_limited\"")
    seed = payload.get("seed")
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int) or abs(seed) > _MAX_SEED
    ):
        raise _BadRequest("'seed' must be an integer from -2**63 to 2**63, or null")
    to = payload.get("to")
    if to is not None and not isinstance(to, str):
        raise _BadRequest("'to' must be an E.164 number such as +14155550123")
    try:  # ConfigurationError's text names the field and the allowed values
        emulator.inject(
            fault,
            times=payload.get("times", 1),
            rate=payload.get("rate", 1.0),
            to=to,
            provider=payload.get("provider"),
            retry_after=payload.get("retry_after", 1.0),
            latency=payload.get("latency", 0.0),
            seed=seed,
        )
    except ConfigurationError as problem:
        raise _BadRequest(str(problem)) from None
    return _ok({"faults": emulator.faults.rules()})


def _get_faults(emulator: Emulator, request: EmulatorRequest) -> EmulatorResponse:
    return _ok({"faults": emulator.faults.rules()})


def _clear_faults(emulator: Emulator, request: EmulatorRequest) -> EmulatorResponse:
    return _ok({"cleared": emulator.clear_faults()})


def _get_outbox(emulator: Emulator, request: EmulatorRequest) -> EmulatorResponse:
    return _ok({"messages": _outbox(emulator)})


def _get_inbox(emulator: Emulator, request: EmulatorRequest) -> EmulatorResponse:
    return _ok({"messages": [_inbound_json(m) for m in emulator.state.inbox]})


def _get_webhooks(emulator: Emulator, request: EmulatorRequest) -> EmulatorResponse:
    deliveries = list(emulator.dispatcher.deliveries)
    return _ok({"deliveries": [item.to_json() for item in deliveries]})


_ROUTES: dict[
    tuple[str, str], Callable[[Emulator, EmulatorRequest], EmulatorResponse]
] = {
    ("GET", "/_sandbox"): lambda emulator, _: _ok(_summary(emulator)),
    ("GET", "/_sandbox/outbox"): _get_outbox,
    ("GET", "/_sandbox/inbox"): _get_inbox,
    ("GET", "/_sandbox/webhooks"): _get_webhooks,
    ("POST", "/_sandbox/advance"): lambda e, r: _advance(e, _payload(r)),
    ("POST", "/_sandbox/inbound"): lambda e, r: _inbound(e, _payload(r)),
    ("POST", "/_sandbox/script"): lambda e, r: _script(e, _payload(r)),
    ("GET", "/_sandbox/faults"): _get_faults,
    ("POST", "/_sandbox/faults"): lambda e, r: _add_fault(e, _payload(r)),
    ("DELETE", "/_sandbox/faults"): _clear_faults,
}
