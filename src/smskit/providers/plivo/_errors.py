"""Plivo's errors and delivery error codes (providers.md §3.4, §4).

API errors carry no code: the body is ``{"api_id", "error"}`` where ``error``
is text for people (never match on it), so the HTTP status decides.
"""

from __future__ import annotations

from smskit._exceptions import (
    AuthenticationError,
    NotFound,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    RejectedMessage,
)
from smskit.providers._common import ErrorRule, RetryCategory, http_error_rule

__all__ = ["DELIVERY_ERRORS", "ERRORS", "error_rule"]

ERRORS: dict[int, ErrorRule] = {
    # A bad or missing parameter, an invalid number, a number not enabled
    # for SMS; an opted-out recipient is not told apart.
    400: ErrorRule(RejectedMessage, "never"),
    401: ErrorRule(AuthenticationError, "never"),
    # On a send: the destination's country is not enabled (geo permission).
    403: ErrorRule(RejectedMessage, "never"),
    404: ErrorRule(NotFound, "never"),
    405: ErrorRule(ProviderError, "never"),
    409: ErrorRule(ProviderError, "never"),
    422: ErrorRule(ProviderError, "never"),
    # Over 300 requests per 5 s (or 100 at once); Retry-After is not documented.
    429: ErrorRule(RateLimited, "throttled"),
    500: ErrorRule(ProviderUnavailable, "ambiguous"),
}
"""HTTP status of an error answer -> smskit exception class and retry category."""

DELIVERY_ERRORS: dict[str, tuple[str, RetryCategory]] = {
    "10": ("invalid message", "never"),
    "20": ("network error", "later"),
    "30": ("spam detected", "never"),
    "40": ("invalid source number", "never"),
    "50": ("invalid destination number", "never"),
    "60": ("loop detected", "never"),
    "70": ("destination permanently unavailable", "never"),
    "80": ("destination temporarily unavailable", "later"),
    "90": ("no route available", "never"),
    "100": ("prohibited by carrier", "never"),
    "110": ("message too long", "never"),
    "200": ("source blocked by STOP from destination", "never"),
    "201": ("US toll-free to Canada blocked", "never"),
    "900": ("insufficient credit", "never"),
    "1000": ("unknown error", "later"),
}
"""``error_code`` of an MDR or a status callback (``"000"`` when fine) -> what
it means and whether sending again may help."""


def error_rule(http_status: int) -> ErrorRule:
    """What a Plivo error answer means, from its HTTP status."""
    rule = ERRORS.get(http_status)
    return rule if rule is not None else http_error_rule(http_status)
