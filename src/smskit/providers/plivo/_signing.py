"""Plivo's webhook signatures, V3 and V2, as pure functions.

The algorithms (providers.md §3.6): V3 is
``base64(HMAC-SHA256(auth_token, S + "." + nonce))`` where ``S`` covers the
URL, its query and the body parameters; V2 is
``base64(HMAC-SHA256(auth_token, scheme://host/path + nonce))`` and covers
neither the query nor the body, so it only authenticates the URL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal
from urllib.parse import parse_qsl, urlparse, urlunparse

from smskit.providers._common import b64_hmac

__all__ = ["Method", "V3Params", "v2_base", "v2_signature", "v3_base", "v3_signature"]

Method = Literal["GET", "POST"]
"""The HTTP method of the callback being signed."""

V3Params = Mapping[str, object]
"""Signed parameters: each name with a text, a list of texts, or (a JSON
body) a number, ``True``/``False``, ``None`` or a nested object."""


def _sorted_query(params: Mapping[str, list[str]]) -> str:
    return "&".join(
        f"{name}={value}" for name in sorted(params) for value in sorted(params[name])
    )


def _bare(url: str) -> str:
    """``scheme://host/path`` of ``url``: no query, no fragment.

    Like plivo-python, ``;parameters`` after the last path segment are
    dropped too (they are split off the path the way `urlparse` splits them).
    """
    parts = urlparse(url)
    return urlunparse((parts.scheme, parts.netloc, parts.path, "", "", ""))


def _scalar(value: object) -> str:
    """A JSON value as Plivo's validators write it: Python's own ``str``."""
    if isinstance(value, (Mapping, list, tuple)):
        message = f"a list of objects or lists cannot be signed: {type(value).__name__}"
        raise ValueError(message)
    return value if isinstance(value, str) else str(value)


def _texts(value: object) -> list[str]:
    """One parameter's values as texts (a list's values, or the one value)."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_scalar(item) for item in value]
    return [_scalar(value)]


def _body_text(params: V3Params) -> str:
    """Each name and value, in sorted order, concatenated without separators.

    A list gives its name once per value (values sorted); a nested object
    gives its name followed by its own parameters written the same way.
    """
    pieces: list[str] = []
    for name in sorted(params):
        value = params[name]
        # Form values are str or lists of str: test those concrete types
        # first, since the ABC checks below cost more than the signing itself.
        if isinstance(value, str):
            pieces.append(name + value)
        elif isinstance(value, (list, tuple)) and all(
            isinstance(item, str) for item in value
        ):
            pieces.extend(name + text for text in sorted(value))
        elif isinstance(value, Mapping):
            pieces.append(name + _body_text(value))
        elif isinstance(value, Sequence) and not isinstance(value, str):
            pieces.extend(name + text for text in sorted(map(_scalar, value)))
        else:
            pieces.append(name + _scalar(value))
    return "".join(pieces)


def v3_base(
    url: str,
    params: V3Params | None = None,
    *,
    method: Method = "POST",
) -> str:
    """The string Plivo's V3 signature covers (before ``.nonce`` is added).

    GET: the URL without its query, ``?``, then every query parameter (the
    URL's own and ``params``) as sorted ``name=value`` pairs joined by ``&``.
    POST: the URL without its query, ``?``, the URL's own query sorted the
    same way followed by ``.`` when it has one, then each body parameter's
    name and value concatenated in sorted order without separators (a
    nested object, from a JSON body, as its name and its own parameters).

    Args:
        url: The callback URL.
        params: The body parameters (POST) or the extra query parameters (GET).
        method: The callback's HTTP method.

    Returns:
        The string to sign.

    Raises:
        ValueError: A list holds objects or lists (no validator signs those).
    """
    bare = _bare(url)
    own: dict[str, list[str]] = {}
    for name, value in parse_qsl(urlparse(url).query, keep_blank_values=True):
        own.setdefault(name, []).append(value)
    if method == "GET":
        given = {name: _texts(value) for name, value in (params or {}).items()}
        # The URL's own values win over params of the same name, as in the SDK.
        query = _sorted_query({**given, **own})
        return f"{bare}?{query}" if query else bare
    if not params:
        return f"{bare}?{_sorted_query(own)}" if own else bare
    query = _sorted_query(own)
    body = _body_text(params)
    return f"{bare}?{query}.{body}" if query else f"{bare}?{body}"


def v3_signature(
    auth_token: str,
    url: str,
    nonce: str,
    params: V3Params | None = None,
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


def v2_base(url: str, nonce: str) -> str:
    """The string Plivo's V2 signature covers: ``scheme://host/path + nonce``."""
    return _bare(url) + nonce


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
    return b64_hmac(auth_token, v2_base(url, nonce), "sha256")
