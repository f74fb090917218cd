"""The widened contract through both clients: list, cancel, balance, scheduling,
smart encoding, pass-through options, capabilities and NotSupported.

Every test runs with the sync and the async client on asyncio and trio,
against the sandbox, through the real engine.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

import smskit
from client_helpers import Both, MakeClient, RecordingLimiter
from smskit.providers import Sandbox, capabilities

T0 = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
TO = "+14155552671"
OTHER = "+14155552672"


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(seed=11, start=T0)


async def collect(
    messages: Iterator[smskit.Message] | AsyncIterator[smskit.Message],
) -> list[smskit.Message]:
    if isinstance(messages, Iterator):
        return list(messages)
    return [message async for message in messages]


def list_messages(client: Both, **filters: Any) -> Any:
    return client.client.list_messages(**filters)


async def call(client: Both, method: str, *args: Any) -> Any:
    result = getattr(client.client, method)(*args)
    if isinstance(client.client, smskit.AsyncClient):
        return await result
    return result


# list ---------------------------------------------------------------------------


@pytest.mark.anyio
async def test_list_pages_through_everything_newest_first(
    sandbox: Sandbox, make_client: MakeClient, requests: list[httpx.Request]
) -> None:
    client = make_client(sandbox)
    sent = []
    for n in range(7):
        sent.append(await client.send(to=TO, body=f"message {n}"))
        sandbox.advance(1)
    requests.clear()
    listed = await collect(list_messages(client, page_size=3))
    assert [m.id for m in reversed(sent)] == [m.id for m in listed]
    assert 3 == len(requests)  # pages of 3, 3 and 1
    await client.close()


@pytest.mark.anyio
async def test_list_filters_at_the_provider(
    sandbox: Sandbox, make_client: MakeClient
) -> None:
    client = make_client(sandbox, region="US")
    first = await client.send(to=TO, body="one")
    sandbox.advance(60)
    second = await client.send(to=OTHER, body="two")
    sandbox.advance(60)
    third = await client.send(to=TO, body="three")
    to_first = await collect(list_messages(client, to="(415) 555-2671"))
    assert [third.id, first.id] == [m.id for m in to_first]
    window = await collect(
        list_messages(
            client,
            sent_after=T0 + dt.timedelta(seconds=30),
            sent_before=T0 + dt.timedelta(seconds=90),
        )
    )
    assert [second.id] == [m.id for m in window]
    await client.close()


@pytest.mark.anyio
async def test_a_retried_page_yields_its_messages_once(
    sandbox: Sandbox, make_client: MakeClient
) -> None:
    client = make_client(sandbox)
    for n in range(4):
        await client.send(to=TO, body=f"m{n}")
        sandbox.advance(1)
    sandbox.inject("unavailable", times=1)
    smskit.testing.set_testing(True)
    try:
        listed = await collect(list_messages(client, page_size=2))
    finally:
        smskit.testing.set_testing(False)
    assert 4 == len({m.id for m in listed}) == len(listed)
    await client.close()


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("filters", "error", "match"),
    [
        ({"page_size": 0}, smskit.ConfigurationError, ">= 1"),
        ({"page_size": 1001}, smskit.ConfigurationError, "<= 1000"),
        ({"sent_after": dt.datetime(2026, 1, 1)}, smskit.InvalidMessage, "aware"),
        ({"sent_before": "yesterday"}, smskit.ArgumentTypeError, "datetime"),
        ({"sent_after": T0, "sent_before": T0}, smskit.InvalidMessage, "earlier"),
        ({"to": "nope"}, smskit.InvalidPhoneNumber, "nope"),
    ],
)
async def test_list_filters_are_checked_at_the_call(
    sandbox: Sandbox,
    make_client: MakeClient,
    requests: list[httpx.Request],
    filters: dict[str, Any],
    error: type[Exception],
    match: str,
) -> None:
    client = make_client(sandbox)
    with pytest.raises(error, match=match):
        list_messages(client, **filters)
    assert [] == requests
    await client.close()


# schedule and cancel ----------------------------------------------------------------


@pytest.mark.anyio
async def test_schedule_then_cancel(sandbox: Sandbox, make_client: MakeClient) -> None:
    client = make_client(sandbox)
    when = T0 + dt.timedelta(hours=2)
    message = await client.send(to=TO, body="later", send_at=when)
    assert smskit.Status.SCHEDULED is message.status
    assert when == message.scheduled_at
    cancelled = await call(client, "cancel", message)
    assert smskit.Status.CANCELED is cancelled.status
    again = await call(client, "cancel", message.id)  # already cancelled: fine
    assert smskit.Status.CANCELED is again.status
    sandbox.advance(3 * 3600)
    assert smskit.Status.CANCELED is (await client.fetch(message)).status
    await client.close()


@pytest.mark.anyio
async def test_send_at_is_sent_in_utc(
    sandbox: Sandbox, make_client: MakeClient
) -> None:
    client = make_client(sandbox)
    paris = dt.timezone(dt.timedelta(hours=2))
    when = dt.datetime(2026, 6, 1, 16, 0, tzinfo=paris)  # 14:00 UTC
    message = await client.send(to=TO, body="later", send_at=when)
    assert (
        dt.datetime(2026, 6, 1, 14, 0, tzinfo=dt.timezone.utc) == message.scheduled_at
    )
    await client.close()


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("send_at", "error", "match"),
    [
        (dt.datetime(2026, 6, 2, 12, 0), smskit.InvalidMessage, "timezone-aware"),
        ("2026-06-02T12:00:00Z", smskit.ArgumentTypeError, "datetime"),
        (T0 - dt.timedelta(minutes=1), smskit.InvalidMessage, "outside"),
        (T0 + dt.timedelta(days=400), smskit.InvalidMessage, "outside"),
    ],
)
async def test_bad_send_at_is_refused_before_sending(
    sandbox: Sandbox,
    make_client: MakeClient,
    requests: list[httpx.Request],
    send_at: Any,
    error: type[Exception],
    match: str,
) -> None:
    client = make_client(sandbox)
    with pytest.raises(error, match=match):
        await client.send(to=TO, body="later", send_at=send_at)
    assert [] == requests
    await client.close()


@pytest.mark.anyio
async def test_cancel_of_a_sent_message_is_refused(
    sandbox: Sandbox, make_client: MakeClient
) -> None:
    client = make_client(sandbox)
    message = await client.send(to=TO, body="now")
    with pytest.raises(smskit.RejectedMessage) as info:
        await call(client, "cancel", message)
    assert "not_cancelable" == info.value.provider_code
    await client.close()


# balance ----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_balance_falls_as_messages_are_delivered(
    sandbox: Sandbox, make_client: MakeClient
) -> None:
    client = make_client(sandbox)
    before = await call(client, "balance")
    assert isinstance(before, smskit.Balance)
    assert "USD" == before.currency
    await client.send(to=TO, body="hi")
    sandbox.advance()
    after = await call(client, "balance")
    assert before.amount - after.amount == Decimal("0.0075")
    await client.close()


# smart encoding and options ---------------------------------------------------


@pytest.mark.anyio
async def test_smart_encoding_sends_the_replaced_text(
    sandbox: Sandbox, make_client: MakeClient
) -> None:
    client = make_client(sandbox)
    plain = await client.send(to=TO, body="It\u2019s here")
    smart = await client.send(to=TO, body="It\u2019s here", smart_encoding=True)
    assert smskit.Encoding.UCS2 is plain.encoding
    assert "It's here" == smart.body
    assert smskit.Encoding.GSM7 is smart.encoding
    assert smart.smart_encoded
    assert not plain.smart_encoded
    await client.close()


@pytest.mark.anyio
async def test_options_pass_through_verbatim(
    sandbox: Sandbox, make_client: MakeClient
) -> None:
    client = make_client(sandbox)
    message = await client.send(to=TO, body="hi", options={"tag": "signup"})
    assert "signup" == message.raw["tag"]
    long = await client.send(to=TO, body="y" * 200, options={"parts": True})
    assert (f"{long.id}-1", f"{long.id}-2") == long.part_ids
    with pytest.raises(smskit.RejectedMessage, match="colour"):
        await client.send(to=TO, body="hi", options={"colour": "red"})
    with pytest.raises(smskit.ArgumentTypeError, match="mapping"):
        await client.send(to=TO, body="hi", options=["tag"])
    await client.close()


# capabilities ------------------------------------------------------------------


class SendOnly:
    """A provider with nothing but send and fetch."""

    def __init__(self) -> None:
        self._sandbox = Sandbox(seed=1, start=T0)

    name = "sendonly"
    rate_limit_key = "acct"

    @property
    def transport(self) -> httpx.MockTransport:
        return self._sandbox.transport

    def build_send(self, message: Any) -> httpx.Request:
        return self._sandbox.build_send(message)

    def parse_send(self, message: Any, response: httpx.Response) -> smskit.Message:
        return self._sandbox.parse_send(message, response)

    def build_fetch(self, message_id: str) -> httpx.Request:
        return self._sandbox.build_fetch(message_id)

    def parse_fetch(self, response: httpx.Response) -> smskit.Message:
        return self._sandbox.parse_fetch(response)


def test_the_sandbox_has_every_capability_but_webhooks() -> None:
    assert {"list", "cancel", "balance", "schedule", "batch"} == capabilities(Sandbox())
    assert frozenset() == capabilities(SendOnly())


@pytest.mark.anyio
async def test_missing_capabilities_raise_not_supported_before_any_io(
    make_client: MakeClient, requests: list[httpx.Request]
) -> None:
    client = make_client(SendOnly())
    with pytest.raises(smskit.NotSupported) as info:
        await call(client, "cancel", "SB1")
    assert ("sendonly", "cancel") == (info.value.provider, info.value.operation)
    with pytest.raises(smskit.NotSupported, match="balance"):
        await call(client, "balance")
    with pytest.raises(smskit.NotSupported, match="list"):
        list_messages(client)
    with pytest.raises(smskit.NotSupported, match="schedule"):
        await client.send(to=TO, body="x", send_at=T0 + dt.timedelta(hours=1))
    assert [] == requests
    assert TO == (await client.send(to=TO, body="still sends")).to
    await client.close()


# batches -----------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_batch_gives_one_outcome_per_recipient_in_order(
    sandbox: Sandbox, make_client: MakeClient, requests: list[httpx.Request]
) -> None:
    client = make_client(sandbox, region="US")
    given = ["(415) 555-2671", "not a number", "+15005550001", "+14155552672"]
    results = await call_batch(client, to=given, body="Sale today")
    assert given == [result.to for result in results]
    assert [True, False, False, True] == [result.ok for result in results]
    assert isinstance(results[1].error, smskit.InvalidPhoneNumber)
    assert isinstance(results[2].error, smskit.RejectedMessage)  # magic: invalid_to
    assert 1 == len(requests)
    assert {TO, "+14155552672"} == {m.to for m in sandbox.outbox}
    await client.close()


@pytest.mark.anyio
async def test_a_large_batch_is_cut_at_the_provider_maximum(
    sandbox: Sandbox, make_client: MakeClient, requests: list[httpx.Request]
) -> None:
    client = make_client(sandbox)
    given = [f"+1415555{n:04d}" for n in range(2000, 2250)]
    results = await call_batch(client, to=given, body="hi")
    assert 250 == len(results)
    assert all(result.ok for result in results)
    assert [100, 100, 50] == [
        len(json.loads(request.content)["to"]) for request in requests
    ]
    await client.close()


@pytest.mark.anyio
async def test_an_ambiguous_batch_names_every_recipient(
    sandbox: Sandbox, make_client: MakeClient
) -> None:
    client = make_client(sandbox)
    sandbox.inject("read_timeout", times=1)
    given = [TO, OTHER]
    results = await call_batch(client, to=given, body="hi")
    errors = [result.error for result in results]
    assert all(isinstance(error, smskit.DeliveryUnknown) for error in errors)
    assert isinstance(errors[0], smskit.DeliveryUnknown)
    assert (TO, OTHER) == errors[0].recipients
    await client.close()


@pytest.mark.anyio
async def test_a_batch_costs_recipients_times_segments(
    sandbox: Sandbox, make_client: MakeClient
) -> None:
    limiter = RecordingLimiter(smskit.RateLimit(rate=1000, burst=1000, cost="segment"))
    client = make_client(sandbox, rate_limit=limiter)
    await call_batch(client, to=[TO, OTHER, "+14155552673"], body="x" * 200)
    assert [6.0] == limiter.reserved  # 3 recipients x 2 segments
    await client.close()


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("to", "error", "match"),
    [
        (TO, smskit.ArgumentTypeError, "list of numbers, not str"),
        ([], smskit.InvalidMessage, "at least one recipient"),
        ([TO, 5], smskit.ArgumentTypeError, "not int"),
    ],
)
async def test_bad_batch_recipients_raise_before_any_request(
    sandbox: Sandbox,
    make_client: MakeClient,
    requests: list[httpx.Request],
    to: Any,
    error: type[Exception],
    match: str,
) -> None:
    client = make_client(sandbox)
    with pytest.raises(error, match=match):
        await call_batch(client, to=to, body="hi")
    with pytest.raises(smskit.InvalidMessage, match="whitespace"):
        await call_batch(client, to=["nope"], body="  ")
    assert [] == requests
    await client.close()


async def call_batch(client: Both, **arguments: Any) -> tuple[Any, ...]:
    result = client.client.send_batch(**arguments)
    if isinstance(client.client, smskit.AsyncClient):
        return await result  # type: ignore[no-any-return,misc]
    return result  # type: ignore[return-value]
