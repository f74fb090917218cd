"""The compliance guard with its in-memory store: opt-outs, quiet hours, caps.

Times are fixed UTC instants chosen against the recipients' zones (New York
is UTC-5 in winter, UTC-4 in summer), so every expectation is computed by
hand, and the DST tests use the real 2025 changes of America/New_York.
"""

from __future__ import annotations

import datetime as dt
import logging
import pickle
import threading
import zoneinfo
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

import smskit
from smskit import _guard_rules
from smskit._guard import Guard, GuardDecision, Reservation
from smskit._guard_errors import (
    FrequencyCapReached,
    GuardUnavailable,
    QuietHoursRefusal,
    RecipientOptedOut,
    Refused,
)
from smskit._guard_rules import FrequencyCap, QuietHours
from smskit._guard_stores import MemoryGuardStore, Window
from smskit._models import InboundMessage, StatusEvent
from smskit._status import Status
from smskit.providers import WebhookRequest

UTC = dt.timezone.utc
NEW_YORK = "+12125550123"  # America/New_York only
TOKYO = "+819012345678"  # Asia/Tokyo only
AUSTRALIA = "+61412345678"  # a mobile: every Australian zone
FREEPHONE = "+80012345678"  # international freephone: no zone at all
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def at(*parts: int) -> dt.datetime:
    """A UTC instant: at(2025, 1, 15, 3) is 2025-01-15 03:00 UTC."""
    return dt.datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


