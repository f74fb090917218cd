"""Verify, parse, dedupe and order a provider's webhook requests.

`verify` and `parse` are one-shot and stateless. `WebhookHandler` adds what
needs memory, in this order: the size cap, the public URL, the provider's
signature check, a claim on the signed nonce (a replay is refused), the
provider's parser, per-part receipts joined to their message, long inbound
messages joined from their parts, an atomic claim per event (a redelivery is
reported as a duplicate), and the status reducer (a late "sent" after
"delivered" is reported as stale).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn

import attrs

from smskit import _checks as checks
from smskit._exceptions import (
    ArgumentTypeError,
    ConfigurationError,
    NotSupported,
    OptionTypeError,
    WebhookBodyTooLarge,
    WebhookVerificationError,
)
from smskit._guard import Guard
from smskit._models import InboundMessage, Message, StatusEvent
from smskit._status import Status, moves_forward
from smskit.providers._protocol import SupportsWebhooks, WebhookReply, WebhookRequest
from smskit.webhooks._concat import decode_part, encode_part, join_parts
from smskit.webhooks._keys import (
    event_key,
    nonce_key,
    part_index_key,
    part_key,
    status_key,
)
from smskit.webhooks._stores import (
    MemoryStore,
    PartGroup,
    Store,
    WebhookStoreUnavailable,
)
from smskit.webhooks._url import PublicUrl, display_url

__all__ = [
    "DEFAULT_HISTORY",
    "DEFAULT_MAX_BODY",
    "WebhookHandler",
    "WebhookResult",
    "parse",
    "verify",
]

Item = StatusEvent | InboundMessage

# More rounds than there are statuses: a store that needs more is broken.
_STATUS_ROUNDS = 32

DEFAULT_MAX_BODY = 256 * 1024
"""The largest webhook body accepted by default, in bytes (256 KiB).

Providers' callbacks are a few kilobytes; the cap refuses a flood before any
signature is computed over it.
"""

DEFAULT_HISTORY = 3 * 24 * 3600.0
"""Seconds `WebhookHandler` remembers events, statuses and part ids (3 days).

