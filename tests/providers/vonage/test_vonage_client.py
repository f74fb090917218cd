"""The Vonage provider end to end: both clients against the local emulator.

The emulator (started here on 127.0.0.1 and stopped after) answers like
Vonage's SMS, Account and Reports APIs and checks credentials and
signatures, so a wrong signature or parameter fails here as it would there.
"""

from __future__ import annotations

import datetime as dt
import itertools
import urllib.parse
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import smskit
from smskit._emulator import Credentials, Emulator
from smskit.providers.sandbox._state import SandboxState
from smskit.providers.vonage import Vonage

START = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
SENDER = "+15005550006"
TO = "+14155552671"
LONG = "Your parcel is on its way and will arrive tomorrow. " * 4  # 2 parts
THROTTLED = {
    "message-count": "1",
    "messages": [
        {
            "status": "1",
            "error-text": "Throughput Rate Exceeded - wait [ 10 ] and retry",
        }
    ],
}
FAST = smskit.RetryPolicy(initial_backoff=0.001, jitter=0, max_attempts=3)


@pytest.fixture(scope="module", params=["md5hash", "sha512"])
def emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    credentials = Credentials(vonage_signature_method=request.param)
    with Emulator(
        port=0,
        credentials=credentials,
        state=SandboxState(start=START),
        realtime=False,
    ) as emulator:
        yield emulator


def ticking() -> Any:
    """A clock a second ahead on each call: every signature differs."""
    seconds = itertools.count()
    return lambda: START + dt.timedelta(seconds=next(seconds))


def provider(
    emulator: Emulator, *, signed: bool = False, secret: str | None = None
) -> Vonage:
    credentials = emulator.credentials
    return Vonage(
        api_key=credentials.vonage_api_key,
        api_secret=secret or credentials.vonage_api_secret,
        signature_secret=credentials.vonage_signature_secret if signed else None,
        signature_method=credentials.vonage_signature_method,
        base_url=emulator.url,
        clock=ticking(),
        environ={},
    )


class ThrottleOnce(httpx.BaseTransport):
    """Answers the first send "throttled" (HTTP 200, status 1), then passes on."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.sends: list[dict[str, str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.sends.append(dict(urllib.parse.parse_qsl(request.content.decode())))
        if len(self.sends) == 1:
            return httpx.Response(200, json=THROTTLED)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class AsyncThrottleOnce(httpx.AsyncBaseTransport):
    """`ThrottleOnce` for the async client."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.sends: list[dict[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.sends.append(dict(urllib.parse.parse_qsl(request.content.decode())))
        if len(self.sends) == 1:
            return httpx.Response(200, json=THROTTLED)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


# -- sync ----------------------------------------------------------------------


@pytest.mark.parametrize("signed", [False, True], ids=["secret", "signed"])
def test_send_in_parts_then_fetch_and_balance(emulator: Emulator, signed: bool) -> None:
    with smskit.Client(provider(emulator, signed=signed), sender=SENDER) as client:
        message = client.send(to=TO, body=LONG, client_ref="order-1")
        assert message.status is smskit.Status.QUEUED
        assert len(message.part_ids) == 2
        assert message.id == message.part_ids[0]
        assert message.client_ref == "order-1"

        emulator.advance()
        fetched = client.fetch(message.id)
        assert fetched.id == message.id
        assert fetched.status is smskit.Status.DELIVERED
        assert fetched.to == TO
        assert fetched.body == LONG
        assert fetched.client_ref == "order-1"

        balance = client.balance()
        assert balance.currency == "EUR"
        assert balance.amount > 0


def test_unicode_text_arrives_intact(emulator: Emulator) -> None:
    body = "Привет, ваш код 1234 ✓"
    with smskit.Client(provider(emulator, signed=True), sender=SENDER) as client:
        message = client.send(to=TO, body=body)
        assert client.fetch(message.id).body == body


