"""smskit.webhooks.starlette: Starlette and FastAPI requests in, answers out."""

from __future__ import annotations

import importlib
import logging
import sys
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("fastapi")

import anyio
import fastapi
import httpx
from adapter_helpers import (
    CAP,
    INBOUND_SID,
    MESSAGE_SID,
    PATH,
    TOKEN,
    FlakyStore,
    Interrupted,
    Interrupting,
    Recorder,
    inbound_params,
    signed,
    status_params,
    twilio,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from smskit import InboundMessage, StatusEvent
from smskit.webhooks import PublicUrl, WebhookHandler, WebhookReply, WebhookResult
from smskit.webhooks.starlette import to_response, to_webhook_request, webhook_view

URL = f"http://testserver{PATH}"
PEER = ("127.0.0.1", 50000)

Framework = Callable[[WebhookHandler, Any], Any]


def starlette_app(handler: WebhookHandler, on_result: Any) -> Starlette:
    app = Starlette()
    app.add_route(PATH, webhook_view(handler, on_result), methods=["POST"])
    return app


def fastapi_app(handler: WebhookHandler, on_result: Any) -> fastapi.FastAPI:
    app = fastapi.FastAPI()
    app.add_api_route(PATH, webhook_view(handler, on_result), methods=["POST"])
    return app


@pytest.fixture(params=[starlette_app, fastapi_app], ids=["starlette", "fastapi"])
def make_app(request: pytest.FixtureRequest) -> Framework:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def handler() -> WebhookHandler:
    return WebhookHandler(twilio(), max_body=CAP)


def client_of(app: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=PEER)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def client(
    make_app: Framework, handler: WebhookHandler, recorder: Recorder
) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(make_app(handler, recorder)) as client:
        yield client


async def post(
    client: httpx.AsyncClient, body: bytes, headers: dict[str, str]
) -> httpx.Response:
    return await client.post(PATH, content=body, headers=headers)


@pytest.mark.anyio
async def test_a_signed_status_callback_reaches_the_callback_and_gets_204(
    client: httpx.AsyncClient, recorder: Recorder
) -> None:
    response = await post(client, *signed(URL, status_params("delivered")))
    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers
    [event] = recorder.items
    assert isinstance(event, StatusEvent)
    assert event.message_id == MESSAGE_SID


@pytest.mark.anyio
async def test_an_inbound_message_is_answered_with_empty_twiml(
    client: httpx.AsyncClient, recorder: Recorder
) -> None:
    response = await post(client, *signed(URL, inbound_params("HELP")))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml"
    assert response.content.endswith(b"<Response></Response>")
    [message] = recorder.items
    assert isinstance(message, InboundMessage)
    assert message.id == INBOUND_SID
    assert message.intent == "help"


@pytest.mark.anyio
async def test_handler_and_plain_callback_run_off_the_event_loop(
    make_app: Framework,
) -> None:
    seen: list[threading.Thread] = []

    class Watched:
        """Twilio, noting the thread its verification runs in."""

        def __init__(self) -> None:
            self._twilio = twilio()

        def __getattr__(self, name: str) -> Any:
            return getattr(self._twilio, name)

        def verify_webhook(self, request: Any, *, now: Any) -> None:
            seen.append(threading.current_thread())
            self._twilio.verify_webhook(request, now=now)

    recorder = Recorder()
    handler = WebhookHandler(Watched())  # type: ignore[arg-type]
    async with client_of(make_app(handler, recorder)) as client:
        response = await post(client, *signed(URL, status_params()))
    assert response.status_code == 204
    loop_thread = threading.current_thread()
    assert len(seen) == 1
    assert seen[0] is not loop_thread
    assert recorder.threads[0] is not loop_thread


@pytest.mark.anyio
async def test_an_async_callback_is_awaited(
    make_app: Framework, handler: WebhookHandler
) -> None:
    results: list[WebhookResult] = []

    async def on_result(result: WebhookResult) -> None:
        await anyio.sleep(0)
        results.append(result)

    async with client_of(make_app(handler, on_result)) as client:
        response = await post(client, *signed(URL, status_params()))
    assert response.status_code == 204
    assert [len(result.items) for result in results] == [1]


@pytest.mark.anyio
async def test_a_bad_signature_is_403_and_the_callback_is_not_called(
    client: httpx.AsyncClient, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    body, headers = signed(URL, status_params(), token="not-the-token")
    with caplog.at_level(logging.WARNING, logger="smskit.webhooks"):
        response = await post(client, body, headers)
    assert response.status_code == 403
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == "webhook signature does not verify\n"
    assert recorder.calls == 0
    assert URL in caplog.text
    assert TOKEN not in caplog.text
    assert headers["X-Twilio-Signature"] not in caplog.text


@pytest.mark.anyio
async def test_a_changed_url_is_403(
    client: httpx.AsyncClient, recorder: Recorder
) -> None:
    response = await post(client, *signed(URL + "?x=1", status_params()))
    assert response.status_code == 403
    assert recorder.calls == 0


@pytest.mark.anyio
async def test_a_signed_payload_that_means_nothing_is_400(
    client: httpx.AsyncClient, recorder: Recorder
) -> None:
    body, headers = signed(URL, [("AccountSid", "AC1"), ("Hello", "world")])
    response = await post(client, body, headers)
    assert response.status_code == 400
    assert response.text == "webhook payload cannot be read\n"
    assert recorder.calls == 0


@pytest.mark.anyio
async def test_a_failing_callback_is_500_and_the_retry_is_processed(
    make_app: Framework, handler: WebhookHandler
) -> None:
    recorder = Recorder(failures=1)
    body, headers = signed(URL, status_params("delivered"))
    async with client_of(make_app(handler, recorder)) as client:
        first = await post(client, body, headers)
        assert first.status_code == 500
        assert "retry" in first.text
        assert (await post(client, body, headers)).status_code == 204
        assert (await post(client, body, headers)).status_code == 204
    assert recorder.calls == 3
    assert [len(r.items) for r in recorder.results] == [1, 0]
    assert [len(r.duplicates) for r in recorder.results] == [0, 1]


@pytest.mark.anyio
async def test_a_plain_callback_that_returns_an_awaitable_has_it_awaited(
    make_app: Framework, handler: WebhookHandler
) -> None:
    results: list[WebhookResult] = []

    async def later(result: WebhookResult) -> None:
        await anyio.sleep(0)
        results.append(result)

    def on_result(result: WebhookResult) -> Any:
        return later(result)

    async with client_of(make_app(handler, on_result)) as client:
        response = await post(client, *signed(URL, status_params()))
    assert response.status_code == 204
    assert len(results) == 1


@pytest.mark.anyio
async def test_a_store_that_is_down_is_503_and_a_failed_release_is_logged(
    make_app: Framework, caplog: pytest.LogCaptureFixture
) -> None:
    store = FlakyStore()
    recorder = Recorder(failures=1)
    handler = WebhookHandler(twilio(), store=store)
    body, headers = signed(URL, status_params())
    async with client_of(make_app(handler, recorder)) as client:
        store.claims_down = True
        assert (await post(client, body, headers)).status_code == 503
        assert recorder.calls == 0
        store.claims_down = False
        store.releases_down = True
        with caplog.at_level(logging.ERROR, logger="smskit.webhooks"):
            assert (await post(client, body, headers)).status_code == 500
    assert recorder.calls == 1
    assert "will be reported as a duplicate" in caplog.text


@pytest.mark.anyio
async def test_an_interrupted_callback_releases_and_propagates(
    make_app: Framework, handler: WebhookHandler
) -> None:
    recorder = Interrupting()
    body, headers = signed(URL, status_params())
    async with client_of(make_app(handler, recorder)) as client:
        with pytest.raises(Interrupted):
            await post(client, body, headers)
        assert (await post(client, body, headers)).status_code == 204
    assert len(recorder.items) == 1


@pytest.mark.anyio
async def test_forwarded_headers_are_ignored_unless_the_proxy_is_trusted(
    make_app: Framework, recorder: Recorder
) -> None:
    public = "https://hooks.example.com" + PATH
    body, headers = signed(public, status_params())
    headers |= {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hooks.example.com"}

    async def status_with(public_url: PublicUrl | None) -> int:
        handler = WebhookHandler(twilio(), public_url=public_url)
        async with client_of(make_app(handler, recorder)) as client:
            return (await post(client, body, headers)).status_code

    assert await status_with(None) == 403
    # Trusting another address than the peer's changes nothing.
    assert await status_with(PublicUrl(trusted_proxies=["10.0.0.0/8"])) == 403
    assert recorder.calls == 0
    assert await status_with(PublicUrl(trusted_proxies=["127.0.0.1"])) == 204
    assert recorder.calls == 1


# -- the body cap, at the ASGI level: what was received is counted -------------


def http_scope(headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "server": ("testserver", 80),
        "client": PEER,
        "root_path": "",
        "path": PATH,
        "raw_path": PATH.encode(),
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *headers],
    }


class EndlessBody:
    """ASGI ``receive``: 1 KiB chunks for ever, counted."""

    def __init__(self, limit: int) -> None:
        self.chunks = 0
        self.limit = limit

    async def __call__(self) -> dict[str, Any]:
        self.chunks += 1
        if self.chunks > self.limit:
            message = f"the adapter received more than {self.limit} chunks"
            raise AssertionError(message)
        return {"type": "http.request", "body": b"a" * 1024, "more_body": True}


async def call(app: Any, scope: dict[str, Any], receive: Any) -> tuple[int, bytes]:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(
        m.get("body", b"") for m in sent if m["type"] == "http.response.body"
    )
    return status, body


@pytest.mark.anyio
async def test_an_oversized_body_is_refused_by_its_content_length_unread(
    make_app: Framework, handler: WebhookHandler, recorder: Recorder
) -> None:
    receive = EndlessBody(limit=0)
    scope = http_scope([(b"content-length", str(CAP + 1).encode())])
    status, body = await call(make_app(handler, recorder), scope, receive)
    assert status == 413
    assert body == f"request body is larger than {CAP} bytes\n".encode()
    assert receive.chunks == 0
    assert recorder.calls == 0


@pytest.mark.anyio
async def test_an_oversized_chunked_body_is_refused_at_the_cap(
    make_app: Framework, handler: WebhookHandler, recorder: Recorder
) -> None:
    receive = EndlessBody(limit=CAP // 1024 + 1)
    scope = http_scope([(b"transfer-encoding", b"chunked")])
    status, _ = await call(make_app(handler, recorder), scope, receive)
    assert status == 413
    assert receive.chunks == CAP // 1024 + 1
    assert recorder.calls == 0


@pytest.mark.anyio
async def test_a_content_length_that_is_not_a_number_is_400(
    make_app: Framework, handler: WebhookHandler, recorder: Recorder
) -> None:
    receive = EndlessBody(limit=0)
    scope = http_scope([(b"content-length", b"-5")])
    status, _ = await call(make_app(handler, recorder), scope, receive)
    assert status == 400
    assert recorder.calls == 0


@pytest.mark.anyio
async def test_the_request_keeps_the_raw_path_query_headers_and_peer() -> None:
    scope = http_scope(
        [
            (b"content-length", b"3"),
            (b"x-custom", b"a"),
            (b"x-custom", b"b"),
            (b"x-twilio-signature", b"sig"),
        ]
    )
    scope |= {
        "scheme": "https",
        "path": "/hooks/a/b",
        "raw_path": b"/hooks/a%2Fb",
        "query_string": b"x=%C3%A9&y=1+2",
        "client": ("203.0.113.9", 4444),
    }
    scope["headers"][0] = (b"host", b"hooks.example.com:8443")
    chunks = iter([b"a=", b"1"])

    async def receive() -> dict[str, Any]:
        chunk = next(chunks, None)
        return {"type": "http.request", "body": chunk or b"", "more_body": bool(chunk)}

    request = await to_webhook_request(Request(scope, receive), max_body=3)
    assert request.url == "https://hooks.example.com:8443/hooks/a%2Fb?x=%C3%A9&y=1+2"
    assert request.body == b"a=1"
    assert request.header("X-Custom") == "a, b"
    assert request.header("x-twilio-signature") == "sig"
    assert request.remote_addr == "203.0.113.9"


def test_to_response_keeps_status_type_and_body() -> None:
    empty = to_response(WebhookReply(status=204))
    assert isinstance(empty, Response)
    assert empty.status_code == 204
    assert "content-type" not in empty.headers
    xml = to_response(WebhookReply(status=200, content_type="text/xml", body=b"<x/>"))
    assert xml.headers["content-type"] == "text/xml"
    assert xml.body == b"<x/>"


def test_importing_it_without_starlette_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "starlette.requests", None)
    monkeypatch.delitem(sys.modules, "smskit.webhooks.starlette")
    with pytest.raises(ImportError, match=r"pip install starlette"):
        importlib.import_module("smskit.webhooks.starlette")