class Clock:
    """A settable clock for the guard."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, delta: dt.timedelta) -> None:
        self.now += delta


def inbound(body: str, sender: str = NEW_YORK, **fields: Any) -> InboundMessage:
    fields.setdefault("received_at", at(2025, 1, 15, 12))
    return InboundMessage(
        id="SM1", provider="test", sender=sender, to="+14155550100", body=body, **fields
    )


def opted_out(to: str | None = NEW_YORK) -> smskit.OptedOut:
    return smskit.OptedOut(
        "the recipient opted out", provider="twilio", to=to, provider_code="21610"
    )


# -- opt-outs --------------------------------------------------------------------


def test_an_inbound_stop_opts_out_every_kind_and_start_opts_back_in() -> None:
    guard = Guard(clock=Clock(at(2025, 1, 15, 13)))
    assert "opted_out" == guard.observe(inbound(" Stop! "))
    for kind in ("transactional", "marketing"):
        with pytest.raises(RecipientOptedOut) as caught:
            guard.reserve(NEW_YORK, kind=kind)
        assert (NEW_YORK, kind, "opted_out") == (
            caught.value.to,
            caught.value.kind,
            caught.value.reason,
        )
        assert at(2025, 1, 15, 12) == caught.value.since
        assert caught.value.until is None
    assert "opted_in" == guard.observe(
        inbound("start", received_at=at(2025, 1, 15, 13))
    )
    assert NEW_YORK == guard.reserve(NEW_YORK).to


@pytest.mark.parametrize(
    "body", ["stop sending me these", "STOP STOP", "help", "Hello", ""]
)
def test_other_messages_change_nothing(body: str) -> None:
    guard = Guard()
    assert guard.observe(inbound(body)) is None
    assert not guard.check(NEW_YORK).opted_out


def test_a_part_of_a_long_message_is_not_a_keyword() -> None:
    guard = Guard()
    part = inbound("STOP", part_ref="ab", part_count=2, part_number=1)
    assert guard.observe(part) is None
    assert not guard.check(NEW_YORK).opted_out


def test_a_sender_that_is_no_phone_number_is_ignored() -> None:
    guard = Guard()
    assert guard.observe(inbound("STOP", sender="ACME")) is None


def test_a_providers_opted_out_error_opts_the_recipient_out() -> None:
    clock = Clock(at(2025, 1, 15, 12))
    guard = Guard(clock=clock)
    assert "opted_out" == guard.observe(opted_out())
    decision = guard.check(NEW_YORK, kind="transactional")
    assert (True, clock.now, "opted_out") == (
        decision.opted_out,
        decision.opted_out_since,
        decision.reason,
    )
    # Without a recipient there is nobody to record.
    assert guard.observe(opted_out(None)) is None


def test_status_events_and_other_errors_are_ignored_other_objects_refused() -> None:
    guard = Guard()
    event = StatusEvent(
        message_id="SM1", provider="twilio", status=Status.DELIVERED, to=NEW_YORK
    )
    assert guard.observe(event) is None
    assert guard.observe(ValueError("no")) is None
    with pytest.raises(smskit.ArgumentTypeError, match="InboundMessage"):
        guard.observe("STOP")


def test_a_late_webhook_never_overwrites_a_newer_event() -> None:
    """A STOP redelivered after the START that followed it stays undone."""
    guard = Guard()
    stop = inbound("STOP", received_at=at(2025, 1, 15, 12))
    start = inbound("START", received_at=at(2025, 1, 15, 13))
    assert "opted_out" == guard.observe(stop)
    assert "opted_in" == guard.observe(start)
    assert guard.observe(stop) is None
    assert not guard.check(NEW_YORK, kind="transactional").opted_out


def test_opt_out_and_in_by_hand_normalize_the_number() -> None:
    clock = Clock(at(2025, 1, 15, 12))
    guard = Guard(clock=clock)
    assert guard.opt_out("+1 (212) 555-0123")
    assert guard.check(NEW_YORK).opted_out
    assert not guard.opt_in(NEW_YORK, at=clock.now - HOUR)  # older than the opt-out
    assert guard.check(NEW_YORK).opted_out
    assert guard.opt_in(NEW_YORK)
    assert not guard.check(NEW_YORK).opted_out


def test_inbound_stop_through_a_providers_webhook_parser() -> None:
    """What a webhook endpoint does: parse the request, observe every item."""
    twilio = smskit.providers.Twilio(account_sid="AC" + "0" * 32, auth_token="t")
    form = {
        "MessageSid": "SM" + "1" * 32,
        "AccountSid": "AC" + "0" * 32,
        "From": NEW_YORK,
        "To": "+14155550100",
        "Body": "Unsubscribe",
        "NumSegments": "1",
    }
    request = WebhookRequest(
        method="POST",
        url="https://hooks.example.com/sms",
        headers={"content-type": "application/x-www-form-urlencoded"},
        body=urlencode(form).encode(),
    )
    guard = Guard()
    assert ["opted_out"] == [guard.observe(i) for i in twilio.parse_webhook(request)]
    with pytest.raises(RecipientOptedOut):
        guard.reserve(NEW_YORK, kind="transactional")


# -- quiet hours -----------------------------------------------------------------


def quiet_guard(**options: Any) -> Guard:
    return Guard(quiet_hours=QuietHours(**options))


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (at(2025, 1, 15, 1, 59), False),  # 20:59 in New York
        (at(2025, 1, 15, 2, 0), True),  # 21:00
        (at(2025, 1, 15, 5, 0), True),  # midnight
        (at(2025, 1, 15, 12, 59), True),  # 07:59
        (at(2025, 1, 15, 13, 0), False),  # 08:00
    ],
)
def test_quiet_hours_run_past_midnight(moment: dt.datetime, quiet: bool) -> None:
    decision = quiet_guard().check(NEW_YORK, kind="marketing", now=moment)
    assert quiet == decision.quiet.quiet
    assert (not quiet) == decision.allowed


def test_a_refusal_says_until_when_and_where() -> None:
    guard = quiet_guard()
    with pytest.raises(QuietHoursRefusal) as caught:
        guard.reserve(NEW_YORK, kind="marketing", now=at(2025, 1, 15, 5))
    error = caught.value
    assert (at(2025, 1, 15, 13), ("America/New_York",)) == (error.until, error.zones)
    assert "America/New_York" in str(error)
    assert "2025-01-15T13:00:00+00:00" in str(error)
    # The refusal was not counted and nothing else was either.
    assert guard.reserve(NEW_YORK, kind="marketing", now=error.until).counted == ()


def test_transactional_messages_go_through_quiet_hours() -> None:
    guard = quiet_guard()
    night = at(2025, 1, 15, 5)
    assert guard.check(NEW_YORK, kind="transactional", now=night).allowed
    assert (
        "transactional" == guard.reserve(NEW_YORK, kind="transactional", now=night).kind
    )


def test_a_send_without_a_kind_is_marketing_by_default() -> None:
    night = at(2025, 1, 15, 5)
    with pytest.raises(QuietHoursRefusal):
        quiet_guard().reserve(NEW_YORK, now=night)
    relaxed = Guard(quiet_hours=QuietHours(), default_kind="transactional")
    assert relaxed.reserve(NEW_YORK, now=night).kind == "transactional"


def test_quiet_hours_can_hold_back_every_kind() -> None:
    guard = quiet_guard(kinds={"marketing", "transactional"})
    assert not guard.check(
        NEW_YORK, kind="transactional", now=at(2025, 1, 15, 5)
    ).allowed


def test_spring_forward_moves_the_end_of_quiet_hours_with_the_clock() -> None:
    """2025-03-09: New York skips 02:00-03:00; 08:00 is then 12:00 UTC, not 13:00."""
    before = quiet_guard().check(NEW_YORK, now=at(2025, 3, 9, 6)).quiet  # 01:00 EST
    assert (True, at(2025, 3, 9, 12)) == (before.quiet, before.until)
    assert not quiet_guard().check(NEW_YORK, now=at(2025, 3, 9, 12)).quiet.quiet


def test_fall_back_moves_the_end_of_quiet_hours_with_the_clock() -> None:
    """2025-11-02: New York repeats 01:00-02:00; 08:00 is then 13:00 UTC."""
    state = quiet_guard().check(NEW_YORK, now=at(2025, 11, 2, 5, 30)).quiet
    assert (True, at(2025, 11, 2, 13)) == (state.quiet, state.until)
    assert quiet_guard().check(NEW_YORK, now=at(2025, 11, 2, 12, 30)).quiet.quiet


def test_an_end_inside_the_repeated_hour_is_its_next_occurrence() -> None:
    """Quiet until 01:45: at the second 01:30 (EST) the end is 06:45 UTC."""
    guard = quiet_guard(start=dt.time(0, 0), end=dt.time(1, 45))
    first = guard.check(NEW_YORK, now=at(2025, 11, 2, 5, 30)).quiet  # 01:30 EDT
    second = guard.check(NEW_YORK, now=at(2025, 11, 2, 6, 30)).quiet  # 01:30 EST
    assert at(2025, 11, 2, 5, 45) == first.until
    assert at(2025, 11, 2, 6, 45) == second.until


def test_an_end_inside_the_skipped_hour_is_just_after_it() -> None:
    """Quiet until 02:30 on 2025-03-09, which never happens: 03:30 EDT it is."""
    guard = quiet_guard(start=dt.time(0, 0), end=dt.time(2, 30))
    state = guard.check(NEW_YORK, now=at(2025, 3, 9, 6, 30)).quiet  # 01:30 EST
    assert at(2025, 3, 9, 7, 30) == state.until
    assert not guard.check(NEW_YORK, now=at(2025, 3, 9, 7, 30)).quiet.quiet


def test_a_number_in_several_zones_is_quiet_if_any_of_them_is() -> None:
    """An Australian mobile spans Perth (UTC+8) to Lord Howe (UTC+11 in January)."""
    guard = quiet_guard()
    # 10:30 UTC: 21:30 in Sydney (UTC+11), 18:30 in Perth: quiet.
    state = guard.check(AUSTRALIA, now=at(2025, 1, 15, 10, 30)).quiet
    assert state.quiet
    assert {"Australia/Sydney", "Australia/Lord_Howe"} <= set(state.zones)
    assert "Australia/Perth" not in state.zones
    # It ends when the last zone reaches 08:00: not Perth (00:00 UTC) but the
    # Cocos Islands (UTC+6:30), also in the list, at 01:30 UTC.
    assert at(2025, 1, 16, 1, 30) == state.until
    assert not guard.check(AUSTRALIA, now=state.until).quiet.quiet
    assert guard.check(AUSTRALIA, now=state.until - dt.timedelta(seconds=1)).quiet.quiet


def test_a_number_without_a_zone_counts_as_quiet_unless_a_fallback_is_set() -> None:
    noon = at(2025, 1, 15, 12)
    state = quiet_guard().check(FREEPHONE, now=noon).quiet
    assert (True, None, ()) == (state.quiet, state.until, state.zones)
    with pytest.raises(QuietHoursRefusal, match="unknown time zone") as caught:
        quiet_guard().reserve(FREEPHONE, now=noon)
    assert caught.value.until is None
    assert quiet_guard(fallback_zone="UTC").check(FREEPHONE, now=noon).allowed
    assert (
        not quiet_guard(fallback_zone="UTC")
        .check(FREEPHONE, now=at(2025, 1, 15, 22))
        .allowed
    )


def test_days_name_the_day_a_window_begins() -> None:
    """Friday only: Friday 21:00 to Saturday 08:00 is quiet, Saturday night not."""
    guard = quiet_guard(days={4})
    friday_night = at(2025, 1, 18, 3)  # Fri 22:00 in New York
    saturday_early = at(2025, 1, 18, 7)  # Sat 02:00
    saturday_night = at(2025, 1, 19, 3)  # Sat 22:00
    thursday_night = at(2025, 1, 17, 3)  # Thu 22:00
    assert guard.check(NEW_YORK, now=friday_night).quiet.quiet
    assert guard.check(NEW_YORK, now=saturday_early).quiet.quiet
    assert not guard.check(NEW_YORK, now=saturday_night).quiet.quiet
    assert not guard.check(NEW_YORK, now=thursday_night).quiet.quiet


def test_equal_start_and_end_make_a_whole_quiet_day() -> None:
    """No marketing on Sundays: midnight to midnight, Sunday only."""
    guard = quiet_guard(start=dt.time(0), end=dt.time(0), days={6})
    sunday_noon = at(2025, 1, 19, 17)
    state = guard.check(NEW_YORK, now=sunday_noon).quiet
    assert (True, at(2025, 1, 20, 5)) == (state.quiet, state.until)  # Monday 00:00
    assert not guard.check(NEW_YORK, now=at(2025, 1, 20, 17)).quiet.quiet


def test_quiet_every_day_all_day_never_ends() -> None:
    guard = quiet_guard(start=dt.time(0), end=dt.time(0))
    state = guard.check(NEW_YORK, now=at(2025, 1, 15, 17)).quiet
    assert (True, None) == (state.quiet, state.until)


def test_no_time_zone_database_is_an_error_at_construction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def missing(name: str) -> zoneinfo.ZoneInfo:
        raise zoneinfo.ZoneInfoNotFoundError(name)

    monkeypatch.setattr(_guard_rules.zoneinfo, "ZoneInfo", missing)
    with pytest.raises(smskit.ConfigurationError, match="pip install tzdata"):
        QuietHours()


def test_a_zone_missing_at_send_counts_as_unknown_not_as_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    guard = quiet_guard()
    real = zoneinfo.ZoneInfo

    def without_tokyo(name: str) -> zoneinfo.ZoneInfo:
        if name == "Asia/Tokyo":
            raise zoneinfo.ZoneInfoNotFoundError(name)
        return real(name)

    monkeypatch.setattr(_guard_rules.zoneinfo, "ZoneInfo", without_tokyo)
    state = guard.check(TOKYO, now=at(2025, 1, 15, 3)).quiet  # noon in Tokyo
    assert (True, ()) == (state.quiet, state.zones)


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"days": {7}}, smskit.ConfigurationError, "Monday 0 to Sunday 6"),
        ({"days": set()}, smskit.ConfigurationError, "empty"),
        ({"days": "mon"}, smskit.OptionTypeError, "weekday numbers"),
        ({"kinds": {"promo"}}, smskit.ConfigurationError, "'promo'"),
        ({"kinds": "marketing"}, smskit.OptionTypeError, "set of kinds"),
        ({"start": "21:00"}, smskit.OptionTypeError, "datetime.time"),
        ({"end": dt.time(8, tzinfo=UTC)}, smskit.ConfigurationError, "no tzinfo"),
        ({"fallback_zone": "Mars/Base"}, smskit.ConfigurationError, "Mars/Base"),
        ({"fallback_zone": 5}, smskit.OptionTypeError, "zone name"),
    ],
)
def test_bad_quiet_hours_are_refused(
    options: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        QuietHours(**options)


times = st.times().map(lambda t: t.replace(microsecond=0))
instants = st.datetimes(
    min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 1, 1)
).map(lambda moment: moment.replace(tzinfo=UTC))


@given(start=times, end=times, moment=instants)
def test_quiet_hours_agree_with_smskit_phone(
    start: dt.time, end: dt.time, moment: dt.datetime
) -> None:
    """Every day, start != end: the same answer as phone.is_quiet_hours."""
    if start == end:
        return
    state = QuietHours(start=start, end=end).state(NEW_YORK, moment)
    assert state.quiet == smskit.phone.is_quiet_hours(
        NEW_YORK, start=start, end=end, at=moment
    )


@given(
    start=times,
    end=times,
    days=st.frozensets(st.integers(0, 6), min_size=1, max_size=6),
    moment=instants,
    number=st.sampled_from([NEW_YORK, AUSTRALIA, TOKYO, "+447911123456"]),
)
def test_until_is_the_first_moment_out_of_quiet_hours(
    start: dt.time, end: dt.time, days: frozenset[int], moment: dt.datetime, number: str
) -> None:
    """Quiet until ``until``, which is itself not quiet; quiet just before it."""
    rules = QuietHours(start=start, end=end, days=days)
    state = rules.state(number, moment)
    if not state.quiet:
        return
    assert state.until is not None  # some day of the week is never quiet
    assert state.until > moment
    assert not rules.state(number, state.until).quiet
    assert rules.state(number, state.until - dt.timedelta(microseconds=1)).quiet


# -- frequency caps --------------------------------------------------------------


def capped(*caps: FrequencyCap, clock: Clock | None = None) -> Guard:
    return Guard(frequency_caps=caps, clock=clock or Clock(at(2025, 1, 15, 12)))


def test_the_cap_refuses_the_message_over_it_until_the_window_slides() -> None:
    clock = Clock(at(2025, 1, 15, 12))
    guard = capped(FrequencyCap(max_messages=2, per=HOUR), clock=clock)
    guard.reserve(NEW_YORK)
    clock.advance(dt.timedelta(minutes=10))
    guard.reserve(NEW_YORK)
    with pytest.raises(FrequencyCapReached) as caught:
        guard.reserve(NEW_YORK)
    error = caught.value
    assert (at(2025, 1, 15, 13), 2, HOUR) == (
        error.until,
        error.max_messages,
        error.per,
    )
    assert "2 message(s) in the last 1 hour" in str(error)
    clock.now = at(2025, 1, 15, 13)  # the first send's hour is over
    guard.reserve(NEW_YORK)
    with pytest.raises(FrequencyCapReached):
        guard.reserve(NEW_YORK)
    # Another recipient has a cap of their own.
    guard.reserve(TOKYO)


def test_a_released_reservation_does_not_count() -> None:
    guard = capped(FrequencyCap(max_messages=1, per=DAY))
    first = guard.reserve(NEW_YORK)
    guard.release(first)
    second = guard.reserve(NEW_YORK)
    guard.release(second)
    guard.release(second)  # twice is harmless
    guard.reserve(NEW_YORK)
    with pytest.raises(FrequencyCapReached):
        guard.reserve(NEW_YORK)


def test_releasing_one_reservation_leaves_the_others_counted() -> None:
    guard = capped(FrequencyCap(max_messages=2, per=DAY))
    first = guard.reserve(NEW_YORK)
    guard.reserve(NEW_YORK)
    guard.release(first)
    guard.reserve(NEW_YORK)
    with pytest.raises(FrequencyCapReached):
        guard.reserve(NEW_YORK)


def test_every_cap_must_allow_and_a_refusal_counts_in_none() -> None:
    clock = Clock(at(2025, 1, 15, 12))
    hourly = FrequencyCap(max_messages=1, per=HOUR)
    daily = FrequencyCap(max_messages=2, per=DAY)
    guard = capped(hourly, daily, clock=clock)
    guard.reserve(NEW_YORK)
    with pytest.raises(FrequencyCapReached) as caught:
        guard.reserve(NEW_YORK)  # the hourly cap is full
    assert HOUR == caught.value.per
    usage = guard.check(NEW_YORK).caps
    assert [1, 1] == [u.used for u in usage]  # the refused send counted nowhere
    clock.advance(HOUR)
    guard.reserve(NEW_YORK)
    clock.advance(HOUR)
    with pytest.raises(FrequencyCapReached) as caught:
        guard.reserve(NEW_YORK)  # now the daily one is
    assert (DAY, at(2025, 1, 16, 12)) == (caught.value.per, caught.value.until)


def test_a_cap_counts_only_its_kinds() -> None:
    guard = capped(FrequencyCap(max_messages=1, per=DAY, kinds={"marketing"}))
    assert () == guard.reserve(NEW_YORK, kind="transactional").counted
    guard.reserve(NEW_YORK, kind="marketing")
    guard.reserve(NEW_YORK, kind="transactional")
    with pytest.raises(FrequencyCapReached):
        guard.reserve(NEW_YORK, kind="marketing")


def test_an_opted_out_refusal_is_not_counted() -> None:
    guard = capped(FrequencyCap(max_messages=1, per=DAY))
    guard.opt_out(NEW_YORK)
    with pytest.raises(RecipientOptedOut):
        guard.reserve(NEW_YORK)
    guard.opt_in(NEW_YORK)
    assert [0] == [usage.used for usage in guard.check(NEW_YORK).caps]


def test_the_cap_is_exact_under_threads() -> None:
    guard = capped(FrequencyCap(max_messages=25, per=DAY))
    start = threading.Barrier(16)
    outcomes: list[str] = []

    def send() -> None:
        start.wait()
        for _ in range(10):
            try:
                reservation = guard.reserve(NEW_YORK)
            except FrequencyCapReached:
                outcomes.append("refused")
            else:
                outcomes.append("admitted")
                if len(outcomes) % 7 == 0:  # some sends fail and give back
                    guard.release(reservation)
                    outcomes.append("released")

    threads = [threading.Thread(target=send) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    admitted = outcomes.count("admitted") - outcomes.count("released")
    assert 25 == admitted
    assert 160 == outcomes.count("admitted") + outcomes.count("refused")
    assert [25] == [usage.used for usage in guard.check(NEW_YORK).caps]


def test_a_cap_whose_limit_changes_keeps_its_count() -> None:
    store = MemoryGuardStore()
    clock = Clock(at(2025, 1, 15, 12))
    Guard(
        store=store, frequency_caps=FrequencyCap(max_messages=3, per=DAY), clock=clock
    ).reserve(NEW_YORK)
    stricter = Guard(
        store=store, frequency_caps=FrequencyCap(max_messages=1, per=DAY), clock=clock
    )
    with pytest.raises(FrequencyCapReached):
        stricter.reserve(NEW_YORK)


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"max_messages": 0, "per": DAY}, smskit.ConfigurationError, "at least 1"),
        ({"max_messages": 1.5, "per": DAY}, smskit.OptionTypeError, "an int"),
        ({"max_messages": True, "per": DAY}, smskit.OptionTypeError, "an int"),
        ({"max_messages": 1, "per": 60}, smskit.OptionTypeError, "timedelta"),
        (
            {"max_messages": 1, "per": dt.timedelta(0)},
            smskit.ConfigurationError,
            "millisecond",
        ),
        (
            {"max_messages": 1, "per": DAY, "kinds": set()},
            smskit.ConfigurationError,
            "empty",
        ),
    ],
)
def test_bad_caps_are_refused(
    options: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        FrequencyCap(**options)


def test_two_caps_sharing_counters_are_refused() -> None:
    with pytest.raises(smskit.ConfigurationError, match="same window"):
        Guard(
            frequency_caps=[
                FrequencyCap(max_messages=1, per=DAY),
                FrequencyCap(max_messages=5, per=DAY),
            ]
        )


class CapModel:
    """The cap's meaning, written plainly: sends in the last ``per`` seconds."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self.sends: dict[str, float] = {}

    def admit(self, token: str, now: float) -> bool:
        live = [t for t in self.sends.values() if t > now - self.seconds]
        if len(live) >= self.limit:
            return False
        self.sends[token] = now
        return True


