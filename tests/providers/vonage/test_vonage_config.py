"""Configuring the Vonage provider: credentials, environment, secrets kept in."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

import smskit
from smskit.providers._protocol import capabilities
from smskit.providers.vonage import Vonage

SECRET, SIG_SECRET = "api-s3cr3t-value", "sig-s3cr3t-value"


def test_arguments_win_over_the_environment() -> None:
    env = {"VONAGE_API_KEY": "envkey00", "VONAGE_API_SECRET": "env-secret"}
    provider = Vonage(api_key="argkey00", api_secret=SECRET, environ=env)
    assert provider.api_key == "argkey00"
    assert provider.rate_limit_key == "vonage:argkey00"
    assert not provider.signs


def test_credentials_come_from_the_environment() -> None:
    env = {
        "VONAGE_API_KEY": "envkey00",
        "VONAGE_API_SECRET": SECRET,
        "VONAGE_SIGNATURE_SECRET": SIG_SECRET,
    }
    provider = Vonage(environ=env, signature_method="sha256")
    assert provider.api_key == "envkey00"
    assert provider.signs  # a signature secret means signed sends


def test_a_missing_key_names_the_argument_and_the_variable() -> None:
    with pytest.raises(smskit.ConfigurationError) as caught:
        Vonage(api_secret=SECRET, environ={})
    assert "api_key=" in str(caught.value)
    assert "VONAGE_API_KEY" in str(caught.value)


def test_missing_secrets_name_both_ways_to_authenticate() -> None:
    with pytest.raises(smskit.ConfigurationError) as caught:
        Vonage(api_key="abcd1234", environ={"VONAGE_API_SECRET": ""})
    text = str(caught.value)
    for name in (
        "api_secret=",
        "VONAGE_API_SECRET",
        "signature_secret=",
        "VONAGE_SIGNATURE_SECRET",
    ):
        assert name in text


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"api_key": 1234}, smskit.OptionTypeError),
        ({"api_secret": b"x"}, smskit.OptionTypeError),
        ({"api_key": "  "}, smskit.ConfigurationError),
        ({"signature_method": "sha3"}, smskit.ConfigurationError),
        ({"base_url": "ftp://x"}, smskit.ConfigurationError),
        ({"base_url": "localhost:8787"}, smskit.ConfigurationError),
        ({"base_url": "http://h/?a=1"}, smskit.ConfigurationError),
        ({"reports_base_url": 5}, smskit.OptionTypeError),
        ({"clock": "now"}, smskit.ConfigurationError),
    ],
)
def test_bad_options_are_refused(
    kwargs: dict[str, Any], error: type[Exception]
) -> None:
    options = {"api_key": "abcd1234", "api_secret": SECRET, "environ": {}, **kwargs}
    with pytest.raises(error) as caught:
        Vonage(**options)
    assert SECRET not in str(caught.value)


def test_a_naive_clock_is_refused_when_signing() -> None:
    import datetime as dt

    from smskit.providers._protocol import OutgoingMessage

    provider = Vonage(
        api_key="abcd1234",
        signature_secret=SIG_SECRET,
        clock=lambda: dt.datetime(2026, 1, 1),
        environ={},
    )
    message = OutgoingMessage(to="+447700900001", body="x", sender="A")
    with pytest.raises(smskit.ConfigurationError, match="timezone-aware"):
        provider.build_send(message)


def test_base_url_moves_both_apis_and_reports_can_move_alone() -> None:
    both = Vonage(
        api_key="abcd1234",
        api_secret=SECRET,
        base_url="http://127.0.0.1:9/",
        environ={},
    )
    assert str(both.build_balance().url) == "http://127.0.0.1:9/account/get-balance"
    assert both.build_fetch("AB12").url.host == "127.0.0.1"
    apart = Vonage(
        api_key="abcd1234",
        api_secret=SECRET,
        reports_base_url="http://reports.test",
        environ={},
    )
    assert apart.build_fetch("AB12").url.host == "reports.test"
    assert apart.build_balance().url.host == "rest.nexmo.com"


def test_repr_shows_the_key_and_never_a_secret() -> None:
    provider = Vonage(
        api_key="abcd1234", api_secret=SECRET, signature_secret=SIG_SECRET, environ={}
    )
    text = repr(provider)
    assert "abcd1234" in text
    assert SECRET not in text
    assert SIG_SECRET not in text
    assert "md5hash" in text


def test_a_provider_cannot_be_pickled() -> None:
    provider = Vonage(api_key="abcd1234", api_secret=SECRET, environ={})
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(provider)


def test_capabilities_are_balance_and_webhooks() -> None:
    provider = Vonage(api_key="abcd1234", api_secret=SECRET, environ={})
    assert isinstance(provider, smskit.providers.Provider)
    assert capabilities(provider) == frozenset({"balance", "webhooks"})


def test_the_webhook_window_takes_seconds_or_a_timedelta() -> None:
    import datetime as dt

    def make(window: object) -> Vonage:
        options: dict[str, Any] = {"webhook_window": window}
        return Vonage(api_key="abcd1234", api_secret=SECRET, environ={}, **options)

    assert make(dt.timedelta(minutes=2)).webhook_window == 120.0
    assert make(30).webhook_window == 30.0
    assert (
        Vonage(api_key="abcd1234", api_secret=SECRET, environ={}).webhook_window == 300
    )
    for bad in (0, -5, float("inf"), float("nan"), dt.timedelta(0)):
        with pytest.raises(smskit.ConfigurationError, match="webhook_window"):
            make(bad)
    for wrong in ("300", True, None):
        with pytest.raises(smskit.OptionTypeError, match="webhook_window"):
            make(wrong)
