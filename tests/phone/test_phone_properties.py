"""Properties of to_e164 over arbitrary input, checked with hypothesis."""

from __future__ import annotations

import phonenumbers
from hypothesis import example, given, settings
from hypothesis import strategies as st

from smskit._exceptions import InvalidPhoneNumber
from smskit.phone import normalize_many, to_e164

REGIONS = st.none() | st.sampled_from(["US", "GB", "BR", "IN", "DE", "xx", "gb", ""])
# Text built from the characters phone numbers are made of finds far more
# valid numbers than arbitrary text does.
PHONE_ALPHABET = "0123456789+-(). x#*;=tel:ext\u00a0\uff10\uff11\uff0b\u0665"
PHONE_LIKE = st.text(alphabet=PHONE_ALPHABET, max_size=30)
ANY_TEXT = st.text(max_size=60)


def outcome_of(number: str, region: str | None) -> str | InvalidPhoneNumber:
    """to_e164's result or its error; anything else propagates and fails."""
    try:
        return to_e164(number, region)
    except InvalidPhoneNumber as error:
        return error


def e164_numbers() -> st.SearchStrategy[str]:
    """Valid numbers from phonenumbers' own examples for every region."""
    examples = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        number = phonenumbers.example_number(region)
        if number is not None:
            examples.append(
                phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            )
    return st.sampled_from(examples)


@settings(max_examples=300, deadline=None)
@given(number=ANY_TEXT | PHONE_LIKE, region=REGIONS)
@example(number="+" + "1" * 300, region=None)
@example(number="tel:;phone-context=", region=None)
def test_to_e164_only_ever_raises_invalid_phone_number(
    number: str, region: str | None
) -> None:
    outcome = outcome_of(number, region)

    if isinstance(outcome, InvalidPhoneNumber):
        assert outcome.number is number
        assert outcome.reason
    else:
        assert outcome.startswith("+")
        assert outcome[1:].isascii()
        assert outcome[1:].isdigit()
        assert len(outcome) - 1 <= 15  # the E.164 maximum


@settings(max_examples=300, deadline=None)
@given(number=ANY_TEXT | PHONE_LIKE | e164_numbers(), region=REGIONS)
def test_to_e164_is_idempotent_on_its_output(number: str, region: str | None) -> None:
    try:
        once = to_e164(number, region)
    except InvalidPhoneNumber:
        return

    assert once == to_e164(once)
    assert once == to_e164(once, region)


@settings(max_examples=50, deadline=None)
@given(numbers=st.lists(PHONE_LIKE | e164_numbers(), max_size=20), region=REGIONS)
def test_normalize_many_agrees_with_to_e164(
    numbers: list[str], region: str | None
) -> None:
    for number, result in zip(numbers, normalize_many(numbers, region), strict=True):
        outcome = outcome_of(number, region)
        if isinstance(outcome, InvalidPhoneNumber):
            assert (outcome.reason, str(outcome)) == (result.reason, result.message)
        else:
            assert outcome == result.e164
