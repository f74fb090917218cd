"""Where a text is cut into parts: per part, never per character, in C.

Every character costs one or two units: an extension character is ESC + code
(2 septets), an astral character a UTF-16 surrogate pair (2 units). A two-unit
character must never be split across parts (3GPP TS 23.040 §9.2.3.24.1).

The trick is to cut in *unit space*, where a part is a plain slice: a GSM-7
text as one byte per septet (ESC marking the first septet of each pair), or a
UCS-2 text as its UTF-16 bytes, both made by C-level codecs. A part that would
end on ESC or on a high surrogate ends one unit earlier instead. The Python
loop then runs once per part, not once per character.

Filling each part as far as it goes (greedy) is optimal: every part ends at
the furthest point any split could reach, so no split uses fewer parts.
"""

from __future__ import annotations

import bisect
import codecs
import itertools
import re

from smskit.encoding._gsm7 import ESC_BYTE
from smskit.encoding._models import Segment

__all__ = [
    "ASTRAL_RE",
    "gsm_cuts",
    "gsm_segments",
    "single_and_multi",
    "surrogate_segments",
    "utf16_cuts",
    "utf16_segments",
]

ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")
_ESC = bytes([ESC_BYTE])
_new = tuple.__new__  # builds a Segment in C, skipping its Python __new__
# bytes.decode("utf-16-le") goes through a Python-level wrapper; call the C
# codec directly.
_decode_utf16 = codecs.utf_16_le_decode

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


def gsm_cuts(space: bytes, multi: int) -> list[int]:
    """Return the septet offsets of part boundaries, from 0 to the total.

    Args:
        space: The text in septet space, one byte per septet with ESC at the
            first septet of each pair (see ``SeptetCodec.septet_space``).
        multi: Septets per concatenated part.

    Returns:
        ``[0, end_1, ..., total]``.
    """
    total = len(space)
    bounds = [0]
    end = 0
    while total - end > multi:
        end += multi
        if space[end - 1] == ESC_BYTE:  # the part would end inside an escape
            end -= 1
        bounds.append(end)
    bounds.append(total)
    return bounds


def gsm_segments(text: str, space: bytes, multi: int) -> tuple[Segment, ...]:
    """Cut a GSM-7 text into concatenated parts.

    Args:
        text: The text.
        space: The text in septet space (see :func:`gsm_cuts`).
        multi: Septets per concatenated part.

    Returns:
        The parts.
    """
    total = len(space)
    segments: list[Segment] = []
    append, count, new = segments.append, space.count, _new  # hot loop locals
    start = offset = 0
    while total - start > multi:
        end = start + multi
        if space[end - 1] == ESC_BYTE:  # the part would end inside an escape
            end -= 1
        # Characters in the part: its septets less one per escape.
        chars = end - start - count(_ESC, start, end)
        append(new(Segment, (text[offset : offset + chars], end - start, offset)))
        offset += chars
        start = end
    append(new(Segment, (text[offset:], total - start, offset)))
    return tuple(segments)


def utf16_cuts(data: bytes, multi: int) -> list[int]:
    """Return the unit offsets of part boundaries, from 0 to the total.

    Args:
        data: The text encoded as UTF-16-LE.
        multi: Units per concatenated part.

    Returns:
        ``[0, end_1, ..., total]``.
    """
    total = len(data) >> 1
    bounds = [0]
    end = 0
    while total - end > multi:
        end += multi
        # The last unit's high byte is D8-DB: a high surrogate, whose low half
        # would open the next part.
        if 0xD8 <= data[2 * end - 1] <= 0xDB:
            end -= 1
        bounds.append(end)
    bounds.append(total)
    return bounds


def utf16_segments(text: str, data: bytes, multi: int) -> tuple[Segment, ...]:
    """Cut a UCS-2 text into concatenated parts.

    Args:
        text: The text, without lone surrogates.
        data: The text encoded as UTF-16-LE, so decoding a part gives back
            exactly its slice.
        multi: Units per concatenated part.

    Returns:
        The parts.
    """
    total = len(data) >> 1
    segments: list[Segment] = []
    append, decode, new = segments.append, _decode_utf16, _new  # hot loop locals
    start = offset = 0
    while total - start > multi:
        end = start + multi
        # The last unit's high byte is D8-DB: a high surrogate, whose low half
        # would open the next part.
        if 0xD8 <= data[2 * end - 1] <= 0xDB:
            end -= 1
        # No part ends inside a pair, so each part decodes completely.
        part = decode(data[2 * start : 2 * end])[0]
        append(new(Segment, (part, end - start, offset)))
        offset += len(part)
        start = end
    append(new(Segment, (text[offset:], total - start, offset)))
    return tuple(segments)


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
        _new(Segment, (text[start:end], end_unit - start_unit, start))
        for (start, start_unit), (end, end_unit) in itertools.pairwise(
            zip(chars, units, strict=True)
        )
    )