Providers retry a callback for hours and carriers report late; a redelivery
within this time is a duplicate, and a late "sent" is stale.
"""


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def verify(
    provider: SupportsWebhooks,
    request: WebhookRequest,
    *,
    public_url: str | PublicUrl | None = None,
    now: dt.datetime | None = None,
    max_body: int = DEFAULT_MAX_BODY,
) -> None:
    """Check that ``request`` was signed by ``provider``'s account, or raise.

    Args:
        provider: The provider whose secrets sign the webhooks (such as
            `smskit.providers.Twilio`).
        request: The request as your server received it.
        public_url: How to rebuild the URL the provider signed when your
            server is behind a proxy: your public base URL, or a `PublicUrl`.
            ``None`` takes the received URL as it is.
        now: The time to judge a signed timestamp by (default: now, UTC).
        max_body: The largest body accepted, in bytes.

    Raises:
        WebhookBodyTooLarge: The body is larger than ``max_body``.
        WebhookVerificationError: The signature is missing, wrong or stale;
            the message says why and which URL was checked.
        NotSupported: The provider cannot verify webhooks.
    """
    checked = _check_provider(provider)
    rebuild = _public_url(public_url)
    _check_request(request)
    _check_size(request, _max_body(max_body))
    _verified(checked, request, rebuild, _moment(now))


def parse(
    provider: SupportsWebhooks,
    request: WebhookRequest,
    *,
    public_url: str | PublicUrl | None = None,
    now: dt.datetime | None = None,
    max_body: int = DEFAULT_MAX_BODY,
) -> tuple[StatusEvent | InboundMessage, ...]:
    """Verify ``request``, then read it into status events and inbound messages.

    Stateless: no dedupe, replay check or joining of message parts (use
    `WebhookHandler` for those).

    Args:
        provider: The provider whose webhook this is.
        request: The request as your server received it.
        public_url: See `verify`.
        now: See `verify`.
        max_body: See `verify`.

    Returns:
        What the request reports, in the provider's order.

    Raises:
        WebhookBodyTooLarge: The body is larger than ``max_body``.
        WebhookVerificationError: The request is not the provider's.
        WebhookPayloadError: It verifies but cannot be understood.
        NotSupported: The provider cannot verify webhooks.
    """
    checked = _check_provider(provider)
    rebuild = _public_url(public_url)
    _check_request(request)
    _check_size(request, _max_body(max_body))
    signed = _verified(checked, request, rebuild, _moment(now))
    return tuple(checked.parse_webhook(signed))


@attrs.frozen(kw_only=True)
class _Held:
    """What a result holds in the store, for `WebhookHandler.release`."""

    claims: tuple[str, ...] = ()
    # Parts of a joined message that earlier requests brought, to put back so
    # that the provider's retry of the last part joins the message again.
    parts: tuple[tuple[str, int, int, str], ...] = ()


@attrs.frozen(kw_only=True)
class WebhookResult:
    """What one webhook request brought, sorted for you to act on.

    Attributes:
        items: The new status events and inbound messages, to act on.
        duplicates: Events already handled (a provider's redelivery).
        stale: Status events that did not move their message forward (a
            late "sent" after "delivered"); nothing to update.
        waiting_parts: How many parts of long inbound messages this request
            added to are stored, waiting for the rest.
        reply: What to answer the provider with.
    """

    items: tuple[StatusEvent | InboundMessage, ...] = ()
    duplicates: tuple[StatusEvent | InboundMessage, ...] = ()
    stale: tuple[StatusEvent, ...] = ()
    waiting_parts: int = 0
    reply: WebhookReply = attrs.field(factory=WebhookReply)
    _held: _Held = attrs.field(factory=_Held, alias="held", repr=False, eq=False)

    @property
    def status_events(self) -> tuple[StatusEvent, ...]:
        """The new status events among `items`."""
        return tuple(item for item in self.items if isinstance(item, StatusEvent))

    @property
    def inbound(self) -> tuple[InboundMessage, ...]:
        """The new inbound messages among `items`."""
        return tuple(item for item in self.items if isinstance(item, InboundMessage))


class WebhookHandler:
    """Verify, parse, dedupe and order one provider's webhook requests.

    Args:
        provider: The provider whose webhooks these are.
        public_url: How to rebuild the URL the provider signed (see
            `PublicUrl`); ``None`` takes the received URL as it is.
        store: Where claims, nonces, statuses and message parts are kept;
            default a new `MemoryStore` (one process). Use a `RedisStore`
            when several processes handle webhooks.
        max_body: The largest body accepted, in bytes.
        part_timeout: Seconds to wait for the rest of a long inbound message
            before joining what arrived.
        replay_window: Seconds a signed nonce is remembered, so the same
            signed request is refused a second time.
        history: Seconds events, statuses and sent part ids are remembered
            (for duplicates, stale statuses and per-part receipts).
        clock: Returns the current time (timezone-aware); for tests.
        guard: A compliance `smskit.Guard` to teach: a new inbound STOP
            (or another opt-out keyword) opts its sender out, START opts
            them back in, as the request is handled.

    Raises:
        NotSupported: The provider cannot verify webhooks.
        ConfigurationError: An option is out of range.
        OptionTypeError: An option has the wrong type.
    """

    def __init__(
        self,
        provider: SupportsWebhooks,
        *,
        public_url: str | PublicUrl | None = None,
        store: Store | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        part_timeout: float = 300.0,
        replay_window: float = 300.0,
        history: float = DEFAULT_HISTORY,
        clock: Callable[[], dt.datetime] | None = None,
        guard: Guard | None = None,
    ) -> None:
        self._provider = _check_provider(provider)
        checks.instance("guard", guard, (Guard, type(None)))
        self._guard = guard
        self._name = _provider_name(provider)
        self._public_url = _public_url(public_url)
        self._store = _check_store(store)
        self._max_body = _max_body(max_body)
        self._part_timeout = _seconds("part_timeout", part_timeout)
        self._replay_window = _seconds("replay_window", replay_window)
        self._history = _seconds("history", history)
        self._clock = _check_clock(clock)

    def __repr__(self) -> str:
        store = type(self._store).__name__
        return f"<WebhookHandler provider={self._name!r} store={store}>"

    def _teach_guard(self, items: list[StatusEvent | InboundMessage]) -> None:
        """Opt senders of new STOP / START replies out or in, in the guard.

        Inside the claim: if the guard's store fails, the claims are undone
        and the provider's retry teaches it again.
        """
        if self._guard is None:
            return
        for item in items:
            # observe() itself learns only from opt-out and opt-in replies.
            self._guard.observe(item)

    @property
    def provider(self) -> SupportsWebhooks:
        """The provider whose webhooks this handles."""
        return self._provider

    @property
    def max_body(self) -> int:
        """The largest body accepted, in bytes (adapters read no more)."""
        return self._max_body

    @property
    def store(self) -> Store:
        """Where this handler keeps what it remembers."""
        return self._store

    def handle(self, request: WebhookRequest) -> WebhookResult:
        """Verify ``request`` and sort what it reports into new, duplicate and stale.

        Safe to call from several threads (and, with a shared store, several
        processes) at once: each event is in exactly one caller's ``items``.
        If your code then fails to act on the result, call `release` before
        answering with an error, so the provider's retry is processed again.

        Args:
            request: The request as your server received it.

        Returns:
            The sorted items and the reply for the provider.

        Raises:
            WebhookBodyTooLarge: The body is over ``max_body`` (answer 413).
            WebhookVerificationError: The signature is missing, wrong or
                stale, or the signed nonce was seen before (answer 403).
            WebhookPayloadError: The request cannot be understood (answer 400).
            WebhookStoreUnavailable: The store failed; nothing was claimed
                (answer 503, so the provider retries).
        """
        _check_request(request)
        _check_size(request, self._max_body)
        moment = self._now()
        now = moment.timestamp()
        signed = _verified(self._provider, request, self._public_url, moment)
        run = _Run(self, now)
        with run.undo_on_error():
            run.claim_nonce(signed)
            parsed = tuple(self._provider.parse_webhook(signed))
            for item in parsed:
                run.take(item)
            run.take_expired()
            self._teach_guard(run.items)
        return WebhookResult(
            items=tuple(run.items),
            duplicates=tuple(run.duplicates),
            stale=tuple(run.stale),
            waiting_parts=sum(run.waiting.values()),
            reply=self._provider.webhook_reply(parsed),
            held=_Held(claims=tuple(run.claims), parts=tuple(run.returned_parts)),
        )

    def release(self, result: WebhookResult) -> None:
        """Give back what ``result`` claimed, so the provider's retry is processed.

        Call it when your code failed to act on ``result.items`` and you
        answer the provider with an error: the retry is then new again (and
        the signed nonce may be seen again). A long message joined from parts
        gets its earlier parts back, so the retried last part joins it again.
        Statuses already recorded stay: the retry carries the same status,
        which is not stale.

        Raises:
            WebhookStoreUnavailable: The store failed.
        """
        _check_result(result)
        now = self._now().timestamp()
        for group, number, count, data in result._held.parts:
            self._store.add_part(group, number, count, data, ttl=self._history, now=now)
        for key in result._held.claims:
            self._store.release(key)

    def remember(self, message: Message) -> None:
        """Record a sent message's part ids, so receipts for its parts join it.

        Vonage reports each part of a long message under the part's own id;
        after this, those receipts carry the message's id as ``message_id``
        and the part's as ``part_id``, ready for `Message.apply`.

        Raises:
            WebhookStoreUnavailable: The store failed.
        """
        _check_message(message)
        now = self._now().timestamp()
        for part_id in message.part_ids:
            if part_id != message.id:
                key = part_index_key(message.provider, part_id)
                self._store.put(key, message.id, ttl=self._history, now=now)

    def expire(self) -> tuple[InboundMessage, ...]:
        """Join what arrived of long messages whose wait for the rest ran out.

        Each comes once, with ``missing_parts`` naming the parts that never
        arrived. `handle` does this too (the joined messages are then among
        its ``items``); call this from a timer when webhooks are rare.

        Raises:
            WebhookStoreUnavailable: The store failed.
        """
        run = _Run(self, self._now().timestamp())
        with run.undo_on_error():
            run.take_expired()
        return tuple(item for item in run.items if isinstance(item, InboundMessage))

    def _now(self) -> dt.datetime:
        moment: object = self._clock()
        if not isinstance(moment, dt.datetime) or moment.tzinfo is None:
            message = "WebhookHandler clock must return a timezone-aware datetime"
            raise ConfigurationError(message)
        return moment


class _Run:
    """The state of one `WebhookHandler.handle` call."""

    def __init__(self, handler: WebhookHandler, now: float) -> None:
        self.handler = handler
        self.store = handler._store
        self.name = handler._name
        self.now = now
        self.items: list[Item] = []
        self.duplicates: list[Item] = []
        self.stale: list[StatusEvent] = []
        self.claims: list[str] = []
        self.waiting: dict[str, int] = {}
        self.returned_parts: list[tuple[str, int, int, str]] = []

    @contextmanager
    def undo_on_error(self) -> Iterator[None]:
        """On any error, give back every claim made, so a retry is not a duplicate."""
        try:
            yield
        except BaseException:
            for key in self.claims:
                # The first error is the one to report; a store that failed
                # is likely to fail here too.
                with contextlib.suppress(Exception):
                    self.store.release(key)
            raise

    def claim(self, key: str, ttl: float) -> bool:
        taken = self.store.claim(key, ttl=ttl, now=self.now)
        if taken:
            self.claims.append(key)
        return taken

    def claim_nonce(self, request: WebhookRequest) -> None:
        nonce = self.handler._provider.webhook_nonce(request)
        if nonce is None:
            return
        if not self.claim(nonce_key(self.name, nonce), self.handler._replay_window):
            window = self.handler._replay_window
            message = (
                f"replayed nonce: a request with the same signed nonce was accepted "
                f"within the last {window:g} s (URL {display_url(request.url)})"
            )
            raise WebhookVerificationError(message)

    def take(self, item: Item) -> None:
        if isinstance(item, StatusEvent):
            self.take_event(self.joined_to_message(item))
        elif item.is_part:
            self.take_part(item)
        else:
            self.take_new(item)

    def take_new(self, item: Item) -> bool:
        if self.claim(event_key(item), self.handler._history):
            self.items.append(item)
            return True
        self.duplicates.append(item)
        return False

    def take_event(self, event: StatusEvent) -> None:
        if not self.claim(event_key(event), self.handler._history):
            self.duplicates.append(event)
        elif self.moves_forward(event):
            self.items.append(event)
        else:
            self.stale.append(event)

    def joined_to_message(self, event: StatusEvent) -> StatusEvent:
        """The event with its message's id, when its part was `remember`-ed."""
        part = event.part_id or event.message_id
        key = part_index_key(event.provider, part)
        message_id = self.store.get(key, now=self.now)
        if message_id is None or message_id == event.message_id:
            return event
        return attrs.evolve(event, message_id=message_id, part_id=part)

    def moves_forward(self, event: StatusEvent) -> bool:
        """Record the event's status if it moves its message (or part) forward."""
        key = status_key(event)
        # Each lost race means another worker moved the status: look again.
        # Statuses only move forward, so a handful of rounds always settles.
        for _ in range(_STATUS_ROUNDS):
            recorded = self.store.get(key, now=self.now)
            if recorded is not None:
                old = Status.parse(recorded)
                if not moves_forward(old, event.status):
                    return False
                if old is event.status:
                    return True
            if self.store.compare_and_set(
                key,
                recorded,
                event.status.value,
                ttl=self.handler._history,
                now=self.now,
            ):
                return True
        message = (
            f"the webhook store did not settle the status of one message in "
            f"{_STATUS_ROUNDS} compare-and-set rounds; is it a conforming Store?"
        )
        raise WebhookStoreUnavailable(message)

    def take_part(self, part: InboundMessage) -> None:
        if not self.claim(event_key(part), self.handler._history):
            self.duplicates.append(part)
            return
        group = part_key(part)
        data = encode_part(part)
        number, count = part.part_number or 1, part.part_count or 1  # set on a part
        outcome = self.store.add_part(
            group,
            number,
            count,
            data,
            ttl=self.handler._history,
            now=self.now,
        )
        if isinstance(outcome, int):
            self.waiting[group] = outcome
            return
        self.waiting.pop(group, None)
        if self.take_new(join_parts(outcome)):
            self.returned_parts.extend(_earlier_parts(outcome, number, count, data))

    def take_expired(self) -> None:
        before = self.now - self.handler._part_timeout
        for group in self.store.take_expired(before=before, now=self.now):
            self.waiting.pop(group.group, None)
            self.take_new(join_parts(group))


def _earlier_parts(
    group: PartGroup, number: int, count: int, data: str
) -> Iterator[tuple[str, int, int, str]]:
    """The parts of ``group`` other than the one this request brought."""
    for stored in group.parts:
        if stored != data:
            earlier = decode_part(stored)
            yield (group.group, earlier.part_number or number, count, stored)


def _provider_name(provider: object) -> str:
    name = getattr(provider, "name", None)
    return name if isinstance(name, str) and name else type(provider).__name__.lower()


# Classes already seen to implement SupportsWebhooks: a runtime protocol check
# walks every member each time (about 20 us), a set lookup does not.
_WEBHOOK_CLASSES: set[type] = set()


def _check_provider(provider: object) -> SupportsWebhooks:
    if type(provider) in _WEBHOOK_CLASSES:
        return provider  # type: ignore[return-value]  # checked when first seen
    if isinstance(provider, SupportsWebhooks):
        _WEBHOOK_CLASSES.add(type(provider))
        return provider
    name = getattr(provider, "name", None)
    if isinstance(name, str):
        message = f"the {name} provider cannot verify or parse webhooks"
        raise NotSupported(message, provider=name, operation="webhooks")
    kind = type(provider).__name__
    message = f"webhooks need a provider such as smskit.providers.Twilio, not {kind}"
    raise OptionTypeError(message)


def _check_store(store: object) -> Store:
    if store is None:
        return MemoryStore()
    if not isinstance(store, Store):
        kind = type(store).__name__
        message = (
            f"WebhookHandler store must be a MemoryStore or RedisStore, not {kind}"
        )
        raise OptionTypeError(message)
    return store


def _check_clock(clock: object) -> Callable[[], dt.datetime]:
    if clock is None:
        return _utc_now
    if not callable(clock):
        kind = type(clock).__name__
        raise OptionTypeError(f"WebhookHandler clock must be callable, not {kind}")
    return clock


def _check_result(result: object) -> None:
    if not isinstance(result, WebhookResult):
        kind = type(result).__name__
        message = f"release() takes the WebhookResult handle() returned, not {kind}"
        raise ArgumentTypeError(message)


def _check_message(message: object) -> None:
    if not isinstance(message, Message):
        kind = type(message).__name__
        raise ArgumentTypeError(f"remember() takes a sent Message, not {kind}")


def _public_url(value: object) -> PublicUrl | None:
    if value is None or isinstance(value, PublicUrl):
        return value
    if isinstance(value, str):
        return PublicUrl(value)
    kind = type(value).__name__
    message = f"public_url must be a URL string or a PublicUrl, not {kind}"
    raise OptionTypeError(message)


def _check_request(request: object) -> None:
    if not isinstance(request, WebhookRequest):
        kind = type(request).__name__
        message = (
            f"expected a smskit.webhooks.WebhookRequest, not {kind} "
            "(the framework adapters build one from your framework's request)"
        )
        raise ArgumentTypeError(message)


def _max_body(value: object) -> int:
    return int(
        checks.number("max_body", value, minimum=1, inclusive=True, integer=True)
    )


def _seconds(name: str, value: object) -> float:
    return float(checks.number(f"WebhookHandler {name}", value, minimum=0))


def _check_size(request: WebhookRequest, limit: int) -> None:
    if len(request.body) > limit:
        message = (
            f"webhook body of {len(request.body)} bytes is over the limit of "
            f"{limit} bytes (max_body)"
        )
        raise WebhookBodyTooLarge(message, limit=limit)


def _moment(now: object) -> dt.datetime:
    if now is None:
        return _utc_now()
    if not isinstance(now, dt.datetime) or now.tzinfo is None:
        raise ArgumentTypeError("now must be a timezone-aware datetime")
    return now


def _verified(
    provider: SupportsWebhooks,
    request: WebhookRequest,
    public_url: PublicUrl | None,
    now: dt.datetime,
) -> WebhookRequest:
    """The request with the URL the provider signed, once its signature checks."""
    signed_url = public_url.rebuild(request) if public_url else request.url
    signed = (
        request if signed_url == request.url else attrs.evolve(request, url=signed_url)
    )
    try:
        provider.verify_webhook(signed, now=now)
    except WebhookVerificationError as error:
        _explain(error, request, signed_url, public_url)
    return signed


def _explain(
    error: WebhookVerificationError,
    request: WebhookRequest,
    signed_url: str,
    public_url: PublicUrl | None,
) -> NoReturn:
    """Re-raise ``error`` saying where the URL it was checked against came from."""
    received = display_url(request.url)
    if public_url is None:
        how = (
            f"URL as received, {received}; behind a proxy or tunnel, pass "
            "public_url= with your public URL"
        )
    elif public_url.base is None and not public_url.trusts(request.remote_addr):
        peer = request.remote_addr or "unknown"
        how = (
            f"URL as received, {received}: forwarded headers ignored, as the "
            f"peer {peer} is not one of the {public_url.describe()}"
        )
    elif signed_url == request.url:
        how = (
            f"URL as received, {received}: the trusted proxy forwarded no "
            "X-Forwarded-* or Forwarded headers"
        )
    else:
        how = (
            f"URL rebuilt from {public_url.describe()} as "
            f"{display_url(signed_url)}; the request reached {received}"
        )
    raise WebhookVerificationError(f"{error} ({how})") from error
