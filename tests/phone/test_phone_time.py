"""local_time and is_quiet_hours: the recipient's clock, erring towards quiet."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from smskit._exceptions import ConfigurationError, InvalidPhoneNumber
from smskit.phone import is_quiet_hours, local_time, parse

UTC = dt.timezone.utc
NOON_UTC = dt.datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
TOKYO_MOBILE = "+81 90 1234 5678"  # UTC+9, no daylight saving
AU_MOBILE = "+61 412 345 678"  # a mobile can be anywhere in Australia


def at_tokyo(hour: int, minute: int = 0) -> dt.datetime:
    """The UTC moment when Tokyo's clock shows hour:minute on 2025-01-15."""
    tokyo = dt.timezone(dt.timedelta(hours=9))
    return dt.datetime(2025, 1, 15, hour, minute, tzinfo=tokyo).astimezone(UTC)


class TestLocalTime:
    def test_one_zone(self) -> None:
        (tokyo,) = local_time(TOKYO_MOBILE, NOON_UTC)

        assert dt.datetime(2025, 1, 15, 21, 0) == tokyo.replace(tzinfo=None)
        assert "Asia/Tokyo" == str(tokyo.tzinfo)
        assert NOON_UTC == tokyo

    def test_several_zones(self) -> None:
        times = local_time(AU_MOBILE, NOON_UTC)
        by_zone = {str(moment.tzinfo): moment.strftime("%H:%M") for moment in times}

        assert "20:00" == by_zone["Australia/Perth"]
        assert "23:00" == by_zone["Australia/Sydney"]

    def test_national_number_with_region(self) -> None:
        (london,) = local_time("020 7946 0958", NOON_UTC, region="GB")

        assert 12 == london.hour

    def test_accepts_a_parsed_number(self) -> None:
        assert local_time(parse(TOKYO_MOBILE), NOON_UTC) == local_time(
            TOKYO_MOBILE, NOON_UTC
        )

    def test_defaults_to_now(self) -> None:
        (tokyo,) = local_time(TOKYO_MOBILE)

        assert abs(dt.datetime.now(UTC) - tokyo) < dt.timedelta(minutes=1)

    def test_non_geographic_number_has_no_zone(self) -> None:
        assert () == local_time("+800 1234 5678", NOON_UTC)

    def test_naive_datetime_is_refused(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            local_time(TOKYO_MOBILE, dt.datetime(2025, 1, 15, 12))

    def test_invalid_number(self) -> None:
        with pytest.raises(InvalidPhoneNumber):
            local_time("12", NOON_UTC)

    def test_zone_missing_from_the_database(self) -> None:
        number = attrs.evolve(parse(TOKYO_MOBILE), time_zones=("Mars/Olympus_Mons",))

        with pytest.raises(ConfigurationError, match="pip install -U tzdata"):
            local_time(number, NOON_UTC)


class TestQuietHours:
    @pytest.mark.parametrize(
        ("hour", "minute", "quiet"),
        [
            pytest.param(20, 59, False, id="before-start"),
            pytest.param(21, 0, True, id="at-start"),
            pytest.param(0, 0, True, id="midnight"),
            pytest.param(7, 59, True, id="before-end"),
            pytest.param(8, 0, False, id="at-end"),
            pytest.param(12, 0, False, id="noon"),
        ],
    )
    def test_default_window_wraps_midnight(
        self, hour: int, minute: int, quiet: bool
    ) -> None:
        assert quiet is is_quiet_hours(TOKYO_MOBILE, at=at_tokyo(hour, minute))

    @pytest.mark.parametrize(
        ("hour", "quiet"),
        [
            pytest.param(11, False, id="before"),
            pytest.param(12, True, id="inside"),
            pytest.param(14, False, id="at-end"),
        ],
    )
    def test_same_day_window(self, hour: int, quiet: bool) -> None:
        assert quiet is is_quiet_hours(
            TOKYO_MOBILE, start=dt.time(12), end=dt.time(14), at=at_tokyo(hour)
        )

    def test_equal_start_and_end_is_never_quiet(self) -> None:
        window = {"start": dt.time(9), "end": dt.time(9)}

        assert not is_quiet_hours(TOKYO_MOBILE, at=at_tokyo(9), **window)
        assert not is_quiet_hours(TOKYO_MOBILE, at=at_tokyo(3), **window)

    def test_any_quiet_zone_makes_the_number_quiet(self) -> None:
        """20:00 in Perth is fine, but 23:00 in Sydney is not: wait."""
        assert is_quiet_hours(AU_MOBILE, at=NOON_UTC)

    def test_all_zones_awake(self) -> None:
        assert not is_quiet_hours(AU_MOBILE, at=dt.datetime(2025, 1, 15, 2, tzinfo=UTC))

    def test_unknown_zone_is_quiet_unless_told_otherwise(self) -> None:
        assert is_quiet_hours("+800 1234 5678", at=NOON_UTC)
        assert not is_quiet_hours("+800 1234 5678", at=NOON_UTC, if_unknown=False)

    def test_region(self) -> None:
        assert not is_quiet_hours("020 7946 0958", region="GB", at=NOON_UTC)
