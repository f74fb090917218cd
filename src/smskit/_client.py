"""`Client` and `AsyncClient`: the front door for sending SMS.

Both share `_ClientCore`, which checks input and builds flows without any
I/O; each class only adds how to run a flow and how to close its HTTP client.
"""

from __future__ import annotations

import importlib.util
import random
import time
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import httpx

from smskit import _checks as checks
from smskit import encoding, phone
from smskit._config import (
    captured_by,
    is_testing,
    note_capture_region,
    real_sends_blocked,
)
from smskit._core._async import run_async
from smskit._core._flow import NO_HOOKS, Operation, call_flow
from smskit._core._hooks import Hooks
from smskit._core._policy import RetryPolicy
from smskit._core._ratelimit import Limiter, LocalLimiter, RateLimit
from smskit._core._sync import run_sync
from smskit._exceptions import ClientClosed, ConfigurationError, OptionTypeError
from smskit.providers._protocol import OutgoingMessage, Provider

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Generator
    from types import TracebackType

    from typing_extensions import Self

    from smskit._core._flow import Command, Outcome
    from smskit._models import Message

__all__ = ["DEFAULT_LIMITS", "DEFAULT_TIMEOUT", "AsyncClient", "Client"]

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
"""Connect within 5 s, and wait at most 30 s for each read or write."""

DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
"""At most 100 connections, 20 of them kept alive between requests."""

DEFAULT_NUMBER_POLICY = phone.NumberPolicy()
"""Accept any valid number except premium-rate ones."""


class _ClientCore:
    """Everything the two clients share: configuration, checks, flows."""

    MAX_CLIENT_REF_LENGTH = checks.MAX_CLIENT_REF_LENGTH
    """The longest ``client_ref`` accepted (40 characters, Vonage's limit)."""

    MAX_STATUS_CALLBACK_LENGTH = checks.MAX_STATUS_CALLBACK_LENGTH
    """The longest ``status_callback`` URL accepted (2,000 characters)."""

    def __init__(
        self,
        provider: Provider,
        *,
        sender: str | None,
        region: str | None,
        retry: RetryPolicy | None,
        max_segments: int,
        http_client: object | None,
        rate_limit: RateLimit | Limiter | None,
        hooks: Hooks | None,
        log_sensitive: bool,
        number_policy: phone.NumberPolicy | None,
    ) -> None:
        if not _is_provider(provider):
            message = f"provider must be a smskit provider, not {provider!r}"
            raise OptionTypeError(message)
        if provider.transport is not None and http_client is not None:
            message = (
                f"the {provider.name} provider runs in-process and brings its own "
                "transport; do not pass http_client"
            )
            raise ConfigurationError(message)
        self._provider = provider
        self._sender = None if sender is None else _sender_id(sender)
        self._region = checks.region_code(region)
        checks.instance("retry", retry, (RetryPolicy, type(None)))
        self._retry = retry or RetryPolicy()
        checks.number(
            "max_segments", max_segments, minimum=1, inclusive=True, integer=True
        )
        self._max_segments = max_segments
        self._limiter = _limiter(rate_limit)
        checks.instance("hooks", hooks, (Hooks, type(None)))
        self._hooks = hooks or NO_HOOKS
        self._redact = not checks.option_flag("log_sensitive", log_sensitive)
        checks.instance(
            "number_policy", number_policy, (phone.NumberPolicy, type(None))
        )
        self._number_policy = number_policy
        self._closed = False
        self._rng = random.Random()  # noqa: S311 -- backoff jitter only

    def __repr__(self) -> str:
        return f"<{type(self).__name__} provider={self._provider.name!r}>"

    @property
    def provider(self) -> Provider:
        """The provider this client sends through."""
        return self._provider

    def _outgoing(
        self,
        *,
        to: str,
        body: str,
        sender: str | None,
        client_ref: str | None,
        status_callback: str | None,
        validity: dt.timedelta | None,
    ) -> OutgoingMessage:
        """Check the caller's input and turn it into an `OutgoingMessage`."""
        recipient = phone.to_e164(to, region=self._region, policy=self._number_policy)
        text = checks.body_text(body)
        info = encoding.analyze(text)
        encoding.check_length(info, max_segments=self._max_segments)
        chosen_sender = self._sender if sender is None else _sender_id(sender)
        return OutgoingMessage(
            to=recipient,
            body=text,
            sender=chosen_sender,
            encoding=info.encoding,
            segments=info.segment_count,
            client_ref=checks.client_ref(client_ref),
            status_callback=checks.callback_url(status_callback),
            validity=checks.validity(validity),
        )

    def _check_open(self) -> None:
        """Refuse work once the client is closed, before anything is sent."""
        if self._closed:
            message = (
                f"this {type(self).__name__} is closed; create a new one "
                "(or use it as a context manager) to send or fetch"
            )
            raise ClientClosed(message)

    def _active_provider(self) -> Provider:
        """The provider to use now: a test's capturing sandbox wins."""
        captured = captured_by()
        if captured is None:
            return self._provider
        note_capture_region(self._region)
        return captured

    def _send_flow(
        self, outgoing: OutgoingMessage
    ) -> Generator[Command, Outcome, Message]:
        provider = self._active_provider()
        operation = Operation(
            provider=provider.name,
            build=lambda: _guarded(provider, provider.build_send(outgoing)),
            parse=lambda response: provider.parse_send(outgoing, response),
            is_send=True,
            to=outgoing.to,
            body=outgoing.body,
            client_ref=outgoing.client_ref,
            limit_key=self._limit_key(outgoing),
            cost=self._limit_cost(outgoing),
        )
        return self._flow(operation)

    def _limit_key(self, outgoing: OutgoingMessage) -> str | None:
        if self._limiter is None:
            return None
        return self._limiter.limit.key(
            provider=self._provider.name,
            account=self._provider.rate_limit_key,
            sender=outgoing.sender,
        )

    def _limit_cost(self, outgoing: OutgoingMessage) -> float:
        if self._limiter is None:
            return 1.0
        return self._limiter.limit.cost_of(outgoing.segments)

    def _fetch_flow(self, message_id: str) -> Generator[Command, Outcome, Message]:
        provider = self._active_provider()
        # Build once now, so a malformed id fails before any I/O.
        provider.build_fetch(message_id)
        operation = Operation(
            provider=provider.name,
            build=lambda: _guarded(provider, provider.build_fetch(message_id)),
            parse=provider.parse_fetch,
            is_send=False,
        )
        return self._flow(operation)

    def _flow(self, operation: Operation[T]) -> Generator[Command, Outcome, T]:
        return call_flow(
            operation,
            policy=self._retry,
            clock=time.monotonic,
            rng=self._rng,
            hooks=self._hooks,
            redact=self._redact,
        )


