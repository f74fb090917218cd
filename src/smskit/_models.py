"""The value types that flow through smskit: messages, statuses and events.

Every model is an attrs class that is frozen, slotted and keyword-only. Each
keeps the provider's own payload in ``raw`` (left out of ``repr`` and equality,
because it is noisy and may differ between two views of the same message).
A ``repr`` masks phone numbers and shows bodies only as their length, as the
logs do, since reprs end up in logs, tracebacks and error trackers; equality,
``to_dict()`` and pickles keep every value.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs

from smskit._exceptions import ArgumentTypeError, InvalidMessage, UnknownStatus
from smskit._redact import mask_body, mask_phone
from smskit.encoding import Encoding

__all__ = ["Balance", "InboundMessage", "Message", "Status", "StatusEvent"]


class Status(str, enum.Enum):
    """smskit's delivery status, the same for every provider.

    Providers' own statuses map into these (see the provider guides); the
    provider's original word stays on ``raw_status``.
    """

    SCHEDULED = "scheduled"
    """Accepted for sending at a later time."""
    QUEUED = "queued"
    """Accepted by the provider, not yet handed to a carrier."""
    SENDING = "sending"
    """Being handed to a carrier, or buffered by it."""
    SENT = "sent"
    """Handed to a carrier; no delivery receipt yet."""
    DELIVERED = "delivered"
    """The carrier confirmed delivery to the handset."""
    READ = "read"
    """The recipient read it (chat channels only)."""
    UNDELIVERED = "undelivered"
    """The carrier reported that delivery failed."""
    REJECTED = "rejected"
    """A carrier refused the message."""
    EXPIRED = "expired"
    """The validity period ran out before delivery."""
    FAILED = "failed"
    """The message could not be sent at all."""
    CANCELED = "canceled"
    """A scheduled message was canceled before sending."""
    RECEIVED = "received"
    """An inbound message arrived."""
    UNKNOWN = "unknown"
    """The provider does not know (or did not say) what happened."""

    def __str__(self) -> str:
        return self.value

    @property
    def is_final(self) -> bool:
        """Whether no further status change is expected."""
        return self in _FINAL

    @classmethod
    def parse(cls, value: Status | str) -> Status:
        """Turn a status name into a `Status`.

        Args:
            value: A `Status`, or its value such as ``"delivered"``
                (case and surrounding spaces are ignored).

        Returns:
            The matching status.

        Raises:
            UnknownStatus: ``value`` is not one of smskit's statuses.
        """
        if isinstance(value, Status):
            return value
        if isinstance(value, str):
            try:
                return cls(value.strip().lower())
            except ValueError:
                pass
        known = ", ".join(status.value for status in cls)
        message = f"unknown message status {value!r}; expected one of: {known}"
        raise UnknownStatus(message, value=value)

    def merge(self, newer: Status) -> Status:
        """Return the status a message has after an event reporting ``newer``.

        Events arrive late and out of order, so a final status never regresses:
        a "sent" that arrives after "delivered" is ignored. The one move allowed
        out of a final status is "delivered" to "read", which only adds
        information. ``unknown`` never replaces a known status.

        Args:
            newer: The status an incoming event reports.

        Returns:
            The status to keep.
        """
        if self.is_final:
            return newer if (self, newer) == (Status.DELIVERED, Status.READ) else self
        if newer is Status.UNKNOWN:
            return self
        if self is Status.UNKNOWN or newer.is_final:
            return newer
        return newer if _PROGRESS[newer] > _PROGRESS[self] else self


_FINAL = frozenset(
    {
        Status.DELIVERED,
        Status.READ,
        Status.UNDELIVERED,
        Status.REJECTED,
        Status.EXPIRED,
        Status.FAILED,
        Status.CANCELED,
        Status.RECEIVED,
    }
)
# How far along the way to a handset each non-final status is.
_PROGRESS = {
    Status.UNKNOWN: -1,
    Status.SCHEDULED: 0,
    Status.QUEUED: 1,
    Status.SENDING: 2,
    Status.SENT: 3,
}


def _to_status(value: Status | str) -> Status:
    return Status.parse(value)


def _to_encoding(value: Encoding | str | None) -> Encoding | None:
    if value is None or isinstance(value, Encoding):
        return value
    try:
        return Encoding(value)
    except ValueError:
        message = f"unknown encoding {value!r}; expected 'GSM-7' or 'UCS-2'"
        raise InvalidMessage(message) from None


def _to_price(value: Decimal | str | float | None) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise InvalidMessage(f"price {value!r} is not a number") from None


def _require_text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidMessage(f"{attribute.name} must be a non-empty string")


def _optional_body(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # None means "the provider did not tell us" (Plivo records, Vonage receipts);
    # an empty string is never a valid SMS body.
    if value is None:
        return
    if not isinstance(value, str):
        raise InvalidMessage(f"{attribute.name} must be a string, not {value!r}")
    if value == "":
        raise InvalidMessage(f"{attribute.name} is empty: an SMS needs some text")


def _aware(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        message = f"{attribute.name} must be a timezone-aware datetime, not {value!r}"
        raise InvalidMessage(message)


def _segments(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (
        not isinstance(value, int) or isinstance(value, bool) or value < 0
    ):
        raise InvalidMessage(f"{attribute.name} must be a count >= 0, not {value!r}")


def _number_repr(value: object) -> str:
    """Show a number field in a repr masked, as a log line would."""
    if value is None:
        return "None"
    # Fields without a validator may hold an int; its digits are a number too.
    return repr(mask_phone(value if isinstance(value, str) else str(value)))


def _body_repr(value: object) -> str:
    """Show a body in a repr as its length only: ``<5 characters>``."""
    if isinstance(value, str):
        return mask_body(value)
    return "None" if value is None else f"<{type(value).__name__}>"


@attrs.frozen(kw_only=True)
class Message:
    """An outbound SMS as the provider knows it.

    ``to_dict()`` / ``from_dict()`` round-trip through JSON and instances
    pickle, so messages can be stored or put on a task queue.

    Attributes:
        id: The provider's message id.
        provider: The provider's name, such as ``"twilio"`` or ``"sandbox"``.
        to: The recipient in E.164.
        sender: The sender ID, short code or number it was sent from, if known.
        body: The text, or ``None`` when the provider did not return it.
        status: The delivery status.
        raw_status: The provider's own word for the status.
        encoding: GSM-7 or UCS-2, when known.
        segments: How many segments were (or will be) billed, when known.
        created_at: When the provider accepted it.
        updated_at: When its status last changed.
        scheduled_at: When a scheduled message goes out.
        client_ref: Your own reference, echoed by providers that support it.
        price: The price as a positive `Decimal`, once the provider knows it.
        currency: The price's ISO 4217 currency code.
        error_code: The provider's error code for a failed message.
        error_message: A description of that error.
        raw: The provider's payload, as received.
    """

    id: str = attrs.field(validator=_require_text)
    provider: str = attrs.field(validator=_require_text)
    to: str = attrs.field(validator=_require_text, repr=_number_repr)
    sender: str | None = attrs.field(default=None, repr=_number_repr)
    body: str | None = attrs.field(
        default=None, validator=_optional_body, repr=_body_repr
    )
    status: Status = attrs.field(converter=_to_status)
    raw_status: str | None = None
    encoding: Encoding | None = attrs.field(default=None, converter=_to_encoding)
    segments: int | None = attrs.field(default=None, validator=_segments)
    created_at: dt.datetime | None = attrs.field(default=None, validator=_aware)
    updated_at: dt.datetime | None = attrs.field(default=None, validator=_aware)
    scheduled_at: dt.datetime | None = attrs.field(default=None, validator=_aware)
    client_ref: str | None = None
    price: Decimal | None = attrs.field(default=None, converter=_to_price)
    currency: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    raw: dict[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    def apply(self, event: StatusEvent) -> Message:
        """Return this message updated by a delivery event.

        The status follows `Status.merge`, so late or duplicated events never
        move a message backwards. Error, price and timestamp details are taken
        from the event when it changed the status or filled a gap.

        Args:
            event: A status event for this message.

        Returns:
            The updated message (``self`` when nothing changed).

        Raises:
            InvalidMessage: The event is for another message.
        """
        if event.message_id != self.id:
            message = (
                f"status event for message {event.message_id!r} "
                f"cannot update message {self.id!r}"
            )
            raise InvalidMessage(message)
        status = self.status.merge(event.status)
        if status is self.status and status is not event.status:
            return self
        changes: dict[str, Any] = {
            "status": status,
            "raw_status": event.raw_status or self.raw_status,
            "updated_at": _latest(self.updated_at, event.occurred_at),
            "error_code": event.error_code or self.error_code,
            "error_message": event.error_message or self.error_message,
            "price": event.price if event.price is not None else self.price,
            "currency": event.currency or self.currency,
        }
        return attrs.evolve(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-compatible dict that `from_dict` turns back into ``self``."""
        return _to_dict(self)

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
        return _from_dict(cls, data)


