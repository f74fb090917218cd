"""Sending: smskit's Twilio driver against the official twilio SDK and raw httpx.

Run with ``scripts/bench-send`` (it installs smskit, the official ``twilio``
SDK and ``httpx-aiohttp`` into ``.venv-bench-send`` only, never as smskit
dependencies). A peer that is missing is reported and skipped. Prints, and
asserts nothing:

- messages per second for each way of sending one SMS to the same local
  Twilio-shaped server (``POST /2010-04-01/Accounts/{sid}/Messages.json``
  answered with a realistic 201 Message resource): smskit ``Client``, the
  official SDK pointed at the server by its base URL, raw ``httpx.Client``;
  then, with ``--concurrency`` (50) senders on one event loop, smskit
  ``AsyncClient``, raw ``httpx.AsyncClient``, the official SDK's async client,
  smskit ``AsyncClient(transport="aiohttp")`` and raw httpx over the
  ``httpx-aiohttp`` transport;
- the ratios issue 13 sets as targets, next to the targets.

By default it runs twice: against an instant server (the CPU cost of a send)
and against one answering after 50 ms (a provider's round trip, where the
limit is concurrency / latency). The server runs in its own process, an
asyncio server with keep-alive, so it is never the bottleneck: its CPU use
during each measurement is printed beside the rate. Every measurement has an
untimed warm-up and lasts ``--seconds``; traffic goes to 127.0.0.1 only, and
the server process is stopped at the end. ``--profile N`` adds a cProfile of
N sends through smskit ``Client`` and through raw httpx.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import email.utils
import importlib.util
import io
import itertools
import json
import os
import pstats
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, NamedTuple

import httpx

import smskit

try:
    import twilio.rest
except ImportError:  # pragma: no cover - reported at run time
    twilio = None
try:
    import httpx_aiohttp
except ImportError:  # pragma: no cover
    httpx_aiohttp = None

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "f" * 32  # a made-up token: the local server only checks it is sent
SENDER = "+15005550006"
BODY = "Your smskit verification code is 482913. It expires in 10 minutes."
MESSAGES_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
AREA_CODES = ("415", "212", "312", "617", "206", "303", "512", "702")

SyncSend = Callable[[str], object]
AsyncSend = Callable[[str], Awaitable[object]]


# ------------------------------------------------------------------ the server


class _TwilioShaped(asyncio.Protocol):
    """HTTP/1.1 with keep-alive, answering every send like Twilio's API does.

    Only what the benchmark sends is understood: a request head, then a body of
    ``Content-Length`` bytes. A send gets 201 and the Message resource with a
    fresh SID, echoing To, From and Body; anything else gets Twilio's 404.
    """

    sids = itertools.count(1)

    def __init__(self, latency: float) -> None:
        self._latency = latency
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        sock = transport.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self._buffer[:end].decode("latin-1")
            length = _content_length(head)
            total = end + 4 + length
            if len(self._buffer) < total:
                return
            body = self._buffer[end + 4 : total]
            self._buffer = self._buffer[total:]
            answer = _answer(head, body, next(self.sids))
            if self._latency:
                asyncio.get_running_loop().call_later(
                    self._latency, self._write, answer
                )
            else:
                self._write(answer)

    def _write(self, answer: bytes) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(answer)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None


def _content_length(head: str) -> int:
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            return int(value)
    return 0


def _answer(head: str, body: bytes, number: int) -> bytes:
    """The full HTTP response to one request."""
    method, _, rest = head.partition(" ")
    path = rest.partition(" ")[0]
    authorized = "\r\nauthorization: basic " in head.lower()
    if method == "POST" and path == MESSAGES_PATH and authorized:
        return _response(201, "Created", _message_json(body, number))
    error = {
        "code": 20404 if authorized else 20003,
        "message": "The requested resource was not found"
        if authorized
        else "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20404",
        "status": 404 if authorized else 401,
    }
    return _response(
        error["status"], "Not Found" if authorized else "Unauthorized", error
    )


def _message_json(body: bytes, number: int) -> dict[str, Any]:
    """The Message resource Twilio returns for a send (status ``queued``)."""
    form = urllib.parse.parse_qs(body.decode("utf-8"))
    sid = f"SM{number:032x}"
    now = email.utils.formatdate(usegmt=True).replace("GMT", "+0000")
    uri = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}"
    return {
        "account_sid": ACCOUNT_SID,
        "api_version": "2010-04-01",
        "body": form.get("Body", [""])[0],
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": form.get("From", [None])[0],
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued",
        "subresource_uris": {"media": f"{uri}/Media.json"},
        "to": form.get("To", [""])[0],
        "uri": f"{uri}.json",
    }


def _response(status: int, reason: str, document: dict[str, Any]) -> bytes:
    payload = json.dumps(document).encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(payload)}\r\n"
        "Connection: keep-alive\r\n"
        "Twilio-Request-Id: RQ00000000000000000000000000000000\r\n"
        "\r\n"
    )
    return head.encode("ascii") + payload


def serve(latency_ms: float) -> None:
    """Run the server on a free port of 127.0.0.1 until stdin closes.

    The port goes to stdout as ``PORT <n>``. Reading stdin to its end means
    the server also stops if the benchmark dies without stopping it.
    """

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: _TwilioShaped(latency_ms / 1000.0),
            "127.0.0.1",
            0,
            backlog=1024,
        )
        port = server.sockets[0].getsockname()[1]
        print(f"PORT {port}", flush=True)
        stdin_closed = loop.create_future()
        threading.Thread(
            target=lambda: (
                sys.stdin.read(),
                loop.call_soon_threadsafe(stdin_closed.set_result, None),
            ),
            daemon=True,
        ).start()
        async with server:
            await stdin_closed

    asyncio.run(main())


class Server(NamedTuple):
    """The server process and its address."""

    process: subprocess.Popen[str]
    base_url: str

    def cpu_seconds(self) -> float | None:
        """User + system CPU time the server has used (Linux), else ``None``."""
        try:
            with open(f"/proc/{self.process.pid}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            return None
        # Fields 14 and 15 of /proc/PID/stat (utime, stime), after "(comm)".
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def running_server(latency_ms: float) -> Iterator[Server]:
    """Start the server in its own process; stop it on the way out."""
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--latency-ms", str(latency_ms)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"the server did not start: {line!r}")
        yield Server(process, f"http://127.0.0.1:{int(line.split()[1])}")
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.terminate()
            process.wait(timeout=5)


# ---------------------------------------------------------------- recipients


def recipients(count: int) -> list[str]:
    """``count`` distinct valid US numbers in E.164, in a fixed order.

    More than smskit's number memo holds (16,384), so sends cycling through
    them pay for normalizing every number, as a sender of one-time codes does.
    """
    numbers = []
    for line in range(count):
        area = AREA_CODES[line % len(AREA_CODES)]
        exchange = 201 + (line // len(AREA_CODES)) % 700
        if exchange % 100 == 11:  # N11 exchanges are not assignable
            exchange += 1
        numbers.append(f"+1{area}{exchange}{line % 10_000:04d}")
    return numbers


# ------------------------------------------------------------ ways of sending


@contextlib.contextmanager
def smskit_sync(base_url: str) -> Iterator[SyncSend]:
    """smskit ``Client`` with its defaults."""
    provider = smskit.providers.Twilio(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, base_url=base_url
    )
    with smskit.Client(provider, sender=SENDER) as client:

        def send(to: str) -> object:
            return client.send(to=to, body=BODY).id

        yield send


@contextlib.contextmanager
def twilio_sync(base_url: str) -> Iterator[SyncSend]:
    """The official SDK, its API domain pointed at the local server."""
    client = twilio.rest.Client(ACCOUNT_SID, AUTH_TOKEN, environment={})
    # Every request URL is Domain.base_url + the resource path (no region or
    # edge is set, so the SDK leaves the host alone).
    client.api.base_url = base_url
    messages = client.messages

    def send(to: str) -> object:
        return messages.create(to=to, from_=SENDER, body=BODY).sid

    try:
        yield send
    finally:
        session = getattr(client.http_client, "session", None)
        if session is not None:
            session.close()


@contextlib.contextmanager
def httpx_sync(base_url: str) -> Iterator[SyncSend]:
    """The same request with ``httpx.Client``: Basic auth, form body, JSON read."""
    with httpx.Client(base_url=base_url, auth=(ACCOUNT_SID, AUTH_TOKEN)) as client:

        def send(to: str) -> object:
            response = client.post(
                MESSAGES_PATH,
                data={"To": to, "From": SENDER, "Body": BODY},
                headers={"Accept": "application/json"},
            )
            response.raise_for_status()
            return response.json()["sid"]

        yield send


@contextlib.asynccontextmanager
async def smskit_async(
    base_url: str, http_client: httpx.AsyncClient | None = None
) -> AsyncIterator[AsyncSend]:
    """smskit ``AsyncClient``: its own httpx pool, or ``http_client``."""
    provider = smskit.providers.Twilio(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, base_url=base_url
    )
    async with smskit.AsyncClient(
        provider, sender=SENDER, http_client=http_client
    ) as client:

        async def send(to: str) -> object:
            return (await client.send(to=to, body=BODY)).id

        yield send
    if http_client is not None:
        await http_client.aclose()


@contextlib.asynccontextmanager
async def httpx_async(
    base_url: str, client_class: type[httpx.AsyncClient] = httpx.AsyncClient
) -> AsyncIterator[AsyncSend]:
    """The same request with ``httpx.AsyncClient`` (or a subclass)."""
    async with client_class(
        base_url=base_url, auth=(ACCOUNT_SID, AUTH_TOKEN)
    ) as client:

        async def send(to: str) -> object:
            response = await client.post(
                MESSAGES_PATH,
                data={"To": to, "From": SENDER, "Body": BODY},
                headers={"Accept": "application/json"},
            )
            response.raise_for_status()
            return response.json()["sid"]

        yield send


@contextlib.asynccontextmanager
async def twilio_async(base_url: str) -> AsyncIterator[AsyncSend]:
    """The official SDK's async client (``AsyncTwilioHttpClient``, aiohttp)."""
    from twilio.http.async_http_client import AsyncTwilioHttpClient

    http_client = AsyncTwilioHttpClient()
    client = twilio.rest.Client(
        ACCOUNT_SID, AUTH_TOKEN, environment={}, http_client=http_client
    )
    client.api.base_url = base_url
    messages = client.messages

    async def send(to: str) -> object:
        return (await messages.create_async(to=to, from_=SENDER, body=BODY)).sid

    try:
        yield send
    finally:
        await http_client.close()


