"""Resolving unknown outcomes: the pure judgement, then both clients on the sandbox."""

from __future__ import annotations

import datetime as dt
import inspect
import pickle
import time
from collections.abc import Iterator
from typing import Any

import pytest

import smskit
from smskit import _resolve as resolving
from smskit.providers import Sandbox, Vonage

TO = "+14155552671"
OTHER = "+14155552672"
SENDER = "+15005550006"
BODY = "Your code is 123456"
NOW = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.timezone.utc)
SECOND = dt.timedelta(seconds=1)


def unknown(
    *,
    provider: str = "sandbox",
    to: str = TO,
    recipients: tuple[str, ...] = (),
    client_ref: str | None = None,
    body: str | None = BODY,
    first: dt.datetime | None = NOW,
    last: dt.datetime | None = NOW + SECOND,
) -> smskit.DeliveryUnknown:
    return smskit.DeliveryUnknown(
        "in doubt",
        provider=provider,
        to=to,
        recipients=recipients,
        client_ref=client_ref,
        attempts=1,
        sender=SENDER,
        body=body,
        first_attempt_at=first,
        last_attempt_at=last,
    )


def listed(
    *,
    provider: str = "sandbox",
    to: str = TO,
    body: str | None = BODY,
    client_ref: str | None = None,
    created_at: dt.datetime | None = NOW,
    message_id: str = "M1",
    sender: str | None = SENDER,
) -> smskit.Message:
    return smskit.Message(
        id=message_id,
        provider=provider,
        to=to,
        sender=sender,
        body=body,
        status="queued",
        created_at=created_at,
        client_ref=client_ref,
    )


def decide(
    question: smskit.DeliveryUnknown,
    messages: list[smskit.Message],
    *,
    late: dt.timedelta = dt.timedelta(minutes=1),
    complete: bool = True,
    settle: dt.timedelta = resolving.DEFAULT_SETTLE,
) -> resolving.Resolution:
    search = resolving.plan_search(question, to=None, settle=settle)
    assert question.last_attempt_at is not None
    return resolving.judge(
        search,
        messages,
        searched_at=question.last_attempt_at + late,
        complete=complete,
    )


# -- the search ------------------------------------------------------------------


def test_the_search_of_a_provider_that_filters_by_creation_carries_the_window() -> None:
    search = resolving.plan_search(unknown(), to=None, settle=dt.timedelta(seconds=30))
    skew = resolving.CLOCK_SKEW
    assert search.query.to == TO
    assert search.query.sender == SENDER
    assert search.query.sent_after == NOW - skew
    assert search.query.sent_before == NOW + SECOND + dt.timedelta(seconds=30) + skew
    assert search.ready_at == NOW + SECOND + dt.timedelta(seconds=30)


def test_twilio_is_searched_without_its_date_filter() -> None:
    # Twilio's DateSent filter drops messages still queued (no date_sent).
    search = resolving.plan_search(
        unknown(provider="twilio"), to=None, settle=dt.timedelta(0)
    )
    assert search.query.sent_after is None
    assert search.query.sent_before is None
    assert search.earliest == NOW - resolving.CLOCK_SKEW


def test_a_batch_needs_the_recipient_to_search_for() -> None:
    batch = unknown(recipients=(TO, OTHER))
    with pytest.raises(smskit.InvalidMessage, match="pass to="):
        resolving.plan_search(batch, to=None, settle=dt.timedelta(0))
    with pytest.raises(smskit.InvalidMessage, match="not one of"):
        resolving.plan_search(batch, to="+14155550000", settle=dt.timedelta(0))
    search = resolving.plan_search(batch, to=OTHER, settle=dt.timedelta(0))
    assert search.query.to == OTHER


def test_an_error_without_its_times_cannot_be_searched() -> None:
    with pytest.raises(smskit.InvalidMessage, match="when the message was sent"):
        resolving.plan_search(unknown(first=None), to=None, settle=dt.timedelta(0))


# -- the judgement ---------------------------------------------------------------


def test_one_message_with_the_client_ref_is_the_accepted_one() -> None:
    mine = listed(client_ref="order-1", message_id="MINE")
    theirs = listed(client_ref="order-2", message_id="THEIRS")
    decision = decide(unknown(client_ref="order-1"), [theirs, mine])
    assert decision.outcome == "accepted"
    assert decision.message is mine
    assert decision.evidence == "client_ref"


def test_a_message_with_a_reference_is_not_one_sent_without() -> None:
    decision = decide(unknown(), [listed(client_ref="someone-else")])
    assert decision.outcome == "not_accepted"


def test_recipient_sender_text_and_time_identify_a_message() -> None:
    decision = decide(unknown(provider="twilio"), [listed(provider="twilio")])
    assert decision.outcome == "accepted"
    assert decision.evidence == "content"


