"""The encoding decision and the part builders behind analyze().

The default path (default alphabet, 3GPP split) is the hot one. A text is
classified with a few C-level operations (``str.isascii``, the UTF-16 codec,
a charmap codec, ``bytes.translate``) and cut with one Python step per part,
so its cost is the number of calls more than the length of the text: the
order of the checks below puts the cheap, decisive ones first. National
language tables and grapheme splitting take the general path.
"""

from __future__ import annotations

import codecs
import itertools
from collections.abc import Callable
from typing import NamedTuple, TypeVar

from smskit.encoding._graphemes import grapheme_bounds
from smskit.encoding._gsm7 import (
    ASCII_SPACE,
    BASIC,
    BASIC_ASCII_BYTES,
    DEFAULT_CODEC,
    ESC_BYTE,
    EXTENSION,
    EXTENSION_ASCII_BYTES,
    SeptetCodec,
)
from smskit.encoding._models import Encoding, Segment, SegmentInfo
from smskit.encoding._national import Alphabet
from smskit.encoding._split import (
    ASTRAL_RE,
    HIGH_SURROGATE,
    count_parts,
    cut_parts,
    single_and_multi,
    surrogate_segments,
    utf16_space,
)

__all__ = [
    "Choice",
    "Finish",
    "choose",
    "classify",
    "count_default",
    "default_septets",
    "gsm_info",
    "segments_for",
    "ucs2_info",
]

_T = TypeVar("_T")

_GSM7, _UCS2 = Encoding.GSM7, Encoding.UCS2
_SINGLE_GSM, _MULTI_GSM = single_and_multi(gsm=True)
_SINGLE_UCS2, _MULTI_UCS2 = single_and_multi(gsm=False)
_charmap_encode = codecs.charmap_encode
_DEFAULT_MAP, _DEFAULT_TWO = DEFAULT_CODEC.encoding_map, DEFAULT_CODEC.two_septet_bytes
_default_space, _ascii_space = DEFAULT_CODEC.space.build, ASCII_SPACE.build
# str.encode("utf-16-le") goes through a Python-level wrapper; call the C
# codec directly.
_encode_utf16 = codecs.utf_16_le_encode
_GSM_CHARS = frozenset(BASIC + EXTENSION)


Finish = Callable[[str, int, "bytes | None"], _T]
"""What :func:`classify` hands a text to: ``(text, units, space)``."""


def classify(text: str, gsm: Finish[_T], ucs2: Finish[_T]) -> _T:
    """Classify a text in the default alphabet and pass it on.

    Args:
        text: The text.
        gsm: Called for a GSM-7 text with its septets.
        ucs2: Called for a UCS-2 text with its UTF-16 units, or -1 when it
            holds lone surrogates (see ``analyze()``).

    Returns:
        What ``gsm`` or ``ucs2`` returns. Both also get the text in unit space
        (for :func:`~smskit.encoding._split.cut_parts`) when it needs more
        than one part and has two-unit characters, else ``None``.
    """
    length = len(text)
    if text.isascii():
        raw = text.encode("ascii")
        # Deleting the one-septet characters leaves the ones that are not.
        rest = raw.translate(None, BASIC_ASCII_BYTES)
        if not rest:
            return gsm(text, length, None)
        if rest.translate(None, EXTENSION_ASCII_BYTES):
            return ucs2(text, length, None)
        septets = length + len(rest)
        if septets <= _SINGLE_GSM or septets == 2 * length:
            return gsm(text, septets, None)
        return gsm(text, septets, _ascii_space(raw, len(rest)))
    # A character from outside GSM-7 often shows at a glance: look at the
    # first, middle and last before running the charmap codec over the text.
    if (
        text[0] not in _GSM_CHARS
        or text[length >> 1] not in _GSM_CHARS
        or text[-1] not in _GSM_CHARS
    ):
        return _ucs2_units(text, ucs2)
    # One byte per character, or none for a character outside the alphabet.
    data = _charmap_encode(text, "ignore", _DEFAULT_MAP)[0]
    if len(data) != length or 0 in data:  # NUL encodes to 0 but is not GSM
        return _ucs2_units(text, ucs2)
    septets = 2 * length - len(data.translate(None, _DEFAULT_TWO))
    if septets <= _SINGLE_GSM or septets in (length, 2 * length):
        return gsm(text, septets, None)
    return gsm(text, septets, _default_space(data, septets - length))


