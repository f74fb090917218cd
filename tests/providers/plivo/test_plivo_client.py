"""Plivo end to end: smskit.Client and smskit.AsyncClient against the local emulator.

The emulator (on 127.0.0.1, a free port, a frozen clock) answers as Plivo's
Message API v1 does. One serves the whole module (stopping one takes a
noticeable fraction of a second), so each test sends to numbers of its own.
It has no throttling of its own, so the 429 and 5xx cases put a transport in
front of it that answers those first.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

import smskit
from smskit._emulator import Credentials, Emulator
from smskit.providers.plivo import Plivo
from smskit.providers.sandbox._state import SandboxState

START = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
SENDER = "+15005550006"
INVALID = "+15005550001"  # the sandbox's invalid recipient
_NUMBERS = itertools.count(2600)


def fresh() -> str:
    """A recipient no other test of this module sends to."""
    return f"+1415555{next(_NUMBERS):04d}"


NO_WAIT = smskit.RetryPolicy(initial_backoff=0.001, max_backoff=0.001, jitter=0)


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(
        port=0,
        credentials=Credentials(),
        state=SandboxState(start=START),
        realtime=False,
    ) as emulator:
        yield emulator


def plivo_for(emulator: Emulator, **options: Any) -> Plivo:
    credentials = emulator.credentials
    values: dict[str, Any] = {
        "auth_id": credentials.plivo_auth_id,
        "auth_token": credentials.plivo_auth_token,
        "base_url": emulator.url,
        **options,
    }
    return Plivo(**values)


class Driven:
    """The sync or the async client behind the same awaitable calls."""

    def __init__(self, kind: str, provider: Plivo, **options: Any) -> None:
        if "http_client" not in options:
            # Plain http to 127.0.0.1: skip loading CA certificates, which
            # costs more than a whole test.
            options["http_client"] = (
                httpx.Client(verify=False)  # noqa: S501 -- plain http to 127.0.0.1
                if kind == "sync"
                else httpx.AsyncClient(verify=False)  # noqa: S501 -- as above
            )
        options = {"sender": SENDER, "retry": NO_WAIT, **options}
        # A client given to smskit stays the caller's to close.
        self.http = options["http_client"]
        self.sync = smskit.Client(provider, **options) if kind == "sync" else None
        self.aio = None if self.sync else smskit.AsyncClient(provider, **options)

    async def send(self, **kwargs: Any) -> smskit.Message:
        if self.sync is not None:
            return self.sync.send(**kwargs)
        assert self.aio is not None
        return await self.aio.send(**kwargs)

    async def send_batch(self, **kwargs: Any) -> tuple[smskit.BatchResult, ...]:
        if self.sync is not None:
            return self.sync.send_batch(**kwargs)
        assert self.aio is not None
        return await self.aio.send_batch(**kwargs)

    async def fetch(self, message_id: str) -> smskit.Message:
        if self.sync is not None:
            return self.sync.fetch(message_id)
        assert self.aio is not None
        return await self.aio.fetch(message_id)

    async def balance(self) -> smskit.Balance:
        if self.sync is not None:
            return self.sync.balance()
        assert self.aio is not None
        return await self.aio.balance()

    async def list_messages(self, **kwargs: Any) -> list[smskit.Message]:
        if self.sync is not None:
            return list(self.sync.list_messages(**kwargs))
        assert self.aio is not None
        return [message async for message in self.aio.list_messages(**kwargs)]

    async def close(self) -> None:
        if self.sync is not None:
            self.sync.close()
        elif self.aio is not None:
            await self.aio.aclose()
        if isinstance(self.http, httpx.Client):
            self.http.close()
        elif isinstance(self.http, httpx.AsyncClient):
            await self.http.aclose()


@pytest.fixture(params=["sync", "async"])
async def client(
    request: pytest.FixtureRequest, emulator: Emulator
) -> AsyncIterator[Driven]:
    driven = Driven(str(request.param), plivo_for(emulator))
    yield driven
    await driven.close()


@pytest.mark.anyio
async def test_send_then_fetch_delivered(client: Driven, emulator: Emulator) -> None:
    to = fresh()
    sent = await client.send(to=to, body="Hello from smskit")
    assert ("plivo", to, smskit.Status.QUEUED) == (
        sent.provider,
        sent.to,
        sent.status,
    )
    assert [sent.id] == list(sent.raw["message_uuid"])
    emulator.advance()
    fetched = await client.fetch(sent.id)
    assert (sent.id, smskit.Status.DELIVERED) == (fetched.id, fetched.status)
    assert (to, SENDER) == (fetched.to, fetched.sender)
    assert fetched.created_at is not None
    assert fetched.price is not None
    assert "USD" == fetched.currency


@pytest.mark.anyio
async def test_batch_one_request_one_result_each(
    client: Driven, emulator: Emulator
) -> None:
    recipients = [fresh(), INVALID, fresh()]
    results = await client.send_batch(to=recipients, body="Hello all")
    assert recipients == [result.to for result in results]
    assert [True, False, True] == [result.ok for result in results]
    assert isinstance(results[1].error, smskit.RejectedMessage)
    assert "invalid_number" == results[1].error.provider_code
    for position in (0, 2):
        message = results[position].message
        assert message is not None
        assert [message.id] == plivo_ids(emulator, recipients[position])
        assert recipients[position] == (await client.fetch(message.id)).to


@pytest.mark.anyio
async def test_list_pages_newest_first(client: Driven) -> None:
    to = fresh()
    sent = [await client.send(to=to, body=f"message {n}") for n in range(5)]
    other = await client.send(to=fresh(), body="another")
    # Five messages, two per page: three requests, each page's meta.next followed.
    listed = await client.list_messages(to=to, page_size=2)
    assert [message.id for message in reversed(sent)] == [m.id for m in listed]
    newest = await client.list_messages(page_size=20)
    assert other.id == newest[0].id


@pytest.mark.anyio
async def test_balance(client: Driven, emulator: Emulator) -> None:
    await client.send(to=fresh(), body="Hi")
    balance = await client.balance()
    assert ("USD", "plivo") == (balance.currency, balance.provider)
    assert emulator.state.balance.quantize(Decimal("0.00001")) == balance.amount


@pytest.mark.anyio
async def test_an_invalid_recipient_is_rejected(client: Driven) -> None:
    with pytest.raises(smskit.RejectedMessage) as caught:
        await client.send(to=INVALID, body="Hi")
    assert 400 == caught.value.http_status
    assert caught.value.retryable is False


@pytest.mark.anyio
async def test_unknown_message_is_not_found(client: Driven) -> None:
    with pytest.raises(smskit.NotFound):
        await client.fetch("6da4afba-2bcf-4a87-9eff-d2f88577b0f1")


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_wrong_token_is_not_retried(kind: str, emulator: Emulator) -> None:
    counted = Counting(emulator, answers=[])
    driven = counted.driven(kind, plivo_for(emulator, auth_token="wrong"))
    with pytest.raises(smskit.AuthenticationError) as caught:
        await driven.send(to=fresh(), body="Hi")
    await driven.close()
    assert "wrong" not in str(caught.value)
    assert 1 == counted.requests


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_429_is_retried(kind: str, emulator: Emulator) -> None:
    throttled = httpx.Response(
        429, json={"api_id": "a", "error": "too many requests"}, headers={}
    )
    counted = Counting(emulator, answers=[throttled, throttled])
    driven = counted.driven(kind, plivo_for(emulator))
    to = fresh()
    sent = await driven.send(to=to, body="Hi")
    await driven.close()
    assert 3 == counted.requests
    assert [sent.id] == plivo_ids(emulator, to)  # sent once


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_5xx_on_send_is_delivery_unknown_and_not_sent_again(
    kind: str, emulator: Emulator
) -> None:
    failed = httpx.Response(500, json={"api_id": "a", "error": "internal error"})
    counted = Counting(emulator, answers=[failed])
    driven = counted.driven(kind, plivo_for(emulator))
    to = fresh()
    with pytest.raises(smskit.DeliveryUnknown) as caught:
        await driven.send(to=to, body="Hi")
    await driven.close()
    assert (1, 500) == (counted.requests, caught.value.http_status)
    assert [to] == list(caught.value.recipients)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_5xx_on_fetch_is_retried(kind: str, emulator: Emulator) -> None:
    driven = Driven(kind, plivo_for(emulator))
    sent = await driven.send(to=fresh(), body="Hi")
    await driven.close()
    failed = httpx.Response(503, json={"api_id": "a", "error": "unavailable"})
    counted = Counting(emulator, answers=[failed])
    driven = counted.driven(kind, plivo_for(emulator))
    assert sent.id == (await driven.fetch(sent.id)).id
    await driven.close()
    assert 2 == counted.requests


def plivo_ids(emulator: Emulator, to: str) -> list[str]:
    """The message UUIDs the emulator gave messages to ``to``."""
    dialect = emulator.dialect("plivo")
    return [
        uuid
        for record in emulator.state.records()
        if record.to == to
        for uuid in dialect.provider_ids(record.id)
    ]


class Counting:
    """Counts requests; answers the first ones itself, then asks the emulator."""

    def __init__(self, emulator: Emulator, answers: list[httpx.Response]) -> None:
        self.answers = list(answers)
        self.requests = 0
        self.url = emulator.url

    def _canned(self) -> httpx.Response | None:
        self.requests += 1
        return self.answers.pop(0) if self.answers else None

    def driven(self, kind: str, provider: Plivo) -> Driven:
        if kind == "sync":
            real = httpx.HTTPTransport(verify=False)

            def handle(request: httpx.Request) -> httpx.Response:
                return self._canned() or real.handle_request(request)

            http = httpx.Client(transport=_SyncTransport(handle, real))
            return Driven(kind, provider, http_client=http)
        areal = httpx.AsyncHTTPTransport(verify=False)

        async def ahandle(request: httpx.Request) -> httpx.Response:
            return self._canned() or await areal.handle_async_request(request)

        ahttp = httpx.AsyncClient(transport=_AsyncTransport(ahandle, areal))
        return Driven(kind, provider, http_client=ahttp)


class _SyncTransport(httpx.BaseTransport):
    def __init__(
        self,
        handle: Callable[[httpx.Request], httpx.Response],
        real: httpx.HTTPTransport,
    ) -> None:
        self.handle = handle
        self.real = real

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.handle(request)

    def close(self) -> None:
        self.real.close()


class _AsyncTransport(httpx.AsyncBaseTransport):
    def __init__(
        self, handle: Callable[[httpx.Request], Any], real: httpx.AsyncHTTPTransport
    ) -> None:
        self.handle = handle
        self.real = real

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response: httpx.Response = await self.handle(request)
        return response

    async def aclose(self) -> None:
        await self.real.aclose()
