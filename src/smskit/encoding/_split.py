"""Where a text is cut into parts, computed per part rather than per character.

Every character costs one or two units: an extension character is ESC + code
(2 septets), an astral character is a UTF-16 surrogate pair (2 units). A
two-unit character must never be split across parts (3GPP TS 23.040
§9.2.3.24.1). Working in *unit* space, a part that would end on the first half
of a two-unit character simply ends one unit earlier; so cutting needs only the
unit offsets where two-unit characters start, found by a compiled regex.

Filling each part as far as it goes (greedy) is optimal: every part ends at
the furthest point any split could reach, so no split uses fewer parts.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

__all__ = [
    "ASTRAL_RE",
    "count_parts",
    "cut_units",
    "part_bounds",
    "single_and_multi",
    "unit_starts",
]

ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")

# TP-User-Data holds 140 octets. The concatenation header takes 6 octets
# (UDHL + 5-octet IE) and each national language shift IE 3 more, plus the
# UDHL octet when it is the only header (TS 23.040 §9.2.3.24).
_USER_DATA_BITS = 1120
_GSM_CAPACITY = {
    # (shift IEs, concatenated) -> septets
    (shift_ies, concatenated): (
        _USER_DATA_BITS
        - 8
        * ((1 if shift_ies or concatenated else 0) + 5 * concatenated + 3 * shift_ies)
    )
    // 7
    for shift_ies in (0, 1, 2)
    for concatenated in (0, 1)
}


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
    return _GSM_CAPACITY[shift_ies, 0], _GSM_CAPACITY[shift_ies, 1]


def unit_starts(two_unit: re.Pattern[str], text: str) -> list[int]:
    """Return the unit offsets (sorted) where two-unit characters start.

    Args:
        two_unit: Matches exactly the characters that cost two units.
        text: The text.

    Returns:
        For the r-th two-unit character at index i, the offset i + r.
    """
    return [match.start() + rank for rank, match in enumerate(two_unit.finditer(text))]


def count_parts(total: int, starts: Sequence[int], single: int, multi: int) -> int:
    """Return how many parts a text of ``total`` units needs.

    Args:
        total: Units of the whole text.
        starts: Unit offsets where two-unit characters start (see
            :func:`unit_starts`).
        single: Capacity of a lone part; the limit applies to the total, so a
            pair straddling the concatenated capacity does not matter here.
        multi: Capacity of each concatenated part.

    Returns:
        The number of parts; 1 for an empty text.
    """
    if total <= single:
        return 1
    if not starts:
        return -(-total // multi)
    return len(cut_units(total, starts, multi)) - 1


def cut_units(total: int, starts: Sequence[int], multi: int) -> list[int]:
    """Return the unit offsets of part boundaries, from 0 to ``total``.

    Args:
        total: Units of the whole text (more than one part's worth).
        starts: Unit offsets where two-unit characters start.
        multi: Capacity of each concatenated part.

    Returns:
        ``[0, end_1, end_2, ..., total]``.
    """
    split_pairs = frozenset(start + 1 for start in starts)
    bounds = [0]
    end = 0
    while total - end > multi:
        end += multi
        # The part would end between the two halves of a pair: stop before it.
        if end in split_pairs:
            end -= 1
        bounds.append(end)
    bounds.append(total)
    return bounds


def part_bounds(
    total: int, starts: Sequence[int], single: int, multi: int
) -> list[tuple[int, int]]:
    """Return part boundaries as (character index, unit offset) pairs.

    Args:
        total: Units of the whole text.
        starts: Unit offsets where two-unit characters start.
        single: Capacity of a lone part.
        multi: Capacity of each concatenated part.

    Returns:
        ``[(0, 0), ..., (len(text), total)]``.
    """
    if total <= single:
        units = [0, total]
    elif not starts:
        units = [*range(0, total, multi), total]
    else:
        units = cut_units(total, starts, multi)
    # A boundary never falls inside a pair, so the characters before unit
    # offset u are u minus one for every pair that starts before u.
    return [(unit - bisect.bisect_left(starts, unit), unit) for unit in units]