@pytest.mark.parametrize(
    "other",
    [
        listed(body="another text"),
        listed(to=OTHER),
        listed(sender="+15005550099"),
        listed(created_at=NOW - resolving.CLOCK_SKEW - SECOND),
        listed(created_at=NOW + dt.timedelta(hours=1)),
    ],
    ids=["text", "recipient", "sender", "before", "after"],
)
def test_a_message_that_differs_is_not_this_one(other: smskit.Message) -> None:
    decision = decide(unknown(provider="twilio"), [other])
    assert decision.outcome == "not_accepted"


def test_a_provider_that_lists_no_text_is_matched_by_recipient() -> None:
    decision = decide(unknown(provider="plivo"), [listed(provider="plivo", body=None)])
    assert decision.outcome == "accepted"
    assert decision.evidence == "recipient"


def test_two_matches_stay_unknown() -> None:
    twins = [listed(message_id="A"), listed(message_id="B")]
    decision = decide(unknown(provider="twilio"), twins)
    assert decision.outcome == "unknown"
    assert "2 messages" in decision.reason
    assert decision.message is None


def test_nothing_found_too_soon_proves_nothing() -> None:
    decision = decide(unknown(), [], late=dt.timedelta(seconds=5))
    assert decision.outcome == "unknown"
    assert "too soon" in decision.reason
    settled = decide(unknown(), [], late=dt.timedelta(seconds=5), settle=SECOND)
    assert settled.outcome == "not_accepted"


def test_nothing_found_in_a_list_cut_short_proves_nothing() -> None:
    decision = decide(unknown(), [], complete=False)
    assert decision.outcome == "unknown"
    assert "too many" in decision.reason


def test_a_message_found_in_a_list_cut_short_still_counts() -> None:
    decision = decide(unknown(), [listed()], complete=False)
    assert decision.outcome == "accepted"


def test_still_unknown_keeps_the_facts_and_never_shows_the_text() -> None:
    original = unknown(client_ref="ref-9")
    error = resolving.still_unknown(original, "2 messages match")
    assert error.reason == "2 messages match"
    assert "2 messages match" in str(error)
    for shown in (str(error), repr(error), str(original), repr(original)):
        assert BODY not in shown
        assert TO not in shown
    again = pickle.loads(pickle.dumps(error))  # noqa: S301 -- our own pickle
    assert again.body == BODY
    assert again.first_attempt_at == NOW
    assert again.last_attempt_at == NOW + SECOND
    assert again.sender == SENDER
    assert again.reason == "2 messages match"


def test_widen_reaches_back_to_the_first_send() -> None:
    first = unknown(first=NOW, last=NOW + SECOND)
    later = unknown(first=NOW + dt.timedelta(minutes=2), last=NOW + 3 * SECOND)
    resolving.widen(later, first)
    assert later.first_attempt_at == NOW
    assert later.attempts == 2
    resolving.widen(later, None)
    assert later.first_attempt_at == NOW


# -- through the clients, on the sandbox -----------------------------------------


@pytest.fixture
def testing_mode() -> Iterator[None]:
    smskit.testing.set_testing(True)
    try:
        yield
    finally:
        smskit.testing.set_testing(False)


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def client_for(kind: str, provider: Any, **options: Any) -> Any:
    options.setdefault("sender", SENDER)
    if kind == "sync":
        return smskit.Client(provider, **options)
    return smskit.AsyncClient(provider, **options)


async def call(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def in_doubt(client: Any, **send: Any) -> smskit.DeliveryUnknown:
    with pytest.raises(smskit.DeliveryUnknown) as caught:
        await call(client.send(**send))
    return caught.value


@pytest.mark.anyio
@pytest.mark.parametrize("fault", ["server_error", "read_timeout"])
async def test_a_send_accepted_in_doubt_resolves_to_its_message(
    kind: str, fault: str
) -> None:
    sandbox = Sandbox(seed=3)
    client = client_for(kind, sandbox)
    sandbox.inject(fault)
    error = await in_doubt(client, to=TO, body=BODY)
    assert error.body == BODY
    assert error.sender == SENDER
    assert error.first_attempt_at is not None
    assert error.first_attempt_at <= sandbox.now
    found = await call(client.resolve(error))
    assert found is not None
    assert [found.id] == [message.id for message in sandbox.outbox]
    assert found.body == BODY


@pytest.mark.anyio
async def test_a_message_never_accepted_resolves_to_none(kind: str) -> None:
    sandbox = Sandbox(seed=3)
    client = client_for(kind, sandbox)
    await call(client.send(to=OTHER, body=BODY))  # someone else's message
    question = unknown(first=sandbox.now, last=sandbox.now)
    assert await call(client.resolve(question)) is None


@pytest.mark.anyio
async def test_the_sandbox_is_searched_on_its_own_clock(kind: str) -> None:
    # A sandbox started years ago: wall-clock times would miss its records.
    sandbox = Sandbox(seed=3, start=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc))
    client = client_for(kind, sandbox)
    sandbox.inject("server_error")
    error = await in_doubt(client, to=TO, body=BODY, client_ref="r-1")
    assert error.first_attempt_at == sandbox.now
    found = await call(client.resolve(error))
    assert found is not None
    assert found.client_ref == "r-1"


