"""CPU per send: smskit's Twilio driver against raw httpx, on a shared machine.

Wall-clock rates swing by tens of percent while other work runs on the
machine; the CPU time this process spends per send swings far less, and is
what separates smskit from raw httpx. This script measures it:

- ``cpu`` (default): sends to the local Twilio-shaped server of
  ``bench_send.py`` (its own process, so its CPU is not counted), each way in
  turn for ``--rounds`` rounds, and prints each way's best µs of process CPU
  per send and smskit's overhead over raw httpx of the same kind: sync,
  async over httpx's pool (``--concurrency`` tasks) and async over the
  httpx-aiohttp transport;
- ``mock``: the same sends over ``httpx.MockTransport`` (no sockets), which
  leaves only the client-side work;
- ``profile``: cProfile of ``--sends`` sends of one way (``--way``);
- ``once``: ``--sends`` sends of one way and nothing else, for an
  instruction count: ``valgrind --tool=callgrind python
  benchmarks/profile_send.py once --way smskit --sends N`` for two values of
  N; the difference divided by the difference in N is instructions a send.

Run it with the benchmark venv (``scripts/bench-send`` creates it) or any venv
with smskit and, for the aiohttp rows, httpx-aiohttp. Prints, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import itertools
import json
import os
import pstats
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_send as bench  # a sibling module, found through the path above
import smskit

SYNC_WAYS = ("smskit", "httpx")
ASYNC_WAYS = ("smskit_async", "httpx_async", "smskit_aiohttp", "httpx_aiohttp")
PAIRS = (
    ("sync", "smskit", "httpx"),
    ("async (httpx pool)", "smskit_async", "httpx_async"),
    ("async (aiohttp transport)", "smskit_aiohttp", "httpx_aiohttp"),
)


# The last measurement's split of CPU time between user and system (kernel).
_SPLIT: dict[str, float] = {}


def _cpu_since(start: os.times_result, sends: int) -> float:
    """µs of CPU (user + system) per send since ``start``; records the split."""
    end = os.times()
    _SPLIT["user"] = 1e6 * (end.user - start.user) / sends
    _SPLIT["system"] = 1e6 * (end.system - start.system) / sends
    return _SPLIT["user"] + _SPLIT["system"]


def _ways() -> dict[str, bench.Way]:
    return {way.key: way for way in bench.ways() if way.available}


def cpu_per_send(
    way: bench.Way, base_url: str, numbers: list[str], sends: int, concurrency: int
) -> float:
    """µs of this process's CPU per send, after a warm-up of 200 sends."""
    next_number = itertools.cycle(numbers).__next__
    if not way.is_async:
        with way.make(base_url) as send:
            for _ in range(200):
                send(next_number())
            start = os.times()
            for _ in range(sends):
                send(next_number())
            return _cpu_since(start, sends)
    return asyncio.run(_async_cpu(way, base_url, next_number, sends, concurrency))


async def _async_cpu(
    way: bench.Way,
    base_url: str,
    next_number: Callable[[], str],
    sends: int,
    concurrency: int,
) -> float:
    async def burst(send: Any, count: int) -> None:
        remaining = [count]

        async def sender() -> None:
            while remaining[0] > 0:
                remaining[0] -= 1
                await send(next_number())

        await asyncio.gather(*(sender() for _ in range(concurrency)))

    async with way.make(base_url) as send:
        await burst(send, 200)
        start = os.times()
        await burst(send, sends)
        return _cpu_since(start, sends)


def run_cpu(args: argparse.Namespace) -> None:
    """Best µs of CPU per send of each way, over interleaved rounds."""
    numbers = bench.recipients(args.recipients)
    ways = _ways()
    best: dict[str, float] = {}
    split: dict[str, tuple[float, float]] = {}
    with bench.running_server(0) as server:
        for _ in range(args.rounds):
            for key in (*SYNC_WAYS, *ASYNC_WAYS):
                if key not in ways or key not in args.only:
                    continue
                cost = cpu_per_send(
                    ways[key], server.base_url, numbers, args.sends, args.concurrency
                )
                if cost < best.get(key, float("inf")):
                    best[key] = cost
                    split[key] = (_SPLIT["user"], _SPLIT["system"])
    for key, (user, system) in split.items():
        print(f"  {key:<18} user {user:7.1f} µs, system {system:7.1f} µs")
    _report(
        f"process CPU per send against the local server, best of {args.rounds} "
        f"rounds of {args.sends} sends",
        best,
    )