def _ucs2_units(text: str, ucs2: Finish[_T]) -> _T:
    """Hand a UCS-2 text on with its UTF-16 units and, if needed, unit space."""
    try:
        data = _encode_utf16(text)[0]
    except UnicodeEncodeError:
        return ucs2(text, -1, None)
    length = len(text)
    units = len(data) >> 1
    if units <= _SINGLE_UCS2 or units in (length, 2 * length):
        return ucs2(text, units, None)
    return ucs2(text, units, utf16_space(data))


def _septets(text: str, septets: int, space: bytes | None) -> int:
    return septets


def _not_gsm(text: str, units: int, space: bytes | None) -> int:
    return -1


def default_septets(text: str) -> int:
    """Return the septets ``text`` needs in the default alphabet, or -1."""
    return classify(text, _septets, _not_gsm)


def _even_parts(text: str, units: int, multi: int) -> tuple[Segment, ...]:
    """Cut a text whose characters all cost the same into full parts and a rest.

    Args:
        text: The text: every character one unit, or every one two units
            (an all-emoji or all-escape text).
        units: Its units, more than ``multi``.
        multi: Units per concatenated part.

    Returns:
        The parts: plain slices, since every full part holds as many
        characters as the next.
    """
    width = units // len(text)
    per = multi // width  # characters in a full part
    full = per * width  # and its units
    # Unrolled for the usual long messages: two or three parts, no loop.
    if units <= 2 * full:
        return (
            Segment((text[:per], full, 0)),
            Segment((text[per:], units - full, per)),
        )
    two = 2 * per
    if units <= 3 * full:
        return (
            Segment((text[:per], full, 0)),
            Segment((text[per:two], full, per)),
            Segment((text[two:], units - 2 * full, two)),
        )
    last = (len(text) - 1) // per * per
    parts = [
        Segment((text[start : start + per], full, start))
        for start in range(0, last, per)
    ]
    parts.append(Segment((text[last:], units - last * width, last)))
    return tuple(parts)


