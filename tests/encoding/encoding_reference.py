"""A slow, obviously-correct reference model of 3GPP segmentation for the tests.

Written independently of ``smskit.encoding``: one character at a time, with
the GSM tables typed from 3GPP TS 23.038 §6.2.1 (Appendix A of the design
note), so that the fast implementation is checked against the rules rather
than against itself.
"""

from __future__ import annotations

# Septet order; "\x1b" marks position 0x1B (ESC), which is not a character.
BASIC_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
assert len(BASIC_TABLE) == 128
BASIC_CHARS = [
    (septet, char) for septet, char in enumerate(BASIC_TABLE) if septet != 0x1B
]
EXTENSION_CHARS = [
    (0x0A, "\f"),
    (0x14, "^"),
    (0x28, "{"),
    (0x29, "}"),
    (0x2F, "\\"),
    (0x3C, "["),
    (0x3D, "~"),
    (0x3E, "]"),
    (0x40, "|"),
    (0x65, "€"),
]
BASIC = frozenset(char for _, char in BASIC_CHARS)
EXTENSION = frozenset(char for _, char in EXTENSION_CHARS)


def gsm_cost(char: str) -> int | None:
    """Septets of one character in the default alphabet, or None if not GSM."""
    if char in BASIC:
        return 1
    if char in EXTENSION:
        return 2
    return None


def utf16_cost(char: str) -> int:
    """UTF-16 code units of one code point (a lone surrogate counts one)."""
    return 2 if ord(char) > 0xFFFF else 1


def reference_costs(text: str) -> tuple[str, list[int]]:
    """Return the encoding and the per-character cost list of a text."""
    costs = [gsm_cost(char) for char in text]
    if all(cost is not None for cost in costs):
        return "GSM-7", [cost for cost in costs if cost is not None]
    return "UCS-2", [utf16_cost(char) for char in text]


def capacities(encoding: str, shift_ies: int = 0) -> tuple[int, int]:
    """(single, multi) capacity, computed from the octet budget."""
    if encoding == "UCS-2":
        return 140 // 2, (140 - 6) // 2
    single_udh = 1 + 3 * shift_ies if shift_ies else 0
    multi_udh = 6 + 3 * shift_ies
    return (1120 - 8 * single_udh) // 7, (1120 - 8 * multi_udh) // 7


def greedy_parts(costs: list[int], single: int, multi: int) -> list[list[int]]:
    """Split a cost list: one part if the total fits, else fill each part."""
    if sum(costs) <= single:
        return [costs]
    parts: list[list[int]] = [[]]
    for cost in costs:
        if sum(parts[-1]) + cost > multi:
            parts.append([])
        parts[-1].append(cost)
    return parts


def minimal_part_count(costs: list[int], single: int, multi: int) -> int:
    """The fewest parts any split between characters can use (dynamic programming).

    best[i] is the fewest parts for the first i characters; parts end only
    between characters, so a two-unit character is never split. best is
    non-decreasing, so the earliest feasible start of the last part is optimal.
    """
    if sum(costs) <= single:
        return 1
    best = [0] * (len(costs) + 1)
    start = units = 0
    for end in range(1, len(costs) + 1):
        units += costs[end - 1]
        while units > multi:
            units -= costs[start]
            start += 1
        best[end] = best[start] + 1
    return best[-1]


def reference_split(text: str) -> tuple[str, list[str], list[int]]:
    """Return (encoding, part texts, part units) with the default alphabet."""
    encoding, costs = reference_costs(text)
    single, multi = capacities(encoding)
    parts = greedy_parts(costs, single, multi)
    texts, start = [], 0
    for part in parts:
        texts.append(text[start : start + len(part)])
        start += len(part)
    return encoding, texts, [sum(part) for part in parts]
