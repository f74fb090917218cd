"""What the framework adapters share; it imports no framework.

Each adapter (``starlette``, ``flask``, ``django``) turns its framework's
request into a `WebhookRequest`, runs a `WebhookHandler` and turns the
`WebhookReply` back into a response. The parts that do not depend on the
framework live here: the size cap, the header list, the raw request target,
the answers for refused requests and the sync run of handler and callback.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote

from smskit._exceptions import (
    ConfigurationError,
    WebhookBodyTooLarge,
    WebhookError,
    WebhookPayloadError,
    WebhookStoreUnavailable,
    WebhookVerificationError,
)
from smskit.providers._protocol import WebhookReply, WebhookRequest

if TYPE_CHECKING:
    from smskit.webhooks._pipeline import WebhookHandler, WebhookResult

__all__ = [
    "FAILED",
    "REFUSED",
    "BodyLimit",
    "check_callback",
    "check_content_length",
    "error_reply",
    "handler_cap",
    "joined_headers",
    "logger",
    "missing_framework",
    "release",
    "request_target",
    "respond",
    "wsgi_headers",
]

logger = logging.getLogger("smskit.webhooks")

_PLAIN_TEXT = "text/plain; charset=utf-8"

FAILED = WebhookReply(
    status=500,
    content_type=_PLAIN_TEXT,
    body=b"the webhook was not processed; please retry\n",
)
"""The answer when your callback failed: the provider retries on a 5xx."""

REFUSED = (WebhookError, WebhookStoreUnavailable)
"""What `WebhookHandler.handle` raises for a request it did not take."""

_CGI_HEADERS = {"CONTENT_TYPE": "content-type", "CONTENT_LENGTH": "content-length"}
"""The two headers CGI and WSGI pass without the ``HTTP_`` prefix."""

# Characters a request path keeps unescaped (RFC 3986 pchar and "/").
_PATH_SAFE = "/!$&'()*+,;=:@~"


def missing_framework(module: str, framework: str, package: str) -> ImportError:
    """The error for an adapter whose framework is not installed.

    It is an `ImportError` (a `ModuleNotFoundError`, named after the
    framework), so ``try: import …`` and ``pytest.importorskip`` treat it as
    any missing module; its message says what to install.
    """
    message = (
        f"{module} needs {framework}, which is not installed: pip install {package}"
    )
    return ModuleNotFoundError(message, name=package)


def error_reply(error: WebhookError | WebhookStoreUnavailable) -> WebhookReply:
    """The answer to a refused request: 403, 413, 400 or 503 with a short reason.

    The body is a fixed sentence per kind of refusal: the caller may be anyone
    on the internet, so the details (the reason the signature failed, the URL
    that was checked) go to the ``smskit.webhooks`` log, not to the caller.
    """
    if isinstance(error, WebhookStoreUnavailable):
        # Nothing was claimed: the provider's retry will be processed.
        status, text = 503, "the webhook store is unavailable; please retry"
    elif isinstance(error, WebhookBodyTooLarge):
        status, text = 413, f"request body is larger than {error.limit} bytes"
    elif isinstance(error, WebhookVerificationError):
        status, text = 403, "webhook signature does not verify"
    else:
        status, text = 400, "webhook payload cannot be read"
    logger.warning("webhook refused with %d: %s", status, error)
    return WebhookReply(
        status=status, content_type=_PLAIN_TEXT, body=(text + "\n").encode()
    )


def handler_cap(handler: WebhookHandler, max_body: int | None) -> int:
    """The body cap an adapter applies: ``max_body``, else the handler's own."""
    return handler.max_body if max_body is None else max_body


def check_content_length(declared: str | None, limit: int) -> None:
    """Refuse a body whose declared length is over ``limit`` before reading it.

    Raises:
        WebhookBodyTooLarge: ``Content-Length`` is over ``limit``.
        WebhookPayloadError: ``Content-Length`` is not a whole number.
    """
    if declared is None or not declared.strip():
        return
    text = declared.strip()
    if not text.isdigit() or not text.isascii():
        message = "the Content-Length header is not a whole number of bytes"
        raise WebhookPayloadError(message)
    if int(text) > limit:
        raise _too_large(limit)


def _too_large(limit: int) -> WebhookBodyTooLarge:
    message = f"the request body is larger than the {limit}-byte limit"
    return WebhookBodyTooLarge(message, limit=limit)


