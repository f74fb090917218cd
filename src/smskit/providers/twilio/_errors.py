"""Twilio's error codes and what smskit makes of them (providers.md §1.5, §4).

Errors come back as ``{"code", "message", "more_info", "status"}``; ``code``
decides, the HTTP status is the fallback, and ``message`` is for people only
(never match on it).
"""

from __future__ import annotations

from smskit._exceptions import (
    AuthenticationError,
    NotFound,
    OptedOut,
    ProviderUnavailable,
    RateLimited,
    RejectedMessage,
)
from smskit.providers._common import ErrorRule, RetryCategory, http_error_rule

__all__ = ["DELIVERY_ERRORS", "ERRORS", "error_rule"]

_REFUSED = ErrorRule(RejectedMessage, "never")

ERRORS: dict[int, ErrorRule] = {
    20003: ErrorRule(AuthenticationError, "never"),  # 401: wrong SID or token
    20404: ErrorRule(NotFound, "never"),
    # 429, too many concurrent requests: documented as not processed.
    20429: ErrorRule(RateLimited, "throttled"),
    # A 500 after a create may have sent the message.
    20500: ErrorRule(ProviderUnavailable, "ambiguous"),
    21211: _REFUSED,  # invalid To
    21212: _REFUSED,  # invalid From
    21408: _REFUSED,  # no geo permission for the destination's region
    21602: _REFUSED,  # Body missing
    21603: _REFUSED,  # From missing
    21604: _REFUSED,  # To missing
    21606: _REFUSED,  # From is not a message-capable number of this account
    21608: _REFUSED,  # trial account: To is not verified
    21610: ErrorRule(OptedOut, "never"),  # the recipient replied STOP
    # The From number's outgoing queue is full: it drains at the sender's
    # rate, so a retry within seconds is unlikely to find room.
    21611: ErrorRule(RejectedMessage, "later"),
    21612: _REFUSED,  # To cannot be reached from this From by SMS
    21614: _REFUSED,  # To is not a mobile number
    21617: _REFUSED,  # Body over 1,600 characters
    21635: _REFUSED,  # To is a landline where Twilio refuses those
    35111: _REFUSED,  # scheduling: SendAt missing
    35115: _REFUSED,  # scheduling: SendAt outside 5 minutes to 35 days
    35118: _REFUSED,  # scheduling: needs MessagingServiceSid
    35126: _REFUSED,  # scheduling: ScheduleType other than "fixed"
}
"""API error ``code`` -> smskit exception class and retry category."""

DELIVERY_ERRORS: dict[int, tuple[str, RetryCategory]] = {
    30001: ("queue overflow: sending too fast", "later"),
    30002: ("account suspended", "never"),
    30003: ("unreachable handset (off, no signal)", "later"),
    30004: ("blocked by the recipient or the carrier", "never"),
    30005: ("unknown or inactive destination", "never"),
    30006: ("landline or unreachable carrier", "never"),
    30007: ("filtered by the carrier (spam, compliance)", "never"),
    30008: ("unknown error", "later"),
    30032: ("toll-free number not verified", "never"),
    30034: ("US A2P 10DLC: unregistered number", "never"),
}
"""``error_code`` of an undelivered or failed message -> what it means and
whether sending it again may help (status callbacks' ``ErrorCode`` too)."""


def error_rule(code: int | None, http_status: int) -> ErrorRule:
    """What a Twilio error answer means.

    Args:
        code: The body's ``code``, if it has one.
        http_status: The response's HTTP status.

    Returns:
        The rule for ``code``; for a delivery code (`DELIVERY_ERRORS`) in a
        4xx answer, a refusal with that code's retry category; otherwise the
        rule for the HTTP status (Twilio documents every 5xx as possibly
        processed, and a 403 is credentials without the right, such as test
        credentials on a lookup).
    """
    rule = ERRORS.get(code) if code is not None else None
    if rule is not None:
        return rule
    delivery = DELIVERY_ERRORS.get(code) if code is not None else None
    if delivery is not None and http_status < 500:
        return ErrorRule(RejectedMessage, delivery[1])
    if http_status == 403:
        return ErrorRule(AuthenticationError, "never")
    return http_error_rule(http_status)
