"""Twilio's configuration: credentials, environment, hosts, repr and pickling."""

from __future__ import annotations

import base64
import pickle
from typing import Any

import pytest

import smskit
from smskit.providers.twilio import Twilio

ACCOUNT = "AC0123456789abcdef0123456789abcdef"
TOKEN = "secret-auth-token-0000"
KEY = "SK0123456789abcdef0123456789abcdef"
KEY_SECRET = "secret-api-key-secret-1111"
SERVICE = "MG0123456789abcdef0123456789abcdef"


def basic_user_and_password(provider: Twilio) -> tuple[str, str]:
    header = provider.build_balance().headers["Authorization"]
    scheme, _, token = header.partition(" ")
    assert "Basic" == scheme
    user, _, password = base64.b64decode(token).decode().partition(":")
    return user, password


def test_auth_token_from_arguments() -> None:
    provider = Twilio(account_sid=ACCOUNT, auth_token=TOKEN)
    assert (ACCOUNT, TOKEN) == basic_user_and_password(provider)
    assert "https://api.twilio.com" == provider.base_url


def test_auth_token_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    assert (ACCOUNT, TOKEN) == basic_user_and_password(Twilio())


def test_api_key_keeps_the_account_in_the_path() -> None:
    provider = Twilio(account_sid=ACCOUNT, api_key_sid=KEY, api_key_secret=KEY_SECRET)
    assert (KEY, KEY_SECRET) == basic_user_and_password(provider)
    assert f"/2010-04-01/Accounts/{ACCOUNT}/Balance.json" == (
        provider.build_balance().url.path
    )


def test_api_key_from_the_environment_wins_over_the_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("TWILIO_API_KEY", KEY)
    monkeypatch.setenv("TWILIO_API_SECRET", KEY_SECRET)
    assert (KEY, KEY_SECRET) == basic_user_and_password(Twilio())


def test_a_token_argument_wins_over_an_api_key_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TWILIO_API_KEY", KEY)
    provider = Twilio(account_sid=ACCOUNT, auth_token=TOKEN)
    assert (ACCOUNT, TOKEN) == basic_user_and_password(provider)


@pytest.mark.parametrize(
    ("arguments", "environment", "named"),
    [
        ({}, {}, ("account_sid", "TWILIO_ACCOUNT_SID")),
        ({"account_sid": ACCOUNT}, {}, ("auth_token", "TWILIO_AUTH_TOKEN")),
        (
            {"account_sid": ACCOUNT, "api_key_sid": KEY},
            {},
            ("api_key_secret", "TWILIO_API_SECRET"),
        ),
        (
            {"account_sid": ACCOUNT},
            {"TWILIO_API_SECRET": KEY_SECRET},
            ("api_key_sid", "TWILIO_API_KEY"),
        ),
        ({"account_sid": ACCOUNT, "auth_token": "  "}, {}, ("TWILIO_AUTH_TOKEN",)),
    ],
)
def test_a_missing_credential_names_its_argument_and_variable(
    monkeypatch: pytest.MonkeyPatch,
    arguments: dict[str, Any],
    environment: dict[str, str],
    named: tuple[str, ...],
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(smskit.ConfigurationError) as caught:
        Twilio(**arguments)
    for word in named:
        assert word in str(caught.value)


def test_both_kinds_of_credentials_are_refused() -> None:
    with pytest.raises(smskit.ConfigurationError, match="not both"):
        Twilio(account_sid=ACCOUNT, auth_token=TOKEN, api_key_sid=KEY)


@pytest.mark.parametrize(
    "arguments",
    [
        {"account_sid": TOKEN, "auth_token": TOKEN},  # the token in the SID's place
        {"account_sid": KEY, "auth_token": TOKEN},
        {"account_sid": ACCOUNT, "api_key_sid": ACCOUNT, "api_key_secret": "x"},
        {"account_sid": ACCOUNT, "auth_token": TOKEN, "messaging_service_sid": "MG1"},
    ],
)
def test_malformed_sids_are_refused_without_echoing_them(
    arguments: dict[str, Any],
) -> None:
    with pytest.raises(smskit.ConfigurationError) as caught:
        Twilio(**arguments)
    assert TOKEN not in str(caught.value)
    assert "32 hexadecimal digits" in str(caught.value)


@pytest.mark.parametrize(
    "arguments",
    [
        {"account_sid": 1},
        {"auth_token": b"token"},
        {"region": 1},
        {"clock": "now"},
    ],
)
def test_arguments_of_the_wrong_type(arguments: dict[str, object]) -> None:
    given = {"account_sid": ACCOUNT, "auth_token": TOKEN, **arguments}
    with pytest.raises(smskit.OptionTypeError):
        Twilio(**given)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("region", "edge", "host"),
    [
        (None, None, "api.twilio.com"),
        ("us1", None, "api.twilio.com"),
        ("ie1", "dublin", "api.dublin.ie1.twilio.com"),
        ("au1", "sydney", "api.sydney.au1.twilio.com"),
        # The only edge of a non-US region is filled in: the short form
        # api.ie1.twilio.com stops working on 2026-04-28.
        ("ie1", None, "api.dublin.ie1.twilio.com"),
        ("AU1", None, "api.sydney.au1.twilio.com"),
        (None, "ashburn", "api.ashburn.us1.twilio.com"),
        ("us1", "umatilla", "api.umatilla.us1.twilio.com"),
    ],
)
def test_region_and_edge_hosts(region: str | None, edge: str | None, host: str) -> None:
    provider = Twilio(account_sid=ACCOUNT, auth_token=TOKEN, region=region, edge=edge)
    assert f"https://{host}" == provider.base_url
    assert host == provider.build_fetch("SM" + "0" * 32).url.host


