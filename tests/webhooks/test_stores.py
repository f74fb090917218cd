"""MemoryStore and RedisStore: the same atomic operations, one contract.

The Redis half runs against a real redis-server on 127.0.0.1 (skipped when
it is not installed, unless SMSKIT_REQUIRE_REDIS=1). Several processes
handling the same event are real processes, each with its own RedisStore.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from webhook_helpers import FakeProvider, event, fake_request, part

from redis_server import free_port
from smskit import ConfigurationError, OptionTypeError, Status
from smskit.webhooks import (
    MemoryStore,
    PartGroup,
    RedisStore,
    Store,
    WebhookHandler,
    WebhookStoreUnavailable,
)

NOW = 1_800_000_000.0


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    url = request.getfixturevalue("redis_url")
    # A prefix per test: tests share the server, never each other's keys.
    redis_store = RedisStore(url=url, prefix=f"test:{uuid.uuid4().hex}:")
    yield redis_store
    redis_store.close()


def wait_past(store: Store, seconds: float) -> float:
    """A moment ``seconds`` later: the clock for memory, real time for Redis."""
    if isinstance(store, RedisStore):
        time.sleep(seconds)
    return NOW + seconds


def test_stores_implement_the_protocol(store: Store) -> None:
    assert isinstance(store, Store)


def test_a_claim_is_won_once(store: Store) -> None:
    assert store.claim("k", ttl=60, now=NOW) is True
    assert store.claim("k", ttl=60, now=NOW) is False
    assert store.claim("other", ttl=60, now=NOW) is True


def test_a_released_claim_can_be_won_again(store: Store) -> None:
    store.claim("k", ttl=60, now=NOW)
    store.release("k")
    assert store.claim("k", ttl=60, now=NOW) is True
    store.release("never-claimed")  # no error


def test_a_claim_expires(store: Store) -> None:
    store.claim("k", ttl=0.2, now=NOW)
    later = wait_past(store, 0.4)
    assert store.claim("k", ttl=0.2, now=later) is True


def test_values_and_compare_and_set(store: Store) -> None:
    assert store.get("s", now=NOW) is None
    assert store.compare_and_set("s", "sent", "delivered", ttl=60, now=NOW) is False
    assert store.compare_and_set("s", None, "sent", ttl=60, now=NOW) is True
    assert store.compare_and_set("s", None, "queued", ttl=60, now=NOW) is False
    assert store.compare_and_set("s", "sent", "delivered", ttl=60, now=NOW) is True
    assert store.get("s", now=NOW) == "delivered"
    store.put("p", "message-1", ttl=60, now=NOW)
    assert store.get("p", now=NOW) == "message-1"


def test_a_value_expires(store: Store) -> None:
    store.put("p", "x", ttl=0.2, now=NOW)
    assert store.get("p", now=wait_past(store, 0.4)) is None


def test_a_group_is_handed_out_once_complete(store: Store) -> None:
    assert store.add_part("g", 3, 3, "three", ttl=60, now=NOW) == 1
    assert store.add_part("g", 1, 3, "one", ttl=60, now=NOW) == 2
    assert store.add_part("g", 1, 3, "one", ttl=60, now=NOW) == 2  # stored again
    whole = store.add_part("g", 2, 3, "two", ttl=60, now=NOW)
    assert whole == PartGroup(group="g", parts=("one", "two", "three"))
    # Gone once handed out: a new part starts a new group.
    assert store.add_part("g", 1, 3, "one", ttl=60, now=NOW) == 1


def test_parts_are_ordered_by_number_not_text(store: Store) -> None:
    for number in (10, 2, 1, 9, 3, 4, 5, 6, 7):
        store.add_part("g", number, 10, f"p{number}", ttl=60, now=NOW)
    whole = store.add_part("g", 8, 10, "p8", ttl=60, now=NOW)
    assert isinstance(whole, PartGroup)
    assert whole.parts == tuple(f"p{number}" for number in range(1, 11))


def test_expired_groups_are_taken_once(store: Store) -> None:
    store.add_part("old", 1, 2, "a", ttl=1000, now=NOW)
    store.add_part("new", 1, 2, "b", ttl=1000, now=NOW + 100)
    taken = store.take_expired(before=NOW + 50, now=NOW + 100)
    assert taken == (PartGroup(group="old", parts=("a",)),)
    assert store.take_expired(before=NOW + 50, now=NOW + 100) == ()
    # A late part of the taken group starts afresh; the other is untouched.
    assert store.add_part("new", 2, 2, "c", ttl=1000, now=NOW + 100) == PartGroup(
        group="new", parts=("b", "c")
    )


def test_a_group_past_its_lifetime_is_dropped(store: Store) -> None:
    store.add_part("g", 1, 2, "a", ttl=0.2, now=NOW)
    later = wait_past(store, 0.4)
    assert store.take_expired(before=later, now=later) == ()


def race(workers: int, work: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(workers)
    results: list[object] = [None] * workers

    def run(index: int) -> None:
        barrier.wait()
        results[index] = work(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_racing_claims_have_one_winner(store: Store) -> None:
    for round_ in range(20):
        key = f"k{round_}"
        wins = race(6, lambda _, key=key: store.claim(key, ttl=60, now=NOW))
        assert wins.count(True) == 1


def test_racing_last_parts_hand_the_group_out_once(store: Store) -> None:
    for round_ in range(20):
        group = f"g{round_}"
        outcomes = race(
            4,
            lambda index, group=group: store.add_part(
                group, index + 1, 4, "x", ttl=60, now=NOW
            ),
        )
        assert sum(isinstance(outcome, PartGroup) for outcome in outcomes) == 1


def test_the_handler_works_on_each_store(store: Store) -> None:
    handler = WebhookHandler(FakeProvider(), store=store)
    first = handler.handle(fake_request(events=[event("m1", "delivered")]))
    late = handler.handle(fake_request(events=[event("m1", "sent")]))
    again = handler.handle(fake_request(events=[event("m1", "delivered")]))
    assert len(first.items) == len(late.stale) == len(again.duplicates) == 1
    parts = [part(2, 2, "world"), part(1, 2, "hello ")]
    results = [handler.handle(fake_request(inbound=[entry])) for entry in parts]
    assert results[0].waiting_parts == 1
    (joined,) = results[1].inbound
    assert joined.body == "hello world"


def test_memory_store_options() -> None:
    with pytest.raises(ConfigurationError, match="max_entries"):
        MemoryStore(max_entries=0)
    with pytest.raises(OptionTypeError, match="max_entries"):
        MemoryStore(max_entries="10")  # type: ignore[arg-type]


def test_memory_store_stays_within_its_cap() -> None:
    store = MemoryStore(max_entries=100)
    for index in range(1000):
        store.claim(f"k{index}", ttl=60 + index, now=NOW)
    assert "values=" in repr(store)
    kept = sum(store.get(f"k{index}", now=NOW) is not None for index in range(1000))
    assert kept <= 100
    # The newest claims (furthest from expiry) are the ones kept.
    assert store.get("k999", now=NOW) == "1"


# -- Redis only ----------------------------------------------------------------


def test_redis_store_needs_one_of_url_or_client() -> None:
    pytest.importorskip("redis")
    with pytest.raises(ConfigurationError, match="url= or client="):
        RedisStore()
    with pytest.raises(ConfigurationError, match="url= or client="):
        RedisStore(url="redis://x", client=object())
    with pytest.raises(OptionTypeError, match="redis-py client"):
        RedisStore(client=object())
    with pytest.raises(ConfigurationError, match="not a usable Redis URL") as caught:
        RedisStore(url="http://user:pw-9@host/")
    assert "pw-9" not in str(caught.value)


def test_redis_store_says_how_to_install_redis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "redis.exceptions", None)
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(ConfigurationError, match=r"smskit-sdk\[redis\]"):
        RedisStore(url="redis://127.0.0.1:1/0")


def test_a_dead_redis_is_a_store_error_without_the_password() -> None:
    pytest.importorskip("redis")
    url = f"redis://:pw-dead@127.0.0.1:{free_port()}/0"
    store = RedisStore(url=url, connect_timeout=0.5, socket_timeout=0.5)
    assert "pw-dead" not in repr(store)
    with pytest.raises(WebhookStoreUnavailable, match="Redis failed") as caught:
        store.claim("k", ttl=60, now=NOW)
    assert "pw-dead" not in str(caught.value)
    handler = WebhookHandler(FakeProvider(), store=store)
    with pytest.raises(WebhookStoreUnavailable):
        handler.handle(fake_request(events=[event("m1", "sent")]))
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(store)
    store.close()


_WORKER = textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, sys.argv[1])
    from webhook_helpers import FakeProvider, event, fake_request
    from smskit.webhooks import RedisStore, WebhookHandler

    store = RedisStore(url=sys.argv[2], prefix=sys.argv[3])
    handler = WebhookHandler(FakeProvider(), store=store)
    request = fake_request(events=[event("m1", "delivered")], nonce=sys.argv[5])
    start = float(sys.argv[4])
    while time.time() < start:
        time.sleep(0.001)
    result = handler.handle(request)
    print(json.dumps([len(result.items), len(result.duplicates)]))
    """
)


