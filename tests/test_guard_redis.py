"""The guard with RedisGuardStore, against a real redis-server on 127.0.0.1.

Skipped when redis-server is not installed, unless SMSKIT_REQUIRE_REDIS=1
(CI sets it), which turns the skip into a failure. The server comes from
tests/redis_server.py, as every Redis test's does, and is stopped after the
module.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
import os
import pickle
import subprocess
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smskit
from redis_server import RedisServer, running_redis
from smskit._guard import Guard
from smskit._guard_errors import (
    FrequencyCapReached,
    GuardUnavailable,
    QuietHoursRefusal,
    RecipientOptedOut,
)
from smskit._guard_redis import RedisGuardStore
from smskit._guard_rules import FrequencyCap, QuietHours
from smskit._guard_stores import MemoryGuardStore, Window
from smskit._models import InboundMessage

redis = pytest.importorskip("redis")

UTC = dt.timezone.utc
PASSWORD = "s3cret"
NEW_YORK = "+12125550123"
TOKYO = "+819012345678"
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
SRC = Path(__file__).resolve().parent.parent / "src"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A password-protected server for the whole module."""
    with running_redis(tmp_path_factory.mktemp("guard-redis"), PASSWORD) as server:
        yield server


@pytest.fixture
def prefix() -> str:
    """Keys of this test's own, so tests never see each other's counts."""
    return f"test:{uuid.uuid4().hex}"


@pytest.fixture
def store(server: RedisServer, prefix: str) -> Iterator[RedisGuardStore]:
    store = RedisGuardStore(url=server.url, prefix=prefix)
    yield store
    store.close()


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def now() -> dt.datetime:
    return dt.datetime.now(UTC)


def assert_no_password(error: BaseException) -> None:
    text = "".join(traceback.format_exception(error))
    assert PASSWORD not in text
    assert PASSWORD not in repr(error)


# -- opt-outs --------------------------------------------------------------------


def test_an_opt_out_is_seen_by_every_store_on_the_same_redis(
    server: RedisServer, store: RedisGuardStore, prefix: str
) -> None:
    stop = InboundMessage(
        id="1",
        provider="test",
        sender=NEW_YORK,
        to="+14155550100",
        body="STOP",
        received_at=now() - HOUR,
    )
    assert "opted_out" == Guard(store=store).observe(stop)
    other = RedisGuardStore(url=server.url, prefix=prefix)  # another process's
    guard = Guard(store=other)
    with pytest.raises(RecipientOptedOut) as caught:
        guard.reserve(NEW_YORK, kind="transactional")
    assert stop.received_at == caught.value.since
    # The same event again (a redelivery) records the same state: idempotent.
    assert "opted_out" == guard.observe(stop)
    assert guard.opt_in(NEW_YORK)
    assert guard.observe(stop) is None  # older than the opt-in: kept out
    assert Guard(store=store).check(NEW_YORK).opted_out is False
    other.close()


def test_an_opted_out_error_opts_out_through_redis(store: RedisGuardStore) -> None:
    guard = Guard(store=store)
    error = smskit.OptedOut("opted out", provider="twilio", to=TOKYO)
    assert "opted_out" == guard.observe(error)
    assert guard.check(TOKYO).opted_out
    with pytest.raises(RecipientOptedOut):
        guard.reserve(TOKYO)


def test_opt_out_wins_over_quiet_hours(store: RedisGuardStore) -> None:
    night = dt.datetime(2025, 1, 15, 5, tzinfo=UTC)  # midnight in New York
    guard = Guard(store=store, quiet_hours=QuietHours(), clock=Clock(night))
    with pytest.raises(QuietHoursRefusal):
        guard.reserve(NEW_YORK)
    guard.opt_out(NEW_YORK)
    with pytest.raises(RecipientOptedOut):
        guard.reserve(NEW_YORK)


# -- frequency caps --------------------------------------------------------------


