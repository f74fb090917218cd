"""Helpers every provider shares: reading JSON answers, Retry-After."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx

from smskit._core._policy import parse_retry_after
from smskit._exceptions import ProviderError, ProviderUnavailable

__all__ = ["read_json", "retry_after_seconds"]


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
