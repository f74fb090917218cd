"""Proxies and trust_env work the same in Client and AsyncClient.

A forward proxy on 127.0.0.1 (a few lines of http.server) records what it is
asked and answers as Twilio would; HTTP_PROXY points both clients at it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import anyio
import httpx
import pytest

import smskit
from smskit.providers.twilio import Twilio

SID = "AC" + "a" * 32
SERVICE = "MG" + "b" * 32
ANSWER = {
    "sid": "SM" + "c" * 32,
    "account_sid": SID,
    "to": "+14155552671",
    "from": None,
    "messaging_service_sid": SERVICE,
    "body": "hi",
    "status": "accepted",
    "num_segments": "1",
    "date_created": "Mon, 01 Jun 2026 12:00:00 +0000",
    "date_updated": "Mon, 01 Jun 2026 12:00:00 +0000",
    "price": None,
    "price_unit": "USD",
    "error_code": None,
    "error_message": None,
}


class Proxy(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        Proxy.seen.append(self.path)  # a proxy is asked for the absolute URL
        body = json.dumps(ANSWER).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Proxy.seen = []
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    try:
        yield Proxy.seen
    finally:
        server.shutdown()
        server.server_close()


def provider() -> Twilio:
    return Twilio(
        account_sid=SID,
        auth_token="token",
        messaging_service_sid=SERVICE,
        base_url="http://api.twilio.test",
    )


def test_the_sync_client_uses_the_environment_proxy(proxy: list[str]) -> None:
    with smskit.Client(provider()) as client:
        client.send(to="+14155552671", body="hi")
    assert [f"http://api.twilio.test/2010-04-01/Accounts/{SID}/Messages.json"] == proxy


def test_the_async_client_uses_the_environment_proxy(proxy: list[str]) -> None:
    async def main() -> None:
        async with smskit.AsyncClient(provider()) as client:
            await client.send(to="+14155552671", body="hi")

    anyio.run(main)
    assert [f"http://api.twilio.test/2010-04-01/Accounts/{SID}/Messages.json"] == proxy


def test_an_injected_client_decides_alone(proxy: list[str]) -> None:
    """trust_env=False on your own httpx client: the proxy is not used."""
    transport = httpx.MockTransport(lambda request: httpx.Response(201, json=ANSWER))
    http = httpx.Client(trust_env=False, transport=transport)
    with smskit.Client(provider(), http_client=http) as client:
        client.send(to="+14155552671", body="hi")
    http.close()
    assert [] == proxy
