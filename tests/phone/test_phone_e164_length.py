"""No path of smskit.phone yields more digits than E.164 allows (15).

phonenumbers' metadata holds ranges longer than that: German fixed-line and
toll-free numbers of 16 and 17 digits, and national-only toll-free and UAN
numbers in Nigeria. ``phonenumbers.is_valid_number`` accepts every number
below (checked in the first test), and no provider or SMS network takes them.
"""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smskit import InvalidPhoneNumber, InvalidSenderId
from smskit.phone import NumberPolicy, SenderId, normalize_many, parse, to_e164

E164_MAX_DIGITS = 15  # ITU-T E.164, country code included

OVER_15 = [
    # Berlin fixed line, 14 digits after +49: 16 in all.
    pytest.param("+49 30 123456789012", None, 16, id="DE-berlin-16"),
    pytest.param("030 123456789012", "DE", 16, id="DE-berlin-16-national"),
    # Berlin, Hamburg, Munich, Frankfurt: 15 digits after +49, 17 in all.
    pytest.param("+49 30 1234567890123", None, 17, id="DE-berlin-17"),
    pytest.param("+49 40 1234567890123", None, 17, id="DE-hamburg-17"),
    pytest.param("+49 89 1234567890123", None, 17, id="DE-munich-17"),
    pytest.param("0049 69 1234567890123", "FR", 17, id="DE-frankfurt-00-from-FR"),
    # German toll-free (0800), 17 digits.
    pytest.param("+49 800 123456789012", None, 17, id="DE-toll-free-17"),
    # Nigerian UAN (0700), 14 digits after +234: 17 in all.
    pytest.param("+234 700 12345678901", None, 17, id="NG-uan-17"),
]
# The longest numbers that still fit: exactly 15 digits.
AT_15 = [
    pytest.param("+49 30 12345678901", "+493012345678901", id="DE-berlin-15"),
    pytest.param("+49 800 1234567890", "+498001234567890", id="DE-toll-free-15"),
]


@pytest.mark.parametrize(("number", "region", "digits"), OVER_15)
def test_phonenumbers_itself_accepts_them(
    number: str, region: str | None, digits: int
) -> None:
    """Guards the premise: if phonenumbers drops these ranges, say so here."""
    numobj = phonenumbers.parse(number, region)
    e164 = phonenumbers.format_number(numobj, phonenumbers.PhoneNumberFormat.E164)

    assert phonenumbers.is_valid_number(numobj)
    assert digits == len(e164) - 1


@pytest.mark.parametrize(("number", "region", "digits"), OVER_15)
def test_to_e164_refuses_them(number: str, region: str | None, digits: int) -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        to_e164(number, region)

    assert "too_long" == caught.value.reason
    assert number is caught.value.number
    assert "E.164 allows at most 15 digits" in str(caught.value)
    assert f"it has {digits} " in str(caught.value)


@pytest.mark.parametrize(("number", "region", "digits"), OVER_15)
def test_parse_refuses_them(number: str, region: str | None, digits: int) -> None:
    with pytest.raises(InvalidPhoneNumber, match="at most 15 digits") as caught:
        parse(number, region)

    assert "too_long" == caught.value.reason


def test_the_memo_keeps_refusing() -> None:
    """A remembered failure is raised again, never turned into a result."""
    number = "+49 30 1234567890123"
    for _ in range(3):
        with pytest.raises(InvalidPhoneNumber, match="at most 15 digits"):
            to_e164(number)
        with pytest.raises(InvalidPhoneNumber, match="at most 15 digits"):
            parse(number)
        with pytest.raises(InvalidPhoneNumber, match="at most 15 digits"):
            to_e164(number, policy=NumberPolicy(allowed_regions={"DE"}))


def test_normalize_many_reports_them() -> None:
    numbers = ["+49 30 123456789012", "+49 30 12345678901", "+49 30 123456789012"]

    results = normalize_many(numbers)

    assert [None, "+493012345678901", None] == [result.e164 for result in results]
    assert ["too_long", None, "too_long"] == [result.reason for result in results]
    error = results[0].error
    assert error is not None
    assert "at most 15 digits" in str(error)


def test_a_sender_id_cannot_be_one() -> None:
    with pytest.raises(InvalidSenderId, match="too_long") as caught:
        SenderId.parse("+49 30 1234567890123")

    assert "invalid_long_number" == caught.value.reason


@pytest.mark.parametrize(("number", "e164"), AT_15)
def test_fifteen_digits_still_fit(number: str, e164: str) -> None:
    assert e164 == to_e164(number)
    assert e164 == parse(number).e164
    assert [e164] == [result.e164 for result in normalize_many([number])]


def test_lengths_in_messages_stop_at_the_cap() -> None:
    """Germany's plan allows 4 to 15 digits after +49; E.164 leaves 13."""
    with pytest.raises(InvalidPhoneNumber, match="numbers there have 4 to 13 digits"):
        to_e164("+49 12")


# Berlin numbers of every length phonenumbers might accept, and more.
BERLIN = (
    st.integers(1, 16)
    .flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n))
    .map(lambda digits: "+4930" + digits)
)


@settings(max_examples=200, deadline=None)
@given(BERLIN)
def test_no_path_yields_more_than_15_digits(number: str) -> None:
    results = normalize_many([number])
    if len(number) - 1 > E164_MAX_DIGITS:
        assert ["too_long"] == [result.reason for result in results]
        with pytest.raises(InvalidPhoneNumber, match="at most 15 digits"):
            to_e164(number)
        with pytest.raises(InvalidPhoneNumber, match="at most 15 digits"):
            parse(number)
    elif results[0].ok:
        # Within the cap smskit agrees with phonenumbers.
        assert number == results[0].e164 == to_e164(number) == parse(number).e164
