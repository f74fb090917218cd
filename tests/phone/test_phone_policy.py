"""NumberPolicy: destination rules against SMS pumping and unreachable numbers."""

from __future__ import annotations

import pickle
from collections.abc import Callable

import pytest

from smskit._exceptions import ConfigurationError, InvalidPhoneNumber
from smskit.phone import NumberPolicy, NumberType, normalize_many, parse, to_e164

UK_LANDLINE = "+44 20 7946 0958"
UK_MOBILE = "+44 7400 123456"
UK_VOIP = "+44 56 1234 5678"
UK_PREMIUM = "+44 901 234 5678"
US_NUMBER = "+1 415 555 2671"
JM_MOBILE = "+1 876-210-1234"


def reason(number: str, policy: NumberPolicy, region: str | None = None) -> str:
    with pytest.raises(InvalidPhoneNumber) as info:
        to_e164(number, region, policy=policy)
    return info.value.reason


class TestDefaults:
    def test_default_policy_blocks_only_premium_rate(self) -> None:
        policy = NumberPolicy()

        assert frozenset({NumberType.PREMIUM_RATE}) == policy.denied_types
        assert "type_not_allowed" == reason(UK_PREMIUM, policy)
        for number in (UK_LANDLINE, UK_MOBILE, UK_VOIP, US_NUMBER):
            assert to_e164(number, policy=policy)

    def test_no_policy_checks_validity_only(self) -> None:
        assert "+449012345678" == to_e164(UK_PREMIUM)


class TestMobileOnly:
    @pytest.mark.parametrize(
        "number",
        [
            pytest.param(UK_MOBILE, id="mobile"),
            pytest.param(US_NUMBER, id="fixed-line-or-mobile"),
            pytest.param(JM_MOBILE, id="caribbean-mobile"),
        ],
    )
    def test_accepts_numbers_that_may_receive_sms(self, number: str) -> None:
        assert to_e164(number, policy=NumberPolicy(mobile_only=True))

    @pytest.mark.parametrize(
        ("number", "kind"),
        [
            pytest.param(UK_LANDLINE, "fixed-line", id="fixed-line"),
            pytest.param("+44 800 123 4567", "toll-free", id="toll-free"),
            pytest.param("+44 70 1234 5678", "personal", id="personal"),
            pytest.param("+44 76 4012 3456", "pager", id="pager"),
            pytest.param(UK_VOIP, "VoIP", id="voip"),
        ],
    )
    def test_rejects_numbers_that_cannot(self, number: str, kind: str) -> None:
        policy = NumberPolicy(mobile_only=True)
        with pytest.raises(InvalidPhoneNumber, match=f"is a {kind}") as info:
            to_e164(number, policy=policy)

        assert "not_mobile" == info.value.reason
        assert "mobile_only=True" in str(info.value)

    def test_voip_hint_and_opt_in(self) -> None:
        with pytest.raises(InvalidPhoneNumber, match="allow_voip=True"):
            to_e164(UK_VOIP, policy=NumberPolicy(mobile_only=True))

        policy = NumberPolicy(mobile_only=True, allow_voip=True)
        assert "+445612345678" == to_e164(UK_VOIP, policy=policy)
        assert "not_mobile" == reason(UK_LANDLINE, policy)

    def test_allow_voip_alone_changes_nothing(self) -> None:
        assert to_e164(UK_LANDLINE, policy=NumberPolicy(allow_voip=True))


class TestRegions:
    def test_allow_list(self) -> None:
        policy = NumberPolicy(allowed_regions={"us", "GB"})

        assert frozenset({"US", "GB"}) == policy.allowed_regions
        assert to_e164(US_NUMBER, policy=policy)
        assert to_e164("020 7946 0958", "GB", policy=policy)

    def test_plus_one_is_checked_by_region_not_calling_code(self) -> None:
        """Pumping to Caribbean +1 numbers is a classic fraud pattern."""
        policy = NumberPolicy(allowed_regions={"US", "CA"})

        with pytest.raises(InvalidPhoneNumber) as info:
            to_e164(JM_MOBILE, policy=policy)

        assert "country_not_allowed" == info.value.reason
        assert "region JM, and JM is not in the policy's allowed_regions" in str(
            info.value
        )

    def test_deny_list_wins_over_allow_list(self) -> None:
        policy = NumberPolicy(allowed_regions={"GB"}, denied_regions=["GB"])

        with pytest.raises(InvalidPhoneNumber, match="GB is on the policy's denied"):
            to_e164(UK_MOBILE, policy=policy)

    def test_non_geographic_numbers_are_region_001(self) -> None:
        policy = NumberPolicy(denied_regions={"001"})

        assert "country_not_allowed" == reason("+800 1234 5678", policy)

    @pytest.mark.parametrize(
        ("kwargs", "words"),
        [
            pytest.param({"allowed_regions": "US"}, "got a str", id="allow-str"),
            pytest.param({"denied_regions": "NG"}, "got a str", id="deny-str"),
            pytest.param({"allowed_regions": {"UK"}}, "['UK']", id="allow-unknown"),
            pytest.param({"denied_regions": {"XX", "ZZ"}}, "'XX', 'ZZ'", id="deny"),
            pytest.param({"denied_types": "voip"}, "got a str", id="types-str"),
            pytest.param({"denied_types": ["landline"]}, "'landline'", id="types"),
        ],
    )
    def test_bad_region_codes_are_configuration_errors(
        self, kwargs: dict[str, object], words: str
    ) -> None:
        with pytest.raises(ConfigurationError, match=words):
            NumberPolicy(**kwargs)  # type: ignore[arg-type]


