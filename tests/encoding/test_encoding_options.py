"""Smart encoding, national language tables, grapheme splitting, length checks."""

from __future__ import annotations

from typing import Any

import pytest

from smskit import ConfigurationError, MessageTooLong, OptionTypeError
from smskit.encoding import (
    DEFAULT_MAX_SEGMENTS,
    Encoding,
    NationalLanguage,
    analyze,
    check_length,
    segment_count,
    smart_encode,
)

GSM, UCS2 = Encoding.GSM7, Encoding.UCS2
TR, ES, PT = (
    NationalLanguage.TURKISH,
    NationalLanguage.SPANISH,
    NationalLanguage.PORTUGUESE,
)


def units(text: str, **options: object) -> list[int]:
    return [segment.units for segment in analyze(text, **options).segments]  # type: ignore[arg-type]


# -- smart encoding ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("\u201cHi\u201d \u2018x\u2019", "\"Hi\" 'x'", id="quotes"),
        pytest.param("a\u2013b\u2014c", "a-b-c", id="dashes"),
        pytest.param("wait\u2026", "wait...", id="ellipsis-expands"),
        pytest.param("a\tb", "a       b", id="tab-is-seven-spaces"),
        pytest.param("a\u00a0b", "a  b", id="nbsp-is-two-spaces"),
        pytest.param("a\u2028b", "a b", id="line-separator-is-one-space"),
        pytest.param("a\u200bb\ufeff", "ab", id="zero-width-removed"),
        pytest.param("\uff21\uff22\uff5b", "AB{", id="fullwidth"),
        pytest.param("\u00bd", "1/2", id="vulgar-fraction"),
        pytest.param("ok \U0001f600", "ok \U0001f600", id="emoji-kept"),
    ],
)
def test_smart_encode(text: str, expected: str) -> None:
    assert expected == smart_encode(text)


def test_smart_encoding_applied_when_it_makes_gsm() -> None:
    text = "\u201cHello\u201d \u2013 it\u2019s\u2026"
    info = analyze(text, smart_encoding=True)
    assert (GSM, '"Hello" - it\'s...') == (info.encoding, info.text)
    assert info.smart_encoding is not None
    assert info.smart_encoding.applied
    assert info.text == info.smart_encoding.text
    assert (GSM, 1, 1) == (
        info.smart_encoding.encoding,
        info.smart_encoding.segment_count,
        info.smart_encoding.original_segment_count,
    )
    assert "".join(s.text for s in info.segments) == info.text


def test_smart_encoding_saves_parts() -> None:
    text = "x" * 100 + "\u2019"  # one curly quote: 101 UCS-2 units, 2 parts
    assert 2 == segment_count(text)
    info = analyze(text, smart_encoding=True)
    assert (GSM, 1) == (info.encoding, info.segment_count)
    assert info.smart_encoding is not None
    assert 2 == info.smart_encoding.original_segment_count
    assert 1 == segment_count(text, smart_encoding=True)


def test_smart_encoding_not_applied_when_text_stays_ucs2() -> None:
    """Twilio's calculator would replace here and count 2 parts; we keep 1."""
    text = "\U0001f600" + "x" * 62 + "\u2026" * 3  # 67 units; smart: 73 units
    info = analyze(text, smart_encoding=True)
    assert (UCS2, text, 1) == (info.encoding, info.text, info.segment_count)
    assert info.smart_encoding is not None
    assert not info.smart_encoding.applied
    assert (UCS2, 2, 1) == (
        info.smart_encoding.encoding,
        info.smart_encoding.segment_count,
        info.smart_encoding.original_segment_count,
    )
    assert 1 == segment_count(text, smart_encoding=True)


def test_smart_encoding_never_adds_parts() -> None:
    """A tab becomes seven spaces: GSM-7, but four parts instead of one."""
    text = "x" + "\t" * 67  # 68 UCS-2 units; smart: 470 septets
    info = analyze(text, smart_encoding=True)
    assert (UCS2, text, 1) == (info.encoding, info.text, info.segment_count)
    assert info.smart_encoding is not None
    assert not info.smart_encoding.applied
    assert (GSM, 4, 1) == (
        info.smart_encoding.encoding,
        info.smart_encoding.segment_count,
        info.smart_encoding.original_segment_count,
    )
    assert 1 == segment_count(text, smart_encoding=True)
    assert info == check_length(text, max_segments=1, smart_encoding=True)