@attrs.frozen(kw_only=True)
class StatusEvent:
    """A delivery receipt: the provider's news about one outbound message.

    Attributes:
        message_id: The provider's id of the message it is about.
        provider: The provider's name.
        status: The status it reports.
        raw_status: The provider's own word for it.
        occurred_at: When it happened, per the provider.
        to: The recipient, when the provider says.
        sender: The sender, when the provider says.
        error_code: The provider's error code for a failure.
        error_message: A description of that error.
        client_ref: Your reference, when the provider echoes it.
        price: The price as a positive `Decimal`, when reported.
        currency: The price's currency.
        raw: The provider's payload, as received.
    """

    message_id: str = attrs.field(validator=_require_text)
    provider: str = attrs.field(validator=_require_text)
    status: Status = attrs.field(converter=_to_status)
    raw_status: str | None = None
    occurred_at: dt.datetime | None = attrs.field(default=None, validator=_aware)
    to: str | None = attrs.field(default=None, repr=_number_repr)
    sender: str | None = attrs.field(default=None, repr=_number_repr)
    error_code: str | None = None
    error_message: str | None = None
    client_ref: str | None = None
    price: Decimal | None = attrs.field(default=None, converter=_to_price)
    currency: str | None = None
    raw: dict[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-compatible dict that `from_dict` turns back into ``self``."""
        return _to_dict(self)

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
        return _from_dict(cls, data)


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
        raw: The provider's payload, as received.
    """

    id: str = attrs.field(validator=_require_text)
    provider: str = attrs.field(validator=_require_text)
    sender: str = attrs.field(validator=_require_text, repr=_number_repr)
    to: str = attrs.field(validator=_require_text, repr=_number_repr)
    body: str = attrs.field(default="", repr=_body_repr)
    received_at: dt.datetime | None = attrs.field(default=None, validator=_aware)
    segments: int | None = attrs.field(default=None, validator=_segments)
    raw: dict[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def keyword(self) -> str:
        """The first word of the body, upper-cased (``"STOP"``, ``"HELP"``, …)."""
        words = self.body.split(maxsplit=1)
        return words[0].upper() if words else ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-compatible dict that `from_dict` turns back into ``self``."""
        return _to_dict(self)

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
        return _from_dict(cls, data)


def _to_amount(value: Decimal | float | str) -> Decimal:
    """Turn a provider's balance (a string, a float or an integer) into a `Decimal`."""
    # bool is an int, but True is no amount of money.
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str, float)):
        message = (
            f"amount must be a Decimal, int, str or float, not {type(value).__name__}"
        )
        raise ArgumentTypeError(message)
    try:
        # str() first so a float keeps the digits it prints (0.1, not 0.1000…055).
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise InvalidMessage(f"amount {value!r} is not a number") from None
    if not amount.is_finite():
        raise InvalidMessage(f"amount must be a finite number, not {value!r}")
    return amount


