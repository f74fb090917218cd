"""`Plivo`'s configuration: credentials, environment, base URL, secrets kept."""

from __future__ import annotations

import copy
import datetime as dt
import pickle

import pytest

import smskit
from smskit.providers._protocol import (
    Provider,
    SupportsBalance,
    SupportsBatch,
    SupportsCancel,
    SupportsList,
    SupportsSchedule,
    capabilities,
)
from smskit.providers.plivo import Plivo

AUTH_ID = "MAXXXXXXXXXXXXXXXXXX"
TOKEN = "plivo-secret-token-1234"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see only the variables they set, never the machine's."""
    monkeypatch.delenv("PLIVO_AUTH_ID", raising=False)
    monkeypatch.delenv("PLIVO_AUTH_TOKEN", raising=False)


def test_arguments() -> None:
    plivo = Plivo(auth_id=AUTH_ID, auth_token=TOKEN)
    assert ("plivo", AUTH_ID, "https://api.plivo.com") == (
        plivo.name,
        plivo.auth_id,
        plivo.base_url,
    )
    assert f"plivo:{AUTH_ID}" == plivo.rate_limit_key


def test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLIVO_AUTH_ID", "SAYYYYYYYYYYYYYYYYYY")
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", TOKEN)
    plivo = Plivo()
    assert "SAYYYYYYYYYYYYYYYYYY" == plivo.auth_id
    assert (
        plivo.build_balance().headers["authorization"]
        == (
            Plivo(auth_id="SAYYYYYYYYYYYYYYYYYY", auth_token=TOKEN)
            .build_balance()
            .headers["authorization"]
        )
    )


def test_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLIVO_AUTH_ID", "SAYYYYYYYYYYYYYYYYYY")
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", "from-the-environment")
    plivo = Plivo(auth_id=AUTH_ID, auth_token=TOKEN)
    expected = Plivo(
        auth_id=AUTH_ID, auth_token=TOKEN, base_url="https://api.plivo.com"
    )
    assert AUTH_ID == plivo.auth_id
    assert (
        expected.build_balance().headers["authorization"]
        == plivo.build_balance().headers["authorization"]
    )


@pytest.mark.parametrize(
    ("arguments", "argument", "variable"),
    [
        ({"auth_token": TOKEN}, "auth_id", "PLIVO_AUTH_ID"),
        ({"auth_id": AUTH_ID}, "auth_token", "PLIVO_AUTH_TOKEN"),
    ],
)
def test_a_missing_credential_names_argument_and_variable(
    arguments: dict[str, str], argument: str, variable: str
) -> None:
    with pytest.raises(smskit.ConfigurationError) as caught:
        Plivo(**arguments)
    assert f"{argument}=" in str(caught.value)
    assert variable in str(caught.value)


def test_an_empty_variable_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", "")
    with pytest.raises(smskit.ConfigurationError, match="PLIVO_AUTH_TOKEN"):
        Plivo(auth_id=AUTH_ID)


@pytest.mark.parametrize(
    "auth_id",
    ["AC0123456789abcdef01", "MA123", "MA../../XXXXXXXXXXXXX", "MAXXXXXXXXXXXXXXXXXXX"],
)
def test_an_auth_id_of_the_wrong_shape_is_refused(auth_id: str) -> None:
    with pytest.raises(smskit.ConfigurationError, match="not a Plivo Auth ID"):
        Plivo(auth_id=auth_id, auth_token=TOKEN)


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"auth_token": 123}, smskit.OptionTypeError),
        ({"auth_token": "  "}, smskit.ConfigurationError),
        ({"base_url": b"https://api.plivo.com"}, smskit.OptionTypeError),
        ({"base_url": "ftp://api.plivo.com"}, smskit.ConfigurationError),
        ({"base_url": "api.plivo.com"}, smskit.ConfigurationError),
        ({"base_url": "https://user:pw@api.plivo.com"}, smskit.ConfigurationError),
        ({"base_url": "https://api.plivo.com/?x=1"}, smskit.ConfigurationError),
        ({"clock": "now"}, smskit.OptionTypeError),
    ],
)
def test_bad_options_are_refused(
    arguments: dict[str, object], error: type[Exception]
) -> None:
    values: dict[str, object] = {"auth_id": AUTH_ID, "auth_token": TOKEN, **arguments}
    with pytest.raises(error):
        Plivo(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://127.0.0.1:8787", "http://127.0.0.1:8787"),
        ("http://127.0.0.1:8787/", "http://127.0.0.1:8787"),
        ("http://127.0.0.1:8787/v1/Account", "http://127.0.0.1:8787"),
        ("https://proxy.example/plivo/v1/Account/", "https://proxy.example/plivo"),
    ],
)
def test_base_url(given: str, expected: str) -> None:
    plivo = Plivo(auth_id=AUTH_ID, auth_token=TOKEN, base_url=given)
    assert expected == plivo.base_url
    assert f"{expected}/v1/Account/{AUTH_ID}/" == str(plivo.build_balance().url)


def test_the_token_is_never_shown_or_pickled() -> None:
    plivo = Plivo(auth_id=AUTH_ID, auth_token=TOKEN)
    assert TOKEN not in repr(plivo)
    assert AUTH_ID in repr(plivo)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(plivo)
    with pytest.raises(TypeError):
        copy.deepcopy(plivo)
    client = smskit.Client(plivo)
    try:
        assert TOKEN not in repr(client)
    finally:
        client.close()


def test_capabilities() -> None:
    """Plivo's v1 Message API cannot schedule or cancel; it has webhooks."""
    plivo = Plivo(auth_id=AUTH_ID, auth_token=TOKEN)
    assert isinstance(plivo, Provider)
    assert isinstance(plivo, (SupportsBatch, SupportsList, SupportsBalance))
    assert not isinstance(plivo, (SupportsSchedule, SupportsCancel))
    assert frozenset({"batch", "list", "balance", "webhooks"}) == capabilities(plivo)


def test_schedule_and_cancel_are_not_supported_before_any_request() -> None:
    plivo = Plivo(auth_id=AUTH_ID, auth_token=TOKEN, base_url="http://127.0.0.1:9")
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    with smskit.Client(plivo, sender="+14155550100") as client:
        with pytest.raises(smskit.NotSupported) as caught:
            client.send(to="+14155552671", body="Hi", send_at=later)
        assert ("plivo", "schedule") == (caught.value.provider, caught.value.operation)
        with pytest.raises(smskit.NotSupported):
            client.cancel("6da4afba-2bcf-4a87-9eff-d2f88577b0f1")
