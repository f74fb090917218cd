"""Twilio's facts: dates, status words, error codes, environment, throughput."""

from __future__ import annotations

import datetime as dt

import pytest

import smskit
from smskit.providers.twilio import _errors, _wire

PLUS_TWO = dt.timezone(dt.timedelta(hours=2))


def test_send_at_is_converted_to_utc() -> None:
    """A +02:00 moment goes out two hours earlier in UTC, not relabelled."""
    moment = dt.datetime(2025, 6, 1, 14, 30, tzinfo=PLUS_TWO)
    assert "2025-06-01T12:30:00Z" == _wire.format_send_at(moment)


def test_resource_dates_round_trip() -> None:
    moment = dt.datetime(2025, 6, 1, 14, 0, tzinfo=PLUS_TWO)
    text = _wire.format_date(moment)
    assert "Sun, 01 Jun 2025 12:00:00 +0000" == text
    assert moment == _wire.parse_date(text)


def test_a_date_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="no zone"):
        _wire.parse_date("Sun, 01 Jun 2025 12:00:00 -0000")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-06-01", dt.date(2025, 6, 1)),
        ("2025-06-01T12:00:00Z", dt.datetime(2025, 6, 1, 12, tzinfo=dt.timezone.utc)),
        ("2025-06-01T12:00:00", dt.datetime(2025, 6, 1, 12, tzinfo=dt.timezone.utc)),
    ],
)
def test_date_filters(text: str, expected: dt.date) -> None:
    assert expected == _wire.parse_date_filter(text)


def test_dlr_done_date() -> None:
    moment = dt.datetime(2025, 6, 1, 14, 5, tzinfo=PLUS_TWO)
    assert "2506011205" == _wire.format_dlr_done_date(moment)


def test_every_documented_status_word_is_read() -> None:
    """providers.md §1.6 lists these words; each one reads as a Status."""
    documented = {
        "accepted",
        "scheduled",
        "queued",
        "sending",
        "sent",
        "delivered",
        "undelivered",
        "failed",
        "canceled",
        "read",
        "receiving",
        "received",
        "partially_delivered",
    }
    assert documented == set(_wire.STATUSES)


def test_paths() -> None:
    path = _wire.MESSAGE_PATH.format(account_sid="AC1", sid="SM1")
    assert "/2010-04-01/Accounts/AC1/Messages/SM1.json" == path


@pytest.mark.parametrize(
    ("code", "http_status", "error", "retry"),
    [
        (20003, 401, smskit.AuthenticationError, "never"),
        (20404, 404, smskit.NotFound, "never"),
        (20429, 429, smskit.RateLimited, "throttled"),
        (20500, 500, smskit.ProviderUnavailable, "ambiguous"),
        (21211, 400, smskit.RejectedMessage, "never"),
        (21610, 400, smskit.OptedOut, "never"),
        (21611, 400, smskit.RejectedMessage, "later"),
        (35118, 400, smskit.RejectedMessage, "never"),
        # Codes the table does not list mean what their HTTP status means.
        (99999, 503, smskit.ProviderUnavailable, "ambiguous"),
        (99999, 400, smskit.ProviderError, "never"),
        (None, 429, smskit.RateLimited, "throttled"),
    ],
)
def test_error_rules(
    code: int | None, http_status: int, error: type[Exception], retry: str
) -> None:
    rule = _errors.error_rule(code, http_status)
    assert (error, retry) == (rule.error, rule.retry)


def test_every_documented_api_code_has_a_rule() -> None:
    """providers.md §1.5's API error table, code by code."""
    documented = {20003, 20404, 20429, 20500, 21211, 21212, 21408, 21602, 21603}
    documented |= {21604, 21606, 21608, 21610, 21611, 21612, 21614, 21617, 21635}
    documented |= {35111, 35115, 35118, 35126}
    assert documented == set(_errors.ERRORS)


def test_environment_variables() -> None:
    names = (_wire.ENV_ACCOUNT_SID, _wire.ENV_AUTH_TOKEN, _wire.ENV_REGION)
    assert ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_REGION") == names
    assert "TWILIO_EDGE" == _wire.ENV_EDGE
