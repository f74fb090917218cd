"""Retry policy: how often and how long to wait, as pure functions.

Nothing here sleeps, reads a clock or draws random numbers; callers pass the
random fraction, so every decision is reproducible in tests. Reading a
provider's ``Retry-After`` is the providers' business
(`smskit.providers._common.parse_retry_after`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import attrs

from smskit import _checks as checks
from smskit._exceptions import ConfigurationError

__all__ = ["RetryPolicy"]


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
