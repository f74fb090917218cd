"""Checks, converters, reprs and dict (de)serialization shared by the models.

The model classes live in `smskit._models` and `smskit._balance`; the rules
for their fields live here so each model reads as its list of fields.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs

from smskit._exceptions import ArgumentTypeError, InvalidMessage
from smskit._redact import mask_body, mask_phone
from smskit._status import Status
from smskit.encoding import Encoding

_Model = TypeVar("_Model", bound=attrs.AttrsInstance)
_DATETIME_FIELDS = frozenset(
    {"created_at", "updated_at", "scheduled_at", "occurred_at", "received_at"}
)


def to_status(value: Status | str) -> Status:
    """Convert a status field (see `Status.parse`)."""
    return Status.parse(value)


def to_encoding(value: Encoding | str | None) -> Encoding | None:
    """Convert an encoding field: an `Encoding`, its value, or ``None``."""
    if value is None or isinstance(value, Encoding):
        return value
    try:
        return Encoding(value)
    except ValueError:
        message = f"unknown encoding {value!r}; expected 'GSM-7' or 'UCS-2'"
        raise InvalidMessage(message) from None


def to_price(value: Decimal | str | float | None) -> Decimal | None:
    """Convert a price field to a `Decimal` (``None`` stays ``None``)."""
    if value is None or isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise InvalidMessage(f"price {value!r} is not a number") from None


def require_text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validate a required text field: a string with something in it."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidMessage(f"{attribute.name} must be a non-empty string")


def flag(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A real ``bool``: ``"no"`` would otherwise be true."""
    if not isinstance(value, bool):
        message = f"{attribute.name} must be a bool, not {type(value).__name__}"
        raise ArgumentTypeError(message)


def optional_text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validate an optional text field: ``None`` or a non-empty string."""
    if value is not None:
        require_text(_, attribute, value)


def optional_body(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validate a body that a provider may leave out."""
    # None means "the provider did not tell us" (Plivo records, Vonage receipts);
    # an empty string is never a valid SMS body.
    if value is None:
        return
    if not isinstance(value, str):
        raise InvalidMessage(f"{attribute.name} must be a string, not {value!r}")
    if value == "":
        raise InvalidMessage(f"{attribute.name} is empty: an SMS needs some text")


def aware(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validate an optional datetime: it must carry its timezone."""
    if value is None:
        return
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        message = f"{attribute.name} must be a timezone-aware datetime, not {value!r}"
        raise InvalidMessage(message)


def segments(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validate an optional segment count."""
    if value is not None and (
        not isinstance(value, int) or isinstance(value, bool) or value < 0
    ):
        raise InvalidMessage(f"{attribute.name} must be a count >= 0, not {value!r}")


def number_repr(value: object) -> str:
    """Show a number field in a repr masked, as a log line would."""
    if value is None:
        return "None"
    # Fields without a validator may hold an int; its digits are a number too.
    return repr(mask_phone(value if isinstance(value, str) else str(value)))


def body_repr(value: object) -> str:
    """Show a body in a repr as its length only: ``<5 characters>``."""
    if isinstance(value, str):
        return mask_body(value)
    return "None" if value is None else f"<{type(value).__name__}>"


def latest(first: dt.datetime | None, second: dt.datetime | None) -> dt.datetime | None:
    """Return the later of two optional datetimes."""
    if first is None or second is None:
        return first or second
    return max(first, second)


def _to_json_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return [_to_json_value(item) for item in value]
    return value


def to_dict(model: attrs.AttrsInstance) -> dict[str, Any]:
    """Return a model's fields as plain JSON types."""
    return {
        field.name: _to_json_value(getattr(model, field.name))
        for field in attrs.fields(type(model))
    }


def from_dict(cls: type[_Model], data: object) -> _Model:
    """Build a model of class ``cls`` from what `to_dict` returned.

    Raises:
        ArgumentTypeError: ``data`` is not a mapping.
        InvalidMessage: A field is missing or invalid.
    """
    if not isinstance(data, Mapping):
        message = (
            f"{cls.__name__}.from_dict expects a mapping such as to_dict() "
            f"returns, not {type(data).__name__}"
        )
        raise ArgumentTypeError(message)
    # Fields this version does not know are dropped rather than refused, so an
    # older worker can read a record that a newer smskit wrote.
    names = {field.name for field in attrs.fields(cls)}
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
