"""Vonage's facts: the throttle hint, send statuses, receipt words, dates."""

from __future__ import annotations

import datetime as dt

import pytest

import smskit
from smskit.providers.vonage import _errors, _wire

PLUS_TWO = dt.timezone(dt.timedelta(hours=2))


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("Throughput Rate Exceeded - please wait [ 250 ] and retry", 0.25),
        ("wait [1500]", 1.5),
        ("Throughput Rate Exceeded", None),
        ("wait [ ٣ ]", None),  # digits to str.isdigit(), not to Vonage
        ("wait [ 99999999999999999999 ]", None),  # beyond any real hint
        (None, None),
    ],
)
def test_millisecond_hint(text: str | None, seconds: float | None) -> None:
    assert seconds == _errors.parse_millisecond_hint(text)


@pytest.mark.parametrize(
    ("status", "http_status", "error", "retry"),
    [
        ("1", 200, smskit.RateLimited, "throttled"),
        ("4", 200, smskit.AuthenticationError, "never"),
        ("5", 200, smskit.ProviderUnavailable, "ambiguous"),
        ("7", 200, smskit.RejectedMessage, "never"),
        ("9", 200, smskit.InsufficientFunds, "never"),
        ("10", 200, smskit.RateLimited, "throttled"),
        ("14", 200, smskit.AuthenticationError, "never"),
        ("29", 200, smskit.RejectedMessage, "never"),
        # Unassigned statuses, and the account API's HTTP errors.
        ("13", 200, smskit.ProviderError, "never"),
        (None, 401, smskit.AuthenticationError, "never"),
        (None, 429, smskit.RateLimited, "throttled"),
    ],
)
def test_error_rules(
    status: str | None, http_status: int, error: type[Exception], retry: str
) -> None:
    rule = _errors.error_rule(status, http_status)
    assert (error, retry) == (rule.error, rule.retry)


def test_every_documented_send_status_has_a_rule() -> None:
    """providers.md §2.3's table (status 0 is success, not an error)."""
    documented = {str(n) for n in [*range(1, 13), 14, 15, 22, 23, 29, 32, 33]}
    assert documented == set(_errors.SEND_ERRORS)
    assert _wire.SEND_OK not in _errors.SEND_ERRORS


def test_every_documented_receipt_word_is_read() -> None:
    documented = {"accepted", "buffered", "delivered", "expired"}
    documented |= {"failed", "rejected", "unknown"}
    assert documented == set(_wire.DLR_STATUSES)


def test_dates_are_utc() -> None:
    moment = dt.datetime(2025, 6, 1, 14, 5, 9, tzinfo=PLUS_TWO)
    assert "2025-06-01 12:05:09" == _wire.format_timestamp(moment)
    assert "2506011205" == _wire.format_scts(moment)
    text = _wire.format_report_time(moment)
    assert "2025-06-01T12:05:09.000Z" == text
    assert moment == _wire.parse_report_time(text)
