"""Rate limiting: smskit's limiters against aiolimiter and pyrate-limiter.

Run with ``scripts/bench-ratelimit`` (it installs ``smskit-sdk[redis]`` and the
peers into ``.venv-bench`` only, never as smskit dependencies). A peer or a
backend that is missing is reported and skipped. Prints, and asserts nothing:

1. achieved rate against the configured one (200/s by default, ``--seconds``
   long) for `LocalLimiter` from several threads and from asyncio tasks, and
   for the peers, each paced the way its users do it;
2. the burst: how many acquisitions pass with no wait, what the next waits,
   and that a quiet spell refills it;
3. four processes sharing one `RedisLimiter` limit, started together by a
   barrier, against a redis-server this script starts on 127.0.0.1 and stops;
4. the cost of one acquire that needs no wait (a very high rate), in µs.

Every loop is bounded in count and in time; traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, NamedTuple

from smskit import LocalLimiter, RateLimit, RedisLimiter

try:
    import redis
except ImportError:  # pragma: no cover - reported at run time
    redis = None
try:
    import aiolimiter
except ImportError:  # pragma: no cover
    aiolimiter = None
try:
    import pyrate_limiter
except ImportError:  # pragma: no cover
    pyrate_limiter = None

KEY = "smskit:bench:acct"
THREADS = 4
TASKS = 8
PROCESSES = 4
# (due, done): when the limiter said the send may go, and when it went.
Sends = list[tuple[float, float]]


# --------------------------------------------------------------------- pacing


def summarize(label: str, sends: Sends, rate: float, target_pct: float) -> None:
    """Print the achieved rate of ``sends`` (paced, burst 1) against ``rate``."""
    if len(sends) < 2:
        print(f"  {label:<44} too few sends ({len(sends)})")
        return
    done = sorted(d for _, d in sends)
    span = done[-1] - done[0]
    achieved = (len(done) - 1) / span
    error = 100.0 * (achieved - rate) / rate
    late = sorted(max(0.0, d - due) * 1e3 for due, d in sends if not math.isnan(due))
    lateness = (
        f"late p50 {late[len(late) // 2]:.2f} ms p99 {late[int(len(late) * 0.99)]:.2f}"
        if late
        else "late n/a"
    )
    verdict = "ok" if abs(error) <= target_pct else f"MISS (±{target_pct:g} %)"
    print(
        f"  {label:<44} {len(done):>5} sends in {span:6.3f} s"
        f"  {achieved:8.2f}/s  error {error:+6.2f} %  {verdict}  {lateness}"
    )


class Counter:
    """A thread-safe count of sends still to hand out."""

    def __init__(self, total: int) -> None:
        self._left = total
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._left <= 0:
                return False
            self._left -= 1
            return True


def pace_threads(
    acquire: Callable[[], float], total: int, threads: int, budget: float
) -> Sends:
    """``total`` sends from ``threads`` threads; ``acquire`` returns the wait.

    Each thread does what a caller does: reserve, sleep the wait, send (here:
    take the time). Stops at ``total`` sends or after ``budget`` seconds.
    """
    counter = Counter(total)
    sends: Sends = []
    lock = threading.Lock()
    deadline = time.monotonic() + budget

    def worker() -> None:
        while counter.take() and time.monotonic() < deadline:
            before = time.monotonic()
            wait = acquire()
            due = before + wait
            if due > deadline:
                return
            if wait > 0:
                time.sleep(wait)
            done = time.monotonic()
            with lock:
                sends.append((due, done))

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:  # a peer's blocking acquire may take its 5 s timeout
        thread.join(max(0.0, deadline - time.monotonic()) + 6.0)
    with lock:
        return list(sends)


def pace_blocking_threads(
    acquire: Callable[[], object], total: int, threads: int, budget: float
) -> tuple[Sends, int]:
    """Like `pace_threads` for a limiter that sleeps inside ``acquire``.

    ``acquire`` returns whether it got a permit; a refusal (a timeout) ends
    that thread and is counted. The due time is unknown (NaN): such limiters
    do not tell it.
    """
    nan = float("nan")
    refused = [0]
    lock = threading.Lock()

    def acquire_then_go() -> float:
        if acquire() is True:
            return 0.0
        with lock:
            refused[0] += 1
        return float("inf")

    sends = pace_threads(acquire_then_go, total, threads, budget)
    return [(nan, done) for _, done in sends], refused[0]


async def pace_tasks(
    acquire: Callable[[], Awaitable[float]],
    total: int,
    tasks: int,
    budget: float,
) -> Sends:
    """``total`` sends from ``tasks`` asyncio tasks (``acquire`` returns the wait)."""
    left = [total]
    sends: Sends = []
    deadline = time.monotonic() + budget

    async def worker() -> None:
        while left[0] > 0 and time.monotonic() < deadline:
            left[0] -= 1
            before = time.monotonic()
            wait = await acquire()
            due = before + wait
            if due > deadline:
                return
            if wait > 0:
                await asyncio.sleep(wait)
            sends.append((due, time.monotonic()))

    await asyncio.wait_for(
        asyncio.gather(*(worker() for _ in range(tasks))), timeout=budget + 2.0
    )
    return sends


def bench_rate(seconds: float, rate: float) -> None:
    total = round(rate * seconds)
    budget = seconds * 1.5 + 3
    print(
        f"\n## 1. Achieved rate: configured {rate:g}/s, burst 1, {total} sends"
        f" (~{seconds:g} s); target ±2 %"
    )
    print("  (rate = (sends - 1) / (last send - first send); late = send - due)")
    limit = RateLimit(rate=rate, burst=1)

    local = LocalLimiter(limit)
    sends = pace_threads(lambda: local.reserve(KEY, 1), total, THREADS, budget)
    summarize(f"smskit LocalLimiter, {THREADS} threads", sends, rate, 2.0)

    local = LocalLimiter(limit)
    sends = asyncio.run(
        pace_tasks(lambda: local.areserve(KEY, 1), total, TASKS, budget)
    )
    summarize(f"smskit LocalLimiter.areserve, {TASKS} tasks", sends, rate, 2.0)

    if aiolimiter is None:
        print("  aiolimiter: not installed, skipped")
    else:
        peer = aiolimiter.AsyncLimiter(1, 1 / rate)

        async def aio_acquire() -> float:
            await peer.acquire()
            return 0.0

        sends = asyncio.run(pace_tasks(aio_acquire, total, TASKS, budget))
        sends = [(float("nan"), done) for _, done in sends]  # due time unknown
        summarize(
            f"aiolimiter AsyncLimiter(1, 1/{rate:g}), {TASKS} tasks", sends, rate, 2.0
        )

    if pyrate_limiter is None:
        print("  pyrate-limiter: not installed, skipped")
        return
    for buffer_ms in (50, 0):
        pyrate = pyrate_gcra_limiter(int(rate), burst=1, buffer_ms=buffer_ms)
        try:
            sends, refused = pace_blocking_threads(
                lambda lim=pyrate: lim.try_acquire(KEY, 1, blocking=True, timeout=5),
                total,
                THREADS,
                budget,
            )
        finally:
            pyrate.close()
        summarize(
            f"pyrate-limiter GCRA buffer_ms={buffer_ms}, {THREADS} threads",
            sends,
            rate,
            2.0,
        )
        if refused:
            print(f"    ({refused} blocking acquires gave up after their 5 s timeout)")


def pyrate_gcra_limiter(
    rate: int, *, burst: int | None = None, buffer_ms: int = 50, store: Any = None
) -> Any:
    """A pyrate-limiter GCRA limiter, the closest peer to smskit's."""
    assert pyrate_limiter is not None
    bucket = pyrate_limiter.StateBucket(
        [pyrate_limiter.Rate(rate, pyrate_limiter.Duration.SECOND, burst=burst)],
        algorithm=pyrate_limiter.GCRA(),
        store=store,
    )
    return pyrate_limiter.Limiter(bucket, buffer_ms=buffer_ms)


