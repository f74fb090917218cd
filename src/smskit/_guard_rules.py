"""The guard's rules: quiet hours in the recipient's time, and frequency caps.

Both are pure: given a number and a moment they answer without I/O. Quiet
hours read the recipient's time zones from the number (the number metadata's prefix
tables, through `smskit.phone`), compare wall-clock times in each zone, and
err towards quiet: a number in several zones is quiet if any of them is, and
a number with no known zone is quiet unless a fallback zone is configured.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import attrs

from smskit._exceptions import ConfigurationError, OptionTypeError
from smskit._guard_errors import MessageKind
from smskit.phone._normalize import parse

__all__ = [
    "KINDS",
    "FrequencyCap",
    "QuietHours",
    "QuietState",
    "check_unique_names",
    "to_kinds",
]

KINDS: frozenset[MessageKind] = frozenset({"transactional", "marketing"})
"""Every message kind the guard knows."""

# Zones that answer whether a time-zone database is installed at all (it is
# not, by default, on Windows without the tzdata package).
_PROBE_ZONES = ("America/New_York", "Europe/London", "Asia/Tokyo")
# How many window ends `QuietHours.state` follows to find when every zone is
# out of quiet hours; seven whole quiet days in a row would never end.
_MAX_HOPS = 64
_DAY = dt.timedelta(days=1)


def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _require_time_zone_database(fallback_zone: str | None) -> None:
    """Fail at construction, not at the first send, when zones cannot load."""
    missing = [name for name in _PROBE_ZONES if _zone(name) is None]
    if missing:
        message = (
            "QuietHours needs a time-zone database, and this system has none "
            f"(could not load {', '.join(missing)}): pip install tzdata"
        )
        raise ConfigurationError(message)
    if fallback_zone is not None and _zone(fallback_zone) is None:
        message = (
            f"QuietHours fallback_zone={fallback_zone!r} is not a time zone this "
            "system knows (an IANA name such as 'America/New_York'; pip install "
            "-U tzdata for newer zones)"
        )
        raise ConfigurationError(message)


def _check_time(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, dt.time):
        kind = type(value).__name__
        message = f"QuietHours.{attribute.name} must be a datetime.time, not {kind}"
        raise OptionTypeError(message)
    if value.tzinfo is not None:
        message = (
            f"QuietHours.{attribute.name} is a wall-clock time in the recipient's "
            f"own zone, so it takes no tzinfo (got {value.isoformat()})"
        )
        raise ConfigurationError(message)


def _to_days(value: object) -> frozenset[int]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        kind = type(value).__name__
        message = f"QuietHours.days must be weekday numbers 0-6, not {kind}"
        raise OptionTypeError(message)
    days = frozenset(value)
    for day in days:
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
            message = (
                "QuietHours.days holds weekday numbers as datetime.weekday() "
                f"counts them, Monday 0 to Sunday 6; {day!r} is not one"
            )
            raise ConfigurationError(message)
    if not days:
        raise ConfigurationError("QuietHours.days is empty: give at least one day")
    return days


def to_kinds(owner: str, value: object) -> frozenset[MessageKind]:
    """Check a set of message kinds (used by both rules).

    Raises:
        OptionTypeError: ``value`` is a string or not iterable.
        ConfigurationError: An unknown kind, or none at all.
    """
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        kind = type(value).__name__
        message = (
            f"{owner}.kinds must be a set of kinds such as {{'marketing'}}, not {kind}"
        )
        raise OptionTypeError(message)
    kinds = frozenset(value)
    unknown = sorted(repr(kind) for kind in kinds - KINDS)
    if unknown:
        message = (
            f"{owner}.kinds may hold 'transactional' and 'marketing', not "
            f"{', '.join(unknown)}"
        )
        raise ConfigurationError(message)
    if not kinds:
        raise ConfigurationError(f"{owner}.kinds is empty: give at least one kind")
    return kinds


def _quiet_kinds(value: object) -> frozenset[MessageKind]:
    return to_kinds("QuietHours", value)


def _cap_kinds(value: object) -> frozenset[MessageKind]:
    return to_kinds("FrequencyCap", value)


def _check_fallback(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, str):
        kind = type(value).__name__
        message = f"QuietHours.fallback_zone must be a zone name (str), not {kind}"
        raise OptionTypeError(message)


@attrs.frozen(kw_only=True)
class QuietState:
    """Whether a number is in quiet hours at a moment, and until when.

    Attributes:
        quiet: Whether a marketing message would wait.
        until: The first moment (UTC) at which no zone of the number is in
            quiet hours; ``None`` when not quiet, or when it never ends (the
            zone is unknown, or every day is quiet all day).
        zones: The number's zones that are in quiet hours now; empty when
            the zone is unknown.
    """

    quiet: bool
    until: dt.datetime | None = None
    zones: tuple[str, ...] = ()


_NOT_QUIET = QuietState(quiet=False)


@attrs.frozen(kw_only=True)
class QuietHours:
    """Hours in which marketing messages wait, in the recipient's local time.

    The recipient's time zones come from the number. When a number spans
    several zones (a mobile in Russia, Australia or Brazil; some US area
    codes), it is quiet hours when any of them is. When no zone is known
    (numbers for no place, such as +800, or a zone missing from an old
    time-zone database), it counts as quiet, unless ``fallback_zone`` names
    the zone to assume.

    Attributes:
        start: Local wall-clock time quiet hours begin (default 21:00).
        end: Local wall-clock time they end (default 08:00). The window runs
            past midnight when ``end`` is earlier than ``start``; when they are
            equal the window is the whole day.
        days: The weekdays (Monday 0 to Sunday 6) on which a window *begins*:
            with ``days={4}`` (Friday) and 21:00-08:00, Friday 21:00 to
            Saturday 08:00 is quiet. Every day by default.
        kinds: The message kinds held back; ``{"marketing"}`` by default, so
            transactional messages (one-time codes, alerts) go through.
        fallback_zone: The IANA zone to assume when a number's zone is not
            known; ``None`` (the default) counts such numbers as quiet.

    Raises:
        ConfigurationError: A bad day, kind or zone, or no time-zone database
            on this system (install ``tzdata``); raised here, never at send.
        OptionTypeError: An option of the wrong type.
    """

    start: dt.time = attrs.field(default=dt.time(21, 0), validator=_check_time)
    end: dt.time = attrs.field(default=dt.time(8, 0), validator=_check_time)
    days: frozenset[int] = attrs.field(default=frozenset(range(7)), converter=_to_days)
    kinds: frozenset[MessageKind] = attrs.field(
        default=frozenset({"marketing"}), converter=_quiet_kinds
    )
    fallback_zone: str | None = attrs.field(default=None, validator=_check_fallback)

    def __attrs_post_init__(self) -> None:
        _require_time_zone_database(self.fallback_zone)

    def applies_to(self, kind: MessageKind) -> bool:
        """Whether messages of ``kind`` wait in quiet hours."""
        return kind in self.kinds

    def state(self, to: str, at: dt.datetime) -> QuietState:
        """Whether ``to`` is in quiet hours at ``at``, and until when.

        Args:
            to: The recipient, E.164.
            at: The moment, timezone-aware.

        Raises:
            InvalidPhoneNumber: ``to`` is not a valid number.
        """
        at = at.astimezone(dt.timezone.utc)
        zones = self._zones(to)
        if not zones:
            return QuietState(quiet=True)
        ends = self._window_ends(zones, at)
        if not ends:
            return _NOT_QUIET
        return QuietState(
            quiet=True,
            until=self._first_free_moment(zones, max(ends.values())),
            zones=tuple(str(zone) for zone in ends),
        )

    def _zones(self, to: str) -> tuple[zoneinfo.ZoneInfo, ...]:
        names = parse(to).time_zones
        zones = tuple(zone for zone in map(_zone, names) if zone is not None)
        if not zones and self.fallback_zone is not None:
            fallback = _zone(self.fallback_zone)
            return () if fallback is None else (fallback,)
        return zones

    def _window_ends(
        self, zones: tuple[zoneinfo.ZoneInfo, ...], at: dt.datetime
    ) -> dict[zoneinfo.ZoneInfo, dt.datetime]:
        """The zones in quiet hours at ``at``, each with its window's end."""
        ends = {}
        for zone in zones:
            end = self._window_end(zone, at)
            if end is not None:
                ends[zone] = end
        return ends

    def _first_free_moment(
        self, zones: tuple[zoneinfo.ZoneInfo, ...], moment: dt.datetime
    ) -> dt.datetime | None:
        """The first moment from ``moment`` at which no zone is in quiet hours.

        Called with the last end of the windows that were open: a zone whose
        next window has begun by then is caught by the next hop.
        """
        for _ in range(_MAX_HOPS):
            ends = self._window_ends(zones, moment)
            if not ends:
                return moment
            moment = max(ends.values())
        return None

    def _window_end(
        self, zone: zoneinfo.ZoneInfo, at: dt.datetime
    ) -> dt.datetime | None:
        """When the quiet window ``at`` (UTC) falls in ends (UTC), or ``None``.

        Wall-clock arithmetic: a window is from ``start`` on a chosen day to
        ``end`` (the next day when it wraps), compared with the local time as
        shown on a clock, so DST changes move the windows with the clock.
        """
        local = at.astimezone(zone).replace(tzinfo=None)
        wraps = self.end <= self.start
        for begins_on in (local.date(), local.date() - _DAY):
            if begins_on.weekday() not in self.days:
                continue
            start = dt.datetime.combine(begins_on, self.start)
            end = dt.datetime.combine(
                begins_on + _DAY if wraps else begins_on, self.end
            )
            if start <= local < end:
                return _instant(end, zone, after=at)
        return None


