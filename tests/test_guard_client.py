"""The compliance guard wired into both clients, and the offline preview.

A refusal must never reach the provider: every test counts the requests the
client made (the `requests` fixture) or the sandbox's outbox.
"""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

import smskit
from client_helpers import MakeClient
from smskit.providers import Sandbox

pytestmark = pytest.mark.anyio

SENDER = "+15005550006"
ALICE = "+14155550100"  # America/Los_Angeles
BOB = "+14155550101"
# 03:00 in California: inside the default quiet hours (21:00-08:00).
NIGHT = dt.datetime(2026, 12, 2, 11, 0, tzinfo=dt.timezone.utc)
# 12:00 in California.
NOON = dt.datetime(2026, 12, 2, 20, 0, tzinfo=dt.timezone.utc)


def guard_at(moment: dt.datetime, **options: object) -> smskit.Guard:
    return smskit.Guard(clock=lambda: moment, **options)  # type: ignore[arg-type]


async def test_an_opted_out_recipient_is_refused_before_any_request(
    make_client: MakeClient, requests: list[httpx.Request]
) -> None:
    guard = guard_at(NOON)
    guard.opt_out(ALICE)
    sandbox = Sandbox()
    client = make_client(sandbox, sender=SENDER, guard=guard)
    with pytest.raises(smskit.RecipientOptedOut) as caught:
        await client.send(to="+1 415 555 0100", body="Sale!", kind="transactional")
    await client.close()
    assert caught.value.to == ALICE
    assert isinstance(caught.value, smskit.InvalidInput)
    assert "0100" in str(caught.value)
    assert ALICE not in str(caught.value)  # masked, as in logs
    assert requests == []
    assert sandbox.outbox == []


async def test_quiet_hours_hold_back_marketing_only(
    make_client: MakeClient, requests: list[httpx.Request]
) -> None:
    guard = guard_at(NIGHT, quiet_hours=smskit.QuietHours())
    client = make_client(Sandbox(), sender=SENDER, guard=guard)
    with pytest.raises(smskit.QuietHoursRefusal) as caught:
        await client.send(to=ALICE, body="50% off", kind="marketing")
    assert caught.value.until is not None
    assert caught.value.until > NIGHT
    # A send without a kind counts as marketing (the guard's default).
    with pytest.raises(smskit.QuietHoursRefusal):
        await client.send(to=ALICE, body="50% off")
    assert requests == []
    message = await client.send(
        to=ALICE, body="Your code is 1234", kind="transactional"
    )
    await client.close()
    assert message.status is not smskit.Status.FAILED
    assert len(requests) == 1


async def test_a_frequency_cap_counts_sent_messages_and_not_failed_ones(
    make_client: MakeClient, requests: list[httpx.Request]
) -> None:
    guard = guard_at(
        NOON,
        frequency_caps=smskit.FrequencyCap(max_messages=2, per=dt.timedelta(days=1)),
    )
    client = make_client(Sandbox(), sender=SENDER, guard=guard)
    await client.send(to=BOB, body="one", kind="transactional")
    # A refusal by the provider gives its place back.
    with pytest.raises(smskit.ProviderError):
        await client.send(to="+15005550009", body="landline", kind="transactional")
    await client.send(to=BOB, body="two", kind="transactional")
    with pytest.raises(smskit.FrequencyCapReached) as caught:
        await client.send(to=BOB, body="three", kind="transactional")
    await client.close()
    assert (caught.value.max_messages, caught.value.per) == (2, dt.timedelta(days=1))
    assert len(requests) == 3
    assert guard.check("+15005550009", kind="transactional").caps[0].used == 0


async def test_an_unknown_outcome_keeps_its_place(make_client: MakeClient) -> None:
    guard = guard_at(
        NOON,
        frequency_caps=smskit.FrequencyCap(max_messages=1, per=dt.timedelta(hours=1)),
    )
    client = make_client(Sandbox(), sender=SENDER, guard=guard)
    with pytest.raises(smskit.DeliveryUnknown):
        await client.send(to="+15005550022", body="maybe", kind="transactional")
    # It may have gone out, so it counts.
    with pytest.raises(smskit.FrequencyCapReached):
        await client.send(to="+15005550022", body="again", kind="transactional")
    await client.close()


async def test_the_providers_opt_out_answer_teaches_the_guard(
    make_client: MakeClient, requests: list[httpx.Request]
) -> None:
    guard = guard_at(NOON)
    client = make_client(Sandbox(), sender=SENDER, guard=guard)
    with pytest.raises(smskit.OptedOut):
        await client.send(to="+15005550004", body="hi", kind="transactional")
    with pytest.raises(smskit.RecipientOptedOut):
        await client.send(to="+15005550004", body="hi", kind="transactional")
    await client.close()
    assert len(requests) == 1
    guard.observe(
        smskit.InboundMessage(
            id="SM1", provider="twilio", sender="+15005550004", to=SENDER, body="START"
        )
    )
    assert guard.check("+15005550004").opted_out is False


