"""End to end through the sandbox, with the sync and the async client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import smskit
from client_helpers import Both, MakeClient, client_of_kind
from smskit.providers import Sandbox

T0 = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(seed=7, start=T0)


@pytest.fixture(params=["sync", "async"])
def make_client(request: pytest.FixtureRequest) -> MakeClient:
    def make(provider: smskit.providers.Provider, **options: Any) -> Both:
        return client_of_kind(request.param, provider, **options)

    return make


@pytest.mark.anyio
async def test_send_then_delivered(sandbox: Sandbox, make_client: MakeClient) -> None:
    client = make_client(sandbox, region="US")
    message = await client.send(
        to="(415) 555-2671", body="Hello", sender="+15005550006", client_ref="c1"
    )
    assert message.id.startswith("SB")
    assert "sandbox" == message.provider
    assert "+14155552671" == message.to
    assert "+15005550006" == message.sender
    assert smskit.Status.QUEUED is message.status
    assert smskit.Encoding.GSM7 is message.encoding
    assert 1 == message.segments
    assert "c1" == message.client_ref
    assert T0 == message.created_at
    assert message.raw["id"] == message.id

    events = sandbox.advance()
    assert [smskit.Status.SENT, smskit.Status.DELIVERED] == [e.status for e in events]
    fetched = await client.fetch(message.id)
    assert smskit.Status.DELIVERED is fetched.status
    assert T0 + dt.timedelta(seconds=3) == fetched.updated_at
    await client.close()


@pytest.mark.anyio
async def test_unicode_body_is_ucs2(sandbox: Sandbox, make_client: MakeClient) -> None:
    client = make_client(sandbox)
    message = await client.send(to="+14155552671", body="Привет " * 12)
    assert smskit.Encoding.UCS2 is message.encoding
    assert 2 == message.segments
    await client.close()


@pytest.mark.anyio
async def test_default_sender_and_override(
    sandbox: Sandbox, make_client: MakeClient
) -> None:
    client = make_client(sandbox, sender="ACME")
    assert "ACME" == (await client.send(to="+14155552671", body="a")).sender
    other = await client.send(to="+14155552671", body="b", sender="+15005550006")
    assert "+15005550006" == other.sender
    await client.close()


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("to", "reason"),
    [
        ("", "missing"),
        (None, "missing"),
        ("+1 415", "too_short"),
        ("12", "needs_region"),
        ("hello", "not_a_number"),
    ],
)
async def test_bad_recipient_is_refused_before_sending(
    sandbox: Sandbox, make_client: MakeClient, to: object, reason: str
) -> None:
    client = make_client(sandbox)
    with pytest.raises(smskit.InvalidPhoneNumber) as info:
        await client.send(to=to, body="hi")
    assert reason == info.value.reason
    assert isinstance(info.value, ValueError)
    assert [] == sandbox.outbox
    await client.close()


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "error", "match"),
    [
        ("", smskit.InvalidMessage, "body is empty"),
        (None, smskit.ArgumentTypeError, "body must be a str, not NoneType"),
        ("x" * 1531, smskit.MessageTooLong, "needs 11 SMS segments"),
        ("a\ud800b", smskit.InvalidMessage, "lone surrogate U\\+D800 at index 1"),
    ],
)
async def test_bad_body_is_refused_before_sending(
    sandbox: Sandbox,
    make_client: MakeClient,
    body: object,
    error: type[Exception],
    match: str,
) -> None:
    client = make_client(sandbox)
    with pytest.raises(error, match=match):
        await client.send(to="+14155552671", body=body)
    assert [] == sandbox.outbox
    await client.close()


@pytest.mark.anyio
async def test_max_segments_is_configurable(
    sandbox: Sandbox, make_client: MakeClient
) -> None:
    client = make_client(sandbox, max_segments=1)
    with pytest.raises(smskit.MessageTooLong) as info:
        await client.send(to="+14155552671", body="x" * 161)
    assert (2, 1) == (info.value.segments, info.value.max_segments)
    await client.close()


@pytest.mark.anyio
async def test_fetch_unknown_id(sandbox: Sandbox, make_client: MakeClient) -> None:
    client = make_client(sandbox)
    with pytest.raises(smskit.NotFound) as info:
        await client.fetch("SBnope")
    assert (404, "not_found", "sandbox") == (
        info.value.http_status,
        info.value.provider_code,
        info.value.provider,
    )
    await client.close()


@pytest.mark.anyio
@pytest.mark.parametrize("message_id", ["", "  "])
async def test_fetch_needs_an_id(
    sandbox: Sandbox, make_client: MakeClient, message_id: str
) -> None:
    client = make_client(sandbox)
    with pytest.raises(smskit.InvalidMessage, match="message id is empty"):
        await client.fetch(message_id)
    await client.close()


def test_context_managers_close_their_http_client(sandbox: Sandbox) -> None:
    with smskit.Client(sandbox) as client:
        assert "sandbox" == client.provider.name
    assert client._http.is_closed


@pytest.mark.anyio
async def test_async_context_manager(sandbox: Sandbox) -> None:
    async with smskit.AsyncClient(sandbox) as client:
        await client.send(to="+14155552671", body="hi")
    assert client._http.is_closed
    assert 1 == len(sandbox.outbox)


def test_a_given_http_client_is_not_closed() -> None:
    provider = RecordingProvider(lambda request: httpx.Response(201, json=SENT))
    http = httpx.Client(transport=httpx.MockTransport(provider.handle))
    with smskit.Client(provider, http_client=http) as client:
        client.send(to="+14155552671", body="hi")
    assert not http.is_closed
    http.close()


def test_sandbox_refuses_a_foreign_http_client(sandbox: Sandbox) -> None:
    with pytest.raises(smskit.ConfigurationError, match="brings its own transport"):
        smskit.Client(sandbox, http_client=httpx.Client())


def test_provider_must_be_a_provider() -> None:
    with pytest.raises(smskit.ConfigurationError, match="must be a smskit provider"):
        smskit.Client("twilio")  # type: ignore[arg-type]


def test_max_segments_must_be_positive(sandbox: Sandbox) -> None:
    with pytest.raises(smskit.ConfigurationError, match="max_segments"):
        smskit.Client(sandbox, max_segments=0)


def test_repr_names_the_provider_only(sandbox: Sandbox) -> None:
    assert "<Client provider='sandbox'>" == repr(smskit.Client(sandbox))
    assert "<Sandbox: 0 messages>" == repr(sandbox)


def test_timeout_default_and_override(sandbox: Sandbox) -> None:
    assert httpx.Timeout(30.0, connect=5.0) == smskit.Client(sandbox)._http.timeout
    assert httpx.Timeout(2.0) == smskit.Client(sandbox, timeout=2.0)._http.timeout


SENT = {
    "id": "X1",
    "to": "+14155552671",
    "from": None,
    "body": "hi",
    "status": "queued",
}


class RecordingProvider:
    """A minimal provider over a scripted handler, to test the client alone."""

    name = "recording"
    transport = None
    rate_limit_key = "acct"

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        self.handle = handler

    def build_send(self, message: smskit.providers.OutgoingMessage) -> httpx.Request:
        return httpx.Request(
            "POST", "https://api.example.test/send", json={"to": message.to}
        )

    def parse_send(
        self, message: smskit.providers.OutgoingMessage, response: httpx.Response
    ) -> smskit.Message:
        return self.parse_fetch(response)

    def build_fetch(self, message_id: str) -> httpx.Request:
        return httpx.Request("GET", f"https://api.example.test/{message_id}")

    def parse_fetch(self, response: httpx.Response) -> smskit.Message:
        data = response.json()
        return smskit.Message(
            id=data["id"],
            provider=self.name,
            to=data["to"],
            body=data["body"],
            status=data["status"],
        )


@pytest.mark.anyio
async def test_premium_rate_numbers_are_refused_by_default(
    sandbox: Sandbox, make_client: MakeClient
) -> None:
    client = make_client(sandbox)
    with pytest.raises(smskit.InvalidPhoneNumber) as info:
        await client.send(to="+1 900 200 1234", body="hi")
    assert "type_not_allowed" == info.value.reason
    relaxed = make_client(sandbox, number_policy=None)
    await relaxed.send(to="+1 900 200 1234", body="hi")
    strict = make_client(
        sandbox, number_policy=smskit.NumberPolicy(allowed_regions={"GB"})
    )
    with pytest.raises(smskit.InvalidPhoneNumber, match=r"GB|region"):
        await strict.send(to="+14155552671", body="hi")
    for each in (client, relaxed, strict):
        await each.close()


@pytest.mark.anyio
async def test_sends_do_not_ask_the_routing_protocol_again(
    sandbox: Sandbox, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # isinstance against a runtime protocol costs tens of µs: the client asks
    # whether its provider routes once, at construction, not on every send.
    import smskit._client_core as core

    client = make_client(sandbox)

    class Counting(type):
        asked = 0

        def __instancecheck__(cls, instance: object) -> bool:
            Counting.asked += 1
            return False

    monkeypatch.setattr(core, "SupportsRouting", Counting("Routing", (), {}))
    for n in range(3):
        await client.send(to="+14155552671", body=f"n{n}", sender="+15005550006")
    assert 0 == Counting.asked
    await client.close()
