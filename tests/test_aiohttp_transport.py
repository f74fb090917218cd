"""AsyncClient(transport="aiohttp"): the same sends over aiohttp's pool.

aiohttp runs on asyncio only, so these tests do not run on trio.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator

import httpx
import pytest

import smskit
from smskit._emulator import Credentials, Emulator
from smskit.providers.sandbox._state import SandboxState
from smskit.providers.twilio import Twilio

START = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
SERVICE = "MG0123456789abcdef0123456789abcdef"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(port=0, state=SandboxState(start=START), realtime=False) as server:
        yield server


def twilio(emulator: Emulator) -> Twilio:
    credentials = Credentials()
    return Twilio(
        account_sid=credentials.twilio_account_sid,
        auth_token=credentials.twilio_auth_token,
        messaging_service_sid=SERVICE,
        base_url=emulator.url,
        clock=lambda: START,
    )


def test_sends_and_fetches_over_aiohttp(emulator: Emulator) -> None:
    async def main() -> list[smskit.Message]:
        async with smskit.AsyncClient(twilio(emulator), transport="aiohttp") as client:
            assert "HttpxAiohttpClient" == type(client._http).__name__
            sent = await asyncio.gather(
                *(client.send(to="+14155552671", body=f"n{n}") for n in range(20))
            )
            fetched = await client.fetch(sent[0])
            assert sent[0].id == fetched.id
            return list(sent)

    sent = asyncio.run(main())
    assert 20 == len({message.id for message in sent})
    assert 20 == len(emulator.state.records())


def test_errors_are_the_same_over_aiohttp(emulator: Emulator) -> None:
    async def main() -> None:
        async with smskit.AsyncClient(twilio(emulator), transport="aiohttp") as client:
            with pytest.raises(smskit.NotFound):
                await client.fetch("SM" + "0" * 32)

    asyncio.run(main())


def test_a_refused_connection_is_a_connect_error_over_aiohttp() -> None:
    """Nothing listens on the port: httpx-aiohttp maps it to httpx.ConnectError."""
    provider = Twilio(
        account_sid="AC" + "1" * 32,
        auth_token="token",
        messaging_service_sid=SERVICE,
        base_url="http://127.0.0.1:9",
    )

    async def main() -> None:
        retry = smskit.RetryPolicy(max_attempts=1)
        async with smskit.AsyncClient(
            provider, transport="aiohttp", retry=retry
        ) as client:
            with pytest.raises(smskit.ConnectError):
                await client.send(to="+14155552671", body="hi")

    asyncio.run(main())


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"transport": "curl"}, "'httpx' or 'aiohttp'"),
        ({"transport": "aiohttp", "http2": True}, "HTTP/1.1 only"),
    ],
)
def test_transport_options_are_checked(options: dict[str, object], match: str) -> None:
    provider = Twilio(
        account_sid="AC" + "1" * 32, auth_token="t", messaging_service_sid=SERVICE
    )
    with pytest.raises(smskit.ConfigurationError, match=match):
        smskit.AsyncClient(provider, **options)  # type: ignore[arg-type]


def test_a_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    real = importlib.import_module

    def without_aiohttp(name: str, *args: object) -> object:
        if name == "httpx_aiohttp":
            raise ImportError(name)
        return real(name)

    monkeypatch.setattr(importlib, "import_module", without_aiohttp)
    provider = Twilio(
        account_sid="AC" + "1" * 32, auth_token="t", messaging_service_sid=SERVICE
    )
    with pytest.raises(smskit.ConfigurationError, match=r"smskit-sdk\[aiohttp\]"):
        smskit.AsyncClient(provider, transport="aiohttp")


def test_the_sandbox_keeps_its_own_transport() -> None:
    async def main() -> None:
        async with smskit.AsyncClient(
            smskit.providers.Sandbox(), transport="aiohttp"
        ) as client:
            assert isinstance(client._http, httpx.AsyncClient)
            assert "HttpxAiohttpClient" != type(client._http).__name__
            await client.send(to="+14155552671", body="hi")

    asyncio.run(main())
