"""Message, Status, StatusEvent and InboundMessage."""

from __future__ import annotations

import datetime as dt
import json
import pickle
from decimal import Decimal
from typing import Any

import attrs
import pytest

import smskit
from smskit import InboundMessage, Message, Status, StatusEvent
from smskit._models import Balance

T0 = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone.utc)


def make_message(**changes: object) -> Message:
    fields: dict[str, object] = {
        "id": "SM1",
        "provider": "sandbox",
        "to": "+14155552671",
        "sender": "+15005550006",
        "body": "Hello",
        "status": "queued",
        "encoding": "GSM-7",
        "segments": 1,
        "created_at": T0,
        "updated_at": T0,
        "client_ref": "order-1",
        "price": "0.0075",
        "currency": "USD",
        "raw": {"id": "SM1", "status": "queued"},
    }
    fields.update(changes)
    return Message(**fields)  # type: ignore[arg-type]


def event(status: str, *, at: int = 1, **changes: object) -> StatusEvent:
    fields: dict[str, object] = {
        "message_id": "SM1",
        "provider": "sandbox",
        "status": status,
        "raw_status": status.upper(),
        "occurred_at": T0 + dt.timedelta(seconds=at),
    }
    fields.update(changes)
    return StatusEvent(**fields)  # type: ignore[arg-type]


def make_inbound(**changes: object) -> InboundMessage:
    fields: dict[str, object] = {
        "id": "IN1",
        "provider": "sandbox",
        "sender": "+14155552671",
        "to": "+15005550006",
        "body": "stop please",
        "received_at": T0,
        "segments": 1,
    }
    fields.update(changes)
    return InboundMessage(**fields)  # type: ignore[arg-type]


Model = Message | StatusEvent | InboundMessage
# One of each model, all about the number +14155552671.
MODELS: list[Model] = [
    make_message(),
    event("delivered", to="+14155552671", sender="ACME", price="0.01", currency="USD"),
    make_inbound(),
]
MODEL_IDS = ["message", "event", "inbound"]


class TestStatus:
    @pytest.mark.parametrize(
        ("status", "final"),
        [
            ("scheduled", False),
            ("queued", False),
            ("sending", False),
            ("sent", False),
            ("unknown", False),
            ("delivered", True),
            ("read", True),
            ("undelivered", True),
            ("rejected", True),
            ("expired", True),
            ("failed", True),
            ("canceled", True),
            ("received", True),
        ],
    )
    def test_is_final(self, status: str, final: bool) -> None:
        assert final == Status(status).is_final

    def test_parse_ignores_case_and_spaces(self) -> None:
        assert Status.DELIVERED is Status.parse("  Delivered ")

    @pytest.mark.parametrize("value", ["deliverd", "", 3, None])
    def test_parse_rejects_unknown(self, value: object) -> None:
        with pytest.raises(
            smskit.UnknownStatus, match="unknown message status"
        ) as info:
            Status.parse(value)  # type: ignore[arg-type]
        assert isinstance(info.value, ValueError)
        assert value == info.value.value

    def test_str_is_value(self) -> None:
        assert "delivered" == str(Status.DELIVERED)

    @pytest.mark.parametrize(
        ("current", "newer", "expected"),
        [
            ("queued", "sent", "sent"),
            ("sent", "queued", "sent"),  # late "queued" is ignored
            ("sending", "sent", "sent"),
            ("sent", "delivered", "delivered"),
            ("delivered", "sent", "delivered"),  # final never regresses
            ("delivered", "undelivered", "delivered"),
            ("undelivered", "delivered", "undelivered"),
            ("delivered", "read", "read"),  # the one move out of a final status
            ("read", "delivered", "read"),
            ("sent", "unknown", "sent"),
            ("unknown", "sent", "sent"),
            ("unknown", "queued", "queued"),
            ("queued", "failed", "failed"),
            ("scheduled", "canceled", "canceled"),
            ("sent", "sent", "sent"),
        ],
    )
    def test_merge(self, current: str, newer: str, expected: str) -> None:
        assert Status(expected) is Status(current).merge(Status(newer))


