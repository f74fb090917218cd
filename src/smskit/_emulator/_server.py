"""The emulator: a threaded HTTP server on 127.0.0.1 speaking three provider APIs.

One `SandboxState` holds every message. A ticker thread moves its clock along
with real time, so messages progress (sent, delivered, …) as they would at a
provider; each status change becomes a signed status callback, sent by the
`WebhookDispatcher`. Requests are routed by path: ``/2010-04-01/…`` to
Twilio, ``/sms/json``, ``/account/…`` and ``/v2/reports/…`` to Vonage,
``/v1/Account/…`` to Plivo, ``/_sandbox/…`` to the control API.

This module holds the `Emulator` itself (options, lifecycle, routing, sandbox
actions); the HTTP server is in ``_httpd`` (reading requests: ``_framing``),
the turning of changes into webhooks in ``_fanout``.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from smskit._emulator._common import Dialect, url_problem
from smskit._emulator._config import Credentials
from smskit._emulator._control import handle_control
from smskit._emulator._dispatch import WebhookDispatcher
from smskit._emulator._fanout import WebhookFanout
from smskit._emulator._faults import FaultPlan, fault_rule
from smskit._emulator._framing import MAX_BODY_BYTES
from smskit._emulator._http import EmulatorResponse
from smskit._emulator._httpd import Handler

# A global of this module, so tests can stand in for binding a port.
from smskit._emulator._httpd import Server as _Server
from smskit._emulator._options import MAX_SPEED, check_options, checked_inbound_urls
from smskit._emulator._plivo import PlivoDialect
from smskit._emulator._twilio import TwilioDialect
from smskit._emulator._vonage import VonageDialect
from smskit._exceptions import OptionTypeError
from smskit.providers.sandbox._state import SandboxState

if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import TracebackType

    import httpx

    from smskit._emulator._http import EmulatorRequest
    from smskit._models import InboundMessage, StatusEvent
    from smskit.providers.sandbox._magic import SandboxFault

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
        check_options(
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
        self.inbound_urls = checked_inbound_urls(inbound_urls or {})
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
        self._fanout = WebhookFanout(
            self.dialects, self.inbound_urls, self.dispatcher.submit
        )
        self.faults = FaultPlan()
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
        return self._fanout.dialect(name)

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
        httpd = _Server((self.host, self.port), Handler, self)
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._stopping.clear()
        self.dispatcher.start()
        self.state.listeners.append(self._fanout.on_change)
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
        if self._fanout.on_change in self.state.listeners:
            self.state.listeners.remove(self._fanout.on_change)
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
                return self.faults.serve(dialect, request, self._stopping)
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

    def inject(
        self,
        fault: SandboxFault | str,
        *,
        times: int | None = 1,
        rate: float = 1.0,
        to: str | None = None,
        provider: str | None = None,
        retry_after: float = 1.0,
        latency: float = 0.0,
        seed: int | None = None,
    ) -> None:
        """Make the next matching sends fail, as the provider would answer.

        Rules are tried in the order they were added; one random draw per
        send picks at most one of those that match (each takes ``rate`` of
        the draw), so rates 0.05 and 0.02 fail 5 % and 2 % of the sends.

        Args:
            fault: What goes wrong: ``"rate_limited"`` (the provider's
                throttle answer, not accepted), ``"unavailable"`` (503, not
                accepted), ``"server_error"`` (accepted, then a 500),
                ``"connect_error"`` (the connection is reset before the send
                is processed: nothing accepted), ``"read_timeout"`` (accepted,
                then the connection is closed without an answer) or
                ``"latency"`` (accepted, answered ``latency`` real seconds
                later).
            times: How many sends it hits; ``None`` for no limit.
            rate: The chance each matching send is hit, in (0, 1].
            to: Only single sends to this E.164 number (never a Plivo send
                to several ``dst``); every send by default.
            provider: Only sends through ``"twilio"``, ``"vonage"`` or
                ``"plivo"``; all three by default.
            retry_after: Seconds a ``rate_limited`` answer asks to wait
                (``Retry-After``, rounded up to whole seconds; Vonage's
                millisecond hint), 0 to 3,600.
            latency: Real seconds a ``latency`` answer is held back, 0 to 60.
            seed: Reseed the fault dice: the same seed, rules and sends give
                the same faults.

        Raises:
            ConfigurationError: An unknown fault or provider, a number out
                of range, or ``to`` not in E.164 (`OptionTypeError` for a
                wrong type).
        """
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise OptionTypeError("seed must be an integer or None")
        rule = fault_rule(
            fault,
            times=times,
            rate=rate,
            to=to,
            provider=provider,
            retry_after=retry_after,
            latency=latency,
            providers=[dialect.name for dialect in self.dialects],
        )
        self.faults.add(rule, seed=seed)

    def clear_faults(self) -> int:
        """Remove every injected fault; return how many rules there were."""
        return self.faults.clear()

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
        targets = self._fanout.targets(provider, url)
        with self._fanout.routed(targets):
            if to is None:
                message = self.state.receive(from_=from_, body=body)
            else:
                message = self.state.receive(from_=from_, body=body, to=to)
        return message, len(targets)


def _is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # "" (every interface) or a host name
        return False