def test_region_and_edge_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TWILIO_REGION", "au1")
    monkeypatch.setenv("TWILIO_EDGE", "sydney")
    provider = Twilio(account_sid=ACCOUNT, auth_token=TOKEN)
    assert "https://api.sydney.au1.twilio.com" == provider.base_url


@pytest.mark.parametrize(
    ("region", "edge", "says"),
    [
        ("ie1", "sydney", "'dublin' edge"),
        ("au1", "dublin", "'sydney' edge"),
        ("eu1", None, "unknown Twilio region"),
        ("us1", "paris", "unknown Twilio edge"),
    ],
)
def test_invalid_region_edge_pairs_are_refused_at_construction(
    region: str, edge: str | None, says: str
) -> None:
    with pytest.raises(smskit.ConfigurationError, match=says):
        Twilio(account_sid=ACCOUNT, auth_token=TOKEN, region=region, edge=edge)


def test_base_url_overrides_the_host() -> None:
    provider = Twilio(
        account_sid=ACCOUNT, auth_token=TOKEN, base_url="http://127.0.0.1:8787/"
    )
    url = provider.build_balance().url
    assert ("http", "127.0.0.1", 8787) == (url.scheme, url.host, url.port)


@pytest.mark.parametrize(
    ("base_url", "extra"),
    [
        ("http://127.0.0.1:8787", {"region": "ie1"}),
        ("ftp://127.0.0.1", {}),
        ("http://user:pass@127.0.0.1", {}),
        ("http://127.0.0.1/?x=1", {}),
        ("not a url", {}),
    ],
)
def test_bad_base_urls_are_refused(base_url: str, extra: dict[str, Any]) -> None:
    with pytest.raises(smskit.ConfigurationError):
        Twilio(account_sid=ACCOUNT, auth_token=TOKEN, base_url=base_url, **extra)


def test_repr_shows_no_secret() -> None:
    for provider in (
        Twilio(account_sid=ACCOUNT, auth_token=TOKEN),
        Twilio(account_sid=ACCOUNT, api_key_sid=KEY, api_key_secret=KEY_SECRET),
    ):
        shown = repr(provider) + str(vars(provider))
        assert TOKEN not in shown
        assert KEY_SECRET not in shown
        assert "AC…cdef" in repr(provider)


def test_pickling_is_refused() -> None:
    provider = Twilio(account_sid=ACCOUNT, auth_token=TOKEN)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(provider)


def test_name_rate_limit_key_and_capabilities() -> None:
    provider = Twilio(account_sid=ACCOUNT, auth_token=TOKEN)
    assert "twilio" == provider.name
    assert ACCOUNT == provider.rate_limit_key
    assert isinstance(provider, smskit.providers.Provider)
    expected = {"list", "cancel", "balance", "schedule", "webhooks"}
    assert expected == set(smskit.providers.capabilities(provider))
