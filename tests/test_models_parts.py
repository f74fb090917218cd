"""Messages in parts: one provider id per segment, and their combined status."""

from __future__ import annotations

import datetime as dt
import json
import pickle
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import smskit
from smskit import Message, Status, StatusEvent

T0 = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
PARTS = ("V-1", "V-2", "V-3")
FAILURES = [
    Status.UNDELIVERED,
    Status.REJECTED,
    Status.EXPIRED,
    Status.FAILED,
    Status.CANCELED,
]
PENDING = [Status.SCHEDULED, Status.QUEUED, Status.SENDING, Status.SENT]


def in_parts(*, message_id: str = "V", **changes: object) -> Message:
    """A three-part message whose provider has an id for the whole message."""
    fields: dict[str, object] = {
        "id": message_id,
        "provider": "vonage",
        "to": "+14155552671",
        "body": "x" * 400,
        "status": "sent",
        "raw_status": "submitted",
        "segments": 3,
        "part_ids": PARTS,
        "updated_at": T0,
        "price": "0.15",
        "currency": "EUR",
    }
    fields.update(changes)
    return Message(**fields)  # type: ignore[arg-type]


def receipt(
    message_id: str, status: Status | str, *, at: int = 1, **changes: object
) -> StatusEvent:
    fields: dict[str, object] = {
        "message_id": message_id,
        "provider": "vonage",
        "status": status,
        "raw_status": str(status).upper(),
        "occurred_at": T0 + dt.timedelta(seconds=at),
    }
    fields.update(changes)
    return StatusEvent(**fields)  # type: ignore[arg-type]


def apply_all(message: Message, events: list[StatusEvent]) -> Message:
    for event in events:
        message = message.apply(event)
    return message


class TestParts:
    def test_every_part_starts_with_the_message_status(self) -> None:
        message = in_parts(status="queued")
        assert (Status.QUEUED,) * 3 == message.part_statuses

    def test_lists_become_tuples_and_words_become_statuses(self) -> None:
        message = in_parts(part_ids=list(PARTS), part_statuses=["sent", "SENT", "sent"])
        assert PARTS == message.part_ids
        assert (Status.SENT,) * 3 == message.part_statuses
        assert hash(message) == hash(in_parts())

    def test_a_message_in_one_unit_has_no_parts(self) -> None:
        message = in_parts(part_ids=())
        assert () == message.part_ids == message.part_statuses

    def test_the_first_part_may_name_the_message(self) -> None:
        message = in_parts(message_id="V-1")
        assert "V-1" == message.id == message.part_ids[0]

    @pytest.mark.parametrize(
        ("changes", "error", "match"),
        [
            ({"part_ids": "V-1"}, smskit.ArgumentTypeError, "tuple or list"),
            ({"part_ids": {"V-1"}}, smskit.ArgumentTypeError, "tuple or list"),
            ({"part_ids": ("V-1", "")}, smskit.InvalidMessage, "non-empty"),
            ({"part_ids": ("V-1", 2)}, smskit.InvalidMessage, "non-empty"),
            ({"part_ids": ("V-1", "V-1")}, smskit.InvalidMessage, "twice"),
            ({"message_id": "V-2"}, smskit.InvalidMessage, "other than the first"),
            ({"part_statuses": ("sent",)}, smskit.InvalidMessage, "one status per"),
            ({"part_statuses": "sent"}, smskit.ArgumentTypeError, "tuple or list"),
            (
                {"part_statuses": ("sent",) * 2 + ("lost",)},
                smskit.UnknownStatus,
                "lost",
            ),
        ],
    )
    def test_bad_parts_are_refused(
        self, changes: dict[str, object], error: type[Exception], match: str
    ) -> None:
        with pytest.raises(error, match=match):
            in_parts(**changes)  # type: ignore[arg-type]

    def test_part_id_on_an_event_must_be_text_or_none(self) -> None:
        assert receipt("V-1", "sent").part_id is None
        with pytest.raises(smskit.InvalidMessage, match="part_id"):
            receipt("V", "sent", part_id=" ")

    def test_repr_stays_masked_and_shows_the_parts(self) -> None:
        text = repr(in_parts())
        assert "+14155552671" not in text
        assert "x" * 10 not in text
        assert "part_ids=('V-1', 'V-2', 'V-3')" in text


