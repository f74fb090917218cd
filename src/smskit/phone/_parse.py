"""Turn what people type into a validated phonenumbers object, or explain why not.

Everything here raises `InvalidPhoneNumber` with a precise ``reason``; no
phonenumbers exception ever escapes.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType, ValidationResult

from smskit._exceptions import InvalidPhoneNumber

from ._types import NumberType, PhoneNumberReason

__all__ = [
    "E164_MAX_DIGITS",
    "fail",
    "number_type",
    "quote",
    "typed_number",
    "valid_number",
]

_MAX_QUOTE = 60
# ITU-T E.164 caps a number at 15 digits, country code included. phonenumbers
# knows ranges that break it (German numbers of up to 17 digits, national-only
# toll-free numbers in Japan, Indonesia and Nigeria), which no provider takes.
E164_MAX_DIGITS = 15
# Common mistakes for ISO 3166 codes, suggested in the error message.
_REGION_HINTS = {"UK": "GB", "EN": "GB", "EL": "GR"}
# A leading international call prefix ("00" in most of the world, "011" in
# North America) that phonenumbers can only read once it knows the region.
_IDD_PREFIX = re.compile(r"\D*(?:00|011)")
_PLUS_SIGNS = ("+", "\uff0b")  # ASCII and full-width plus
# Region codes in either case, so checking one is a single dict lookup.
_REGION_CODES = {
    spelling: code
    for code in phonenumbers.SUPPORTED_REGIONS
    for spelling in (code, code.lower())
}

_NUMBER_TYPES = {
    PhoneNumberType.MOBILE: NumberType.MOBILE,
    PhoneNumberType.FIXED_LINE: NumberType.FIXED_LINE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: NumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.VOIP: NumberType.VOIP,
    PhoneNumberType.TOLL_FREE: NumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE: NumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST: NumberType.SHARED_COST,
    PhoneNumberType.PERSONAL_NUMBER: NumberType.PERSONAL_NUMBER,
    PhoneNumberType.PAGER: NumberType.PAGER,
    PhoneNumberType.UAN: NumberType.UAN,
    PhoneNumberType.VOICEMAIL: NumberType.VOICEMAIL,
}


def quote(number: str) -> str:
    """Quote user input for a message, shortened so errors stay readable."""
    if len(number) > _MAX_QUOTE:
        return repr(number[:_MAX_QUOTE]) + "..."
    return repr(number)


def fail(number: object, reason: PhoneNumberReason, message: str) -> InvalidPhoneNumber:
    """Build the error for ``number``; a helper so every raise reads the same."""
    return InvalidPhoneNumber(message, number=number, reason=reason)


def number_type(numobj: phonenumbers.PhoneNumber) -> NumberType:
    """Classify a valid number, mapping phonenumbers' ints onto `NumberType`."""
    return _NUMBER_TYPES.get(phonenumbers.number_type(numobj), NumberType.UNKNOWN)


def valid_number(number: str, region: str | None) -> phonenumbers.PhoneNumber:
    """Parse ``number`` and check it is a valid, extension-free phone number.

    Args:
        number: The text as the user typed it.
        region: The ISO 3166-1 alpha-2 region to read national numbers in.

    Returns:
        The parsed phonenumbers object.

    Raises:
        InvalidPhoneNumber: With the exact reason the number is unusable.
    """
    return typed_number(number, region)[0]


def typed_number(
    number: str, region: str | None
) -> tuple[phonenumbers.PhoneNumber, NumberType]:
    """Like `valid_number`, also returning the number's type, found on the way.

    phonenumbers decides validity by classifying the number (a valid number
    is one whose type is known), so asking for the type costs nothing more,
    while asking ``number_type`` afterwards would classify it again.

    Raises:
        InvalidPhoneNumber: With the exact reason the number is unusable.
    """
    if not number or number.isspace():
        got = "only whitespace" if number else "an empty string"
        raise fail(number, "missing", f"no phone number given ({got})")
    region_code = _region(number, region)
    try:
        # phonenumbers skips surrounding whitespace and labels itself.
        numobj = phonenumbers.parse(number, region_code)
    except NumberParseException as exc:
        raise _parse_error(number, region_code, exc) from None
    if numobj.extension:
        raise fail(
            number,
            "extension_not_allowed",
            f"{quote(number)} has an extension ({numobj.extension}); "
            "an SMS cannot be sent to an extension",
        )
    _check_e164_length(number, numobj)
    # The same verdict as phonenumbers.is_valid_number, which is exactly
    # "number_type is not UNKNOWN" (for every region and country code).
    kind = phonenumbers.number_type(numobj)
    if kind == PhoneNumberType.UNKNOWN:
        raise _invalid_error(number, numobj, region_code)
    return numobj, _NUMBER_TYPES.get(kind, NumberType.UNKNOWN)


def _check_e164_length(number: str, numobj: phonenumbers.PhoneNumber) -> None:
    """Refuse a number longer than E.164 allows, valid or not.

    Raises:
        InvalidPhoneNumber: ``"too_long"``, over 15 digits.
    """
    code = str(numobj.country_code)
    national = phonenumbers.national_significant_number(numobj)
    digits = len(code) + len(national)
    if digits > E164_MAX_DIGITS:
        raise fail(
            number,
            "too_long",
            f"{quote(number)} is too long: E.164 allows at most "
            f"{E164_MAX_DIGITS} digits, country code included, and it has "
            f"{digits} (+{code} and {len(national)} after it)",
        )


