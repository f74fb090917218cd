"""The one type check every public encoding function applies to its text."""

from __future__ import annotations

from smskit._exceptions import ArgumentTypeError

__all__ = ["require_text"]


def require_text(value: object, expected: str = "a str") -> None:
    """Raise :exc:`~smskit.ArgumentTypeError` unless ``value`` is a ``str``.

    The message names the type only, never the value: the value is usually a
    message body, which stays out of exception text.

    Args:
        value: The argument.
        expected: What was expected, for the message.

    Raises:
        ArgumentTypeError: ``value`` is not a ``str`` (subclasses are fine).
    """
    if isinstance(value, str):
        return
    message = f"text must be {expected}, not {type(value).__name__}"
    if isinstance(value, (bytes, bytearray, memoryview)):
        message += "; decode it first, such as data.decode('utf-8')"
    # Raised while handling the AttributeError or TypeError that gave the
    # non-str away (see analyze()); that error says nothing more.
    raise ArgumentTypeError(message) from None
