"""Vonage's request and webhook signature, ``sig``, as pure functions.

The algorithm (providers.md §2.6): take every parameter but ``sig``, sort the
names by code point, replace ``&`` and ``=`` inside values with ``_``, and
build ``&k1=v1&k2=v2…``. Then either the "MD5 hash" scheme (the dashboard's
default), ``md5(string + secret)``, or an HMAC keyed by the signature secret;
hex, compared case-insensitively. The same scheme signs outgoing API requests
(with ``timestamp`` = now) and the webhooks Vonage sends.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Literal

__all__ = ["SignatureMethod", "signature", "signature_base"]

SignatureMethod = Literal["md5hash", "md5", "sha1", "sha256", "sha512"]
"""``md5hash`` is the "MD5 hash" scheme; the others are HMACs with that digest."""


def signature_base(params: Mapping[str, str]) -> str:
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


def signature(
    secret: str,
    params: Mapping[str, str],
    *,
    method: SignatureMethod = "md5hash",
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
    base = signature_base(params)
    if method == "md5hash":
        return hashlib.md5((base + secret).encode("utf-8")).hexdigest()  # noqa: S324 -- Vonage's scheme, not our choice
    return hmac.new(secret.encode("utf-8"), base.encode("utf-8"), method).hexdigest()
