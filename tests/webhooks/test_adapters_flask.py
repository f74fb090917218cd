"""smskit.webhooks.flask: Flask requests in, the provider's answers out."""

from __future__ import annotations

import importlib
import logging
import subprocess
import sys

import pytest

pytest.importorskip("flask")

import flask
from adapter_helpers import (
    CAP,
    INBOUND_SID,
    MESSAGE_SID,
    PATH,
    TOKEN,
    EndlessInput,
    FlakyStore,
    Interrupted,
    Interrupting,
    Recorder,
    inbound_params,
    signed,
    status_params,
    twilio,
)
from werkzeug.test import EnvironBuilder

from smskit import ConfigurationError, InboundMessage, StatusEvent
from smskit.webhooks import PublicUrl, WebhookHandler, WebhookResult
from smskit.webhooks.flask import to_response, to_webhook_request, webhook_view

URL = f"http://localhost{PATH}"


def make_app(handler: WebhookHandler, recorder: Recorder) -> flask.Flask:
    app = flask.Flask(__name__)
    app.add_url_rule(
        PATH, "twilio_hooks", webhook_view(handler, recorder), methods=["POST"]
    )
    return app


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def handler() -> WebhookHandler:
    return WebhookHandler(twilio(), max_body=CAP)


@pytest.fixture
def app(handler: WebhookHandler, recorder: Recorder) -> flask.Flask:
    return make_app(handler, recorder)


def post(app: flask.Flask, body: bytes, headers: dict[str, str], **kw: object):  # type: ignore[no-untyped-def]
    return app.test_client().post(PATH, data=body, headers=headers, **kw)


def test_a_signed_status_callback_reaches_the_callback_and_gets_204(
    app: flask.Flask, recorder: Recorder
) -> None:
    body, headers = signed(URL, status_params("delivered"))
    response = post(app, body, headers)
    assert response.status_code == 204
    assert response.data == b""
    assert "Content-Type" not in response.headers
    [event] = recorder.items
    assert isinstance(event, StatusEvent)
    assert event.message_id == MESSAGE_SID
    assert event.raw_status == "delivered"


