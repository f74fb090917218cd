"""Every public encoding function refuses a text that is not a str."""

from __future__ import annotations

from collections import UserString
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smskit import ArgumentTypeError, InvalidInput, InvalidMessage
from smskit.encoding import analyze, check_length, segment_count, smart_encode

FUNCTIONS: list[Any] = [
    pytest.param(analyze, id="analyze"),
    pytest.param(segment_count, id="segment_count"),
    pytest.param(check_length, id="check_length"),
    pytest.param(smart_encode, id="smart_encode"),
]
# Each option set takes another path through analyze() and segment_count().
OPTIONS: list[Any] = [
    pytest.param({}, id="default"),
    pytest.param({"smart_encoding": True}, id="smart"),
    pytest.param({"national_languages": ["tr"]}, id="national"),
    pytest.param({"split": "graphemes"}, id="graphemes"),
]
NOT_TEXT: list[Any] = [
    pytest.param(b"abc", id="ascii-bytes"),
    pytest.param(b"", id="empty-bytes"),
    pytest.param("caf\u00e9 \u2019".encode(), id="utf8-bytes"),
    pytest.param(bytearray(b"abc"), id="bytearray"),
    pytest.param(memoryview(b"abc"), id="memoryview"),
    pytest.param(None, id="none"),
    pytest.param(42, id="int"),
    pytest.param(1.5, id="float"),
    pytest.param(["a", "b"], id="list"),
    pytest.param(("a",), id="tuple"),
    # Has isascii(), encode() and len(): the duck would pass a lax check.
    pytest.param(UserString("abc"), id="userstring-ascii"),
    pytest.param(UserString("\u2019"), id="userstring-unicode"),
]

Function = Callable[..., object]


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("value", NOT_TEXT)
def test_refuses_what_is_not_text(function: Function, value: object) -> None:
    with pytest.raises(ArgumentTypeError) as caught:
        function(value)

    error = caught.value
    assert isinstance(error, InvalidMessage)
    assert isinstance(error, InvalidInput)
    assert isinstance(error, TypeError)
    assert f", not {type(value).__name__}" in str(error)
    # The error says what went wrong without the noise of the first failure.
    assert error.__suppress_context__


@pytest.mark.parametrize("function", [analyze, segment_count, check_length])
@pytest.mark.parametrize("options", OPTIONS)
def test_refuses_bytes_with_every_option(
    function: Function, options: dict[str, object]
) -> None:
    with pytest.raises(ArgumentTypeError, match="not bytes; decode it first"):
        function(b"hello", **options)


def test_the_message_never_holds_the_text() -> None:
    """A body may be personal; only its type is named."""
    with pytest.raises(ArgumentTypeError) as caught:
        analyze(b"my secret code 4711")  # type: ignore[arg-type]

    assert "4711" not in str(caught.value)
    assert "4711" not in repr(caught.value)


def test_check_length_names_both_accepted_types() -> None:
    with pytest.raises(ArgumentTypeError, match=r"a str or a SegmentInfo, not int"):
        check_length(7)  # type: ignore[arg-type]


class Body(str):
    """A str subclass, as template engines and ORMs hand out (Markup, ...)."""

    __slots__ = ()


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize(
    "text",
    [
        pytest.param("x" * 200, id="gsm"),
        pytest.param("x" * 100 + "\u2019", id="curly"),
        pytest.param("\U0001f600" * 40, id="emoji"),
        pytest.param("\ud800", id="lone-surrogate"),
        pytest.param("", id="empty"),
    ],
)
def test_str_subclasses_are_text(text: str, options: dict[str, Any]) -> None:
    expected = analyze(text, **options)
    info = analyze(Body(text), **options)

    assert expected == info
    assert expected.segment_count == segment_count(Body(text), **options)
    assert expected == check_length(Body(text), max_segments=255, **options)
    assert smart_encode(text) == smart_encode(Body(text))


@given(st.binary(max_size=40))
def test_any_bytes_are_refused_by_the_hot_path(data: bytes) -> None:
    functions: tuple[Function, ...] = (analyze, segment_count)
    for function in functions:
        with pytest.raises(ArgumentTypeError):
            function(data)
