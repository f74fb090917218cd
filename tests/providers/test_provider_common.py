"""What every provider shares: Retry-After, numbers, times, HTTP error rules."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

import smskit
from smskit.providers._common import (
    digits_only,
    from_digits,
    http_error_rule,
    parse_retry_after,
    retry_after_seconds,
    utc,
)

NOW = dt.datetime(2026, 10, 21, 7, 28, tzinfo=dt.timezone.utc)


class TestRetryAfter:
    @pytest.mark.parametrize(
        ("value", "seconds"),
        [
            (None, None),
            ("120", 120.0),
            (" 1.5 ", 1.5),
            ("0", 0.0),
            ("-3", None),
            ("nan", None),
            ("inf", None),
            ("Wed, 21 Oct 2026 07:28:30 GMT", 30.0),
            ("Wed, 21 Oct 2026 07:27:00 GMT", 0.0),  # in the past
            ("21 Oct 2026 07:29:00", 60.0),  # no zone: GMT
            ("soon", None),
            ("", None),
        ],
    )
    def test_parse(self, value: str | None, seconds: float | None) -> None:
        assert seconds == parse_retry_after(value, now=NOW)

    def test_from_a_response(self) -> None:
        """The header of a response, read against the current time."""
        response = httpx.Response(429, headers={"Retry-After": "7"})
        assert 7.0 == retry_after_seconds(response)
        assert retry_after_seconds(httpx.Response(429)) is None


class TestNumbers:
    @pytest.mark.parametrize(
        ("number", "expected"),
        [
            ("447700900001", "+447700900001"),
            ("0044770", "+44770"),
            (" 44 7700 ", "+447700"),
            ("+1415", "+1415"),
            ("Acme", "Acme"),
            ("²²", "²²"),  # digits to str.isdigit(), not to E.164
        ],
    )
    def test_from_digits(self, number: str, expected: str) -> None:
        """Vonage/Plivo numbers become E.164; sender names stay as they are."""
        assert expected == from_digits(number)

    @pytest.mark.parametrize(
        ("number", "expected"),
        [("+447700900001", "447700900001"), ("Acme", "Acme"), ("12345", "12345")],
    )
    def test_digits_only(self, number: str, expected: str) -> None:
        assert expected == digits_only(number)

    def test_round_trip(self) -> None:
        assert "+14155550100" == from_digits(digits_only("+14155550100"))


def test_utc_converts_rather_than_relabels() -> None:
    """A +02:00 moment is two hours earlier in UTC, not the same clock time."""
    moment = dt.datetime(2025, 6, 1, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.timezone.utc) == utc(moment)
    assert dt.timezone.utc == utc(moment).tzinfo


@pytest.mark.parametrize(
    ("status", "error", "retry"),
    [
        (401, smskit.AuthenticationError, "never"),
        (404, smskit.NotFound, "never"),
        (429, smskit.RateLimited, "throttled"),
        (500, smskit.ProviderUnavailable, "ambiguous"),
        (503, smskit.ProviderUnavailable, "ambiguous"),
        (400, smskit.ProviderError, "never"),
        (403, smskit.ProviderError, "never"),
    ],
)
def test_http_error_rule(status: int, error: type[Exception], retry: str) -> None:
    """The status alone decides when a provider's code says nothing more."""
    rule = http_error_rule(status)
    assert (error, retry) == (rule.error, rule.retry)