_LIMITER_METHODS = ("reserve", "areserve", "pause", "apause")


def _limiter(rate_limit: RateLimit | Limiter | None) -> Limiter | None:
    if rate_limit is None:
        return None
    if isinstance(rate_limit, RateLimit):
        return LocalLimiter(rate_limit)
    limit = getattr(rate_limit, "limit", None)
    methods_ok = all(callable(getattr(rate_limit, m, None)) for m in _LIMITER_METHODS)
    if not (methods_ok and isinstance(limit, RateLimit)):
        message = (
            "rate_limit must be a RateLimit or a limiter such as RedisLimiter, "
            f"not {type(rate_limit).__name__}"
        )
        raise OptionTypeError(message)
    return rate_limit


_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _guarded(provider: Provider, request: httpx.Request) -> httpx.Request:
    """Refuse requests to real providers while a test suite blocks them."""
    if (
        real_sends_blocked()
        and provider.transport is None
        and request.url.host not in _LOCAL_HOSTS
    ):
        message = (
            f"a request to the real {provider.name} API ({request.url.host}) was "
            "blocked because real sends are blocked during tests; use the "
            "smskit_sandbox fixture or the local emulator"
        )
        raise ConfigurationError(message)
    return request


def _no_sleep(_: float) -> None:
    """Testing mode: decisions run, waits do not."""


async def _no_async_sleep(_: float) -> None:
    """Testing mode: decisions run, waits do not."""


def _http2_available(http2: bool) -> bool:
    if not http2:
        return False
    if importlib.util.find_spec("h2") is None:
        message = "http2=True needs the h2 package: pip install 'smskit-sdk[http2]'"
        raise ConfigurationError(message)
    return True


def _is_provider(value: object) -> bool:
    # Checked at runtime too: a misplaced argument should fail here, clearly.
    return isinstance(value, Provider)


def _sender_id(value: str) -> str:
    return phone.SenderId.parse(value).value


