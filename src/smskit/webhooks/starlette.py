"""Receive provider webhooks in Starlette and FastAPI.

```python
from smskit.providers import Twilio
from smskit.webhooks import WebhookHandler, WebhookResult
from smskit.webhooks.starlette import webhook_view

handler = WebhookHandler(Twilio(), public_url="https://hooks.example.com")


async def on_result(result: WebhookResult) -> None:
    for item in result.items:
        ...  # store it, queue it


app.add_api_route("/hooks/twilio", webhook_view(handler, on_result), methods=["POST"])
# Starlette: app.add_route("/hooks/twilio", webhook_view(...), methods=["POST"])
```

The handler runs in a worker thread (its store may do network I/O), so the
event loop is never blocked; so does a plain-function callback. Importing
this module needs Starlette (FastAPI brings it).
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Awaitable, Callable

import anyio
import anyio.to_thread

from smskit.providers._protocol import WebhookReply, WebhookRequest
from smskit.webhooks._frameworks import (
    FAILED,
    REFUSED,
    BodyLimit,
    check_content_length,
    error_reply,
    handler_cap,
    joined_headers,
    logger,
    missing_framework,
    release,
)

try:
    from starlette.requests import Request
    from starlette.responses import Response
except ImportError as error:  # pragma: no cover - exercised in a subprocess
    raise missing_framework(__name__, "Starlette", "starlette") from error

from smskit.webhooks import DEFAULT_MAX_BODY, WebhookHandler, WebhookResult

__all__ = ["OnResult", "to_response", "to_webhook_request", "webhook_view"]

OnResult = Callable[[WebhookResult], "Awaitable[None] | None"]
"""Your callback: an ``async def`` or a plain function taking the result."""


async def to_webhook_request(
    request: Request, *, max_body: int = DEFAULT_MAX_BODY
) -> WebhookRequest:
    """The `WebhookRequest` for a Starlette request, its body read up to a cap.

    A declared ``Content-Length`` over the cap is refused before any of the
    body is read; a body without one is read chunk by chunk and refused as
    soon as it passes the cap.

    Args:
        request: The request your endpoint received.
        max_body: The most body bytes accepted.

    Returns:
        The request with its raw body, the URL the server saw (the path as
        sent, escapes kept) and the connecting peer's address.

    Raises:
        WebhookBodyTooLarge: The body is over ``max_body``.
        WebhookPayloadError: ``Content-Length`` is not a number.
    """
    check_content_length(request.headers.get("content-length"), max_body)
    body = BodyLimit(max_body)
    # Closed at once when the cap is passed, not whenever it is collected.
    async with contextlib.aclosing(request.stream()) as chunks:
        async for chunk in chunks:
            body.add(chunk)
    raw = request.headers.raw
    return WebhookRequest(
        method=request.method,
        url=_url(request),
        headers=joined_headers(
            (name.decode("latin-1"), value.decode("latin-1")) for name, value in raw
        ),
        body=body.body(),
        remote_addr=request.client.host if request.client else None,
    )


def _url(request: Request) -> str:
    """Scheme and host as Starlette sees them, path and query as sent."""
    seen = request.url
    raw_path = request.scope.get("raw_path")
    path = raw_path.decode("latin-1") if isinstance(raw_path, bytes) else seen.path
    query = request.scope.get("query_string", b"").decode("latin-1")
    target = f"{path}?{query}" if query else path
    return f"{seen.scheme}://{seen.netloc}{target}"


def to_response(reply: WebhookReply) -> Response:
    """The Starlette response for a `WebhookReply`."""
    response = Response(content=reply.body, status_code=reply.status)
    if reply.content_type is not None:
        response.headers["content-type"] = reply.content_type
    return response


def webhook_view(
    handler: WebhookHandler, on_result: OnResult, *, max_body: int | None = None
) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint that verifies, parses and hands each result to ``on_result``.

    It answers what the provider expects (``result.reply``); 403 when the
    signature does not verify, 413 for a body over the cap, 400 for a payload
    that cannot be read, each with a one-line plain-text reason (the details
    go to the ``smskit.webhooks`` log). When ``on_result`` raises, the
    result's items are released (`WebhookHandler.release`) and the answer is
    500, so the provider's retry is processed rather than taken for a
    duplicate.

    Args:
        handler: The pipeline; it runs in a worker thread.
        on_result: Called with every accepted request's result, duplicates
            included (``result.items`` is what is new); an ``async def`` is
            awaited, a plain function runs in a worker thread.
        max_body: The body cap; the handler's ``max_body`` by default.

    Returns:
        An endpoint for ``app.add_route`` (Starlette) or ``app.add_api_route``
        (FastAPI).
    """
    limit = handler_cap(handler, max_body)

    async def endpoint(request: Request) -> Response:
        try:
            webhook_request = await to_webhook_request(request, max_body=limit)
            result = await anyio.to_thread.run_sync(handler.handle, webhook_request)
        except REFUSED as error:
            return to_response(error_reply(error))
        try:
            await _call_back(on_result, result)
        except Exception:
            logger.exception(
                "webhook callback failed; its items are released for the retry"
            )
            await _release(handler, result)
            return to_response(FAILED)
        except BaseException:
            await _release(handler, result)  # cancelled: nothing was done
            raise
        return to_response(result.reply)

    return endpoint


async def _call_back(on_result: OnResult, result: WebhookResult) -> None:
    if inspect.iscoroutinefunction(on_result):
        await on_result(result)
        return

    def call() -> list[object]:
        # Boxed: Trio refuses a worker function that returns a coroutine.
        return [on_result(result)]

    [outcome] = await anyio.to_thread.run_sync(call)
    if inspect.isawaitable(outcome):  # a plain function that returned one
        await outcome


async def _release(handler: WebhookHandler, result: WebhookResult) -> None:
    # Shielded: a cancelled request must still give its claims back.
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(release, handler, result)
