"""The value types that flow through smskit: messages, statuses and events.

Every model is an attrs class that is frozen, slotted and keyword-only. Each
keeps the provider's own payload in ``raw`` (left out of ``repr`` and equality,
because it is noisy and may differ between two views of the same message).
A ``repr`` masks phone numbers and shows bodies only as their length, as the
logs do, since reprs end up in logs, tracebacks and error trackers; equality,
``to_dict()`` and pickles keep every value.

`Status` lives in `smskit._status`, `Balance` in `smskit._balance` and the
field rules in `smskit._fields`; this module is their one import point.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from smskit import _fields, _keywords
from smskit._balance import Balance
from smskit._exceptions import ArgumentTypeError, InvalidMessage
from smskit._status import Status, combine_parts, moves_forward
from smskit.encoding import Encoding

__all__ = ["Balance", "InboundMessage", "Message", "Status", "StatusEvent"]


def _to_part_ids(value: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(_sequence("part_ids", value))


def _to_part_statuses(
    value: tuple[Status | str, ...] | list[Status | str],
) -> tuple[Status, ...]:
    return tuple(Status.parse(status) for status in _sequence("part_statuses", value))


def _sequence(name: str, value: object) -> tuple[Any, ...] | list[Any]:
    # A str is a sequence too, but "SM1" is one id, not three.
    if not isinstance(value, (tuple, list)):
        message = f"{name} must be a tuple or list, not {type(value).__name__}"
        raise ArgumentTypeError(message)
    return value


def _check_part_ids(message: Message, _: object, value: tuple[object, ...]) -> None:
    for part_id in value:
        if not isinstance(part_id, str) or not part_id.strip():
            raise InvalidMessage(f"part_ids must be non-empty strings, not {part_id!r}")
    if len(set(value)) != len(value):
        raise InvalidMessage(f"part_ids holds an id twice: {value!r}")
    # Either the whole message has an id of its own, or it is known by its
    # first part's id (Vonage); never by a later part's.
    if message.id in value[1:]:
        message_text = f"id {message.id!r} names a part other than the first"
        raise InvalidMessage(message_text)


def _check_part_statuses(
    message: Message, _: object, value: tuple[Status, ...]
) -> None:
    if len(value) != len(message.part_ids):
        text = (
            f"part_statuses has {len(value)} statuses for "
            f"{len(message.part_ids)} part_ids; give one status per part"
        )
        raise InvalidMessage(text)


@attrs.frozen(kw_only=True)
class Message:
    """An outbound SMS as the provider knows it.

    ``to_dict()`` / ``from_dict()`` round-trip through JSON and instances
    pickle, so messages can be stored or put on a task queue.

    Attributes:
        id: The provider's message id. For a message in parts whose provider
            has no id for the whole message (Vonage), the first part's id.
        provider: The provider's name, such as ``"twilio"`` or ``"sandbox"``.
        to: The recipient in E.164.
        sender: The sender ID, short code or number it was sent from, if known.
        body: The text, or ``None`` when the provider did not return it.
        status: The delivery status; for a message in parts, that of the
            whole message (see `apply`).
        raw_status: The provider's own word for the status.
        encoding: GSM-7 or UCS-2, when known.
        segments: How many segments were (or will be) billed, when known.
        smart_encoded: Whether smskit replaced look-alike characters in the
            text before sending (``send(..., smart_encoding=True)``); ``body``
            is then the text that was sent.
        part_ids: The provider's id for each part, in order, when it tracks
            the parts of a long message separately; empty when the message is
            one unit known by ``id``.
        part_statuses: The status of each part, aligned with ``part_ids``
            (by default every part has ``status``).
        created_at: When the provider accepted it.
        updated_at: When its status last changed.
        scheduled_at: When a scheduled message goes out.
        client_ref: Your own reference, echoed by providers that support it.
        price: The price as a positive `Decimal`, once the provider knows it;
            for a message in parts, the price of all parts.
        currency: The price's ISO 4217 currency code.
        error_code: The provider's error code for a failed message.
        error_message: A description of that error.
        raw: The provider's payload, as received.
    """

    id: str = attrs.field(validator=_fields.require_text)
    provider: str = attrs.field(validator=_fields.require_text)
    to: str = attrs.field(validator=_fields.require_text, repr=_fields.number_repr)
    sender: str | None = attrs.field(default=None, repr=_fields.number_repr)
    body: str | None = attrs.field(
        default=None, validator=_fields.optional_body, repr=_fields.body_repr
    )
    status: Status = attrs.field(converter=_fields.to_status)
    raw_status: str | None = None
    encoding: Encoding | None = attrs.field(default=None, converter=_fields.to_encoding)
    segments: int | None = attrs.field(default=None, validator=_fields.segments)
    smart_encoded: bool = attrs.field(default=False, validator=_fields.flag)
    part_ids: tuple[str, ...] = attrs.field(
        default=(), converter=_to_part_ids, validator=_check_part_ids
    )
    part_statuses: tuple[Status, ...] = attrs.field(
        converter=_to_part_statuses, validator=_check_part_statuses
    )
    created_at: dt.datetime | None = attrs.field(default=None, validator=_fields.aware)
    updated_at: dt.datetime | None = attrs.field(default=None, validator=_fields.aware)
    scheduled_at: dt.datetime | None = attrs.field(
        default=None, validator=_fields.aware
    )
    client_ref: str | None = None
    price: Decimal | None = attrs.field(default=None, converter=_fields.to_price)
    currency: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    raw: dict[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    @part_statuses.default
    def _every_part_has_the_message_status(self) -> tuple[Status, ...]:
        return (self.status,) * len(self.part_ids)

    def apply(self, event: StatusEvent) -> Message:
        """Return this message updated by a delivery event.

        The status follows `Status.merge`, so late or duplicated events never
        move a message backwards. Error, price and timestamp details are taken
        from the event when it changed the status or filled a gap.

        For a message in parts, an event about one part (its ``message_id``
        or ``part_id`` is one of ``part_ids``) moves that part by the same
        rule, and an event about the whole message (``message_id`` is ``id``
        and is no part's id) moves every part. The message is then
        ``delivered`` only once every part is; a failed part makes the whole
        message fail (see the models guide for the full rule). When each part
        ends one way, the status the message ends with does not depend on
        the order the events arrive in. An event about one part never
        replaces the price of a message of several parts, since it carries
        that part's price only.

        Args:
            event: A status event for this message or one of its parts.

        Returns:
            The updated message (``self`` when nothing changed).

        Raises:
            InvalidMessage: The event is for another message, or names a part
                this message does not have.
        """
        part = self._part_of(event)
        if not self.part_ids:
            return self._apply_to_whole(event)
        return self._apply_to_parts(event, part)

    def _part_of(self, event: StatusEvent) -> int | None:
        """Return the index of the part ``event`` is about (``None``: all)."""
        if event.message_id != self.id and event.message_id not in self.part_ids:
            message = (
                f"status event for message {event.message_id!r} "
                f"cannot update message {self.id!r}"
            )
            raise InvalidMessage(message)
        named = event.part_id
        if named is None:
            named = event.message_id if event.message_id in self.part_ids else None
        elif named not in self.part_ids and named != self.id:
            message = f"status event for part {named!r} of message {self.id!r}: "
            raise InvalidMessage(message + "the message has no such part")
        elif event.message_id not in (self.id, named):
            message = (
                f"status event names message {event.message_id!r} "
                f"and part {named!r}, which is another part of message {self.id!r}"
            )
            raise InvalidMessage(message)
        return self.part_ids.index(named) if named in self.part_ids else None

    def _apply_to_whole(self, event: StatusEvent) -> Message:
        status = self.status.merge(event.status)
        if status is not event.status:
            return self  # a late or weaker report: nothing to learn from it
        return attrs.evolve(self, **self._details(event, status, price=True))

    def _apply_to_parts(self, event: StatusEvent, part: int | None) -> Message:
        targets = range(len(self.part_ids)) if part is None else (part,)
        parts = tuple(
            status.merge(event.status) if index in targets else status
            for index, status in enumerate(self.part_statuses)
        )
        if all(parts[index] is not event.status for index in targets):
            return self  # a late or weaker report: no part it names took it
        combined = combine_parts(parts)
        # A message built with a status ahead of its parts keeps that status.
        status = combined if moves_forward(self.status, combined) else self.status
        if status is not event.status:
            # The event moved a part, not the message to the event's status:
            # its word and error describe that part only.
            changes: dict[str, Any] = {
                "status": status,
                "updated_at": _fields.latest(self.updated_at, event.occurred_at),
            }
            if status is not self.status:
                # No provider word names the status the parts add up to.
                changes["raw_status"] = None
        else:
            whole = part is None or len(self.part_ids) == 1
            changes = self._details(event, status, price=whole)
        return attrs.evolve(self, part_statuses=parts, **changes)

    def _details(
        self, event: StatusEvent, status: Status, *, price: bool
    ) -> dict[str, Any]:
        """The fields an event that now describes the message updates."""
        changes: dict[str, Any] = {
            "status": status,
            "raw_status": event.raw_status or self.raw_status,
            "updated_at": _fields.latest(self.updated_at, event.occurred_at),
            "error_code": event.error_code or self.error_code,
            "error_message": event.error_message or self.error_message,
        }
        if price:
            changes["price"] = event.price if event.price is not None else self.price
            changes["currency"] = event.currency or self.currency
        return changes

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-compatible dict that `from_dict` turns back into ``self``."""
        return _fields.to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        """Build a message from the output of `to_dict`.

        Fields it does not know, such as those a newer smskit adds, are
        ignored.

        Raises:
            ArgumentTypeError: ``data`` is not a mapping.
            InvalidMessage: A field is missing or invalid (`UnknownStatus`
                for an unknown status).
        """
        return _fields.from_dict(cls, data)


@attrs.frozen(kw_only=True)
class StatusEvent:
    """A delivery receipt: the provider's news about one outbound message.

    Attributes:
        message_id: The provider's id of the message it is about; for a
            provider that reports each part on its own (Vonage), the part's id.
        provider: The provider's name.
        status: The status it reports.
        part_id: The id of the part of a long message it is about, when the
            provider says; ``None`` for news about the whole message.
        raw_status: The provider's own word for it.
        occurred_at: When it happened, per the provider.
        to: The recipient, when the provider says.
        sender: The sender, when the provider says.
        error_code: The provider's error code for a failure.
        error_message: A description of that error.
        client_ref: Your reference, when the provider echoes it.
        price: The price as a positive `Decimal`, when reported (of the part,
            for an event about one part).
        currency: The price's currency.
        raw: The provider's payload, as received.
    """

    message_id: str = attrs.field(validator=_fields.require_text)
    provider: str = attrs.field(validator=_fields.require_text)
    status: Status = attrs.field(converter=_fields.to_status)
    part_id: str | None = attrs.field(default=None, validator=_fields.optional_text)
    raw_status: str | None = None
    occurred_at: dt.datetime | None = attrs.field(default=None, validator=_fields.aware)
    to: str | None = attrs.field(default=None, repr=_fields.number_repr)
    sender: str | None = attrs.field(default=None, repr=_fields.number_repr)
    error_code: str | None = None
    error_message: str | None = None
    client_ref: str | None = None
    price: Decimal | None = attrs.field(default=None, converter=_fields.to_price)
    currency: str | None = None
    raw: dict[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-compatible dict that `from_dict` turns back into ``self``."""
        return _fields.to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StatusEvent:
        """Build an event from the output of `to_dict`.

        Fields it does not know, such as those a newer smskit adds, are
        ignored.

        Raises:
            ArgumentTypeError: ``data`` is not a mapping.
            InvalidMessage: A field is missing or invalid (`UnknownStatus`
                for an unknown status).
        """
        return _fields.from_dict(cls, data)


def _check_part_number(message: InboundMessage, _: object, number: int | None) -> None:
    """A part names its message, the count and its place, or none of them."""
    given = (message.part_ref, message.part_count, number)
    if all(value is None for value in given):
        return
    if any(value is None for value in given):
        message_text = "part_ref, part_count and part_number go together"
        raise InvalidMessage(message_text)
    count = message.part_count
    if count is not None and number is not None and not 1 <= number <= count:
        message_text = (
            f"part_number must be between 1 and part_count ({count}), not {number}"
        )
        raise InvalidMessage(message_text)


def _check_missing_parts(
    _: InboundMessage, attribute: attrs.Attribute[Any], value: tuple[object, ...]
) -> None:
    if not all(
        isinstance(number, int) and not isinstance(number, bool) and number >= 1
        for number in value
    ):
        message = f"{attribute.name} must hold part numbers >= 1, not {value!r}"
        raise InvalidMessage(message)


@attrs.frozen(kw_only=True)
class InboundMessage:
    """An SMS someone sent to one of your numbers.

    Attributes:
        id: The provider's message id.
        provider: The provider's name.
        sender: Who sent it (E.164 where the provider gives a number).
        to: Your number or short code it was sent to.
        body: The text; empty for a media-only message.
        received_at: When the provider received it.
        segments: How many segments it arrived in, when known.
        part_ref: For one part of a long message that the provider delivers
            part by part (Vonage's ``concat-ref``): what its parts share.
            `smskit.webhooks` joins the parts into one message.
        part_count: How many parts that message has (``concat-total``).
        part_number: Which part this is, from 1 (``concat-part``).
        missing_parts: For a message joined from its parts after the wait
            for the rest ran out: the numbers of the parts that never came
            (their text is absent from ``body``). Empty when complete.
        raw: The provider's payload, as received.
    """

    id: str = attrs.field(validator=_fields.require_text)
    provider: str = attrs.field(validator=_fields.require_text)
    sender: str = attrs.field(validator=_fields.require_text, repr=_fields.number_repr)
    to: str = attrs.field(validator=_fields.require_text, repr=_fields.number_repr)
    body: str = attrs.field(default="", repr=_fields.body_repr)
    received_at: dt.datetime | None = attrs.field(default=None, validator=_fields.aware)
    segments: int | None = attrs.field(default=None, validator=_fields.segments)
    part_ref: str | None = attrs.field(default=None, validator=_fields.optional_text)
    part_count: int | None = attrs.field(default=None, validator=_fields.segments)
    part_number: int | None = attrs.field(
        default=None, validator=[_fields.segments, _check_part_number]
    )
    missing_parts: tuple[int, ...] = attrs.field(
        default=(), converter=tuple, validator=_check_missing_parts
    )
    raw: dict[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def keyword(self) -> str:
        """The first word of the body, upper-cased (``"STOP"``, ``"HELP"``, …).

        This is Vonage's ``keyword`` field; to act on opt-outs use
        `opt_keyword` or `intent`, which need the whole message to be the word.
        """
        words = self.body.split(maxsplit=1)
        return words[0].upper() if words else ""

    @property
    def opt_keyword(self) -> str | None:
        """The keyword the whole message is (``"STOP"``, ``"START"``, ``"HELP"``…).

        Recognised in any case with surrounding whitespace and punctuation
        (``" Stop! "``); ``None`` when the message is anything else.
        """
        return _keywords.keyword_of(self.body)

    @property
    def intent(self) -> _keywords.Intent | None:
        """``"opt_out"``, ``"opt_in"`` or ``"help"`` for a keyword message."""
        return _keywords.intent_of(self.body)

    @property
    def is_complete(self) -> bool:
        """Whether no part of the text is missing (see `missing_parts`)."""
        return not self.missing_parts

    @property
    def is_part(self) -> bool:
        """Whether this is one part of a longer message that arrived in parts."""
        return self.part_ref is not None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-compatible dict that `from_dict` turns back into ``self``."""
        return _fields.to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InboundMessage:
        """Build an inbound message from the output of `to_dict`.

        Fields it does not know, such as those a newer smskit adds, are
        ignored.

        Raises:
            ArgumentTypeError: ``data`` is not a mapping.
            InvalidMessage: A field is missing or invalid (`UnknownStatus`
                for an unknown status).
        """
        return _fields.from_dict(cls, data)
