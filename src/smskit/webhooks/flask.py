"""Receive provider webhooks in Flask.

```python
from flask import Flask

from smskit.providers import Twilio
from smskit.webhooks import WebhookHandler, WebhookResult
from smskit.webhooks.flask import webhook_view

app = Flask(__name__)
handler = WebhookHandler(Twilio(), public_url="https://hooks.example.com")


def on_result(result: WebhookResult) -> None:
    for item in result.items:
        ...  # store it, queue it


app.add_url_rule(
    "/hooks/twilio", "twilio_hooks", webhook_view(handler, on_result), methods=["POST"]
)
```

The body is read straight from the WSGI input, at most the cap plus one
byte, so a huge body is refused without being read. Importing this module
needs Flask.
"""

from __future__ import annotations

from collections.abc import Callable

from smskit.providers._protocol import WebhookReply, WebhookRequest
from smskit.webhooks._frameworks import (
    BodyLimit,
    check_callback,
    check_content_length,
    handler_cap,
    missing_framework,
    request_target,
    respond,
    wsgi_headers,
)

try:
    import flask
    from werkzeug.wrappers import Request, Response
except ImportError as error:  # pragma: no cover - exercised in a subprocess
    raise missing_framework(__name__, "Flask", "flask") from error

from smskit.webhooks import DEFAULT_MAX_BODY, WebhookHandler, WebhookResult

__all__ = ["OnResult", "to_response", "to_webhook_request", "webhook_view"]

OnResult = Callable[[WebhookResult], None]
"""Your callback: a plain function taking the result."""

_CHUNK = 64 * 1024


def to_webhook_request(
    request: Request, *, max_body: int = DEFAULT_MAX_BODY
) -> WebhookRequest:
    """The `WebhookRequest` for a Flask (Werkzeug) request, body read up to a cap.

    A declared ``Content-Length`` over the cap is refused before any of the
    body is read; a chunked body is read piece by piece and refused as soon
    as it passes the cap. Read nothing of the body before (``request.form``,
    ``request.get_data()``): the body is taken from the input stream.

    Args:
        request: The request being handled (``flask.request``).
        max_body: The most body bytes accepted.

    Returns:
        The request with its raw body, the URL the server saw (the path as
        sent, escapes kept) and the connecting peer's address.

    Raises:
        WebhookBodyTooLarge: The body is over ``max_body``.
        WebhookPayloadError: ``Content-Length`` is not a number.
    """
    environ = request.environ
    check_content_length(environ.get("CONTENT_LENGTH"), max_body)
    body = BodyLimit(max_body)
    stream = request.stream
    while chunk := stream.read(min(_CHUNK, body.remaining + 1)):
        body.add(chunk)
    return WebhookRequest(
        method=request.method,
        url=f"{request.scheme}://{request.host}{_target(request)}",
        headers=wsgi_headers(environ),
        body=body.body(),
        remote_addr=request.remote_addr or None,
    )


def _target(request: Request) -> str:
    path = request.root_path + request.path
    return request_target(request.environ, path=path)


def to_response(reply: WebhookReply) -> Response:
    """The Flask response for a `WebhookReply`."""
    response = flask.Response(reply.body, status=reply.status)
    if reply.content_type is None:
        del response.headers["Content-Type"]  # Flask would claim text/html
    else:
        response.headers["Content-Type"] = reply.content_type
    return response


def webhook_view(
    handler: WebhookHandler, on_result: OnResult, *, max_body: int | None = None
) -> Callable[[], Response]:
    """A view that verifies, parses and hands each result to ``on_result``.

    It answers what the provider expects (``result.reply``); 403 when the
    signature does not verify, 413 for a body over the cap, 400 for a payload
    that cannot be read, each with a one-line plain-text reason (the details
    go to the ``smskit.webhooks`` log). When ``on_result`` raises, the
    result's items are released (`WebhookHandler.release`) and the answer is
    500, so the provider's retry is processed rather than taken for a
    duplicate.

    Args:
        handler: The pipeline that verifies, parses and deduplicates.
        on_result: Called with every accepted request's result, duplicates
            included (``result.items`` is what is new); a plain function.
        max_body: The body cap; the handler's ``max_body`` by default.

    Returns:
        A view function for ``app.add_url_rule`` or ``blueprint.add_url_rule``.

    Raises:
        ConfigurationError: ``on_result`` is an ``async def``.
    """
    check_callback(on_result, "Flask")
    limit = handler_cap(handler, max_body)

    def view() -> Response:
        request = flask.request
        reply = respond(
            handler,
            lambda: to_webhook_request(request, max_body=limit),
            on_result,
        )
        return to_response(reply)

    return view
