"""Twilio API-key auth: an ``SK…`` key and its secret as Basic auth for the account."""

from __future__ import annotations

import logging
import pickle
import re
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from emulator_helpers import START, Receiver

import smskit
from smskit import _cli, providers
from smskit._emulator._config import Credentials
from smskit._emulator._server import Emulator
from smskit.providers.sandbox._state import SandboxState
from smskit.providers.twilio import _signing

KEY = "SK" + "0123456789abcdef" * 2
SECRET = "api-key-secret-shh"
OTHER_ACCOUNT = "AC" + "f" * 32
SENDER = "+15005550006"


@pytest.fixture
def keyed(receiver: Receiver) -> Iterator[Emulator]:
    """An emulator that also accepts the API key ``KEY``/``SECRET``."""
    credentials = Credentials(twilio_api_key=KEY, twilio_api_secret=SECRET)
    with Emulator(
        port=0,
        credentials=credentials,
        state=SandboxState(start=START),
        realtime=False,
        webhook_timeout=2.0,
    ) as emulator:
        yield emulator


def twilio(emulator: Emulator, secret: str = SECRET, **extra: Any) -> smskit.Client:
    provider = providers.Twilio(
        account_sid=emulator.credentials.twilio_account_sid,
        api_key_sid=KEY,
        api_key_secret=secret,
        base_url=emulator.url,
        **extra,
    )
    return smskit.Client(provider, sender=SENDER, retry=smskit.RetryPolicy.never())


def test_send_fetch_and_balance_with_an_api_key(
    keyed: Emulator, receiver: Receiver
) -> None:
    callback = f"{receiver.url}/status"
    with twilio(keyed) as client:
        sent = client.send(to="+14155550100", body="keyed", status_callback=callback)
        assert sent.id.startswith("SM")
        assert sent.id == client.fetch(sent.id).id
        assert "USD" == client.balance().currency
    keyed.advance()
    keyed.dispatcher.wait_idle()
    # Webhooks are still signed with the account's Auth Token, as at Twilio.
    hook = receiver.wait_for(1)[0]
    expected = _signing.signature(
        keyed.credentials.twilio_auth_token, callback, hook.form
    )
    assert expected == hook.headers["x-twilio-signature"]


def test_a_wrong_secret_is_twilios_401(keyed: Emulator) -> None:
    with (
        twilio(keyed, secret="not-the-secret") as client,
        pytest.raises(smskit.AuthenticationError) as caught,
    ):
        client.send(to="+14155550100", body="x")
    assert (401, "20003") == (
        caught.value.http_status,
        str(caught.value.provider_code),
    )
    assert "not-the-secret" not in str(caught.value)
    assert [] == keyed.state.records()


def test_raw_answers(keyed: Emulator) -> None:
    sid = keyed.credentials.twilio_account_sid
    with httpx.Client(base_url=keyed.url) as http:
        ok = http.get(f"/2010-04-01/Accounts/{sid}/Balance.json", auth=(KEY, SECRET))
        wrong = http.get(f"/2010-04-01/Accounts/{sid}/Balance.json", auth=(KEY, "x"))
        # The key's secret with the Account SID, or the token with the key: no.
        crossed = http.get(
            f"/2010-04-01/Accounts/{sid}/Balance.json", auth=(sid, SECRET)
        )
        # A key belongs to one account: another account's path is not found.
        elsewhere = http.get(
            f"/2010-04-01/Accounts/{OTHER_ACCOUNT}/Balance.json", auth=(KEY, SECRET)
        )
    assert 200 == ok.status_code
    assert sid == ok.json()["account_sid"]
    for refused in (wrong, crossed):
        assert 401 == refused.status_code
        assert (20003, "Authenticate") == (
            refused.json()["code"],
            refused.json()["message"],
        )
    assert (404, 20404) == (elsewhere.status_code, elsewhere.json()["code"])


def test_no_key_configured_refuses_key_auth(emulator: Emulator) -> None:
    with (
        twilio(emulator) as client,
        pytest.raises(smskit.AuthenticationError),
    ):
        client.balance()


def test_the_auth_token_still_works(keyed: Emulator) -> None:
    credentials = keyed.credentials
    provider = providers.Twilio(
        account_sid=credentials.twilio_account_sid,
        auth_token=credentials.twilio_auth_token,
        base_url=keyed.url,
    )
    with smskit.Client(provider, sender=SENDER) as client:
        assert client.send(to="+14155550100", body="token").id.startswith("SM")


# -- the credentials -------------------------------------------------------------


def test_credentials_hide_the_secret() -> None:
    credentials = Credentials(twilio_api_key=KEY, twilio_api_secret=SECRET)
    assert KEY in repr(credentials)
    assert SECRET not in repr(credentials)
    lines = credentials.describe()
    assert f"twilio_api_key = {KEY}" in lines
    assert "twilio_api_secret = (given, not shown)" in lines
    assert "twilio_api_key = (not set)" in Credentials().describe()
    with pytest.raises(TypeError, match="secrets"):
        pickle.dumps(credentials)


def test_credentials_from_the_environment() -> None:
    environ = {"TWILIO_API_KEY": KEY, "TWILIO_API_SECRET": SECRET}
    credentials = Credentials.from_env(environ)
    assert (KEY, SECRET) == (credentials.twilio_api_key, credentials.twilio_api_secret)
    assert Credentials().twilio_auth_token == credentials.twilio_auth_token


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"twilio_api_key": KEY}, "needs both"),
        ({"twilio_api_secret": SECRET}, "needs both"),
        ({"twilio_api_key": "SKshort", "twilio_api_secret": SECRET}, "'SK' followed"),
        (
            {"twilio_api_key": "AC" + "0" * 32, "twilio_api_secret": SECRET},
            "'SK' followed",
        ),
    ],
)
def test_credentials_refuse_half_a_key(values: dict[str, str], reason: str) -> None:
    with pytest.raises(smskit.ConfigurationError, match=reason) as caught:
        Credentials(**values)
    assert SECRET not in str(caught.value)


def test_cli_flags_and_environment(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: dict[str, Any] = {}

    def block(stop: threading.Event) -> None:
        banner = capsys.readouterr().out
        url = re.search(r"smskit emulator on (\S+)", banner)
        assert url is not None
        seen["banner"] = banner
        sid = Credentials().twilio_account_sid
        with httpx.Client(base_url=url[1]) as http:
            seen["summary"] = http.get("/_sandbox").json()
            seen["status"] = http.get(
                f"/2010-04-01/Accounts/{sid}/Balance.json", auth=(KEY, "from-env")
            ).status_code

    caplog.set_level(logging.DEBUG, logger="smskit.emulator")
    monkeypatch.setattr(_cli, "_block", block)
    monkeypatch.setenv("TWILIO_API_SECRET", "from-env")
    argv = ["sandbox", "serve", "--port", "0", "--no-clock", "-v"]
    assert 0 == _cli.main([*argv, "--twilio-api-key", KEY])
    assert 200 == seen["status"]
    assert KEY == seen["summary"]["providers"]["twilio"]["api_key"]
    assert "from-env" not in seen["banner"]
    assert "from-env" not in caplog.text
    assert "from-env" not in str(seen["summary"])


def test_cli_refuses_half_a_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TWILIO_API_SECRET", raising=False)
    argv = ["sandbox", "serve", "--port", "0", "--twilio-api-key", KEY]
    assert 2 == _cli.main(argv)
    assert "needs both" in capsys.readouterr().err
