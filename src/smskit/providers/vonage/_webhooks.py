"""Vonage's webhooks, verified and answered, as pure functions (providers.md §2.5-2.6).

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

The parameters are read, and `parse` turns them into events, in
`smskit.providers.vonage._webhook_payload`; both names are re-exported here.

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
from typing import Any

from smskit._exceptions import (
    ConfigurationError,
    WebhookPayloadError,
    WebhookVerificationError,
)
from smskit.providers._protocol import WebhookReply, WebhookRequest
from smskit.providers.vonage import _signing as signing
from smskit.providers.vonage import _wire as wire
from smskit.providers.vonage._webhook_payload import params, parse

__all__ = [
    "DEFAULT_WINDOW",
    "nonce",
    "parse",
    "params",
    "reply",
    "verify",
]

DEFAULT_WINDOW = 300.0
"""Seconds a signed ``timestamp`` or a token's ``iat`` may be off ``now``."""

_NONCE = "nonce"
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")
_B64URL = re.compile(r"[A-Za-z0-9_-]*")

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


# -- nonce and reply -------------------------------------------------------------


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