def _report(title: str, best: dict[str, float]) -> None:
    print(f"\n== {title}")
    for key, cost in best.items():
        print(f"  {key:<18} {cost:8.1f} µs")
    print(f"  {'smskit overhead':<28} {'µs':>8} {'ratio':>7}")
    for label, ours, raw in PAIRS:
        if ours in best and raw in best:
            extra = best[ours] - best[raw]
            print(f"  {label:<28} {extra:8.1f} {best[ours] / best[raw]:7.3f}")


# ------------------------------------------------------------------ no sockets


# One prepared answer, so the mock handler costs next to nothing.
_ANSWER = json.dumps(bench._message_json(b"To=%2B14155552671&Body=y", 1)).encode()


def _canned(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        201, content=_ANSWER, headers={"Content-Type": "application/json"}
    )


@contextlib.contextmanager
def _mock_smskit() -> Iterator[Callable[[str], object]]:
    provider = smskit.providers.Twilio(
        account_sid=bench.ACCOUNT_SID,
        auth_token=bench.AUTH_TOKEN,
        base_url="http://127.0.0.1:9",
    )
    http = httpx.Client(transport=httpx.MockTransport(_canned))
    with smskit.Client(provider, sender=bench.SENDER, http_client=http) as client:
        yield lambda to: client.send(to=to, body=bench.BODY).id
    http.close()


@contextlib.contextmanager
def _mock_httpx() -> Iterator[Callable[[str], object]]:
    with httpx.Client(
        base_url="http://127.0.0.1:9",
        auth=(bench.ACCOUNT_SID, bench.AUTH_TOKEN),
        transport=httpx.MockTransport(_canned),
    ) as client:

        def send(to: str) -> object:
            response = client.post(
                bench.MESSAGES_PATH,
                data={"To": to, "From": bench.SENDER, "Body": bench.BODY},
                headers={"Accept": "application/json"},
            )
            response.raise_for_status()
            return response.json()["sid"]

        yield send


def run_mock(args: argparse.Namespace) -> None:
    """CPU per send over ``httpx.MockTransport``: client-side work only."""
    numbers = bench.recipients(args.recipients)
    makers = {
        key: make
        for key, make in (("smskit", _mock_smskit), ("httpx", _mock_httpx))
        if key in args.only
    }
    best: dict[str, float] = {}
    for _ in range(args.rounds):
        for key, make in makers.items():
            next_number = itertools.cycle(numbers).__next__
            with make() as send:
                for _ in range(200):
                    send(next_number())
                start = time.process_time()
                for _ in range(args.sends):
                    send(next_number())
                cost = 1e6 * (time.process_time() - start) / args.sends
            best[key] = min(cost, best.get(key, float("inf")))
    _report(
        f"process CPU per send over httpx.MockTransport, best of {args.rounds} "
        f"rounds of {args.sends} sends",
        best,
    )


# ------------------------------------------------------------ one way, profiled


def run_once(args: argparse.Namespace, *, profiled: bool) -> None:
    """``--sends`` sends of ``--way`` (after a warm-up), optionally profiled."""
    way = _ways()[args.way]
    numbers = bench.recipients(args.recipients)
    profiler = cProfile.Profile() if profiled else None
    with bench.running_server(0) as server:
        if profiler is not None:
            profiler.enable()
        cost = cpu_per_send(way, server.base_url, numbers, args.sends, args.concurrency)
        if profiler is not None:
            profiler.disable()
    print(f"{args.way}: {cost:.1f} µs of CPU a send over {args.sends} sends")
    if profiler is not None:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(args.sort).print_stats(args.lines)
        print(out.getvalue())


def main() -> None:
    """Parse arguments and run one mode."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "mode", nargs="?", default="cpu", choices=("cpu", "mock", "profile", "once")
    )
    parser.add_argument("--sends", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--way", default="smskit", choices=(*SYNC_WAYS, *ASYNC_WAYS))
    parser.add_argument(
        "--only", nargs="+", default=[*SYNC_WAYS, *ASYNC_WAYS], help="cpu mode rows"
    )
    parser.add_argument("--sort", default="tottime", help="profile mode order")
    parser.add_argument("--lines", type=int, default=30, help="profile mode rows")
    args = parser.parse_args()
    if args.mode == "cpu":
        run_cpu(args)
    elif args.mode == "mock":
        run_mock(args)
    else:
        run_once(args, profiled=args.mode == "profile")


if __name__ == "__main__":
    main()