# ---------------------------------------------------------------------- burst


def drain(
    reserve: Callable[[str, float], float], rate: float, burst: int
) -> tuple[list[float], float]:
    """Take ``burst + 4`` tokens at once; return the waits and the worst gap.

    The gap is the largest difference, over the calls, between the wait the
    limiter gave and the ideal token bucket's: ``max(0, (k - burst) / rate -
    elapsed)`` for the k-th call (1-based) made ``elapsed`` seconds after the
    first; it shows that tokens refilled during the calls are credited too.
    """
    waits: list[float] = []
    ideal: list[float] = []
    first = 0.0
    for k in range(1, burst + 5):
        before = time.monotonic()
        wait = reserve(KEY, 1)
        # The limiter read its clock somewhere between before and now.
        now = (before + time.monotonic()) / 2
        first = first or now
        waits.append(wait)
        ideal.append(max(0.0, (k - burst) / rate - (now - first)))
    gap = max(abs(w - i) for w, i in zip(waits, ideal, strict=True))
    return waits, gap


def burst_run(reserve: Callable[[str, float], float], rate: float, burst: int) -> None:
    """Drain the burst, pace a little, rest until full, drain it again."""
    started = time.monotonic()
    waits, gap = drain(reserve, rate, burst)
    took = time.monotonic() - started
    free = next((i for i, w in enumerate(waits) if w > 0), len(waits))
    print(
        f"    first {free} of {len(waits)} acquisitions had zero wait"
        f" ({took * 1e3:.2f} ms for all: {took * rate:.2f} tokens refilled"
        f" meanwhile); the next waits {waits[min(free, len(waits) - 1)] * 1e3:.2f} ms"
        f" (1/rate = {1e3 / rate:.2f} ms); worst gap to ideal {gap * 1e3:.3f} ms"
    )
    # Pace `extra` more sends as a caller does, from the last drained token.
    extra = min(int(rate // 2), 200)
    time.sleep(waits[-1])
    start = time.monotonic()
    count = 0
    deadline = start + 5.0
    while count < extra and time.monotonic() < deadline:
        time.sleep(reserve(KEY, 1))
        count += 1
    span = time.monotonic() - start
    print(
        f"    then {count} paced sends in {span:.3f} s = {count / span:.1f}/s"
        f" (configured {rate:g}/s)"
    )
    # Rest until the bucket has refilled completely, then drain it again.
    rest = burst / rate + 0.05
    time.sleep(rest)
    waits, gap = drain(reserve, rate, burst)
    free = next((i for i, w in enumerate(waits) if w > 0), len(waits))
    print(
        f"    after resting {rest:.2f} s: first {free} zero-wait again, the next"
        f" waits {waits[min(free, len(waits) - 1)] * 1e3:.2f} ms;"
        f" worst gap to ideal {gap * 1e3:.3f} ms"
    )


def bench_burst(rate: float, burst: int, redis_url: str | None) -> None:
    print(f"\n## 2. Burst honoured: rate {rate:g}/s, burst {burst}")
    limit = RateLimit(rate=rate, burst=burst)
    print("  smskit LocalLimiter")
    burst_run(LocalLimiter(limit).reserve, rate, burst)
    if redis_url is not None:
        print("  smskit RedisLimiter")
        limiter = RedisLimiter(limit, url=redis_url)
        try:
            limiter.reserve(KEY + ":warmup", 1)  # connect and load the script
            burst_run(limiter.reserve, rate, burst)
        finally:
            limiter.close()


# ---------------------------------------------------------------------- redis


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def redis_server() -> Iterator[str | None]:
    """A throwaway redis-server on 127.0.0.1 (``None`` when unavailable)."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if redis is None:
        print("redis-py not installed: Redis rows skipped")
        yield None
        return
    if not os.path.exists(binary):
        print("no redis-server: Redis rows skipped")
        yield None
        return
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="smskit-bench-redis-") as workdir:
        args = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
        args += ["--appendonly", "no", "--dir", workdir, "--loglevel", "warning"]
        process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            url = f"redis://127.0.0.1:{port}/0"
            client = redis.Redis.from_url(url)
            for _ in range(100):
                with contextlib.suppress(redis.ConnectionError):
                    if client.ping():
                        break
                time.sleep(0.05)
            else:
                print("redis-server did not answer: Redis rows skipped")
                yield None
                return
            version = client.info("server")["redis_version"]
            client.close()
            print(f"redis-server {version} on 127.0.0.1:{port} (pid {process.pid})")
            yield url
        finally:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


class SharedRun(NamedTuple):
    """What each process sharing the Redis limit gets (picklable for spawn)."""

    url: str
    rate: float
    key: str
    budget: float
    left: Any  # multiprocessing.Value: sends still to hand out
    barrier: Any  # multiprocessing.Barrier: start together
    results: Any  # multiprocessing.Queue: (pid, sends) from each


def redis_worker(run: SharedRun) -> None:
    """One of the processes sharing the Redis limit (module level for spawn)."""
    url, rate, key, budget, left, barrier, results = run
    limiter = RedisLimiter(RateLimit(rate=rate, burst=1), url=url)
    sends: Sends = []
    try:
        limiter.reserve(key + ":warmup", 1)  # connect and load the script first
        barrier.wait(30)
        deadline = time.monotonic() + budget
        while time.monotonic() < deadline:
            with left.get_lock():
                if left.value <= 0:
                    break
                left.value -= 1
            before = time.monotonic()
            wait = limiter.reserve(key, 1)
            due = before + wait
            if due > deadline:
                break
            if wait > 0:
                time.sleep(wait)
            sends.append((due, time.monotonic()))
    finally:
        limiter.close()
        results.put((os.getpid(), sends))


def bench_redis_processes(url: str, seconds: float, rate: float) -> None:
    total = round(rate * seconds)
    budget = seconds * 1.5 + 3
    print(
        f"\n## 3. {PROCESSES} processes sharing one RedisLimiter: configured"
        f" {rate:g}/s, burst 1, {total} sends (~{seconds:g} s); target ±3 %"
    )
    ctx = multiprocessing.get_context("spawn")
    left = ctx.Value("q", total)
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    key = f"smskit:bench:shared:{os.getpid()}"
    procs = [
        ctx.Process(
            target=redis_worker,
            args=(SharedRun(url, rate, key, budget, left, barrier, results),),
            daemon=True,
        )
        for _ in range(PROCESSES)
    ]
    for proc in procs:
        proc.start()
    everything: Sends = []
    per_process: list[int] = []
    try:
        for _ in procs:
            _, sends = results.get(timeout=budget + 40)
            everything += sends
            per_process.append(len(sends))
    finally:
        for proc in procs:
            proc.join(10)
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
    print(f"  sends per process: {sorted(per_process)}")
    summarize(f"smskit RedisLimiter, {PROCESSES} processes", everything, rate, 3.0)


# ----------------------------------------------------------------------- cost


def calibrate(timed: Callable[[int], float]) -> int:
    """A batch size that takes about 20 ms (at most 2**22 calls)."""
    batch = 1
    while timed(batch) < 0.02 and batch < 1 << 22:
        batch *= 2
    return batch


class CostRows:
    """Cost rows, measured round-robin so that a noisy neighbour hits all alike.

    Each row is measured in batches of about 20 ms; the table shows the best
    batch (least disturbed) and the median batch, in µs per call.
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._rows: list[tuple[str, Callable[[int], float]]] = []

    def add(self, label: str, call: Callable[[], object]) -> None:
        def timed(batch: int) -> float:
            start = time.perf_counter()
            for _ in range(batch):
                call()
            return time.perf_counter() - start

        self._rows.append((label, timed))

    def add_async(self, label: str, call: Callable[[], Awaitable[object]]) -> None:
        async def batch_of(batch: int) -> float:
            start = time.perf_counter()
            for _ in range(batch):
                await call()
            return time.perf_counter() - start

        def timed(batch: int) -> float:
            return self.loop.run_until_complete(batch_of(batch))

        self._rows.append((label, timed))

    def run(self, seconds: float, rounds: int = 5) -> None:
        sizes = [calibrate(timed) for _, timed in self._rows]
        per_call: list[list[float]] = [[] for _ in self._rows]
        for _ in range(rounds):
            for (_, timed), batch, out in zip(self._rows, sizes, per_call, strict=True):
                deadline = time.perf_counter() + seconds / rounds
                while time.perf_counter() < deadline and len(out) < 10_000:
                    out.append(timed(batch) / batch * 1e6)
        for (label, _), out in zip(self._rows, per_call, strict=True):
            best, median = min(out), statistics.median(out)
            print(f"  {label:<52} {best:8.2f} µs  (median {median:8.2f})")


def check_no_wait(wait: object, label: str) -> None:
    if wait not in (0, True, None):
        print(f"  !! {label} returned {wait!r}: the row is not pure overhead")


HUGE = RateLimit(rate=1e9, burst=1e9)  # never asks anyone to wait
FAST = 10**9


def bench_cost(seconds: float, redis_url: str | None) -> None:
    print(
        "\n## 4. Cost of one acquire that needs no wait (rate 1e9/s, one key);"
        f" ~{seconds:g} s per row, interleaved"
    )
    print(f"  {'':<52} {'best':>11}   median")
    rows = CostRows()
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(rows.loop.close)
        local = LocalLimiter(HUGE)
        check_no_wait(local.reserve(KEY, 1), "LocalLimiter")
        rows.add("smskit LocalLimiter.reserve", lambda: local.reserve(KEY, 1))
        rows.add_async(
            "smskit LocalLimiter.areserve (awaited)", lambda: local.areserve(KEY, 1)
        )
        add_peer_rows(rows, cleanup)
        if redis_url is not None:
            add_redis_rows(rows, cleanup, redis_url)
        rows.run(seconds)


def add_peer_rows(rows: CostRows, cleanup: contextlib.ExitStack) -> None:
    if aiolimiter is None:
        print("  aiolimiter: not installed, skipped")
    else:
        # aiolimiter binds itself to the running loop on first use: make it there.
        async def make() -> Any:
            assert aiolimiter is not None
            return aiolimiter.AsyncLimiter(FAST, 1)

        peer = rows.loop.run_until_complete(make())
        rows.add_async("aiolimiter AsyncLimiter.acquire (awaited)", peer.acquire)
    if pyrate_limiter is None:
        print("  pyrate-limiter: not installed, skipped")
        return
    gcra = pyrate_gcra_limiter(FAST)
    cleanup.callback(gcra.close)
    check_no_wait(gcra.try_acquire(KEY, 1, blocking=False), "pyrate GCRA")
    rows.add(
        "pyrate-limiter GCRA try_acquire(blocking=False)",
        lambda: gcra.try_acquire(KEY, 1, blocking=False),
    )
    log = pyrate_limiter.Limiter(
        pyrate_limiter.Rate(FAST, pyrate_limiter.Duration.SECOND)
    )
    cleanup.callback(log.close)
    check_no_wait(log.try_acquire(KEY, 1, blocking=False), "pyrate log bucket")
    rows.add(
        "pyrate-limiter Limiter(Rate) (log bucket), same",
        lambda: log.try_acquire(KEY, 1, blocking=False),
    )


def add_redis_rows(
    rows: CostRows, cleanup: contextlib.ExitStack, redis_url: str
) -> None:
    assert redis is not None
    limiter = RedisLimiter(HUGE, url=redis_url)
    cleanup.callback(limiter.close)
    cleanup.callback(lambda: rows.loop.run_until_complete(limiter.aclose()))
    check_no_wait(limiter.reserve(KEY, 1), "RedisLimiter")
    rows.add("smskit RedisLimiter.reserve (127.0.0.1)", lambda: limiter.reserve(KEY, 1))
    rows.add_async(
        "smskit RedisLimiter.areserve (127.0.0.1)",
        lambda: limiter.areserve(KEY + ":async", 1),
    )
    client = redis.Redis.from_url(redis_url)
    cleanup.callback(client.close)
    client.ping()
    rows.add("redis-py PING (the floor for any Redis limiter)", client.ping)
    if pyrate_limiter is not None:
        store = pyrate_limiter.RedisStateStore(client, key="pyrate:bench")
        remote = pyrate_gcra_limiter(FAST, store=store)
        cleanup.callback(remote.close)
        check_no_wait(remote.try_acquire(KEY, 1, blocking=False), "pyrate Redis")
        rows.add(
            "pyrate-limiter GCRA + RedisStateStore (127.0.0.1)",
            lambda: remote.try_acquire(KEY, 1, blocking=False),
        )


# ----------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="length of each rate run"
    )
    parser.add_argument("--quick", action="store_true", help="about 2 s per rate run")
    parser.add_argument("--rate", type=float, default=200.0, help="configured rate/s")
    parser.add_argument("--burst", type=int, default=50, help="burst for section 2")
    args, unknown = parser.parse_known_args()
    if unknown:  # scripts/bench passes its own flags to every benchmark
        print(f"(ignoring arguments meant for other benchmarks: {unknown})")
    seconds = min(args.seconds, 2.0) if args.quick else args.seconds
    seconds = max(0.5, min(seconds, 120.0))
    cost_seconds = 0.3 if args.quick else 1.0

    print(
        f"Python {sys.version.split()[0]} on {os.cpu_count()} CPUs;"
        f" aiolimiter {version_of('aiolimiter')},"
        f" pyrate-limiter {version_of('pyrate-limiter')},"
        f" redis-py {version_of('redis')}"
    )
    started = time.monotonic()
    with redis_server() as redis_url:
        bench_rate(seconds, args.rate)
        bench_burst(args.rate, args.burst, redis_url)
        if redis_url is not None:
            bench_redis_processes(redis_url, seconds, args.rate)
        bench_cost(cost_seconds, redis_url)
    print(f"\n(done in {time.monotonic() - started:.1f} s)")


def version_of(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


if __name__ == "__main__":
    main()
