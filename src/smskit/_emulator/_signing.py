"""Webhook signatures of Twilio, Vonage and Plivo, as pure functions.

The emulator signs the callbacks it sends with these; webhook verification
compares a received signature with the one computed here (use
`hmac.compare_digest`). Each function documents the provider's algorithm;
the project's provider notes (providers.md §1.7, §2.6 and §3.6) hold the
sources and the test vectors the unit tests check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Literal
from urllib.parse import parse_qsl, urlsplit, urlunsplit

__all__ = [
    "PlivoMethod",
    "SignatureParams",
    "TwilioAlgorithm",
    "VonageSignatureMethod",
    "plivo_v2_signature",
    "plivo_v3_base",
    "plivo_v3_signature",
    "twilio_body_url",
    "twilio_signature",
    "twilio_signature_base",
    "vonage_signature",
    "vonage_signature_base",
]

SignatureParams = Mapping[str, "str | Sequence[str]"]
"""Request parameters: each name with one value or a sequence of values."""

TwilioAlgorithm = Literal["HMAC_SHA1", "HMAC_SHA256"]
VonageSignatureMethod = Literal["md5hash", "md5", "sha1", "sha256", "sha512"]
PlivoMethod = Literal["GET", "POST"]


def _values(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _b64_hmac(key: str, message: str, digest: str) -> str:
    mac = hmac.new(key.encode("utf-8"), message.encode("utf-8"), digest)
    return base64.b64encode(mac.digest()).decode("ascii")


# -- Twilio ---------------------------------------------------------------------


def twilio_signature_base(url: str, params: SignatureParams | None = None) -> str:
    """The string Twilio signs: the URL, then each parameter's name and value.

    Names are sorted by code point; a repeated name contributes each distinct
    value once, sorted. There are no separators.

    Args:
        url: The full callback URL exactly as configured (query included).
        params: The form parameters of a POST; ``None`` or empty for a GET.

    Returns:
        The string to sign.
    """
    parts = [url]
    for name in sorted(params or {}):
        parts.extend(name + value for value in sorted(set(_values(params[name]))))  # type: ignore[index]  # params is not None when it has names
    return "".join(parts)


def twilio_signature(
    auth_token: str,
    url: str,
    params: SignatureParams | None = None,
    *,
    algorithm: TwilioAlgorithm = "HMAC_SHA1",
) -> str:
    """The ``X-Twilio-Signature`` header value for a webhook request.

    Args:
        auth_token: The account's Auth Token (or a webhook shared-key secret
            when ``algorithm`` is ``"HMAC_SHA256"``).
        url: The full callback URL exactly as configured.
        params: The form parameters of a POST; ``None`` for a GET or a JSON
            body (sign `twilio_body_url` instead).
        algorithm: ``"HMAC_SHA1"`` (Auth Token signatures) or
            ``"HMAC_SHA256"`` (shared-key signatures).

    Returns:
        The base64 signature.
    """
    digest = "sha1" if algorithm == "HMAC_SHA1" else "sha256"
    return _b64_hmac(auth_token, twilio_signature_base(url, params), digest)


def twilio_body_url(url: str, body: bytes) -> str:
    """The URL Twilio signs for a JSON body: ``url`` plus ``bodySHA256=<hex>``.

    Args:
        url: The callback URL.
        body: The raw request body.

    Returns:
        ``url`` with the body's SHA-256 (hex) appended as a query parameter.
    """
    separator = "&" if urlsplit(url).query else "?"
    return f"{url}{separator}bodySHA256={hashlib.sha256(body).hexdigest()}"


# -- Vonage ---------------------------------------------------------------------


def vonage_signature_base(params: Mapping[str, str]) -> str:
    """The string Vonage signs: ``&name=value`` for every parameter but ``sig``.

    Names are sorted by code point, and ``&`` and ``=`` inside values become
    ``_`` (so ``a=b&c`` and ``a_b_c`` sign alike).

    Args:
        params: The request's parameters, ``sig`` included or not.

    Returns:
        The string to sign.
    """
    return "".join(
        f"&{name}={params[name].replace('&', '_').replace('=', '_')}"
        for name in sorted(params)
        if name != "sig"
    )


def vonage_signature(
    secret: str,
    params: Mapping[str, str],
    *,
    method: VonageSignatureMethod = "md5hash",
) -> str:
    """The Vonage ``sig`` of a request or webhook, as lower-case hex.

    Args:
        secret: The account's signature secret.
        params: The parameters (``sig`` is ignored; ``timestamp`` must be in
            them already).
        method: ``"md5hash"`` is the dashboard's default "MD5 hash" scheme,
            ``md5(base + secret)``; the others are HMACs keyed by the secret.
            Note the v4 SDK's ``signature_method="md5"`` means HMAC-MD5.

    Returns:
        The hex digest (Vonage compares case-insensitively).
    """
    base = vonage_signature_base(params)
    if method == "md5hash":
        return hashlib.md5((base + secret).encode("utf-8")).hexdigest()  # noqa: S324 -- Vonage's scheme, not our choice
    return hmac.new(secret.encode("utf-8"), base.encode("utf-8"), method).hexdigest()


# -- Plivo ----------------------------------------------------------------------


def _sorted_query(params: Mapping[str, list[str]]) -> str:
    return "&".join(
        f"{name}={value}" for name in sorted(params) for value in sorted(params[name])
    )


def plivo_v3_base(
    url: str,
    params: SignatureParams | None = None,
    *,
    method: PlivoMethod = "POST",
) -> str:
    """The string Plivo's V3 signature covers (before ``.nonce`` is added).

    GET: the URL without its query, ``?``, then every query parameter (the
    URL's own and ``params``) as sorted ``name=value`` pairs joined by ``&``.
    POST: the URL without its query, ``?``, the URL's own query sorted the
    same way followed by ``.`` when it has one, then each body parameter's
    name and value concatenated in sorted order without separators.

    Args:
        url: The callback URL.
        params: The body parameters (POST) or the extra query parameters (GET).
        method: The callback's HTTP method.

    Returns:
        The string to sign.
    """
    parts = urlsplit(url)
    bare = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    own: dict[str, list[str]] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        own.setdefault(name, []).append(value)
    given = {name: _values(value) for name, value in (params or {}).items()}
    if method == "GET":
        query = _sorted_query(
            {**given, **own}
        )  # the URL's own values win, as in the SDK
        return f"{bare}?{query}" if query else bare
    if not given:
        return f"{bare}?{_sorted_query(own)}" if own else bare
    query = _sorted_query(own)
    body = "".join(
        name + value for name in sorted(given) for value in sorted(given[name])
    )
    return f"{bare}?{query}.{body}" if query else f"{bare}?{body}"


def plivo_v3_signature(
    auth_token: str,
    url: str,
    nonce: str,
    params: SignatureParams | None = None,
    *,
    method: PlivoMethod = "POST",
) -> str:
    """The ``X-Plivo-Signature-V3`` header value.

    ``base64(HMAC-SHA256(auth_token, plivo_v3_base(...) + "." + nonce))``.

    Args:
        auth_token: The (sub)account's Auth Token.
        url: The callback URL.
        nonce: The ``X-Plivo-Signature-V3-Nonce`` value.
        params: The body parameters (POST) or the query parameters (GET).
        method: The callback's HTTP method.

    Returns:
        The base64 signature.
    """
    base = plivo_v3_base(url, params, method=method)
    return _b64_hmac(auth_token, f"{base}.{nonce}", "sha256")


def plivo_v2_signature(auth_token: str, url: str, nonce: str) -> str:
    """The ``X-Plivo-Signature-V2`` header value.

    ``base64(HMAC-SHA256(auth_token, scheme://host/path + nonce))``: neither
    the query string nor the body is covered, so it only authenticates the URL.

    Args:
        auth_token: The account's Auth Token.
        url: The callback URL (its query is ignored).
        nonce: The ``X-Plivo-Signature-V2-Nonce`` value.

    Returns:
        The base64 signature.
    """
    parts = urlsplit(url)
    bare = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return _b64_hmac(auth_token, bare + nonce, "sha256")
