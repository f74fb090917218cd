"""Vonage's webhooks, verified and read, as pure functions (providers.md §2.5-2.6).

Two signing schemes reach an SMS webhook; `verify` picks one per request:

* ``Authorization: Bearer <JWT>`` present: the token is an HS256 JWT keyed
  by the signature secret (how Vonage's Messages and Dispatch APIs sign).
  Checked here: ``alg`` is exactly ``HS256`` (``none`` and every other
  algorithm are refused), the signature (constant time), ``payload_hash``
  against the SHA-256 of the raw body (the official helper skips this, so
  a body swapped under a captured token would pass it), ``iat`` within the
  window, and ``exp``/``nbf`` when present.
* Otherwise the SMS API's signed parameters: ``sig`` over every other
  parameter (`smskit.providers.vonage._signing`), compared constant-time and
  case-insensitively, and ``timestamp`` (unix seconds) within the window of
  ``now``, in either direction. The official validators never look at the
  timestamp, so a captured webhook could be replayed forever.

An ``Authorization`` header that is not a Bearer token (Basic credentials in
a webhook URL, say) is not Vonage's and leaves the choice to ``sig``.

The parameters come from the query string of a GET, from the form or JSON
body of a POST (a POST with an empty body falls back to its query string).
A name given twice is refused: the signature covers one value per name, and
a second one could be read instead of the signed one.

Vonage does not sign the URL, so error messages name it (without its query,
which holds phone numbers and text) only to say which endpoint refused.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import math
import re
import urllib.parse
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from smskit._exceptions import (
    ConfigurationError,
    WebhookPayloadError,
    WebhookVerificationError,
)
from smskit._models import InboundMessage, Status, StatusEvent
from smskit.providers._common import from_digits
from smskit.providers._protocol import WebhookReply, WebhookRequest
from smskit.providers.vonage import _errors as errors
from smskit.providers.vonage import _signing as signing
from smskit.providers.vonage import _wire as wire

__all__ = [
    "DEFAULT_WINDOW",
    "nonce",
    "parse",
    "params",
    "reply",
    "verify",
]

_NAME = "vonage"  # _api.NAME; _api builds requests and is no dependency here

DEFAULT_WINDOW = 300.0
"""Seconds a signed ``timestamp`` or a token's ``iat`` may be off ``now``."""

_NONCE = "nonce"
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_SMALL_INT = re.compile(r"[0-9]{1,6}")
_SCTS = re.compile(r"[0-9]{10}")

_UNSIGNED_REFUSAL = (
    "it cannot be verified: this Vonage provider has no "
    "signature secret, and an unsigned SMS webhook proves nothing about its "
    "sender. Ask Vonage support to enable signed webhooks for the account, "
    "then pass signature_secret= (or set VONAGE_SIGNATURE_SECRET) and the "
    "signature_method chosen in the dashboard's API settings"
)


# -- verification ---------------------------------------------------------------


def verify(
    request: WebhookRequest,
    *,
    signature_secret: str | None,
    signature_method: signing.SignatureMethod,
    api_key: str,
    now: dt.datetime,
    window: float = DEFAULT_WINDOW,
) -> None:
    """Check that ``request`` is a webhook Vonage signed, and recently.

    Args:
        request: The webhook as received; ``request.url`` is the URL named in
            errors (Vonage does not sign it).
        signature_secret: The account's signature secret; ``None`` refuses
            every request, since nothing can be checked.
        signature_method: The ``sig`` scheme chosen in the dashboard (JWTs
            are always HS256).
        api_key: The account's API key, named when a request signed for
            another key fails.
        now: The current time, timezone-aware.
        window: How many seconds ``timestamp``/``iat`` may differ from
            ``now``, either way.

    Raises:
        WebhookVerificationError: No signature secret is configured; ``sig``
            or ``timestamp`` is missing; the signature does not match; the
            timestamp is outside the window; the token is malformed, not
            HS256, expired, or its ``payload_hash`` does not match the body.
        WebhookPayloadError: The body cannot be read for its parameters.
        ConfigurationError: ``now`` is naive.
    """
    if now.utcoffset() is None:
        raise ConfigurationError("now must be a timezone-aware datetime")
    if signature_secret is None:
        raise _refuse(request, _UNSIGNED_REFUSAL)
    token = _bearer_token(request)
    if token is not None:
        _verify_token(
            token,
            request=request,
            secret=signature_secret,
            api_key=api_key,
            now=now,
            window=window,
        )
        return
    _verify_sig(
        request,
        secret=signature_secret,
        method=signature_method,
        api_key=api_key,
        now=now,
        window=window,
    )


