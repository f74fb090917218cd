"""Fault injection: throttling, outages, 500s and lost answers on sends.

A `FaultPlan` holds the injected rules (`Emulator.inject`, ``POST
/_sandbox/faults``) and decides, once per send, whether one of them hits it.
Every dialect answers a hit as its provider does (`Dialect.fault_answer`);
the two faults that are no answer at all leave the connection: reset before
the request is processed (``connect_error``), or closed without an answer
after the message was accepted (``read_timeout``).

The draws come from one seedable random generator, and each send takes at
most one draw, so a run with the same seed, rules and requests (in the same
order) hits the same sends. The sandbox's magic fault recipients
(``+1500555002x``) hit too, as in the in-process sandbox.
"""

from __future__ import annotations

import logging
import math
import random
import threading
from typing import TYPE_CHECKING, Any

import attrs

from smskit._emulator._http import EmulatorResponse
from smskit._exceptions import ConfigurationError, OptionTypeError
from smskit.providers.sandbox._magic import MAGIC_RECIPIENTS, SandboxFault
from smskit.providers.sandbox._record import is_e164

if TYPE_CHECKING:
    from collections.abc import Collection

    from smskit._emulator._common import Dialect
    from smskit._emulator._http import EmulatorRequest

__all__ = [
    "MAX_LATENCY",
    "MAX_RETRY_AFTER",
    "MAX_TIMES",
    "FaultPlan",
    "FaultRule",
    "SendTarget",
    "fault_rule",
    "retry_after_header",
]

logger = logging.getLogger("smskit.emulator")

MAX_RETRY_AFTER = 3600.0
"""The longest ``retry_after`` of a ``rate_limited`` fault, in seconds."""
MAX_LATENCY = 60.0
"""The longest ``latency`` of a ``latency`` fault, in real seconds."""
MAX_TIMES = 10**9
"""The most sends one rule may hit (``None`` for no limit)."""
# Magic recipients whose fault hits every other send, so a retry succeeds
# (the in-process sandbox does the same).
_ALTERNATING = frozenset({SandboxFault.RATE_LIMITED, SandboxFault.UNAVAILABLE})
# Faults answered before the request is processed: nothing is accepted.
_BEFORE = frozenset(
    {SandboxFault.RATE_LIMITED, SandboxFault.UNAVAILABLE, SandboxFault.CONNECT_ERROR}
)


def retry_after_header(seconds: float) -> tuple[str, str]:
    """A ``Retry-After`` header: whole seconds (HTTP allows no fraction), rounded up."""
    return ("Retry-After", str(math.ceil(seconds)))


@attrs.frozen(kw_only=True)
class SendTarget:
    """Who one send request is for, as far as fault rules care.

    Attributes:
        recipients: Every destination in E.164 (several for a Plivo bulk send).
    """

    recipients: tuple[str, ...]

    @property
    def single(self) -> str | None:
        """The one recipient, or ``None`` for a send to several (a batch)."""
        return self.recipients[0] if len(self.recipients) == 1 else None


@attrs.define(kw_only=True)
class FaultRule:
    """One injected fault: what goes wrong, for which sends, how often.

    Attributes:
        fault: What goes wrong.
        rate: The chance it hits a matching send (1.0: every one).
        times: How many more sends it may hit (``None``: no limit).
        provider: Only sends through this dialect (``None``: all three).
        to: Only single sends to this E.164 number, never a Plivo bulk send.
        retry_after: Seconds of wait a ``rate_limited`` answer asks for.
        latency: Real seconds a ``latency`` answer is held back.
        hits: How many sends it has hit so far.
    """

    fault: SandboxFault
    rate: float = 1.0
    times: int | None = 1
    provider: str | None = None
    to: str | None = None
    retry_after: float = 1.0
    latency: float = 0.0
    hits: int = 0

    def matches(self, provider: str, target: SendTarget) -> bool:
        """Whether this rule could hit a send through ``provider`` to ``target``."""
        if self.times == 0:
            return False
        if self.provider is not None and self.provider != provider:
            return False
        return self.to is None or self.to == target.single

    def to_json(self) -> dict[str, Any]:
        """The rule as the control API lists it."""
        return {
            "fault": self.fault.value,
            "rate": self.rate,
            "times": self.times,
            "provider": self.provider,
            "to": self.to,
            "retry_after": self.retry_after,
            "latency": self.latency,
            "hits": self.hits,
        }