class TestPartsSerialization:
    def test_message_round_trips_through_json_and_pickle(self) -> None:
        message = in_parts(part_statuses=("delivered", "sent", "sent"))
        data = json.loads(json.dumps(message.to_dict()))
        assert list(PARTS) == data["part_ids"]
        assert ["delivered", "sent", "sent"] == data["part_statuses"]
        assert message == Message.from_dict(data)
        assert message == pickle.loads(pickle.dumps(message))  # noqa: S301

    def test_a_record_from_before_parts_reads_as_one_unit(self) -> None:
        data = in_parts(part_ids=()).to_dict()
        del data["part_ids"], data["part_statuses"]
        assert () == Message.from_dict(data).part_ids

    def test_event_round_trips_with_its_part(self) -> None:
        event = receipt("V", "delivered", part_id="V-2")
        data = json.loads(json.dumps(event.to_dict()))
        assert "V-2" == data["part_id"]
        assert event == StatusEvent.from_dict(data)
        del data["part_id"]
        assert StatusEvent.from_dict(data).part_id is None


class TestWhichPart:
    @pytest.mark.parametrize(
        "event",
        [
            receipt("V-2", "delivered"),  # Vonage: the receipt names the part
            receipt("V", "delivered", part_id="V-2"),
            receipt("V-2", "delivered", part_id="V-2"),
        ],
    )
    def test_an_event_moves_the_part_it_names(self, event: StatusEvent) -> None:
        moved = in_parts().apply(event)
        assert (Status.SENT, Status.DELIVERED, Status.SENT) == moved.part_statuses

    def test_an_event_about_the_whole_message_moves_every_part(self) -> None:
        moved = in_parts(status="queued").apply(receipt("V", "sent"))
        assert (Status.SENT,) * 3 == moved.part_statuses
        assert Status.SENT is moved.status

    def test_when_the_first_part_names_the_message_its_id_means_that_part(
        self,
    ) -> None:
        message = in_parts(message_id="V-1")
        moved = message.apply(receipt("V-1", "delivered"))
        assert (Status.DELIVERED, Status.SENT, Status.SENT) == moved.part_statuses

    @pytest.mark.parametrize(
        ("event", "match"),
        [
            (receipt("W", "sent"), "cannot update"),
            (receipt("W", "sent", part_id="V-1"), "cannot update"),
            (receipt("V", "sent", part_id="V-9"), "no such part"),
            (receipt("V-1", "sent", part_id="V-2"), "another part"),
        ],
    )
    def test_events_for_other_messages_or_parts_are_refused(
        self, event: StatusEvent, match: str
    ) -> None:
        with pytest.raises(smskit.InvalidMessage, match=match):
            in_parts().apply(event)

    def test_a_one_unit_message_accepts_its_own_id_as_the_part(self) -> None:
        message = in_parts(part_ids=())
        assert Status.DELIVERED is (
            message.apply(receipt("V", "delivered", part_id="V")).status
        )
        with pytest.raises(smskit.InvalidMessage, match="no such part"):
            message.apply(receipt("V", "delivered", part_id="V-1"))


