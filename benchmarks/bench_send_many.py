"""send_many: peak memory over a long generator, and throughput against raw httpx.

Run with ``scripts/bench-send-many`` (the same virtualenv as ``bench-send``).
Prints, and asserts nothing:

- **memory**: peak RSS of a process that sends ``--count`` messages (one
  million by default) from a generator through ``AsyncClient.send_many`` and
  through ``Client.send_many``, with smskit's Twilio driver over an in-process
  transport that answers a canned 201 and keeps nothing (the sandbox keeps
  every message it accepted, so through it the figure would measure its
  store). Each run is a fresh process, and a run of 1,000 gives the baseline:
  the targets are a peak under 150 MB and at most 20 MB above the baseline.
- **throughput**: ``AsyncClient.send_many`` against the local Twilio-shaped
  server of ``bench_send.py`` (in its own process, instant or after
  ``--latency-ms``), next to a hand-written asyncio loop over raw
  ``httpx.AsyncClient`` with the same concurrency (workers pulling from one
  iterator), and the same over the ``httpx-aiohttp`` transport when installed.
  The target is send_many >= 0.8x the raw loop.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

import smskit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_send

ACCOUNT_SID = bench_send.ACCOUNT_SID
AUTH_TOKEN = bench_send.AUTH_TOKEN
SENDER = bench_send.SENDER
BODY = bench_send.BODY
CANNED = json.dumps(
    {
        "sid": "SM" + "0" * 32,
        "account_sid": ACCOUNT_SID,
        "to": "+14155552671",
        "from": SENDER,
        "body": BODY,
        "status": "queued",
        "num_segments": "1",
        "date_created": "Wed, 02 Dec 2026 15:30:00 +0000",
        "date_updated": "Wed, 02 Dec 2026 15:30:00 +0000",
        "price": None,
        "price_unit": "USD",
        "error_code": None,
        "error_message": None,
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/SM{'0' * 32}.json",
    }
).encode()


def _answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        201, content=CANNED, headers={"Content-Type": "application/json"}
    )


def messages(count: int) -> Iterator[dict[str, str]]:
    """``count`` messages, made one at a time (nothing held)."""
    for line in range(count):
        yield {"to": f"+1415555{line % 10_000:04d}", "body": BODY}


def _provider(base_url: str = "https://api.twilio.com") -> Any:
    return smskit.providers.Twilio(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, base_url=base_url
    )


def _rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_run(kind: str, count: int, concurrency: int) -> None:
    """One measured run (in a child process): print the counts and peak RSS."""
    sent = failed = 0
    started = time.perf_counter()
    if kind == "async":

        async def main() -> tuple[int, int]:
            ok = bad = 0
            transport = httpx.MockTransport(_answer)
            async with (
                httpx.AsyncClient(transport=transport) as http,
                smskit.AsyncClient(
                    _provider(), sender=SENDER, http_client=http
                ) as client,
                client.send_many(messages(count), concurrency=concurrency) as results,
            ):
                async for result in results:
                    ok += result.ok
                    bad += not result.ok
            return ok, bad

        sent, failed = asyncio.run(main())
    else:
        transport = httpx.MockTransport(_answer)
        with (
            httpx.Client(transport=transport) as http,
            smskit.Client(_provider(), sender=SENDER, http_client=http) as client,
        ):
            for result in client.send_many(messages(count), concurrency=concurrency):
                sent += result.ok
                failed += not result.ok
    seconds = time.perf_counter() - started
    print(
        json.dumps({"sent": sent, "failed": failed, "rss_mb": _rss_mb(), "s": seconds})
    )


def measure_memory(kind: str, count: int, concurrency: int) -> dict[str, Any]:
    output = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            kind,
            "--count",
            str(count),
            "--concurrency",
            str(concurrency),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


async def send_many_rate(
    base_url: str, seconds: float, concurrency: int, http: httpx.AsyncClient | None
) -> float:
    """Messages per second through ``AsyncClient.send_many`` for ``seconds``."""
    count = 0
    async with smskit.AsyncClient(
        _provider(base_url), sender=SENDER, http_client=http
    ) as client:
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()

        def endless() -> Iterator[dict[str, str]]:
            while time.perf_counter() < deadline:
                yield from messages(concurrency)

        async with client.send_many(endless(), concurrency=concurrency) as results:
            async for result in results:
                count += result.ok
        rate = count / (time.perf_counter() - started)
    if http is not None:
        await http.aclose()  # a client given to smskit stays the caller's
    return rate


async def raw_loop_rate(
    base_url: str, seconds: float, concurrency: int, http: httpx.AsyncClient
) -> float:
    """The hand-written loop: ``concurrency`` workers pulling from one iterator."""
    count = 0
    deadline = time.perf_counter() + seconds

    def endless() -> Iterator[dict[str, str]]:
        while time.perf_counter() < deadline:
            yield from messages(concurrency)

    source = endless()

    async def worker() -> None:
        nonlocal count
        for message in source:
            response = await http.post(
                bench_send.MESSAGES_PATH,
                data={"To": message["to"], "From": SENDER, "Body": message["body"]},
                headers={"Accept": "application/json"},
            )
            response.raise_for_status()
            response.json()
            count += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.perf_counter() - started)


def _aiohttp_client(base_url: str | None = None) -> httpx.AsyncClient | None:
    try:
        import httpx_aiohttp
    except ImportError:
        return None
    if base_url is None:
        return httpx_aiohttp.HttpxAiohttpClient()
    return httpx_aiohttp.HttpxAiohttpClient(
        base_url=base_url, auth=(ACCOUNT_SID, AUTH_TOKEN)
    )


async def throughput(base_url: str, seconds: float, concurrency: int) -> None:
    raw = httpx.AsyncClient(base_url=base_url, auth=(ACCOUNT_SID, AUTH_TOKEN))
    async with raw:
        await raw_loop_rate(base_url, 0.3, concurrency, raw)  # warm up
        raw_rate = await raw_loop_rate(base_url, seconds, concurrency, raw)
    await send_many_rate(base_url, 0.3, concurrency, None)
    ours = await send_many_rate(base_url, seconds, concurrency, None)
    print(f"  raw httpx loop           {raw_rate:>8,.0f} msg/s")
    print(f"  smskit send_many         {ours:>8,.0f} msg/s  ({ours / raw_rate:.2f}x)")
    raw_aio = _aiohttp_client(base_url)
    if raw_aio is None:
        print("  httpx-aiohttp not installed: the aiohttp rows are skipped")
        return
    async with raw_aio:
        await raw_loop_rate(base_url, 0.3, concurrency, raw_aio)
        raw_aio_rate = await raw_loop_rate(base_url, seconds, concurrency, raw_aio)
    ours_aio = await send_many_rate(base_url, seconds, concurrency, _aiohttp_client())
    print(f"  raw loop over aiohttp    {raw_aio_rate:>8,.0f} msg/s")
    print(
        f"  send_many over aiohttp   {ours_aio:>8,.0f} msg/s  "
        f"({ours_aio / raw_aio_rate:.2f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--child", choices=["sync", "async"])
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    if args.child:
        memory_run(args.child, args.count, args.concurrency)
        return

    if not args.skip_memory:
        print(f"memory: send_many over a generator, concurrency {args.concurrency}")
        for kind in ("async", "sync"):
            small = measure_memory(kind, 1_000, args.concurrency)
            large = measure_memory(kind, args.count, args.concurrency)
            growth = large["rss_mb"] - small["rss_mb"]
            print(
                f"  {kind:<5} 1,000: {small['rss_mb']:6.1f} MB   "
                f"{args.count:,}: {large['rss_mb']:6.1f} MB "
                f"({large['sent']:,} sent, {large['failed']:,} failed, "
                f"{large['s']:.0f} s)   growth {growth:+.1f} MB"
            )
            under = "met" if large["rss_mb"] < 150 else "NOT met"
            flat = "met" if growth <= 20 else "NOT met"
            print(f"        targets: peak < 150 MB {under}; growth <= 20 MB {flat}")

    for latency in (0.0, args.latency_ms):
        print(
            f"\nthroughput, concurrency {args.concurrency}, server answering "
            f"after {latency:g} ms (target: send_many >= 0.8x the raw loop)"
        )
        with bench_send.running_server(latency) as server:
            asyncio.run(throughput(server.base_url, args.seconds, args.concurrency))


if __name__ == "__main__":
    main()