def test_exactly_one_process_gets_an_event(redis_url: str) -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    start = time.time() + 3.0  # both imported by then (2 cores), then at once
    here = str(Path(__file__).parent)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    workers = [
        subprocess.Popen(  # noqa: S603 -- this interpreter, our own script
            [
                sys.executable,
                "-c",
                _WORKER,
                here,
                redis_url,
                prefix,
                repr(start),
                nonce,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for nonce in ("n-a", "n-b")  # two deliveries of one event
    ]
    counts = []
    try:
        for worker in workers:
            out, err = worker.communicate(timeout=60)
            assert worker.returncode == 0, err.decode()
            counts.append(json.loads(out))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
            worker.communicate()
    assert sum(items for items, _ in counts) == 1
    assert sum(duplicates for _, duplicates in counts) == 1


def test_redis_keys_carry_the_prefix_and_expire(redis_url: str) -> None:
    import redis

    prefix = f"test:{uuid.uuid4().hex}:"
    store = RedisStore(url=redis_url, prefix=prefix)
    handler = WebhookHandler(FakeProvider(), store=store, history=3600)
    handler.handle(fake_request(events=[event("m1", "delivered")]))
    handler.handle(fake_request(inbound=[part(1, 2, "a")]))
    with redis.Redis.from_url(redis_url) as client:
        keys = client.keys("*")
        mine = [key.decode() for key in keys if key.decode().startswith(prefix)]
        assert len(mine) >= 4  # nonce, event, status, part, index
        for key in mine:
            assert 0 < client.pttl(key) <= 3600 * 1000
    status = store.get(
        json.dumps(["status", "fake", "m1"], separators=(",", ":")), now=NOW
    )
    assert status == Status.DELIVERED.value
    store.close()
