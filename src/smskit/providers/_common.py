"""Helpers every provider shares: ids in URL paths, JSON answers, Retry-After."""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
from typing import Any

import httpx

from smskit._core._policy import parse_retry_after
from smskit._exceptions import (
    ArgumentTypeError,
    InvalidMessage,
    ProviderError,
    ProviderUnavailable,
)

__all__ = ["MAX_ID_LENGTH", "SAFE_ID", "path_id", "read_json", "retry_after_seconds"]

MAX_ID_LENGTH = 128
"""The longest id any provider path takes; longer ones are refused unsent."""

SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")
"""Letters, digits and ``. _ ~ -``, starting with a letter or digit: no id
drawn from it can add a path segment, a query or a fragment, or be ``..``."""


def path_id(
    provider: str,
    value: object,
    *,
    what: str = "message id",
    alphabet: re.Pattern[str] = SAFE_ID,
    max_length: int = MAX_ID_LENGTH,
) -> str:
    """Check an id that goes into a URL path, and return it ready to paste.

    Every provider puts ids into URL paths through this function, so an id can
    never shape the URL: ``"SM1?admin=1"`` or ``"../../Accounts"`` are refused
    before any request is built. ``alphabet`` is the provider's id pattern
    (matched in full); the result is also percent-encoded, so a looser
    alphabet still cannot leave its path segment.

    Args:
        provider: The provider's name, for the error.
        value: The id as the caller gave it.
        what: What the id names, for the error.
        alphabet: The provider's id pattern.
        max_length: The longest id accepted.

    Returns:
        The id, percent-encoded for one path segment.

    Raises:
        ArgumentTypeError: The id is not a string.
        InvalidMessage: The id is empty, too long or outside the alphabet.
    """
    if not isinstance(value, str):
        message = f"{what} must be a str, not {type(value).__name__}"
        raise ArgumentTypeError(message)
    if not value.strip():
        raise InvalidMessage(f"{what} is empty")
    if len(value) > max_length:
        message = (
            f"{what} is {len(value)} characters long; "
            f"{provider} ids have at most {max_length}"
        )
        raise InvalidMessage(message)
    if alphabet.fullmatch(value) is None or value in {".", ".."}:
        shown = value if len(value) <= 40 else f"{value[:36]}…"
        message = (
            f"{shown!r} is not a {provider} {what}: it holds characters "
            f"{provider} ids never hold"
        )
        raise InvalidMessage(message)
    return urllib.parse.quote(value, safe="")


def read_json(provider: str, response: httpx.Response) -> dict[str, Any]:
    """Decode a JSON object answer, or raise a provider error that says why.

    Args:
        provider: The provider's name, for the error.
        response: The HTTP response.

    Returns:
        The decoded object (empty for an empty body).

    Raises:
        ProviderUnavailable: A 5xx answer that is not JSON (a proxy's page).
        ProviderError: Any other answer that is not a JSON object.
    """
    if not response.content:
        return {}
    try:
        data = json.loads(response.content)
    except ValueError:
        data = None
    if isinstance(data, dict):
        return data
    text = (
        f"{provider}: expected a JSON object from the API, got "
        f"{response.headers.get('content-type', 'no content type')} "
        f"(HTTP {response.status_code})"
    )
    error = ProviderUnavailable if response.status_code >= 500 else ProviderError
    raise error(text, provider=provider, http_status=response.status_code)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Seconds from the response's ``Retry-After`` header, if it has one."""
    return parse_retry_after(
        response.headers.get("retry-after"), now=dt.datetime.now(dt.timezone.utc)
    )