def fault_rule(
    fault: SandboxFault | str,
    *,
    times: int | None = 1,
    rate: float = 1.0,
    to: str | None = None,
    provider: str | None = None,
    retry_after: float = 1.0,
    latency: float = 0.0,
    providers: Collection[str] = ("twilio", "vonage", "plivo"),
) -> FaultRule:
    """A checked `FaultRule` (see `Emulator.inject` for the arguments).

    Raises:
        OptionTypeError: A value has the wrong type.
        ConfigurationError: An unknown fault or provider, a number out of
            range, or a ``to`` that is not E.164.
    """
    try:
        kind = SandboxFault(fault)
    except ValueError:
        known = ", ".join(item.value for item in SandboxFault)
        raise ConfigurationError(f"unknown fault {fault!r}; one of: {known}") from None
    if times is not None:
        if isinstance(times, bool) or not isinstance(times, int):
            raise OptionTypeError("times must be an integer or None")
        if not 1 <= times <= MAX_TIMES:
            raise ConfigurationError(f"times must be from 1 to {MAX_TIMES}: {times}")
    _check_number("rate", rate, 0.0, 1.0, low_inclusive=False)
    _check_number("retry_after", retry_after, 0.0, MAX_RETRY_AFTER)
    _check_number("latency", latency, 0.0, MAX_LATENCY)
    if provider is not None and provider not in providers:
        raise ConfigurationError(
            f"unknown provider {provider!r}; one of: {', '.join(providers)}"
        )
    if to is not None and not _is_e164(to):
        raise ConfigurationError("to must be an E.164 number such as +14155550123")
    return FaultRule(
        fault=kind,
        rate=float(rate),
        times=times,
        provider=provider,
        to=to,
        retry_after=float(retry_after),
        latency=float(latency),
    )


def _is_e164(value: object) -> bool:
    return isinstance(value, str) and is_e164(value)


def _check_number(
    name: str, value: object, low: float, high: float, *, low_inclusive: bool = True
) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise OptionTypeError(f"{name} must be a number, not {type(value).__name__}")
    # Compared before any float(): a huge int would overflow it; NaN fails both.
    above = value >= low if low_inclusive else value > low
    if not (above and value <= high):
        opening = "[" if low_inclusive else "("
        raise ConfigurationError(
            f"{name} must be in {opening}{low:g}, {high:g}]: {value!r}"
        )


class FaultPlan:
    """The injected fault rules and the dice that decide which sends they hit.

    Thread-safe: sends arrive on many connection threads at once.

    Args:
        seed: Seeds the dice; ``None`` seeds them from the system.
    """

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._rng = random.Random(seed)  # noqa: S311 -- fault dice, not secrets
        self._alternate: dict[str, bool] = {}
        self._answers: dict[str, str] = {}

    def add(self, rule: FaultRule, *, seed: int | None = None) -> None:
        """Add ``rule`` after the others; a ``seed`` also reseeds the dice."""
        with self._lock:
            if seed is not None:
                self._rng.seed(seed)
            self._rules.append(rule)

    def clear(self) -> int:
        """Remove every rule; return how many there were."""
        with self._lock:
            count = len(self._rules)
            self._rules.clear()
            self._alternate.clear()
            return count

    def rules(self) -> list[dict[str, Any]]:
        """Every rule, in the order they are tried, with its hits so far."""
        with self._lock:
            return [rule.to_json() for rule in self._rules]

    def answer_fault(self, record_id: str) -> str | None:
        """The fault that replaced the answer to an accepted message, if any."""
        with self._lock:
            return self._answers.get(record_id)

    def draw(self, provider: str, target: SendTarget) -> FaultRule | None:
        """The rule that hits this send, or ``None``.

        One draw decides among every rule that matches: the first one's
        ``rate`` is its share of [0, 1), the next one's follows, and so on,
        so rules with rates 0.05 and 0.02 hit 5 % and 2 % of the sends they
        both match. No rule matching means no draw.
        """
        with self._lock:
            candidates = [r for r in self._rules if r.matches(provider, target)]
            if candidates:
                roll = self._rng.random()
                share = 0.0
                for rule in candidates:
                    share += rule.rate
                    if roll < share:
                        rule.hits += 1
                        if rule.times is not None:
                            rule.times -= 1
                        return rule
            return self._magic(target.single)

    def _magic(self, to: str | None) -> FaultRule | None:
        """The sandbox's magic fault recipients (called with the lock held)."""
        magic = MAGIC_RECIPIENTS.get(to or "")
        if to is None or not isinstance(magic, SandboxFault):
            return None
        if magic in _ALTERNATING:
            hit = not self._alternate.get(to, False)
            self._alternate[to] = hit
            if not hit:
                return None
        return FaultRule(fault=magic, times=None)

    def serve(
        self, dialect: Dialect, request: EmulatorRequest, stopping: threading.Event
    ) -> EmulatorResponse:
        """Answer ``request`` through ``dialect``, unless a fault gets in the way.

        Args:
            dialect: The dialect the request's path belongs to.
            request: The request.
            stopping: Set when the emulator stops (cuts a ``latency`` short).

        Returns:
            The dialect's answer, the fault's answer in the dialect's shape,
            or a response that says to drop the connection.
        """
        target = dialect.send_target(request)
        rule = None if target is None else self.draw(dialect.name, target)
        if rule is None:
            return dialect.handle(request)
        fault = rule.fault
        logger.info("injected fault %s on a %s send", fault.value, dialect.name)
        if fault is SandboxFault.CONNECT_ERROR:
            return EmulatorResponse.dropped(reset=True)
        if fault in _BEFORE:
            return dialect.fault_answer(fault, rule.retry_after)
        answer = dialect.handle(request)
        accepted = dialect.accepted(answer)
        with self._lock:
            for record_id in accepted:
                self._answers[record_id] = fault.value
        if fault is SandboxFault.SERVER_ERROR:
            return dialect.fault_answer(fault, rule.retry_after)
        if fault is SandboxFault.LATENCY:
            stopping.wait(rule.latency)
            return answer
        return EmulatorResponse.dropped(reset=False)  # READ_TIMEOUT
