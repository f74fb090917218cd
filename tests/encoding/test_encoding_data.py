"""The generated data modules agree with their sources."""

from __future__ import annotations

import pathlib

import pytest
from encoding_reference import BASIC, BASIC_TABLE, EXTENSION
from regenerate_data import parse_smart_map

from smskit.encoding import analyze
from smskit.encoding._gsm7 import BASIC as PACKAGE_BASIC
from smskit.encoding._gsm7 import EXTENSION as PACKAGE_EXTENSION
from smskit.encoding._national_tables import LOCKING_SHIFT, SINGLE_SHIFT
from smskit.encoding._smart_map import SMART_ENCODING_MAP

# shared/ sits beside the repository (locally and in CI); skip when absent.
DESIGN_NOTE = pathlib.Path(__file__).parents[3] / "shared" / "design" / "encoding.md"


def test_package_tables_match_the_standard() -> None:
    assert BASIC_TABLE.replace("\x1b", "") == PACKAGE_BASIC
    assert set(EXTENSION) == set(PACKAGE_EXTENSION)


@pytest.mark.skipif(not DESIGN_NOTE.exists(), reason="design note not available")
def test_smart_map_matches_design_note() -> None:
    rows = parse_smart_map(DESIGN_NOTE.read_text(encoding="utf-8"))
    assert 271 == len(rows)
    assert {chr(code): repl for code, _, repl, _ in rows} == SMART_ENCODING_MAP
    for code, name, replacement, septets in rows:
        # The note's "septets" column is what smskit charges for the result.
        assert septets == analyze(replacement).total_units, (hex(code), name)


def test_smart_map_shape() -> None:
    assert 271 == len(SMART_ENCODING_MAP)
    assert not set(SMART_ENCODING_MAP) & (BASIC | EXTENSION)
    for replacement in SMART_ENCODING_MAP.values():
        assert set(replacement) <= BASIC | EXTENSION


def test_national_tables_shape() -> None:
    assert set(range(1, 14)) - {2} == set(LOCKING_SHIFT)  # Spanish: single only
    assert set(range(1, 14)) == set(SINGLE_SHIFT)
    for table in (*LOCKING_SHIFT.values(), *SINGLE_SHIFT.values()):
        assert "\x1b" not in table
        assert "\x00" not in table
        assert len(table) <= 127
    # Spot checks against TS 23.038 Annex A.
    assert {"\u011e", "\u0130", "\u015e", "\u00e7", "\u20ac"} <= set(LOCKING_SHIFT[1])
    assert {"\u00e1", "\u00ed", "\u00f3", "\u00fa"} <= set(SINGLE_SHIFT[2])
    assert {"\u00ea", "\u00f4", "\u00e3", "\u00f5"} <= set(LOCKING_SHIFT[3])
