"""`NumberPolicy`: which destinations a sender is willing to pay for."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import attrs
import phonenumbers

from smskit._exceptions import ConfigurationError

from ._models import NON_GEOGRAPHIC_REGION, PhoneNumber
from ._parse import fail, quote
from ._types import SMS_CAPABLE_TYPES, NumberType

__all__ = ["NumberPolicy"]


def _regions(value: Iterable[str]) -> frozenset[str]:
    """Convert a collection of region codes, refusing unknown ones."""
    if isinstance(value, str):
        # A bare "US" would otherwise become {"U", "S"}.
        msg = f"expected a collection of region codes such as {{{value!r}}}, got a str"
        raise ConfigurationError(msg)
    regions = frozenset(code.upper() for code in value)
    unknown = sorted(regions - phonenumbers.SUPPORTED_REGIONS - {NON_GEOGRAPHIC_REGION})
    if unknown:
        msg = f"unknown region codes {unknown}: expected ISO 3166-1 alpha-2 codes"
        raise ConfigurationError(msg)
    return regions


def _optional_regions(value: Iterable[str] | None) -> frozenset[str] | None:
    """Like `_regions`, keeping None (meaning "every region")."""
    return None if value is None else _regions(value)


def _types(value: Iterable[NumberType | str]) -> frozenset[NumberType]:
    """Convert number types, accepting their string values too."""
    if isinstance(value, str):
        msg = f"expected a collection of number types such as {{{value!r}}}, got a str"
        raise ConfigurationError(msg)
    try:
        return frozenset(NumberType(kind) for kind in value)
    except ValueError as error:
        known = ", ".join(kind.value for kind in NumberType)
        msg = f"{error}; the number types are: {known}"
        raise ConfigurationError(msg) from None


@attrs.frozen(kw_only=True, cache_hash=True)
class NumberPolicy:
    """Which destinations to accept, checked after a number is found valid.

    A client holds one policy and applies it to every recipient; pass it as
    ``policy=`` to `to_e164`, `parse` or `normalize_many`. Checks run in this
    order and the first failure is reported: region, then number type, then
    ``mobile_only``.

    Attributes:
        mobile_only: Reject numbers that cannot receive SMS: only ``MOBILE``
            and ``FIXED_LINE_OR_MOBILE`` pass (the latter because whole plans,
            such as +1, use it for every number).
        allow_voip: With ``mobile_only``, also accept ``VOIP`` numbers. Off by
            default: many VoIP ranges cannot receive SMS, and they are a common
            tool of SMS-pumping fraud.
        allowed_regions: If set, only these ISO 3166-1 alpha-2 regions are
            accepted ("001" stands for non-geographic numbers such as +882).
            Codes are case-insensitive. ``None`` accepts every region.
        denied_regions: Regions never accepted, even if also allowed.
        denied_types: Number types never accepted, as `NumberType` members or
            their values (``"premium_rate"``). Premium-rate by default,
            because no legitimate SMS goes to one and they are a fraud vector.

    Raises:
        ConfigurationError: If a region code is unknown, or a single string
            is given where a collection is expected.
    """

    mobile_only: bool = False
    allow_voip: bool = False
    allowed_regions: frozenset[str] | None = attrs.field(
        default=None, converter=_optional_regions
    )
    denied_regions: frozenset[str] = attrs.field(
        default=frozenset(), converter=_regions
    )
    denied_types: frozenset[NumberType] = attrs.field(
        default=frozenset({NumberType.PREMIUM_RATE}), converter=_types
    )

    def check(self, number: PhoneNumber) -> None:
        """Check an already parsed number against this policy.

        Args:
            number: A number from `parse`.

        Raises:
            InvalidPhoneNumber: With reason ``"country_not_allowed"``,
                ``"type_not_allowed"`` or ``"not_mobile"``.
        """
        self._enforce(number.e164, number.region, lambda: number.number_type)

    def _enforce(
        self, number: str, region: str, number_type: Callable[[], NumberType]
    ) -> None:
        """Check facts about ``number``, computing its type only if needed.

        Args:
            number: The input as given, quoted in the error.
            region: The number's region code.
            number_type: Returns the number's type.

        Raises:
            InvalidPhoneNumber: If the policy refuses the number.
        """
        self._check_region(number, region)
        if not (self.mobile_only or self.denied_types):
            return  # skip the type lookup, which costs as much as validation
        kind = number_type()
        if kind in self.denied_types:
            raise fail(
                number,
                "type_not_allowed",
                f"{quote(number)} is a {kind.description} number, and this "
                f"policy blocks {kind.description} numbers",
            )
        if self.mobile_only and not self._can_receive_sms(kind):
            hint = ""
            if kind is NumberType.VOIP:
                hint = "; set allow_voip=True to accept VoIP numbers"
            raise fail(
                number,
                "not_mobile",
                f"{quote(number)} is a {kind.description} number, which cannot "
                f"receive SMS (the policy has mobile_only=True){hint}",
            )

    def _check_region(self, number: str, region: str) -> None:
        """Apply the deny-list, then the allow-list."""
        if region in self.denied_regions:
            why = f"{region} is on the policy's denied_regions"
        elif self.allowed_regions is not None and region not in self.allowed_regions:
            why = f"{region} is not in the policy's allowed_regions"
        else:
            return
        raise fail(
            number,
            "country_not_allowed",
            f"{quote(number)} is a number in region {region}, and {why}",
        )

    def _can_receive_sms(self, kind: NumberType) -> bool:
        return kind in SMS_CAPABLE_TYPES or (
            self.allow_voip and kind is NumberType.VOIP
        )