@contextlib.asynccontextmanager
async def smskit_aiohttp(base_url: str) -> AsyncIterator[AsyncSend]:
    """smskit ``AsyncClient(transport="aiohttp")``: smskit's own aiohttp bridge."""
    provider = smskit.providers.Twilio(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, base_url=base_url
    )
    async with smskit.AsyncClient(
        provider, sender=SENDER, transport="aiohttp"
    ) as client:

        async def send(to: str) -> object:
            return (await client.send(to=to, body=BODY)).id

        yield send


def httpx_aiohttp_raw(
    base_url: str,
) -> contextlib.AbstractAsyncContextManager[AsyncSend]:
    """Raw httpx over the aiohttp transport."""
    return httpx_async(base_url, httpx_aiohttp.HttpxAiohttpClient)


# ------------------------------------------------------------------ measuring


class Way(NamedTuple):
    """One row: how to send, and whether it is async."""

    key: str
    label: str
    make: Callable[[str], Any]
    is_async: bool
    available: bool


def ways() -> list[Way]:
    """Every row, in the order they are measured."""
    has_twilio = twilio is not None
    has_aiohttp = httpx_aiohttp is not None
    return [
        Way("smskit", "smskit Client", smskit_sync, False, True),
        Way("twilio", "twilio SDK Client", twilio_sync, False, has_twilio),
        Way("httpx", "raw httpx.Client", httpx_sync, False, True),
        Way("smskit_async", "smskit AsyncClient", smskit_async, True, True),
        Way("httpx_async", "raw httpx.AsyncClient", httpx_async, True, True),
        Way(
            "twilio_async", "twilio SDK async (aiohttp)", twilio_async, True, has_twilio
        ),
        Way(
            "smskit_aiohttp",
            "smskit AsyncClient, transport='aiohttp'",
            smskit_aiohttp,
            True,
            importlib.util.find_spec("aiohttp") is not None,
        ),
        Way(
            "httpx_aiohttp",
            "raw httpx over httpx-aiohttp",
            httpx_aiohttp_raw,
            True,
            has_aiohttp,
        ),
    ]