class BodyLimit:
    """Collects a body chunk by chunk and stops as soon as it passes the cap.

    Args:
        limit: The most bytes accepted.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._chunks: list[bytes] = []
        self._size = 0

    @property
    def remaining(self) -> int:
        """How many more bytes may come; read one more to detect an overflow."""
        return self._limit - self._size

    def add(self, chunk: bytes) -> None:
        """Keep ``chunk``.

        Raises:
            WebhookBodyTooLarge: The body is now over the cap.
        """
        self._size += len(chunk)
        if self._size > self._limit:
            raise _too_large(self._limit)
        self._chunks.append(chunk)

    def body(self) -> bytes:
        """The bytes collected so far."""
        return b"".join(self._chunks)


def joined_headers(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers as one mapping, a repeated name's values joined with ``", "``."""
    headers: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def wsgi_headers(environ: Mapping[str, object]) -> dict[str, str]:
    """The request headers of a WSGI environ (or Django's ``META``).

    Read straight from the ``HTTP_*`` keys (and the two CGI ones), which is
    what the frameworks' header views do, without their case restoring.
    """
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if not isinstance(value, str):
            continue
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = value
        elif key in _CGI_HEADERS and value:
            headers[_CGI_HEADERS[key]] = value
    return headers


def request_target(
    environ: Mapping[str, object], *, path: str, raw_path: object = None
) -> str:
    """The path and query of a request, as close to the wire as it goes.

    The provider signed the path exactly as it sent it, escapes and all.
    Servers that keep it give it: gunicorn's ``RAW_URI``, Werkzeug's and
    uWSGI's ``REQUEST_URI``, an ASGI server's ``raw_path``. Otherwise the
    decoded path is escaped again. The query string, which WSGI and ASGI
    pass undecoded, is appended as it came.

    Args:
        environ: The WSGI environ (or Django's ``META``).
        path: The decoded path, mount point included.
        raw_path: The ASGI ``raw_path``, when there is one.
    """
    target = _raw_path(environ, raw_path)
    if target is None:
        target = quote(path, safe=_PATH_SAFE) or "/"
    query = environ.get("QUERY_STRING")
    return f"{target}?{query}" if isinstance(query, str) and query else target


def _raw_path(environ: Mapping[str, object], raw_path: object) -> str | None:
    if isinstance(raw_path, bytes) and raw_path.startswith(b"/"):
        return raw_path.decode("latin-1")
    for key in ("RAW_URI", "REQUEST_URI"):
        raw = environ.get(key)
        if isinstance(raw, str) and raw.startswith("/"):
            # Some servers keep the query here too, some do not.
            return raw.partition("?")[0]
    return None


def check_callback(on_result: object, framework: str) -> None:
    """Refuse an ``async def`` callback for a view that runs synchronously.

    Raises:
        ConfigurationError: ``on_result`` is a coroutine function.
    """
    if inspect.iscoroutinefunction(on_result):
        message = (
            f"on_result is an async function, but the {framework} view runs it "
            "synchronously; pass a plain function"
        )
        raise ConfigurationError(message)


def respond(
    handler: WebhookHandler,
    read: Callable[[], WebhookRequest],
    on_result: Callable[[WebhookResult], object],
) -> WebhookReply:
    """Read, handle, call back and answer, for the synchronous frameworks.

    Args:
        handler: The pipeline that verifies, parses and deduplicates.
        read: Reads the framework's request into a `WebhookRequest`.
        on_result: Your callback; when it raises, the result is released so
            the provider's retry is processed, and the answer is a 500.

    Returns:
        The reply: the provider's expected answer, or the refusal.
    """
    try:
        result = handler.handle(read())
    except REFUSED as error:
        return error_reply(error)
    try:
        _call_sync(on_result, result)
    except Exception:
        logger.exception(
            "webhook callback failed; its items are released for the retry"
        )
        release(handler, result)
        return FAILED
    except BaseException:
        release(handler, result)  # an interrupt: nothing was done, so undo the claim
        raise
    return result.reply


def release(handler: WebhookHandler, result: WebhookResult) -> None:
    """Give ``result``'s claims back; a store that fails is logged, not raised.

    The callback's failure is what the answer reports (500); a store that is
    down as well only means the retry may be taken for a duplicate, which the
    log says.
    """
    try:
        handler.release(result)
    except WebhookStoreUnavailable:
        logger.exception(
            "could not release a failed webhook's items; the provider's retry "
            "will be reported as a duplicate"
        )


def _call_sync(
    on_result: Callable[[WebhookResult], object], result: WebhookResult
) -> None:
    outcome: object = on_result(result)
    if inspect.isawaitable(outcome):
        if inspect.iscoroutine(outcome):
            outcome.close()  # never awaited: close it, or Python warns
        message = "on_result returned an awaitable; a synchronous view cannot await it"
        raise ConfigurationError(message)