def _transport_options(
    timeout: float | httpx.Timeout, limits: httpx.Limits, http2: bool
) -> dict[str, Any]:
    """Check the options of the HTTP client smskit creates, for both clients."""
    if not isinstance(timeout, httpx.Timeout):
        checks.number("timeout", timeout, minimum=0)
    checks.instance("limits", limits, httpx.Limits)
    return {
        "timeout": timeout,
        "limits": limits,
        "http2": _http2_available(checks.option_flag("http2", http2)),
    }


class Client(_ClientCore):
    """Send and track SMS through a provider, with blocking I/O.

    Use it as a context manager, or call `close` when done. One client is
    safe to share between threads. Every option is checked here, so a wrong
    one fails at construction, not at the first send.

    Args:
        provider: Where messages go, such as `smskit.providers.Sandbox()`.
        sender: The default sender ID, short code or number.
        region: ISO country code used to read numbers typed without ``+``.
        retry: When to retry; see `RetryPolicy`.
        max_segments: Refuse texts longer than this many segments.
        timeout: Seconds, or an `httpx.Timeout`; connect 5 s, read 30 s by default.
        limits: Connection-pool limits (100 connections, 20 kept alive).
        http2: Use HTTP/2 where the provider offers it (``smskit-sdk[http2]``).
        http_client: Your own `httpx.Client`; smskit will not close it.
        rate_limit: Pace sends: a `RateLimit` (kept in this process) or a
            limiter such as `RedisLimiter` shared between processes.
        hooks: Callbacks told about requests, responses and retries.
        log_sensitive: Log full phone numbers and bodies (for debugging only;
            they are masked by default).
        number_policy: Which recipients to accept (`smskit.phone.NumberPolicy`);
            by default premium-rate numbers are refused, against SMS pumping.
            ``None`` accepts every valid number.
    """

    def __init__(
        self,
        provider: Provider,
        *,
        sender: str | None = None,
        region: str | None = None,
        retry: RetryPolicy | None = None,
        max_segments: int = encoding.DEFAULT_MAX_SEGMENTS,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        limits: httpx.Limits = DEFAULT_LIMITS,
        http2: bool = False,
        http_client: httpx.Client | None = None,
        rate_limit: RateLimit | Limiter | None = None,
        hooks: Hooks | None = None,
        log_sensitive: bool = False,
        number_policy: phone.NumberPolicy | None = DEFAULT_NUMBER_POLICY,
    ) -> None:
        super().__init__(
            provider,
            sender=sender,
            region=region,
            retry=retry,
            max_segments=max_segments,
            http_client=http_client,
            rate_limit=rate_limit,
            hooks=hooks,
            log_sensitive=log_sensitive,
            number_policy=number_policy,
        )
        options = _transport_options(timeout, limits, http2)
        checks.instance("http_client", http_client, (httpx.Client, type(None)))
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(
            transport=provider.transport, **options
        )

    def send(
        self,
        *,
        to: str,
        body: str,
        sender: str | None = None,
        client_ref: str | None = None,
        status_callback: str | None = None,
        validity: dt.timedelta | None = None,
    ) -> Message:
        """Send one SMS.

        Args:
            to: The recipient, as typed by a person (``"+1 415 555 2671"``).
            body: The text.
            sender: Overrides the client's default sender.
            client_ref: Your reference; providers that support it echo it back.
            status_callback: URL for delivery receipts, where supported.
            validity: How long the provider may keep trying to deliver.

        Returns:
            The message as the provider accepted it.

        Raises:
            InvalidPhoneNumber: ``to`` is not a valid number.
            InvalidSenderId: ``sender`` is not a valid sender.
            ArgumentTypeError: An argument has the wrong type.
            InvalidMessage: ``body`` is empty, only whitespace or holds a
                control character; ``status_callback``, ``client_ref`` or
                ``validity`` breaks its rule (see the Errors guide).
            MessageTooLong: ``body`` needs more than ``max_segments`` segments.
            ClientClosed: The client was closed.
            LimiterUnavailable: The shared rate limiter could not be asked.
            DeliveryUnknown: The provider may or may not have accepted it.
            ProviderError: The provider refused it.
        """
        self._check_open()
        outgoing = self._outgoing(
            to=to,
            body=body,
            sender=sender,
            client_ref=client_ref,
            status_callback=status_callback,
            validity=validity,
        )
        return self._run(self._send_flow(outgoing))

    def fetch(self, message_id: str) -> Message:
        """Look up a message's current state at the provider.

        Args:
            message_id: The provider's id of the message.

        Raises:
            ArgumentTypeError: ``message_id`` is not a string.
            InvalidMessage: ``message_id`` is empty, too long or not in the
                provider's id alphabet; nothing was sent.
            ClientClosed: The client was closed.
            NotFound: The provider knows no such message.
            NotSupported: The provider has no lookup.
        """
        self._check_open()
        return self._run(self._fetch_flow(message_id))

    def close(self) -> None:
        """Close the client; later sends and fetches raise `ClientClosed`.

        The HTTP client is closed too, unless it was passed in. Closing twice
        is harmless.
        """
        self._closed = True
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _run(self, flow: Generator[Command, Outcome, T]) -> T:
        sleep = _no_sleep if is_testing() else time.sleep
        captured = captured_by()
        if captured is None:
            return run_sync(flow, client=self._http, sleep=sleep, limiter=self._limiter)
        with httpx.Client(transport=captured.transport) as http:
            return run_sync(flow, client=http, sleep=sleep, limiter=self._limiter)