def _region(number: str, region: str | None) -> str | None:
    """Upper-case and check the caller's default region."""
    if region is None:
        return None
    code = _REGION_CODES.get(region) or _REGION_CODES.get(region.upper())
    if code is not None:
        return code
    hint = _REGION_HINTS.get(region.upper())
    suggestion = f"; did you mean {hint!r}?" if hint else ""
    raise fail(
        number,
        "unknown_region",
        f"unknown region {region!r} for {quote(number)}: expected an ISO 3166-1 "
        f"alpha-2 country code such as 'US' or 'GB'{suggestion}",
    )


def _parse_error(
    number: str, region: str | None, exc: NumberParseException
) -> InvalidPhoneNumber:
    """Translate phonenumbers' parse failure into our vocabulary."""
    q = quote(number)
    if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
        if region is None and not _has_plus(number):
            return _needs_region(number)
        return fail(
            number,
            "invalid_country_code",
            f"{q} does not start with a valid country calling code",
        )
    if exc.error_type == NumberParseException.TOO_LONG:
        return fail(
            number,
            "too_long",
            f"{q} is too long to be a phone number: E.164 allows at most "
            f"{E164_MAX_DIGITS} digits, country code included",
        )
    digits = sum(char.isdigit() for char in number)
    if exc.error_type == NumberParseException.NOT_A_NUMBER and digits == 0:
        return fail(number, "not_a_number", f"{q} contains no digits")
    if exc.error_type == NumberParseException.NOT_A_NUMBER and digits > 2:
        return fail(
            number,
            "not_a_number",
            f"{q} does not look like a phone number: it has letters or symbols "
            "that are not part of one",
        )
    # TOO_SHORT_NSN, TOO_SHORT_AFTER_IDD, and NOT_A_NUMBER with one or two
    # digits: all mean "not enough digits to be a number".
    return fail(number, "too_short", f"{q} is too short to be a phone number")


def _needs_region(number: str) -> InvalidPhoneNumber:
    """Explain that a national (or 00-prefixed) number needs a region."""
    q = quote(number)
    if _IDD_PREFIX.match(number):
        detail = (
            f"{q} starts with an international call prefix, which differs by "
            "country; write '+' instead of the prefix, or pass region= (the "
            "country it is dialled from)"
        )
    else:
        detail = (
            f"{q} has no country code; write it with '+' and the country code "
            "(such as +44 20 7946 0958), or pass region= (such as region='GB')"
        )
    return fail(number, "needs_region", detail)


def _invalid_error(
    number: str, numobj: phonenumbers.PhoneNumber, region: str | None
) -> InvalidPhoneNumber:
    """Explain why a number that parsed is still not a valid number."""
    q = quote(number)
    where = f"+{numobj.country_code}"
    nsn = phonenumbers.national_significant_number(numobj)
    have = f"it has {len(nsn)} digits after the country code {where}"
    lengths = f"numbers there have {_possible_lengths(numobj)}"
    possible = phonenumbers.is_possible_number_with_reason(numobj)
    if possible == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        return fail(
            number,
            "too_short",
            f"{q} is too short: {have}, and {lengths} (it may be a local "
            "number, missing its area code)",
        )
    if possible == ValidationResult.TOO_SHORT:
        return fail(number, "too_short", f"{q} is too short: {have}, and {lengths}")
    if possible == ValidationResult.TOO_LONG:
        return fail(number, "too_long", f"{q} is too long: {have}, and {lengths}")
    if possible == ValidationResult.INVALID_LENGTH:
        return fail(
            number, "invalid_length", f"{q} has the wrong length: {have}, and {lengths}"
        )
    # IS_POSSIBLE remains (INVALID_COUNTRY_CODE cannot: parsing checked it).
    place = f"region {region}" if region and not _has_plus(number) else where
    return fail(
        number,
        "invalid_for_region",
        f"{q} is not a valid number for {place}: no number range there "
        "matches these digits",
    )


def _has_plus(number: str) -> bool:
    """Whether the input carries a country code marker."""
    return any(sign in number for sign in _PLUS_SIGNS)


def _possible_lengths(numobj: phonenumbers.PhoneNumber) -> str:
    """Describe the national number lengths a country allows, for messages."""
    # A parsed number always has a country code; 0 just finds no metadata.
    code = numobj.country_code or 0
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
        code, phonenumbers.region_code_for_country_code(code)
    )
    general = metadata.general_desc if metadata else None
    # Lengths past the E.164 cap are refused whatever the plan says.
    most = E164_MAX_DIGITS - len(str(code))
    lengths = sorted(n for n in general.possible_length if n <= most) if general else []
    if not lengths:
        return "a different length"
    if len(lengths) > 2 and lengths == list(range(lengths[0], lengths[-1] + 1)):
        return f"{lengths[0]} to {lengths[-1]} digits"
    words = [str(length) for length in lengths]
    if len(words) == 1:
        return f"{words[0]} digits"
    return f"{', '.join(words[:-1])} or {words[-1]} digits"


def known_region(region: str) -> str | None:
    """The canonical code of a default region, or ``None`` if it is unknown."""
    return _REGION_CODES.get(region) or _REGION_CODES.get(region.upper())


def region_hint(region: str) -> str | None:
    """The code people usually mean by a common mistake (``"UK"`` → ``"GB"``)."""
    return _REGION_HINTS.get(region.upper())
