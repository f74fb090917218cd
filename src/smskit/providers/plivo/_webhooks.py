"""Plivo's webhooks, verified and read: pure functions over a `WebhookRequest`.

Plivo signs every callback with V3 (providers.md §3.6): an HMAC-SHA256 of
the URL, its query, the body parameters and a random nonce, in
``X-Plivo-Signature-V3`` (the token of the account the application belongs
to) and ``X-Plivo-Signature-Ma-V3`` (the main account's token). Each header
may hold several signatures separated by commas; one match is enough. V2
(``X-Plivo-Signature-V2``) covers the URL and the nonce only, so anyone who
saw one signed request could replay its headers with other parameters:
smskit accepts it only when asked to (``accept_v2``).

Status callbacks (``Status``) become `StatusEvent`; inbound messages
(``Text``, or MMS ``Body``/``MediaCount``) become `InboundMessage`. Plivo
posts form data, sends query strings for ``method=GET`` callbacks, and the
JSON shape is read as well. Plivo joins the parts of a long inbound SMS
before it forwards it, so an inbound message is never a part.
"""

from __future__ import annotations

import functools
import hmac
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from smskit._exceptions import WebhookPayloadError, WebhookVerificationError
from smskit._models import InboundMessage, Status, StatusEvent
from smskit.providers._common import b64_hmac, from_digits
from smskit.providers._protocol import WebhookReply, WebhookRequest
from smskit.providers.plivo import _errors, _signing
from smskit.providers.plivo import _wire as wire

__all__ = [
    "MA_V2",
    "MA_V3",
    "V2",
    "V2_NONCE",
    "V3",
    "V3_NONCE",
    "nonce",
    "parse",
    "reply",
    "verify",
]

NAME = "plivo"

V3 = "X-Plivo-Signature-V3"
"""Signed with the Auth Token of the (sub)account the application belongs to."""
MA_V3 = "X-Plivo-Signature-Ma-V3"
"""The same, signed with the main account's Auth Token."""
V3_NONCE = "X-Plivo-Signature-V3-Nonce"
V2 = "X-Plivo-Signature-V2"
MA_V2 = "X-Plivo-Signature-Ma-V2"
V2_NONCE = "X-Plivo-Signature-V2-Nonce"

_JSON = "application/json"
_FORM = "application/x-www-form-urlencoded"

# The payload of a request: each name with its values (form, query), or a
# decoded JSON object.
Payload = Mapping[str, Any]
Form = Mapping[str, tuple[str, ...]]

# -- verify -------------------------------------------------------------------


def verify(
    request: WebhookRequest,
    auth_tokens: Sequence[str],
    *,
    accept_v2: bool = False,
) -> None:
    """Check that Plivo signed ``request`` with one of ``auth_tokens``.

    V3 is checked when the request carries a V3 signature; a request with V2
    signatures only is refused unless ``accept_v2``, because V2 covers
    neither the query nor the body. Every signature in the headers is
    compared, in constant time, with the one each token gives.

    Args:
        request: The request, ``request.url`` being the URL Plivo signed.
        auth_tokens: The Auth Tokens that may have signed it (an account's,
            its main account's, an old one during a rotation).
        accept_v2: Whether a request signed with V2 only is accepted.

    Raises:
        WebhookVerificationError: No token is configured, a signature or
            nonce header is missing, V2 is not accepted, or no signature
            matches; the message names the URL checked.
        WebhookPayloadError: The body cannot be read to check it (not UTF-8,
            not form data or a JSON object).
    """
    if not auth_tokens:
        message = f"plivo: no Auth Token to check the signature of {_shown(request)}"
        raise WebhookVerificationError(message)
    v3 = _signatures(request, V3, MA_V3)
    if v3:
        once = _nonce_header(request, V3_NONCE, V3)
        # Like Plivo's validators: GET signs the query, anything else the body.
        method: _signing.Method = "GET" if request.method == "GET" else "POST"
        params = None if method == "GET" else _payload(request)
        try:
            base = _signing.v3_base(request.url, params, method=method)
        except ValueError as error:
            message = f"plivo: the body cannot be signed: {error}"
            raise WebhookPayloadError(message) from None
        _match(v3, auth_tokens, f"{base}.{once}", V3, request)
        return
    v2 = _signatures(request, V2, MA_V2)
    if not v2:
        message = (
            f"plivo: the request has no {V3} header (nor V2): it was not "
            f"signed by Plivo ({_shown(request)})"
        )
        raise WebhookVerificationError(message)
    if not accept_v2:
        message = (
            f"plivo: the request is signed with V2 only, which covers the URL "
            f"and not the parameters; refused ({_shown(request)}). Enable V3 "
            "signatures, or pass accept_v2=True to Plivo(...) to accept V2"
        )
        raise WebhookVerificationError(message)
    once = _nonce_header(request, V2_NONCE, V2)
    _match(v2, auth_tokens, _signing.v2_base(request.url, once), V2, request)


