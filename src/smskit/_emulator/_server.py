"""The emulator: a threaded HTTP server on 127.0.0.1 speaking three provider APIs.

One `SandboxState` holds every message. A ticker thread moves its clock along
with real time, so messages progress (sent, delivered, …) as they would at a
provider; each status change becomes a signed status callback, sent by the
`WebhookDispatcher`. Requests are routed by path: ``/2010-04-01/…`` to
Twilio, ``/sms/json``, ``/account/…`` and ``/v2/reports/…`` to Vonage,
``/v1/Account/…`` to Plivo, ``/_sandbox/…`` to the control API.
"""

from __future__ import annotations

import functools
import io
import ipaddress
import logging
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Protocol

from smskit._emulator._common import redact_target, url_problem
from smskit._emulator._config import Credentials
from smskit._emulator._control import handle_control
from smskit._emulator._dispatch import WebhookDispatcher
from smskit._emulator._http import EmulatorRequest, EmulatorResponse
from smskit._emulator._plivo import PlivoDialect
from smskit._emulator._twilio import TwilioDialect
from smskit._emulator._vonage import VonageDialect
from smskit._exceptions import ConfigurationError, OptionTypeError
from smskit._models import InboundMessage, StatusEvent
from smskit.providers.sandbox._state import SandboxState

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from types import TracebackType

    import httpx

    from smskit._emulator._common import Webhook

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "MAX_BODY_BYTES",
    "MAX_SPEED",
    "Dialect",
    "Emulator",
]

