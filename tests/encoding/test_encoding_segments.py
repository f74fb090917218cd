"""Part boundaries, with escape and surrogate pairs placed exactly on them.

Expected part sizes were worked out by hand from TS 23.040 §9.2.3.24.1: an
escape pair (``€``, ``]``: 2 septets) or surrogate pair (``😀``: 2 UTF-16
units) that would straddle a boundary moves whole to the next part, but the
single-part limit (160/70) applies to the total.
"""

from __future__ import annotations

import pytest
from encoding_reference import capacities, reference_split

from smskit.encoding import Encoding, analyze, segment_count

GSM, UCS2 = Encoding.GSM7, Encoding.UCS2
a, E, B = "a", "€", "]"  # 1 septet, 2 septets, 2 septets
U, M = "ж", "😀"  # 1 UTF-16 unit, 2 units (surrogate pair)

CASES = [
    pytest.param("", GSM, [0], id="empty-is-one-part"),
    pytest.param(a * 152, GSM, [152], id="gsm-152"),
    pytest.param(a * 153, GSM, [153], id="gsm-153"),
    pytest.param(a * 154, GSM, [154], id="gsm-154"),
    pytest.param(a * 159, GSM, [159], id="gsm-159"),
    pytest.param(a * 160, GSM, [160], id="gsm-160"),
    pytest.param(a * 161, GSM, [153, 8], id="gsm-161"),
    pytest.param(a * 158 + E, GSM, [160], id="gsm-160-escape-last"),
    pytest.param(a * 159 + E, GSM, [153, 8], id="gsm-161-escape-last"),
    pytest.param(a * 151 + E, GSM, [153], id="gsm-153-escape-ends-at-153"),
    pytest.param(a * 152 + E, GSM, [154], id="gsm-154-escape-straddles-single"),
    pytest.param(a * 152 + E + a * 6, GSM, [160], id="gsm-160-escape-straddles-153"),
    pytest.param(a * 152 + E + a * 7, GSM, [152, 9], id="gsm-161-escape-at-153-moves"),
    pytest.param(a * 151 + E + a * 8, GSM, [153, 8], id="gsm-161-escape-ends-at-153"),
    pytest.param(a * 153 + E + a * 6, GSM, [153, 8], id="gsm-161-escape-opens-part-2"),
    pytest.param(B * 80, GSM, [160], id="gsm-80-escapes"),
    pytest.param(B * 81, GSM, [152, 10], id="gsm-81-escapes"),
    pytest.param(a * 305, GSM, [153, 152], id="gsm-305"),
    pytest.param(a * 306, GSM, [153, 153], id="gsm-306"),
    pytest.param(a * 307, GSM, [153, 153, 1], id="gsm-307"),
    pytest.param(B * 153, GSM, [152, 152, 2], id="gsm-306-all-escapes-three-parts"),
    pytest.param(a * 304 + E, GSM, [153, 153], id="gsm-306-escape-ends-at-306"),
    pytest.param(a * 305 + E, GSM, [153, 152, 2], id="gsm-307-escape-at-306-moves"),
    pytest.param(a * 305 + E + a, GSM, [153, 152, 3], id="gsm-308-escape-at-306"),
    pytest.param(a * 459, GSM, [153, 153, 153], id="gsm-459"),
    pytest.param(a * 460, GSM, [153, 153, 153, 1], id="gsm-460"),
    pytest.param(a * 461, GSM, [153, 153, 153, 2], id="gsm-461"),
    pytest.param(a * 457 + E, GSM, [153, 153, 153], id="gsm-459-escape-ends-at-459"),
    pytest.param(a * 458 + E, GSM, [153, 153, 152, 2], id="gsm-460-escape-at-459"),
    pytest.param(B * 229 + a, GSM, [152, 152, 152, 3], id="gsm-459-escapes-four-parts"),
    pytest.param(a * 158 + "\r\n", GSM, [160], id="crlf-counts-two-160"),
    pytest.param(a * 80 + "\r\n" + a * 79, GSM, [153, 8], id="crlf-counts-two-161"),
    pytest.param(U * 69, UCS2, [69], id="ucs2-69"),
    pytest.param(U * 70, UCS2, [70], id="ucs2-70"),
    pytest.param(U * 71, UCS2, [67, 4], id="ucs2-71"),
    pytest.param(U * 68 + M, UCS2, [70], id="ucs2-70-pair-last"),
    pytest.param(U * 69 + M, UCS2, [67, 4], id="ucs2-71-pair-last"),
    pytest.param(U * 66 + M + U * 2, UCS2, [70], id="ucs2-70-pair-straddles-67"),
    pytest.param(U * 66 + M + U * 3, UCS2, [66, 5], id="ucs2-71-pair-at-67-moves"),
    pytest.param(U * 65 + M + U * 4, UCS2, [67, 4], id="ucs2-71-pair-ends-at-67"),
    pytest.param(M * 35, UCS2, [70], id="ucs2-35-emoji"),
    pytest.param(M * 36, UCS2, [66, 6], id="ucs2-36-emoji"),
    pytest.param(M * 67, UCS2, [66, 66, 2], id="ucs2-67-emoji-three-parts"),
    pytest.param(U * 133, UCS2, [67, 66], id="ucs2-133"),
    pytest.param(U * 134, UCS2, [67, 67], id="ucs2-134"),
    pytest.param(U * 135, UCS2, [67, 67, 1], id="ucs2-135"),
    pytest.param(U * 132 + M, UCS2, [67, 67], id="ucs2-134-pair-ends-at-134"),
    pytest.param(U * 133 + M, UCS2, [67, 66, 2], id="ucs2-135-pair-at-134-moves"),
    pytest.param(U * 201, UCS2, [67, 67, 67], id="ucs2-201"),
    pytest.param(U * 202, UCS2, [67, 67, 67, 1], id="ucs2-202"),
    pytest.param(U * 200 + M, UCS2, [67, 67, 66, 2], id="ucs2-202-pair-at-201-moves"),
    pytest.param(a * 69 + "\u2019", UCS2, [70], id="one-quote-makes-ucs2-70"),
    pytest.param(a * 70 + "\u2019", UCS2, [67, 4], id="one-quote-makes-ucs2-71"),
    pytest.param(E * 69 + "\u2019", UCS2, [70], id="escape-char-is-one-unit-in-ucs2"),
    pytest.param("\ud83d" * 71, UCS2, [67, 4], id="lone-surrogates-one-unit-each"),
    pytest.param("\u00e9" * 60 + "\x00", UCS2, [61], id="nul-far-into-non-ascii-text"),
    pytest.param("\u00e9" * 60 + "\x1b", UCS2, [61], id="esc-far-into-non-ascii-text"),
    pytest.param(
        "\ud83d\ude00" * 36,
        UCS2,
        [67, 5],
        id="surrogate-code-points-are-not-paired",
    ),
]