class AsyncClient(_ClientCore):
    """Send and track SMS through a provider, with async I/O (asyncio or trio).

    Use it as an async context manager, or await `aclose` when done.

    Args:
        provider: Where messages go, such as `smskit.providers.Sandbox()`.
        sender: The default sender ID, short code or number.
        region: ISO country code used to read numbers typed without ``+``.
        retry: When to retry; see `RetryPolicy`.
        max_segments: Refuse texts longer than this many segments.
        timeout: Seconds, or an `httpx.Timeout`; connect 5 s, read 30 s by default.
        limits: Connection-pool limits (100 connections, 20 kept alive).
        http2: Use HTTP/2 where the provider offers it (``smskit-sdk[http2]``).
        http_client: Your own `httpx.AsyncClient`; smskit will not close it.
        rate_limit: Pace sends: a `RateLimit` (kept in this process) or a
            limiter such as `RedisLimiter` shared between processes.
        hooks: Callbacks told about requests, responses and retries.
        log_sensitive: Log full phone numbers and bodies (for debugging only;
            they are masked by default).
        number_policy: Which recipients to accept (`smskit.phone.NumberPolicy`);
            by default premium-rate numbers are refused, against SMS pumping.
            ``None`` accepts every valid number.
    """

    def __init__(
        self,
        provider: Provider,
        *,
        sender: str | None = None,
        region: str | None = None,
        retry: RetryPolicy | None = None,
        max_segments: int = encoding.DEFAULT_MAX_SEGMENTS,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        limits: httpx.Limits = DEFAULT_LIMITS,
        http2: bool = False,
        http_client: httpx.AsyncClient | None = None,
        rate_limit: RateLimit | Limiter | None = None,
        hooks: Hooks | None = None,
        log_sensitive: bool = False,
        number_policy: phone.NumberPolicy | None = DEFAULT_NUMBER_POLICY,
    ) -> None:
        super().__init__(
            provider,
            sender=sender,
            region=region,
            retry=retry,
            max_segments=max_segments,
            http_client=http_client,
            rate_limit=rate_limit,
            hooks=hooks,
            log_sensitive=log_sensitive,
            number_policy=number_policy,
        )
        options = _transport_options(timeout, limits, http2)
        checks.instance("http_client", http_client, (httpx.AsyncClient, type(None)))
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            transport=provider.transport, **options
        )

    async def send(
        self,
        *,
        to: str,
        body: str,
        sender: str | None = None,
        client_ref: str | None = None,
        status_callback: str | None = None,
        validity: dt.timedelta | None = None,
    ) -> Message:
        """Send one SMS; see `Client.send`."""
        self._check_open()
        outgoing = self._outgoing(
            to=to,
            body=body,
            sender=sender,
            client_ref=client_ref,
            status_callback=status_callback,
            validity=validity,
        )
        return await self._run(self._send_flow(outgoing))

    async def fetch(self, message_id: str) -> Message:
        """Look up a message's current state; see `Client.fetch`."""
        self._check_open()
        return await self._run(self._fetch_flow(message_id))

    async def aclose(self) -> None:
        """Close the client; see `Client.close`."""
        self._closed = True
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _run(self, flow: Generator[Command, Outcome, T]) -> T:
        sleep = _no_async_sleep if is_testing() else anyio.sleep
        captured = captured_by()
        if captured is None:
            return await run_async(
                flow, client=self._http, sleep=sleep, limiter=self._limiter
            )
        async with httpx.AsyncClient(transport=captured.transport) as http:
            return await run_async(
                flow, client=http, sleep=sleep, limiter=self._limiter
            )
