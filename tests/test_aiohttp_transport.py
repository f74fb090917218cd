"""AsyncClient(transport="aiohttp"): the same sends over aiohttp's pool.

aiohttp runs on asyncio only, so these tests do not run on trio.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import sys
from collections.abc import Iterator

import httpx
import pytest

import smskit
from smskit._emulator import Credentials, Emulator
from smskit.providers.sandbox._state import SandboxState
from smskit.providers.twilio import Twilio

START = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
SERVICE = "MG0123456789abcdef0123456789abcdef"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(port=0, state=SandboxState(start=START), realtime=False) as server:
        yield server


def twilio(emulator: Emulator) -> Twilio:
    credentials = Credentials()
    return Twilio(
        account_sid=credentials.twilio_account_sid,
        auth_token=credentials.twilio_auth_token,
        messaging_service_sid=SERVICE,
        base_url=emulator.url,
        clock=lambda: START,
    )


def test_sends_and_fetches_over_aiohttp(emulator: Emulator) -> None:
    async def main() -> list[smskit.Message]:
        async with smskit.AsyncClient(twilio(emulator), transport="aiohttp") as client:
            assert "AiohttpClient" == type(client._http).__name__
            sent = await asyncio.gather(
                *(client.send(to="+14155552671", body=f"n{n}") for n in range(20))
            )
            fetched = await client.fetch(sent[0])
            assert sent[0].id == fetched.id
            return list(sent)

    sent = asyncio.run(main())
    assert 20 == len({message.id for message in sent})
    assert 20 == len(emulator.state.records())


def test_errors_are_the_same_over_aiohttp(emulator: Emulator) -> None:
    async def main() -> None:
        async with smskit.AsyncClient(twilio(emulator), transport="aiohttp") as client:
            with pytest.raises(smskit.NotFound):
                await client.fetch("SM" + "0" * 32)

    asyncio.run(main())


def test_a_refused_connection_is_a_connect_error_over_aiohttp() -> None:
    """Nothing listens on the port: the aiohttp bridge maps it to httpx.ConnectError."""
    provider = Twilio(
        account_sid="AC" + "1" * 32,
        auth_token="token",
        messaging_service_sid=SERVICE,
        base_url="http://127.0.0.1:9",
    )

    async def main() -> None:
        retry = smskit.RetryPolicy(max_attempts=1)
        async with smskit.AsyncClient(
            provider, transport="aiohttp", retry=retry
        ) as client:
            with pytest.raises(smskit.ConnectError):
                await client.send(to="+14155552671", body="hi")

    asyncio.run(main())


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"transport": "curl"}, "'httpx' or 'aiohttp'"),
        ({"transport": "aiohttp", "http2": True}, "HTTP/1.1 only"),
    ],
)
def test_transport_options_are_checked(options: dict[str, object], match: str) -> None:
    provider = Twilio(
        account_sid="AC" + "1" * 32, auth_token="t", messaging_service_sid=SERVICE
    )
    with pytest.raises(smskit.ConfigurationError, match=match):
        smskit.AsyncClient(provider, **options)  # type: ignore[arg-type]


def test_a_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # As if aiohttp were not installed: importing it fails.
    monkeypatch.setitem(sys.modules, "aiohttp", None)
    monkeypatch.delitem(sys.modules, "smskit._core._aiohttp", raising=False)
    provider = Twilio(
        account_sid="AC" + "1" * 32, auth_token="t", messaging_service_sid=SERVICE
    )
    with pytest.raises(smskit.ConfigurationError, match=r"smskit-sdk\[aiohttp\]"):
        smskit.AsyncClient(provider, transport="aiohttp")


def test_the_sandbox_keeps_its_own_transport() -> None:
    async def main() -> None:
        async with smskit.AsyncClient(
            smskit.providers.Sandbox(), transport="aiohttp"
        ) as client:
            assert isinstance(client._http, httpx.AsyncClient)
            assert "AiohttpClient" != type(client._http).__name__
            await client.send(to="+14155552671", body="hi")

    asyncio.run(main())


# -- the bridge itself, against a raw HTTP/1.1 server ------------------------------


class _Raw(asyncio.Protocol):
    """Answers each request with ``answer`` after ``delay`` seconds; records it."""

    def __init__(self, answer: bytes, delay: float, seen: list[bytes]) -> None:
        self._answer, self._delay, self._seen = answer, delay, seen
        self._buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        head, found, rest = self._buffer.partition(b"\r\n\r\n")
        if not found:
            return
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if len(rest) < length:
            return
        self._seen.append(head + b"\r\n\r\n" + rest[:length])
        self._buffer = rest[length:]
        asyncio.get_running_loop().call_later(self._delay, self._reply)

    def _reply(self) -> None:
        if self._transport.is_closing():
            return
        if self._answer:
            self._transport.write(self._answer)
        else:  # hang up after reading the request, as a crashing server does
            self._transport.close()


async def _serve(
    answer: bytes, seen: list[bytes], delay: float = 0.0
) -> tuple[asyncio.Server, str]:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Raw(answer, delay, seen), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


def _http(status: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers)]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def test_the_bridge_keeps_status_reason_headers_and_decodes_gzip() -> None:
    from smskit._core._aiohttp import AiohttpClient

    payload = gzip.compress(b'{"sid": "SM1"}')
    answer = _http(
        "202 Quite Accepted",
        [
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
        ],
        payload,
    )
    seen: list[bytes] = []
    jar: list[str] = []

    async def main() -> httpx.Response:
        server, url = await _serve(answer, seen)
        async with server, AiohttpClient() as client:
            jar.extend(client.cookies)  # none yet
            request = httpx.Request(
                "POST",
                f"{url}/a%20b/c?x=%2B1",
                content=b"To=%2B1",
                headers={"X-A": "1"},
            )
            response = await client.send(request)
            jar.extend(sorted(client.cookies))  # kept, as httpx keeps them
            return response

    response = asyncio.run(main())
    assert ["a", "b"] == jar
    assert (202, "Quite Accepted") == (response.status_code, response.reason_phrase)
    assert {"sid": "SM1"} == response.json()
    assert ["a=1", "b=2"] == response.headers.get_list("set-cookie")
    assert "HTTP/1.1" == response.http_version
    [sent] = seen
    # The URL went out exactly as httpx encoded it, and the body and headers too.
    assert sent.startswith(b"POST /a%20b/c?x=%2B1 HTTP/1.1\r\n")
    assert b"\r\nX-A: 1\r\n" in sent  # the name as given
    assert sent.endswith(b"\r\n\r\nTo=%2B1")


def test_a_slow_answer_is_a_read_timeout_and_a_dead_port_a_connect_error() -> None:
    from smskit._core._aiohttp import AiohttpClient

    answer = _http("200 OK", [], b"{}")

    async def main() -> None:
        server, url = await _serve(answer, [], delay=1.0)
        async with server, AiohttpClient(timeout=httpx.Timeout(0.2)) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.get(url)
            with pytest.raises(httpx.ConnectError):
                await client.get("http://127.0.0.1:9/")
            with pytest.raises(httpx.UnsupportedProtocol):
                await client.send(httpx.Request("GET", "ftp://127.0.0.1/"))

    asyncio.run(main())


def test_a_proxy_carries_the_requests() -> None:
    from smskit._core._aiohttp import AiohttpClient

    answer = _http("200 OK", [("Content-Type", "application/json")], b'{"via": 1}')
    seen: list[bytes] = []

    async def main() -> httpx.Response:
        proxy, proxy_url = await _serve(answer, seen)
        async with (
            proxy,
            AiohttpClient(
                proxy=proxy_url.replace("http://", "http://user:pass@")
            ) as client,
        ):
            return await client.get("http://sms.example.invalid/v1/x")

    assert {"via": 1} == asyncio.run(main()).json()
    [sent] = seen
    # An HTTP proxy is sent the absolute URL, with its own credentials.
    assert sent.startswith(b"GET http://sms.example.invalid/v1/x HTTP/1.1\r\n")
    assert b"\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\n" in sent


def test_closing_the_client_closes_its_connections() -> None:
    from smskit._core._aiohttp import AiohttpClient, AiohttpTransport

    answer = _http("200 OK", [], b"{}")

    async def main() -> None:
        server, url = await _serve(answer, [])
        async with server:
            client = AiohttpClient()
            transport = client._transport
            assert isinstance(transport, AiohttpTransport)
            await client.get(url)
            session = transport._session
            assert session is not None
            assert not session.closed
            await client.aclose()
            assert session.closed

    asyncio.run(main())


def test_a_server_that_hangs_up_may_have_received_the_send() -> None:
    """Only a failed connect means "not sent": a hang-up is DeliveryUnknown."""
    from smskit._core._aiohttp import AiohttpClient

    seen: list[bytes] = []

    async def main() -> None:
        server, url = await _serve(b"", seen)
        async with server:
            async with AiohttpClient() as http:
                with pytest.raises(httpx.RemoteProtocolError):
                    await http.get(url)
            provider = Twilio(
                account_sid="AC" + "1" * 32,
                auth_token="token",
                messaging_service_sid=SERVICE,
                base_url=url,
            )
            retry = smskit.RetryPolicy(max_attempts=3)
            async with smskit.AsyncClient(
                provider, transport="aiohttp", retry=retry
            ) as client:
                with pytest.raises(smskit.DeliveryUnknown):
                    await client.send(to="+14155552671", body="hi")

    asyncio.run(main())
    # The send went out once and was not repeated (aiohttp itself repeats
    # only idempotent requests, such as the GET, on a dropped connection).
    assert 1 == sum(request.startswith(b"POST ") for request in seen)


def test_answers_without_cookies_skip_the_cookie_jar(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from smskit._core._aiohttp import AiohttpClient

    handed: list[int] = []
    real = httpx.Cookies.extract_cookies

    def counted(self: httpx.Cookies, response: httpx.Response) -> None:
        handed.append(response.status_code)
        real(self, response)

    monkeypatch.setattr(httpx.Cookies, "extract_cookies", counted)
    plain = _http("200 OK", [("Content-Type", "application/json")], b"{}")
    baked = _http("201 Created", [("Set-Cookie", "lb=7; Path=/")], b"{}")

    async def main() -> dict[str, str]:
        first, plain_url = await _serve(plain, [])
        second, baked_url = await _serve(baked, [])
        async with first, second, AiohttpClient() as client:
            await client.get(plain_url)
            await client.get(baked_url)
            client.cookies = {"given": "1"}  # replacing the jar keeps the rule
            await client.get(plain_url)
            await client.get(baked_url)
            return dict(client.cookies)

    assert {"given": "1", "lb": "7"} == asyncio.run(main())
    assert [201, 201] == handed
