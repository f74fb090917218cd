"""`AsyncClient`: the front door for sending SMS, with async I/O.

It mirrors `smskit.Client` method for method; see `smskit._client` for how
the two share their checks and flows.
"""

from __future__ import annotations

import functools
import importlib
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import anyio
import httpx

from smskit import _bulk as bulk
from smskit import _checks as checks
from smskit import _guard_wiring as guarding
from smskit import _resolve as resolving
from smskit import encoding, phone
from smskit._batch import recipients_of
from smskit._bulk import AsyncBulkSend
from smskit._client import DEFAULT_LIMITS, DEFAULT_NUMBER_POLICY, DEFAULT_TIMEOUT
from smskit._client_core import ClientCore
from smskit._client_support import Pager, in_process_transport, transport_options
from smskit._config import captured_by, is_testing
from smskit._core._async import run_async
from smskit._exceptions import ConfigurationError, DeliveryUnknown, SmsKitError

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import (
        AsyncIterable,
        AsyncIterator,
        Callable,
        Generator,
        Iterable,
        Mapping,
        Sequence,
    )
    from types import TracebackType

    from typing_extensions import Self

    from smskit._bulk import BulkProgress
    from smskit._core._flow import Command, Outcome
    from smskit._core._hooks import Hooks
    from smskit._core._policy import RetryPolicy
    from smskit._core._ratelimit import Limiter, RateLimit
    from smskit._guard import Guard
    from smskit._guard_errors import MessageKind
    from smskit._guard_wiring import Preview
    from smskit._models import Balance, Message
    from smskit.providers._protocol import BatchResult, OutgoingMessage, Provider

__all__ = ["AsyncClient"]

T = TypeVar("T")


async def _no_async_sleep(_: float) -> None:
    """Testing mode: decisions run, waits do not."""


