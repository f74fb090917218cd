"""smskit.webhooks.django: Django requests in, the provider's answers out."""

from __future__ import annotations

import importlib
import io
import logging
import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("django")

import django
from adapter_helpers import (
    CAP,
    INBOUND_SID,
    MESSAGE_SID,
    PATH,
    TOKEN,
    EndlessInput,
    Recorder,
    inbound_params,
    signed,
    status_params,
    twilio,
)
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import path

from smskit import ConfigurationError, InboundMessage, StatusEvent
from smskit.webhooks import PublicUrl, WebhookHandler, WebhookReply, WebhookResult
from smskit.webhooks.django import to_response, to_webhook_request, webhook_view

if not settings.configured:
    settings.configure(
        ALLOWED_HOSTS=["testserver", "hooks.example.com"],
        SECRET_KEY="adapter-tests-only",
        MIDDLEWARE=[
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
        ],
        ROOT_URLCONF=__name__,
        USE_TZ=True,
    )
    django.setup()

urlpatterns: list[Any] = []

URL = f"http://testserver{PATH}"


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def handler() -> WebhookHandler:
    return WebhookHandler(twilio(), max_body=CAP)


def routed(handler: WebhookHandler, on_result: Any) -> Any:
    """Settings whose URLconf routes PATH to a webhook view."""
    urls = types.ModuleType("webhook_urls")
    urls.urlpatterns = [path(PATH.lstrip("/"), webhook_view(handler, on_result))]  # type: ignore[attr-defined]
    return override_settings(ROOT_URLCONF=urls)


@pytest.fixture
def client(handler: WebhookHandler, recorder: Recorder) -> Iterator[Client]:
    with routed(handler, recorder):
        # CSRF checks on, as in production: the view must be exempt.
        yield Client(enforce_csrf_checks=True)


def post(client: Client, body: bytes, headers: dict[str, str], **extra: Any) -> Any:
    content_type = headers.pop("Content-Type")
    return client.post(
        PATH, data=body, content_type=content_type, headers=headers, **extra
    )


def test_a_signed_status_callback_reaches_the_callback_and_gets_204(
    client: Client, recorder: Recorder
) -> None:
    response = post(client, *signed(URL, status_params("delivered")))
    assert response.status_code == 204
    assert response.content == b""
    assert not response.has_header("Content-Type")
    [event] = recorder.items
    assert isinstance(event, StatusEvent)
    assert event.message_id == MESSAGE_SID


def test_an_inbound_message_is_answered_with_empty_twiml(
    client: Client, recorder: Recorder
) -> None:
    response = post(client, *signed(URL, inbound_params("START")))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert response.content.endswith(b"<Response></Response>")
    [message] = recorder.items
    assert isinstance(message, InboundMessage)
    assert message.id == INBOUND_SID
    assert message.intent == "opt_in"


