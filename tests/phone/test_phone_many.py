"""normalize_many: one result per input, in order, each distinct input parsed once."""

from __future__ import annotations

import phonenumbers
import pytest

from smskit._exceptions import InvalidPhoneNumber
from smskit.phone import NormalizeResult, normalize_many


def test_one_result_per_input_in_order() -> None:
    numbers = ["020 7946 0958", "12", None, "+1 415 555 2671", "020 7946 0958"]

    results = normalize_many(numbers, region="GB")

    assert [
        NormalizeResult(number="020 7946 0958", e164="+442079460958"),
        NormalizeResult(
            number="12",
            reason="too_short",
            message="'12' is too short: it has 2 digits after the country code "
            "+44, and numbers there have 7, 9 or 10 digits",
        ),
        NormalizeResult(
            number=None, reason="missing", message="no phone number given (got None)"
        ),
        NormalizeResult(number="+1 415 555 2671", e164="+14155552671"),
        NormalizeResult(number="020 7946 0958", e164="+442079460958"),
    ] == results


def test_results_expose_ok_error_and_unwrap() -> None:
    good, bad = normalize_many(["+44 20 7946 0958", "abc"])

    assert good.ok
    assert good.error is None
    assert "+442079460958" == good.unwrap()
    assert not bad.ok
    assert isinstance(bad.error, InvalidPhoneNumber)
    assert ("not_a_number", "abc") == (bad.error.reason, bad.error.number)
    with pytest.raises(InvalidPhoneNumber, match="contains no digits"):
        bad.unwrap()


def test_each_distinct_input_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real_parse = phonenumbers.parse

    def counting_parse(number: str, region: str | None = None) -> object:
        calls.append(number)
        return real_parse(number, region)

    monkeypatch.setattr(phonenumbers, "parse", counting_parse)
    numbers = ["+44 20 7946 0958", "bad 1", "+1 415 555 2671"] * 50

    first = normalize_many(numbers)
    second = normalize_many(numbers)

    assert 150 == len(first)
    assert first == second
    assert ["+44 20 7946 0958", "bad 1", "+1 415 555 2671"] == calls


def test_repeats_share_one_result_object() -> None:
    results = normalize_many(["+44 20 7946 0958"] * 3)

    assert results[0] is results[1] is results[2]


def test_accepts_any_iterable_and_wrong_types() -> None:
    results = normalize_many(iter([123, "+44 20 7946 0958"]))  # type: ignore[list-item]

    assert ["wrong_type", None] == [result.reason for result in results]


def test_empty_input() -> None:
    assert [] == normalize_many([])


def test_region_errors_are_per_result() -> None:
    (result,) = normalize_many(["020 7946 0958"], region="UK")

    assert "unknown_region" == result.reason