logger = logging.getLogger("smskit.emulator")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787
MAX_BODY_BYTES = 1_048_576
"""The largest request body the emulator reads (1 MiB); larger ones get 413."""
MAX_SPEED = 1_000_000.0
"""The fastest sandbox clock: a million sandbox seconds per real second."""
_IDLE_TIMEOUT = 30.0  # an idle keep-alive connection ends after this many seconds
_LONGEST = 24 * 3600.0  # the longest tick or timeout anyone could mean: a day


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

    def refuse(self, path: str, status: int, text: str) -> EmulatorResponse:
        """An error in this provider's shape for a request it cannot read."""


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
        request_timeout: Seconds a client has to send a whole request (line,
            headers and body) once it started; a slower one is disconnected.
        max_connections: Open client connections served at once; more are
            answered 503 and closed.

    Raises:
        ConfigurationError: A port, speed, tick, timeout or limit is out of
            range.

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
        request_timeout: float = 10.0,
        max_connections: int = 64,
    ) -> None:
        _check_options(
            port=port,
            speed=speed,
            tick=tick,
            webhook_timeout=webhook_timeout,
            request_timeout=request_timeout,
            max_connections=max_connections,
        )
        self.host = host
        self.port = port
        self.credentials = credentials or Credentials.from_env()
        self.state = state or SandboxState()
        self.inbound_urls = _checked_inbound_urls(inbound_urls or {})
        self.realtime = realtime
        self.speed = speed
        self.tick = tick
        self.request_timeout = request_timeout
        self.max_connections = max_connections
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

    @property
    def connections(self) -> int:
        """How many client connections are open right now."""
        httpd = self._httpd
        return 0 if httpd is None else httpd.open_count()

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
        if not _is_loopback(self.host):
            logger.warning(
                "the emulator listens on %s: anyone who can reach this address "
                "can use the control API (/_sandbox), which has no authentication",
                self.host,
            )
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
            try:
                self.advance((now - last) * self.speed)
            except Exception:  # one bad tick must not stop time for good
                logger.exception("the emulator clock failed a tick; it goes on")
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

    def refuse(self, path: str, status: int, text: str) -> EmulatorResponse:
        """An error for a request that cannot be read, shaped by who owns ``path``.

        Args:
            path: The request path (without the query).
            status: The HTTP status (400, 411, 413, …).
            text: What is wrong with the request.

        Returns:
            The provider's error shape for its own paths; ``{"error": text}``
            for the control API and unknown paths.
        """
        for dialect in self.dialects:
            if dialect.handles(path):
                return dialect.refuse(path, status, text)
        return EmulatorResponse.json(status, {"error": text})

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
            ValueError: ``url`` was given without ``provider``, or is no URL
                a webhook could be sent to.
        """
        if url is not None and provider is None:
            raise ValueError("an inbound url needs a provider")
        problem = None if url is None else url_problem(url)
        if problem is not None:
            raise ValueError(f"the inbound url {problem}")
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
        """The state's listener: turn changes into webhooks.

        Each dialect's webhooks are built alone: one that cannot be rendered
        is logged and skipped, and the others (and the clock) go on.
        """
        if isinstance(item, StatusEvent):
            for dialect in self.dialects:
                self._submit(dialect.name, functools.partial(dialect.on_event, item))
            return
        targets = getattr(self._route, "targets", None)
        if targets is None:  # received through the state directly: every provider
            targets = self._inbound_targets(None, None)
        for dialect, url in targets:
            render = functools.partial(dialect.inbound_webhooks, item, url)
            self._submit(dialect.name, render)

    def _submit(self, provider: str, render: Callable[[], list[Webhook]]) -> None:
        try:
            webhooks = render()
        except Exception:  # a bug in one webhook must not stop the others
            logger.exception("the %s webhook could not be built", provider)
            return
        for webhook in webhooks:
            self.dispatcher.submit(webhook)


def _checked_inbound_urls(urls: Mapping[str, str]) -> dict[str, str]:
    """The inbound URLs, each one a URL a webhook can be sent to.

    Raises:
        ConfigurationError: A provider is unknown or a URL is unusable.
    """
    for provider, url in urls.items():
        if provider not in {"twilio", "vonage", "plivo"}:
            raise ConfigurationError(f"no provider {provider!r} for an inbound URL")
        problem = url_problem(url)
        if problem is not None:
            raise ConfigurationError(f"the {provider} inbound URL {problem}")
    return dict(urls)


def _check_options(
    *,
    port: object,
    speed: object,
    tick: object,
    webhook_timeout: object,
    request_timeout: object,
    max_connections: object,
) -> None:
    """Refuse emulator options that could never work.

    Raises:
        OptionTypeError: An option is not a number (or not an integer).
        ConfigurationError: An option is out of range.
    """
    _check_integer("port", port, 0, 65535)
    _check_integer("max_connections", max_connections, 1, None)
    _check_positive("speed", speed, MAX_SPEED)
    _check_positive("tick", tick, _LONGEST)
    _check_positive("webhook_timeout", webhook_timeout, _LONGEST)
    _check_positive("request_timeout", request_timeout, _LONGEST)


def _check_integer(name: str, value: object, low: int, high: int | None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise OptionTypeError(f"{name} must be an integer, not {type(value).__name__}")
    if value < low or (high is not None and value > high):
        bounds = f">= {low}" if high is None else f"from {low} to {high}"
        raise ConfigurationError(f"{name} must be {bounds}: {value}")


def _check_positive(name: str, value: object, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise OptionTypeError(f"{name} must be a number, not {type(value).__name__}")
    # Compared before any float(): a huge int would overflow it; NaN fails both.
    if not (value > 0 and value <= high):
        raise ConfigurationError(f"{name} must be > 0 and at most {high:g}: {value}")


def _is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # "" (every interface) or a host name
        return False


class _Server(ThreadingHTTPServer):
    """A threading server that caps, tracks and can close its connections."""

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

    def shutdown(self) -> None:
        """Stop `serve_forever` without waiting out its poll interval.

        ``serve_forever`` notices a shutdown only when its ``select`` returns;
        a throwaway connection makes it return at once, so `Emulator.stop`
        (and every test that uses an emulator) does not idle for a poll.
        """
        waiting = threading.Thread(target=super().shutdown)
        waiting.start()
        while waiting.is_alive():
            self._wake()
            waiting.join(0.005)

    def _wake(self) -> None:
        host, port = self.server_address[:2]
        try:
            with socket.create_connection((str(host), port), timeout=0.1):
                pass
        except OSError:  # not connectable (an odd bind address): the poll ends it
            return

    def open_count(self) -> int:
        """How many connections are being served."""
        with self._open_lock:
            return len(self._open)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            full = len(self._open) >= self.emulator.max_connections
            if not full:
                self._open.add(request)
        if full:  # one thread per connection: the cap bounds the threads
            logger.warning(
                "emulator busy: %d connections open, one refused",
                self.emulator.max_connections,
            )
            _answer_busy(request)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log a failed connection; a client that went away is not an error."""
        problem = sys.exc_info()[1]
        if isinstance(problem, (ConnectionError, TimeoutError)):
            logger.debug("client connection ended: %s", type(problem).__name__)
            return
        logger.error("emulator connection failed", exc_info=True)

    def close_connections(self) -> None:
        """Wake every connection thread waiting for a next request."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:  # already closed by the client
                continue


_BUSY_BODY = b'{"error":"the emulator has too many open connections"}'
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Content-Type: application/json; charset=utf-8\r\n"
    b"Content-Length: " + str(len(_BUSY_BODY)).encode() + b"\r\n"
    b"Retry-After: 1\r\nConnection: close\r\n\r\n" + _BUSY_BODY
)


def _answer_busy(sock: socket.socket) -> None:
    """Tell a refused client why, without ever blocking the accept loop."""
    try:
        sock.setblocking(False)
        sock.send(_BUSY)
    except OSError:  # its buffer is full or it is gone: closing says enough
        return


class _DeadlineReader(io.RawIOBase):
    """Socket reads that give up at a deadline as well as after idle time.

    A per-read timeout alone lets a client keep a connection thread forever by
    sending a byte now and then; the deadline bounds the whole request.
    """

    def __init__(self, sock: socket.socket, idle: float) -> None:
        super().__init__()
        self._sock = sock
        self._idle = idle
        self.deadline: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        timeout = self._idle
        if self.deadline is not None:
            timeout = min(timeout, self.deadline - time.monotonic())
            if timeout <= 0:
                raise TimeoutError("the request did not arrive in time")
        self._sock.settimeout(timeout)
        return self._sock.recv_into(buffer)


class _BadFraming(Exception):
    """A request whose body cannot be read; answered, then the connection ends."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as SDK sessions expect
    server: _Server
    timeout = _IDLE_TIMEOUT
    # Headers and body go out in separate writes; with Nagle on, the body
    # waits for the client's delayed ACK (~40 ms a request).
    disable_nagle_algorithm = True

    def setup(self) -> None:
        """Read the socket through a reader that enforces the request deadline."""
        super().setup()
        self.rfile.close()  # drop the plain reader (it holds a socket reference)
        self._reader = _DeadlineReader(self.connection, _IDLE_TIMEOUT)
        self._buffer = io.BufferedReader(self._reader)
        self.rfile = self._buffer

    def handle_one_request(self) -> None:
        """Wait (idle timeout) for a request, then give it a deadline."""
        self._reader.deadline = None
        try:
            waiting = self._buffer.peek(1)
        except OSError:  # timed out, reset, or closed by stop()
            waiting = b""
        if not waiting:  # idle too long, or the client closed the connection
            self.close_connection = True
            return
        self._reader.deadline = time.monotonic() + self.server.emulator.request_timeout
        super().handle_one_request()

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
        path, _, query = self.path.partition("?")
        emulator = self.server.emulator
        try:
            body = self._body()
        except _BadFraming as problem:
            # The body's end is unknown, so nothing after it can be trusted.
            self.close_connection = True
            self._respond(emulator.refuse(path, problem.status, problem.text))
            return
        if body is None:  # the client left before sending its whole body
            self.close_connection = True
            return
        request = EmulatorRequest(
            method=self.command,
            path=path,
            query=query,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        try:
            response = emulator.handle(request)
        except Exception:  # a bug must answer 500, not kill the connection thread
            logger.exception("emulator failed on %s %s", self.command, path)
            response = EmulatorResponse.json(500, {"error": "emulator error"})
        self._respond(response)

    def _body(self) -> bytes | None:
        """The body, or ``None`` if the client closed the connection first.

        Raises:
            _BadFraming: A transfer coding, a malformed, negative or repeated
                ``Content-Length``, or a body over `MAX_BODY_BYTES`.
        """
        if self.headers.get("Transfer-Encoding") is not None:
            raise _BadFraming(411, "send the body with a Content-Length")
        values = self.headers.get_all("Content-Length") or []
        if len(values) > 1:
            raise _BadFraming(400, "more than one Content-Length header")
        text = values[0].strip(" \t") if values else "0"
        if not (text.isascii() and text.isdigit()):
            raise _BadFraming(400, "Content-Length must be a number of bytes")
        if len(text) > len(str(MAX_BODY_BYTES)) or int(text) > MAX_BODY_BYTES:
            raise _BadFraming(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
        length = int(text)
        body = self.rfile.read(length) if length else b""
        # The whole request is in: answering may take as long as it takes.
        self._reader.deadline = None
        self.connection.settimeout(_IDLE_TIMEOUT)
        return body if len(body) == length else None

    def _respond(self, response: EmulatorResponse) -> None:
        self._reader.deadline = None
        self.connection.settimeout(_IDLE_TIMEOUT)
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Log at debug level (not stderr), query values left out.

        Vonage requests carry ``api_secret``, numbers and text in the query.
        """
        logger.debug("%s - %s", self.address_string(), redact_target(format % args))
