"""`SenderId`: who an SMS says it is from."""

from __future__ import annotations

import enum
import re

import attrs

from smskit._exceptions import InvalidPhoneNumber, InvalidSenderId

from ._normalize import to_e164
from ._parse import quote
from ._types import SenderIdReason

__all__ = ["SenderId", "SenderIdKind"]

_ALPHANUMERIC_MAX = 11
# ASCII only: networks that accept alphanumeric senders take only these.
_ALPHANUMERIC = re.compile(r"[A-Za-z0-9 ]+")
_SHORT_CODE = re.compile(r"[0-9]{3,8}")
_TOO_SHORT_CODE = re.compile(r"[0-9]{1,2}")
# Only digits and phone punctuation: meant as a number, never as a name.
_NUMBER_LIKE = re.compile(r"[+ ().\-]*[0-9][+0-9 ().\-]*")


class SenderIdKind(str, enum.Enum):
    """The three kinds of sender ID networks know."""

    ALPHANUMERIC = "alphanumeric"
    """A name such as ``"ACME"``: 1-11 ASCII letters, digits or spaces.
    Recipients cannot reply to it, and some countries (US, CA) refuse it."""
    SHORT_CODE = "short_code"
    """A 3-8 digit number leased in one country, such as ``"12345"``."""
    LONG_NUMBER = "long_number"
    """An ordinary phone number, in E.164 form."""

    def __str__(self) -> str:
        return self.value


@attrs.frozen(kw_only=True)
class SenderId:
    """A checked sender ID; build one with `SenderId.parse`.

    Provider-specific spellings (such as Vonage's digits without ``+``) are
    the drivers' business; ``value`` is the canonical form.

    Attributes:
        value: ``"ACME"`` for alphanumeric IDs (surrounding spaces removed),
            the digits for short codes, E.164 for long numbers.
        kind: Which kind of sender ID this is.
    """

    value: str
    kind: SenderIdKind

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, value: str, *, region: str | None = None) -> SenderId:
        """Classify and check a sender ID.

        Digits only, 3 to 8 of them, make a short code. Anything else made of
        digits and phone punctuation is read as a long number with
        `to_e164`. Everything else must be an alphanumeric ID.

        Args:
            value: The sender ID, such as ``"ACME"``, ``"12345"`` or
                ``"+44 7911 123456"``.
            region: The country to read a long number without ``+`` in.

        Returns:
            The classified sender ID.

        Raises:
            InvalidSenderId: If ``value`` fits none of the three kinds;
                ``reason`` says why.

        Examples:
            >>> SenderId.parse("+44 7911 123456")
            SenderId(value='+447911123456', kind=<SenderIdKind.LONG_NUMBER: 'long_number'>)
        """  # noqa: E501 -- a doctest line cannot wrap
        text = _text(value).strip()
        if not text:
            raise _fail(value, "missing", "no sender ID given (only whitespace)")
        if _SHORT_CODE.fullmatch(text):
            return cls(value=text, kind=SenderIdKind.SHORT_CODE)
        if _TOO_SHORT_CODE.fullmatch(text):
            raise _fail(
                value,
                "too_short",
                f"sender ID {quote(value)} is too short: short codes have 3 to 8 "
                "digits",
            )
        if _NUMBER_LIKE.fullmatch(text):
            return cls(
                value=_long_number(value, text, region), kind=SenderIdKind.LONG_NUMBER
            )
        return cls(value=_alphanumeric(value, text), kind=SenderIdKind.ALPHANUMERIC)


def _fail(value: object, reason: SenderIdReason, message: str) -> InvalidSenderId:
    """Build the error for ``value``."""
    return InvalidSenderId(message, sender=value, reason=reason)


def _text(value: object) -> str:
    """Return ``value`` if it is a string, else raise the matching error."""
    if isinstance(value, str):
        return value
    if value is None:
        raise _fail(value, "missing", "no sender ID given (got None)")
    raise _fail(
        value,
        "wrong_type",
        f"expected the sender ID as a str, got {type(value).__name__} {value!r}",
    )


def _long_number(value: str, text: str, region: str | None) -> str:
    """Read a number-like sender ID as a phone number."""
    try:
        return to_e164(text, region)
    except InvalidPhoneNumber as error:
        raise _fail(
            value,
            "invalid_long_number",
            f"sender ID {quote(value)} looks like a phone number but is not a valid "
            f"one ({error.reason}): {error}",
        ) from error


def _alphanumeric(value: str, text: str) -> str:
    """Check an alphanumeric sender ID."""
    if not _ALPHANUMERIC.fullmatch(text):
        bad = sorted({char for char in text if not _ALPHANUMERIC.fullmatch(char)})
        raise _fail(
            value,
            "invalid_characters",
            f"sender ID {quote(value)} contains {', '.join(map(repr, bad))}: "
            "alphanumeric sender IDs may only use ASCII letters, digits and spaces",
        )
    if len(text) > _ALPHANUMERIC_MAX:
        raise _fail(
            value,
            "too_long",
            f"sender ID {quote(value)} has {len(text)} characters: alphanumeric "
            f"sender IDs have at most {_ALPHANUMERIC_MAX}",
        )
    return text
