"""Twilio end to end: smskit.Client and smskit.AsyncClient against the emulator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

import smskit
from smskit._emulator import Credentials, Emulator
from smskit.providers.sandbox._state import SandboxState
from smskit.providers.twilio import Twilio

START = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
SERVICE = "MG0123456789abcdef0123456789abcdef"
SENDER = "+15005550006"
FAST = smskit.RetryPolicy(initial_backoff=0.001, jitter=0)
THROTTLED = {
    "code": 20429,
    "message": "Too Many Requests",
    "more_info": "https://www.twilio.com/docs/errors/20429",
    "status": 429,
}


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """An emulator on a free 127.0.0.1 port whose clock stands still."""
    with Emulator(port=0, state=SandboxState(start=START), realtime=False) as server:
        yield server


def provider(emulator: Emulator, **overrides: str) -> Twilio:
    credentials = Credentials()
    arguments = {
        "account_sid": credentials.twilio_account_sid,
        "auth_token": credentials.twilio_auth_token,
        "messaging_service_sid": SERVICE,
        **overrides,
    }
    return Twilio(base_url=emulator.url, clock=lambda: START, **arguments)


class Recording(httpx.BaseTransport):
    """Passes requests to the emulator, answering the first ``throttle`` with 429."""

    def __init__(self, throttle: int = 0) -> None:
        self.inner = httpx.HTTPTransport()
        self.throttle = throttle
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.throttle:
            self.throttle -= 1
            return httpx.Response(429, json=THROTTLED)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class AsyncRecording(httpx.AsyncBaseTransport):
    """The async twin of `Recording`."""

    def __init__(self, throttle: int = 0) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.throttle = throttle
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.throttle:
            self.throttle -= 1
            return httpx.Response(429, json=THROTTLED)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_send_fetch_and_list_across_pages(emulator: Emulator) -> None:
    transport = Recording()
    with (
        httpx.Client(transport=transport) as http,
        smskit.Client(provider(emulator), sender=SENDER, http_client=http) as client,
    ):
        sent = [client.send(to=f"+1415555010{n}", body=f"Hello {n}") for n in range(3)]
        assert all(message.id.startswith("SM") for message in sent)
        fetched = client.fetch(sent[0].id)
        assert (sent[0].id, "+14155550100", "Hello 0") == (
            fetched.id,
            fetched.to,
            fetched.body,
        )
        listed = list(client.list_messages(page_size=2))
    assert {message.id for message in sent} == {message.id for message in listed}
    pages = [
        r for r in transport.requests if r.method == "GET" and "PageSize" in str(r.url)
    ]
    # Two pages: the second is exactly the first page's next_page_uri.
    assert 2 == len(pages)
    assert "Page=1" in str(pages[1].url)


def test_schedule_cancel_and_balance(emulator: Emulator) -> None:
    with smskit.Client(provider(emulator), retry=FAST) as client:
        scheduled = client.send(
            to="+14155550100", body="Later", send_at=START + dt.timedelta(hours=1)
        )
        assert smskit.Status.SCHEDULED is scheduled.status
        canceled = client.cancel(scheduled)
        assert (scheduled.id, smskit.Status.CANCELED) == (canceled.id, canceled.status)
        balance = client.balance()
    assert ("USD", "twilio") == (balance.currency, balance.provider)
    assert isinstance(balance.amount, Decimal)


def test_too_soon_a_schedule_is_refused_before_any_request(emulator: Emulator) -> None:
    transport = Recording()
    with (
        httpx.Client(transport=transport) as http,
        smskit.Client(provider(emulator), http_client=http) as client,
        pytest.raises(smskit.InvalidMessage, match="5 minutes"),
    ):
        client.send(
            to="+14155550100", body="x", send_at=START + dt.timedelta(minutes=1)
        )
    assert [] == transport.requests


def test_an_opted_out_recipient_is_refused_once(emulator: Emulator) -> None:
    transport = Recording()
    with (
        httpx.Client(transport=transport) as http,
        smskit.Client(provider(emulator), sender=SENDER, http_client=http) as client,
        pytest.raises(smskit.OptedOut) as caught,
    ):
        client.send(to="+15005550004", body="Hi")
    assert ("21610", "+15005550004") == (caught.value.provider_code, caught.value.to)  # type: ignore[attr-defined]
    assert 1 == len(transport.requests)


def test_wrong_credentials_are_not_retried(emulator: Emulator) -> None:
    transport = Recording()
    twilio = provider(emulator, auth_token="wrong-token")
    with (
        httpx.Client(transport=transport) as http,
        smskit.Client(twilio, sender=SENDER, http_client=http, retry=FAST) as client,
        pytest.raises(smskit.AuthenticationError) as caught,
    ):
        client.send(to="+14155550100", body="Hi")
    assert "20003" == caught.value.provider_code
    assert 1 == len(transport.requests)


def test_a_throttled_send_is_retried_and_sent_once(emulator: Emulator) -> None:
    transport = Recording(throttle=1)
    with (
        httpx.Client(transport=transport) as http,
        smskit.Client(
            provider(emulator), sender=SENDER, http_client=http, retry=FAST
        ) as client,
    ):
        message = client.send(to="+14155550100", body="Hi")
    assert 2 == len(transport.requests)
    assert [message.id] == outbox_sids(emulator)


def outbox_sids(emulator: Emulator) -> list[str]:
    """The Message SIDs of what the emulator accepted (its SIDs end as its ids)."""
    return ["SM" + record.id[2:] for record in emulator.state.records()]


@pytest.mark.anyio
async def test_async_send_fetch_list_cancel_and_balance(emulator: Emulator) -> None:
    async with smskit.AsyncClient(provider(emulator), sender=SENDER) as client:
        first = await client.send(to="+14155550100", body="One")
        later = await client.send(
            to="+14155550101", body="Two", send_at=START + dt.timedelta(days=1)
        )
        assert first.id == (await client.fetch(first.id)).id
        listed = [message.id async for message in client.list_messages(page_size=1)]
        assert smskit.Status.CANCELED is (await client.cancel(later.id)).status
        balance = await client.balance()
    assert {first.id, later.id} == set(listed)
    assert "USD" == balance.currency


@pytest.mark.anyio
async def test_async_errors_and_throttling(emulator: Emulator) -> None:
    transport = AsyncRecording(throttle=1)
    async with (
        httpx.AsyncClient(transport=transport) as http,
        smskit.AsyncClient(
            provider(emulator), sender=SENDER, http_client=http, retry=FAST
        ) as client,
    ):
        message = await client.send(to="+14155550100", body="Hi")
        with pytest.raises(smskit.RejectedMessage) as caught:
            await client.send(to="+15005550001", body="Hi")
        with pytest.raises(smskit.NotFound):
            await client.fetch("SM" + "0" * 32)
    # The throttled send, its retry and the refused send: nothing twice.
    assert 3 == sum(1 for r in transport.requests if r.method == "POST")
    assert "21211" == caught.value.provider_code
    assert [message.id] == outbox_sids(emulator)