@pytest.mark.parametrize(
    ("tabs", "applied", "parts"),
    [
        # 71 UCS-2 units (2 parts) against 32 + 7 * 39 = 305 septets (2 parts).
        pytest.param(39, True, 2, id="as-many-parts-applied"),
        # 72 units (2 parts) against 312 septets (3 parts).
        pytest.param(40, False, 2, id="one-more-part-kept"),
    ],
)
def test_smart_encoding_applied_up_to_the_same_count(
    tabs: int, applied: bool, parts: int
) -> None:
    text = "a" * 32 + "\t" * tabs
    info = analyze(text, smart_encoding=True)
    assert info.smart_encoding is not None
    assert (applied, parts) == (info.smart_encoding.applied, info.segment_count)
    assert (GSM if applied else UCS2) == info.encoding
    assert parts == segment_count(text, smart_encoding=True)


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"national_languages": ["tr"]}, id="national"),
        pytest.param({"split": "graphemes"}, id="graphemes"),
    ],
)
def test_smart_encoding_never_adds_parts_with_options(options: dict[str, Any]) -> None:
    text = "x" + "\t" * 67
    info = analyze(text, smart_encoding=True, **options)
    assert (text, 1) == (info.text, info.segment_count)
    assert 1 == segment_count(text, smart_encoding=True, **options)


def test_smart_encoding_absent_when_nothing_to_replace() -> None:
    assert analyze("plain text", smart_encoding=True).smart_encoding is None
    assert analyze("\u4f60\u597d", smart_encoding=True).smart_encoding is None
    assert 1 == segment_count("plain text", smart_encoding=True)


def test_smart_encoding_not_needed_when_national_table_fits() -> None:
    """The grave accent is in the Portuguese locking table, so no replacement."""
    info = analyze("a`b", smart_encoding=True, national_languages=["pt"])
    assert (GSM, PT) == (info.encoding, info.locking_shift)
    assert "a`b" == info.text
    assert info.smart_encoding is not None
    assert not info.smart_encoding.applied
    assert ("a'b", GSM) == (info.smart_encoding.text, info.smart_encoding.encoding)


# -- national language shift tables -------------------------------------------


def test_turkish_locking_shift_turns_three_parts_into_one() -> None:
    text = "\u015f" * 150  # ş
    assert (UCS2, 3) == (analyze(text).encoding, segment_count(text))
    info = analyze(text, national_languages=[TR])
    assert (GSM, TR, None) == (info.encoding, info.locking_shift, info.single_shift)
    assert ([150], 155) == (
        units(text, national_languages=[TR]),
        info.units_per_segment,
    )
    assert 1 == segment_count(text, national_languages="tr")


def test_spanish_single_shift_149_21() -> None:
    """The design note's example: 160 chars of Spanish, 3 parts vs 2."""
    text = "\u00e1" * 10 + "a" * 150  # á costs 2 septets in the Spanish table
    assert 3 == segment_count(text)
    info = analyze(text, national_languages=[ES])
    assert (GSM, None, ES) == (info.encoding, info.locking_shift, info.single_shift)
    assert [149, 21] == [s.units for s in info.segments]
    assert 149 == info.units_per_segment


def test_portuguese() -> None:
    info = analyze("Voc\u00ea est\u00e1 \u00f3timo", national_languages=[PT])
    assert GSM == info.encoding
    assert PT in (info.locking_shift, info.single_shift)


def test_two_shift_tables_cost_152_and_146() -> None:
    text = "\u0131\u00e1"  # dotless i (Turkish locking), á (Spanish single)
    info = analyze(text, national_languages=[TR, ES])
    assert (TR, ES, 152) == (
        info.locking_shift,
        info.single_shift,
        info.units_per_segment,
    )
    long_info = analyze(text * 60, national_languages=[TR, ES])
    assert 146 == long_info.units_per_segment
    assert all(s.units <= 146 for s in long_info.segments)


def test_locking_table_beats_default_for_euro() -> None:
    """€ is 2 septets by default but 1 in the Turkish locking table."""
    text = "\u20ac" * 100
    assert 2 == segment_count(text)
    info = analyze(text, national_languages=["tr"])
    assert (1, TR, 100) == (info.segment_count, info.locking_shift, info.total_units)


def test_default_alphabet_wins_ties() -> None:
    info = analyze("hello", national_languages=list(NationalLanguage))
    assert (None, None, 160) == (
        info.locking_shift,
        info.single_shift,
        info.units_per_segment,
    )


def test_no_table_fits() -> None:
    info = analyze("\u4f60\u597d", national_languages=list(NationalLanguage))
    assert (UCS2, None, None) == (info.encoding, info.locking_shift, info.single_shift)


