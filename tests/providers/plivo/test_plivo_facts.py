"""Plivo's facts: HTTP errors, delivery codes, message states, times."""

from __future__ import annotations

import datetime as dt

import pytest

import smskit
from smskit.providers.plivo import _errors, _wire

UTC = dt.timezone.utc


@pytest.mark.parametrize(
    ("http_status", "error", "retry"),
    [
        (400, smskit.RejectedMessage, "never"),
        (401, smskit.AuthenticationError, "never"),
        (403, smskit.RejectedMessage, "never"),  # geo permission on a send
        (404, smskit.NotFound, "never"),
        (422, smskit.ProviderError, "never"),
        (429, smskit.RateLimited, "throttled"),
        (500, smskit.ProviderUnavailable, "ambiguous"),
        (502, smskit.ProviderUnavailable, "ambiguous"),  # not listed: by status
    ],
)
def test_error_rules(http_status: int, error: type[Exception], retry: str) -> None:
    rule = _errors.error_rule(http_status)
    assert (error, retry) == (rule.error, rule.retry)


def test_delivery_codes() -> None:
    """providers.md §3.4's delivery error codes, and "000" is no error."""
    documented = {"10", "20", "30", "40", "50", "60", "70", "80", "90", "100"}
    documented |= {"110", "200", "201", "900", "1000"}
    assert documented == set(_errors.DELIVERY_ERRORS)
    assert _wire.NO_ERROR not in _errors.DELIVERY_ERRORS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-06-01 12:00", dt.datetime(2025, 6, 1, 12, tzinfo=UTC)),
        ("2025-06-01 12:00:05.250000", dt.datetime(2025, 6, 1, 12, 0, 5, 250000, UTC)),
        ("2025-06-01T12:00:00+02:00", dt.datetime(2025, 6, 1, 10, tzinfo=UTC)),
    ],
)
def test_parse_time(text: str, expected: dt.datetime) -> None:
    assert expected == _wire.parse_time(text)


def test_formatted_times_read_back() -> None:
    moment = dt.datetime(2025, 6, 1, 12, 0, 5, 250000, UTC)
    assert moment == _wire.parse_time(_wire.format_callback_time(moment))
    assert moment.replace(microsecond=0) == _wire.parse_time(
        _wire.format_message_time(moment)
    )


def test_paths_end_with_a_slash() -> None:
    for path in (_wire.ACCOUNT_PATH, _wire.MESSAGES_PATH, _wire.MESSAGE_PATH):
        assert path.endswith("/")
