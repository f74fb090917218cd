"""Receive provider webhooks in Django.

```python
# urls.py
from django.urls import path

from smskit.providers import Twilio
from smskit.webhooks import WebhookHandler, WebhookResult
from smskit.webhooks.django import webhook_view

handler = WebhookHandler(Twilio(), public_url="https://hooks.example.com")


def on_result(result: WebhookResult) -> None:
    for item in result.items:
        ...  # store it, queue it


urlpatterns = [path("hooks/twilio", webhook_view(handler, on_result))]
```

The view is exempt from CSRF checks (the provider's signature is the check)
and reads the body from the request stream, at most the cap plus one byte.
Under WSGI, Django reads no more than ``Content-Length`` and a body without
one arrives empty; under ASGI, Django has already received the body before
any view runs, so only the ``Content-Length`` check spares the work there.
Importing this module needs Django.
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
    from django.http import HttpRequest, HttpResponse
    from django.views.decorators.csrf import csrf_exempt
except ImportError as error:  # pragma: no cover - exercised in a subprocess
    raise missing_framework(__name__, "Django", "django") from error

from smskit.webhooks import DEFAULT_MAX_BODY, WebhookHandler, WebhookResult

__all__ = ["OnResult", "to_response", "to_webhook_request", "webhook_view"]

OnResult = Callable[[WebhookResult], None]
"""Your callback: a plain function taking the result."""

_CHUNK = 64 * 1024


def to_webhook_request(
    request: HttpRequest, *, max_body: int = DEFAULT_MAX_BODY
) -> WebhookRequest:
    """The `WebhookRequest` for a Django request, its body read up to a cap.

    A declared ``Content-Length`` over the cap is refused before any of the
    body is read; otherwise the body is read piece by piece and refused as
    soon as it passes the cap. Read nothing of the body before
    (``request.POST``, ``request.body``): it is taken from the stream.

    Args:
        request: The request your view received.
        max_body: The most body bytes accepted.

    Returns:
        The request with its raw body, the URL the server saw (the path as
        sent where the server keeps it) and the connecting peer's address.
        The host is ``request.get_host()``, so ``ALLOWED_HOSTS`` applies.

    Raises:
        WebhookBodyTooLarge: The body is over ``max_body``.
        WebhookPayloadError: ``Content-Length`` is not a number.
    """
    meta = request.META
    check_content_length(meta.get("CONTENT_LENGTH"), max_body)
    body = BodyLimit(max_body)
    while chunk := request.read(min(_CHUNK, body.remaining + 1)):
        body.add(chunk)
    remote_addr = meta.get("REMOTE_ADDR")
    return WebhookRequest(
        method=request.method or "GET",
        url=f"{request.scheme}://{request.get_host()}{_target(request)}",
        headers=wsgi_headers(meta),
        body=body.body(),
        remote_addr=remote_addr
        if isinstance(remote_addr, str) and remote_addr
        else None,
    )


def _target(request: HttpRequest) -> str:
    # An ASGIRequest keeps its ASGI scope, and in it the path as sent.
    scope = getattr(request, "scope", None)
    raw_path = scope.get("raw_path") if isinstance(scope, dict) else None
    return request_target(request.META, path=request.path, raw_path=raw_path)


def to_response(reply: WebhookReply) -> HttpResponse:
    """The Django response for a `WebhookReply`."""
    response = HttpResponse(reply.body, status=reply.status)
    if reply.content_type is None:
        del response["Content-Type"]  # Django would claim text/html
    else:
        response["Content-Type"] = reply.content_type
    return response


def webhook_view(
    handler: WebhookHandler, on_result: OnResult, *, max_body: int | None = None
) -> Callable[[HttpRequest], HttpResponse]:
    """A CSRF-exempt view that verifies, parses and hands each result on.

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
        A view for ``path(...)`` in your URLconf.

    Raises:
        ConfigurationError: ``on_result`` is an ``async def``.
    """
    check_callback(on_result, "Django")
    limit = handler_cap(handler, max_body)

    @csrf_exempt
    def view(request: HttpRequest) -> HttpResponse:
        reply = respond(
            handler,
            lambda: to_webhook_request(request, max_body=limit),
            on_result,
        )
        return to_response(reply)

    return view
