"""What `Client` and `AsyncClient` share: configuration, checks and flows.

Nothing here performs I/O. Each public method of the two clients checks its
input here, builds a flow (`smskit._core._flow.call_flow`) here, and only runs
it with its own executor.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import random
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from smskit import _checks as checks
from smskit import encoding, phone
from smskit._config import captured_by, note_capture_region, real_sends_blocked
from smskit._core._flow import NO_HOOKS, Effect, Operation, SendContext, call_flow
from smskit._core._hooks import Hooks
from smskit._core._policy import RetryPolicy
from smskit._core._ratelimit import Limiter, LocalLimiter, RateLimit
from smskit._exceptions import (
    ArgumentTypeError,
    ClientClosed,
    ConfigurationError,
    InvalidMessage,
    NotSupported,
    OptionTypeError,
)
from smskit._models import Message
from smskit.providers._protocol import (
    InProcessProvider,
    ListQuery,
    OutgoingMessage,
    Provider,
    SupportsBalance,
    SupportsCancel,
    SupportsList,
    SupportsSchedule,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Generator

    from smskit._core._flow import Command, Outcome
    from smskit._models import Balance
    from smskit.providers._protocol import Page

__all__ = ["MAX_PAGE_SIZE", "ClientCore", "transport_options"]

T = TypeVar("T")

MAX_PAGE_SIZE = 1000
"""The largest ``page_size`` `list_messages` accepts."""

_LIMITER_METHODS = ("reserve", "areserve", "pause", "apause")
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class ClientCore:
    """Configuration, checks and flows of one client, without any I/O."""

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
        if in_process_transport(provider) is not None and http_client is not None:
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

    # Checks ---------------------------------------------------------------------

    def _check_open(self) -> None:
        """Refuse work once the client is closed, before anything is sent."""
        if self._closed:
            message = (
                f"this {type(self).__name__} is closed; create a new one "
                "(or use it as a context manager) to use it again"
            )
            raise ClientClosed(message)

    def _active_provider(self) -> Provider:
        """The provider to use now: a test's capturing sandbox wins.

        This is the one place where the test capture reroutes a client; the
        request, the rate-limit bucket and the capability checks all follow it.
        """
        captured = captured_by()
        if captured is None:
            return self._provider
        note_capture_region(self._region)
        return captured

    def _outgoing(
        self,
        provider: Provider,
        *,
        to: str,
        body: str,
        sender: str | None,
        client_ref: str | None,
        status_callback: str | None,
        validity: dt.timedelta | None,
        send_at: dt.datetime | None,
        smart_encoding: bool,
        options: Mapping[str, Any] | None,
    ) -> OutgoingMessage:
        """Check the caller's input and turn it into an `OutgoingMessage`."""
        recipient = phone.to_e164(to, region=self._region, policy=self._number_policy)
        text = checks.body_text(body)
        smart = checks.option_flag("smart_encoding", smart_encoding)
        info = encoding.analyze(text, smart_encoding=smart)
        encoding.check_length(info, max_segments=self._max_segments)
        chosen_sender = self._sender if sender is None else _sender_id(sender)
        return OutgoingMessage(
            to=recipient,
            body=info.text,
            sender=chosen_sender,
            encoding=info.encoding,
            segments=info.segment_count,
            client_ref=checks.client_ref(client_ref),
            status_callback=checks.callback_url(status_callback),
            validity=checks.validity(validity),
            send_at=_send_at(provider, send_at),
            smart_encoded=info.smart_encoding is not None
            and info.smart_encoding.applied,
            options=_options(options),
        )

    def _list_query(
        self,
        *,
        to: str | None,
        sender: str | None,
        sent_after: dt.datetime | None,
        sent_before: dt.datetime | None,
        page_size: int | None,
    ) -> ListQuery:
        """Check the filters of `list_messages`."""
        after = checks.moment("sent_after", sent_after)
        before = checks.moment("sent_before", sent_before)
        if after is not None and before is not None and not after < before:
            raise InvalidMessage("sent_after must be earlier than sent_before")
        if page_size is not None:
            checks.number(
                "page_size",
                page_size,
                minimum=1,
                inclusive=True,
                integer=True,
                maximum=MAX_PAGE_SIZE,
            )
        return ListQuery(
            to=None
            if to is None
            else phone.to_e164(to, region=self._region, policy=None),
            sender=None if sender is None else _sender_id(sender),
            sent_after=after,
            sent_before=before,
            page_size=page_size,
        )

    # Flows ----------------------------------------------------------------------

    def _send_flow(
        self, provider: Provider, outgoing: OutgoingMessage
    ) -> Generator[Command, Outcome, Message]:
        operation = Operation(
            provider=provider.name,
            name="send",
            effect="send",
            build=lambda: _guarded(provider, provider.build_send(outgoing)),
            parse=lambda response: provider.parse_send(outgoing, response),
            send=SendContext(
                to=outgoing.to, body=outgoing.body, client_ref=outgoing.client_ref
            ),
            limit_key=self._limit_key(provider, outgoing),
            cost=self._limit_cost(outgoing),
        )
        return self._flow(operation)

    def _fetch_flow(
        self, message: str | Message
    ) -> Generator[Command, Outcome, Message]:
        provider = self._active_provider()
        message_id = _message_id(message)
        return self._simple_flow(
            provider,
            "fetch",
            "read",
            lambda: provider.build_fetch(message_id),
            provider.parse_fetch,
        )

    def _cancel_flow(
        self, message: str | Message
    ) -> Generator[Command, Outcome, Message]:
        provider = self._active_provider()
        if not isinstance(provider, SupportsCancel):
            raise _unsupported(provider, "cancel")
        message_id = _message_id(message)
        return self._simple_flow(
            provider,
            "cancel",
            "write",
            lambda: provider.build_cancel(message_id),
            provider.parse_cancel,
        )

    def _balance_flow(self) -> Generator[Command, Outcome, Balance]:
        provider = self._active_provider()
        if not isinstance(provider, SupportsBalance):
            raise _unsupported(provider, "balance")
        return self._simple_flow(
            provider, "balance", "read", provider.build_balance, provider.parse_balance
        )

    def _list_provider(self) -> _ListingProvider:
        provider = self._active_provider()
        if not isinstance(provider, SupportsList):
            raise _unsupported(provider, "list")
        return _ListingProvider(provider)

    def _page_flow(
        self, listing: _ListingProvider, query: ListQuery, cursor: str | None
    ) -> Generator[Command, Outcome, Page]:
        lister = listing.lister
        return self._simple_flow(
            listing.provider,
            "list",
            "read",
            lambda: lister.build_list(query, cursor),
            lister.parse_list,
        )

    def _simple_flow(
        self,
        provider: Provider,
        operation_name: str,
        effect: Effect,
        build: Callable[[], httpx.Request],
        parse: Callable[[httpx.Response], T],
    ) -> Generator[Command, Outcome, T]:
        """A flow for one request that is not a send."""
        build()  # once now, so a malformed id fails before any I/O
        operation = Operation(
            provider=provider.name,
            name=operation_name,
            effect=effect,
            build=lambda: _guarded(provider, build()),
            parse=parse,
        )
        return self._flow(operation)

    def _limit_key(self, provider: Provider, outgoing: OutgoingMessage) -> str | None:
        if self._limiter is None:
            return None
        return self._limiter.limit.key(
            provider=provider.name,
            account=provider.rate_limit_key,
            sender=outgoing.sender,
        )

    def _limit_cost(self, outgoing: OutgoingMessage) -> float:
        if self._limiter is None:
            return 1.0
        return self._limiter.limit.cost_of(outgoing.segments)

    def _flow(self, operation: Operation[T]) -> Generator[Command, Outcome, T]:
        return call_flow(
            operation,
            policy=self._retry,
            clock=time.monotonic,
            rng=self._rng,
            hooks=self._hooks,
            redact=self._redact,
        )


