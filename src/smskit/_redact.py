"""Masking for logs: phone numbers and message bodies stay private by default."""

from __future__ import annotations

import httpx

__all__ = ["MASK", "mask_body", "mask_phone", "safe_url"]

MASK = "\u2022\u2022\u2022"  # •••


def mask_phone(number: str | None) -> str:
    """Hide the middle of a phone number: ``+14155552671`` → ``+1415•••2671``.

    Enough stays visible to tell numbers apart in logs and to see the country,
    not enough to call anyone. Short values (short codes) keep two characters.
    """
    if not number:
        return ""
    if len(number) >= 10:
        return f"{number[:5]}{MASK}{number[-4:]}"
    return f"{number[:2]}{MASK}"


def mask_body(body: str | None) -> str:
    """Replace a body by its length: ``"<42 characters>"``."""
    return "" if body is None else f"<{len(body)} characters>"


def safe_url(url: httpx.URL) -> str:
    """The URL without its query string or user info, which may carry credentials."""
    return str(url.copy_with(query=None, fragment=None, username=None, password=None))
