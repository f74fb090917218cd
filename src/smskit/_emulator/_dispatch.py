"""Sends webhooks from a worker thread, so no API answer waits for a callback."""

from __future__ import annotations

import collections
import datetime as dt
import functools
import logging
import queue
import ssl
import threading

import attrs
import httpx

from smskit._emulator._common import Webhook, redact_url

__all__ = ["Delivery", "WebhookDispatcher"]

logger = logging.getLogger("smskit.emulator")

_KEEP_DELIVERIES = 1000


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process (loading CA certificates is slow)."""
    return httpx.create_ssl_context()


@attrs.frozen(kw_only=True)
class Delivery:
    """The outcome of one webhook attempt.

    Attributes:
        webhook: What was sent.
        status_code: The target's HTTP status, or ``None`` if it failed.
        error: Why it failed (connection refused, timeout, …), if it did.
        at: When the attempt finished (wall-clock UTC).
    """

    webhook: Webhook
    status_code: int | None
    error: str | None
    at: dt.datetime

    def to_json(self) -> dict[str, object]:
        """A summary for the control API (no signatures, no body)."""
        return {
            "provider": self.webhook.provider,
            "kind": self.webhook.kind,
            "method": self.webhook.method,
            "url": self.webhook.url,
            "message_id": self.webhook.message_id,
            "status_code": self.status_code,
            "error": self.error,
            "at": self.at.isoformat(),
        }


class WebhookDispatcher:
    """A queue of webhooks and one worker thread that POSTs (or GETs) them.

    A target that refuses, times out or answers an error is logged and
    recorded in `deliveries`; it never stops the worker. Webhooks are not
    retried (Twilio does not retry status callbacks either).

    Args:
        timeout: Seconds to wait for each target.
        transport: An httpx transport to send through (tests); the network
            by default.
    """

    def __init__(
        self, *, timeout: float = 5.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._timeout = timeout
        self._transport = transport
        self._queue: queue.Queue[Webhook | None] = queue.Queue()
        self._idle = threading.Condition()
        self._pending = 0
        self._thread: threading.Thread | None = None
        self.deliveries: collections.deque[Delivery] = collections.deque(
            maxlen=_KEEP_DELIVERIES
        )

    def start(self) -> None:
        """Start the worker thread."""
        self._thread = threading.Thread(
            target=self._run, name="smskit-emulator-webhooks", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Finish what is queued, then stop the worker."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout)
        self._thread = None

    def submit(self, webhook: Webhook) -> None:
        """Queue ``webhook`` for sending."""
        with self._idle:
            self._pending += 1
        self._queue.put(webhook)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every queued webhook was attempted.

        Returns:
            Whether the queue drained within ``timeout`` seconds.
        """
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _run(self) -> None:
        # trust_env=False: proxy variables must not reroute callbacks to
        # localhost; redirects are not followed, like the providers.
        with httpx.Client(
            timeout=self._timeout,
            transport=self._transport,
            trust_env=False,
            verify=_tls_context(),
        ) as client:
            while (webhook := self._queue.get()) is not None:
                try:
                    self.deliveries.append(self._send(client, webhook))
                except Exception:  # one webhook must never stop the worker
                    logger.exception("%s webhook failed", webhook.provider)
                finally:
                    with self._idle:
                        self._pending -= 1
                        self._idle.notify_all()

    def _send(self, client: httpx.Client, webhook: Webhook) -> Delivery:
        status_code: int | None = None
        problem: str | None = None
        try:
            response = client.request(
                webhook.method,
                webhook.url,
                headers=list(webhook.headers),
                content=webhook.body or None,
            )
            status_code = response.status_code
        except Exception as failure:  # any broken target must not stop the worker
            problem = f"{type(failure).__name__}: {failure}"
            logger.warning(
                "%s %s webhook to %s failed: %s",
                webhook.provider,
                webhook.kind,
                redact_url(webhook.url),  # a GET's query holds phone numbers
                type(failure).__name__,
            )
        else:
            if status_code >= 400:
                logger.warning(
                    "%s %s webhook to %s answered HTTP %d",
                    webhook.provider,
                    webhook.kind,
                    redact_url(webhook.url),
                    status_code,
                )
        return Delivery(
            webhook=webhook,
            status_code=status_code,
            error=problem,
            at=dt.datetime.now(dt.timezone.utc),
        )