def test_an_inbound_message_is_answered_with_empty_twiml(
    app: flask.Flask, recorder: Recorder
) -> None:
    body, headers = signed(URL, inbound_params("STOP"))
    response = post(app, body, headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml"
    assert response.data.endswith(b"<Response></Response>")
    [message] = recorder.items
    assert isinstance(message, InboundMessage)
    assert message.id == INBOUND_SID
    assert message.intent == "opt_out"


def test_a_bad_signature_is_403_and_the_callback_is_not_called(
    app: flask.Flask, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    body, headers = signed(URL, status_params(), token="not-the-token")
    with caplog.at_level(logging.WARNING, logger="smskit.webhooks"):
        response = post(app, body, headers)
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.data == b"webhook signature does not verify\n"
    assert recorder.calls == 0
    # The details go to the log, which names the URL checked, never a secret.
    assert URL in caplog.text
    assert TOKEN not in caplog.text
    assert headers["X-Twilio-Signature"] not in caplog.text


def test_a_missing_signature_is_403(app: flask.Flask, recorder: Recorder) -> None:
    body, headers = signed(URL, status_params())
    del headers["X-Twilio-Signature"]
    assert post(app, body, headers).status_code == 403
    assert recorder.calls == 0


def test_a_tampered_parameter_is_403(app: flask.Flask, recorder: Recorder) -> None:
    body, headers = signed(URL, status_params("undelivered"))
    tampered = body.replace(b"undelivered", b"delivered")
    assert post(app, tampered, headers).status_code == 403
    assert recorder.calls == 0


def test_a_signed_payload_that_means_nothing_is_400(
    app: flask.Flask, recorder: Recorder
) -> None:
    body, headers = signed(URL, [("AccountSid", "AC1"), ("Hello", "world")])
    response = post(app, body, headers)
    assert response.status_code == 400
    assert response.data == b"webhook payload cannot be read\n"
    assert recorder.calls == 0


def test_a_content_length_that_is_not_a_number_is_400(
    app: flask.Flask, recorder: Recorder
) -> None:
    body, headers = signed(URL, status_params())
    response = post(app, body, headers, environ_overrides={"CONTENT_LENGTH": "12abc"})
    assert response.status_code == 400
    assert recorder.calls == 0


def test_an_oversized_body_is_refused_by_its_content_length_unread(
    app: flask.Flask, recorder: Recorder
) -> None:
    stream = EndlessInput(limit=0)  # reading a single byte fails the test
    environ = EnvironBuilder(path=PATH, method="POST").get_environ()
    environ.update(
        {
            "CONTENT_LENGTH": str(CAP + 1),
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "wsgi.input": stream,
        }
    )
    response = flask.Response.from_app(app.wsgi_app, environ)
    assert response.status_code == 413
    assert response.get_data() == f"request body is larger than {CAP} bytes\n".encode()
    assert stream.given == 0
    assert recorder.calls == 0


def test_an_oversized_chunked_body_is_refused_after_reading_the_cap(
    app: flask.Flask, recorder: Recorder
) -> None:
    stream = EndlessInput(limit=CAP + 1)  # the cap and one byte, no more
    environ = EnvironBuilder(path=PATH, method="POST").get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ.update(
        {
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "HTTP_TRANSFER_ENCODING": "chunked",
            "wsgi.input_terminated": True,
            "wsgi.input": stream,
        }
    )
    response = flask.Response.from_app(app.wsgi_app, environ)
    assert response.status_code == 413
    assert stream.given == CAP + 1
    assert recorder.calls == 0


def test_a_body_at_the_cap_is_read_whole(handler: WebhookHandler) -> None:
    body = b"a" * CAP
    with flask.Flask(__name__).test_request_context(PATH, method="POST", data=body):
        request = to_webhook_request(flask.request, max_body=CAP)
    assert request.body == body


def test_a_failing_callback_is_500_and_the_retry_is_processed(
    handler: WebhookHandler,
) -> None:
    recorder = Recorder(failures=1)
    app = make_app(handler, recorder)
    body, headers = signed(URL, status_params("delivered"))
    first = post(app, body, headers)
    assert first.status_code == 500
    assert b"retry" in first.data
    retry = post(app, body, headers)
    assert retry.status_code == 204
    assert recorder.calls == 2
    [event] = recorder.items
    assert isinstance(event, StatusEvent)
    # A third delivery of the same callback is a duplicate, not new.
    again = post(app, body, headers)
    assert again.status_code == 204
    assert recorder.items == [event]
    assert [len(r.duplicates) for r in recorder.results] == [0, 1]


def test_a_store_that_is_down_is_503_so_the_provider_retries(
    recorder: Recorder,
) -> None:
    store = FlakyStore()
    app = make_app(WebhookHandler(twilio(), store=store), recorder)
    body, headers = signed(URL, status_params())
    store.claims_down = True
    response = post(app, body, headers)
    assert response.status_code == 503
    assert b"retry" in response.data
    assert recorder.calls == 0
    store.claims_down = False
    assert post(app, body, headers).status_code == 204
    assert len(recorder.items) == 1


def test_a_failing_callback_is_500_even_when_the_release_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = FlakyStore()
    store.releases_down = True
    recorder = Recorder(failures=1)
    app = make_app(WebhookHandler(twilio(), store=store), recorder)
    with caplog.at_level(logging.ERROR, logger="smskit.webhooks"):
        response = post(app, *signed(URL, status_params()))
    assert response.status_code == 500
    assert "will be reported as a duplicate" in caplog.text


def test_a_callback_that_returns_an_awaitable_fails_and_releases(
    handler: WebhookHandler,
) -> None:
    async def later(result: WebhookResult) -> None:
        del result

    calls: list[WebhookResult] = []

    def returns_coroutine(result: WebhookResult) -> None:
        calls.append(result)
        return later(result)  # type: ignore[return-value]  # the mistake under test

    app = make_app(handler, returns_coroutine)  # type: ignore[arg-type]
    body, headers = signed(URL, status_params())
    assert post(app, body, headers).status_code == 500
    # Released: the retry is new again, not a duplicate.
    assert post(app, body, headers).status_code == 500
    assert [len(result.items) for result in calls] == [1, 1]


def test_an_interrupted_callback_releases_and_propagates(
    handler: WebhookHandler,
) -> None:
    recorder = Interrupting()
    app = make_app(handler, recorder)
    body, headers = signed(URL, status_params())
    with pytest.raises(Interrupted):
        post(app, body, headers)
    assert post(app, body, headers).status_code == 204
    assert len(recorder.items) == 1


def test_the_view_cap_can_differ_from_the_handler_cap(recorder: Recorder) -> None:
    app = flask.Flask(__name__)
    view = webhook_view(WebhookHandler(twilio()), recorder, max_body=10)
    app.add_url_rule(PATH, "small", view, methods=["POST"])
    response = post(app, *signed(URL, status_params()))
    assert response.status_code == 413
    assert response.data == b"request body is larger than 10 bytes\n"


def test_forwarded_headers_are_ignored_unless_the_proxy_is_trusted(
    recorder: Recorder,
) -> None:
    public = "https://hooks.example.com" + PATH
    body, headers = signed(public, status_params())
    headers |= {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hooks.example.com"}

    untrusting = make_app(WebhookHandler(twilio()), recorder)
    assert post(untrusting, body, headers).status_code == 403
    assert recorder.calls == 0

    trusting = make_app(
        WebhookHandler(twilio(), public_url=PublicUrl(trusted_proxies=["127.0.0.1"])),
        recorder,
    )
    response = post(trusting, body, headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 204
    assert recorder.calls == 1


def test_the_request_keeps_the_raw_path_query_headers_and_peer() -> None:
    body = b"a=1&b=%20"
    with flask.Flask(__name__).test_request_context(
        "/hooks/a%2Fb",
        base_url="https://hooks.example.com:8443",
        query_string="x=%C3%A9&y=1+2",
        method="POST",
        data=body,
        headers=[("X-Twilio-Signature", "one"), ("X-Custom", "a"), ("X-Custom", "b")],
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    ):
        request = to_webhook_request(flask.request)
    assert request.method == "POST"
    assert request.url == "https://hooks.example.com:8443/hooks/a%2Fb?x=%C3%A9&y=1+2"
    assert request.body == body
    assert request.header("x-twilio-signature") == "one"
    assert request.header("X-Custom") == "a, b"
    assert request.remote_addr == "203.0.113.9"


def test_a_reply_without_content_type_gets_none() -> None:
    from smskit.webhooks import WebhookReply

    response = to_response(WebhookReply(status=204))
    assert response.status_code == 204
    assert "Content-Type" not in response.headers
    typed = to_response(WebhookReply(status=200, content_type="text/xml", body=b"<x/>"))
    assert typed.headers["Content-Type"] == "text/xml"
    assert typed.get_data() == b"<x/>"


def test_an_async_callback_is_refused_up_front(handler: WebhookHandler) -> None:
    async def on_result(result: WebhookResult) -> None:
        del result

    with pytest.raises(ConfigurationError, match="async function"):
        webhook_view(handler, on_result)  # type: ignore[arg-type]


def test_importing_it_without_flask_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "flask", None)
    monkeypatch.delitem(sys.modules, "smskit.webhooks.flask")
    with pytest.raises(ImportError, match=r"pip install flask") as caught:
        importlib.import_module("smskit.webhooks.flask")
    assert caught.value.name == "flask"


def test_importing_smskit_webhooks_imports_no_framework() -> None:
    code = (
        "import sys, smskit, smskit.webhooks\n"
        "names = ('flask', 'werkzeug', 'django', 'starlette', 'fastapi')\n"
        "print(sorted(n for n in names if n in sys.modules))\n"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "[]"
