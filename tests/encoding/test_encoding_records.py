"""Segment and SegmentInfo: tuples with named fields, built from one sequence."""

from __future__ import annotations

import pickle

import pytest

from smskit.encoding import Encoding, NationalLanguage, Segment, SegmentInfo, analyze
from smskit.encoding._national import candidate_alphabets, resolve_languages


def test_segment_fields_and_tuple_behaviour() -> None:
    segment = Segment(("Hi", 2, 5))
    assert ("Hi", 2, 5) == (segment.text, segment.units, segment.offset)
    assert ("Hi", 2, 5) == segment
    text, units, offset = segment
    assert ("Hi", 2, 5) == (text, units, offset)
    assert "Segment(text='Hi', units=2, offset=5)" == repr(segment)
    assert {"text": "Hi", "units": 2, "offset": 5} == segment._asdict()
    assert ("text", "units", "offset") == Segment._fields


def test_segment_info_fields_match_the_analysis() -> None:
    info = analyze("a" * 161)
    assert "a" * 161 == info.text
    assert Encoding.GSM7 == info.encoding
    assert (Segment(("a" * 153, 153, 0)), Segment(("a" * 8, 8, 153))) == info.segments
    assert 153 == info.units_per_segment
    assert (None, None, None) == (
        info.smart_encoding,
        info.locking_shift,
        info.single_shift,
    )
    assert info._fields == tuple(info._asdict())
    assert repr(info).startswith("SegmentInfo(text='aaa")
    assert "units_per_segment=153" in repr(info)


def test_national_tables_are_reported() -> None:
    info = analyze("Şeker ğ", national_languages=[NationalLanguage.TURKISH])
    # Ş and ğ are in the Turkish locking table, so no single shift is needed.
    assert (NationalLanguage.TURKISH, None, 155) == (
        info.locking_shift,
        info.single_shift,
        info.units_per_segment,
    )


def test_replace_returns_a_changed_copy() -> None:
    info = analyze("hello")
    changed = info._replace(text="other", units_per_segment=1)
    assert ("other", 1) == (changed.text, changed.units_per_segment)
    assert type(info) is type(changed)
    assert info.segments == changed.segments
    assert "hello" == info.text


def test_replace_rejects_unknown_fields() -> None:
    with pytest.raises(TypeError, match="SegmentInfo has no field 'colour'"):
        analyze("hello")._replace(colour="red")


def test_records_pickle_and_compare() -> None:
    info = analyze("\U0001f600" * 40 + "{}")
    copy = pickle.loads(pickle.dumps(info))  # noqa: S301 -- our own data
    assert info == copy
    assert type(info) is type(copy)
    assert type(info.segments[0]) is type(copy.segments[0])
    assert hash(info.segments[0]) == hash(copy.segments[0])


def test_records_support_match_statements() -> None:
    match analyze("hi"):
        case SegmentInfo(text, encoding, (Segment(part, units, 0),)):
            assert ("hi", Encoding.GSM7, "hi", 2) == (text, encoding, part, units)
        case _:  # pragma: no cover - the case above must match
            pytest.fail("no match")


def test_no_alphabet_uses_the_septet_space_filler_byte() -> None:
    # Septet space deletes 0xFF fillers, so no table may encode to byte 0xFF.
    everything = resolve_languages(list(NationalLanguage))
    for alphabet in candidate_alphabets(everything):
        assert 0xFF not in alphabet.codec.two_septet_bytes
        assert max(alphabet.codec.two_septet_bytes, default=0) < 0xFF