def test_a_refused_recipient_raises_its_status(emulator: Emulator) -> None:
    client = smskit.Client(provider(emulator), sender=SENDER)
    with client, pytest.raises(smskit.RejectedMessage) as caught:
        client.send(to="+15005550001", body="hi")  # the emulator's invalid "to"
    assert caught.value.provider_code == "3"


def test_wrong_credentials_are_never_retried(emulator: Emulator) -> None:
    bad = provider(emulator, secret="not-the-secret")
    with smskit.Client(bad, sender=SENDER, retry=FAST) as client:
        with pytest.raises(smskit.AuthenticationError) as caught:
            client.send(to=TO, body="hi")
        assert caught.value.provider_code == "4"
        with pytest.raises(smskit.AuthenticationError):
            client.balance()


def test_a_throttled_send_is_retried_with_a_fresh_signature(emulator: Emulator) -> None:
    transport = ThrottleOnce()
    http = httpx.Client(transport=transport)
    with (
        http,
        smskit.Client(
            provider(emulator, signed=True), sender=SENDER, retry=FAST, http_client=http
        ) as client,
    ):
        message = client.send(to=TO, body="hi")
    assert message.status is smskit.Status.QUEUED
    first, second = transport.sends
    assert first["timestamp"] != second["timestamp"]
    assert first["sig"] != second["sig"]


def test_a_long_throttle_hint_gives_up_at_once(emulator: Emulator) -> None:
    retry = smskit.RetryPolicy(max_retry_after=0.5)
    client = smskit.Client(provider(emulator), sender="+15005550008", retry=retry)
    with client, pytest.raises(smskit.RateLimited) as caught:
        client.send(to=TO, body="hi")  # the emulator's throttled sender
    assert caught.value.retry_after == 1.0
    assert caught.value.provider_code == "1"


def test_list_cancel_batch_and_schedule_are_not_supported(emulator: Emulator) -> None:
    with smskit.Client(provider(emulator), sender=SENDER) as client:
        with pytest.raises(smskit.NotSupported):
            list(client.list_messages())
        with pytest.raises(smskit.NotSupported):
            client.cancel("0A0000000123ABCD")
        with pytest.raises(smskit.NotSupported):
            client.send_batch(to=[TO, "+14155552672"], body="hi")
        with pytest.raises(smskit.NotSupported):
            client.send(to=TO, body="hi", send_at=START + dt.timedelta(days=400))


def test_fetch_of_an_unknown_id_is_not_found(emulator: Emulator) -> None:
    client = smskit.Client(provider(emulator), sender=SENDER)
    with client, pytest.raises(smskit.NotFound):
        client.fetch("FFFFFFFFFFFFFFFF")


# -- async ---------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("signed", [False, True], ids=["secret", "signed"])
async def test_async_send_fetch_and_balance(emulator: Emulator, signed: bool) -> None:
    async with smskit.AsyncClient(
        provider(emulator, signed=signed), sender=SENDER
    ) as client:
        message = await client.send(to=TO, body=LONG)
        assert len(message.part_ids) == 2
        emulator.advance()
        fetched = await client.fetch(message.part_ids[1])
        assert fetched.id == message.part_ids[1]
        assert fetched.status is smskit.Status.DELIVERED
        assert (await client.balance()).currency == "EUR"
        with pytest.raises(smskit.RejectedMessage):
            await client.send(to="+15005550004", body="hi")  # opted out: status 7


@pytest.mark.anyio
async def test_async_throttled_send_is_retried(emulator: Emulator) -> None:
    transport = AsyncThrottleOnce()
    async with httpx.AsyncClient(transport=transport) as http:
        client = smskit.AsyncClient(
            provider(emulator, signed=True), sender=SENDER, retry=FAST, http_client=http
        )
        async with client:
            message = await client.send(to=TO, body="hi")
    assert message.status is smskit.Status.QUEUED
    assert len(transport.sends) == 2
    assert transport.sends[0]["sig"] != transport.sends[1]["sig"]