def test_a_bad_signature_is_403_and_the_callback_is_not_called(
    client: Client, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    body, headers = signed(URL, status_params(), token="not-the-token")
    signature = headers["X-Twilio-Signature"]
    with caplog.at_level(logging.WARNING, logger="smskit.webhooks"):
        response = post(client, body, headers)
    assert response.status_code == 403
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content == b"webhook signature does not verify\n"
    assert recorder.calls == 0
    assert URL in caplog.text
    assert TOKEN not in caplog.text
    assert signature not in caplog.text


def test_a_signed_payload_that_means_nothing_is_400(
    client: Client, recorder: Recorder
) -> None:
    response = post(client, *signed(URL, [("AccountSid", "AC1"), ("Hi", "there")]))
    assert response.status_code == 400
    assert response.content == b"webhook payload cannot be read\n"
    assert recorder.calls == 0


def test_a_failing_callback_is_500_and_the_retry_is_processed(
    handler: WebhookHandler,
) -> None:
    recorder = Recorder(failures=1)
    body, headers = signed(URL, status_params("delivered"))
    with routed(handler, recorder):
        client = Client()
        first = post(client, body, dict(headers))
        assert first.status_code == 500
        assert b"retry" in first.content
        assert post(client, body, dict(headers)).status_code == 204
        assert post(client, body, dict(headers)).status_code == 204
    assert recorder.calls == 3
    assert [len(r.items) for r in recorder.results] == [1, 0]
    assert [len(r.duplicates) for r in recorder.results] == [0, 1]


def test_forwarded_headers_are_ignored_unless_the_proxy_is_trusted(
    recorder: Recorder,
) -> None:
    public = "https://hooks.example.com" + PATH
    body, headers = signed(public, status_params())
    headers |= {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hooks.example.com"}

    def status_with(public_url: PublicUrl | None) -> int:
        handler = WebhookHandler(twilio(), public_url=public_url)
        with routed(handler, recorder):
            response = post(Client(), body, dict(headers), REMOTE_ADDR="127.0.0.1")
            return int(response.status_code)

    assert status_with(None) == 403
    assert status_with(PublicUrl(trusted_proxies=["192.0.2.0/24"])) == 403
    assert recorder.calls == 0
    assert status_with(PublicUrl(trusted_proxies=["127.0.0.1"])) == 204
    assert recorder.calls == 1


def wsgi_request(stream: EndlessInput, **environ: Any) -> WSGIRequest:
    base = RequestFactory().post(PATH, data=b"", content_type="text/plain").environ
    base.update({"wsgi.input": stream, **environ})
    return WSGIRequest(base)


def test_an_oversized_body_is_refused_by_its_content_length_unread(
    handler: WebhookHandler, recorder: Recorder
) -> None:
    stream = EndlessInput(limit=0)
    request = wsgi_request(stream, CONTENT_LENGTH=str(CAP + 1))
    response = webhook_view(handler, recorder)(request)
    assert response.status_code == 413
    assert response.content == f"request body is larger than {CAP} bytes\n".encode()
    assert stream.given == 0
    assert recorder.calls == 0


def test_an_oversized_body_without_length_is_refused_at_the_cap(
    handler: WebhookHandler, recorder: Recorder
) -> None:
    # Under ASGI Django hands the view a stream with no length limit.
    stream = EndlessInput(limit=CAP + 1)
    scope = {
        "type": "http",
        "method": "POST",
        "path": PATH,
        "raw_path": PATH.encode(),
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 4000),
        "server": ("testserver", 80),
    }
    request = ASGIRequest(scope, stream)
    response = webhook_view(handler, recorder)(request)
    assert response.status_code == 413
    assert stream.given == CAP + 1
    assert recorder.calls == 0


def test_a_content_length_that_is_not_a_number_is_400(
    handler: WebhookHandler, recorder: Recorder
) -> None:
    request = wsgi_request(EndlessInput(limit=0), CONTENT_LENGTH="1e3")
    assert webhook_view(handler, recorder)(request).status_code == 400


def test_the_request_keeps_the_raw_path_query_headers_and_peer() -> None:
    factory = RequestFactory(headers={"X-Custom": "a"})
    request = factory.post(
        "/hooks/caf%C3%A9?x=%C3%A9&y=1+2",
        data=b"a=1",
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": "sig"},
        REMOTE_ADDR="203.0.113.9",
        HTTP_HOST="hooks.example.com",
    )
    webhook = to_webhook_request(request)
    assert webhook.url == "http://hooks.example.com/hooks/caf%C3%A9?x=%C3%A9&y=1+2"
    assert webhook.body == b"a=1"
    assert webhook.header("x-twilio-signature") == "sig"
    assert webhook.header("X-Custom") == "a"
    assert webhook.remote_addr == "203.0.113.9"
    assert webhook.method == "POST"


def test_an_asgi_request_keeps_its_raw_path() -> None:
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/hooks/a/b",
        "raw_path": b"/hooks/a%2Fb",
        "query_string": b"x=%C3%A9",
        "headers": [(b"host", b"testserver"), (b"content-length", b"1")],
        "client": ("198.51.100.7", 4000),
        "server": ("testserver", 80),
    }
    webhook = to_webhook_request(ASGIRequest(scope, io.BytesIO(b"a")))
    assert webhook.url == "http://testserver/hooks/a%2Fb?x=%C3%A9"
    assert webhook.body == b"a"
    assert webhook.remote_addr == "198.51.100.7"


def test_the_path_as_the_server_kept_it_wins() -> None:
    request = RequestFactory().post(
        "/hooks/a/b", data=b"", content_type="text/plain", RAW_URI="/hooks/a%2Fb?z=1"
    )
    assert to_webhook_request(request).url == "http://testserver/hooks/a%2Fb"


def test_to_response_keeps_status_type_and_body() -> None:
    empty = to_response(WebhookReply(status=204))
    assert isinstance(empty, HttpResponse)
    assert empty.status_code == 204
    assert not empty.has_header("Content-Type")
    xml = to_response(WebhookReply(status=200, content_type="text/xml", body=b"<x/>"))
    assert xml["Content-Type"] == "text/xml"
    assert xml.content == b"<x/>"


def test_an_async_callback_is_refused_up_front(handler: WebhookHandler) -> None:
    async def on_result(result: WebhookResult) -> None:
        del result

    with pytest.raises(ConfigurationError, match="async function"):
        webhook_view(handler, on_result)  # type: ignore[arg-type]


def test_importing_it_without_django_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "django.http", None)
    monkeypatch.delitem(sys.modules, "smskit.webhooks.django")
    with pytest.raises(ImportError, match=r"pip install django"):
        importlib.import_module("smskit.webhooks.django")
