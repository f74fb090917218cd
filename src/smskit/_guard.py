"""The compliance guard: opt-outs, quiet hours and frequency caps before a send.

The guard is opt-in and sits in front of the provider. Its surface is made
for a client to call around each send:

* `Guard.check` reads and answers with a `GuardDecision` (for ``preview``);
  it never counts and never raises a refusal.
* `Guard.reserve` decides and counts in one atomic step, raising `Refused`
  before anything reaches the provider; it returns a `Reservation`.
* `Guard.release` uncounts a reservation whose send failed with nothing sent.
* `Guard.observe` feeds opt-outs and opt-ins from inbound STOP/START messages
  and from the provider's `OptedOut` errors.

Why reserve-then-release, not check-then-count: counting after the send
leaves a gap in which two threads (or hosts) both see room for one more and
both send, so the cap would not hold. Counting at the moment of the decision
closes that gap, and releasing the reservation when the send failed before
reaching the provider means a failed send does not use up the cap. A send
whose fate is unknown (`DeliveryUnknown`) keeps its reservation: it may have
been delivered, and the cap errs towards fewer messages.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal

import attrs

from smskit import _checks as checks
from smskit import _fields
from smskit._exceptions import (
    ArgumentTypeError,
    ConfigurationError,
    InvalidMessage,
    InvalidPhoneNumber,
    OptedOut,
)
from smskit._guard_errors import (
    FrequencyCapReached,
    GuardUnavailable,
    MessageKind,
    QuietHoursRefusal,
    RecipientOptedOut,
    RefusalReason,
    Refused,
)
from smskit._guard_rules import (
    KINDS,
    FrequencyCap,
    QuietHours,
    QuietState,
    check_unique_names,
)
from smskit._guard_stores import GuardStore, MemoryGuardStore, Usage, Window
from smskit._models import InboundMessage, StatusEvent
from smskit._redact import mask_phone
from smskit.phone._normalize import to_e164

if TYPE_CHECKING:
    from smskit._guard_stores import Admission

__all__ = ["CapUsage", "Guard", "GuardDecision", "Observed", "Reservation"]

logger = logging.getLogger("smskit.guard")

Observed = Literal["opted_out", "opted_in"]
"""What `Guard.observe` recorded."""

_STORE_METHODS = ("admit", "aadmit", "release", "usage", "record_opt")


def _utc(seconds: float | None) -> dt.datetime | None:
    if seconds is None:
        return None
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc)


@attrs.frozen(kw_only=True)
class CapUsage:
    """How full one frequency cap is for a recipient.

    Attributes:
        cap: The cap.
        used: Messages counted in its window now.
        until: When it has room again, if it is full.
    """

    cap: FrequencyCap
    used: int
    until: dt.datetime | None = None

    @property
    def full(self) -> bool:
        """Whether one more message would go over the cap."""
        return self.used >= self.cap.max_messages


@attrs.frozen(kw_only=True)
class GuardDecision:
    """What the guard would say about one send, without counting it.

    Attributes:
        to: The recipient (E.164).
        kind: The message's kind.
        at: The moment decided for (UTC).
        opted_out_since: When the recipient opted out, if they have; `None`
            if they have not.
        opted_out: Whether the recipient has opted out.
        quiet: The recipient's quiet-hours state; not quiet when quiet hours
            do not apply to this kind.
        caps: Each frequency cap that applies to this kind, with its count.
    """

    to: str = attrs.field(repr=_fields.number_repr)
    kind: MessageKind
    at: dt.datetime
    opted_out_since: dt.datetime | None
    opted_out: bool
    quiet: QuietState
    caps: tuple[CapUsage, ...]

    @property
    def allowed(self) -> bool:
        """Whether the send would go through now."""
        return self.reason is None

    @property
    def reason(self) -> RefusalReason | None:
        """Why the send would be refused (the first of the reasons), or `None`."""
        if self.opted_out:
            return "opted_out"
        if self.quiet.quiet:
            return "quiet_hours"
        if any(usage.full for usage in self.caps):
            return "frequency_cap"
        return None

    def refusal(self) -> Refused | None:
        """The error `Guard.reserve` would raise now, or `None`."""
        if self.opted_out:
            return RecipientOptedOut(
                to=self.to, kind=self.kind, since=self.opted_out_since
            )
        if self.quiet.quiet:
            return _quiet_refusal(self.to, self.kind, self.quiet)
        for usage in self.caps:
            if usage.full and usage.until is not None:
                return _cap_refusal(self.to, self.kind, usage.cap, usage.until)
        return None


@attrs.frozen(kw_only=True)
class Reservation:
    """A send the guard admitted and counted.

    Hand it back to `Guard.release` if the send then fails with nothing
    sent, so it does not use up the recipient's frequency cap.

    Attributes:
        to: The recipient (E.164).
        kind: The message's kind.
        at: When it was admitted (UTC).
        token: The reservation's unique id in the store.
        counted: The names of the caps it was counted in.
    """

    to: str = attrs.field(repr=_fields.number_repr)
    kind: MessageKind
    at: dt.datetime
    token: str = attrs.field(repr=False)
    counted: tuple[str, ...] = ()


def _quiet_refusal(to: str, kind: MessageKind, quiet: QuietState) -> QuietHoursRefusal:
    return QuietHoursRefusal(to=to, kind=kind, until=quiet.until, zones=quiet.zones)


def _cap_refusal(
    to: str, kind: MessageKind, cap: FrequencyCap, until: dt.datetime
) -> FrequencyCapReached:
    return FrequencyCapReached(
        to=to, kind=kind, until=until, max_messages=cap.max_messages, per=cap.per
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _check_kind(name: str, value: object) -> MessageKind:
    if not isinstance(value, str):
        kind = type(value).__name__
        raise ArgumentTypeError(f"{name} must be a str, not {kind}")
    if value not in KINDS:
        message = (
            f"{name} must be 'transactional' or 'marketing', not {checks.quote(value)}"
        )
        raise InvalidMessage(message)
    return value


def _caps(value: object) -> tuple[FrequencyCap, ...]:
    if value is None:
        return ()
    caps = (value,) if isinstance(value, FrequencyCap) else value
    if not isinstance(caps, Sequence) or isinstance(caps, str):
        kind = type(value).__name__
        message = f"Guard frequency_caps must be FrequencyCap(s), not {kind}"
        raise ConfigurationError(message)
    for cap in caps:
        checks.instance("Guard frequency_caps item", cap, FrequencyCap)
    result = tuple(caps)
    check_unique_names(result)
    return result


def _check_store(store: object) -> None:
    missing = [
        name for name in _STORE_METHODS if not callable(getattr(store, name, None))
    ]
    if missing:
        kind = type(store).__name__
        message = (
            f"Guard store= must be a MemoryGuardStore, a RedisGuardStore or "
            f"another guard store, not {kind} (it has no {', '.join(missing)})"
        )
        raise ConfigurationError(message)


class Guard:
    """Refuse sends that would break opt-outs, quiet hours or frequency caps.

    Args:
        store: Where opt-outs and counts live: `MemoryGuardStore` (the
            default, this process only) or `RedisGuardStore` (shared).
        quiet_hours: When marketing messages wait, in the recipient's local
            time; ``None`` for no quiet hours.
        frequency_caps: One `FrequencyCap` or several (all must allow a send).
        default_kind: The kind of a send that does not say. ``"marketing"``
            by default, so a forgotten ``kind=`` errs towards the recipient;
            set ``"transactional"`` for a client that mostly sends codes.
        clock: The current time, timezone-aware (injectable for tests).

    Raises:
        ConfigurationError: A bad option, or two caps with the same window
            and kinds.
        OptionTypeError: An option of the wrong type.
    """

    def __init__(
        self,
        *,
        store: GuardStore | None = None,
        quiet_hours: QuietHours | None = None,
        frequency_caps: FrequencyCap | Sequence[FrequencyCap] | None = None,
        default_kind: MessageKind = "marketing",
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        if store is not None:
            _check_store(store)
        if quiet_hours is not None:
            checks.instance("Guard quiet_hours", quiet_hours, QuietHours)
        if not callable(clock):
            raise ConfigurationError("Guard clock= must be callable")
        self._store: GuardStore = store if store is not None else MemoryGuardStore()
        self._quiet_hours = quiet_hours
        self._caps = _caps(frequency_caps)
        # Per kind, the caps that count it and their store windows, made once.
        self._caps_for = {
            kind: (
                tuple(cap for cap in self._caps if cap.applies_to(kind)),
                tuple(_window(cap) for cap in self._caps if cap.applies_to(kind)),
            )
            for kind in KINDS
        }
        self._default_kind = _check_kind("Guard default_kind", default_kind)
        self._clock = clock

    def __repr__(self) -> str:
        quiet = "on" if self._quiet_hours is not None else "off"
        return (
            f"<Guard store={self._store!r} quiet_hours={quiet} "
            f"caps={len(self._caps)} default_kind={self._default_kind!r}>"
        )

    @property
    def store(self) -> GuardStore:
        """Where opt-outs and counts live."""
        return self._store

    @property
    def quiet_hours(self) -> QuietHours | None:
        """The quiet hours, if any."""
        return self._quiet_hours

    @property
    def frequency_caps(self) -> tuple[FrequencyCap, ...]:
        """The frequency caps."""
        return self._caps

    @property
    def default_kind(self) -> MessageKind:
        """The kind of a send that does not say."""
        return self._default_kind

    # -- before a send -----------------------------------------------------------

    def check(
        self,
        to: str,
        *,
        kind: MessageKind | None = None,
        now: dt.datetime | None = None,
    ) -> GuardDecision:
        """What the guard would decide for a send now, without counting it.

        For previews: it raises no refusal (see `GuardDecision.refusal`), and
        another send may take the last place in a cap before yours does.

        Args:
            to: The recipient, E.164.
            kind: ``"transactional"`` or ``"marketing"``; the guard's
                ``default_kind`` if omitted.
            now: The moment to decide for (timezone-aware); the clock's now.

        Raises:
            InvalidPhoneNumber: ``to`` is not a valid number.
            InvalidMessage: An unknown ``kind`` or a naive ``now``.
            GuardUnavailable: The store failed.
        """
        ask = self._ask(to, kind, now)
        since, usages = self._store.usage(ask.to, ask.windows, now=ask.seconds)
        return self._decision(ask, since, usages)

    async def acheck(
        self,
        to: str,
        *,
        kind: MessageKind | None = None,
        now: dt.datetime | None = None,
    ) -> GuardDecision:
        """Async `check`."""
        ask = self._ask(to, kind, now)
        since, usages = await self._store.ausage(ask.to, ask.windows, now=ask.seconds)
        return self._decision(ask, since, usages)

    def reserve(
        self,
        to: str,
        *,
        kind: MessageKind | None = None,
        now: dt.datetime | None = None,
    ) -> Reservation:
        """Admit a send and count it, or refuse it, in one atomic step.

        Call it just before the request; `release` the reservation if the
        send then fails with nothing sent.

        Args:
            to: The recipient, E.164.
            kind: ``"transactional"`` or ``"marketing"``; the guard's
                ``default_kind`` if omitted.
            now: The moment (timezone-aware); the clock's now if omitted.

        Returns:
            The reservation, counted in every cap that applies to ``kind``.

        Raises:
            RecipientOptedOut: The recipient opted out.
            QuietHoursRefusal: A kind held back in quiet hours, in them.
            FrequencyCapReached: A cap is full for this recipient.
            InvalidPhoneNumber: ``to`` is not a valid number.
            InvalidMessage: An unknown ``kind`` or a naive ``now``.
            GuardUnavailable: The store failed; nothing was counted.
        """
        ask = self._ask(to, kind, now)
        if ask.quiet.quiet:
            # Refused whatever the store says; it only tells which reason wins.
            since = self._store.opted_out_since(ask.to)
            raise self._quiet_or_opted_out(ask, since)
        admission = self._store.admit(
            ask.to, ask.windows, now=ask.seconds, token=ask.token, check_opt_out=True
        )
        return self._admitted(ask, admission)

    async def areserve(
        self,
        to: str,
        *,
        kind: MessageKind | None = None,
        now: dt.datetime | None = None,
    ) -> Reservation:
        """Async `reserve`."""
        ask = self._ask(to, kind, now)
        if ask.quiet.quiet:
            since = await self._store.aopted_out_since(ask.to)
            raise self._quiet_or_opted_out(ask, since)
        admission = await self._store.aadmit(
            ask.to, ask.windows, now=ask.seconds, token=ask.token, check_opt_out=True
        )
        return self._admitted(ask, admission)

    # -- after a send --------------------------------------------------------------

    def release(self, reservation: Reservation) -> None:
        """Uncount a reservation whose send failed with nothing sent.

        Call it for errors raised before the provider accepted the message
        (a refusal by the provider, a connection never made); keep the
        reservation for `DeliveryUnknown`, whose message may have gone out.
        Never raises for a store failure, as it runs on an error path whose
        own error matters more: it logs a warning, and the send stays counted
        until its window passes, which errs towards fewer messages.
        """
        checks.instance("Guard.release reservation", reservation, Reservation)
        if not reservation.counted:
            return
        try:
            self._store.release(
                reservation.to, reservation.counted, token=reservation.token
            )
        except GuardUnavailable as error:
            _log_release_failure(reservation, error)

    async def arelease(self, reservation: Reservation) -> None:
        """Async `release`."""
        checks.instance("Guard.release reservation", reservation, Reservation)
        if not reservation.counted:
            return
        try:
            await self._store.arelease(
                reservation.to, reservation.counted, token=reservation.token
            )
        except GuardUnavailable as error:
            _log_release_failure(reservation, error)

    # -- feeding the opt-out list ----------------------------------------------------

    def observe(self, item: object) -> Observed | None:
        """Learn an opt-out or opt-in from an inbound message or an error.

        Pass every item `parse_webhook` returns, and every `OptedOut` a send
        raised: an inbound STOP (or another opt-out keyword) opts its sender
        out, START opts them back in, and an `OptedOut` error opts out its
        ``to``. Anything else (status events, other messages and errors, a
        part of a long message, a sender that is no phone number) is ignored.
        An event older than the one already recorded for the number (a
        webhook delivered late) does not overwrite it.

        Returns:
            What was recorded, or ``None`` when nothing was.

        Raises:
            GuardUnavailable: The store failed; nothing was recorded (answer
                the webhook with an error so the provider delivers it again).
        """
        event = self._event_of(item)
        if event is None:
            return None
        number, observed, at = event
        written = self._store.record_opt(
            number, opted_out=observed == "opted_out", at=at.timestamp()
        )
        return observed if written else None

    async def aobserve(self, item: object) -> Observed | None:
        """Async `observe`."""
        event = self._event_of(item)
        if event is None:
            return None
        number, observed, at = event
        written = await self._store.arecord_opt(
            number, opted_out=observed == "opted_out", at=at.timestamp()
        )
        return observed if written else None

    def opt_out(self, to: str, *, at: dt.datetime | None = None) -> bool:
        """Record that ``to`` opted out (by a form, a call, a support ticket).

        Returns:
            False if a newer opt-in or opt-out was already recorded.

        Raises:
            InvalidPhoneNumber: ``to`` is not a valid number.
            GuardUnavailable: The store failed.
        """
        number, moment = self._number_at(to, at)
        return self._store.record_opt(number, opted_out=True, at=moment.timestamp())

    def opt_in(self, to: str, *, at: dt.datetime | None = None) -> bool:
        """Record that ``to`` opted back in.

        Returns:
            False if a newer opt-in or opt-out was already recorded.

        Raises:
            InvalidPhoneNumber: ``to`` is not a valid number.
            GuardUnavailable: The store failed.
        """
        number, moment = self._number_at(to, at)
        return self._store.record_opt(number, opted_out=False, at=moment.timestamp())

    async def aopt_out(self, to: str, *, at: dt.datetime | None = None) -> bool:
        """Async `opt_out`."""
        number, moment = self._number_at(to, at)
        return await self._store.arecord_opt(
            number, opted_out=True, at=moment.timestamp()
        )

    async def aopt_in(self, to: str, *, at: dt.datetime | None = None) -> bool:
        """Async `opt_in`."""
        number, moment = self._number_at(to, at)
        return await self._store.arecord_opt(
            number, opted_out=False, at=moment.timestamp()
        )

    # -- the pure parts ------------------------------------------------------------

    def _ask(self, to: object, kind: object, now: object) -> _Ask:
        number = _recipient(to)
        chosen = self._default_kind if kind is None else _check_kind("kind", kind)
        moment = checks.moment("now", now) or self._now()
        quiet = (
            self._quiet_hours.state(number, moment)
            if self._quiet_hours is not None and self._quiet_hours.applies_to(chosen)
            else QuietState(quiet=False)
        )
        caps, windows = self._caps_for[chosen]
        return _Ask(
            to=number, kind=chosen, at=moment, quiet=quiet, caps=caps, windows=windows
        )

    def _now(self) -> dt.datetime:
        moment = checks.moment("Guard clock()", self._clock())
        if moment is None:
            raise ConfigurationError("Guard clock() returned None, not a datetime")
        return moment

    def _decision(
        self, ask: _Ask, since: float | None, usages: tuple[Usage, ...]
    ) -> GuardDecision:
        return GuardDecision(
            to=ask.to,
            kind=ask.kind,
            at=ask.at,
            opted_out_since=_utc(since),
            opted_out=since is not None,
            quiet=ask.quiet,
            caps=tuple(
                CapUsage(cap=cap, used=usage.used, until=_utc(usage.until))
                for cap, usage in zip(ask.caps, usages, strict=True)
            ),
        )

    def _quiet_or_opted_out(self, ask: _Ask, since: float | None) -> Refused:
        if since is not None:
            return RecipientOptedOut(to=ask.to, kind=ask.kind, since=_utc(since))
        return _quiet_refusal(ask.to, ask.kind, ask.quiet)

    def _admitted(self, ask: _Ask, admission: Admission) -> Reservation:
        if admission.opted_out_since is not None:
            raise RecipientOptedOut(
                to=ask.to, kind=ask.kind, since=_utc(admission.opted_out_since)
            )
        if not admission.admitted:
            cap = ask.caps[admission.full or 0]
            until = _utc(admission.until) or ask.at + cap.per
            raise _cap_refusal(ask.to, ask.kind, cap, until)
        return Reservation(
            to=ask.to,
            kind=ask.kind,
            at=ask.at,
            token=ask.token,
            counted=tuple(window.name for window in ask.windows),
        )

    def _event_of(self, item: object) -> tuple[str, Observed, dt.datetime] | None:
        if isinstance(item, OptedOut):
            number = _phone_or_none(item.to)
            return None if number is None else (number, "opted_out", self._now())
        if isinstance(item, InboundMessage) and not item.is_part:
            intent = item.intent
            number = _phone_or_none(item.sender)
            if number is None or intent not in ("opt_out", "opt_in"):
                return None
            observed: Observed = "opted_out" if intent == "opt_out" else "opted_in"
            return number, observed, item.received_at or self._now()
        if isinstance(item, (InboundMessage, StatusEvent, BaseException)):
            return None
        kind = type(item).__name__
        message = (
            "Guard.observe takes an InboundMessage, a StatusEvent or an error, "
            f"not {kind}"
        )
        raise ArgumentTypeError(message)

    def _number_at(self, to: object, at: object) -> tuple[str, dt.datetime]:
        return _recipient(to), checks.moment("at", at) or self._now()


@attrs.frozen(kw_only=True)
class _Ask:
    """One send being decided: everything known before asking the store."""

    to: str
    kind: MessageKind
    at: dt.datetime
    quiet: QuietState
    caps: tuple[FrequencyCap, ...]
    windows: tuple[Window, ...]
    token: str = attrs.field(factory=lambda: secrets.token_hex(16))

    @property
    def seconds(self) -> float:
        return self.at.timestamp()


def _window(cap: FrequencyCap) -> Window:
    return Window(
        name=cap.name, limit=cap.max_messages, seconds=cap.per.total_seconds()
    )


def _recipient(to: object) -> str:
    if not isinstance(to, str):
        raise ArgumentTypeError(f"to must be a str, not {type(to).__name__}")
    return to_e164(to)


def _phone_or_none(number: str | None) -> str | None:
    if number is None:
        return None
    try:
        return to_e164(number)
    except InvalidPhoneNumber:
        return None


def _log_release_failure(reservation: Reservation, error: GuardUnavailable) -> None:
    logger.warning(
        "could not release a guard reservation for %s (%s); it stays counted "
        "until its frequency-cap window passes",
        mask_phone(reservation.to),
        type(error.__cause__ or error).__name__,
    )