class TestMessageValidation:
    def test_empty_body_is_rejected(self) -> None:
        with pytest.raises(smskit.InvalidMessage, match="body is empty") as info:
            make_message(body="")
        assert isinstance(info.value, ValueError)

    def test_body_may_be_unknown(self) -> None:
        assert make_message(body=None).body is None

    def test_non_string_body_is_rejected(self) -> None:
        with pytest.raises(smskit.InvalidMessage, match="body must be a string"):
            make_message(body=42)

    def test_unknown_status_string_is_rejected(self) -> None:
        with pytest.raises(smskit.UnknownStatus) as info:
            make_message(status="on its way")
        assert isinstance(info.value, ValueError)

    def test_status_string_is_converted(self) -> None:
        assert Status.QUEUED is make_message(status="QUEUED").status

    @pytest.mark.parametrize("field", ["id", "provider", "to"])
    def test_required_text_must_not_be_blank(self, field: str) -> None:
        with pytest.raises(smskit.InvalidMessage, match=field):
            make_message(**{field: "  "})

    def test_naive_datetime_is_rejected(self) -> None:
        with pytest.raises(smskit.InvalidMessage, match="timezone-aware"):
            make_message(created_at=dt.datetime(2026, 1, 1))

    @pytest.mark.parametrize("segments", [-1, True, 1.5])
    def test_bad_segment_count(self, segments: object) -> None:
        with pytest.raises(smskit.InvalidMessage, match="segments"):
            make_message(segments=segments)

    def test_unknown_encoding(self) -> None:
        with pytest.raises(smskit.InvalidMessage, match="unknown encoding"):
            make_message(encoding="UTF-8")

    def test_bad_price(self) -> None:
        with pytest.raises(smskit.InvalidMessage, match="not a number"):
            make_message(price="free")

    def test_price_from_float_is_exact_text(self) -> None:
        assert Decimal("0.1") == make_message(price=0.1).price

    def test_is_frozen(self) -> None:
        message = make_message()
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            message.body = "changed"  # type: ignore[misc]

    def test_keyword_only(self) -> None:
        with pytest.raises(TypeError):
            Message("SM1", "sandbox", "+1", status="queued")  # type: ignore[call-arg]

    def test_raw_is_kept_out_of_repr_and_equality(self) -> None:
        message = make_message(raw={"secret-ish": "payload"})
        assert "payload" not in repr(message)
        assert make_message(raw={"other": 1}) == message


class TestRepr:
    @pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
    def test_numbers_are_masked_and_bodies_left_out(self, model: Model) -> None:
        text = repr(model)
        assert "+1\u2022\u2022\u20222671" in text
        assert "415" not in text
        assert "5552671" not in text
        for body in ("Hello", "stop"):
            assert body not in text

    def test_message_repr(self) -> None:
        text = repr(make_message(body="Your code is 4242"))
        assert text.startswith("Message(id='SM1', provider='sandbox', ")
        assert "to='+1\u2022\u2022\u20222671'" in text
        assert "sender='+1\u2022\u2022\u20220006'" in text
        assert "body=<17 characters>" in text
        assert "4242" not in text
        assert "client_ref='order-1'" in text  # everything else is shown

    def test_inbound_repr(self) -> None:
        text = repr(make_inbound(to="12345", body="STOP"))
        assert "sender='+1\u2022\u2022\u20222671'" in text
        assert "to='\u2022\u2022\u20225'" in text  # short codes are masked too
        assert "body=<4 characters>" in text
        assert "STOP" not in text

    def test_alphanumeric_sender_is_shown(self) -> None:
        assert "sender='ACME'" in repr(make_message(sender="ACME"))

    def test_missing_values_stay_none(self) -> None:
        text = repr(make_message(sender=None, body=None))
        assert "sender=None" in text
        assert "body=None" in text
        text = repr(event("sent"))
        assert "to=None, sender=None" in text

    def test_unvalidated_fields_of_other_types_are_masked(self) -> None:
        # StatusEvent.to and InboundMessage.body are not checked at runtime.
        text = repr(event("sent", to=14155552671))
        assert "to='\u2022\u2022\u20222671'" in text
        assert "body=<int>" in repr(make_inbound(body=5))

    def test_equality_and_hash_see_the_full_values(self) -> None:
        first, second = make_message(body="code 1111"), make_message(body="code 2222")
        assert repr(first) == repr(second)
        assert first != second
        assert make_message(to="+14155550000") != make_message()
        assert hash(make_message()) == hash(make_message())
        assert make_inbound() == make_inbound()
        assert {make_inbound(), make_inbound(body="other")} != {make_inbound()}