steps = st.lists(
    st.tuples(st.sampled_from(["send", "release", "wait"]), st.integers(0, 600)),
    max_size=60,
)


@given(limit=st.integers(1, 5), seconds=st.integers(1, 900), script=steps)
def test_the_memory_store_counts_as_the_plain_model(
    limit: int, seconds: int, script: Sequence[tuple[str, int]]
) -> None:
    store = MemoryGuardStore()
    window = Window(name="w", limit=limit, seconds=float(seconds))
    model = CapModel(limit, float(seconds))
    now = 1_700_000_000.0
    admitted: list[str] = []
    for number, (action, amount) in enumerate(script):
        if action == "wait":
            now += amount
        elif action == "release" and admitted:
            token = admitted.pop(amount % len(admitted))
            store.release(NEW_YORK, ["w"], token=token)
            model.sends.pop(token)
        elif action == "send":
            token = f"t{number}"
            answer = store.admit(
                NEW_YORK, [window], now=now, token=token, check_opt_out=False
            )
            assert model.admit(token, now) == answer.admitted
            if answer.admitted:
                admitted.append(token)
            else:
                live = sorted(t for t in model.sends.values() if t > now - seconds)
                assert live[len(live) - limit] + seconds == answer.until


# -- check, the decision and the errors ------------------------------------------


