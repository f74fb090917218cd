"""Value types returned by :func:`smskit.encoding.analyze`.

:class:`SegmentInfo` and :class:`Segment` are typed
``NamedTuple`` records rather than attrs classes: just as immutable, but built
by ``tuple.__new__`` in C, several times cheaper than any Python ``__init__``,
which is most of what ``analyze()`` costs on a typical message.
"""

from __future__ import annotations

import enum
import unicodedata
from typing import NamedTuple

import attrs

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


class Segment(NamedTuple):
    """One part of a (possibly concatenated) SMS.

    Attributes:
        text: The characters carried by this part.
        units: What the part costs: septets for GSM-7 (an extension character
            counts 2), UTF-16 code units for UCS-2 (an emoji counts 2).
        offset: Index of the part's first character in the analysed text, so
            ``info.text[s.offset : s.offset + len(s.text)] == s.text``.
    """

    text: str
    units: int
    offset: int


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
            needs UCS-2 into one that fits GSM-7; otherwise the original text
            is kept, because replacing characters in a message that stays
            UCS-2 saves nothing and can even add a part.
        encoding: The encoding ``text`` needs.
        segment_count: How many parts ``text`` needs.
        original_segment_count: How many parts the original text needs.
    """

    text: str
    applied: bool
    encoding: Encoding
    segment_count: int
    original_segment_count: int


class SegmentInfo(NamedTuple):
    """The encoding of a text and the parts it is sent in.

    An immutable ``NamedTuple``; note that ``len(info)`` counts its fields, so
    use :attr:`segment_count` for the number of parts.

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

    text: str
    encoding: Encoding
    segments: tuple[Segment, ...]
    units_per_segment: int
    smart_encoding: SmartEncodingResult | None = None
    locking_shift: NationalLanguage | None = None
    single_shift: NationalLanguage | None = None

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
