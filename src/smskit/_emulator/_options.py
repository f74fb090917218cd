"""Checks of the emulator's options, so one that could never work fails at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smskit._emulator._common import url_problem
from smskit._exceptions import ConfigurationError, OptionTypeError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["MAX_SPEED", "check_options", "checked_inbound_urls"]

MAX_SPEED = 1_000_000.0
"""The fastest sandbox clock: a million sandbox seconds per real second."""
_LONGEST = 24 * 3600.0  # the longest tick or timeout anyone could mean: a day


def checked_inbound_urls(urls: Mapping[str, str]) -> dict[str, str]:
    """The inbound URLs, each one a URL a webhook can be sent to.

    Args:
        urls: Per provider, where its inbound-SMS webhooks go.

    Returns:
        A copy of ``urls``.

    Raises:
        ConfigurationError: A provider is unknown or a URL is unusable.
    """
    for provider, url in urls.items():
        if provider not in {"twilio", "vonage", "plivo"}:
            raise ConfigurationError(f"no provider {provider!r} for an inbound URL")
        problem = url_problem(url)
        if problem is not None:
            raise ConfigurationError(f"the {provider} inbound URL {problem}")
    return dict(urls)


def check_options(
    *,
    port: object,
    speed: object,
    tick: object,
    webhook_timeout: object,
    request_timeout: object,
    max_connections: object,
) -> None:
    """Refuse emulator options that could never work.

    Raises:
        OptionTypeError: An option is not a number (or not an integer).
        ConfigurationError: An option is out of range.
    """
    _check_integer("port", port, 0, 65535)
    _check_integer("max_connections", max_connections, 1, None)
    _check_positive("speed", speed, MAX_SPEED)
    _check_positive("tick", tick, _LONGEST)
    _check_positive("webhook_timeout", webhook_timeout, _LONGEST)
    _check_positive("request_timeout", request_timeout, _LONGEST)


def _check_integer(name: str, value: object, low: int, high: int | None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise OptionTypeError(f"{name} must be an integer, not {type(value).__name__}")
    if value < low or (high is not None and value > high):
        bounds = f">= {low}" if high is None else f"from {low} to {high}"
        raise ConfigurationError(f"{name} must be {bounds}: {value}")


def _check_positive(name: str, value: object, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise OptionTypeError(f"{name} must be a number, not {type(value).__name__}")
    # Compared before any float(): a huge int would overflow it; NaN fails both.
    if not (value > 0 and value <= high):
        raise ConfigurationError(f"{name} must be > 0 and at most {high:g}: {value}")