class TestCombinedStatus:
    def test_delivered_only_once_every_part_is(self) -> None:
        message = in_parts()
        for index, part in enumerate(PARTS[:-1]):
            message = message.apply(receipt(part, "delivered", at=index + 1))
            assert Status.SENT is message.status
        message = message.apply(receipt(PARTS[-1], "delivered", at=9))
        assert Status.DELIVERED is message.status
        assert "DELIVERED" == message.raw_status

    @pytest.mark.parametrize("failure", FAILURES)
    def test_a_failed_part_fails_the_message_at_once(self, failure: Status) -> None:
        failed = in_parts().apply(receipt("V-3", failure, error_code="1"))
        assert failure is failed.status
        assert "1" == failed.error_code
        # The other parts arriving later does not undo the failure.
        for part in PARTS[:2]:
            failed = failed.apply(receipt(part, "delivered", at=5))
        assert failure is failed.status
        assert (Status.DELIVERED, Status.DELIVERED, failure) == failed.part_statuses

    def test_the_most_severe_failure_wins_whatever_arrives_first(self) -> None:
        expired = receipt("V-1", "expired", at=1, error_code="EXP")
        rejected = receipt("V-2", "rejected", at=2, error_code="REJ")
        for events in ([expired, rejected], [rejected, expired]):
            message = apply_all(in_parts(), events)
            assert (Status.REJECTED, "REJ") == (message.status, message.error_code)

    def test_the_least_advanced_part_holds_the_message_back(self) -> None:
        message = in_parts(status="queued", raw_status="accepted")
        message = message.apply(receipt("V-1", "sent"))
        message = message.apply(receipt("V-2", "sending"))
        assert (Status.QUEUED, "accepted") == (message.status, message.raw_status)
        message = message.apply(receipt("V-3", "delivered"))
        assert (Status.SENT, Status.SENDING, Status.DELIVERED) == message.part_statuses
        # V-3 moved the message, but to V-2's status: no word of V-3's fits it.
        assert (Status.SENDING, None) == (message.status, message.raw_status)
        message = message.apply(receipt("V", "sent", at=3))
        assert (Status.SENT, Status.SENT, Status.DELIVERED) == message.part_statuses
        assert (Status.SENT, "SENT") == (message.status, message.raw_status)

    def test_read_only_once_every_part_is_read(self) -> None:
        message = in_parts(status="delivered")
        message = message.apply(receipt("V-1", "read"))
        assert Status.DELIVERED is message.status
        message = apply_all(message, [receipt("V-2", "read"), receipt("V-3", "read")])
        assert Status.READ is message.status

    def test_a_late_report_changes_neither_the_part_nor_the_message(self) -> None:
        message = in_parts().apply(receipt("V-1", "delivered"))
        assert message is message.apply(receipt("V-1", "sent", at=7))
        assert message is message.apply(receipt("V-1", "unknown", at=7))

    def test_a_part_that_moves_alone_keeps_the_message_details(self) -> None:
        message = in_parts(error_code=None)
        moved = message.apply(
            receipt("V-1", "delivered", at=4, error_code="0", price="0.05")
        )
        assert (Status.SENT, "submitted", None) == (
            moved.status,
            moved.raw_status,
            moved.error_code,
        )
        assert T0 + dt.timedelta(seconds=4) == moved.updated_at

    def test_a_part_price_does_not_replace_the_message_price(self) -> None:
        message = apply_all(
            in_parts(),
            [
                receipt(part, "delivered", price="0.05", currency="USD")
                for part in PARTS
            ],
        )
        assert Status.DELIVERED is message.status
        assert (Decimal("0.15"), "EUR") == (message.price, message.currency)

    def test_a_whole_message_report_brings_its_price(self) -> None:
        message = in_parts().apply(receipt("V", "delivered", price="0.2"))
        assert Decimal("0.2") == message.price

    def test_a_status_ahead_of_its_parts_is_not_taken_back(self) -> None:
        # Built by hand with a status its parts do not support.
        message = in_parts(status="delivered", part_statuses=("sent",) * 3)
        moved = message.apply(receipt("V-1", "sending"))
        assert Status.DELIVERED is moved.status


# -- properties ---------------------------------------------------------------

FINAL_ENDINGS = [
    *([status] for status in [*FAILURES, Status.DELIVERED, Status.READ]),
    [Status.DELIVERED, Status.READ],
]


@st.composite
def part_events(draw: st.DrawFn, part: str, *, ending: bool) -> list[StatusEvent]:
    """News about one part: progress reports, then at most one outcome."""
    steps = draw(st.lists(st.sampled_from([*PENDING, Status.UNKNOWN]), max_size=4))
    if ending:
        steps += draw(st.sampled_from(FINAL_ENDINGS))
    name = draw(
        st.sampled_from([{"message_id": part}, {"message_id": "V", "part_id": part}])
    )
    return [
        receipt(at=draw(st.integers(0, 60)), status=status, **name) for status in steps
    ]