def _signatures(request: WebhookRequest, *names: str) -> list[str]:
    """Every signature in the headers ``names``, comma-separated in each."""
    found: list[str] = []
    for name in names:
        value = request.header(name)
        if value:
            found.extend(item.strip() for item in value.split(",") if item.strip())
    return found


def _nonce_header(request: WebhookRequest, name: str, signature: str) -> str:
    value = request.header(name)
    if not value:
        message = (
            f"plivo: the request has a {signature} signature but no {name} "
            f"header ({_shown(request)})"
        )
        raise WebhookVerificationError(message)
    return value


def _match(
    given: list[str],
    auth_tokens: Sequence[str],
    signed: str,
    header: str,
    request: WebhookRequest,
) -> None:
    """Pass when any given signature is the one any token makes of ``signed``."""
    for token in auth_tokens:
        expected = b64_hmac(token, signed, "sha256").encode("ascii")
        for signature in given:
            if hmac.compare_digest(expected, signature.encode("utf-8")):
                return
    tokens = (
        "the Auth Token" if len(auth_tokens) == 1 else f"{len(auth_tokens)} Auth Tokens"
    )
    message = (
        f"plivo: {header} does not match for URL {_shown(request)} "
        f"(checked with {tokens}; is this the URL Plivo called, and its token?)"
    )
    raise WebhookVerificationError(message)


def _shown(request: WebhookRequest) -> str:
    """The URL checked, for errors: its query may hold numbers and text."""
    parts = urlsplit(request.url)
    bare = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    shown = f"{request.method} {bare}"
    return f"{shown} with its query" if parts.query else shown


# -- the nonce and the reply --------------------------------------------------


def nonce(request: WebhookRequest) -> str | None:
    """The nonce the request's signature covers (V3's, else V2's)."""
    if _signatures(request, V3, MA_V3):
        return request.header(V3_NONCE) or None
    return request.header(V2_NONCE) or None


def reply(items: tuple[StatusEvent | InboundMessage, ...]) -> WebhookReply:
    """An empty 200: what Plivo expects for callbacks and inbound messages.

    An inbound message may be answered with Message XML to reply; an empty
    answer sends nothing back.
    """
    del items  # the same answer for every kind
    return WebhookReply(status=200)


# -- parse --------------------------------------------------------------------


def parse(request: WebhookRequest) -> tuple[StatusEvent | InboundMessage, ...]:
    """Read a (verified) callback into one event or one inbound message.

    Raises:
        WebhookPayloadError: The body cannot be read, or a field is missing
            or malformed; the message names it.
    """
    payload = _payload(request)
    status = _text(payload, "Status")
    if status and status != "received":
        return (_status_event(payload, status),)
    if any(name in payload for name in ("Text", "Body", "MediaCount")):
        return (_inbound(payload),)
    message = (
        "plivo: the request is neither a status callback (no Status) nor an "
        "inbound message (no Text)"
    )
    raise WebhookPayloadError(message)


def _status_event(payload: Payload, raw_status: str) -> StatusEvent:
    code = _text(payload, "ErrorCode")
    code = None if code in (None, "", wire.NO_ERROR) else code
    known = None if code is None else _errors.DELIVERY_ERRORS.get(code)
    price = _price(payload, "TotalAmount")
    sender = _text(payload, "From")
    to = _text(payload, "To")
    return StatusEvent(
        # Plivo reports the message as a whole (Units says how many parts);
        # ParentMessageUUID is the same UUID and is kept in raw.
        message_id=_required(payload, "MessageUUID"),
        provider=NAME,
        # A word Plivo adds later reads as unknown, never as progress.
        status=wire.STATUSES.get(raw_status, Status.UNKNOWN),
        raw_status=raw_status,
        occurred_at=_event_time(payload),
        to=from_digits(to) if to else None,
        sender=from_digits(sender) if sender else None,
        error_code=code,
        error_message=None if known is None else known[0],
        price=price,
        currency=wire.USD if price is not None else None,
        raw=_raw(payload),
    )