@pytest.mark.anyio
async def test_two_identical_messages_stay_unknown_with_the_reason(kind: str) -> None:
    sandbox = Sandbox(seed=3)
    client = client_for(kind, sandbox)
    await call(client.send(to=TO, body=BODY))
    sandbox.inject("server_error")
    error = await in_doubt(client, to=TO, body=BODY)
    with pytest.raises(smskit.DeliveryUnknown) as caught:
        await call(client.resolve(error))
    assert caught.value.reason is not None
    assert "2 messages" in caught.value.reason
    assert caught.value.__cause__ is error


@pytest.mark.anyio
async def test_resolve_unknown_returns_the_accepted_message(kind: str) -> None:
    sandbox = Sandbox(seed=3)
    client = client_for(kind, sandbox)
    sandbox.inject("read_timeout")
    message = await call(client.send(to=TO, body=BODY, resolve_unknown=True))
    assert [message.id] == [record.id for record in sandbox.outbox]


@pytest.mark.anyio
async def test_resolve_unknown_stays_unknown_when_the_search_cannot_tell(
    kind: str,
) -> None:
    sandbox = Sandbox(seed=3)
    client = client_for(kind, sandbox)
    await call(client.send(to=TO, body=BODY))
    sandbox.inject("server_error")
    with pytest.raises(smskit.DeliveryUnknown) as caught:
        await call(client.send(to=TO, body=BODY, resolve_unknown=True))
    assert caught.value.reason is not None
    assert len(sandbox.outbox) == 2  # never a third


@pytest.mark.anyio
async def test_a_failed_search_stays_unknown(kind: str) -> None:
    sandbox = Sandbox(seed=3)
    client = client_for(kind, sandbox, retry=smskit.RetryPolicy(max_attempts=1))
    sandbox.inject("server_error")
    error = await in_doubt(client, to=TO, body=BODY)
    sandbox.inject("unavailable")  # the list request fails this time
    with pytest.raises(smskit.DeliveryUnknown, match="search") as caught:
        await call(client.resolve(error))
    assert caught.value.__cause__ is error


@pytest.mark.anyio
async def test_a_provider_without_a_list_is_not_supported_before_any_request(
    kind: str,
) -> None:
    sent: list[Any] = []
    vonage = Vonage(api_key="key1", api_secret="secret-1", environ={})
    client = client_for(kind, vonage, hooks=smskit.Hooks(on_request=sent.append))
    with pytest.raises(smskit.NotSupported) as caught:
        await call(client.resolve(unknown(provider="vonage")))
    assert caught.value.operation == "resolve"
    with pytest.raises(smskit.NotSupported):
        await call(client.send(to=TO, body=BODY, resolve_unknown=True))
    with pytest.raises(smskit.NotSupported):
        client.send_many([{"to": TO, "body": BODY}], resolve_unknown=True)
    assert sent == []


@pytest.mark.anyio
async def test_resolve_refuses_what_it_cannot_search(kind: str) -> None:
    client = client_for(kind, Sandbox())
    with pytest.raises(smskit.ArgumentTypeError):
        await call(client.resolve(ValueError("no")))
    with pytest.raises(smskit.InvalidMessage, match="from twilio"):
        await call(client.resolve(unknown(provider="twilio")))
    with pytest.raises(smskit.ConfigurationError, match="settle"):
        await call(client.resolve(unknown(), settle=-1))


def test_the_search_waits_out_the_settle_time_unless_testing() -> None:
    sandbox = Sandbox(seed=3)
    with smskit.Client(sandbox, sender=SENDER) as client:
        question = unknown(first=sandbox.now, last=sandbox.now)
        started = time.monotonic()
        assert client.resolve(question, settle=0.3) is None
        assert time.monotonic() - started >= 0.3
        smskit.testing.set_testing(True)
        try:
            started = time.monotonic()
            assert client.resolve(question, settle=30) is None
            assert time.monotonic() - started < 5
        finally:
            smskit.testing.set_testing(False)


@pytest.mark.anyio
@pytest.mark.usefixtures("testing_mode")
async def test_send_many_resolves_a_batch_in_doubt_recipient_by_recipient(
    kind: str,
) -> None:
    sandbox = Sandbox(seed=3)
    client = client_for(kind, sandbox)
    # The first batch request is accepted but answered 500.
    sandbox.inject("server_error")
    numbers = [f"+1415555{index:04d}" for index in range(10)]
    messages = [{"to": number, "body": BODY} for number in numbers]
    if kind == "sync":
        results = list(client.send_many(messages, resolve_unknown=True))
    else:
        async with client.send_many(messages, resolve_unknown=True) as stream:
            results = [result async for result in stream]
    assert sorted(result.index for result in results) == list(range(10))
    assert all(result.ok for result in results), [r.error for r in results]
    outbox = sandbox.outbox
    assert sorted(message.to for message in outbox) == sorted(numbers)
    assert {r.message.id for r in results if r.message} == {m.id for m in outbox}
