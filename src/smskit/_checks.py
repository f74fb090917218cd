"""Checks for values that cross smskit's public boundary.

Every check raises a specific smskit error before any I/O: a value of the
wrong type raises `OptionTypeError` / `ArgumentTypeError` (also `TypeError`),
a value of the right type but out of range raises `ConfigurationError` /
`InvalidMessage` (also `ValueError`). Messages name the option and show the
offending value's type or a short quote of it, never a credential.
"""

from __future__ import annotations

import datetime as dt
import math
import urllib.parse

from smskit._exceptions import (
    ArgumentTypeError,
    ConfigurationError,
    InvalidMessage,
    OptionTypeError,
)
from smskit.phone._parse import known_region, region_hint

__all__ = [
    "MAX_CLIENT_REF_LENGTH",
    "MAX_STATUS_CALLBACK_LENGTH",
    "body_text",
    "callback_url",
    "client_ref",
    "instance",
    "moment",
    "number",
    "option_flag",
    "quote",
    "region_code",
    "validity",
]

MAX_CLIENT_REF_LENGTH = 40
"""The longest ``client_ref`` smskit accepts: Vonage documents 40 characters."""

MAX_STATUS_CALLBACK_LENGTH = 2000
"""The longest status-callback URL smskit accepts (URLs beyond it break proxies)."""

# Control characters that are part of ordinary text layout. FF is in the GSM-7
# extension table; every other C0 control (ESC included), DEL and the C1
# controls are not text and are refused in bodies.
_LAYOUT_CONTROLS = frozenset("\t\n\r\f")
_QUOTE_LIMIT = 40


def quote(value: object) -> str:
    """A short ``repr`` of ``value`` for an error message."""
    text = repr(value)
    if len(text) > _QUOTE_LIMIT:
        return f"{text[: _QUOTE_LIMIT - 5]}…{text[-4:]}"
    return text


def _type_name(value: object) -> str:
    return type(value).__name__


def instance(name: str, value: object, expected: type | tuple[type, ...]) -> None:
    """Refuse an option that is not an instance of ``expected``.

    Raises:
        OptionTypeError: ``value`` has another type.
    """
    if not isinstance(value, expected):
        names = (
            " or ".join(kind.__name__ for kind in expected)
            if isinstance(expected, tuple)
            else expected.__name__
        )
        message = f"{name} must be {names}, not {_type_name(value)}"
        raise OptionTypeError(message)


def option_flag(name: str, value: object) -> bool:
    """Check that an option is a real ``bool`` (``"no"`` is not false)."""
    instance(name, value, bool)
    return bool(value)


def number(
    name: str,
    value: object,
    *,
    minimum: float,
    inclusive: bool = False,
    integer: bool = False,
    maximum: float | None = None,
) -> float:
    """Check a finite number against a lower (and optional upper) bound.

    Args:
        name: The option's name, for the error.
        value: The value given.
        minimum: The lower bound.
        inclusive: Whether ``minimum`` itself is allowed.
        integer: Whether only ``int`` is accepted.
        maximum: The upper bound (inclusive), if any.

    Returns:
        The value.

    Raises:
        OptionTypeError: Not a number (``bool`` is not a number here).
        ConfigurationError: NaN, infinite or out of range.
    """
    wrong_kind = integer and not isinstance(value, int)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or wrong_kind:
        kind = "an int" if integer else "a number"
        raise OptionTypeError(f"{name} must be {kind}, not {_type_name(value)}")
    if not math.isfinite(value):
        raise ConfigurationError(f"{name} must be a finite number, not {value!r}")
    low_ok = value >= minimum if inclusive else value > minimum
    if not low_ok:
        relation = ">=" if inclusive else ">"
        raise ConfigurationError(
            f"{name} must be {relation} {minimum:g}, not {value!r}"
        )
    if maximum is not None and value > maximum:
        raise ConfigurationError(f"{name} must be <= {maximum:g}, not {value!r}")
    return value


