"""Twilio's webhook signature, ``X-Twilio-Signature``, as pure functions.

The algorithm (providers.md §1.7): ``base64(HMAC-SHA1(Auth Token, S))`` where
``S`` is the full URL exactly as configured followed, for a form POST, by
every parameter's name and value, names sorted by code point, the distinct
values of a repeated name sorted, without separators. A GET signs the URL
alone; a JSON body is signed through ``bodySHA256=<hex>`` appended to the URL.
Webhook shared keys sign the same string with HMAC-SHA256.

Verification compares a received signature with the one computed here (use
`hmac.compare_digest`).
"""

from __future__ import annotations

import hashlib
from typing import Literal
from urllib.parse import urlsplit

from smskit.providers._common import SignatureParams, b64_hmac, param_values

__all__ = ["Algorithm", "body_url", "signature", "signature_base"]

Algorithm = Literal["HMAC_SHA1", "HMAC_SHA256"]
"""``HMAC_SHA1`` (Auth Token signatures) or ``HMAC_SHA256`` (shared keys)."""


def signature_base(url: str, params: SignatureParams | None = None) -> str:
    """The string Twilio signs: the URL, then each parameter's name and value.

    Names are sorted by code point; a repeated name contributes each distinct
    value once, sorted. There are no separators.

    Args:
        url: The full callback URL exactly as configured (query included).
        params: The form parameters of a POST; ``None`` or empty for a GET.

    Returns:
        The string to sign.
    """
    given = params or {}
    parts = [url]
    for name in sorted(given):
        values = given[name]
        # Most parameters have one value: skip the set and the sort for them.
        if isinstance(values, str):
            parts.append(name + values)
        elif isinstance(values, list) and len(values) == 1:
            parts.append(name + values[0])
        else:
            parts.extend(name + value for value in sorted(set(param_values(values))))
    return "".join(parts)


def signature(
    auth_token: str,
    url: str,
    params: SignatureParams | None = None,
    *,
    algorithm: Algorithm = "HMAC_SHA1",
) -> str:
    """The ``X-Twilio-Signature`` header value for a webhook request.

    Args:
        auth_token: The account's Auth Token (or a webhook shared-key secret
            when ``algorithm`` is ``"HMAC_SHA256"``).
        url: The full callback URL exactly as configured.
        params: The form parameters of a POST; ``None`` for a GET or a JSON
            body (sign `body_url` instead).
        algorithm: ``"HMAC_SHA1"`` (Auth Token signatures) or
            ``"HMAC_SHA256"`` (shared-key signatures).

    Returns:
        The base64 signature.
    """
    digest = "sha1" if algorithm == "HMAC_SHA1" else "sha256"
    return b64_hmac(auth_token, signature_base(url, params), digest)


def body_url(url: str, body: bytes) -> str:
    """The URL Twilio signs for a JSON body: ``url`` plus ``bodySHA256=<hex>``.

    Args:
        url: The callback URL.
        body: The raw request body.

    Returns:
        ``url`` with the body's SHA-256 (hex) appended as a query parameter.
    """
    separator = "&" if urlsplit(url).query else "?"
    return f"{url}{separator}bodySHA256={hashlib.sha256(body).hexdigest()}"