def measure_sync(
    make: Callable[[str], Any], base_url: str, numbers: list[str], seconds: float
) -> float:
    """Messages per second of one thread sending back to back."""
    next_number = itertools.cycle(numbers).__next__
    with make(base_url) as send:
        result = send(next_number())
        if not str(result).startswith("SM"):
            raise RuntimeError(f"unexpected send result {result!r}")
        warm_until = time.perf_counter() + min(0.5, seconds / 4)
        while time.perf_counter() < warm_until:
            send(next_number())
        sent = 0
        start = time.perf_counter()
        end = start + seconds
        now = start
        while now < end:
            send(next_number())
            sent += 1
            now = time.perf_counter()
        return sent / (now - start)


async def _measure_async(
    make: Callable[[str], Any],
    base_url: str,
    numbers: list[str],
    seconds: float,
    concurrency: int,
) -> float:
    next_number = itertools.cycle(numbers).__next__
    done = [0]
    stop = asyncio.Event()

    async def sender(send: AsyncSend) -> None:
        while not stop.is_set():
            await send(next_number())
            done[0] += 1

    async with make(base_url) as send:
        result = await send(next_number())
        if not str(result).startswith("SM"):
            raise RuntimeError(f"unexpected send result {result!r}")
        tasks = [asyncio.create_task(sender(send)) for _ in range(concurrency)]
        try:
            await asyncio.sleep(min(0.5, seconds / 4))
            start, before = time.perf_counter(), done[0]
            await asyncio.sleep(seconds)
            end, after = time.perf_counter(), done[0]
        finally:
            stop.set()
            await asyncio.gather(*tasks)
    return (after - before) / (end - start)


