"""`PhoneNumber`: a validated number and the facts phonenumbers knows about it."""

from __future__ import annotations

import attrs
import phonenumbers
from phonenumbers import PhoneNumberFormat

from ._parse import number_type
from ._types import SMS_CAPABLE_TYPES, NumberType

__all__ = ["NON_GEOGRAPHIC_REGION", "PhoneNumber", "describe"]

NON_GEOGRAPHIC_REGION = "001"
"""The region of numbers that belong to no country (+800, +808, +870, +881, +882…)."""

_NANP_CODE = 1
_UNKNOWN_ZONE = "Etc/Unknown"


@attrs.frozen(kw_only=True)
class PhoneNumber:
    """A valid phone number, with what its numbering plan says about it.

    Build one with `smskit.phone.parse`; ``str(number)`` is the E.164 form.

    Attributes:
        e164: The number in E.164 form, such as ``"+442079460958"``.
        country_code: The country calling code, such as ``44``.
        region: The ISO 3166-1 alpha-2 region, such as ``"GB"``; ``"001"`` for
            non-geographic numbers such as +800 and +882.
        national_number: The national significant number: the digits after the
            country code, without any national trunk prefix (``"2079460958"``).
        number_type: The kind of line the number range is allocated to.
        international: Formatted for display abroad (``"+44 20 7946 0958"``).
        national: Formatted for display at home (``"020 7946 0958"``).
        time_zones: IANA time-zone names for the number, most specific first
            available from phonenumbers; empty when none is known.
        carrier: The carrier the range was originally allocated to, in English,
            when phonenumbers knows it. Numbers may have been ported since.
    """

    e164: str
    country_code: int
    region: str
    national_number: str
    number_type: NumberType
    international: str
    national: str
    time_zones: tuple[str, ...] = ()
    carrier: str | None = None

    def __str__(self) -> str:
        return self.e164

    @property
    def is_mobile(self) -> bool:
        """Whether the number is certainly a mobile number.

        False for ``FIXED_LINE_OR_MOBILE`` numbers (all of the US and Canada),
        whose plan does not say; use `can_receive_sms` to decide about SMS.
        """
        return self.number_type is NumberType.MOBILE

    @property
    def can_receive_sms(self) -> bool:
        """Whether the number may receive SMS: a mobile or fixed-line-or-mobile number.

        This is the test ``NumberPolicy(mobile_only=True)`` applies. It reads
        the numbering plan only, so a US landline still passes and will fail
        at the provider.
        """
        return self.number_type in SMS_CAPABLE_TYPES


def describe(
    numobj: phonenumbers.PhoneNumber, kind: NumberType | None = None
) -> PhoneNumber:
    """Collect the facts about a number already known to be valid.

    ``kind`` is its type when already known (classifying costs as much as
    validating).
    """
    if kind is None:
        kind = number_type(numobj)
    return PhoneNumber(
        e164=phonenumbers.format_number(numobj, PhoneNumberFormat.E164),
        # A valid number always has a country code; 0 only satisfies typing.
        country_code=numobj.country_code or 0,
        region=phonenumbers.region_code_for_number(numobj) or NON_GEOGRAPHIC_REGION,
        national_number=phonenumbers.national_significant_number(numobj),
        number_type=kind,
        international=phonenumbers.format_number(
            numobj, PhoneNumberFormat.INTERNATIONAL
        ),
        national=phonenumbers.format_number(numobj, PhoneNumberFormat.NATIONAL),
        time_zones=_time_zones(numobj),
        carrier=_carrier(numobj),
    )


def _time_zones(numobj: phonenumbers.PhoneNumber) -> tuple[str, ...]:
    """The number's IANA zones, narrowed by area code within +1."""
    # Imported here because loading the prefix tables costs ~20 ms, which
    # plain to_e164() users should not pay at import time.
    from phonenumbers import timezone  # noqa: PLC0415

    if numobj.country_code == _NANP_CODE:
        # phonenumbers gives non-geographic types (every Caribbean mobile) the
        # whole +1 list of 42 zones, yet NANP area codes are geographic for
        # all lines; the area-code lookup falls back to the full list itself.
        zones = timezone.time_zones_for_geographical_number(numobj)
    else:
        zones = timezone.time_zones_for_number(numobj)
    return tuple(zone for zone in zones if zone != _UNKNOWN_ZONE)


def _carrier(numobj: phonenumbers.PhoneNumber) -> str | None:
    """The original carrier's English name, or None when unknown."""
    from phonenumbers import carrier  # noqa: PLC0415 -- see _time_zones

    return carrier.name_for_number(numobj, "en") or None