@st.composite
def settled_news(draw: st.DrawFn) -> tuple[Message, list[StatusEvent]]:
    """A message in parts and every report about it, each part ending once."""
    count = draw(st.integers(1, len(PARTS)))
    start = draw(st.sampled_from(PENDING))
    message = in_parts(status=start, part_ids=PARTS[:count])
    events = [
        event
        for part in PARTS[:count]
        for event in draw(part_events(part, ending=draw(st.booleans())))
    ]
    # Reports about the whole message carry progress only: an outcome for
    # the whole message would give some parts two different endings.
    whole = draw(st.lists(st.sampled_from(PENDING), max_size=2))
    events += [receipt("V", status, at=30) for status in whole]
    return message, events


def severity(status: Status) -> int:
    # The ranking the models guide documents, mildest first.
    ranking = [
        Status.RECEIVED,
        Status.CANCELED,
        Status.EXPIRED,
        Status.UNDELIVERED,
        Status.REJECTED,
        Status.FAILED,
    ]
    return ranking.index(status)


def went_forward(old: Status, new: Status) -> bool:
    """The test's own statement of "never backwards"."""
    if old is new:
        return True
    if old in (Status.DELIVERED, Status.READ):
        return (old, new) == (Status.DELIVERED, Status.READ)
    if old.is_final:  # a failure: only a more severe failure may follow
        return (
            new.is_final
            and new not in (Status.DELIVERED, Status.READ)
            and (severity(new) > severity(old))
        )
    if new.is_final:
        return True
    progress = [Status.UNKNOWN, *PENDING]
    return progress.index(new) > progress.index(old)


class TestPartProperties:
    @given(news=settled_news(), data=st.data())
    def test_arrival_order_does_not_change_the_outcome(
        self, news: tuple[Message, list[StatusEvent]], data: st.DataObject
    ) -> None:
        message, events = news
        shuffled = data.draw(st.permutations(events))
        ordered = sorted(events, key=lambda event: event.occurred_at or T0)
        expected = apply_all(message, ordered)
        got = apply_all(message, list(shuffled))
        assert (expected.status, expected.part_statuses) == (
            got.status,
            got.part_statuses,
        )

    @given(
        count=st.integers(1, len(PARTS)),
        start=st.sampled_from(list(Status)),
        reports=st.lists(
            st.tuples(st.sampled_from(["V", *PARTS]), st.sampled_from(list(Status))),
            max_size=12,
        ),
    )
    def test_nothing_ever_goes_backwards(
        self, count: int, start: Status, reports: list[tuple[str, Status]]
    ) -> None:
        message = in_parts(status=start, part_ids=PARTS[:count])
        for target, status in reports:
            if target not in ("V", *message.part_ids):
                continue
            after = message.apply(receipt(target, status))
            assert went_forward(message.status, after.status)
            for old, new in zip(
                message.part_statuses, after.part_statuses, strict=True
            ):
                assert went_forward(old, new)
            if after.status in (Status.DELIVERED, Status.READ):
                assert all(
                    part in (Status.DELIVERED, Status.READ)
                    for part in after.part_statuses
                )
            message = after

    @given(
        start=st.sampled_from(list(Status)),
        reports=st.lists(
            st.builds(
                receipt,
                st.just("V"),
                st.sampled_from(list(Status)),
                at=st.integers(0, 60),
                price=st.sampled_from([None, "0.01", "0.02"]),
                error_code=st.sampled_from([None, "E1", "E2"]),
            ),
            max_size=8,
        ),
    )
    def test_a_single_part_behaves_like_a_message_in_one_unit(
        self, start: Status, reports: list[StatusEvent]
    ) -> None:
        unit = in_parts(status=start, part_ids=())
        single = in_parts(status=start, part_ids=("V",))
        for event in reports:
            unit, single = unit.apply(event), single.apply(event)
            assert unit == attrs.evolve(single, part_ids=(), part_statuses=())
            assert (single.status,) == single.part_statuses