# The times a status callback carries, the latest stage first: the first
# that is filled in says when the reported state was reached.
_EVENT_TIMES = ("DeliveryReportTime", "SentTime", "QueuedTime", "MessageTime")


def _event_time(payload: Payload) -> Any:
    for name in _EVENT_TIMES:
        text = _text(payload, name)
        if text:
            try:
                return wire.parse_time(text)
            except ValueError:
                message = f"plivo: {name} is not a time: {text[:40]!r}"
                raise WebhookPayloadError(message) from None
    return None


def _inbound(payload: Payload) -> InboundMessage:
    body = _text(payload, "Text")
    if body is None:  # an MMS carries its text in Body
        body = _text(payload, "Body") or ""
    return InboundMessage(
        id=_required(payload, "MessageUUID"),
        provider=NAME,
        sender=from_digits(_required(payload, "From")),
        to=from_digits(_required(payload, "To")),
        body=body,
        segments=_units(payload),
        raw=_raw(payload),
    )


def _units(payload: Payload) -> int | None:
    text = _text(payload, "Units")
    if text is None or text == "":
        return None
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise WebhookPayloadError(f"plivo: Units is not a count: {text[:20]!r}")
    return int(text)


def _price(payload: Payload, name: str) -> Decimal | None:
    text = _text(payload, name)
    if text is None or text == "":
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0:
        raise WebhookPayloadError(f"plivo: {name} is not an amount: {text[:20]!r}")
    # Plivo shows 0.00000 until it has billed the message.
    return amount if amount > 0 else None


def _required(payload: Payload, name: str) -> str:
    text = _text(payload, name)
    if not text:
        raise WebhookPayloadError(f"plivo: the request has no {name}")
    return text


def _text(payload: Payload, name: str) -> str | None:
    """The first value of ``name`` as text, or ``None`` when absent."""
    value = payload.get(name)
    if isinstance(value, (tuple, list)):
        value = value[0] if value else None
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, dict, list)):
        raise WebhookPayloadError(f"plivo: {name} is not a text or a number")
    return str(value)


def _raw(payload: Payload) -> dict[str, Any]:
    """The payload as received.

    A form's single values are texts and its repeated ones lists; a JSON
    object is kept as it was.
    """
    return {name: _raw_value(value) for name, value in payload.items()}


def _raw_value(value: object) -> object:
    if isinstance(value, tuple):
        return value[0] if len(value) == 1 else list(value)
    return value


# -- the payload ----------------------------------------------------------------


def _payload(request: WebhookRequest) -> Payload:
    """The request's parameters: the query of a GET, else the body."""
    if request.method == "GET":
        return _form(urlsplit(request.url).query, "the query")
    kind = (request.header("content-type") or _FORM).split(";")[0].strip().lower()
    if kind == _JSON or kind.endswith("+json"):
        return _json(request.body)
    if kind != _FORM:
        message = (
            f"plivo: cannot read a body of type {kind[:60]!r} (expected form data)"
        )
        raise WebhookPayloadError(message)
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookPayloadError("plivo: the form body is not UTF-8") from None
    return _form(text, "the form body")


# Verification and parsing each read the same request; a callback's form is
# well under this size, and is decoded once for both.
_REMEMBERED_FORM = 8192


def _form(text: str, where: str) -> Form:
    """Form data (or a query) as each name and its values, in order."""
    if len(text) <= _REMEMBERED_FORM:
        return _remembered_form(text, where)
    return _decode_form(text, where)


def _decode_form(text: str, where: str) -> Form:
    # parse_qsl(keep_blank_values=True) without its per-pair overhead: "&"
    # separates pairs, "+" is a space, and values are unescaped as UTF-8.
    params: dict[str, list[str]] = {}
    for pair in text.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            params.setdefault(_unescape(name, where), []).append(
                _unescape(value, where)
            )
    return {name: tuple(values) for name, values in params.items()}


_remembered_form = functools.lru_cache(maxsize=32)(_decode_form)


def _unescape(text: str, where: str) -> str:
    if "+" in text:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError:
        message = f"plivo: {where} holds escapes that are not UTF-8"
        raise WebhookPayloadError(message) from None


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise WebhookPayloadError("plivo: the JSON body cannot be decoded") from None
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise WebhookPayloadError(f"plivo: the JSON body is a {kind}, not an object")
    return data
