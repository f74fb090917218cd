"""The encoding decision and the part builders behind analyze().

The default path (default alphabet, 3GPP split) is the hot one. A text is
classified with a few C-level operations (``str.isascii``, the UTF-16 codec,
a charmap codec, ``bytes.translate``) and cut with one Python step per part,
so its cost is the number of calls more than the length of the text: the
order of the checks puts the cheap, decisive ones first, and
:func:`default_info` goes from text to analysis in one function, since on a
typical message one more Python call costs about as much as a C pass over the
whole text. :func:`default_count` makes the same decisions in the same order
and counts instead; a property test holds the two together. National
language tables and grapheme splitting take the general path
(:func:`choose` and :func:`segments_for`).
"""

from __future__ import annotations

import codecs
import itertools
from collections.abc import Callable
from typing import NamedTuple

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
    "choose",
    "default_count",
    "default_info",
    "default_septets",
    "segments_for",
]

_GSM7, _UCS2 = Encoding.GSM7, Encoding.UCS2
_SINGLE_GSM, _MULTI_GSM = single_and_multi(gsm=True)
_SINGLE_UCS2, _MULTI_UCS2 = single_and_multi(gsm=False)
_charmap_encode = codecs.charmap_encode
_DEFAULT_MAP, _DEFAULT_TWO = DEFAULT_CODEC.encoding_map, DEFAULT_CODEC.two_septet_bytes
_default_space, _ascii_space = DEFAULT_CODEC.space.build, ASCII_SPACE.build
# str.encode("utf-16-le") goes through a Python-level wrapper; call the C
# codec directly.
_encode_utf16 = codecs.utf_16_le_encode
# Called unbound, str.isascii raises TypeError for anything but a str (bytes
# has an isascii method of its own), so a non-str never gets past the first
# check of default_info() and default_count(), and their callers can leave the
# type check to the failure path.
_isascii = str.isascii
_GSM_CHARS = frozenset(BASIC + EXTENSION)

# Builds septet space from one byte per character and the number of pairs.
_SpaceBuilder = Callable[[bytes, int], bytes]


def default_info(text: str) -> SegmentInfo:  # noqa: PLR0912 (one function on purpose)
    """``analyze(text)`` with the default alphabet and the 3GPP split.

    Args:
        text: The text.

    Returns:
        The analysis.

    Raises:
        TypeError: ``text`` is not a ``str``, before any other work.
    """
    length = len(text)
    septets = -1  # until the text is known to be GSM-7
    build_space: _SpaceBuilder
    if _isascii(text):
        chars = text.encode("ascii")
        # Deleting the one-septet characters leaves the ones that are not.
        rest = chars.translate(None, BASIC_ASCII_BYTES)
        if not rest or not rest.translate(None, EXTENSION_ASCII_BYTES):
            septets, build_space = length + len(rest), _ascii_space
        units, utf16 = length, b""
    else:
        try:
            utf16 = _encode_utf16(text)[0]
        except UnicodeEncodeError:
            return _lone_surrogate_info(text)
        units = len(utf16) >> 1
        # A character outside GSM-7 often shows at a glance: one above U+FFFF
        # (two UTF-16 units), or a first, middle or last one from another
        # script. Only a text that passes is worth a charmap pass.
        if (
            units == length
            and text[0] in _GSM_CHARS
            and text[length >> 1] in _GSM_CHARS
            and text[-1] in _GSM_CHARS
        ):
            # One byte per character, or none for a character outside GSM-7.
            chars = _charmap_encode(text, "ignore", _DEFAULT_MAP)[0]
            if len(chars) == length and 0 not in chars:  # NUL is not GSM
                septets = 2 * length - len(chars.translate(None, _DEFAULT_TWO))
                build_space = _default_space
    if septets >= 0:
        if septets <= _SINGLE_GSM:
            segments: tuple[Segment, ...] = (Segment((text, septets, 0)),)
            return SegmentInfo((text, _GSM7, segments, _SINGLE_GSM, None, None, None))
        if septets == length or septets == 2 * length:
            segments = _even_parts(text, septets, _MULTI_GSM)
        else:
            space = build_space(chars, septets - length)
            segments = cut_parts(text, space, _MULTI_GSM, ESC_BYTE)
        return SegmentInfo((text, _GSM7, segments, _MULTI_GSM, None, None, None))
    if units <= _SINGLE_UCS2:
        segments = (Segment((text, units, 0)),)
        return SegmentInfo((text, _UCS2, segments, _SINGLE_UCS2, None, None, None))
    if units == length or units == 2 * length:
        segments = _even_parts(text, units, _MULTI_UCS2)
    else:
        segments = cut_parts(text, utf16_space(utf16), _MULTI_UCS2, HIGH_SURROGATE)
    return SegmentInfo((text, _UCS2, segments, _MULTI_UCS2, None, None, None))


def default_count(text: str) -> int:
    """``segment_count(text)``: :func:`default_info`'s decisions, counted.

    Args:
        text: The text.

    Returns:
        The number of parts.

    Raises:
        TypeError: ``text`` is not a ``str``, before any other work.
    """
    length = len(text)
    septets = -1
    build_space: _SpaceBuilder
    if _isascii(text):
        chars = text.encode("ascii")
        rest = chars.translate(None, BASIC_ASCII_BYTES)
        if not rest or not rest.translate(None, EXTENSION_ASCII_BYTES):
            septets, build_space = length + len(rest), _ascii_space
        units, utf16 = length, b""
    else:
        try:
            utf16 = _encode_utf16(text)[0]
        except UnicodeEncodeError:
            return len(_lone_surrogate_parts(text))
        units = len(utf16) >> 1
        if (
            units == length
            and text[0] in _GSM_CHARS
            and text[length >> 1] in _GSM_CHARS
            and text[-1] in _GSM_CHARS
        ):
            chars = _charmap_encode(text, "ignore", _DEFAULT_MAP)[0]
            if len(chars) == length and 0 not in chars:
                septets = 2 * length - len(chars.translate(None, _DEFAULT_TWO))
                build_space = _default_space
    if septets >= 0:
        if septets <= _SINGLE_GSM:
            return 1
        if septets == length or septets == 2 * length:
            return _even_count(text, septets, _MULTI_GSM)
        space = build_space(chars, septets - length)
        return count_parts(space, _MULTI_GSM, ESC_BYTE)
    if units <= _SINGLE_UCS2:
        return 1
    if units == length or units == 2 * length:
        return _even_count(text, units, _MULTI_UCS2)
    return count_parts(utf16_space(utf16), _MULTI_UCS2, HIGH_SURROGATE)


def default_septets(text: str) -> int:
    """Return the septets ``text`` needs in the default alphabet, or -1."""
    data = _charmap_encode(text, "ignore", _DEFAULT_MAP)[0]
    if len(data) != len(text) or 0 in data:  # NUL encodes to 0 but is not GSM
        return -1
    return DEFAULT_CODEC.septets(data)


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


def _lone_surrogate_info(text: str) -> SegmentInfo:
    """The analysis of a text holding lone surrogates (see ``analyze()``)."""
    segments = _lone_surrogate_parts(text)
    capacity = _SINGLE_UCS2 if len(segments) == 1 else _MULTI_UCS2
    return SegmentInfo((text, _UCS2, segments, capacity, None, None, None))


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
        # Not GSM-7 in the default alphabet either (always a candidate), so
        # the default path cuts it as UCS-2.
        segments = default_info(text).segments
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
