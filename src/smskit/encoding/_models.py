"""Value types returned by :func:`smskit.encoding.analyze`.

:class:`SegmentInfo` and :class:`Segment` are tuples with named fields rather
than attrs classes: just as immutable, but made by the tuple type's own C
constructor, which no Python ``__init__`` or ``__new__`` can match, and that is
most of what ``analyze()`` costs on a typical message. (A ``NamedTuple`` has a
Python ``__new__``; these, like ``time.struct_time``, are built from one
sequence instead.)
"""

from __future__ import annotations

import enum
import unicodedata
from typing import Any, ClassVar

import attrs
from typing_extensions import Self

from smskit.encoding._gsm7 import NON_GSM_RE

__all__ = [
    "Encoding",
    "NationalLanguage",
    "NonGsmCharacter",
    "Segment",
    "SegmentInfo",
    "SmartEncodingResult",
    "character_name",
]


class Encoding(str, enum.Enum):
    """The character encoding an SMS is sent in."""

    GSM7 = "GSM-7"
    UCS2 = "UCS-2"

    def __str__(self) -> str:
        return self.value


class NationalLanguage(str, enum.Enum):
    """A national language shift table of 3GPP TS 23.038 Annex A.

    The value is the language's ISO 639-1 code; :attr:`nli` is the National
    Language Identifier sent in the message header. Spanish has only a single
    shift table; every other language has both a locking and a single shift
    table.
    """

    TURKISH = "tr"
    SPANISH = "es"
    PORTUGUESE = "pt"
    BENGALI = "bn"
    GUJARATI = "gu"
    HINDI = "hi"
    KANNADA = "kn"
    MALAYALAM = "ml"
    ORIYA = "or"
    PUNJABI = "pa"
    TAMIL = "ta"
    TELUGU = "te"
    URDU = "ur"

    def __str__(self) -> str:
        return self.value

    @property
    def nli(self) -> int:
        """The National Language Identifier (1 for Turkish … 13 for Urdu)."""
        return list(NationalLanguage).index(self) + 1


class _Record:
    """Named-field helpers for a tuple subclass built from one sequence."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]]

    def __repr__(self) -> str:
        values = zip(self._fields, self, strict=True)  # type: ignore[call-overload]
        fields = ", ".join(f"{name}={value!r}" for name, value in values)
        return f"{type(self).__name__}({fields})"

    def _asdict(self) -> dict[str, Any]:
        """Return the fields as a dict, in order."""
        return dict(zip(self._fields, self, strict=True))  # type: ignore[call-overload]

    def _replace(self, **changes: Any) -> Self:
        """Return a copy with some fields replaced, as ``NamedTuple._replace``.

        Raises:
            TypeError: A name is not a field.
        """
        values = tuple(
            changes.pop(name, value)
            for name, value in zip(self._fields, self, strict=True)  # type: ignore[call-overload]
        )
        if changes:
            raise TypeError(f"{type(self).__name__} has no field {min(changes)!r}")
        return type(self)(values)  # type: ignore[call-arg]


class Segment(_Record, tuple[str, int, int]):
    """One part of a (possibly concatenated) SMS.

    An immutable tuple ``(text, units, offset)`` with named fields, built from
    one sequence like ``time.struct_time``: ``Segment(("Hi", 2, 0))``.

    Attributes:
        text: The characters carried by this part.
        units: What the part costs: septets for GSM-7 (an extension character
            counts 2), UTF-16 code units for UCS-2 (an emoji counts 2).
        offset: Index of the part's first character in the analysed text, so
            ``info.text[s.offset : s.offset + len(s.text)] == s.text``.
    """

    __slots__ = ()
    __match_args__ = ("text", "units", "offset")
    _fields = __match_args__

    @property
    def text(self) -> str:
        """The characters carried by this part."""
        return self[0]

    @property
    def units(self) -> int:
        """Septets (GSM-7) or UTF-16 code units (UCS-2) of this part."""
        return self[1]

    @property
    def offset(self) -> int:
        """Index of the part's first character in the analysed text."""
        return self[2]


@attrs.frozen(kw_only=True)
class NonGsmCharacter:
    """A character that cannot be sent in GSM-7 and so forces UCS-2.

    Attributes:
        char: The character (one code point).
        index: Its index in the analysed text.
        name: Its Unicode name, such as ``"RIGHT SINGLE QUOTATION MARK"``, or a
            Unicode code point label such as ``"<control-001B>"`` or
            ``"<surrogate-D800>"`` for code points that have no name.
    """

    char: str
    index: int
    name: str


