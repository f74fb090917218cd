"""The encoding decision and the part builders behind analyze().

The default path (default alphabet, 3GPP split) is the hot one and is kept
flat: a couple of C-level scans to classify the text, then one Python step per
part. National language tables and grapheme splitting take the general path.
"""

from __future__ import annotations

import codecs
import itertools
from typing import NamedTuple

from smskit.encoding._graphemes import grapheme_bounds
from smskit.encoding._gsm7 import (
    BASIC_ASCII_BYTES,
    DEFAULT_CODEC,
    EXTENSION_ASCII_BYTES,
    NON_GSM_RE,
    SeptetCodec,
)
from smskit.encoding._models import Encoding, Segment, SegmentInfo
from smskit.encoding._national import Alphabet
from smskit.encoding._split import (
    ASTRAL_RE,
    gsm_cuts,
    gsm_segments,
    single_and_multi,
    surrogate_segments,
    utf16_cuts,
    utf16_segments,
)

__all__ = [
    "Choice",
    "choose",
    "count_default",
    "default_info",
    "default_septets",
    "segments_for",
]

_GSM7, _UCS2 = Encoding.GSM7, Encoding.UCS2
_SINGLE_GSM, _MULTI_GSM = single_and_multi(gsm=True)
_SINGLE_UCS2, _MULTI_UCS2 = single_and_multi(gsm=False)
_new = tuple.__new__  # builds records in C, skipping their Python __new__
_charmap_encode = codecs.charmap_encode
_DEFAULT_MAP, _DEFAULT_TWO = DEFAULT_CODEC.encoding_map, DEFAULT_CODEC.two_septet_bytes
# str.encode("utf-16-le") goes through a Python-level wrapper; call the C
# codec directly.
_encode_utf16 = codecs.utf_16_le_encode


def classify(text: str) -> tuple[int, bytes | None]:
    """Return the septets ``text`` needs in the default alphabet, or -1.

    -1 means a character is outside the GSM alphabet, so UCS-2 it is. The
    second item is the text as one byte per character, when it was computed.
    """
    if text.isascii():
        # Deleting the one-septet characters leaves the ones that are not.
        rest = text.encode("ascii").translate(None, BASIC_ASCII_BYTES)
        if not rest:
            return len(text), None
        if rest.translate(None, EXTENSION_ASCII_BYTES):
            return -1, None
        return len(text) + len(rest), None
    # A UCS-2 text usually shows a non-GSM character early: settle it cheaply
    # before encoding the whole text.
    if NON_GSM_RE.search(text, 0, 48) is not None:
        return -1, None
    # DEFAULT_CODEC.encode() and .septets(), inlined on this hot path.
    try:
        data = _charmap_encode(text, "strict", _DEFAULT_MAP)[0]
    except UnicodeEncodeError:
        return -1, None
    if b"\0" in data:
        return -1, None
    return 2 * len(data) - len(data.translate(None, _DEFAULT_TWO)), data


def default_septets(text: str) -> int:
    """Return the septets ``text`` needs in the default alphabet, or -1."""
    return classify(text)[0]


def _even_parts(text: str, total: int, multi: int) -> tuple[Segment, ...]:
    """Cut a text of one-unit characters into full parts and a remainder."""
    if total <= 2 * multi:  # the usual long message: two parts, no loop
        return (
            _new(Segment, (text[:multi], multi, 0)),
            _new(Segment, (text[multi:], total - multi, multi)),
        )
    last = (total - 1) // multi * multi
    parts = [
        _new(Segment, (text[start : start + multi], multi, start))
        for start in range(0, last, multi)
    ]
    parts.append(_new(Segment, (text[last:], total - last, last)))
    return tuple(parts)


def _gsm_parts(
    text: str,
    septets: int,
    codec: SeptetCodec,
    single: int,
    multi: int,
) -> tuple[Segment, ...]:
    if septets <= single:
        return (_new(Segment, (text, septets, 0)),)
    if septets == len(text):
        return _even_parts(text, septets, multi)
    return gsm_segments(text, codec.septet_space(codec.encode_known(text)), multi)


def _ucs2_parts(text: str) -> tuple[Segment, ...]:
    try:
        data = _encode_utf16(text)[0]
    except UnicodeEncodeError:
        # Lone surrogates: count each as one unit (see analyze()).
        units = len(_encode_utf16(text, "surrogatepass")[0]) >> 1
        if units <= _SINGLE_UCS2:
            return (_new(Segment, (text, units, 0)),)
        return surrogate_segments(text, units, _MULTI_UCS2)
    units = len(data) >> 1
    if units <= _SINGLE_UCS2:
        return (_new(Segment, (text, units, 0)),)
    if units == len(text):
        return _even_parts(text, units, _MULTI_UCS2)
    return utf16_segments(text, data, _MULTI_UCS2)


def default_info(text: str) -> SegmentInfo:
    """analyze() with the default options: the hot path, kept flat."""
    septets, data = classify(text)
    if septets >= 0:
        if septets <= _SINGLE_GSM:
            segments: tuple[Segment, ...] = (_new(Segment, (text, septets, 0)),)
            return _new(
                SegmentInfo, (text, _GSM7, segments, _SINGLE_GSM, None, None, None)
            )
        if septets == len(text):
            segments = _even_parts(text, septets, _MULTI_GSM)
        else:
            space = DEFAULT_CODEC.septet_space(data or DEFAULT_CODEC.encode_known(text))
            segments = gsm_segments(text, space, _MULTI_GSM)
        return _new(SegmentInfo, (text, _GSM7, segments, _MULTI_GSM, None, None, None))
    segments = _ucs2_parts(text)
    capacity = _SINGLE_UCS2 if len(segments) == 1 else _MULTI_UCS2
    return _new(SegmentInfo, (text, _UCS2, segments, capacity, None, None, None))


def count_default(text: str) -> int:
    """segment_count() with the default alphabet and 3GPP split."""
    septets, data = classify(text)
    if septets >= 0:
        if septets <= _SINGLE_GSM:
            return 1
        if septets == len(text):
            return -(-septets // _MULTI_GSM)
        space = DEFAULT_CODEC.septet_space(data or DEFAULT_CODEC.encode_known(text))
        return len(gsm_cuts(space, _MULTI_GSM)) - 1
    try:
        data = _encode_utf16(text)[0]
    except UnicodeEncodeError:
        return len(_ucs2_parts(text))
    units = len(data) >> 1
    if units <= _SINGLE_UCS2:
        return 1
    if units == len(text):
        return -(-units // _MULTI_UCS2)
    return len(utf16_cuts(data, _MULTI_UCS2)) - 1


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
        septets, _ = classify(text)
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
                else len(
                    gsm_cuts(alphabet.codec.septet_space(data), alphabet.multi_capacity)
                )
                - 1
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
                Segment(text[start:end], end_unit - start_unit, start)
                for (start, start_unit), (end, end_unit) in itertools.pairwise(bounds)
            )
    return SegmentInfo(
        text=text,
        encoding=_UCS2 if alphabet is None else _GSM7,
        segments=segments,
        units_per_segment=single if len(segments) == 1 else multi,
        locking_shift=None if alphabet is None else alphabet.locking,
        single_shift=None if alphabet is None else alphabet.single,
    )
