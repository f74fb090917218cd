"""split="graphemes": extended grapheme clusters kept inside one part."""

from __future__ import annotations

import sys

import pytest

from smskit import ConfigurationError
from smskit.encoding import Encoding, _graphemes, analyze, segment_count

pytest.importorskip("regex")  # the graphemes extra


def units(text: str, **options: object) -> list[int]:
    return [segment.units for segment in analyze(text, **options).segments]  # type: ignore[arg-type]


def test_flags_stay_whole() -> None:
    text = "\U0001f1fa\U0001f1f8" * 33  # 33 flags, 4 units each
    assert [66, 66] == units(text)
    assert [64, 64, 4] == units(text, split="graphemes")
    assert 3 == segment_count(text, split="graphemes")


def test_combining_marks_stay_with_their_letter() -> None:
    text = "e\u0301" * 67
    assert [67, 67] == units(text)
    assert [66, 66, 2] == units(text, split="graphemes")


def test_crlf_is_one_cluster() -> None:
    text = "a" * 152 + "\r\n" + "a" * 10
    assert [153, 11] == units(text)
    assert [152, 12] == units(text, split="graphemes")


def test_zwj_sequence_stays_whole() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # 8 units
    info = analyze("x" * 60 + family + "y" * 10, split="graphemes")
    assert [60, 18] == [s.units for s in info.segments]
    assert family in info.segments[1].text


def test_oversized_cluster_is_split_not_overfilled() -> None:
    """Twilio puts a 459-unit cluster in one 459-unit part; we never overfill."""
    text = "e" + "\u0301" * 458
    info = analyze(text, split="graphemes")
    assert [67] * 6 + [57] == [s.units for s in info.segments]
    assert text == "".join(s.text for s in info.segments)


def test_oversized_cluster_fills_the_current_part() -> None:
    text = "x" * 10 + "e" + "\u0301" * 100 + "\U0001f600" * 30
    info = analyze(text, split="graphemes")
    assert [67, 66, 38] == [s.units for s in info.segments]


def test_oversized_cluster_never_splits_a_pair() -> None:
    text = "x" * 66 + "\U0001f600" + "\u200d\U0001f600" * 40
    info = analyze(text, split="graphemes")
    assert text == "".join(s.text for s in info.segments)
    assert all(s.units <= 67 for s in info.segments)
    assert 66 == info.segments[0].units


def test_graphemes_without_clusters_match_3gpp() -> None:
    text = "abc\u20ac" * 60
    assert analyze(text) == analyze(text, split="graphemes")


def test_graphemes_national() -> None:
    text = "\u015f\u0307" * 100  # ş + combining dot: not in any GSM table
    info = analyze(text, split="graphemes", national_languages=["tr"])
    assert Encoding.UCS2 == info.encoding
    assert all(s.units % 2 == 0 for s in info.segments)


def test_graphemes_without_regex(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "regex", None)
    _graphemes._cluster_pattern.cache_clear()
    try:
        with pytest.raises(
            ConfigurationError, match=r"pip install 'smskit-sdk\[graphemes\]'"
        ):
            analyze("x" * 200, split="graphemes")
    finally:
        _graphemes._cluster_pattern.cache_clear()


def test_zwj_run_matches_the_design_note() -> None:
    """20 eye-in-speech-bubble sequences (7 units): Twilio [63, 63, 14]."""
    text = "\U0001f441\ufe0f\u200d\U0001f5e8\ufe0f" * 20
    assert [67, 66, 7] == units(text)
    assert [63, 63, 14] == units(text, split="graphemes")