def measure_async(
    make: Callable[[str], Any],
    base_url: str,
    numbers: list[str],
    seconds: float,
    concurrency: int,
) -> float:
    """Messages per second of ``concurrency`` tasks on one event loop."""
    return asyncio.run(_measure_async(make, base_url, numbers, seconds, concurrency))


class Result(NamedTuple):
    """One measured row."""

    rate: float
    server_cpu: float | None  # share of one core the server used


def run_phase(args: argparse.Namespace, latency_ms: float) -> dict[str, Result]:
    """Measure every available way against one server; best of ``--rounds``."""
    numbers = recipients(args.recipients)
    best: dict[str, Result] = {}
    with running_server(latency_ms) as server:
        for _ in range(args.rounds):
            for way in ways():
                if not way.available or way.key not in args.only:
                    continue
                cpu_before, t0 = server.cpu_seconds(), time.perf_counter()
                if way.is_async:
                    rate = measure_async(
                        way.make,
                        server.base_url,
                        numbers,
                        args.seconds,
                        args.concurrency,
                    )
                else:
                    rate = measure_sync(
                        way.make, server.base_url, numbers, args.seconds
                    )
                cpu_after, t1 = server.cpu_seconds(), time.perf_counter()
                share = (
                    None
                    if cpu_before is None or cpu_after is None
                    else (cpu_after - cpu_before) / (t1 - t0)
                )
                if way.key not in best or rate > best[way.key].rate:
                    best[way.key] = Result(rate, share)
    return best


# ------------------------------------------------------------------- reporting