def _instant(
    wall: dt.datetime, zone: zoneinfo.ZoneInfo, *, after: dt.datetime
) -> dt.datetime:
    """The UTC instant a wall-clock time in ``zone`` names, later than ``after``.

    A wall time in a DST gap resolves to just after the gap (fold=0 applies
    the offset from before the change). A wall time that occurs twice (the
    hour repeated when clocks go back) is its first occurrence, unless that
    has passed, as when ``after`` is already in the repeated hour.
    """
    first = wall.replace(tzinfo=zone).astimezone(dt.timezone.utc)
    if first > after:
        return first
    return wall.replace(tzinfo=zone, fold=1).astimezone(dt.timezone.utc)


def _check_max(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        kind = type(value).__name__
        raise OptionTypeError(f"FrequencyCap.max_messages must be an int, not {kind}")
    if value < 1:
        message = f"FrequencyCap.max_messages must be at least 1, not {value}"
        raise ConfigurationError(message)


def _check_per(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, dt.timedelta):
        kind = type(value).__name__
        raise OptionTypeError(
            f"FrequencyCap.per must be a datetime.timedelta, not {kind}"
        )
    if value < dt.timedelta(milliseconds=1):
        message = f"FrequencyCap.per must be at least a millisecond, not {value}"
        raise ConfigurationError(message)


@attrs.frozen(kw_only=True)
class FrequencyCap:
    """At most ``max_messages`` to one recipient in any window of ``per``.

    The window slides: a message counts until ``per`` has passed since it
    was sent. Messages are counted when the guard admits them and
    uncounted if the send then fails with nothing sent.

    Attributes:
        max_messages: How many messages one recipient may get per window.
        per: The window, such as ``timedelta(days=1)``.
        kinds: The kinds counted and limited; both by default, so a loop
            that sends one person a hundred codes is stopped too.

    Raises:
        ConfigurationError: A limit below 1, a window under a millisecond,
            or an unknown kind.
        OptionTypeError: An option of the wrong type.
    """

    max_messages: int = attrs.field(validator=_check_max)
    per: dt.timedelta = attrs.field(validator=_check_per)
    kinds: frozenset[MessageKind] = attrs.field(default=KINDS, converter=_cap_kinds)

    @property
    def name(self) -> str:
        """The name of this cap's counters in a store: its window and kinds.

        The limit is not part of it, so raising or lowering ``max_messages``
        keeps the messages already counted.
        """
        millis = self.per // dt.timedelta(milliseconds=1)
        return f"{millis}ms:{'+'.join(sorted(self.kinds))}"

    def applies_to(self, kind: MessageKind) -> bool:
        """Whether messages of ``kind`` count towards this cap."""
        return kind in self.kinds


def check_unique_names(caps: tuple[FrequencyCap, ...]) -> None:
    """Refuse two caps that would share counters.

    Raises:
        ConfigurationError: Two caps have the same window and kinds.
    """
    seen: set[str] = set()
    for cap in caps:
        if cap.name in seen:
            message = (
                f"two frequency caps count the same window and kinds ({cap.per}, "
                f"{sorted(cap.kinds)}); keep the stricter one"
            )
            raise ConfigurationError(message)
        seen.add(cap.name)