class AsyncClient(ClientCore):
    """Send and track SMS through a provider, with async I/O (asyncio or trio).

    Use it as an async context manager, or await `aclose` when done. It takes
    the same options as `Client`, except that ``http_client`` is an
    `httpx.AsyncClient`, and one more.

    Args:
        transport: ``"httpx"`` (the default) sends through httpx's own
            connection pool, on asyncio and trio. ``"aiohttp"`` sends through
            aiohttp's pool (``pip install 'smskit-sdk[aiohttp]'``, asyncio
            only), which is several times faster with many concurrent sends;
            everything else stays the same.
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
        guard: Guard | None = None,
        transport: Literal["httpx", "aiohttp"] = "httpx",
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
            guard=guard,
        )
        options = transport_options(timeout, limits, http2)
        checks.instance("http_client", http_client, (httpx.AsyncClient, type(None)))
        self._owns_http = http_client is None
        self._http = http_client or _http_client(provider, transport, options)

    async def send(
        self,
        *,
        to: str,
        body: str,
        sender: str | None = None,
        client_ref: str | None = None,
        status_callback: str | None = None,
        validity: dt.timedelta | None = None,
        send_at: dt.datetime | None = None,
        smart_encoding: bool = False,
        options: Mapping[str, Any] | None = None,
        kind: MessageKind | None = None,
        resolve_unknown: bool = False,
    ) -> Message:
        """Send one SMS; see `Client.send`."""
        self._check_open()
        provider = self._active_provider()
        kind = guarding.check_kind(kind)
        outgoing = self._outgoing(
            provider,
            to=to,
            body=body,
            sender=sender,
            client_ref=client_ref,
            status_callback=status_callback,
            validity=validity,
            send_at=send_at,
            smart_encoding=smart_encoding,
            options=options,
        )
        reservation = await guarding.aadmit(self._guard, outgoing.to, kind)
        try:
            return await self._send_message(
                provider, outgoing, resolve_unknown=resolve_unknown
            )
        except BaseException as error:
            await guarding.asettle(self._guard, reservation, error)
            raise

    async def send_batch(
        self,
        *,
        to: Sequence[str],
        body: str,
        sender: str | None = None,
        client_ref: str | None = None,
        status_callback: str | None = None,
        validity: dt.timedelta | None = None,
        send_at: dt.datetime | None = None,
        smart_encoding: bool = False,
        options: Mapping[str, Any] | None = None,
        kind: MessageKind | None = None,
    ) -> tuple[BatchResult, ...]:
        """Send one text to many recipients; see `Client.send_batch`."""
        self._check_open()
        provider = self._active_provider()
        kind = guarding.check_kind(kind)
        admitted, refused = await guarding.aadmit_batch(
            self._guard, recipients_of(to), self._normalize, kind
        )
        try:
            plan = self._batch_plan(
                provider,
                to=to,
                body=body,
                sender=sender,
                client_ref=client_ref,
                status_callback=status_callback,
                validity=validity,
                send_at=send_at,
                smart_encoding=smart_encoding,
                options=options,
                refused=refused,
            )
        except BaseException:
            # Refused before any request: nothing was sent, nothing counts.
            await guarding.arelease_all(self._guard, admitted)
            raise
        for chunk in plan.chunks:
            try:
                flow = self._batch_flow(provider, chunk.batch)
                plan.record(chunk, await self._run(flow))
            except SmsKitError as error:
                plan.fail(chunk, error)
        results = plan.results()
        await guarding.asettle_batch(self._guard, admitted, results)
        return results

    def send_many(
        self,
        messages: Iterable[Mapping[str, Any] | object]
        | AsyncIterable[Mapping[str, Any] | object],
        *,
        concurrency: int = bulk.DEFAULT_CONCURRENCY,
        on_progress: Callable[[BulkProgress], object] | None = None,
        resolve_unknown: bool = False,
    ) -> AsyncBulkSend:
        """Send many messages concurrently; see `Client.send_many`.

        The sends run in tasks owned by an ``async with`` block::

            async with client.send_many(messages, concurrency=50) as results:
                async for result in results:
                    ...

        ``messages`` may also be an async iterable. Leaving the block early
        stops taking inputs and waits for the sends in flight.

        Raises:
            ArgumentTypeError: ``messages`` is not an iterable of messages.
            OptionTypeError: ``concurrency`` or ``on_progress`` is invalid.
            ClientClosed: The client was closed.
            NotSupported: ``resolve_unknown`` was asked for and the provider's
                records cannot be searched.
        """
        self._check_open()
        bulk.check_messages(messages, asynchronous=True)
        provider = self._active_provider()
        resolving_on = checks.option_flag("resolve_unknown", resolve_unknown)
        if resolving_on:
            self._searchable(provider)
        return AsyncBulkSend(
            messages,
            group_size=bulk.group_size_of(provider),
            send=functools.partial(self.send, resolve_unknown=True)
            if resolving_on
            else self.send,
            send_batch=self.send_batch,
            concurrency=bulk.check_concurrency(concurrency),
            on_progress=bulk.check_progress(on_progress),
            recover=self._recover if resolving_on else None,
        )

    async def resolve(
        self,
        error: DeliveryUnknown,
        *,
        to: str | None = None,
        settle: float | None = None,
    ) -> Message | None:
        """Find out whether a send in doubt was accepted; see `Client.resolve`."""
        self._check_open()
        listing, search = self._plan_resolve(error, to, settle)
        wait, searched_at = self._search_start(listing, search)
        if wait > 0:
            await (_no_async_sleep if is_testing() else anyio.sleep)(wait)
        pager = Pager()
        listed: list[Message] = []
        try:
            while not pager.done and len(listed) <= resolving.MAX_SEARCHED:
                flow = self._page_flow(listing, search.query, pager.cursor)
                listed.extend(pager.advance(await self._run(flow)))
        except SmsKitError as failure:
            # The search's own error stays on __context__.
            raise self._search_failed(search, failure) from search.question
        return self._verdict(
            search, listed, complete=pager.done, searched_at=searched_at
        )

    async def _send_message(
        self,
        provider: Provider,
        outgoing: OutgoingMessage,
        *,
        resolve_unknown: bool,
        earlier: DeliveryUnknown | None = None,
    ) -> Message:
        """Send; with ``resolve_unknown``, settle a doubt from the records."""
        if not checks.option_flag("resolve_unknown", resolve_unknown):
            return await self._run(self._send_flow(provider, outgoing))
        self._searchable(provider)
        for _ in range(resolving.MAX_RESENDS + 1):
            try:
                return await self._run(self._send_flow(provider, outgoing))
            except DeliveryUnknown as unknown:
                resolving.widen(unknown, earlier)
                earlier = unknown
            found = await self.resolve(earlier, to=outgoing.to)
            if found is not None:
                return found
        assert earlier is not None  # noqa: S101 -- the loop ran at least once
        raise self._never_accepted(earlier, resolving.MAX_RESENDS + 1)

    async def _recover(
        self, arguments: Mapping[str, Any], error: DeliveryUnknown
    ) -> Message:
        """One recipient of a batch in doubt: resolve it, send again if not sent."""
        found = await self.resolve(error, to=arguments["to"])
        if found is not None:
            return found
        provider = self._active_provider()
        outgoing = self._outgoing_of(provider, arguments)
        return await self._send_message(
            provider, outgoing, resolve_unknown=True, earlier=error
        )

    async def preview(
        self,
        *,
        to: str,
        body: str,
        sender: str | None = None,
        kind: MessageKind | None = None,
        smart_encoding: bool = False,
    ) -> Preview:
        """Work out what a send would be, offline; see `Client.preview`."""
        self._check_open()
        provider = self._active_provider()
        kind = guarding.check_kind(kind)
        decision = None
        if self._guard is not None:
            decision = await self._guard.acheck(self._normalize(to), kind=kind)
        return self._preview(
            provider,
            to=to,
            body=body,
            sender=sender,
            smart_encoding=smart_encoding,
            guard=decision,
        )

    async def fetch(self, message: str | Message) -> Message:
        """Look up a message's current state; see `Client.fetch`."""
        self._check_open()
        return await self._run(self._fetch_flow(message))

    async def cancel(self, message: str | Message) -> Message:
        """Cancel a scheduled message; see `Client.cancel`."""
        self._check_open()
        return await self._run(self._cancel_flow(message))

    async def balance(self) -> Balance:
        """The account's remaining credit; see `Client.balance`."""
        self._check_open()
        return await self._run(self._balance_flow())

    def list_messages(
        self,
        *,
        to: str | None = None,
        sender: str | None = None,
        sent_after: dt.datetime | None = None,
        sent_before: dt.datetime | None = None,
        page_size: int | None = None,
    ) -> AsyncIterator[Message]:
        """The messages you sent, as an async iterator; see `Client.list_messages`.

        Use it with ``async for``; the filters are checked at the call.
        """
        self._check_open()
        provider = self._list_provider()
        query = self._list_query(
            to=to,
            sender=sender,
            sent_after=sent_after,
            sent_before=sent_before,
            page_size=page_size,
        )

        async def pages() -> AsyncIterator[Message]:
            pager = Pager()
            while not pager.done:
                self._check_open()
                page = await self._run(self._page_flow(provider, query, pager.cursor))
                for message in pager.advance(page):
                    yield message

        return pages()

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
        transport = in_process_transport(captured)
        async with httpx.AsyncClient(transport=transport) as http:
            return await run_async(
                flow, client=http, sleep=sleep, limiter=self._limiter
            )


def _http_client(
    provider: Provider, transport: object, options: dict[str, Any]
) -> httpx.AsyncClient:
    """The HTTP client an `AsyncClient` creates for itself."""
    if transport not in ("httpx", "aiohttp"):
        message = f"transport must be 'httpx' or 'aiohttp', not {transport!r}"
        raise ConfigurationError(message)
    own = in_process_transport(provider)
    if transport == "httpx" or own is not None:
        # An in-process provider (the sandbox) answers through its own transport.
        return httpx.AsyncClient(transport=own, **options)
    if options["http2"]:
        raise ConfigurationError("the aiohttp transport speaks HTTP/1.1 only")
    return _aiohttp_client(options)


def _aiohttp_client(options: dict[str, Any]) -> httpx.AsyncClient:
    try:
        bridge = importlib.import_module("smskit._core._aiohttp")
    except ImportError:  # aiohttp itself is missing
        message = "transport='aiohttp' needs aiohttp: pip install 'smskit-sdk[aiohttp]'"
        raise ConfigurationError(message) from None
    client: httpx.AsyncClient = bridge.AiohttpClient(**options)
    return client