def _refuse(request: WebhookRequest, reason: str) -> WebhookVerificationError:
    return WebhookVerificationError(
        f"Vonage webhook refused for URL {_shown_url(request.url)}: {reason}"
    )


def _shown_url(url: str) -> str:
    """The URL without its query: a GET webhook's query holds numbers and text."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _verify_sig(
    request: WebhookRequest,
    *,
    secret: str,
    method: signing.SignatureMethod,
    api_key: str,
    now: dt.datetime,
    window: float,
) -> None:
    values = params(request)
    given = values.get(wire.SIGNATURE)
    if not isinstance(given, str) or not given.strip():
        raise _refuse(
            request,
            "no sig parameter (is signing enabled on the Vonage account, "
            "and the webhook sent by Vonage?)",
        )
    stamp = values.get(wire.TIMESTAMP)
    if stamp is None or stamp == "":
        raise _refuse(request, "no timestamp parameter, so its age is unknown")
    texts = {name: _signed_text(request, name, value) for name, value in values.items()}
    expected = signing.signature(secret, texts, method=method).encode("ascii")
    if not hmac.compare_digest(expected, given.strip().lower().encode("utf-8")):
        reason = f"sig does not match ({method} with the configured signature secret)"
        raise _refuse(request, reason + _other_key(texts.get("api-key"), api_key))
    seconds = texts[wire.TIMESTAMP]
    if not _UNIX_SECONDS.fullmatch(seconds):
        raise _refuse(request, f"timestamp {seconds[:20]!r} is not unix seconds")
    _check_age(request, "timestamp", int(seconds), now=now, window=window)


def _signed_text(request: WebhookRequest, name: str, value: object) -> str:
    """A parameter's value as the official validators sign it.

    Form and query values are text already. A JSON body's numbers and
    booleans are signed the way Python writes them (``1``, ``True``), as
    the official SDK does; nested objects never occur in SMS webhooks.
    """
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, (bool, int, float)):
        return str(value)
    kind = type(value).__name__
    raise _refuse(
        request, f"parameter {name!r} is a JSON {kind}, which is never signed"
    )


def _other_key(given: str | None, api_key: str) -> str:
    if given and given != api_key:
        return f"; it names API key {given[:40]!r}, not this provider's {api_key!r}"
    return ""


def _check_age(
    request: WebhookRequest,
    name: str,
    seconds: float,
    *,
    now: dt.datetime,
    window: float,
) -> None:
    age = now.timestamp() - seconds
    if age > window:
        reason = (
            f"{name} is {age:.0f} s old, outside the {window:g} s window (a replay?)"
        )
        raise _refuse(request, reason)
    if -age > window:
        reason = (
            f"{name} is {-age:.0f} s in the future, outside the {window:g} s window"
        )
        raise _refuse(request, reason)


# -- JWT (Authorization: Bearer) --------------------------------------------------


def _bearer_token(request: WebhookRequest) -> str | None:
    header = request.header("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _verify_token(
    token: str,
    *,
    request: WebhookRequest,
    secret: str,
    api_key: str,
    now: dt.datetime,
    window: float,
) -> None:
    pieces = token.split(".")
    if len(pieces) != 3 or not all(_B64URL.fullmatch(piece) for piece in pieces):
        raise _refuse(request, "the Bearer token is not a JWT")
    header = _token_json(request, pieces[0], "header")
    claims = _token_json(request, pieces[1], "claims")
    algorithm = header.get("alg")
    if algorithm != "HS256":
        raise _refuse(
            request,
            f"the token's alg is {str(algorithm)[:20]!r}; only HS256 is accepted",
        )
    if "crit" in header:
        raise _refuse(
            request, "the token names critical extensions smskit cannot check"
        )
    signed = f"{pieces[0]}.{pieces[1]}".encode("ascii")
    mac = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).digest()
    # Compared in the encoded form: a signer writes one canonical encoding.
    expected = base64.urlsafe_b64encode(mac).rstrip(b"=")
    if not hmac.compare_digest(expected, pieces[2].encode("ascii")):
        claimed = claims.get("api_key")
        reason = "the token's signature does not match the configured signature secret"
        key_note = _other_key(claimed if isinstance(claimed, str) else None, api_key)
        raise _refuse(request, reason + key_note)
    _check_claim_times(request, claims, now=now, window=window)
    body_hash = claims.get("payload_hash")
    if not isinstance(body_hash, str):
        raise _refuse(
            request, "the token has no payload_hash, so the body is unchecked"
        )
    actual = hashlib.sha256(request.body).hexdigest().encode("ascii")
    if not hmac.compare_digest(actual, body_hash.strip().lower().encode("utf-8")):
        raise _refuse(
            request, "the body's SHA-256 does not match the token's payload_hash"
        )


def _token_json(request: WebhookRequest, piece: str, part: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError):
        raise _refuse(request, f"the token's {part} is not base64url JSON") from None
    if not isinstance(value, dict):
        raise _refuse(request, f"the token's {part} is not a JSON object")
    return value


def _claim_seconds(
    request: WebhookRequest, claims: Mapping[str, Any], name: str
) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
    ):
        raise _refuse(request, f"the token's {name} is not a number of seconds")
    return float(value)


def _check_claim_times(
    request: WebhookRequest,
    claims: Mapping[str, Any],
    *,
    now: dt.datetime,
    window: float,
) -> None:
    issued = _claim_seconds(request, claims, "iat")
    if issued is None:
        raise _refuse(request, "the token has no iat, so its age is unknown")
    _check_age(request, "the token's iat", issued, now=now, window=window)
    moment = now.timestamp()
    expires = _claim_seconds(request, claims, "exp")
    if expires is not None and moment >= expires:
        raise _refuse(request, "the token has expired (exp)")
    not_before = _claim_seconds(request, claims, "nbf")
    if not_before is not None and moment < not_before:
        raise _refuse(request, "the token is not valid yet (nbf)")


# -- reading parameters -----------------------------------------------------------


def params(request: WebhookRequest) -> dict[str, Any]:
    """The webhook's parameters: query string (GET), or form or JSON body (POST).

    Args:
        request: The webhook as received.

    Returns:
        Each name and its value (text, or what the JSON body holds).

    Raises:
        WebhookPayloadError: The body is not UTF-8, not a JSON object, or
            names a parameter twice.
    """
    if request.method == "POST" and request.body.strip():
        if _is_json(request):
            return _json_params(request.body)
        return _pairs(_decode(request.body), "the form body")
    query = urllib.parse.urlsplit(request.url).query
    return _pairs(query, "the query string")


def _is_json(request: WebhookRequest) -> bool:
    kind = (request.header("content-type") or "").split(";")[0].strip().lower()
    if kind:
        return kind == "application/json" or kind.endswith("+json")
    return request.body.lstrip().startswith(b"{")


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookPayloadError("the Vonage webhook's body is not UTF-8") from None


def _json_params(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(_decode(body))
    except ValueError:
        raise WebhookPayloadError(
            "the Vonage webhook's JSON body is malformed"
        ) from None
    if not isinstance(value, dict):
        kind = type(value).__name__
        raise WebhookPayloadError(
            f"the Vonage webhook's JSON body is a {kind}, not an object"
        )
    return value


def _pairs(text: str, where: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    try:
        pairs = urllib.parse.parse_qsl(
            text, keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except UnicodeDecodeError:
        raise WebhookPayloadError(
            f"{where} of the Vonage webhook is not UTF-8"
        ) from None
    for name, value in pairs:
        if name in found:
            raise WebhookPayloadError(f"parameter {name!r} appears twice in {where}")
        found[name] = value
    return found


def nonce(request: WebhookRequest) -> str | None:
    """The signed ``nonce`` parameter, or a Bearer token's ``jti``.

    Args:
        request: A webhook that passed `verify`.

    Returns:
        The nonce, or ``None`` when the request has none or cannot be read.
    """
    token = _bearer_token(request)
    if token is not None:
        pieces = token.split(".")
        if len(pieces) != 3 or not _B64URL.fullmatch(pieces[1]):
            return None
        try:
            raw = base64.urlsafe_b64decode(pieces[1] + "=" * (-len(pieces[1]) % 4))
            claims = json.loads(raw)
        except (binascii.Error, ValueError):
            return None
        jti = claims.get("jti") if isinstance(claims, dict) else None
        return jti if isinstance(jti, str) and jti else None
    try:
        value = params(request).get(_NONCE)
    except WebhookPayloadError:
        return None
    return value if isinstance(value, str) and value else None


def reply() -> WebhookReply:
    """``204 No Content``: Vonage takes any 200 or 204 as delivered."""
    return WebhookReply(status=204)


# -- parsing --------------------------------------------------------------------


def parse(request: WebhookRequest) -> tuple[StatusEvent | InboundMessage, ...]:
    """Read a delivery receipt or an inbound SMS (one part) from ``request``.

    A receipt (it has ``status``) becomes one `StatusEvent` about one part:
    ``message_id`` and ``part_id`` are both its ``messageId``. An inbound
    SMS becomes one `InboundMessage`; a part of a long one carries
    ``part_ref``/``part_count``/``part_number`` for `smskit.webhooks` to join.

    Args:
        request: A verified webhook.

    Returns:
        A tuple with the one event or message.

    Raises:
        WebhookPayloadError: A required field is missing or malformed, or the
            payload is neither a receipt nor an inbound SMS.
    """
    values = params(request)
    if "message_uuid" in values:
        # Messages API payloads share words ("status", "text") with the SMS
        # API's but not their meaning; reading one as the other would lie.
        raise WebhookPayloadError(
            "this is a Messages API webhook (message_uuid); the Vonage provider "
            "reads SMS API receipts and inbound SMS"
        )
    if "status" in values:
        return (_receipt(values),)
    if "text" in values or "type" in values or "data" in values:
        return (_inbound(values),)
    raise WebhookPayloadError(
        "the Vonage webhook is neither a delivery receipt (no status) nor an "
        "inbound SMS (no text, type or data)"
    )


def _text(values: Mapping[str, Any], name: str) -> str | None:
    """A field as text; numbers in a JSON body count, other kinds are refused."""
    value = values.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    kind = type(value).__name__
    raise WebhookPayloadError(f"the Vonage webhook's {name!r} is a {kind}, not text")


def _required(values: Mapping[str, Any], name: str) -> str:
    value = _text(values, name)
    if value is None or not value.strip():
        raise WebhookPayloadError(f"the Vonage webhook has no {name!r}")
    return value.strip()


def _optional(values: Mapping[str, Any], name: str) -> str | None:
    value = _text(values, name)
    return value.strip() or None if value is not None else None


def _receipt(values: Mapping[str, Any]) -> StatusEvent:
    part_id = _required(values, "messageId")
    word = _required(values, "status")
    # A word Vonage adds later is news all the same: unknown, with the word kept.
    status = wire.DLR_STATUSES.get(word.lower(), Status.UNKNOWN)
    code = _optional(values, "err-code")
    error_code = code if code not in (None, "0") else None
    meaning = errors.DELIVERY_ERRORS.get(error_code or "")
    price = _price(_optional(values, "price"))
    return StatusEvent(
        message_id=part_id,
        part_id=part_id,
        provider=_NAME,
        status=status,
        raw_status=word,
        occurred_at=_receipt_time(values),
        # In a receipt msisdn is the recipient and to is your sender.
        to=_number(_optional(values, "msisdn")),
        sender=_number(_optional(values, "to")),
        error_code=error_code,
        error_message=meaning[0] if meaning else None,
        client_ref=_optional(values, wire.CLIENT_REF),
        price=price,
        currency=wire.PRICE_CURRENCY if price is not None else None,
        raw=dict(values),
    )


def _number(value: str | None) -> str | None:
    return None if value is None else from_digits(value)


def _price(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        price = Decimal(text)
    except InvalidOperation:
        raise WebhookPayloadError(
            f"the Vonage receipt's price {text[:20]!r} is not a number"
        ) from None
    if not price.is_finite() or price < 0:
        raise WebhookPayloadError(
            f"the Vonage receipt's price {text[:20]!r} is not a price"
        )
    return price or None  # a price of 0 says nothing was billed yet


def _receipt_time(values: Mapping[str, Any]) -> dt.datetime | None:
    """The carrier's ``scts`` (to the minute), else ``message-timestamp``."""
    scts = _optional(values, "scts")
    if scts is not None:
        return _scts(scts)
    return _message_time(values)