def test_a_batch_sends_the_admitted_and_refuses_the_rest() -> None:
    guard = guard_at(NOON)
    guard.opt_out(BOB)
    sandbox = Sandbox()
    with smskit.Client(sandbox, sender=SENDER, guard=guard) as client:
        results = client.send_batch(
            to=[ALICE, "+1 415 555 0101", "nonsense"], body="Hi", kind="transactional"
        )
    assert results[0].message is not None
    assert isinstance(results[1].error, smskit.RecipientOptedOut)
    assert isinstance(results[2].error, smskit.InvalidPhoneNumber)
    assert [message.to for message in sandbox.outbox] == [ALICE]


def test_send_many_takes_a_kind_per_message() -> None:
    guard = guard_at(NIGHT, quiet_hours=smskit.QuietHours())
    sandbox = Sandbox()
    with smskit.Client(sandbox, sender=SENDER, guard=guard) as client:
        results = sorted(
            client.send_many(
                [
                    {"to": ALICE, "body": "code 1", "kind": "transactional"},
                    {"to": BOB, "body": "sale", "kind": "marketing"},
                ]
            ),
            key=lambda result: result.index,
        )
    assert results[0].ok
    assert isinstance(results[1].error, smskit.QuietHoursRefusal)
    assert [message.to for message in sandbox.outbox] == [ALICE]


def test_a_bad_kind_or_guard_is_refused() -> None:
    with pytest.raises(smskit.OptionTypeError):
        smskit.Client(Sandbox(), guard="strict")  # type: ignore[arg-type]
    with (
        smskit.Client(Sandbox(), sender=SENDER) as client,
        pytest.raises(smskit.InvalidMessage, match="transactional"),
    ):
        client.send(to=ALICE, body="x", kind="promo")  # type: ignore[arg-type]


async def test_preview_says_everything_without_a_request(
    make_client: MakeClient, requests: list[httpx.Request]
) -> None:
    guard = guard_at(NIGHT, quiet_hours=smskit.QuietHours())
    guard.opt_out(BOB)
    limiter = smskit.LocalLimiter(smskit.RateLimit(rate=1, burst=1))
    client = make_client(Sandbox(), sender=SENDER, guard=guard, rate_limit=limiter)
    text = "Caf\u00e9 \u201cdeal\u201d \U0001f600"
    preview = await client.preview(
        to="+1 (415) 555-0100", body=text, smart_encoding=True
    )
    assert requests == []
    assert preview.to == ALICE
    assert preview.number.region == "US"
    assert preview.sender == SENDER
    assert preview.analysis.encoding is smskit.Encoding.UCS2
    forced = {item.char for item in preview.analysis.non_gsm_characters}
    assert "\U0001f600" in forced
    assert preview.cost_units == preview.analysis.segment_count == 1
    assert preview.guard is not None
    assert preview.guard.reason == "quiet_hours"
    assert not preview.allowed
    assert preview.rate_limit_wait == 0.0
    # A send fills the one-token bucket: the next preview shows the wait.
    await client.send(to=ALICE, body="code", kind="transactional")
    again = await client.preview(to=ALICE, body="code", kind="transactional")
    assert again.rate_limit_wait is not None
    assert again.rate_limit_wait > 0.5
    assert again.allowed
    opted = await client.preview(to=BOB, body="x", kind="transactional")
    assert opted.guard is not None
    assert opted.guard.opted_out
    assert len(requests) == 1
    await client.close()


def test_preview_shows_a_text_over_the_limit_instead_of_refusing() -> None:
    with smskit.Client(Sandbox(), sender=SENDER, max_segments=1) as client:
        preview = client.preview(to=ALICE, body="x" * 200)
        assert preview.guard is None
        assert preview.analysis.segment_count == 2
        assert not preview.fits
        assert not preview.allowed
        with pytest.raises(smskit.InvalidPhoneNumber):
            client.preview(to="12", body="x")


def test_a_batch_refused_for_its_input_leaves_the_caps_as_they_were() -> None:
    guard = guard_at(
        NOON,
        frequency_caps=smskit.FrequencyCap(max_messages=1, per=dt.timedelta(days=1)),
    )
    with smskit.Client(Sandbox(), sender=SENDER, guard=guard) as client:
        with pytest.raises(smskit.InvalidMessage):
            client.send_batch(to=[ALICE, BOB], body="   ", kind="transactional")
        assert guard.check(ALICE, kind="transactional").caps[0].used == 0
        client.send(to=ALICE, body="now it goes", kind="transactional")


async def test_an_async_batch_refused_for_its_input_leaves_the_caps(
    anyio_backend: str,
) -> None:
    guard = guard_at(
        NOON,
        frequency_caps=smskit.FrequencyCap(max_messages=1, per=dt.timedelta(days=1)),
    )
    async with smskit.AsyncClient(Sandbox(), sender=SENDER, guard=guard) as client:
        with pytest.raises(smskit.InvalidMessage):
            await client.send_batch(
                to=[ALICE], body="x", validity=dt.timedelta(0), kind="transactional"
            )
        assert (await guard.acheck(ALICE, kind="transactional")).caps[0].used == 0