def test_the_cap_slides_and_a_release_gives_the_place_back(
    store: RedisGuardStore,
) -> None:
    start = now()
    clock = Clock(start)
    guard = Guard(
        store=store, frequency_caps=FrequencyCap(max_messages=2, per=HOUR), clock=clock
    )
    first = guard.reserve(NEW_YORK)
    clock.now = start + dt.timedelta(minutes=10)
    guard.reserve(NEW_YORK)
    with pytest.raises(FrequencyCapReached) as caught:
        guard.reserve(NEW_YORK)
    assert caught.value.until is not None
    # Times travel as POSIX seconds with six decimals.
    assert abs((caught.value.until - (start + HOUR)).total_seconds()) < 1e-5
    assert [2] == [usage.used for usage in guard.check(NEW_YORK).caps]
    guard.release(first)
    third = guard.reserve(NEW_YORK)
    with pytest.raises(FrequencyCapReached):
        guard.reserve(NEW_YORK)
    clock.now = start + dt.timedelta(minutes=70)  # the second send's hour is over
    guard.reserve(NEW_YORK)
    assert third.counted == (FrequencyCap(max_messages=2, per=HOUR).name,)


def test_every_cap_must_allow_and_a_refusal_counts_in_none(
    store: RedisGuardStore,
) -> None:
    guard = Guard(
        store=store,
        frequency_caps=[
            FrequencyCap(max_messages=3, per=DAY),
            FrequencyCap(max_messages=1, per=HOUR),
        ],
    )
    guard.reserve(NEW_YORK)
    with pytest.raises(FrequencyCapReached) as caught:
        guard.reserve(NEW_YORK)
    assert HOUR == caught.value.per
    assert [1, 1] == [usage.used for usage in guard.check(NEW_YORK).caps]


def test_keys_carry_the_number_as_a_hash_tag(
    server: RedisServer, store: RedisGuardStore, prefix: str
) -> None:
    guard = Guard(store=store, frequency_caps=FrequencyCap(max_messages=1, per=DAY))
    guard.reserve(NEW_YORK)
    guard.opt_out(TOKYO)
    with redis.Redis.from_url(server.url) as client:
        keys = sorted(key.decode() for key in client.keys(f"{prefix}:*"))
        ttl = client.pttl(keys[0])
    assert [
        f"{prefix}:{{{NEW_YORK}}}:cap:86400000ms:marketing+transactional",
        f"{prefix}:{{{TOKYO}}}:opt",
    ] == keys
    assert 0 < ttl <= DAY.total_seconds() * 1000 + 1000  # counters expire


