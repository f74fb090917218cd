"""Retry policy: how often and how long to wait, as pure functions.

Nothing here sleeps or reads a clock; callers pass ``now`` and a random source,
so every decision is reproducible in tests.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math
import re
from collections.abc import Callable
from typing import Any

import attrs

from smskit import _checks as checks
from smskit._exceptions import ConfigurationError

__all__ = ["RetryPolicy", "parse_retry_after"]


def _number(
    *,
    minimum: float,
    inclusive: bool = False,
    integer: bool = False,
    optional: bool = False,
) -> Callable[[object, attrs.Attribute[Any], Any], None]:
    """An attrs validator: a finite number (or ``None`` when ``optional``)."""

    def validate(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if optional and value is None:
            return
        name = f"RetryPolicy.{attribute.name}"
        checks.number(
            name, value, minimum=minimum, inclusive=inclusive, integer=integer
        )

    return validate


def _jitter_range(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    name = f"RetryPolicy.{attribute.name}"
    checks.number(name, value, minimum=0, inclusive=True)
    if not value < 1:
        raise ConfigurationError(f"{name} must be in [0, 1), not {value!r}")


def _flag(_: object, attribute: attrs.Attribute[bool], value: bool) -> None:
    checks.option_flag(f"RetryPolicy.{attribute.name}", value)


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """When smskit tries a request again, and how long it waits in between.

    smskit retries only what cannot deliver an SMS twice: connection failures
    before the request left, HTTP 429 and providers' "throttled" answers, and
    server errors the provider documents as "not processed". Reads (fetching a
    message, the balance) are also retried on timeouts and 5xx. A send that may
    have reached the provider raises `DeliveryUnknown` instead, unless you opt
    in with ``retry_ambiguous_sends=True`` (and accept possible duplicates).

    Attributes:
        max_attempts: Requests made at most, the first one included.
        initial_backoff: Seconds to wait before the first retry.
        max_backoff: The longest backoff between two attempts, in seconds.
        jitter: Fraction of each backoff that is randomized (0 disables it):
            the wait is ``backoff * uniform(1 - jitter, 1)``.
        deadline: Seconds after the first attempt when no further retry starts
            (``None`` for no deadline).
        max_retry_after: The longest ``Retry-After`` smskit waits out; a
            longer one raises `RateLimited` at once with ``retry_after`` set.
        retry_ambiguous_sends: Also retry sends that may have reached the
            provider (read timeouts, dropped connections, HTTP 500). This can
            deliver the same SMS twice.
    """

    max_attempts: int = attrs.field(
        default=3, validator=_number(minimum=1, inclusive=True, integer=True)
    )
    initial_backoff: float = attrs.field(default=0.5, validator=_number(minimum=0))
    max_backoff: float = attrs.field(default=8.0, validator=_number(minimum=0))
    jitter: float = attrs.field(default=0.25, validator=_jitter_range)
    deadline: float | None = attrs.field(
        default=60.0, validator=_number(minimum=0, optional=True)
    )
    max_retry_after: float = attrs.field(
        default=60.0, validator=_number(minimum=0, inclusive=True)
    )
    retry_ambiguous_sends: bool = attrs.field(default=False, validator=_flag)

    @classmethod
    def never(cls) -> RetryPolicy:
        """A policy that makes exactly one attempt."""
        return cls(max_attempts=1)

    def backoff(self, retry_number: int, random_fraction: float) -> float:
        """Seconds to wait before retry number ``retry_number`` (1 for the first).

        Args:
            retry_number: Which retry this is, starting at 1.
            random_fraction: A number in [0, 1) that drives the jitter.

        Returns:
            ``min(initial * 2**(n-1), max) * (1 - jitter * random_fraction)``.
        """
        # Cap the exponent: 2**1100 overflows a float long before max_backoff
        # would have limited it.
        exponent = min(retry_number - 1, 64)
        base = min(self.initial_backoff * math.pow(2, exponent), self.max_backoff)
        return base * (1 - self.jitter * random_fraction)


_MS_HINT = re.compile(r"\[\s*(\d+)\s*\]")


def parse_retry_after(value: str | None, *, now: dt.datetime) -> float | None:
    """Read a ``Retry-After`` value as seconds from ``now``.

    Accepts delta-seconds (``"120"``, fractions allowed) and HTTP-dates
    (``"Wed, 21 Oct 2026 07:28:00 GMT"``); a date in the past means 0.

    Args:
        value: The header value, or ``None`` when absent.
        now: The current time (timezone-aware).

    Returns:
        Seconds to wait, or ``None`` when absent or unreadable.
    """
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        return _seconds_until_http_date(text, now)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _seconds_until_http_date(text: str, now: dt.datetime) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT even when unmarked
        when = when.replace(tzinfo=dt.timezone.utc)
    return max((when - now).total_seconds(), 0.0)


def parse_millisecond_hint(text: str | None) -> float | None:
    """Read a ``[ N ]`` millisecond wait hint out of an error text, in seconds.

    Vonage answers a throttled send with, e.g., ``"Throughput Rate Exceeded -
    please wait [ 250 ] and retry"``.

    Args:
        text: The provider's error text.

    Returns:
        The hinted wait in seconds, or ``None`` when there is no hint.
    """
    match = _MS_HINT.search(text or "")
    return int(match.group(1)) / 1000 if match else None