def test_every_language_has_a_table() -> None:
    """Each language's own characters fit its tables (Spanish: single only)."""
    samples = {
        "tr": "\u011f\u0131\u015f",
        "es": "\u00e1\u00ed",
        "pt": "\u00ea\u00f4",
        "bn": "\u0995\u0996",
        "gu": "\u0a95\u0a96",
        "hi": "\u0915\u0916",
        "kn": "\u0c95\u0c96",
        "ml": "\u0d15\u0d16",
        "or": "\u0b15\u0b16",
        "pa": "\u0a15\u0a16",
        "ta": "\u0b95\u0b99",
        "te": "\u0c15\u0c16",
        "ur": "\u0627\u0628",
    }
    assert {lang.value for lang in NationalLanguage} == set(samples)
    for code, text in samples.items():
        info = analyze(text * 40, national_languages=[code])
        assert GSM == info.encoding, code
        assert NationalLanguage(code) in (info.locking_shift, info.single_shift)


def test_language_identifiers() -> None:
    assert [*range(1, 14)] == [lang.nli for lang in NationalLanguage]
    assert "tr" == str(TR)


@pytest.mark.parametrize(
    "languages",
    [
        pytest.param("TR", id="upper-case-code"),
        pytest.param(TR, id="member"),
        pytest.param(["tr", TR], id="duplicates"),
        pytest.param(iter(["tr"]), id="iterator"),
    ],
)
def test_language_spellings(languages: object) -> None:
    info = analyze("\u015f", national_languages=languages)  # type: ignore[arg-type]
    assert TR == info.locking_shift


def test_unknown_language() -> None:
    with pytest.raises(ConfigurationError, match="unknown national language 'xx'"):
        analyze("x", national_languages=["xx"])


@pytest.mark.parametrize(
    "languages",
    [
        pytest.param(5, id="int"),
        pytest.param(b"tr", id="bytes-iterate-as-ints"),
        pytest.param(["tr", 1], id="int-in-list"),
        pytest.param([None], id="none-in-list"),
    ],
)
def test_languages_of_the_wrong_type(languages: object) -> None:
    with pytest.raises(OptionTypeError, match="national_languages must be"):
        analyze("x", national_languages=languages)  # type: ignore[arg-type]


def test_unknown_split() -> None:
    with pytest.raises(ConfigurationError, match="split must be"):
        analyze("x", split="words")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="split must be"):
        segment_count("x", split="words")  # type: ignore[arg-type]
    with pytest.raises(OptionTypeError, match=r"split must be .*, not int"):
        analyze("x", split=3)  # type: ignore[arg-type]


# -- check_length --------------------------------------------------------------


def test_default_maximum_is_ten() -> None:
    assert 10 == DEFAULT_MAX_SEGMENTS
    info = check_length("x" * 1530)
    assert 10 == info.segment_count
    with pytest.raises(MessageTooLong) as caught:
        check_length("x" * 1531)
    assert (11, 10) == (caught.value.segments, caught.value.max_segments)
    assert "needs 11 SMS segments (1531 septets, GSM-7)" in str(caught.value)


def test_too_long_names_the_character_that_forced_ucs2() -> None:
    with pytest.raises(MessageTooLong, match="because of '\u2019' \\(RIGHT SINGLE"):
        check_length("x" * 200 + "\u2019", max_segments=2)


def test_check_length_accepts_an_analysis_and_options() -> None:
    info = analyze("x" * 400)
    assert info is check_length(info, max_segments=3)
    with pytest.raises(MessageTooLong):
        check_length(info, max_segments=2)
    text = "x" * 100 + "\u2019"
    with pytest.raises(MessageTooLong):
        check_length(text, max_segments=1)
    assert 1 == check_length(text, max_segments=1, smart_encoding=True).segment_count


@pytest.mark.parametrize("bad", [0, 256, -1])
def test_check_length_rejects_bad_maximum(bad: int) -> None:
    with pytest.raises(ConfigurationError, match="max_segments") as caught:
        check_length("x", max_segments=bad)
    assert not isinstance(caught.value, TypeError)


@pytest.mark.parametrize("bad", [True, 1.5, "3", None])
def test_check_length_rejects_a_maximum_of_the_wrong_type(bad: object) -> None:
    name = type(bad).__name__
    with pytest.raises(OptionTypeError, match=f"max_segments .*, not {name}$"):
        check_length("x", max_segments=bad)  # type: ignore[arg-type]