class TestTypes:
    def test_block_more_types_by_value(self) -> None:
        policy = NumberPolicy(denied_types={"premium_rate", NumberType.SHARED_COST})

        assert "type_not_allowed" == reason("+61 1300 123 456", policy)

    def test_allow_premium_rate_explicitly(self) -> None:
        assert to_e164(UK_PREMIUM, policy=NumberPolicy(denied_types=()))

    def test_message(self) -> None:
        with pytest.raises(InvalidPhoneNumber) as info:
            to_e164(UK_PREMIUM, policy=NumberPolicy())

        assert (
            "'+44 901 234 5678' is a premium-rate number, and this policy blocks "
            "premium-rate numbers"
        ) == str(info.value)

    @pytest.mark.parametrize(
        "policy",
        [
            NumberPolicy(),
            NumberPolicy(mobile_only=True),
            NumberPolicy(denied_types=(), allowed_regions={"US", "JM"}),
        ],
    )
    @pytest.mark.parametrize("read", [to_e164, parse])
    def test_a_new_number_is_classified_once(
        self,
        monkeypatch: pytest.MonkeyPatch,
        policy: NumberPolicy,
        read: Callable[..., object],
    ) -> None:
        # Validating a number classifies it; the policy reuses that type
        # instead of classifying it again (which costs as much again).
        import phonenumbers

        calls: list[object] = []
        real = phonenumbers.number_type

        def counted(numobj: phonenumbers.PhoneNumber) -> int:
            calls.append(numobj)
            return real(numobj)

        monkeypatch.setattr(phonenumbers, "number_type", counted)
        monkeypatch.setattr(
            phonenumbers, "is_valid_number", lambda _: pytest.fail("classified twice")
        )

        assert read(JM_MOBILE, policy=policy)
        assert 1 == len(calls)

    def test_the_reused_type_still_blocks(self) -> None:
        assert "type_not_allowed" == reason(UK_PREMIUM, NumberPolicy())
        assert "not_mobile" == reason(UK_LANDLINE, NumberPolicy(mobile_only=True))


class TestEverywhere:
    def test_parse_applies_the_policy(self) -> None:
        policy = NumberPolicy(mobile_only=True)

        assert parse(UK_MOBILE, policy=policy).is_mobile
        with pytest.raises(InvalidPhoneNumber) as info:
            parse(UK_LANDLINE, policy=policy)
        assert "not_mobile" == info.value.reason
        assert UK_LANDLINE == info.value.number

    def test_normalize_many_applies_the_policy(self) -> None:
        results = normalize_many(
            [UK_MOBILE, UK_LANDLINE], policy=NumberPolicy(mobile_only=True)
        )

        assert ["+447400123456", None] == [result.e164 for result in results]
        assert "not_mobile" == results[1].reason

    def test_check_an_already_parsed_number(self) -> None:
        number = parse(UK_PREMIUM)

        NumberPolicy(denied_types=()).check(number)
        with pytest.raises(InvalidPhoneNumber) as info:
            NumberPolicy().check(number)
        assert "+449012345678" == info.value.number

    def test_policies_are_hashable_values(self) -> None:
        """The memo keys on the policy, so equal policies must share entries."""
        one = NumberPolicy(allowed_regions=["GB"], mobile_only=True)
        two = NumberPolicy(allowed_regions=("gb",), mobile_only=True)

        assert one == two
        assert hash(one) == hash(two)
        assert one == pickle.loads(pickle.dumps(one))  # noqa: S301 -- our own data