class TestApply:
    def test_progresses_and_records_details(self) -> None:
        updated = make_message().apply(
            event("undelivered", at=5, error_code="30003", error_message="off")
        )
        assert Status.UNDELIVERED is updated.status
        assert "UNDELIVERED" == updated.raw_status
        assert "30003" == updated.error_code
        assert "off" == updated.error_message
        assert T0 + dt.timedelta(seconds=5) == updated.updated_at

    def test_late_event_does_not_regress(self) -> None:
        delivered = make_message().apply(event("delivered", at=5))
        assert delivered is delivered.apply(event("sent", at=9))

    def test_out_of_order_timestamps_keep_latest(self) -> None:
        message = make_message(updated_at=T0 + dt.timedelta(seconds=10))
        sent = message.apply(event("sent", at=3))
        assert T0 + dt.timedelta(seconds=10) == sent.updated_at

    def test_price_arrives_with_event(self) -> None:
        message = make_message(price=None, currency=None)
        updated = message.apply(event("delivered", price="0.02", currency="EUR"))
        assert (Decimal("0.02"), "EUR") == (updated.price, updated.currency)

    def test_event_without_time_keeps_updated_at(self) -> None:
        updated = make_message().apply(event("sent", occurred_at=None))
        assert T0 == updated.updated_at

    def test_event_for_other_message(self) -> None:
        with pytest.raises(smskit.InvalidMessage, match="cannot update"):
            make_message().apply(event("sent", message_id="SM2"))


class TestSerialization:
    def test_message_round_trips_through_json(self) -> None:
        message = make_message(
            scheduled_at=T0 + dt.timedelta(hours=1),
            error_code="30007",
            raw={"nested": {"a": [1, 2]}},
        )
        data = json.loads(json.dumps(message.to_dict()))
        again = Message.from_dict(data)
        assert message == again
        assert message.raw == again.raw
        assert isinstance(again.price, Decimal)
        assert smskit.Encoding.GSM7 is again.encoding

    def test_to_dict_is_plain(self) -> None:
        data = make_message().to_dict()
        assert "queued" == data["status"]
        assert "GSM-7" == data["encoding"]
        assert "0.0075" == data["price"]
        assert T0.isoformat() == data["created_at"]

    def test_event_and_inbound_round_trip(self) -> None:
        status_event = event("delivered", price="0.01", currency="USD")
        assert status_event == StatusEvent.from_dict(
            json.loads(json.dumps(status_event.to_dict()))
        )
        inbound = make_inbound()
        assert inbound == InboundMessage.from_dict(
            json.loads(json.dumps(inbound.to_dict()))
        )

    @pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
    def test_unknown_fields_are_ignored(self, model: Model) -> None:
        # A record written by a newer smskit, read by this one.
        data = model.to_dict() | {"colour": "blue", "attempts": [1, {"a": None}]}
        again = type(model).from_dict(json.loads(json.dumps(data)))
        assert model == again
        assert model.to_dict() == again.to_dict()

    @pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
    @pytest.mark.parametrize(
        "key",
        ["colour", "", "ID", "Status ", "to_dict", "__class__", 1, None, ("a",), b"k"],
    )
    @pytest.mark.parametrize("value", [None, "x", b"\xff", float("nan"), {"a": []}])
    def test_unknown_keys_never_raise(
        self, model: Model, key: object, value: object
    ) -> None:
        # Near misses of real field names ("ID", "Status ") are unknown too.
        data: dict[Any, object] = {**model.to_dict(), key: value}
        assert model == type(model).from_dict(data)

    @pytest.mark.parametrize(
        ("field", "value", "error"),
        [
            ("id", 5, smskit.InvalidMessage),
            ("to", "  ", smskit.InvalidMessage),
            ("body", 42, smskit.InvalidMessage),
            ("body", "", smskit.InvalidMessage),
            ("status", "on its way", smskit.UnknownStatus),
            ("status", 5, smskit.UnknownStatus),
            ("encoding", "UTF-8", smskit.InvalidMessage),
            ("segments", "1", smskit.InvalidMessage),
            ("created_at", "yesterday", smskit.InvalidMessage),
            ("created_at", 5, smskit.InvalidMessage),
            ("created_at", "2026-06-01T12:00:00", smskit.InvalidMessage),  # naive
            ("price", "free", smskit.InvalidMessage),
        ],
    )
    def test_known_fields_of_the_wrong_type_still_raise(
        self, field: str, value: object, error: type[smskit.InvalidMessage]
    ) -> None:
        data = make_message().to_dict() | {field: value, "colour": "blue"}
        with pytest.raises(smskit.InvalidMessage, match=field) as info:
            Message.from_dict(data)
        assert error is type(info.value)

    @pytest.mark.parametrize("data", [None, [("id", "SM1")], '{"id": "SM1"}', 5])
    @pytest.mark.parametrize("model", [Message, StatusEvent, InboundMessage])
    def test_data_must_be_a_mapping(self, model: type[Model], data: object) -> None:
        with pytest.raises(smskit.ArgumentTypeError, match="expects a mapping") as info:
            model.from_dict(data)  # type: ignore[arg-type]
        assert isinstance(info.value, TypeError)
        assert isinstance(info.value, smskit.InvalidMessage)

    def test_missing_field_is_an_error(self) -> None:
        data = make_message().to_dict()
        del data["status"]
        with pytest.raises(smskit.InvalidMessage, match="status"):
            Message.from_dict(data)

    def test_bad_datetime_is_an_error(self) -> None:
        data = make_message().to_dict() | {"created_at": "yesterday"}
        with pytest.raises(smskit.InvalidMessage, match="ISO 8601"):
            Message.from_dict(data)

    @pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
    def test_pickle(self, model: Model) -> None:
        again = pickle.loads(pickle.dumps(model))  # noqa: S301 -- our own data
        assert model == again
        # Pickles and dicts keep what reprs mask.
        assert model.to_dict() == again.to_dict()
        assert "+14155552671" in model.to_dict().values()


