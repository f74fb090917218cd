"""Every character of the GSM 7-bit default alphabet, and the usual traps."""

from __future__ import annotations

import unicodedata

import pytest
from encoding_reference import BASIC, BASIC_CHARS, EXTENSION, EXTENSION_CHARS

from smskit.encoding import Encoding, analyze, segment_count


@pytest.mark.parametrize(
    "char",
    [
        pytest.param(char, id=f"0x{septet:02X}-U+{ord(char):04X}")
        for septet, char in BASIC_CHARS
    ],
)
def test_basic_character_is_one_septet(char: str) -> None:
    """160 of any basic character fit one part; 161 need two."""
    info = analyze(char * 160)
    assert (Encoding.GSM7, 1, 160) == (
        info.encoding,
        info.segment_count,
        info.total_units,
    )
    assert [153, 8] == [segment.units for segment in analyze(char * 161).segments]
    assert 2 == segment_count(char * 161)
    assert 1 == segment_count(f"x{char}y")


@pytest.mark.parametrize(
    "char",
    [
        pytest.param(char, id=f"ESC-0x{septet:02X}-U+{ord(char):04X}")
        for septet, char in EXTENSION_CHARS
    ],
)
def test_extension_character_is_two_septets(char: str) -> None:
    """80 extension characters fill one part; 81 need two, none split."""
    info = analyze(char * 80)
    assert (Encoding.GSM7, 1, 160) == (
        info.encoding,
        info.segment_count,
        info.total_units,
    )
    assert [152, 10] == [segment.units for segment in analyze(char * 81).segments]
    assert 2 == segment_count(char * 81)
    assert 3 == analyze("x" + char).total_units
    assert 3 == analyze("é" + char).total_units


@pytest.mark.parametrize(
    ("char", "reason"),
    [
        pytest.param("\x1b", "ESC itself is not a character", id="U+001B-escape"),
        pytest.param(
            "ç", "0x09 is capital Ç, not small ç", id="U+00E7-small-c-cedilla"
        ),
        pytest.param("`", "grave accent is not in the table", id="U+0060-grave"),
        pytest.param("\t", "tab is not in the table", id="U+0009-tab"),
        pytest.param("\x00", "NUL is not @ (which is 0x00)", id="U+0000-nul"),
        pytest.param("\u00a0", "no-break space", id="U+00A0-nbsp"),
        pytest.param("\u2019", "curly apostrophe", id="U+2019-quote"),
        pytest.param("\u0131", "dotless i is Turkish-only", id="U+0131-dotless-i"),
        pytest.param("\u0301", "combining acute", id="U+0301-combining"),
        pytest.param("😀", "astral character", id="U+1F600-emoji"),
        pytest.param("\ud83d", "lone high surrogate", id="U+D83D-lone-surrogate"),
    ],
)
def test_non_gsm_character_forces_ucs2(char: str, reason: str) -> None:
    """One such character makes the whole message UCS-2."""
    info = analyze(f"Hello {char} world")
    assert Encoding.UCS2 == info.encoding, reason
    assert [(char, 6)] == [(c.char, c.index) for c in info.non_gsm_characters]


def test_capital_c_cedilla_is_gsm() -> None:
    assert Encoding.GSM7 == analyze("Ça va").encoding


def test_every_bmp_character_is_classified_like_the_table() -> None:
    """The C-speed matchers agree with the table on all 65,536 BMP code points."""
    for code in range(0x10000):
        char = chr(code)
        expected = 2 if char in EXTENSION else 1 if char in BASIC else None
        info = analyze(char)
        if expected is None:
            assert (Encoding.UCS2, 1) == (info.encoding, info.total_units), hex(code)
        else:
            assert (Encoding.GSM7, expected) == (info.encoding, info.total_units), hex(
                code
            )


@pytest.mark.parametrize(
    ("char", "name"),
    [
        pytest.param("\u2019", "RIGHT SINGLE QUOTATION MARK", id="named"),
        pytest.param("\x1b", "<control-001B>", id="control"),
        pytest.param("\ud800", "<surrogate-D800>", id="surrogate"),
        pytest.param("\ue000", "<private-use-E000>", id="private-use"),
        pytest.param("\ufdd0", "<noncharacter-FDD0>", id="noncharacter-fdd0"),
        pytest.param("\U0010ffff", "<noncharacter-10FFFF>", id="noncharacter-plane"),
        pytest.param("\u0378", "<reserved-0378>", id="reserved"),
    ],
)
def test_non_gsm_character_names(char: str, name: str) -> None:
    """Characters without a Unicode name get a Unicode code point label."""
    assert [name] == [c.name for c in analyze(char).non_gsm_characters]


def test_reserved_label_matches_unicodedata_version() -> None:
    """U+0378 stays unassigned in every Unicode version Python ships."""
    assert "Cn" == unicodedata.category("\u0378")


def test_non_gsm_characters_lists_every_occurrence() -> None:
    info = analyze("a\u2019b😀c\u2019")
    assert [("\u2019", 1), ("😀", 3), ("\u2019", 5)] == [
        (c.char, c.index) for c in info.non_gsm_characters
    ]
    assert "GRINNING FACE" == info.non_gsm_characters[1].name


def test_gsm_text_has_no_non_gsm_characters() -> None:
    assert () == analyze("plain {text}").non_gsm_characters