def test_check_shows_every_reason_and_counts_nothing() -> None:
    clock = Clock(at(2025, 1, 15, 5))  # midnight in New York
    guard = Guard(
        quiet_hours=QuietHours(),
        frequency_caps=FrequencyCap(max_messages=1, per=DAY),
        clock=clock,
    )
    guard.reserve(NEW_YORK, kind="transactional")
    guard.opt_out(NEW_YORK)
    decision = guard.check(NEW_YORK, kind="marketing")
    assert isinstance(decision, GuardDecision)
    assert (True, True, True) == (
        decision.opted_out,
        decision.quiet.quiet,
        decision.caps[0].full,
    )
    assert ("opted_out", False) == (decision.reason, decision.allowed)
    assert isinstance(decision.refusal(), RecipientOptedOut)
    guard.opt_in(NEW_YORK)
    decision = guard.check(NEW_YORK, kind="marketing")
    assert "quiet_hours" == decision.reason
    assert "frequency_cap" == guard.check(NEW_YORK, kind="transactional").reason
    assert [1] == [usage.used for usage in guard.check(NEW_YORK).caps]


def test_the_decisions_refusal_is_what_reserve_raises() -> None:
    guard = capped(FrequencyCap(max_messages=1, per=HOUR))
    guard.reserve(NEW_YORK)
    expected = guard.check(NEW_YORK).refusal()
    with pytest.raises(FrequencyCapReached) as caught:
        guard.reserve(NEW_YORK)
    assert isinstance(expected, FrequencyCapReached)
    assert (expected.until, str(expected)) == (caught.value.until, str(caught.value))
    assert guard.check(TOKYO).refusal() is None