class TestInbound:
    @pytest.mark.parametrize(
        ("body", "keyword"), [("stop", "STOP"), ("  Help me", "HELP"), ("", "")]
    )
    def test_keyword(self, body: str, keyword: str) -> None:
        inbound = InboundMessage(id="I", provider="p", sender="+1", to="+2", body=body)
        assert keyword == inbound.keyword

    @pytest.mark.parametrize(
        ("body", "keyword", "intent"),
        [
            ("STOP", "STOP", "opt_out"),
            ("  stop!! ", "STOP", "opt_out"),
            ("\u201cUnsubscribe.\u201d", "UNSUBSCRIBE", "opt_out"),
            ("StopAll", "STOPALL", "opt_out"),
            ("end", "END", "opt_out"),
            ("Quit\n", "QUIT", "opt_out"),
            ("cancel?", "CANCEL", "opt_out"),
            ("start", "START", "opt_in"),
            ("Yes.", "YES", "opt_in"),
            ("unstop", "UNSTOP", "opt_in"),
            ("HELP?", "HELP", "help"),
            ("stop sending me these", None, None),
            ("s t o p", None, None),
            ("stopp", None, None),
            ("", None, None),
            ("!!!", None, None),
        ],
    )
    def test_opt_keywords_need_the_whole_message(
        self, body: str, keyword: str | None, intent: str | None
    ) -> None:
        inbound = InboundMessage(id="I", provider="p", sender="+1", to="+2", body=body)
        assert (inbound.opt_keyword, inbound.intent) == (keyword, intent)

    def test_parts_go_together(self) -> None:
        part = InboundMessage(
            id="I",
            provider="p",
            sender="+1",
            to="+2",
            body="a",
            part_ref="r",
            part_count=3,
            part_number=3,
        )
        assert part.is_part
        assert part.is_complete
        assert InboundMessage.from_dict(part.to_dict()) == part
        joined = InboundMessage(
            id="I", provider="p", sender="+1", to="+2", body="a", missing_parts=[2]
        )
        assert joined.missing_parts == (2,)
        assert not joined.is_complete
        assert InboundMessage.from_dict(joined.to_dict()) == joined
        with pytest.raises(smskit.InvalidMessage, match="part numbers >= 1"):
            InboundMessage(
                id="I", provider="p", sender="+1", to="+2", missing_parts=[0]
            )
        with pytest.raises(smskit.InvalidMessage, match="go together"):
            InboundMessage(id="I", provider="p", sender="+1", to="+2", part_ref="r")
        for number in (0, 4):
            with pytest.raises(smskit.InvalidMessage, match="between 1 and part_count"):
                InboundMessage(
                    id="I",
                    provider="p",
                    sender="+1",
                    to="+2",
                    part_ref="r",
                    part_count=3,
                    part_number=number,
                )


