"""Plivo's webhook signatures, V3 and V2, as pure functions.

The algorithms (providers.md §3.6): V3 is
``base64(HMAC-SHA256(auth_token, S + "." + nonce))`` where ``S`` covers the
URL, its query and the body parameters; V2 is
``base64(HMAC-SHA256(auth_token, scheme://host/path + nonce))`` and covers
neither the query nor the body, so it only authenticates the URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from smskit.providers._common import SignatureParams, b64_hmac, param_values

__all__ = ["Method", "v2_signature", "v3_base", "v3_signature"]

Method = Literal["GET", "POST"]
"""The HTTP method of the callback being signed."""


def _sorted_query(params: Mapping[str, list[str]]) -> str:
    return "&".join(
        f"{name}={value}" for name in sorted(params) for value in sorted(params[name])
    )


def _bare(url: str) -> str:
    """``scheme://host/path`` of ``url``: no query, no fragment."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def v3_base(
    url: str,
    params: SignatureParams | None = None,
    *,
    method: Method = "POST",
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
    bare = _bare(url)
    own: dict[str, list[str]] = {}
    for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        own.setdefault(name, []).append(value)
    given = {name: param_values(value) for name, value in (params or {}).items()}
    if method == "GET":
        # The URL's own values win over params of the same name, as in the SDK.
        query = _sorted_query({**given, **own})
        return f"{bare}?{query}" if query else bare
    if not given:
        return f"{bare}?{_sorted_query(own)}" if own else bare
    query = _sorted_query(own)
    body = "".join(
        name + value for name in sorted(given) for value in sorted(given[name])
    )
    return f"{bare}?{query}.{body}" if query else f"{bare}?{body}"


def v3_signature(
    auth_token: str,
    url: str,
    nonce: str,
    params: SignatureParams | None = None,
    *,
    method: Method = "POST",
) -> str:
    """The ``X-Plivo-Signature-V3`` header value.

    ``base64(HMAC-SHA256(auth_token, v3_base(...) + "." + nonce))``.

    Args:
        auth_token: The (sub)account's Auth Token.
        url: The callback URL.
        nonce: The ``X-Plivo-Signature-V3-Nonce`` value.
        params: The body parameters (POST) or the query parameters (GET).
        method: The callback's HTTP method.

    Returns:
        The base64 signature.
    """
    base = v3_base(url, params, method=method)
    return b64_hmac(auth_token, f"{base}.{nonce}", "sha256")


def v2_signature(auth_token: str, url: str, nonce: str) -> str:
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
    return b64_hmac(auth_token, _bare(url) + nonce, "sha256")
