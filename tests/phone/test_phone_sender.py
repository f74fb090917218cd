"""SenderId.parse: alphanumeric IDs, short codes and long numbers."""

from __future__ import annotations

import typing

import pytest

from smskit._exceptions import InvalidInput, InvalidSenderId
from smskit.phone import SenderId, SenderIdKind, SenderIdReason

ALPHA = SenderIdKind.ALPHANUMERIC
SHORT = SenderIdKind.SHORT_CODE
LONG = SenderIdKind.LONG_NUMBER


@pytest.mark.parametrize(
    ("value", "region", "expected", "kind"),
    [
        pytest.param("ACME", None, "ACME", ALPHA, id="alpha"),
        pytest.param("Acme Bank", None, "Acme Bank", ALPHA, id="alpha-space"),
        pytest.param(" Shop24 ", None, "Shop24", ALPHA, id="alpha-stripped"),
        pytest.param("A", None, "A", ALPHA, id="alpha-one-char"),
        pytest.param("ABCDEFGHIJK", None, "ABCDEFGHIJK", ALPHA, id="alpha-11-chars"),
        pytest.param("2FA", None, "2FA", ALPHA, id="alpha-leading-digit"),
        pytest.param("123", None, "123", SHORT, id="short-3"),
        pytest.param("12345", None, "12345", SHORT, id="short-5"),
        pytest.param("12345678", None, "12345678", SHORT, id="short-8"),
        pytest.param("+44 7400 123456", None, "+447400123456", LONG, id="long-intl"),
        pytest.param("(415) 555-2671", "US", "+14155552671", LONG, id="long-region"),
        pytest.param("07400123456", "GB", "+447400123456", LONG, id="long-11-digits"),
    ],
)
def test_valid_sender_ids(
    value: str, region: str | None, expected: str, kind: SenderIdKind
) -> None:
    sender = SenderId.parse(value, region=region)

    assert SenderId(value=expected, kind=kind) == sender
    assert expected == str(sender)


@pytest.mark.parametrize(
    ("value", "reason", "words"),
    [
        pytest.param(None, "missing", "no sender ID given", id="none"),
        pytest.param("  ", "missing", "no sender ID given", id="blank"),
        pytest.param(42, "wrong_type", "got int 42", id="int"),
        pytest.param(
            "12", "too_short", "short codes have 3 to 8 digits", id="2-digits"
        ),
        pytest.param(
            "VeryLongSender", "too_long", "has 14 characters", id="alpha-too-long"
        ),
        pytest.param("ACME-BANK", "invalid_characters", "contains '-'", id="dash"),
        pytest.param("Caf\u00e9", "invalid_characters", "contains 'é'", id="accent"),
        pytest.param("---", "invalid_characters", "ASCII letters", id="no-digit"),
        pytest.param(
            "+44 12",
            "invalid_long_number",
            "looks like a phone number but is not a valid one (too_short)",
            id="long-too-short",
        ),
        pytest.param(
            "447400123456",
            "invalid_long_number",
            "(needs_region)",
            id="long-without-plus",
        ),
    ],
)
def test_invalid_sender_ids(value: str, reason: str, words: str) -> None:
    with pytest.raises(InvalidSenderId) as info:
        SenderId.parse(value)

    assert reason == info.value.reason
    assert value is info.value.sender
    assert words in str(info.value)
    assert reason in typing.get_args(SenderIdReason)
    assert isinstance(info.value, InvalidInput)


def test_long_number_error_keeps_the_phone_error_as_cause() -> None:
    with pytest.raises(InvalidSenderId) as info:
        SenderId.parse("+999 1234")

    assert "invalid_country_code" == info.value.__cause__.reason  # type: ignore[union-attr]


def test_kind_prints_as_its_value() -> None:
    assert "short_code" == str(SenderIdKind.SHORT_CODE)