def region_code(value: object) -> str | None:
    """Check a default region and return its upper-case ISO 3166-1 code.

    Raises:
        OptionTypeError: Not a string.
        ConfigurationError: Not a region smskit.phone knows.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        message = (
            "region must be an ISO 3166-1 alpha-2 code such as 'US' (a str), "
            f"not {_type_name(value)}"
        )
        raise OptionTypeError(message)
    code = known_region(value.strip())
    if code is not None:
        return code
    hint = region_hint(value.strip())
    suggestion = f"; did you mean {hint!r}?" if hint else ""
    message = (
        f"region {quote(value)} is not a known region: expected an ISO 3166-1 "
        f"alpha-2 code such as 'US' or 'GB'{suggestion}"
    )
    raise ConfigurationError(message)


def body_text(body: object) -> str:
    """Check a message body: text with something to read, and no control codes.

    Tab, line feed, carriage return and form feed are allowed (form feed is in
    the GSM-7 extension table); U+0000, every other C0 control (ESC included),
    DEL, the C1 controls and lone surrogates are refused.

    Raises:
        ArgumentTypeError: Not a string.
        InvalidMessage: Empty, only whitespace, or holds a refused character.
    """
    if not isinstance(body, str):
        raise ArgumentTypeError(f"body must be a str, not {_type_name(body)}")
    if not body:
        raise InvalidMessage("body is empty: an SMS needs some text")
    if body.isspace():
        raise InvalidMessage("body holds only whitespace: an SMS needs some text")
    _refuse_controls(body)
    _refuse_surrogates(body)
    return body


def _refuse_controls(body: str) -> None:
    if body.isprintable():  # the common case: one C-level pass, no controls
        return
    for index, char in enumerate(body):
        code = ord(char)
        is_control = code < 0x20 or 0x7F <= code <= 0x9F
        if is_control and char not in _LAYOUT_CONTROLS:
            what = "NUL" if code == 0 else "a control character"
            message = (
                f"body holds {what} U+{code:04X} at index {index}; only tab, "
                "line feed, carriage return and form feed are allowed as "
                "control characters in an SMS"
            )
            raise InvalidMessage(message)


def _refuse_surrogates(body: str) -> None:
    """Refuse text no provider can receive (lone UTF-16 surrogates)."""
    try:
        body.encode("utf-8")
    except UnicodeEncodeError as error:
        code = ord(body[error.start])
        message = (
            f"body has a lone surrogate U+{code:04X} at index {error.start}; "
            "it is not a character and cannot be sent"
        )
        raise InvalidMessage(message) from None


def client_ref(value: object) -> str | None:
    """Check a client reference: ``None`` or 1 to 40 characters of text.

    Raises:
        ArgumentTypeError: Not a string.
        InvalidMessage: Empty, too long, or holding control characters.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ArgumentTypeError(f"client_ref must be a str, not {_type_name(value)}")
    if not value or len(value) > MAX_CLIENT_REF_LENGTH:
        message = (
            f"client_ref must be 1 to {MAX_CLIENT_REF_LENGTH} characters, "
            f"not {len(value)}"
        )
        raise InvalidMessage(message)
    if not value.isprintable():
        raise InvalidMessage(f"client_ref holds a control character: {quote(value)}")
    return value


def callback_url(value: object) -> str | None:
    """Check a status-callback URL: absolute ``http``/``https`` with a host.

    Raises:
        ArgumentTypeError: Not a string.
        InvalidMessage: Too long, with whitespace or control characters, of
            another scheme, without a host, with user:password, or with a
            port that is not a number.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        message = f"status_callback must be a URL as a str, not {_type_name(value)}"
        raise ArgumentTypeError(message)
    if len(value) > MAX_STATUS_CALLBACK_LENGTH:
        message = (
            f"status_callback is {len(value)} characters long; at most "
            f"{MAX_STATUS_CALLBACK_LENGTH} are allowed"
        )
        raise InvalidMessage(message)
    if not value.isprintable() or any(char.isspace() for char in value):
        message = (
            f"status_callback holds whitespace or a control character: {quote(value)}"
        )
        raise InvalidMessage(message)
    _check_url_parts(value)
    return value


def _check_url_parts(value: str) -> None:
    parts = urllib.parse.urlsplit(value)
    problem = None
    if parts.scheme.lower() not in {"http", "https"}:
        problem = "it must be an absolute http:// or https:// URL"
    elif not parts.hostname:
        problem = "it has no host"
    elif "@" in parts.netloc:
        problem = "it must not hold a user name or password"
    else:
        try:
            _ = parts.port
        except ValueError:
            problem = "its port is not a number from 0 to 65535"
    if problem is not None:
        raise InvalidMessage(f"status_callback {quote(value)} is refused: {problem}")


def validity(value: object) -> dt.timedelta | None:
    """Check a validity period: ``None`` or a positive `datetime.timedelta`.

    Raises:
        ArgumentTypeError: Not a timedelta (seconds as a number are refused,
            because providers disagree on the unit).
        InvalidMessage: Zero or negative.
    """
    if value is None:
        return None
    if not isinstance(value, dt.timedelta):
        message = (
            "validity must be a datetime.timedelta, such as "
            f"timedelta(hours=1), not {_type_name(value)}"
        )
        raise ArgumentTypeError(message)
    if value <= dt.timedelta(0):
        raise InvalidMessage(f"validity must be positive, not {value}")
    return value


def moment(name: str, value: object) -> dt.datetime | None:
    """Check a point in time: ``None`` or a timezone-aware datetime, as UTC.

    Raises:
        ArgumentTypeError: Not a `datetime.datetime`.
        InvalidMessage: A naive datetime, whose meaning would depend on the
            machine's time zone.
    """
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        message = f"{name} must be a datetime.datetime, not {_type_name(value)}"
        raise ArgumentTypeError(message)
    if value.utcoffset() is None:
        message = (
            f"{name} must be timezone-aware (such as datetime.now(timezone.utc)), "
            f"not the naive {value.isoformat()}"
        )
        raise InvalidMessage(message)
    return value.astimezone(dt.timezone.utc)