def _scts(text: str) -> dt.datetime:
    if not _SCTS.fullmatch(text):
        raise WebhookPayloadError(
            f"the Vonage receipt's scts {text[:20]!r} is not YYMMDDhhmm"
        )
    try:
        moment = dt.datetime.strptime(text, "%y%m%d%H%M")
    except ValueError:
        raise WebhookPayloadError(
            f"the Vonage receipt's scts {text!r} is no date"
        ) from None
    return moment.replace(tzinfo=dt.timezone.utc)


def _message_time(values: Mapping[str, Any]) -> dt.datetime | None:
    text = _optional(values, "message-timestamp")
    if text is None:
        return None
    try:
        moment = dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise WebhookPayloadError(
            f"the Vonage webhook's message-timestamp {text[:30]!r} is not "
            "YYYY-MM-DD HH:MM:SS"
        ) from None
    return moment.replace(tzinfo=dt.timezone.utc)


def _inbound(values: Mapping[str, Any]) -> InboundMessage:
    kind = (_optional(values, wire.TYPE) or "text").lower()
    # A binary message's payload is hex in data (and udh): raw keeps it.
    body = "" if kind == "binary" else _text(values, wire.TEXT)
    if body is None:
        raise WebhookPayloadError(f"the Vonage inbound {kind} message has no 'text'")
    ref, count, number = _concat(values)
    return InboundMessage(
        id=_required(values, "messageId"),
        provider=_NAME,
        sender=from_digits(_required(values, "msisdn")),
        to=from_digits(_required(values, "to")),
        body=body,
        received_at=_message_time(values),
        part_ref=ref,
        part_count=count,
        part_number=number,
        raw=dict(values),
    )


def _concat(values: Mapping[str, Any]) -> tuple[str | None, int | None, int | None]:
    """``concat-ref``, ``concat-total`` and ``concat-part`` of one part, or Nones."""
    flag = (_optional(values, "concat") or "").lower()
    names = ("concat-ref", "concat-total", "concat-part")
    given = [_optional(values, name) for name in names]
    if flag != "true" and all(value is None for value in given):
        return None, None, None
    ref, total, part = given
    if ref is None or total is None or part is None:
        missing = [
            name for name, value in zip(names, given, strict=True) if value is None
        ]
        raise WebhookPayloadError(
            f"the Vonage inbound part has no {', '.join(missing)}"
        )
    if not _SMALL_INT.fullmatch(total) or not _SMALL_INT.fullmatch(part):
        raise WebhookPayloadError(
            f"the Vonage inbound part's concat-total {total[:10]!r} and "
            f"concat-part {part[:10]!r} must be whole numbers"
        )
    count, number = int(total), int(part)
    if not 1 <= number <= count:
        raise WebhookPayloadError(
            f"the Vonage inbound part's concat-part {number} is not between 1 "
            f"and concat-total {count}"
        )
    return ref, count, number