def _even_count(text: str, units: int, multi: int) -> int:
    """How many parts :func:`_even_parts` makes."""
    per = multi // (units // len(text))
    return -(-len(text) // per)


def _lone_surrogate_parts(text: str) -> tuple[Segment, ...]:
    """Parts of a UCS-2 text holding lone surrogates, each one unit."""
    units = len(_encode_utf16(text, "surrogatepass")[0]) >> 1
    if units <= _SINGLE_UCS2:
        return (Segment((text, units, 0)),)
    return surrogate_segments(text, units, _MULTI_UCS2)


def _ucs2_parts(text: str) -> tuple[Segment, ...]:
    """Parts of any UCS-2 text."""
    return _ucs2_units(text, ucs2_info).segments


def _gsm_parts(
    text: str,
    septets: int,
    codec: SeptetCodec,
    single: int,
    multi: int,
) -> tuple[Segment, ...]:
    if septets <= single:
        return (Segment((text, septets, 0)),)
    if septets in (len(text), 2 * len(text)):
        return _even_parts(text, septets, multi)
    space = codec.septet_space(codec.encode_known(text), septets)
    return cut_parts(text, space, multi, ESC_BYTE)


def gsm_info(text: str, septets: int, space: bytes | None) -> SegmentInfo:
    if septets <= _SINGLE_GSM:
        segments: tuple[Segment, ...] = (Segment((text, septets, 0)),)
        return SegmentInfo((text, _GSM7, segments, _SINGLE_GSM, None, None, None))
    if space is None:
        segments = _even_parts(text, septets, _MULTI_GSM)
    else:
        segments = cut_parts(text, space, _MULTI_GSM, ESC_BYTE)
    return SegmentInfo((text, _GSM7, segments, _MULTI_GSM, None, None, None))


def ucs2_info(text: str, units: int, space: bytes | None) -> SegmentInfo:
    if 0 <= units <= _SINGLE_UCS2:
        segments: tuple[Segment, ...] = (Segment((text, units, 0)),)
        return SegmentInfo((text, _UCS2, segments, _SINGLE_UCS2, None, None, None))
    if space is not None:
        segments = cut_parts(text, space, _MULTI_UCS2, HIGH_SURROGATE)
    elif units > 0:
        segments = _even_parts(text, units, _MULTI_UCS2)
    else:
        segments = _lone_surrogate_parts(text)
    capacity = _SINGLE_UCS2 if len(segments) == 1 else _MULTI_UCS2
    return SegmentInfo((text, _UCS2, segments, capacity, None, None, None))


def _gsm_count(text: str, septets: int, space: bytes | None) -> int:
    if septets <= _SINGLE_GSM:
        return 1
    if space is None:
        return _even_count(text, septets, _MULTI_GSM)
    return count_parts(space, _MULTI_GSM, ESC_BYTE)


def _ucs2_count(text: str, units: int, space: bytes | None) -> int:
    if units < 0:
        return len(_lone_surrogate_parts(text))
    if units <= _SINGLE_UCS2:
        return 1
    if space is None:
        return _even_count(text, units, _MULTI_UCS2)
    return count_parts(space, _MULTI_UCS2, HIGH_SURROGATE)


def count_default(text: str) -> int:
    """segment_count() with the default alphabet and 3GPP split."""
    return classify(text, _gsm_count, _ucs2_count)


class Choice(NamedTuple):
    """The GSM alphabet chosen for a text (``None``: UCS-2) and its septets."""

    alphabet: Alphabet | None
    septets: int


def choose(text: str, alphabets: tuple[Alphabet, ...]) -> Choice:
    """Pick the GSM-7 alphabet needing the fewest parts, else UCS-2.

    Args:
        text: The text.
        alphabets: Candidates, the default alphabet first and the rest by
            header size, so that ties keep the smaller header.

    Returns:
        The choice.
    """
    if len(alphabets) == 1:  # the default alphabet only
        septets = default_septets(text)
        return Choice(alphabets[0] if septets >= 0 else None, septets)
    chars = frozenset(text)
    best: tuple[tuple[int, int], Choice] | None = None
    for alphabet in alphabets:
        if chars <= alphabet.chars:
            data = alphabet.codec.encode_known(text)
            septets = alphabet.codec.septets(data)
            parts = (
                1
                if septets <= alphabet.single_capacity
                else count_parts(
                    alphabet.codec.septet_space(data, septets),
                    alphabet.multi_capacity,
                    ESC_BYTE,
                )
            )
            if best is None or (parts, septets) < best[0]:
                best = ((parts, septets), Choice(alphabet, septets))
    return Choice(None, -1) if best is None else best[1]


def segments_for(text: str, choice: Choice, *, graphemes: bool) -> SegmentInfo:
    """Cut ``text`` into parts as ``choice`` says.

    Args:
        text: The text.
        choice: Its encoding, from :func:`choose`.
        graphemes: Keep grapheme clusters together where they fit.

    Returns:
        The analysis.
    """
    alphabet = choice.alphabet
    if alphabet is None:
        segments = _ucs2_parts(text)
        single, multi, two_unit = _SINGLE_UCS2, _MULTI_UCS2, ASTRAL_RE
    else:
        single, multi = alphabet.single_capacity, alphabet.multi_capacity
        segments = _gsm_parts(text, choice.septets, alphabet.codec, single, multi)
        two_unit = alphabet.two_unit
    if graphemes and len(segments) > 1:
        bounds = grapheme_bounds(text, two_unit, multi)
        if bounds is not None:
            segments = tuple(
                Segment((text[start:end], end_unit - start_unit, start))
                for (start, start_unit), (end, end_unit) in itertools.pairwise(bounds)
            )
    locking, single_shift = (None, None) if alphabet is None else alphabet.tables
    capacity = single if len(segments) == 1 else multi
    encoding = _UCS2 if alphabet is None else _GSM7
    return SegmentInfo(
        (text, encoding, segments, capacity, None, locking, single_shift)
    )
