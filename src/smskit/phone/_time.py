"""The recipient's local time, for quiet-hours rules."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from smskit._exceptions import ConfigurationError

from ._models import PhoneNumber
from ._normalize import parse

__all__ = ["is_quiet_hours", "local_time"]

_DEFAULT_QUIET_START = dt.time(21, 0)
_DEFAULT_QUIET_END = dt.time(8, 0)


def local_time(
    number: str | PhoneNumber,
    at: dt.datetime | None = None,
    *,
    region: str | None = None,
) -> tuple[dt.datetime, ...]:
    """Return the time at the recipient, once for each of its time zones.

    The zones come from phonenumbers: one for most numbers, several where a
    country (or, for mobiles, a whole country such as Russia or Australia)
    spans many zones. Numbers that belong to no place (+800, +882…) have none.

    Args:
        number: The number as typed, or a `PhoneNumber` from `parse`.
        at: The moment to convert, timezone-aware; now if omitted.
        region: The country to read a national number in, as for `parse`.

    Returns:
        ``at`` in each of the number's zones, in phonenumbers' (alphabetical)
        order; empty when no zone is known.

    Raises:
        InvalidPhoneNumber: If ``number`` is not a valid number.
        ValueError: If ``at`` is naive.
        ConfigurationError: If the system's time-zone database lacks a zone
            phonenumbers names (install or update the ``tzdata`` package).
    """
    moment = _aware(at)
    phone = number if isinstance(number, PhoneNumber) else parse(number, region)
    return tuple(moment.astimezone(_zone(name)) for name in phone.time_zones)


def is_quiet_hours(
    number: str | PhoneNumber,
    *,
    start: dt.time = _DEFAULT_QUIET_START,
    end: dt.time = _DEFAULT_QUIET_END,
    at: dt.datetime | None = None,
    region: str | None = None,
    if_unknown: bool = True,
) -> bool:
    """Whether it is quiet hours for the recipient, erring towards quiet.

    A number is in quiet hours if the local time in **any** of its zones is
    within ``[start, end)``: when a number could be in several zones, the
    message waits until it is an acceptable hour in all of them.

    Args:
        number: The number as typed, or a `PhoneNumber` from `parse`.
        start: The local wall-clock time quiet hours begin (default 21:00).
        end: The local wall-clock time they end (default 08:00). The window
            wraps past midnight when ``end`` is earlier than ``start``; it is
            empty when they are equal.
        at: The moment to check, timezone-aware; now if omitted.
        region: The country to read a national number in, as for `parse`.
        if_unknown: The answer when no time zone is known for the number.
            ``True`` (quiet) by default, so unknown means "don't disturb".

    Returns:
        True if the message should wait.

    Raises:
        InvalidPhoneNumber: If ``number`` is not a valid number.
        ValueError: If ``at`` is naive.
        ConfigurationError: If the time-zone database lacks a needed zone.

    Examples:
        >>> import datetime as dt
        >>> noon_utc = dt.datetime(2025, 1, 15, 12, 0, tzinfo=dt.timezone.utc)
        >>> is_quiet_hours("+81 90 1234 5678", at=noon_utc)  # 21:00 in Tokyo
        True
    """
    times = local_time(number, at, region=region)
    if not times:
        return if_unknown
    return any(_within(moment.time(), start, end) for moment in times)


def _aware(at: dt.datetime | None) -> dt.datetime:
    """Default to now, and refuse naive datetimes, whose zone is a guess."""
    if at is None:
        return dt.datetime.now(dt.timezone.utc)
    if at.utcoffset() is None:
        msg = f"at must be timezone-aware, got naive {at!r}"
        raise ValueError(msg)
    return at


def _zone(name: str) -> zoneinfo.ZoneInfo:
    """Load a zone, explaining how to fix a missing time-zone database."""
    try:
        return zoneinfo.ZoneInfo(name)
    except zoneinfo.ZoneInfoNotFoundError:
        msg = (
            f"the time-zone database has no zone {name!r}, which phonenumbers "
            "uses; install or update the tzdata package (pip install -U tzdata)"
        )
        raise ConfigurationError(msg) from None


def _within(moment: dt.time, start: dt.time, end: dt.time) -> bool:
    """Whether a wall-clock time falls in ``[start, end)``, wrapping midnight."""
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end