def print_rates(
    results: dict[str, Result], latency_ms: float, args: argparse.Namespace
) -> None:
    """The table of rates, each against raw httpx of its kind."""
    server = (
        "instant server"
        if not latency_ms
        else f"server answering after {latency_ms:g} ms"
    )
    print(
        f"\n== {server}: {args.seconds:g} s per row, best of {args.rounds}, "
        f"async rows with {args.concurrency} concurrent senders"
    )
    columns = ("msg/s", "vs raw sync", "vs raw async", "server CPU")
    print(f"  {'':<40} {_row(columns)}")
    raw_sync = results.get("httpx")
    raw_async = results.get("httpx_async")
    for way in ways():
        if not way.available:
            print(f"  {way.label:<40} skipped (not installed)")
            continue
        result = results.get(way.key)
        if result is None:
            continue
        vs_sync = f"{result.rate / raw_sync.rate:.2f}×" if raw_sync else "n/a"
        vs_async = f"{result.rate / raw_async.rate:.2f}×" if raw_async else "n/a"
        cpu = "n/a" if result.server_cpu is None else f"{100 * result.server_cpu:.0f} %"
        print(
            f"  {way.label:<40} {_row((f'{result.rate:,.0f}', vs_sync, vs_async, cpu))}"
        )


def _row(cells: tuple[str, str, str, str]) -> str:
    widths = (9, 12, 13, 11)
    return " ".join(
        f"{cell:>{width}}" for cell, width in zip(cells, widths, strict=True)
    )


def _ratio(results: dict[str, Result], top: str, bottom: str) -> float | None:
    if top in results and bottom in results:
        return results[top].rate / results[bottom].rate
    return None


def print_targets(
    results: dict[str, Result], latency_ms: float, args: argparse.Namespace
) -> None:
    """Issue 13's targets beside the measured ratios (printed, not asserted)."""
    if not latency_ms:
        rows = [
            ("smskit sync / raw httpx sync", _ratio(results, "smskit", "httpx"), 0.9),
            ("smskit sync / twilio SDK", _ratio(results, "smskit", "twilio"), 1.2),
            (
                "raw httpx sync / twilio SDK (issue: ~1.35)",
                _ratio(results, "httpx", "twilio"),
                None,
            ),
            (
                "smskit async / raw httpx async",
                _ratio(results, "smskit_async", "httpx_async"),
                0.9,
            ),
            (
                "smskit aiohttp / raw httpx aiohttp",
                _ratio(results, "smskit_aiohttp", "httpx_aiohttp"),
                0.8,
            ),
            (
                "smskit aiohttp / raw httpx async",
                _ratio(results, "smskit_aiohttp", "httpx_async"),
                3.0,
            ),
            (
                "raw httpx async / raw httpx sync (issue: ~0.5)",
                _ratio(results, "httpx_async", "httpx"),
                None,
            ),
            (
                "raw httpx aiohttp / raw httpx sync (issue: ~3)",
                _ratio(results, "httpx_aiohttp", "httpx"),
                None,
            ),
        ]
    else:
        limit = args.concurrency / (latency_ms / 1000.0)
        rows = []
        for key, label in (
            ("smskit_async", "smskit async"),
            ("smskit_aiohttp", "smskit aiohttp"),
        ):
            if key in results:
                rows.append(
                    (
                        f"{label} / limit ({limit:,.0f} msg/s)",
                        results[key].rate / limit,
                        0.8,
                    )
                )
        rows.append(
            (
                "smskit async / smskit sync",
                _ratio(results, "smskit_async", "smskit"),
                30.0,
            )
        )
        rows.append(
            (
                "smskit aiohttp / smskit sync",
                _ratio(results, "smskit_aiohttp", "smskit"),
                30.0,
            )
        )
    print(f"  {'ratio':<48} {'measured':>9} {'target':>8}")
    for label, value, target in rows:
        shown = "n/a" if value is None else f"{value:.2f}×"
        wanted = "" if target is None else f"≥ {target:g}×"
        verdict = ""
        if target is not None and value is not None:
            verdict = "met" if value >= target else "NOT met"
        print(f"  {label:<48} {shown:>9} {wanted:>8}  {verdict}")


# ------------------------------------------------------------------- profiling


