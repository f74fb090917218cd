"""Log and repr masking helpers."""

from __future__ import annotations

import re

import httpx
import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from smskit._redact import _COUNTRY_CODES, MASK, mask_body, mask_phone, safe_url

M = "\u2022\u2022\u2022"  # spelled out, so a change of MASK shows up here
# Digits 0-9 to Arabic-Indic digits U+0660-U+0669, which phonenumbers reads.
ARABIC_INDIC = str.maketrans("0123456789", "".join(map(chr, range(0x660, 0x66A))))


def example_numbers() -> list[phonenumbers.PhoneNumber]:
    """Every example number phonenumbers has: each region and type, non-geo too."""
    numbers = [
        phonenumbers.example_number_for_type(region, kind)
        for region in sorted(phonenumbers.SUPPORTED_REGIONS)
        for kind in vars(PhoneNumberType).values()
        if isinstance(kind, int)
    ]
    numbers += [
        phonenumbers.example_number_for_non_geo_entity(code)
        for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS)
    ]
    return [number for number in numbers if number is not None]


EXAMPLES = example_numbers()
# "+", the country code, the mask, then the shown tail of the national number.
MASKED_E164 = re.compile(r"\+(\d{1,3})" + M + r"(\d*)")


def allowed_shown(nsn_digits: int) -> int:
    """The documented rule, restated: at most 4 shown, at least half and 3 hidden."""
    hidden = max(min(3, nsn_digits), -(-nsn_digits // 2))
    return min(4, nsn_digits - hidden)


def e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+14155552671", f"+1{M}2671"),
        ("+447911123456", f"+44{M}3456"),
        ("+390212345678", f"+39{M}5678"),  # the leading 0 is part of the number
        ("+35312345", f"+353{M}45"),  # 5 national digits: 2 shown
        ("+2906677", f"+290{M}7"),  # St Helena, 4 national digits: 1 shown
        ("+683123", f"+683{M}"),  # 3 national digits: none shown
        ("+883510012345", f"+883{M}2345"),  # a non-geographic code
        ("+9991234567", f"+{M}4567"),  # no such country code
        ("+", f"+{M}"),
        ("+1 (415) 555-2671", f"+1{M}2671"),
        ("whatsapp:+14155552671", f"+1{M}2671"),
        ("\uff0b44 7911 123456", f"+44{M}3456"),  # full-width plus
        ("+447911123456".translate(ARABIC_INDIC), f"+44{M}3456"),
        ("07911123456", f"{M}3456"),  # trunk 0 + 10 digits: 4 shown
        ("(415) 555-2671", f"{M}2671"),
        ("14155552671", f"{M}2671"),  # Vonage's digits without "+"
        ("12345", f"{M}5"),  # a short code: 1 shown
        ("1234", M),
        ("12", M),
        ("ACME", "ACME"),  # alphanumeric sender IDs are shown whole
        ("Shop 24", "Shop 24"),
        ("A1234567890", "A1234567890"),  # 11 characters: still a sender ID
        ("A12345678901", f"{M}8901"),  # 12: too long to be one, so a number
        ("john@example.com", M),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(number: str | None, masked: str) -> None:
    assert masked == mask_phone(number)


def test_mask_is_the_bullets() -> None:
    assert M == MASK


def hides_enough(number: phonenumbers.PhoneNumber) -> bool:
    """Whether the E.164 spelling of ``number`` is masked as documented."""
    nsn = phonenumbers.national_significant_number(number)
    match = MASKED_E164.fullmatch(mask_phone(e164(number)))
    if match is None:
        return False
    code, tail = match.groups()
    hidden = len(nsn) - len(tail)
    return (
        str(number.country_code) == code
        and nsn.endswith(tail)
        and len(tail) <= allowed_shown(len(nsn))
        and hidden >= min(3, len(nsn))
        and hidden >= len(nsn) / 2
    )


def other_spellings_agree(number: phonenumbers.PhoneNumber) -> bool:
    """Whether the international, RFC 3966 and national spellings mask as well."""
    expected = mask_phone(e164(number))
    if any(
        expected != mask_phone(phonenumbers.format_number(number, style))
        for style in (PhoneNumberFormat.INTERNATIONAL, PhoneNumberFormat.RFC3966)
    ):
        return False
    # Without "+" neither the country code nor the trunk prefix is known: the
    # national spelling must still hide enough of the national number.
    national = mask_phone(
        phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    )
    nsn = phonenumbers.national_significant_number(number)
    return national.startswith(M) and len(national) - len(M) <= allowed_shown(len(nsn))


# One test over all ~1,400 examples rather than one test each: seconds faster.
def test_every_example_number_hides_enough() -> None:
    assert len(EXAMPLES) > 1000
    assert [] == [e164(number) for number in EXAMPLES if not hides_enough(number)]


def test_every_spelling_of_an_example_hides_enough() -> None:
    failed = [e164(number) for number in EXAMPLES if not other_spellings_agree(number)]
    assert [] == failed


def test_country_codes_match_phonenumbers() -> None:
    # smskit._redact keeps its own table so that only smskit.phone imports
    # phonenumbers; a phonenumbers upgrade that assigns a code shows up here.
    assert {str(code) for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE} == set(
        _COUNTRY_CODES
    )


def test_country_codes_are_prefix_free() -> None:
    # mask_phone takes the first 1-3 digits that are a known country code.
    codes = sorted(_COUNTRY_CODES)
    assert not [(a, b) for a in codes for b in codes if a != b and b.startswith(a)]


@given(
    plus=st.sampled_from(["", "+"]),
    digits=st.text(alphabet="0123456789", max_size=20),
)
def test_digits_hide_at_least_half_and_three(plus: str, digits: str) -> None:
    masked = mask_phone(plus + digits)
    if not digits and not plus:
        assert "" == masked
        return
    shown = masked.rsplit(M, 1)[1]
    assert digits.endswith(shown)
    # Without "+" the first digit may be a trunk prefix, so it counts for nothing.
    counted = len(digits) if plus else max(0, len(digits) - 1)
    country = len(masked.split(M)[0]) - len(plus)
    assert len(shown) <= allowed_shown(counted - country)


@given(st.text(max_size=40))
def test_any_text_is_masked_or_a_sender_id(text: str) -> None:
    masked = mask_phone(text)
    if re.fullmatch(r"[A-Za-z0-9 ]{1,11}", text) and re.search(r"[A-Za-z]", text):
        assert text == masked
    elif text:
        assert M in masked
        assert len(masked) <= len("+123") + len(M) + 4
    else:
        assert "" == masked


def test_mask_body() -> None:
    assert "<5 characters>" == mask_body("hello")
    assert "" == mask_body(None)


def test_safe_url_drops_credentials_and_query() -> None:
    url = httpx.URL("https://user:pass@api.example.com/a/b?api_secret=x#frag")
    assert "https://api.example.com/a/b" == safe_url(url)