@pytest.mark.parametrize(
    "error",
    [
        RecipientOptedOut(to=NEW_YORK, kind="marketing", since=at(2025, 1, 15, 12)),
        QuietHoursRefusal(
            to=NEW_YORK, kind="marketing", until=at(2025, 1, 15, 13), zones=("A/B",)
        ),
        FrequencyCapReached(
            to=NEW_YORK,
            kind="transactional",
            until=at(2025, 1, 15, 13),
            max_messages=3,
            per=DAY,
        ),
    ],
    ids=lambda error: type(error).__name__,
)
def test_refusals_are_input_errors_that_pickle_and_mask_the_number(
    error: Refused,
) -> None:
    assert isinstance(error, smskit.InvalidInput)
    assert isinstance(error, ValueError)
    assert "nothing was sent" in str(error)
    assert NEW_YORK not in str(error)
    assert NEW_YORK not in repr(error)
    assert "+1•••0123" in str(error)
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 -- our own bytes
    assert (type(error), str(error), vars(error)) == (type(copy), str(copy), vars(copy))
    assert NEW_YORK == copy.to


def test_reprs_mask_the_number() -> None:
    guard = capped(FrequencyCap(max_messages=1, per=DAY))
    reservation = guard.reserve(NEW_YORK)
    guard.opt_out(TOKYO)
    for shown in (reservation, guard.check(NEW_YORK), guard, guard.store):
        assert NEW_YORK not in repr(shown)
        assert TOKYO not in repr(shown)
    assert reservation.token not in repr(reservation)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda g: g.check("+1 555"), smskit.InvalidPhoneNumber, "555"),
        (lambda g: g.check(12125550123), smskit.ArgumentTypeError, "to must be a str"),
        (lambda g: g.check(NEW_YORK, kind="promo"), smskit.InvalidMessage, "'promo'"),
        (lambda g: g.reserve(NEW_YORK, kind=1), smskit.ArgumentTypeError, "kind"),
        (
            lambda g: g.reserve(NEW_YORK, now=dt.datetime(2025, 1, 1)),
            smskit.InvalidMessage,
            "timezone-aware",
        ),
        (lambda g: g.release("token"), smskit.OptionTypeError, "Reservation"),
    ],
)
def test_bad_arguments_are_refused(
    call: Any, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        call(Guard())


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"store": object()}, smskit.ConfigurationError, "no admit"),
        ({"quiet_hours": "21-8"}, smskit.OptionTypeError, "QuietHours"),
        ({"frequency_caps": 3}, smskit.ConfigurationError, "FrequencyCap"),
        ({"frequency_caps": [3]}, smskit.OptionTypeError, "FrequencyCap"),
        ({"default_kind": "bulk"}, smskit.InvalidMessage, "'bulk'"),
        ({"clock": 5}, smskit.ConfigurationError, "callable"),
    ],
)
def test_bad_guard_options_are_refused(
    options: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        Guard(**options)


def test_a_naive_clock_is_refused_at_the_send() -> None:
    guard = Guard(clock=lambda: dt.datetime(2025, 1, 15, 12))
    with pytest.raises(smskit.InvalidMessage, match="timezone-aware"):
        guard.check(NEW_YORK)


class FailingStore(MemoryGuardStore):
    def release(self, to: str, names: Sequence[str], *, token: str) -> None:
        raise GuardUnavailable("down") from ConnectionError("refused")

    async def arelease(self, to: str, names: Sequence[str], *, token: str) -> None:
        self.release(to, names, token=token)


def test_a_failed_release_logs_masked_and_never_raises(
    caplog: pytest.LogCaptureFixture,
) -> None:
    guard = Guard(
        store=FailingStore(), frequency_caps=FrequencyCap(max_messages=1, per=DAY)
    )
    reservation = guard.reserve(NEW_YORK)
    with caplog.at_level(logging.WARNING, logger="smskit.guard"):
        guard.release(reservation)
    assert "+1•••0123" in caplog.text
    assert "ConnectionError" in caplog.text
    assert NEW_YORK not in caplog.text
    with pytest.raises(FrequencyCapReached):  # it stayed counted
        guard.reserve(NEW_YORK)


# -- async -----------------------------------------------------------------------


@pytest.mark.anyio
async def test_the_async_twins_share_the_sync_state() -> None:
    clock = Clock(at(2025, 1, 15, 5))
    guard = Guard(
        quiet_hours=QuietHours(),
        frequency_caps=FrequencyCap(max_messages=1, per=DAY),
        clock=clock,
    )
    with pytest.raises(QuietHoursRefusal):
        await guard.areserve(NEW_YORK, kind="marketing")
    reservation = await guard.areserve(NEW_YORK, kind="transactional")
    assert isinstance(reservation, Reservation)
    assert (
        "frequency_cap" == (await guard.acheck(NEW_YORK, kind="transactional")).reason
    )
    await guard.arelease(reservation)
    assert (await guard.acheck(NEW_YORK, kind="transactional")).allowed
    assert "opted_out" == await guard.aobserve(inbound("STOP", received_at=clock.now))
    with pytest.raises(RecipientOptedOut):
        await guard.areserve(NEW_YORK, kind="marketing")  # opted out wins over quiet
    assert await guard.aopt_in(NEW_YORK)
    assert await guard.aopt_out(NEW_YORK)
    assert guard.check(NEW_YORK).opted_out
    assert await guard.aobserve(opted_out(None)) is None
