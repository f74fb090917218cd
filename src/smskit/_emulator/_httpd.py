"""The emulator's HTTP server: a capped, closable threading server and its handler.

The server knows nothing of providers: it reads each request (see
``_framing``), hands it to an `Application` and writes the answer back. The
`Emulator` is that application.
"""

from __future__ import annotations

import io
import logging
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from smskit._emulator._common import redact_target
from smskit._emulator._framing import (
    IDLE_TIMEOUT,
    BadFraming,
    DeadlineReader,
    body_length,
)
from smskit._emulator._http import EmulatorRequest, EmulatorResponse

__all__ = ["Application", "Handler", "Server"]

logger = logging.getLogger("smskit.emulator")

_BUSY_BODY = b'{"error":"the emulator has too many open connections"}'
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Content-Type: application/json; charset=utf-8\r\n"
    b"Content-Length: " + str(len(_BUSY_BODY)).encode() + b"\r\n"
    b"Retry-After: 1\r\nConnection: close\r\n\r\n" + _BUSY_BODY
)


class Application(Protocol):
    """What the server serves: limits to enforce and a way to answer."""

    @property
    def max_connections(self) -> int:
        """Open client connections served at once."""

    @property
    def request_timeout(self) -> float:
        """Seconds a client has to send a whole request once it started."""

    def handle(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer one request."""

    def refuse(self, path: str, status: int, text: str) -> EmulatorResponse:
        """An error for a request that cannot be read, shaped by who owns ``path``."""


class Server(ThreadingHTTPServer):
    """A threading server that caps, tracks and can close its connections.

    Args:
        address: The host and port to bind.
        handler: The request handler class (`Handler`).
        app: What answers the requests.
    """

    daemon_threads = False  # server_close() joins connection threads
    block_on_close = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        app: Application,
    ) -> None:
        self.app = app
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
        """Serve a new connection in its own thread, or refuse it when full."""
        with self._open_lock:
            full = len(self._open) >= self.app.max_connections
            if not full:
                self._open.add(request)
        if full:  # one thread per connection: the cap bounds the threads
            logger.warning(
                "emulator busy: %d connections open, one refused",
                self.app.max_connections,
            )
            _answer_busy(request)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget a finished connection and close it."""
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


def _answer_busy(sock: socket.socket) -> None:
    """Tell a refused client why, without ever blocking the accept loop."""
    try:
        sock.setblocking(False)
        sock.send(_BUSY)
    except OSError:  # its buffer is full or it is gone: closing says enough
        return


class Handler(BaseHTTPRequestHandler):
    """One connection: keep-alive requests, each read before a deadline."""

    protocol_version = "HTTP/1.1"  # keep-alive, as SDK sessions expect
    server: Server
    timeout = IDLE_TIMEOUT
    # Headers and body go out in separate writes; with Nagle on, the body
    # waits for the client's delayed ACK (~40 ms a request).
    disable_nagle_algorithm = True

    def setup(self) -> None:
        """Read the socket through a reader that enforces the request deadline."""
        super().setup()
        self.rfile.close()  # drop the plain reader (it holds a socket reference)
        self._reader = DeadlineReader(self.connection, IDLE_TIMEOUT)
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
        self._reader.deadline = time.monotonic() + self.server.app.request_timeout
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
        app = self.server.app
        try:
            body = self._body()
        except BadFraming as problem:
            # The body's end is unknown, so nothing after it can be trusted.
            self.close_connection = True
            self._respond(app.refuse(path, problem.status, problem.text))
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
            response = app.handle(request)
        except Exception:  # a bug must answer 500, not kill the connection thread
            logger.exception("emulator failed on %s %s", self.command, path)
            response = EmulatorResponse.json(500, {"error": "emulator error"})
        self._respond(response)

    def _body(self) -> bytes | None:
        """The body, or ``None`` if the client closed the connection first.

        Raises:
            BadFraming: The headers do not say how long the body is, or it is
                too long (see `body_length`).
        """
        length = body_length(self.headers)
        body = self.rfile.read(length) if length else b""
        # The whole request is in: answering may take as long as it takes.
        self._reader.deadline = None
        self.connection.settimeout(IDLE_TIMEOUT)
        return body if len(body) == length else None

    def _respond(self, response: EmulatorResponse) -> None:
        if response.drop is not None:
            self._drop(reset=response.drop == "reset")
            return
        self._reader.deadline = None
        self.connection.settimeout(IDLE_TIMEOUT)
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(response.body)

    def _drop(self, *, reset: bool) -> None:
        """Leave without an answer (an injected fault).

        A reset closes the socket at once with linger 0, so the kernel sends
        RST instead of FIN: the client reads "connection reset". Otherwise the
        server's usual shutdown closes it cleanly, and the client reads the
        end of the stream where the answer should have been.
        """
        self.close_connection = True
        if not reset:
            return
        try:
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            self.connection.close()
        except OSError:  # the client left first: nothing to reset
            return

    def log_message(self, format: str, *args: Any) -> None:
        """Log at debug level (not stderr), query values left out.

        Vonage requests carry ``api_secret``, numbers and text in the query.
        """
        logger.debug("%s - %s", self.address_string(), redact_target(format % args))