@pytest.mark.parametrize(("text", "encoding", "units"), CASES)
def test_parts(text: str, encoding: Encoding, units: list[int]) -> None:
    info = analyze(text)
    assert encoding == info.encoding
    assert units == [segment.units for segment in info.segments]
    assert len(units) == info.segment_count == segment_count(text)
    assert sum(units) == info.total_units
    assert text == "".join(segment.text for segment in info.segments)
    assert text == info.text
    assert info.smart_encoding is None
    assert info.locking_shift is None
    assert info.single_shift is None


@pytest.mark.parametrize(("text", "encoding", "units"), CASES)
def test_parts_match_reference_model(
    text: str, encoding: Encoding, units: list[int]
) -> None:
    """The hand-worked numbers agree with the character-by-character model."""
    info = analyze(text)
    assert (encoding.value, [s.text for s in info.segments], units) == reference_split(
        text
    )


@pytest.mark.parametrize(("text", "encoding", "units"), CASES)
def test_offsets_and_room_left(text: str, encoding: Encoding, units: list[int]) -> None:
    info = analyze(text)
    single, multi = capacities(encoding.value)
    capacity = single if len(units) == 1 else multi
    assert capacity == info.units_per_segment
    assert capacity - units[-1] == info.units_remaining
    for segment in info.segments:
        assert segment.text == text[segment.offset : segment.offset + len(segment.text)]


def test_empty_text_is_one_empty_part() -> None:
    info = analyze("")
    assert 1 == info.segment_count
    assert ("", 0, 0) == (info.segments[0].text, info.segments[0].units, 0)
    assert 160 == info.units_remaining


def test_segment_offsets_count_characters_not_units() -> None:
    info = analyze(M * 36)
    assert [0, 33] == [segment.offset for segment in info.segments]


def test_long_text_offsets() -> None:
    text = "0123456789" * 160
    info = analyze(text)
    assert 11 == info.segment_count
    assert [153 * k for k in range(11)] == [s.offset for s in info.segments]
    assert 11 == segment_count(text)


def test_encoding_str_and_value() -> None:
    assert "GSM-7" == str(Encoding.GSM7) == Encoding.GSM7.value
    assert "UCS-2" == str(Encoding.UCS2)
    assert Encoding.UCS2 == Encoding("UCS-2")
