"""Vonage's send statuses and receipt error codes (providers.md §2.3, §2.5, §4).

``/sms/json`` reports errors with HTTP 200: each entry of ``messages`` has a
``status`` (``"0"`` is success) and an ``error-text`` for people (never match
on it, except for the throttle hint it carries). The account and reports APIs
use HTTP statuses, read through `smskit.providers._common.http_error_rule`.
"""

from __future__ import annotations

import re

from smskit._exceptions import (
    AuthenticationError,
    InsufficientFunds,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    RejectedMessage,
)
from smskit.providers._common import ErrorRule, RetryCategory, http_error_rule

__all__ = ["DELIVERY_ERRORS", "SEND_ERRORS", "error_rule", "parse_millisecond_hint"]

_REFUSED = ErrorRule(RejectedMessage, "never")
_AUTH = ErrorRule(AuthenticationError, "never")

SEND_ERRORS: dict[str, ErrorRule] = {
    # Throttled: over the account's throughput. The error text hints how
    # long to wait (parse_millisecond_hint).
    "1": ErrorRule(RateLimited, "throttled"),
    "2": _REFUSED,  # missing parameters
    "3": _REFUSED,  # invalid parameters (a bad "to", ttl...)
    "4": _AUTH,  # invalid credentials
    # Internal error: this part may have been sent.
    "5": ErrorRule(ProviderUnavailable, "ambiguous"),
    "6": _REFUSED,  # invalid message: unrecognised prefix, unroutable
    # Number barred: the destination is on a block list. Vonage does not say
    # why, so this is not smskit's OptedOut (which says the recipient
    # replied STOP), though an opt-out is one way onto the list.
    "7": _REFUSED,
    "8": _AUTH,  # partner account barred (suspended)
    "9": ErrorRule(InsufficientFunds, "never"),  # quota: no credit left
    "10": ErrorRule(RateLimited, "throttled"),  # too many existing binds
    "11": ErrorRule(ProviderError, "never"),  # account not enabled for HTTP
    "12": _REFUSED,  # message too long
    "14": _AUTH,  # invalid signature
    "15": _REFUSED,  # invalid sender address
    "22": _REFUSED,  # invalid network code
    "23": _REFUSED,  # invalid callback URL
    "29": _REFUSED,  # non-whitelisted destination (trial accounts)
    "32": _AUTH,  # signature and api_secret both present
    "33": _REFUSED,  # number de-activated
}
"""A refused part's ``status`` -> smskit exception class and retry category.
(13, 16-21, 24-28, 30 and 31 are not assigned.)"""

DELIVERY_ERRORS: dict[str, tuple[str, RetryCategory]] = {
    "0": ("delivered", "never"),
    "1": ("unknown", "later"),
    "2": ("absent subscriber, temporary", "later"),
    "3": ("absent subscriber, permanent", "never"),
    "4": ("call barred by user", "never"),
    "5": ("portability error", "never"),
    "6": ("anti-spam rejection", "never"),
    "7": ("handset busy", "later"),
    "8": ("network error", "later"),
    "9": ("illegal number", "never"),
    "10": ("illegal message", "never"),
    "11": ("unroutable", "never"),
    "12": ("destination unreachable", "never"),
    "13": ("subscriber age restriction", "never"),
    "14": ("number blocked by carrier", "never"),
    "15": ("prepaid insufficient funds", "never"),
    "50": ("entity filter", "never"),
    "51": ("header filter", "never"),
    "52": ("content filter", "never"),
    "53": ("consent filter", "never"),
    "54": ("regulation error", "never"),
    "99": ("general error", "later"),
}
"""A receipt's ``err-code`` -> what it means and whether sending again may help."""

_MS_HINT = re.compile(r"\[\s*([0-9]{1,9})\s*\]")  # ASCII digits; a float holds them


def error_rule(status: str | None, http_status: int) -> ErrorRule:
    """What a Vonage error answer means.

    Args:
        status: A refused part's ``status`` (``None`` for an HTTP error of
            the account or reports API).
        http_status: The response's HTTP status.

    Returns:
        The rule for ``status``, or for the HTTP status when ``status`` is
        not in `SEND_ERRORS`.
    """
    rule = SEND_ERRORS.get(status) if status is not None else None
    return rule if rule is not None else http_error_rule(http_status)


def parse_millisecond_hint(text: str | None) -> float | None:
    """Read the ``[ N ]`` millisecond wait hint out of an error text, in seconds.

    Vonage answers a throttled send with, e.g., ``"Throughput Rate Exceeded -
    please wait [ 250 ] and retry"`` (the unit is milliseconds [unverified];
    other clients read it so).

    Args:
        text: The part's ``error-text``.

    Returns:
        The hinted wait in seconds, or ``None`` when there is no hint.
    """
    match = _MS_HINT.search(text or "")
    return int(match.group(1)) / 1000 if match else None
