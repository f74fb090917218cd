"""`Client`: the front door for sending SMS, with blocking I/O.

`Client` and `AsyncClient` (`smskit._async_client`) share `ClientCore`
(`smskit._client_core`), which checks input and builds flows without any
I/O; each class only adds how to run a flow and how to close its HTTP client.
`Client` inherits `send_many`, `resolve` and `preview` from `ClientExtras`
(`smskit._client_extras`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from smskit import _checks as checks
from smskit import _guard_wiring as guarding
from smskit import encoding, phone
from smskit._batch import recipients_of
from smskit._client_extras import ClientExtras, no_sleep
from smskit._client_support import Pager, in_process_transport, transport_options
from smskit._config import captured_by, is_testing
from smskit._core._sync import run_sync
from smskit._exceptions import SmsKitError

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import (
        Generator,
        Iterator,
        Mapping,
        Sequence,
    )
    from types import TracebackType

    from typing_extensions import Self

    from smskit._core._flow import Command, Outcome
    from smskit._core._hooks import Hooks
    from smskit._core._policy import RetryPolicy
    from smskit._core._ratelimit import Limiter, RateLimit
    from smskit._guard import Guard
    from smskit._guard_errors import MessageKind
    from smskit._models import Balance, Message
    from smskit.providers._protocol import BatchResult, Provider

__all__ = ["DEFAULT_LIMITS", "DEFAULT_NUMBER_POLICY", "DEFAULT_TIMEOUT", "Client"]

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
"""Connect within 5 s, and wait at most 30 s for each read or write."""

DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
"""At most 100 connections, 20 of them kept alive between requests."""

DEFAULT_NUMBER_POLICY = phone.NumberPolicy()
"""Accept any valid number except premium-rate ones."""


class Client(ClientExtras):
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
        guard: A compliance `Guard` asked before every send: a recipient who
            opted out, a marketing message in the recipient's quiet hours or
            a full frequency cap is refused before any request.
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
        guard: Guard | None = None,
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
        checks.instance("http_client", http_client, (httpx.Client, type(None)))
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(
            transport=in_process_transport(provider), **options
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
        send_at: dt.datetime | None = None,
        smart_encoding: bool = False,
        options: Mapping[str, Any] | None = None,
        kind: MessageKind | None = None,
        resolve_unknown: bool = False,
    ) -> Message:
        """Send one SMS.

        Args:
            to: The recipient, as typed by a person (``"+1 415 555 2671"``).
            body: The text.
            sender: Overrides the client's default sender.
            client_ref: Your reference; providers that support it echo it back.
            status_callback: URL for delivery receipts, where supported.
            validity: How long the provider may keep trying to deliver.
            send_at: Send later, at this timezone-aware moment (providers
                that schedule; see the feature matrix).
            smart_encoding: Replace look-alike characters (curly quotes,
                NBSP, ...) with GSM-7 ones when that makes the message cheaper;
                the returned message's body is the text that was sent.
            options: Provider-specific parameters, passed through verbatim
                (see each provider's guide).
            resolve_unknown: When the outcome is in doubt, search the
                provider's records (`resolve`): return the message if it was
                accepted, send it again if it provably was not (at most twice
                more), and raise `DeliveryUnknown` only if the search cannot
                tell.
            kind: ``"transactional"`` or ``"marketing"``, for the client's
                `Guard` (its ``default_kind`` when omitted); quiet hours hold
                back marketing messages only.

        Returns:
            The message as the provider accepted it.

        Raises:
            InvalidPhoneNumber: ``to`` is not a valid number.
            InvalidSenderId: ``sender`` is not a valid sender.
            ArgumentTypeError: An argument has the wrong type.
            InvalidMessage: ``body`` is empty, only whitespace or holds a
                control character; ``status_callback``, ``client_ref``,
                ``validity`` or ``send_at`` breaks its rule (see the Errors
                guide).
            MessageTooLong: ``body`` needs more than ``max_segments`` segments.
            NotSupported: ``send_at`` was given and the provider cannot schedule.
            ClientClosed: The client was closed.
            LimiterUnavailable: The shared rate limiter could not be asked.
            DeliveryUnknown: The provider may or may not have accepted it
                (with ``resolve_unknown``: and a search could not tell).
            NotSupported: ``resolve_unknown`` was asked for and the provider's
                records cannot be searched (Vonage); nothing was sent.
            ProviderError: The provider refused it.
            Refused: The client's `Guard` refused it (`RecipientOptedOut`,
                `QuietHoursRefusal`, `FrequencyCapReached`); nothing was sent.
            GuardUnavailable: The guard's store failed; nothing was sent.
        """
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
        reservation = guarding.admit(self._guard, outgoing.to, kind)
        try:
            return self._send_message(
                provider, outgoing, resolve_unknown=resolve_unknown
            )
        except BaseException as error:
            guarding.settle(self._guard, reservation, error)
            raise

    def send_batch(
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
        """Send one text to many recipients, in as few requests as the provider allows.

        Every recipient gets exactly one `BatchResult`, in the order given: the
        accepted message, or the error for that recipient. A number that
        cannot be read is not sent and carries its `InvalidPhoneNumber`; a
        request that fails as a whole gives its error to each of its
        recipients (`DeliveryUnknown` names them all). With a `Guard`, a
        recipient it refuses gets the refusal as its result and is not sent.
        The other arguments are those of `send`, and are checked before any
        request.

        Raises:
            NotSupported: The provider has no many-recipients request.
            ArgumentTypeError: ``to`` is not a list of strings.
            InvalidMessage: ``to`` is empty, or the text or an option is
                invalid (see `send`).
        """
        self._check_open()
        provider = self._active_provider()
        kind = guarding.check_kind(kind)
        admitted, refused = guarding.admit_batch(
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
            guarding.release_all(self._guard, admitted)
            raise
        for chunk in plan.chunks:
            try:
                plan.record(chunk, self._run(self._batch_flow(provider, chunk.batch)))
            except SmsKitError as error:
                plan.fail(chunk, error)
        results = plan.results()
        guarding.settle_batch(self._guard, admitted, results)
        return results

    def fetch(self, message: str | Message) -> Message:
        """Look up a message's current state at the provider.

        Args:
            message: The message, or the provider's id of it.

        Raises:
            ArgumentTypeError: ``message`` is neither a `Message` nor a string.
            InvalidMessage: The id is empty, too long or not in the provider's
                id alphabet; nothing was sent.
            ClientClosed: The client was closed.
            NotFound: The provider knows no such message.
        """
        self._check_open()
        return self._run(self._fetch_flow(message))

    def cancel(self, message: str | Message) -> Message:
        """Cancel a scheduled message.

        Cancelling a message that is already cancelled returns it as it is.

        Args:
            message: The message, or the provider's id of it.

        Returns:
            The message, now cancelled.

        Raises:
            NotSupported: The provider cannot cancel messages.
            NotFound: The provider knows no such message.
            ProviderError: The message can no longer be cancelled.
        """
        self._check_open()
        return self._run(self._cancel_flow(message))

    def balance(self) -> Balance:
        """The account's remaining credit at the provider.

        Raises:
            NotSupported: The provider does not report a balance.
        """
        self._check_open()
        return self._run(self._balance_flow())

    def list_messages(
        self,
        *,
        to: str | None = None,
        sender: str | None = None,
        sent_after: dt.datetime | None = None,
        sent_before: dt.datetime | None = None,
        page_size: int | None = None,
    ) -> Iterator[Message]:
        """The messages you sent, newest first where the provider orders so.

        The filters are applied at the provider where its API can. Pages are
        fetched lazily, one request (retried on its own) per page, as you
        iterate; the filters are checked at once.

        Args:
            to: Only messages to this number.
            sender: Only messages from this sender.
            sent_after: Only messages created at or after this aware moment.
            sent_before: Only messages created before this aware moment.
            page_size: Messages per page (1 to 1,000; the provider's default
                when ``None``).

        Raises:
            NotSupported: The provider cannot list messages.
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

        def pages() -> Iterator[Message]:
            pager = Pager()
            while not pager.done:
                self._check_open()
                page = self._run(self._page_flow(provider, query, pager.cursor))
                yield from pager.advance(page)

        return pages()

    def close(self) -> None:
        """Close the client; later calls raise `ClientClosed`.

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
        sleep = no_sleep if is_testing() else time.sleep
        captured = captured_by()
        if captured is None:
            return run_sync(flow, client=self._http, sleep=sleep, limiter=self._limiter)
        transport = in_process_transport(captured)
        with httpx.Client(transport=transport) as http:
            return run_sync(flow, client=http, sleep=sleep, limiter=self._limiter)
