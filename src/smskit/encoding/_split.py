"""Where a text is cut into parts: per part, never per character, in C.

Every character costs one or two units: an extension character is ESC + code
(2 septets), an astral character a UTF-16 surrogate pair (2 units). A two-unit
character must never be split across parts (3GPP TS 23.040 §9.2.3.24.1).

The trick is to cut in *unit space*: the text as one byte per unit, where one
byte value marks the first unit of each two-unit character. A GSM-7 text
becomes one byte per septet with ESC before each extension character; a UCS-2
text the high bytes of its UTF-16 units, with each high surrogate marked. Both
are made by C-level codecs and byte operations. A part that would end on a
pair mark ends one unit earlier instead, and its characters are its units
less the marks it holds. The Python loop then runs once per part, not once
per character, and the same loop serves both encodings.

Filling each part as far as it goes (greedy) is optimal: every part ends at
the furthest point any split could reach, so no split uses fewer parts.
"""

from __future__ import annotations

import bisect
import itertools
import re

from smskit.encoding._models import Segment

__all__ = [
    "ASTRAL_RE",
    "HIGH_SURROGATE",
    "count_parts",
    "cut_parts",
    "single_and_multi",
    "surrogate_segments",
    "utf16_space",
]

ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")

# The pair mark of UCS-2 unit space (see utf16_space).
HIGH_SURROGATE = 0x01
_HIGH_SURROGATE_MARKS = bytes(
    HIGH_SURROGATE if 0xD8 <= byte <= 0xDB else 0 for byte in range(256)
)

# TP-User-Data holds 140 octets. The concatenation header takes 6 octets
# (UDHL + 5-octet IE) and each national language shift IE 3 more, plus the
# UDHL octet when it is the only header (TS 23.040 §9.2.3.24).
_USER_DATA_BITS = 1120


def single_and_multi(*, gsm: bool, shift_ies: int = 0) -> tuple[int, int]:
    """Return the (single-part, per-concatenated-part) capacity in units.

    Args:
        gsm: GSM-7 (septets) rather than UCS-2 (UTF-16 units).
        shift_ies: How many national language shift IEs the header carries.

    Returns:
        ``(160, 153)``, ``(155, 149)`` or ``(152, 146)`` for GSM-7 with 0, 1
        or 2 shift IEs; ``(70, 67)`` for UCS-2.
    """
    if not gsm:
        return 70, 67
    single_udh = 1 + 3 * shift_ies if shift_ies else 0
    multi_udh = 1 + 5 + 3 * shift_ies
    return (
        (_USER_DATA_BITS - 8 * single_udh) // 7,
        (_USER_DATA_BITS - 8 * multi_udh) // 7,
    )


def cut_parts(text: str, space: bytes, multi: int, pair: int) -> tuple[Segment, ...]:
    """Cut a text that needs more than one part into concatenated parts.

    Args:
        text: The text.
        space: The text in unit space: one byte per unit, the byte ``pair``
            marking the first unit of each two-unit character and no other
            (see :func:`utf16_space` and ``UnitSpace.build``).
        multi: Units per concatenated part; ``len(space)`` is larger.
        pair: The byte value that marks a two-unit character.

    Returns:
        The parts.
    """
    count, segment = space.count, Segment  # hot path locals
    total = len(space)
    # The first part, unrolled: most long messages have exactly two parts.
    end = multi - 1 if space[multi - 1] == pair else multi
    chars = end - count(pair, 0, end)  # a part's characters: units less pairs
    first = segment((text[:chars], end, 0))
    if total - end <= multi:
        return (first, segment((text[chars:], total - end, chars)))
    segments = [first]
    append = segments.append
    start, offset = end, chars
    while total - start > multi:
        end = start + multi
        if space[end - 1] == pair:  # the part would end inside a pair
            end -= 1
        chars = end - start - count(pair, start, end)
        append(segment((text[offset : offset + chars], end - start, offset)))
        offset += chars
        start = end
    append(segment((text[offset:], total - start, offset)))
    return tuple(segments)


def count_parts(space: bytes, multi: int, pair: int) -> int:
    """Return how many concatenated parts :func:`cut_parts` would make.

    Args:
        space: The text in unit space (see :func:`cut_parts`).
        multi: Units per concatenated part; ``len(space)`` is larger.
        pair: The byte value that marks a two-unit character.

    Returns:
        The number of parts, at least 2.
    """
    total = len(space)
    parts, end = 1, 0
    while total - end > multi:
        end += multi
        if space[end - 1] == pair:
            end -= 1
        parts += 1
    return parts


def utf16_space(data: bytes) -> bytes:
    """Return a UCS-2 text in unit space, with 0x01 at each high surrogate.

    Args:
        data: The text encoded as UTF-16-LE (so without lone surrogates).

    Returns:
        One byte per UTF-16 unit, for :func:`cut_parts` with ``pair=1``.
    """
    # The odd bytes are the units' high bytes; D8-DB is a high surrogate.
    return data[1::2].translate(_HIGH_SURROGATE_MARKS)


def surrogate_segments(text: str, total: int, multi: int) -> tuple[Segment, ...]:
    """Cut a UCS-2 text holding lone surrogate code points into parts.

    Such a str has no faithful UTF-16 form, so it is cut in character space:
    each surrogate code point is one unit of its own and only astral
    characters are pairs. Slower, and only for this rare, unsendable input.

    Args:
        text: The text.
        total: Its UTF-16 units (each lone surrogate counting one).
        multi: Units per concatenated part.

    Returns:
        The parts.
    """
    starts = [m.start() + rank for rank, m in enumerate(ASTRAL_RE.finditer(text))]
    inside_pair = frozenset(start + 1 for start in starts)
    units = [0]
    while total - units[-1] > multi:
        end = units[-1] + multi
        units.append(end - 1 if end in inside_pair else end)
    units.append(total)
    # Characters before unit offset u: u minus one per pair starting before u.
    chars = [unit - bisect.bisect_left(starts, unit) for unit in units]
    return tuple(
        Segment((text[start:end], end_unit - start_unit, start))
        for (start, start_unit), (end, end_unit) in itertools.pairwise(
            zip(chars, units, strict=True)
        )
    )