_CURRENCY = re.compile(r"[A-Z]{3}")


def _currency_code(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        message = f"{attribute.name} must be a str, not {type(value).__name__}"
        raise ArgumentTypeError(message)
    if not _CURRENCY.fullmatch(value):
        message = (
            f"{attribute.name} {value!r} is not an ISO 4217 code "
            "(three upper-case letters, such as 'USD')"
        )
        raise InvalidMessage(message)


def _provider_name(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        message = f"{attribute.name} must be a str, not {type(value).__name__}"
        raise ArgumentTypeError(message)


@attrs.frozen(kw_only=True)
class Balance:
    """The money left on a provider account, as ``client.balance()`` reports it.

    ``to_dict()`` / ``from_dict()`` round-trip through JSON and instances
    pickle. The amount is a `Decimal`, never a float, so it adds up exactly.

    Attributes:
        amount: The balance; negative on an account that runs on credit.
            A `Decimal`, `int`, or a `str` or `float` (read through
            ``Decimal(str(x))``, as providers send either) is accepted.
        currency: The ISO 4217 code of ``amount``, such as ``"USD"``.
        provider: The name of the provider that reported it (``""`` when
            built by hand).
    """

    amount: Decimal = attrs.field(converter=_to_amount)
    currency: str = attrs.field(validator=_currency_code)
    provider: str = attrs.field(default="", validator=_provider_name)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-compatible dict that `from_dict` turns back into ``self``."""
        return _to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Balance:
        """Build a balance from the output of `to_dict`.

        Fields it does not know, such as those a newer smskit adds, are
        ignored.

        Raises:
            ArgumentTypeError: ``data`` is not a mapping, or a field has the
                wrong type.
            InvalidMessage: A field is missing or invalid.
        """
        return _from_dict(cls, data)


def _latest(
    first: dt.datetime | None, second: dt.datetime | None
) -> dt.datetime | None:
    if first is None or second is None:
        return first or second
    return max(first, second)


_Model = TypeVar("_Model", Message, StatusEvent, InboundMessage, Balance)
_FIELD_NAMES: dict[type[Any], frozenset[str]] = {
    cls: frozenset(field.name for field in attrs.fields(cls))
    for cls in (Message, StatusEvent, InboundMessage, Balance)
}
_DATETIME_FIELDS = frozenset(
    {"created_at", "updated_at", "scheduled_at", "occurred_at", "received_at"}
)


def _to_json_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _to_dict(
    model: Message | StatusEvent | InboundMessage | Balance,
) -> dict[str, Any]:
    return {
        field.name: _to_json_value(getattr(model, field.name))
        for field in attrs.fields(type(model))
    }


def _from_dict(cls: type[_Model], data: Mapping[str, Any]) -> _Model:
    if not isinstance(data, Mapping):
        message = (
            f"{cls.__name__}.from_dict expects a mapping such as to_dict() "
            f"returns, not {type(data).__name__}"
        )
        raise ArgumentTypeError(message)
    # Fields this version does not know are dropped rather than refused, so an
    # older worker can read a record that a newer smskit wrote.
    names = _FIELD_NAMES[cls]
    values = {
        key: _parse_datetime(key, value) for key, value in data.items() if key in names
    }
    try:
        return cls(**values)
    except InvalidMessage:
        raise  # already specific (some are TypeErrors too): keep it as it is
    except TypeError as error:
        # attrs names the missing keyword; keep that but raise a smskit error.
        raise InvalidMessage(f"{cls.__name__}.from_dict: {error}") from None


def _parse_datetime(key: str, value: Any) -> Any:
    if key not in _DATETIME_FIELDS or not isinstance(value, str):
        return value
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidMessage(f"{key} {value!r} is not an ISO 8601 datetime") from None