class TestBalance:
    @pytest.mark.parametrize(
        ("given", "expected"),
        [
            (Decimal("12.50"), Decimal("12.50")),
            (7, Decimal(7)),
            ("3.1400", Decimal("3.1400")),
            (" 3.14 ", Decimal("3.14")),
            (0.1, Decimal("0.1")),  # the printed float, not its binary expansion
            (-2.5, Decimal("-2.5")),  # accounts on credit go below zero
        ],
    )
    def test_amount_becomes_an_exact_decimal(
        self, given: object, expected: Decimal
    ) -> None:
        balance = Balance(amount=given, currency="USD")  # type: ignore[arg-type]
        assert isinstance(balance.amount, Decimal)
        assert str(balance.amount) == str(expected)

    @pytest.mark.parametrize(
        "amount", [float("nan"), float("inf"), "-Infinity", "NaN", Decimal("sNaN"), ""]
    )
    def test_amount_that_is_not_a_finite_number_is_refused(
        self, amount: object
    ) -> None:
        with pytest.raises(smskit.InvalidMessage, match="amount"):
            Balance(amount=amount, currency="USD")  # type: ignore[arg-type]

    @pytest.mark.parametrize("amount", [True, None, b"1", [1], object()])
    def test_amount_of_another_type_is_a_type_error(self, amount: object) -> None:
        with pytest.raises(smskit.ArgumentTypeError, match="amount"):
            Balance(amount=amount, currency="USD")  # type: ignore[arg-type]

    @pytest.mark.parametrize("currency", ["usd", "US", "USDD", "U$D", "ÉUR", "USD\n"])
    def test_currency_must_be_three_upper_case_letters(self, currency: str) -> None:
        with pytest.raises(smskit.InvalidMessage, match="ISO 4217"):
            Balance(amount=1, currency=currency)

    @pytest.mark.parametrize("field", ["currency", "provider"])
    def test_text_fields_of_another_type_are_type_errors(self, field: str) -> None:
        values: dict[str, object] = {"amount": 1, "currency": "USD", field: 840}
        with pytest.raises(smskit.ArgumentTypeError, match=field):
            Balance(**values)  # type: ignore[arg-type]

    def test_is_frozen_keyword_only_and_hashable(self) -> None:
        balance = Balance(amount="1.5", currency="EUR", provider="vonage")
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            balance.amount = Decimal(2)  # type: ignore[misc]
        with pytest.raises(TypeError):
            Balance(Decimal(1), "EUR")  # type: ignore[call-arg]
        assert balance.provider == "vonage"
        assert Balance(amount=1, currency="EUR").provider == ""
        assert {balance, Balance(amount="1.50", currency="EUR", provider="vonage")} == {
            balance
        }

    def test_round_trips_through_json_and_pickle(self) -> None:
        balance = Balance(amount="20.0735", currency="GBP", provider="twilio")
        data = json.loads(json.dumps(balance.to_dict()))
        assert data == {"amount": "20.0735", "currency": "GBP", "provider": "twilio"}
        assert Balance.from_dict(data) == balance
        assert str(Balance.from_dict(data).amount) == "20.0735"
        assert pickle.loads(pickle.dumps(balance)) == balance  # noqa: S301

    def test_from_dict_ignores_unknown_keys_and_names_missing_ones(self) -> None:
        data = {"amount": "1", "currency": "USD", "credit_limit": "50"}
        assert Balance.from_dict(data) == Balance(amount=1, currency="USD")
        with pytest.raises(smskit.InvalidMessage, match="amount"):
            Balance.from_dict({"currency": "USD"})
        with pytest.raises(smskit.ArgumentTypeError):
            Balance.from_dict([("amount", "1")])  # type: ignore[arg-type]


def test_smart_encoded_is_a_real_flag_and_round_trips() -> None:
    message = smskit.Message(
        id="M1", provider="p", to="+14155552671", status="sent", smart_encoded=True
    )
    assert smskit.Message.from_dict(message.to_dict()).smart_encoded
    assert not smskit.Message.from_dict(
        {**message.to_dict(), "smart_encoded": False}
    ).smart_encoded
    with pytest.raises(smskit.ArgumentTypeError, match="smart_encoded must be a bool"):
        smskit.Message(
            id="M1", provider="p", to="+1", status="sent", smart_encoded="yes"
        )