class Pager:
    """Follows a provider's cursor page by page, for both clients.

    Each page is one engine operation (retried on its own), and a page's
    messages are handed out only once that page arrived, so a retried page
    never yields twice. A provider that hands back a cursor it already gave
    ends the listing rather than loop forever.
    """

    def __init__(self) -> None:
        self.cursor: str | None = None
        self._seen: set[str] = set()
        self.done = False

    def advance(self, page: Page) -> tuple[Message, ...]:
        """Record the page's cursor and return its messages."""
        cursor = page.next_cursor
        if cursor is None or cursor in self._seen:
            self.done = True
        else:
            self._seen.add(cursor)
            self.cursor = cursor
        return page.messages


def in_process_transport(provider: object) -> httpx.MockTransport | None:
    """The provider's own transport when it answers in-process, else ``None``."""
    if isinstance(provider, InProcessProvider):
        return provider.transport
    return None


class _ListingProvider:
    """A provider that lists, seen both as a `Provider` and as a lister."""

    def __init__(self, provider: Provider) -> None:
        if not isinstance(provider, SupportsList):
            raise _unsupported(provider, "list")
        self.provider = provider
        self.lister: SupportsList = provider


def _is_provider(value: object) -> bool:
    # Checked at runtime too: a misplaced argument should fail here, clearly.
    return isinstance(value, Provider)


def _unsupported(provider: Provider, operation: str) -> NotSupported:
    """The error for an operation ``provider`` lacks, raised before any I/O."""
    message = f"{provider.name} does not support {operation}"
    return NotSupported(message, provider=provider.name, operation=operation)


def _message_id(value: object) -> str:
    """The id of a `Message`, or the id itself (checked by the provider)."""
    if isinstance(value, Message):
        return value.id
    if not isinstance(value, str):
        message = (
            f"message must be a Message or an id (str), not {type(value).__name__}"
        )
        raise ArgumentTypeError(message)
    return value


def _send_at(provider: Provider, value: dt.datetime | None) -> dt.datetime | None:
    """Check a scheduled time: aware, and one the provider can schedule."""
    moment = checks.moment("send_at", value)
    if moment is None:
        return None
    if not isinstance(provider, SupportsSchedule):
        raise _unsupported(provider, "schedule")
    provider.check_send_at(moment)
    return moment


def _options(value: object) -> Mapping[str, Any]:
    """Check provider-specific options: a mapping with text keys."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        message = f"options must be a mapping, not {type(value).__name__}"
        raise ArgumentTypeError(message)
    for key in value:
        if not isinstance(key, str) or not key:
            raise ArgumentTypeError(f"options keys must be non-empty str: {key!r}")
    return value


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


def _guarded(provider: Provider, request: httpx.Request) -> httpx.Request:
    """Refuse requests to real providers while a test suite blocks them."""
    if (
        real_sends_blocked()
        and in_process_transport(provider) is None
        and request.url.host not in _LOCAL_HOSTS
    ):
        message = (
            f"a request to the real {provider.name} API ({request.url.host}) was "
            "blocked because real sends are blocked during tests; use the "
            "smskit_sandbox fixture or the local emulator"
        )
        raise ConfigurationError(message)
    return request


def _sender_id(value: str) -> str:
    return phone.SenderId.parse(value).value


def _http2_available(http2: bool) -> bool:
    if not http2:
        return False
    if importlib.util.find_spec("h2") is None:
        message = "http2=True needs the h2 package: pip install 'smskit-sdk[http2]'"
        raise ConfigurationError(message)
    return True


def transport_options(
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
