"""parse(): the facts about a number, and the memo behind it."""

from __future__ import annotations

import pickle

import attrs
import phonenumbers
import pytest

from smskit._exceptions import InvalidPhoneNumber
from smskit.phone import NumberType, PhoneNumber, _normalize, parse, to_e164


class TestFacts:
    def test_uk_landline(self) -> None:
        number = parse("020 7946 0958", "GB")

        assert (
            PhoneNumber(
                e164="+442079460958",
                country_code=44,
                region="GB",
                national_number="2079460958",
                number_type=NumberType.FIXED_LINE,
                international="+44 20 7946 0958",
                national="020 7946 0958",
                time_zones=("Europe/London",),
                carrier=None,
            )
            == number
        )
        assert "+442079460958" == str(number)
        assert not number.is_mobile
        assert not number.can_receive_sms

    def test_brazilian_mobile(self) -> None:
        number = parse("(11) 96123-4567", "BR")

        assert NumberType.MOBILE is number.number_type
        assert number.is_mobile
        assert number.can_receive_sms
        assert ("America/Sao_Paulo",) == number.time_zones

    def test_carrier_where_known(self) -> None:
        assert "China Mobile" == parse("+86 138 0013 8000").carrier

    def test_us_numbers_may_be_mobile(self) -> None:
        """The NANP does not separate mobile ranges; SMS may still work."""
        number = parse("+1 415 555 2671")

        assert NumberType.FIXED_LINE_OR_MOBILE is number.number_type
        assert not number.is_mobile
        assert number.can_receive_sms
        assert ("America/Los_Angeles",) == number.time_zones

    def test_caribbean_mobile_gets_its_own_zone(self) -> None:
        """phonenumbers alone would give all 42 zones of +1."""
        number = parse("+1 876-210-1234")

        assert "JM" == number.region
        assert NumberType.MOBILE is number.number_type
        assert ("America/Jamaica",) == number.time_zones

    def test_russian_mobile_spans_many_zones(self) -> None:
        number = parse("+7 912 345-67-89")

        assert {"Europe/Moscow", "Asia/Vladivostok"} <= set(number.time_zones)

    def test_non_geographic_number(self) -> None:
        number = parse("+800 1234 5678")

        assert "001" == number.region
        assert NumberType.TOLL_FREE is number.number_type
        assert () == number.time_zones

    def test_italian_leading_zero_is_kept(self) -> None:
        number = parse("+39 02 1234 5678")

        assert "0212345678" == number.national_number
        assert "+390212345678" == number.e164

    @pytest.mark.parametrize(
        ("number", "kind"),
        [
            pytest.param("+44 7400 123456", NumberType.MOBILE, id="mobile"),
            pytest.param("+44 121 234 5678", NumberType.FIXED_LINE, id="fixed"),
            pytest.param("+1 201-555-0123", NumberType.FIXED_LINE_OR_MOBILE, id="flm"),
            pytest.param("+44 56 1234 5678", NumberType.VOIP, id="voip"),
            pytest.param("+44 800 123 4567", NumberType.TOLL_FREE, id="toll-free"),
            pytest.param("+44 901 234 5678", NumberType.PREMIUM_RATE, id="premium"),
            pytest.param("+61 1300 123 456", NumberType.SHARED_COST, id="shared"),
            pytest.param("+44 70 1234 5678", NumberType.PERSONAL_NUMBER, id="personal"),
            pytest.param("+44 76 4012 3456", NumberType.PAGER, id="pager"),
            pytest.param("+971 600 212345", NumberType.UAN, id="uan"),
            pytest.param("+49 177 99 1234567", NumberType.VOICEMAIL, id="voicemail"),
            pytest.param("+55 11 2345-6789", NumberType.FIXED_LINE, id="br-fixed"),
            pytest.param("+972 77 123 4567", NumberType.VOIP, id="il-voip"),
        ],
    )
    def test_number_types(self, number: str, kind: NumberType) -> None:
        assert kind is parse(number).number_type

    def test_unknown_type_for_a_type_phonenumbers_does_not_know(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(phonenumbers, "number_type", lambda numobj: 12345)

        assert NumberType.UNKNOWN is parse("+44 20 7946 0958").number_type

    def test_number_type_prints_as_its_value(self) -> None:
        assert "premium_rate" == str(NumberType.PREMIUM_RATE)
        assert "premium-rate" == NumberType.PREMIUM_RATE.description

    def test_is_frozen_and_picklable(self) -> None:
        number = parse("+44 20 7946 0958")

        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            number.e164 = "+1"  # type: ignore[misc]
        assert number == pickle.loads(pickle.dumps(number))  # noqa: S301 -- our own data


class TestErrors:
    def test_parse_raises_the_same_reasons(self) -> None:
        with pytest.raises(InvalidPhoneNumber) as info:
            parse("020 7946 0958")

        assert "needs_region" == info.value.reason
        assert "020 7946 0958" == info.value.number

    def test_none(self) -> None:
        with pytest.raises(InvalidPhoneNumber, match="no phone number given"):
            parse(None)  # type: ignore[arg-type]

    def test_error_pickles(self) -> None:
        with pytest.raises(InvalidPhoneNumber) as info:
            parse("+44 12")

        clone = pickle.loads(pickle.dumps(info.value))  # noqa: S301 -- our own data
        assert (info.value.reason, info.value.number, str(info.value)) == (
            clone.reason,
            clone.number,
            str(clone),
        )


class TestMemo:
    def test_repeats_are_parsed_once(self, monkeypatch: pytest.MonkeyPatch) -> None:
        calls = []
        real_parse = phonenumbers.parse

        def counting_parse(number: str, region: str | None = None) -> object:
            calls.append(number)
            return real_parse(number, region)

        monkeypatch.setattr(phonenumbers, "parse", counting_parse)

        for _ in range(3):
            to_e164("+44 20 7946 0958")
            with pytest.raises(InvalidPhoneNumber):
                to_e164("+44 12")

        assert ["+44 20 7946 0958", "+44 12"] == calls

    def test_each_raise_is_a_fresh_exception(self) -> None:
        """A cached failure never shares a traceback between callers."""
        errors = []
        for _ in range(2):
            with pytest.raises(InvalidPhoneNumber) as info:
                to_e164("+44 12")
            errors.append(info.value)

        assert errors[0] is not errors[1]
        assert str(errors[0]) == str(errors[1])

    def test_memo_is_bounded(self) -> None:
        assert _normalize._e164_memo.cache_info().maxsize
        assert _normalize._parse_memo.cache_info().maxsize
