"""Hypothesis properties of analyze() and segment_count()."""

from __future__ import annotations

import pytest
from encoding_reference import (
    BASIC_CHARS,
    EXTENSION_CHARS,
    capacities,
    minimal_part_count,
    reference_costs,
    reference_split,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from smskit.encoding import (
    Encoding,
    NationalLanguage,
    SegmentInfo,
    analyze,
    segment_count,
    smart_encode,
)
from smskit.encoding._national_tables import LOCKING_SHIFT, SINGLE_SHIFT

GSM_CHARS = "".join(char for _, char in BASIC_CHARS + EXTENSION_CHARS)
TRICKY = "\x1b\u00e7`\u2019\u2026\u00a0\u0301\u200d\u0436\u4f60\U0001f600\U0001f1fa"
surrogates = st.integers(0xD800, 0xDFFF).map(chr)

# Mostly GSM, so that long GSM-7 texts with escapes on boundaries come up.
gsm_texts = st.text(st.sampled_from(GSM_CHARS), max_size=700)
mixed_texts = st.text(
    st.one_of(st.sampled_from(GSM_CHARS), st.sampled_from(TRICKY)), max_size=400
)
any_texts = st.text(st.one_of(st.characters(), surrogates), max_size=300)
# Dense two-unit characters: every part boundary meets an escape or a pair,
# and texts made only of them are cut as even slices.
EXTENSION_TEXT = "".join(char for _, char in EXTENSION_CHARS)
dense_texts = st.text(
    st.sampled_from(EXTENSION_TEXT + "a\u00e9\u00a3\U0001f600\U0001f389\u2764"),
    max_size=900,
)
pure_pair_texts = st.one_of(
    st.text(st.sampled_from(EXTENSION_TEXT), max_size=900),
    st.text(st.sampled_from("\U0001f600\U0001f389\U00010000\U0010fffd"), max_size=500),
)
texts = st.one_of(gsm_texts, mixed_texts, any_texts, dense_texts, pure_pair_texts)
# Runs of look-alikes that smart encoding makes longer (a tab becomes seven
# spaces, "\u2026" three dots) between GSM texts: about half of these need
# more parts once replaced, though they are GSM-7 then.
expanding_texts = st.builds(
    lambda head, mark, count, tail: head + mark * count + tail,
    st.text(st.sampled_from(GSM_CHARS), max_size=300),
    st.sampled_from(["\t", "\u2026", "\u00bd", "\t\u2019"]),
    st.integers(1, 150),
    st.text(st.sampled_from(GSM_CHARS + "\t"), max_size=100),
)


def assert_well_formed(info: SegmentInfo) -> None:
    """Parts join back, stay within capacity and are at least one."""
    assert info.segment_count >= 1
    assert info.text == "".join(segment.text for segment in info.segments)
    offset = 0
    for segment in info.segments:
        assert offset == segment.offset
        assert segment.units <= info.units_per_segment
        offset += len(segment.text)


@given(texts)
def test_default_split_matches_reference_and_is_minimal(text: str) -> None:
    info = analyze(text)
    assert_well_formed(info)
    encoding, costs = reference_costs(text)
    single, multi = capacities(encoding)
    assert encoding == info.encoding.value
    assert (
        encoding,
        [s.text for s in info.segments],
        [s.units for s in info.segments],
    ) == (reference_split(text))
    # No escape or surrogate pair is split: each part's units are exactly the
    # cost of its own characters.
    for segment in info.segments:
        assert sum(
            reference_costs(segment.text + "\u4f60")[1]
        ) - 1 == segment.units or (
            encoding == "GSM-7"
            and sum(reference_costs(segment.text)[1]) == segment.units
        )
    assert minimal_part_count(costs, single, multi) == info.segment_count
    assert info.segment_count == segment_count(text)


@given(any_texts)
def test_ucs2_units_are_utf16_code_units(text: str) -> None:
    info = analyze(text)
    if info.encoding is Encoding.UCS2:
        for segment in info.segments:
            data = segment.text.encode("utf-16-le", "surrogatepass")
            assert len(data) // 2 == segment.units


@settings(max_examples=60)
@given(
    st.one_of(texts, expanding_texts),
    st.booleans(),
    st.sampled_from([None, ["tr"], ["es", "pt"], list(NationalLanguage)]),
    st.sampled_from(["3gpp", "graphemes"]),
)
def test_never_raises_and_is_well_formed(
    text: str, smart: bool, languages: list[str] | None, split: str
) -> None:
    info = analyze(
        text,
        smart_encoding=smart,
        national_languages=languages,
        split=split,  # type: ignore[arg-type]
    )
    assert_well_formed(info)
    assert info.segment_count == segment_count(
        text,
        smart_encoding=smart,
        national_languages=languages,
        split=split,  # type: ignore[arg-type]
    )
    if info.smart_encoding is not None and info.smart_encoding.applied:
        assert smart_encode(text) == info.text
        assert Encoding.GSM7 == info.encoding
    else:
        assert text == info.text
    if smart:
        # Smart encoding never raises the bill, whatever the other options.
        plain = analyze(
            text,
            national_languages=languages,
            split=split,  # type: ignore[arg-type]
        )
        assert info.segment_count <= plain.segment_count


@given(st.one_of(expanding_texts, texts))
def test_smart_encoding_only_ever_helps(text: str) -> None:
    plain = analyze(text)
    smart = analyze(text, smart_encoding=True)
    assert smart.segment_count <= plain.segment_count
    assert smart.segment_count == segment_count(text, smart_encoding=True)
    if smart.encoding is Encoding.UCS2:
        assert plain == smart._replace(smart_encoding=None)
    if plain.encoding is Encoding.GSM7:
        assert plain == smart
    outcome = smart.smart_encoding
    if outcome is not None:
        assert plain.segment_count == outcome.original_segment_count
        assert outcome.applied == (
            plain.encoding is Encoding.UCS2
            and outcome.encoding is Encoding.GSM7
            and outcome.segment_count <= plain.segment_count
        )


def national_cost(char: str, info: SegmentInfo) -> int:
    """Septets of one character under the tables the analysis chose."""
    one = LOCKING_SHIFT[info.locking_shift.nli] if info.locking_shift else None
    two = SINGLE_SHIFT[info.single_shift.nli] if info.single_shift else None
    one_chars = set(one) if one is not None else {c for _, c in BASIC_CHARS}
    two_chars = set(two) if two is not None else {c for _, c in EXTENSION_CHARS}
    assert char in one_chars | two_chars
    return 1 if char in one_chars else 2


national_texts = st.text(
    st.sampled_from(
        "ağışçöüĞİŞÇ€áéíóúÁÉÍÓÚñÑêôãõâÀÂÊÔ`ªº∞abcxyz {}[]^~|"
        "\u0915\u0916\u0930\u093f\u0627\u0628\u0649"
    ),
    max_size=400,
)


@settings(max_examples=100)
@given(national_texts)
def test_national_tables_never_cost_more_and_cost_right(text: str) -> None:
    info = analyze(text, national_languages=list(NationalLanguage))
    assert_well_formed(info)
    assert info.segment_count <= segment_count(text)
    if info.encoding is Encoding.GSM7:
        for segment in info.segments:
            assert (
                sum(national_cost(char, info) for char in segment.text) == segment.units
            )


@settings(max_examples=100)
@given(mixed_texts)
def test_graphemes_keep_clusters_that_fit(text: str) -> None:
    regex = pytest.importorskip("regex")
    info = analyze(text, split="graphemes")
    assert_well_formed(info)
    assert info.segment_count >= segment_count(text)
    clusters = regex.findall(r"\X", text)
    starts, position = {}, 0
    for cluster in clusters:
        starts[position] = cluster
        position += len(cluster)
    for segment in info.segments[1:]:
        if segment.offset not in starts:
            # Cut inside a cluster: only allowed when it cannot fit any part.
            owner = max(start for start in starts if start < segment.offset)
            owner_units = sum(reference_costs(starts[owner] + "\u4f60")[1]) - 1
            assert (
                owner_units > info.units_per_segment or info.encoding is Encoding.GSM7
            )
