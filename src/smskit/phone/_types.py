"""Small shared vocabularies: number types and the closed sets of error reasons."""

from __future__ import annotations

import enum
from typing import Literal

PhoneNumberReason = Literal[
    "missing",
    "wrong_type",
    "unknown_region",
    "not_a_number",
    "too_short",
    "too_long",
    "invalid_length",
    "invalid_country_code",
    "needs_region",
    "invalid_for_region",
    "extension_not_allowed",
    "country_not_allowed",
    "type_not_allowed",
    "not_mobile",
]
"""Every value `InvalidPhoneNumber.reason` can take (see the user guide's table)."""

SenderIdReason = Literal[
    "missing",
    "wrong_type",
    "too_short",
    "too_long",
    "invalid_characters",
    "invalid_long_number",
]
"""Every value `InvalidSenderId.reason` can take (see the user guide's table)."""


class NumberType(str, enum.Enum):
    """What kind of line a number belongs to, according to its numbering plan.

    The classification comes from the number ranges each country publishes, so
    it describes the range a number was allocated from, not the line it may
    have been ported to.
    """

    MOBILE = "mobile"
    FIXED_LINE = "fixed_line"
    # Countries such as the US, Canada and China use the same ranges for both,
    # so the plan alone cannot tell them apart.
    FIXED_LINE_OR_MOBILE = "fixed_line_or_mobile"
    VOIP = "voip"
    TOLL_FREE = "toll_free"
    PREMIUM_RATE = "premium_rate"
    SHARED_COST = "shared_cost"
    PERSONAL_NUMBER = "personal_number"
    PAGER = "pager"
    UAN = "uan"
    VOICEMAIL = "voicemail"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value

    @property
    def description(self) -> str:
        """A short English phrase for messages, such as ``"premium-rate"``."""
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    NumberType.MOBILE: "mobile",
    NumberType.FIXED_LINE: "fixed-line",
    NumberType.FIXED_LINE_OR_MOBILE: "fixed-line-or-mobile",
    NumberType.VOIP: "VoIP",
    NumberType.TOLL_FREE: "toll-free",
    NumberType.PREMIUM_RATE: "premium-rate",
    NumberType.SHARED_COST: "shared-cost",
    NumberType.PERSONAL_NUMBER: "personal (follow-me)",
    NumberType.PAGER: "pager",
    NumberType.UAN: "universal access (UAN)",
    NumberType.VOICEMAIL: "voicemail",
    NumberType.UNKNOWN: "unknown-type",
}

SMS_CAPABLE_TYPES = frozenset({NumberType.MOBILE, NumberType.FIXED_LINE_OR_MOBILE})
"""Types that `mobile_only` accepts and `PhoneNumber.can_receive_sms` reports.

FIXED_LINE_OR_MOBILE is included because whole numbering plans (all of +1)
use it: excluding it would reject every US and Canadian number.
"""