def test_the_cap_is_exact_under_threads(store: RedisGuardStore) -> None:
    guard = Guard(store=store, frequency_caps=FrequencyCap(max_messages=20, per=DAY))
    barrier = threading.Barrier(12)
    admitted: list[int] = []

    def send() -> None:
        barrier.wait()
        for _ in range(8):
            try:
                guard.reserve(NEW_YORK)
            except FrequencyCapReached:
                continue
            admitted.append(1)

    threads = [threading.Thread(target=send) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert 20 == len(admitted)


WORKER = """
import json, sys, datetime as dt
from smskit._guard import Guard
from smskit._guard_errors import FrequencyCapReached
from smskit._guard_redis import RedisGuardStore
from smskit._guard_rules import FrequencyCap
url, prefix, tries = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = RedisGuardStore(url=url, prefix=prefix)
cap = FrequencyCap(max_messages=25, per=dt.timedelta(days=1))
guard = Guard(store=store, frequency_caps=cap)
admitted = released = 0
print("ready", flush=True)
sys.stdin.readline()  # start together
for number in range(tries):
    try:
        reservation = guard.reserve("+12125550123")
    except FrequencyCapReached:
        continue
    admitted += 1
    if number % 5 == 0:  # this send failed: give the place back
        guard.release(reservation)
        released += 1
print(json.dumps([admitted, released]))
store.close()
"""


def test_the_cap_is_exact_across_processes(server: RedisServer, prefix: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    workers = [
        subprocess.Popen(  # noqa: S603 -- this interpreter, our own script
            [sys.executable, "-c", WORKER, server.url, prefix, "20"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        for _ in range(4)
    ]
    for worker in workers:  # wait until every worker is ready, then start all
        assert worker.stdout is not None
        assert "ready\n" == worker.stdout.readline()
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    outputs = [worker.communicate(timeout=60)[0] for worker in workers]
    assert all(worker.returncode == 0 for worker in workers)
    counts = [json.loads(output) for output in outputs]
    kept = sum(admitted - released for admitted, released in counts)
    assert 25 == kept
    store = RedisGuardStore(url=server.url, prefix=prefix)
    guard = Guard(store=store, frequency_caps=FrequencyCap(max_messages=25, per=DAY))
    assert [25] == [usage.used for usage in guard.check(NEW_YORK).caps]
    store.close()


steps = st.lists(
    st.tuples(st.sampled_from(["send", "release", "wait"]), st.integers(0, 600)),
    max_size=25,
)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(limit=st.integers(1, 4), seconds=st.integers(1, 900), script=steps)
def test_redis_counts_exactly_as_memory(
    server: RedisServer, limit: int, seconds: int, script: Sequence[tuple[str, int]]
) -> None:
    """The same sends, waits and releases get the same answers from both stores."""
    shared = RedisGuardStore(url=server.url, prefix=f"prop:{uuid.uuid4().hex}")
    local = MemoryGuardStore()
    window = Window(name="w", limit=limit, seconds=float(seconds))
    moment = time.time()
    admitted: list[str] = []
    for number, (action, amount) in enumerate(script):
        if action == "wait":
            moment += amount
        elif action == "release" and admitted:
            token = admitted.pop(amount % len(admitted))
            for store in (shared, local):
                store.release(NEW_YORK, ["w"], token=token)
        elif action == "send":
            token = f"t{number}"
            answers = [
                store.admit(
                    NEW_YORK, [window], now=moment, token=token, check_opt_out=True
                )
                for store in (shared, local)
            ]
            assert answers[1].admitted == answers[0].admitted
            if answers[0].until is not None:
                assert answers[1].until == pytest.approx(answers[0].until, abs=1e-5)
            if answers[0].admitted:
                admitted.append(token)
        usage = [
            store.usage(NEW_YORK, [window], now=moment) for store in (shared, local)
        ]
        assert usage[1][1][0].used == usage[0][1][0].used
    shared.close()


def test_a_send_one_window_ago_leaves_as_in_memory(store: RedisGuardStore) -> None:
    """At the window's very edge Redis drops exactly the sends memory drops.

    The edge is compared as the exact double: rounded to microseconds, a send
    made exactly one window ago stayed counted for about a third of times.
    """
    window = Window(name="w", limit=1, seconds=3.0)
    for step in range(30):
        moment = 1_796_229_455.85 + step * 0.0000003  # digits below a microsecond
        local = MemoryGuardStore()
        to = f"+1212555{step:04d}"
        for either in (store, local):
            either.admit(to, [window], now=moment, token="a", check_opt_out=False)
        later = moment + window.seconds
        counts = [s.usage(to, [window], now=later)[1][0].used for s in (store, local)]
        assert counts[1] == counts[0], f"at {moment!r}"
        admitted = [
            s.admit(to, [window], now=later, token="b", check_opt_out=False).admitted
            for s in (store, local)
        ]
        assert admitted[1] == admitted[0], f"at {moment!r}"


# -- async -----------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # redis-py's async client
async def test_the_async_twins(server: RedisServer, prefix: str) -> None:
    store = RedisGuardStore(url=server.url, prefix=prefix)
    guard = Guard(store=store, frequency_caps=FrequencyCap(max_messages=1, per=DAY))
    reservation = await guard.areserve(NEW_YORK)
    with pytest.raises(FrequencyCapReached):
        await guard.areserve(NEW_YORK)
    assert "frequency_cap" == (await guard.acheck(NEW_YORK)).reason
    await guard.arelease(reservation)
    assert (await guard.acheck(NEW_YORK)).allowed
    assert await guard.aopt_out(NEW_YORK)
    with pytest.raises(RecipientOptedOut):
        await guard.areserve(NEW_YORK)
    assert (await guard.acheck(NEW_YORK)).opted_out  # sync and async agree
    assert guard.check(NEW_YORK).opted_out
    error = smskit.OptedOut("out", provider="plivo", to=TOKYO)
    assert "opted_out" == await guard.aobserve(error)
    assert await store.aopted_out_since(TOKYO) is not None
    night = dt.datetime(2025, 1, 15, 5, tzinfo=UTC)
    quiet = Guard(store=store, quiet_hours=QuietHours(), clock=Clock(night))
    with pytest.raises(RecipientOptedOut):
        await quiet.areserve(NEW_YORK)
    await store.aclose()


# -- failures and configuration ---------------------------------------------------


@pytest.fixture
def dead_url(tmp_path: Path) -> str:
    """The URL of a server that was started and then killed."""
    with running_redis(tmp_path, PASSWORD) as server:
        server.kill()
    return server.url


def test_a_dead_redis_fails_closed_without_the_password(
    dead_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = RedisGuardStore(url=dead_url, connect_timeout=0.5, socket_timeout=0.5)
    guard = Guard(store=store, frequency_caps=FrequencyCap(max_messages=1, per=DAY))
    calls: list[Any] = [
        lambda: guard.reserve(NEW_YORK),
        lambda: guard.check(NEW_YORK),
        lambda: guard.opt_out(NEW_YORK),
        lambda: guard.observe(smskit.OptedOut("out", provider="twilio", to=TOKYO)),
        lambda: store.opted_out_since(NEW_YORK),
    ]
    for call in calls:
        with pytest.raises(GuardUnavailable, match="nothing was sent") as caught:
            call()
        assert isinstance(caught.value.__cause__, redis.RedisError | OSError)
        assert_no_password(caught.value)
    # A release on the error path only logs (masked), and never raises.
    reservation = smskit._guard.Reservation(
        to=NEW_YORK, kind="marketing", at=now(), token="t", counted=("w",)
    )
    with caplog.at_level(logging.WARNING, logger="smskit.guard"):
        guard.release(reservation)
    assert "+1•••0123" in caplog.text
    assert PASSWORD not in caplog.text
    store.close()


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_dead_redis_fails_closed_async(dead_url: str) -> None:
    store = RedisGuardStore(url=dead_url, connect_timeout=0.5, socket_timeout=0.5)
    guard = Guard(store=store)
    with pytest.raises(GuardUnavailable) as caught:
        await guard.areserve(NEW_YORK)
    assert_no_password(caught.value)
    with pytest.raises(GuardUnavailable):
        await store.aopted_out_since(NEW_YORK)
    await store.aclose()


def test_a_store_shows_and_pickles_no_password(store: RedisGuardStore) -> None:
    assert PASSWORD not in repr(store)
    assert PASSWORD not in repr(Guard(store=store))
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(store)


def test_a_given_client_is_used_and_left_open(server: RedisServer, prefix: str) -> None:
    client = redis.Redis.from_url(server.url)
    store = RedisGuardStore(client=client, prefix=prefix)
    assert Guard(store=store).opt_out(NEW_YORK)
    store.close()
    assert client.ping()
    client.close()


def test_one_client_only_says_what_is_missing(server: RedisServer) -> None:
    client = redis.Redis.from_url(server.url)
    store = RedisGuardStore(client=client)

    async def use_async() -> None:
        await store.aopted_out_since(NEW_YORK)

    with pytest.raises(smskit.ConfigurationError, match="one client only"):
        anyio.run(use_async)
    client.close()


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({}, smskit.ConfigurationError, "url=, client= or async_client="),
        ({"url": 5}, smskit.OptionTypeError, "url"),
        ({"url": "http://x"}, smskit.ConfigurationError, "not a usable Redis URL"),
        ({"client": object()}, smskit.OptionTypeError, "redis-py client"),
        ({"url": "redis://x", "prefix": None}, smskit.OptionTypeError, "prefix"),
        (
            {"url": "redis://x", "socket_timeout": 0},
            smskit.ConfigurationError,
            "timeout",
        ),
    ],
)
def test_bad_options_are_refused(
    options: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        RedisGuardStore(**options)


def test_without_redis_py_the_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_redis(name: str) -> Any:
        raise ImportError(name)

    monkeypatch.setattr(importlib, "import_module", no_redis)
    with pytest.raises(smskit.ConfigurationError, match=r"smskit-sdk\[redis\]"):
        RedisGuardStore(url="redis://127.0.0.1:1/0")
