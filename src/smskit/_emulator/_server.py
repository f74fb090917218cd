"""The emulator: a threaded HTTP server on 127.0.0.1 speaking three provider APIs.

One `SandboxState` holds every message. A ticker thread moves its clock along
with real time, so messages progress (sent, delivered, …) as they would at a
provider; each status change becomes a signed status callback, sent by the
`WebhookDispatcher`. Requests are routed by path: ``/2010-04-01/…`` to
Twilio, ``/sms/json``, ``/account/…`` and ``/v2/reports/…`` to Vonage,
``/v1/Account/…`` to Plivo, ``/_sandbox/…`` to the control API.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Protocol

from smskit._emulator._config import Credentials
from smskit._emulator._control import handle_control
from smskit._emulator._dispatch import WebhookDispatcher
from smskit._emulator._http import EmulatorRequest, EmulatorResponse
from smskit._emulator._plivo import PlivoDialect
from smskit._emulator._twilio import TwilioDialect
from smskit._emulator._vonage import VonageDialect
from smskit._models import InboundMessage, StatusEvent
from smskit.providers.sandbox._state import SandboxState

if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import TracebackType

    import httpx

    from smskit._emulator._common import Webhook

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "Dialect", "Emulator"]

logger = logging.getLogger("smskit.emulator")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787


class Dialect(Protocol):
    """One provider's API on top of the sandbox state."""

    name: str

    def handles(self, path: str) -> bool:
        """Whether ``path`` belongs to this provider's API."""

    def handle(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer one request to this provider's API."""

    def on_event(self, event: StatusEvent) -> list[Webhook]:
        """Note a status change; return the status callbacks it causes."""

    def inbound_webhooks(self, message: InboundMessage, url: str) -> list[Webhook]:
        """The webhook(s) announcing ``message`` to ``url``."""

    def provider_ids(self, record_id: str) -> tuple[str, ...]:
        """This provider's ids of a record (empty if it did not create it)."""


class Emulator:
    """A local HTTP server that speaks the Twilio, Vonage and Plivo SMS APIs.

    Use it as a context manager (or call `start` and `stop`). With ``port=0``
    the system picks a free port; read it back from `port` or `url`.

    Args:
        host: The interface to bind; keep the default (loopback only).
        port: The TCP port; 0 picks a free one.
        credentials: The accounts it accepts; `Credentials.from_env()` by default.
        state: The sandbox to serve; a new one by default.
        inbound_urls: Per provider (``"twilio"``, ``"vonage"``, ``"plivo"``),
            where inbound-SMS webhooks go.
        realtime: Move sandbox time along with the wall clock; with ``False``
            time moves only through `advance` (deterministic tests).
        speed: How many sandbox seconds pass per real second.
        tick: Seconds between clock ticks.
        webhook_timeout: Seconds to wait for each webhook target.
        webhook_transport: An httpx transport for webhooks (tests).

    Example:
        ```python
        with Emulator(port=0) as emulator:
            print(emulator.url)  # http://127.0.0.1:<port>
        ```
    """

    def __init__(
        self,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        credentials: Credentials | None = None,
        state: SandboxState | None = None,
        inbound_urls: Mapping[str, str] | None = None,
        realtime: bool = True,
        speed: float = 1.0,
        tick: float = 0.1,
        webhook_timeout: float = 5.0,
        webhook_transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.credentials = credentials or Credentials.from_env()
        self.state = state or SandboxState()
        self.inbound_urls = dict(inbound_urls or {})
        self.realtime = realtime
        self.speed = speed
        self.tick = tick
        self.dialects: tuple[Dialect, ...] = (
            TwilioDialect(self.state, self.credentials),
            VonageDialect(self.state, self.credentials),
            PlivoDialect(self.state, self.credentials),
        )
        self.dispatcher = WebhookDispatcher(
            timeout=webhook_timeout, transport=webhook_transport
        )
        self._route = threading.local()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._httpd: _Server | None = None

    def __repr__(self) -> str:
        running = "running" if self._httpd else "stopped"
        return f"<Emulator {self.url} {running}>"

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:8787``."""
        return f"http://{self.host}:{self.port}"

    def dialect(self, name: str) -> Dialect:
        """The dialect called ``name``.

        Raises:
            KeyError: There is no such provider.
        """
        for dialect in self.dialects:
            if dialect.name == name:
                return dialect
        raise KeyError(name)

    # -- lifecycle --------------------------------------------------------------

    def start(self) -> Emulator:
        """Bind the port and start serving, ticking and dispatching.

        Returns:
            ``self``.
        """
        if self._httpd is not None:
            return self
        httpd = _Server((self.host, self.port), _Handler, self)
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._stopping.clear()
        self.dispatcher.start()
        self.state.listeners.append(self._on_change)
        # A short poll interval keeps stop() quick (shutdown waits for a poll).
        self._spawn(lambda: httpd.serve_forever(poll_interval=0.05), "http")
        if self.realtime:
            self._spawn(self._run_clock, "clock")
        logger.info("smskit emulator listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and finish queued webhooks."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()  # joins the connection threads
        for thread in self._threads:
            thread.join()
        self._threads.clear()
        if self._on_change in self.state.listeners:
            self.state.listeners.remove(self._on_change)
        self.dispatcher.stop()
        logger.info("smskit emulator stopped")

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(
            target=target, name=f"smskit-emulator-{name}", daemon=True
        )
        thread.start()
        self._threads.append(thread)

    def _run_clock(self) -> None:
        last = time.monotonic()
        while not self._stopping.wait(self.tick):
            now = time.monotonic()
            self.advance((now - last) * self.speed)
            last = now

    # -- requests -----------------------------------------------------------------

    def handle(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer one request (the server calls this from its threads)."""
        if request.path == "/_sandbox" or request.path.startswith("/_sandbox/"):
            return handle_control(self, request)
        for dialect in self.dialects:
            if dialect.handles(request.path):
                return dialect.handle(request)
        return EmulatorResponse.json(
            404, {"error": f"no provider API at {request.method} {request.path}"}
        )

    # -- sandbox actions ----------------------------------------------------------

    def advance(self, seconds: float | None = None) -> list[StatusEvent]:
        """Move sandbox time forward; due status callbacks are queued.

        Args:
            seconds: How far; ``None`` runs every pending message to its end.

        Returns:
            The status events that happened.
        """
        return self.state.advance(seconds)

    def receive(
        self,
        *,
        from_: str,
        body: str,
        to: str | None = None,
        provider: str | None = None,
        url: str | None = None,
    ) -> tuple[InboundMessage, int]:
        """Simulate an inbound SMS and send the inbound webhook(s).

        Args:
            from_: The sender (E.164).
            body: The text; STOP/START keywords opt the sender out/in.
            to: Your number it is sent to; the sandbox's number by default.
            provider: Only this provider's webhook; every provider with an
                inbound URL by default.
            url: Send to this URL instead of the configured one (needs
                ``provider``).

        Returns:
            The inbound message and how many webhooks were queued.

        Raises:
            KeyError: ``provider`` is not one of the three.
            ValueError: ``url`` was given without ``provider``.
        """
        if url is not None and provider is None:
            raise ValueError("an inbound url needs a provider")
        targets = self._inbound_targets(provider, url)
        self._route.targets = targets
        try:
            if to is None:
                message = self.state.receive(from_=from_, body=body)
            else:
                message = self.state.receive(from_=from_, body=body, to=to)
        finally:
            self._route.targets = None
        return message, len(targets)

    def _inbound_targets(
        self, provider: str | None, url: str | None
    ) -> list[tuple[Dialect, str]]:
        dialects = self.dialects if provider is None else (self.dialect(provider),)
        targets = []
        for dialect in dialects:
            target = url or self.inbound_urls.get(dialect.name)
            if target:
                targets.append((dialect, target))
        return targets

    def _on_change(self, item: StatusEvent | InboundMessage) -> None:
        """The state's listener: turn changes into webhooks."""
        if isinstance(item, StatusEvent):
            for dialect in self.dialects:
                for webhook in dialect.on_event(item):
                    self.dispatcher.submit(webhook)
            return
        targets = getattr(self._route, "targets", None)
        if targets is None:  # received through the state directly: every provider
            targets = self._inbound_targets(None, None)
        for dialect, url in targets:
            for webhook in dialect.inbound_webhooks(item, url):
                self.dispatcher.submit(webhook)


class _Server(ThreadingHTTPServer):
    """A threading server that can close its keep-alive connections on stop."""

    daemon_threads = False  # server_close() joins connection threads
    block_on_close = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        emulator: Emulator,
    ) -> None:
        self.emulator = emulator
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake every connection thread waiting for a next request."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:  # already closed by the client
                continue


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as SDK sessions expect
    server: _Server
    timeout = 30  # an idle keep-alive connection ends after this many seconds
    # Headers and body go out in separate writes; with Nagle on, the body
    # waits for the client's delayed ACK (~40 ms a request).
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        """Serve a GET."""
        self._serve()

    def do_POST(self) -> None:
        """Serve a POST."""
        self._serve()

    def do_DELETE(self) -> None:
        """Serve a DELETE."""
        self._serve()

    def do_PUT(self) -> None:
        """Serve a PUT (no provider route uses it; answered by the dialects)."""
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        path, _, query = self.path.partition("?")
        request = EmulatorRequest(
            method=self.command,
            path=path,
            query=query,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length) if length > 0 else b"",
        )
        try:
            response = self.server.emulator.handle(request)
        except Exception:  # a bug must answer 500, not kill the connection thread
            logger.exception("emulator failed on %s %s", self.command, path)
            response = EmulatorResponse.json(500, {"error": "emulator error"})
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Log requests at debug level instead of printing to stderr."""
        logger.debug("%s - %s", self.address_string(), format % args)
