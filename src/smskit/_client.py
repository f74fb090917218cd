"""`Client` and `AsyncClient`: the front door for sending SMS.

Both share `_ClientCore`, which checks input and builds flows without any
I/O; each class only adds how to run a flow and how to close its HTTP client.
"""

from __future__ import annotations

import importlib.util
import random
import time
from typing import TYPE_CHECKING, TypeVar

import anyio
import httpx

from smskit import encoding, phone
from smskit._config import captured_by, is_testing, real_sends_blocked
from smskit._core._async import run_async
from smskit._core._flow import NO_HOOKS, Operation, call_flow
from smskit._core._hooks import Hooks
from smskit._core._policy import RetryPolicy
from smskit._core._ratelimit import Limiter, LocalLimiter, RateLimit
from smskit._core._sync import run_sync
from smskit._exceptions import ConfigurationError, InvalidMessage
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
            raise ConfigurationError(message)
        if provider.transport is not None and http_client is not None:
            message = (
                f"the {provider.name} provider runs in-process and brings its own "
                "transport; do not pass http_client"
            )
            raise ConfigurationError(message)
        if max_segments < 1:
            raise ConfigurationError(f"max_segments must be >= 1, not {max_segments}")
        self._provider = provider
        self._sender = sender
        self._region = region
        self._retry = retry or RetryPolicy()
        self._max_segments = max_segments
        self._limiter = _limiter(rate_limit)
        self._hooks = hooks or NO_HOOKS
        self._redact = not log_sensitive
        self._number_policy = number_policy
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
        if not _is_str(body):
            raise InvalidMessage(f"body must be a string, not {type(body).__name__}")
        if not body:
            raise InvalidMessage("body is empty: an SMS needs some text")
        _check_encodable(body)
        info = encoding.analyze(body)
        encoding.check_length(info, max_segments=self._max_segments)
        chosen_sender = sender if sender is not None else self._sender
        return OutgoingMessage(
            to=recipient,
            body=body,
            sender=None if chosen_sender is None else _sender_id(chosen_sender),
            encoding=info.encoding,
            segments=info.segment_count,
            client_ref=client_ref,
            status_callback=status_callback,
            validity=validity,
        )

    def _active_provider(self) -> Provider:
        """The provider to use now: a test's capturing sandbox wins."""
        return captured_by() or self._provider

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
        if not _is_text(message_id):
            raise InvalidMessage(
                f"message_id must be a non-empty string: {message_id!r}"
            )
        provider = self._active_provider()
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


def _limiter(rate_limit: RateLimit | Limiter | None) -> Limiter | None:
    if rate_limit is None or not isinstance(rate_limit, RateLimit):
        return rate_limit
    return LocalLimiter(rate_limit)


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
        message = "http2=True needs the h2 package: pip install 'smskit[http2]'"
        raise ConfigurationError(message)
    return True


def _check_encodable(body: str) -> None:
    """Refuse text no provider can receive (lone UTF-16 surrogates)."""
    try:
        body.encode("utf-8")
    except UnicodeEncodeError as error:
        code = ord(body[error.start])
        message = (
            f"body has a lone surrogate U+{code:04X} at index {error.start}; "
            "it is not a character and cannot be sent"
        )
        raise InvalidMessage(message) from None


def _is_provider(value: object) -> bool:
    # Checked at runtime too: a misplaced argument should fail here, clearly.
    return isinstance(value, Provider)


def _is_str(value: object) -> bool:
    return isinstance(value, str)


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _sender_id(value: str) -> str:
    return phone.SenderId.parse(value).value


class Client(_ClientCore):
    """Send and track SMS through a provider, with blocking I/O.

    Use it as a context manager, or call `close` when done. One client is
    safe to share between threads.

    Args:
        provider: Where messages go, such as `smskit.providers.Sandbox()`.
        sender: The default sender ID, short code or number.
        region: ISO country code used to read numbers typed without ``+``.
        retry: When to retry; see `RetryPolicy`.
        max_segments: Refuse texts longer than this many segments.
        timeout: Seconds, or an `httpx.Timeout`; connect 5 s, read 30 s by default.
        limits: Connection-pool limits (100 connections, 20 kept alive).
        http2: Use HTTP/2 where the provider offers it (``smskit[http2]``).
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
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(
            transport=provider.transport,
            timeout=timeout,
            limits=limits,
            http2=_http2_available(http2),
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
            InvalidMessage: ``body`` is empty.
            MessageTooLong: ``body`` needs more than ``max_segments`` segments.
            DeliveryUnknown: The provider may or may not have accepted it.
            ProviderError: The provider refused it.
        """
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

        Raises:
            NotFound: The provider knows no such message.
            NotSupported: The provider has no lookup.
        """
        return self._run(self._fetch_flow(message_id))

    def close(self) -> None:
        """Close the HTTP client, unless it was passed in."""
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
        http2: Use HTTP/2 where the provider offers it (``smskit[http2]``).
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
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            transport=provider.transport,
            timeout=timeout,
            limits=limits,
            http2=_http2_available(http2),
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
        return await self._run(self._fetch_flow(message_id))

    async def aclose(self) -> None:
        """Close the HTTP client, unless it was passed in."""
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
