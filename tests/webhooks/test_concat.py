"""Long inbound messages that arrive in parts, joined once, in part order."""

from __future__ import annotations

import itertools

import pytest
from webhook_helpers import OUR_NUMBER, SENDER, Clock, FakeProvider, fake_request, part

from smskit import InboundMessage, WebhookPayloadError
from smskit.webhooks import PartGroup, WebhookHandler
from smskit.webhooks._concat import decode_part, encode_part, join_parts

TEXTS = ("The quick ", "brown fox ", "jumps.")


def inbound_part(number: int, count: int = 3, ref: str = "42") -> InboundMessage:
    return InboundMessage(
        id=f"in-{number}",
        provider="fake",
        sender=SENDER,
        to=OUR_NUMBER,
        body=TEXTS[number - 1],
        part_ref=ref,
        part_count=count,
        part_number=number,
        raw={"n": number},
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def handler(clock: Clock) -> WebhookHandler:
    return WebhookHandler(FakeProvider(), clock=clock, part_timeout=60)


def test_a_part_survives_the_store() -> None:
    original = inbound_part(2)
    again = decode_part(encode_part(original))
    assert again == original
    assert again.raw == {"n": 2}


@pytest.mark.parametrize("data", ["not json", "{}", '{"id": "x"}', "[1]"])
def test_unreadable_stored_data_is_a_payload_error(data: str) -> None:
    with pytest.raises(WebhookPayloadError, match="stored message part"):
        decode_part(data)


def test_a_whole_message_is_not_a_stored_part() -> None:
    whole = InboundMessage(id="x", provider="fake", sender=SENDER, to=OUR_NUMBER)
    with pytest.raises(WebhookPayloadError, match="not a part"):
        decode_part(encode_part(whole))


def test_join_orders_parts_and_keeps_each_payload() -> None:
    parts = [encode_part(inbound_part(number)) for number in (3, 1, 2)]
    joined = join_parts(PartGroup(group="g", parts=tuple(parts)))
    assert joined.body == "The quick brown fox jumps."
    assert joined.id == "in-1"
    assert joined.segments == 3
    assert not joined.is_part
    assert joined.is_complete
    assert joined.raw == {"parts": [{"n": 1}, {"n": 2}, {"n": 3}]}


def test_join_names_missing_parts() -> None:
    joined = join_parts(PartGroup(group="g", parts=(encode_part(inbound_part(2)),)))
    assert joined.body == "brown fox "
    assert joined.id == "in-2"
    assert joined.missing_parts == (1, 3)
    assert not joined.is_complete


def test_an_empty_group_is_refused() -> None:
    with pytest.raises(WebhookPayloadError, match="no parts"):
        join_parts(PartGroup(group="g", parts=()))


@pytest.mark.parametrize("order", list(itertools.permutations((1, 2, 3))))
def test_parts_join_in_any_arrival_order(order: tuple[int, ...]) -> None:
    handler = WebhookHandler(FakeProvider())
    results = [
        handler.handle(fake_request(inbound=[part(number, 3, TEXTS[number - 1])]))
        for number in order
    ]
    assert [result.waiting_parts for result in results] == [1, 2, 0]
    assert [len(result.items) for result in results] == [0, 0, 1]
    (joined,) = results[-1].inbound
    assert joined.body == "The quick brown fox jumps."
    assert joined.id == "in-42-1"
    assert joined.sender == SENDER
    assert joined.missing_parts == ()


def test_parts_in_one_request_join_at_once(handler: WebhookHandler) -> None:
    entries = [part(number, 3, TEXTS[number - 1]) for number in (2, 3, 1)]
    result = handler.handle(fake_request(inbound=entries))
    assert [message.body for message in result.inbound] == [
        "The quick brown fox jumps."
    ]
    assert result.waiting_parts == 0


def test_a_redelivered_part_is_a_duplicate(handler: WebhookHandler) -> None:
    handler.handle(fake_request(inbound=[part(1, 2, "a")]))
    again = handler.handle(fake_request(inbound=[part(1, 2, "a")]))
    assert again.items == ()
    assert len(again.duplicates) == 1
    assert again.duplicates[0].is_part  # type: ignore[union-attr]
    done = handler.handle(fake_request(inbound=[part(2, 2, "b")]))
    assert [message.body for message in done.inbound] == ["ab"]
    # A part redelivered after the join does not start a message of its own.
    late = handler.handle(fake_request(inbound=[part(2, 2, "b")]))
    assert late.items == ()
    assert late.waiting_parts == 0


def test_refs_of_different_senders_do_not_mix(handler: WebhookHandler) -> None:
    handler.handle(fake_request(inbound=[part(1, 2, "alice ", sender="+14155550001")]))
    result = handler.handle(
        fake_request(inbound=[part(2, 2, "bob", sender="+14155550002")])
    )
    assert result.items == ()
    assert result.waiting_parts == 1


def test_after_the_timeout_what_arrived_is_joined(
    handler: WebhookHandler, clock: Clock
) -> None:
    handler.handle(fake_request(inbound=[part(1, 3, "The quick ")]))
    clock.advance(30)
    handler.handle(fake_request(inbound=[part(3, 3, "jumps.")]))
    assert handler.expire() == ()  # not yet: the wait runs from the first part
    clock.advance(31)
    (joined,) = handler.expire()
    assert joined.body == "The quick jumps."
    assert joined.missing_parts == (2,)
    assert handler.expire() == ()  # delivered once
    late = handler.handle(fake_request(inbound=[part(2, 3, "brown fox ")]))
    assert late.items == ()  # a lone late part waits again; it is not lost
    assert late.waiting_parts == 1


def test_handle_delivers_expired_messages_too(
    handler: WebhookHandler, clock: Clock
) -> None:
    handler.handle(fake_request(inbound=[part(1, 2, "half", ref="7")]))
    clock.advance(61)
    result = handler.handle(fake_request(inbound=[{"id": "in-9", "text": "hi"}]))
    assert sorted(message.body for message in result.inbound) == ["half", "hi"]
    (partial,) = [message for message in result.inbound if not message.is_complete]
    assert partial.missing_parts == (2,)


def test_release_of_a_joined_message_lets_the_last_part_join_it_again(
    handler: WebhookHandler,
) -> None:
    handler.handle(fake_request(inbound=[part(1, 2, "first ")]))
    last = fake_request(inbound=[part(2, 2, "second")], nonce="n-last")
    result = handler.handle(last)
    (joined,) = result.inbound
    handler.release(result)  # the app failed to store it
    retry = handler.handle(last)
    assert [message.body for message in retry.inbound] == ["first second"]
    assert retry.inbound[0].id == joined.id
