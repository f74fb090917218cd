"""Small pieces the clients share: paging, transports, option checks.

Nothing here performs I/O.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from smskit import _checks as checks
from smskit import phone
from smskit._config import real_sends_blocked
from smskit._core._ratelimit import Limiter, LocalLimiter, RateLimit
from smskit._exceptions import (
    ArgumentTypeError,
    ConfigurationError,
    InvalidMessage,
    NotSupported,
    OptionTypeError,
)
from smskit._models import Message
from smskit.providers._protocol import (
    InProcessProvider,
    ListQuery,
    Provider,
    SupportsList,
    SupportsSchedule,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from smskit.providers._protocol import Page

__all__ = [
    "MAX_PAGE_SIZE",
    "ListingProvider",
    "Pager",
    "guarded",
    "in_process_transport",
    "is_provider",
    "limiter_of",
    "list_query",
    "message_id_of",
    "prebuilt",
    "provider_options",
    "send_time",
    "sender_id",
    "transport_options",
    "unsupported",
]

MAX_PAGE_SIZE = 1000
"""The largest ``page_size`` `list_messages` accepts."""

_LIMITER_METHODS = ("reserve", "areserve", "pause", "apause")
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


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
    # The protocol check inspects every member of Provider (tens of µs on
    # Python 3.11, and this runs on every send); without ``transport`` it
    # cannot match, which one attribute lookup tells.
    if hasattr(provider, "transport") and isinstance(provider, InProcessProvider):
        return provider.transport
    return None


class ListingProvider:
    """A provider that lists, seen both as a `Provider` and as a lister."""

    def __init__(self, provider: Provider) -> None:
        if not isinstance(provider, SupportsList):
            raise unsupported(provider, "list")
        self.provider = provider
        self.lister: SupportsList = provider


def is_provider(value: object) -> bool:
    # Checked at runtime too: a misplaced argument should fail here, clearly.
    return isinstance(value, Provider)


def unsupported(provider: Provider, operation: str) -> NotSupported:
    """The error for an operation ``provider`` lacks, raised before any I/O."""
    message = f"{provider.name} does not support {operation}"
    return NotSupported(message, provider=provider.name, operation=operation)


def message_id_of(value: object) -> str:
    """The id of a `Message`, or the id itself (checked by the provider)."""
    if isinstance(value, Message):
        return value.id
    if not isinstance(value, str):
        message = (
            f"message must be a Message or an id (str), not {type(value).__name__}"
        )
        raise ArgumentTypeError(message)
    return value


def send_time(provider: Provider, value: dt.datetime | None) -> dt.datetime | None:
    """Check a scheduled time: aware, and one the provider can schedule."""
    moment = checks.moment("send_at", value)
    if moment is None:
        return None
    if not isinstance(provider, SupportsSchedule):
        raise unsupported(provider, "schedule")
    provider.check_send_at(moment)
    return moment


def provider_options(value: object) -> Mapping[str, Any]:
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


def limiter_of(rate_limit: RateLimit | Limiter | None) -> Limiter | None:
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


def guarded(provider: Provider, request: httpx.Request) -> httpx.Request:
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


def sender_id(value: str) -> str:
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


def list_query(
    *,
    to: str | None,
    sender: str | None,
    sent_after: object,
    sent_before: object,
    page_size: object,
) -> ListQuery:
    """Check the filters of `list_messages` (``to`` is already E.164)."""
    after = checks.moment("sent_after", sent_after)
    before = checks.moment("sent_before", sent_before)
    if after is not None and before is not None and not after < before:
        raise InvalidMessage("sent_after must be earlier than sent_before")
    size = None
    if page_size is not None:
        size = int(
            checks.number(
                "page_size",
                page_size,
                minimum=1,
                inclusive=True,
                integer=True,
                maximum=MAX_PAGE_SIZE,
            )
        )
    return ListQuery(
        to=to,
        sender=None if sender is None else sender_id(sender),
        sent_after=after,
        sent_before=before,
        page_size=size,
    )


def prebuilt(build: Callable[[], httpx.Request]) -> Callable[[], httpx.Request]:
    """Build a request now; hand it to the first attempt, then build afresh.

    Building before the flow starts makes a request the provider refuses to
    build fail before any I/O and before it takes a rate-limit token; reusing
    it for the first attempt saves building it twice, and retries still get a
    fresh one (signed requests need a new timestamp per attempt).
    """
    pending = [build()]

    def next_request() -> httpx.Request:
        return pending.pop() if pending else build()

    return next_request