def _per_call_us(call: Callable[[], object], count: int) -> float:
    """Best of 5 timings of ``count`` calls, in µs a call."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(count):
            call()
        best = min(best, time.perf_counter() - start)
    return 1e6 * best / count


def smskit_steps(numbers: list[str], count: int) -> None:
    """Time smskit's own (sans-I/O) steps of a send, without the profiler."""
    provider = smskit.providers.Twilio(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, base_url="http://127.0.0.1:1"
    )
    outgoing = smskit.providers.OutgoingMessage(to=numbers[0], body=BODY, sender=SENDER)
    answer = json.dumps(_message_json(b"To=%2B14155552671&Body=x", 1)).encode()
    next_number = itertools.cycle(numbers).__next__
    steps = [
        (
            "phone.to_e164, a new number each call",
            lambda: smskit.phone.to_e164(next_number()),
        ),
        (
            "phone.to_e164, the same number (memo)",
            lambda: smskit.phone.to_e164(numbers[0]),
        ),
        ("encoding.analyze(body)", lambda: smskit.encoding.analyze(BODY)),
        ("Twilio.build_send", lambda: provider.build_send(outgoing)),
        (
            "Twilio.parse_send (201 JSON)",
            lambda: provider.parse_send(
                outgoing,
                httpx.Response(
                    201, content=answer, headers={"Content-Type": "application/json"}
                ),
            ),
        ),
        (
            "httpx.Request(POST, form) as raw httpx builds it",
            lambda: httpx.Request(
                "POST",
                "http://127.0.0.1:1" + MESSAGES_PATH,
                data={"To": numbers[0], "From": SENDER, "Body": BODY},
                headers={"Accept": "application/json"},
            ),
        ),
    ]
    print(f"\n== smskit's steps of one send, no I/O, best of 5 × {count:,} calls")
    for label, call in steps:
        print(f"  {label:<50} {_per_call_us(call, count):>8.1f} µs")


def profile(args: argparse.Namespace) -> None:
    """Time smskit's steps, then cProfile sends of smskit ``Client`` and raw httpx."""
    numbers = recipients(args.recipients)
    smskit_steps(numbers, max(1000, args.profile))
    with running_server(0) as server:
        for make, label in (
            (smskit_sync, "smskit Client"),
            (httpx_sync, "raw httpx.Client"),
        ):
            next_number = itertools.cycle(numbers).__next__
            with make(server.base_url) as send:
                for _ in range(200):
                    send(next_number())
                profiler = cProfile.Profile()
                start = time.perf_counter()
                profiler.enable()
                for _ in range(args.profile):
                    send(next_number())
                profiler.disable()
                elapsed = time.perf_counter() - start
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("tottime").print_stats(18)
            print(
                f"\n== cProfile, {label}: {args.profile} sends, "
                f"{1e6 * elapsed / args.profile:.0f} µs a send under the profiler"
            )
            print(out.getvalue())


def main() -> None:
    """Parse arguments, run each phase, print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=1, help="keep each row's best")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument(
        "--latency-ms",
        type=float,
        nargs="+",
        default=[0.0, 50.0],
        help="one phase per server latency (default: 0 then 50)",
    )
    parser.add_argument(
        "--recipients",
        type=int,
        default=20_000,
        help="distinct numbers sent to, in turn",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        default=[way.key for way in ways()],
        choices=[way.key for way in ways()],
        help="measure only these rows",
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="cProfile N sends"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.latency_ms[0])
        return
    print(
        f"Python {sys.version.split()[0]}, smskit {smskit.__version__}, "
        f"httpx {httpx.__version__}, "
        f"twilio {_version('twilio')}, httpx-aiohttp {_version('httpx-aiohttp')}, "
        f"{os.cpu_count()} CPUs"
    )
    if args.profile:
        profile(args)
        return
    for latency_ms in args.latency_ms:
        results = run_phase(args, latency_ms)
        print_rates(results, latency_ms, args)
        print_targets(results, latency_ms, args)


def _version(distribution: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


if __name__ == "__main__":
    main()