@attrs.frozen(kw_only=True)
class SmartEncodingResult:
    """What smart encoding did, or would have done, to a text.

    Present on :attr:`SegmentInfo.smart_encoding` when smart encoding was
    requested and :func:`smskit.encoding.smart_encode` changes the text.

    Attributes:
        text: The text with look-alike characters replaced.
        applied: ``True`` when the analysis (and so the message to send) uses
            ``text``. Smart encoding is applied only when it turns a text that
            needs UCS-2 into one that fits GSM-7 in no more parts; otherwise
            the original text is kept, because replacing characters in a
            message that stays UCS-2 saves nothing, and some replacements are
            longer than what they replace (a tab becomes seven spaces), so
            even a GSM-7 result can need more parts.
        encoding: The encoding ``text`` needs.
        segment_count: How many parts ``text`` needs.
        original_segment_count: How many parts the original text needs.
    """

    text: str
    applied: bool
    encoding: Encoding
    segment_count: int
    original_segment_count: int


class SegmentInfo(
    _Record,
    tuple[
        str,
        Encoding,
        tuple[Segment, ...],
        int,
        "SmartEncodingResult | None",
        "NationalLanguage | None",
        "NationalLanguage | None",
    ],
):
    """The encoding of a text and the parts it is sent in.

    An immutable tuple with named fields, built from one sequence like
    ``time.struct_time``; note that ``len(info)`` counts its fields, so use
    :attr:`segment_count` for the number of parts.

    Attributes:
        text: The analysed text: the input, or its smart-encoded form when
            smart encoding was applied. The segments' texts join back to it.
        encoding: GSM-7 when every character is in the GSM alphabet in use,
            else UCS-2 for the whole message.
        segments: The parts, in order; there is always at least one (an empty
            text is one empty message).
        units_per_segment: Capacity of each part in units: 160 septets for a
            single GSM-7 part, 153 for concatenated ones (155/149 with one
            national language shift table, 152/146 with two), 70/67 for UCS-2.
        smart_encoding: What smart encoding did, when it was requested and
            would change the text; else ``None``.
        locking_shift: The national language locking shift table in use, or
            ``None`` for the default alphabet.
        single_shift: The national language single shift table in use
            (replacing the extension table), or ``None`` for the default one.
    """

    __slots__ = ()
    __match_args__ = (
        "text",
        "encoding",
        "segments",
        "units_per_segment",
        "smart_encoding",
        "locking_shift",
        "single_shift",
    )
    _fields = __match_args__

    @property
    def text(self) -> str:
        """The analysed text (the smart-encoded one when that was applied)."""
        return self[0]

    @property
    def encoding(self) -> Encoding:
        """GSM-7, or UCS-2 for the whole message."""
        return self[1]

    @property
    def segments(self) -> tuple[Segment, ...]:
        """The parts, in order; always at least one."""
        return self[2]

    @property
    def units_per_segment(self) -> int:
        """Capacity of each part in units."""
        return self[3]

    @property
    def smart_encoding(self) -> SmartEncodingResult | None:
        """What smart encoding did, when requested and it changes the text."""
        return self[4]

    @property
    def locking_shift(self) -> NationalLanguage | None:
        """The national language locking shift table in use, if any."""
        return self[5]

    @property
    def single_shift(self) -> NationalLanguage | None:
        """The national language single shift table in use, if any."""
        return self[6]

    @property
    def segment_count(self) -> int:
        """How many parts the message is sent as (and billed for)."""
        return len(self.segments)

    @property
    def total_units(self) -> int:
        """Septets (GSM-7) or UTF-16 code units (UCS-2) over all parts."""
        return sum(segment.units for segment in self.segments)

    @property
    def units_remaining(self) -> int:
        """Room left in the last part before another part is needed."""
        return self.units_per_segment - self.segments[-1].units

    @property
    def non_gsm_characters(self) -> tuple[NonGsmCharacter, ...]:
        """Each character of :attr:`text` outside the default GSM alphabet.

        Empty when the message is GSM-7. Computed on each access (so that
        :func:`~smskit.encoding.analyze` stays fast on long UCS-2 texts): keep
        the result if you need it more than once.
        """
        if self.encoding is Encoding.GSM7:
            return ()
        return tuple(
            NonGsmCharacter(
                char=match.group(),
                index=match.start(),
                name=character_name(match.group()),
            )
            for match in NON_GSM_RE.finditer(self.text)
        )


def character_name(char: str) -> str:
    """Return the Unicode name of ``char``, or its code point label.

    Code points without a name get the label defined by the Unicode Standard
    (§4.8), for example ``<control-001B>`` or ``<surrogate-D800>``.

    Args:
        char: One code point.

    Returns:
        The name or label.
    """
    name = unicodedata.name(char, "")
    if name:
        return name
    code = ord(char)
    category = unicodedata.category(char)
    if category == "Cc":
        kind = "control"
    elif category == "Cs":
        kind = "surrogate"
    elif category == "Co":
        kind = "private-use"
    elif 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:
        kind = "noncharacter"
    else:
        kind = "reserved"
    return f"<{kind}-{code:04X}>"
