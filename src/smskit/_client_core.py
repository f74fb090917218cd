"""What `Client` and `AsyncClient` share: configuration, checks and flows.

Nothing here performs I/O. Each public method of the two clients checks its
input here, builds a flow (`smskit._core._flow.call_flow`) here, and only runs
it with its own executor.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import time
from typing import TYPE_CHECKING, Any, TypeVar, cast

from smskit import _checks as checks
from smskit import _guard_wiring as guarding
from smskit import _resolve as resolving
from smskit import encoding, phone
from smskit._batch import BatchPlan, recipients_of
from smskit._client_support import (
    ListingProvider,
    guarded,
    in_process_transport,
    is_provider,
    limiter_of,
    list_query,
    message_id_of,
    prebuilt,
    provider_options,
    send_time,
    sender_id,
    unsupported,
)
from smskit._config import captured_by, note_capture_region
from smskit._core._flow import NO_HOOKS, Effect, Operation, SendContext, call_flow
from smskit._core._hooks import Hooks
from smskit._core._policy import RetryPolicy
from smskit._exceptions import (
    ArgumentTypeError,
    ClientClosed,
    ConfigurationError,
    DeliveryUnknown,
    InvalidMessage,
    OptionTypeError,
    ProviderUnavailable,
    SmsKitError,
)
from smskit.providers._protocol import (
    ListQuery,
    OutgoingMessage,
    Provider,
    SupportsBalance,
    SupportsBatch,
    SupportsCancel,
    SupportsList,
)
from smskit.providers._routing import SupportsRouting

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Mapping, Sequence

    import httpx

    from smskit._core._flow import Command, Outcome
    from smskit._core._ratelimit import Limiter, RateLimit
    from smskit._guard import Guard, GuardDecision
    from smskit._models import Balance, Message
    from smskit.providers._protocol import BatchResult, OutgoingBatch, Page

__all__ = ["ClientCore"]

T = TypeVar("T")


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
        guard: Guard | None = None,
    ) -> None:
        if not is_provider(provider):
            message = f"provider must be a smskit provider, not {provider!r}"
            raise OptionTypeError(message)
        if in_process_transport(provider) is not None and http_client is not None:
            message = (
                f"the {provider.name} provider runs in-process and brings its own "
                "transport; do not pass http_client"
            )
            raise ConfigurationError(message)
        self._provider = provider
        # isinstance against a runtime protocol inspects every member each
        # time (tens of µs on Python 3.11): asked once here, not per send.
        self._routing = isinstance(provider, SupportsRouting)
        self._sender = None if sender is None else sender_id(sender)
        self._region = checks.region_code(region)
        checks.instance("retry", retry, (RetryPolicy, type(None)))
        self._retry = retry or RetryPolicy()
        checks.number(
            "max_segments", max_segments, minimum=1, inclusive=True, integer=True
        )
        self._max_segments = max_segments
        self._limiter = limiter_of(rate_limit)
        checks.instance("hooks", hooks, (Hooks, type(None)))
        self._hooks = hooks or NO_HOOKS
        self._redact = not checks.option_flag("log_sensitive", log_sensitive)
        checks.instance(
            "number_policy", number_policy, (phone.NumberPolicy, type(None))
        )
        self._number_policy = number_policy
        self._guard = guarding.check_guard(guard)
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
        chosen_sender = self._sender if sender is None else sender_id(sender)
        return OutgoingMessage(
            to=recipient,
            body=info.text,
            sender=chosen_sender,
            encoding=info.encoding,
            segments=info.segment_count,
            client_ref=checks.client_ref(client_ref),
            status_callback=checks.callback_url(status_callback),
            validity=checks.validity(validity),
            send_at=send_time(provider, send_at),
            smart_encoded=info.smart_encoding is not None
            and info.smart_encoding.applied,
            options=provider_options(options),
        )

    def _preview(
        self,
        provider: Provider,
        *,
        to: str,
        body: str,
        sender: str | None,
        smart_encoding: bool,
        guard: GuardDecision | None,
    ) -> guarding.Preview:
        """Work out a send offline (`Client.preview`); the guard asked by the caller."""
        number = phone.parse(to, region=self._region, policy=self._number_policy)
        text = checks.body_text(body)
        smart = checks.option_flag("smart_encoding", smart_encoding)
        info = encoding.analyze(text, smart_encoding=smart)
        chosen = self._sender if sender is None else sender_id(sender)
        wait: float | None = 0.0
        if self._limiter is not None:
            # Only a limiter that can tell without taking a token (a local one).
            peek = getattr(self._limiter, "peek", None)
            key = self._limit_key(provider, chosen)
            wait = (
                None
                if peek is None
                else float(peek(key, self._limit_cost(info.segment_count)))
            )
        return guarding.Preview(
            to=number.e164,
            number=number,
            sender=chosen,
            analysis=info,
            cost_units=info.segment_count,
            max_segments=self._max_segments,
            guard=guard,
            rate_limit_wait=wait,
        )

    def _normalize(self, number: str) -> str:
        return phone.to_e164(number, region=self._region, policy=self._number_policy)

    def _batch_plan(
        self,
        provider: Provider,
        *,
        to: Sequence[str],
        body: str,
        sender: str | None,
        client_ref: str | None,
        status_callback: str | None,
        validity: dt.timedelta | None,
        send_at: dt.datetime | None,
        smart_encoding: bool,
        options: Mapping[str, Any] | None,
        refused: Mapping[str, SmsKitError] | None = None,
    ) -> BatchPlan:
        """Check a batch and cut it into requests the provider accepts.

        ``refused`` gives recipients (as given) that the guard refused: each
        gets its refusal as its result, like a number that cannot be read.
        """
        if not isinstance(provider, SupportsBatch):
            raise unsupported(provider, "batch")
        given = recipients_of(to)

        def template(first: str) -> OutgoingMessage:
            return self._outgoing(
                provider,
                to=first,
                body=body,
                sender=sender,
                client_ref=client_ref,
                status_callback=status_callback,
                validity=validity,
                send_at=send_at,
                smart_encoding=smart_encoding,
                options=options,
            )

        # A bad text raises even when no recipient can be read.
        checks.body_text(body)
        return BatchPlan(
            given,
            normalize=self._normalize
            if not refused
            else functools.partial(_unless_refused, self._normalize, refused),
            template=template,
            max_size=provider.max_batch_size,
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
        return list_query(
            to=None
            if to is None
            else phone.to_e164(to, region=self._region, policy=None),
            sender=sender,
            sent_after=sent_after,
            sent_before=sent_before,
            page_size=page_size,
        )

    # Flows ----------------------------------------------------------------------

    def _send_flow(
        self, provider: Provider, outgoing: OutgoingMessage
    ) -> Generator[Command, Outcome, Message]:
        routing = (
            self._routing
            if provider is self._provider
            else isinstance(provider, SupportsRouting)  # a test's capture
        )
        legs = (
            cast("SupportsRouting", provider).send_legs(outgoing)
            if routing
            else (provider,)
        )
        return self._flow(self._send_operation(provider, legs, outgoing))

    def _send_operation(
        self,
        provider: Provider,
        legs: tuple[Provider, ...],
        outgoing: OutgoingMessage,
    ) -> Operation[Message]:
        """The send through ``legs[0]``, falling back to the other legs in order.

        ``provider`` is the client's own (a `Failover`'s legs are its
        members); it decides whether real sends are blocked. Each leg draws
        from its own rate limit.
        """
        leg, rest = legs[0], legs[1:]
        build = prebuilt(lambda: leg.build_send(outgoing))
        return Operation(
            provider=leg.name,
            name="send",
            effect="send",
            build=lambda: guarded(provider, build()),
            parse=lambda response: leg.parse_send(outgoing, response),
            send=SendContext(
                to=outgoing.to,
                body=outgoing.body,
                client_ref=outgoing.client_ref,
                sender=outgoing.sender,
            ),
            limit_key=self._limit_key(leg, outgoing.sender),
            cost=self._limit_cost(outgoing.segments),
            fallback=(lambda: self._send_operation(provider, rest, outgoing))
            if rest
            else None,
        )

    def _batch_flow(
        self, provider: Provider, batch: OutgoingBatch
    ) -> Generator[Command, Outcome, tuple[BatchResult, ...]]:
        if not isinstance(provider, SupportsBatch):
            raise unsupported(provider, "batch")
        base = batch.message
        build = prebuilt(lambda: provider.build_send_batch(batch))
        operation = Operation(
            provider=provider.name,
            name="send_batch",
            effect="send",
            build=lambda: guarded(provider, build()),
            parse=lambda response: provider.parse_send_batch(batch, response),
            send=SendContext(
                to=batch.recipients[0],
                body=base.body,
                client_ref=base.client_ref,
                recipients=batch.recipients,
                sender=base.sender,
            ),
            limit_key=self._limit_key(provider, base.sender),
            # A batch costs what its messages would cost one by one.
            cost=self._limit_cost(base.segments) * len(batch.recipients),
        )
        return self._flow(operation)

    def _fetch_flow(
        self, message: str | Message
    ) -> Generator[Command, Outcome, Message]:
        provider = self._active_provider()
        message_id = message_id_of(message)
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
            raise unsupported(provider, "cancel")
        message_id = message_id_of(message)
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
            raise unsupported(provider, "balance")
        return self._simple_flow(
            provider, "balance", "read", provider.build_balance, provider.parse_balance
        )

    # Resolving unknown outcomes -------------------------------------------------

    def _searchable(self, provider: Provider) -> ListingProvider:
        """The provider as a lister, or `NotSupported` before any I/O."""
        if not isinstance(provider, SupportsList):
            raise unsupported(provider, "resolve")
        return ListingProvider(provider)

    def _plan_resolve(
        self, error: object, to: str | None, settle: float | None
    ) -> tuple[ListingProvider, resolving.Search]:
        """Check `resolve`'s arguments and plan the search of the records."""
        if not isinstance(error, DeliveryUnknown):
            kind = type(error).__name__
            raise ArgumentTypeError(f"resolve takes a DeliveryUnknown, not {kind}")
        provider = self._active_provider()
        if error.provider not in _names_of(provider):
            message = (
                f"this DeliveryUnknown is from {error.provider}, but this client "
                f"sends through {provider.name}"
            )
            raise InvalidMessage(message) from error
        # Through a Failover or Router the group's own list is searched: it
        # walks the members and gives ids that name the member.
        listing = self._searchable(provider)
        recipient = None
        if to is not None:
            recipient = phone.to_e164(to, region=self._region, policy=None)
        wait = self._settle_time(provider, settle)
        return listing, resolving.plan_search(error, to=recipient, settle=wait)

    @staticmethod
    def _settle_time(provider: Provider, settle: float | None) -> dt.timedelta:
        if settle is not None:
            seconds = checks.number("settle", settle, minimum=0, inclusive=True)
            return dt.timedelta(seconds=seconds)
        if in_process_transport(provider) is not None:
            return dt.timedelta(0)  # in-process records are complete at once
        return resolving.DEFAULT_SETTLE

    @staticmethod
    def _records_clock(provider: Provider) -> Callable[[], dt.datetime]:
        """The clock the provider stamps its records with, as far as smskit knows.

        The in-process sandbox keeps its own time, which moves only when told
        (``Sandbox.advance``); a search of its records must use it. Every
        other provider is taken to keep UTC.
        """
        if in_process_transport(provider) is not None and isinstance(
            getattr(provider, "now", None), dt.datetime
        ):
            return lambda: getattr(provider, "now")  # noqa: B009 -- read each time
        return lambda: dt.datetime.now(dt.timezone.utc)

    def _search_start(
        self, listing: ListingProvider, search: resolving.Search
    ) -> tuple[float, dt.datetime]:
        """Seconds to wait before the search, and when it then starts.

        The client waits with its own sleep (skipped in testing mode, where
        every wait is taken as done), so the search starts once that time is
        over.
        """
        now = self._records_clock(listing.provider)()
        wait = (search.ready_at - now).total_seconds()
        return max(wait, 0.0), max(now, search.ready_at)

    @staticmethod
    def _verdict(
        search: resolving.Search,
        listed: Sequence[Message],
        *,
        complete: bool,
        searched_at: dt.datetime,
    ) -> Message | None:
        """The accepted message, ``None`` if not accepted, or `DeliveryUnknown`."""
        resolution = resolving.judge(
            search, listed, searched_at=searched_at, complete=complete
        )
        if resolution.outcome == "accepted":
            return resolution.message
        if resolution.outcome == "not_accepted":
            return None
        question = search.question
        raise resolving.still_unknown(question, resolution.reason) from question

    @staticmethod
    def _search_failed(
        search: resolving.Search, error: BaseException
    ) -> DeliveryUnknown:
        reason = f"the search of the provider's records failed ({type(error).__name__})"
        return resolving.still_unknown(search.question, reason)

    @staticmethod
    def _never_accepted(question: DeliveryUnknown, sends: int) -> ProviderUnavailable:
        """The error once every send was in doubt and proven not accepted."""
        message = (
            f"{question.provider} did not accept the message: {sends} sends each "
            "failed in doubt, and a search of its records proved each time that "
            "it was not accepted; nothing was sent"
        )
        error = ProviderUnavailable(
            message,
            provider=question.provider,
            http_status=question.http_status,
            retryable=True,
        )
        error.__cause__ = question
        return error

    def _outgoing_of(
        self, provider: Provider, arguments: Mapping[str, Any]
    ) -> OutgoingMessage:
        """The `OutgoingMessage` of one `send_many` input's arguments."""
        fields: dict[str, Any] = {
            "sender": None,
            "client_ref": None,
            "status_callback": None,
            "validity": None,
            "send_at": None,
            "smart_encoding": False,
            "options": None,
        }
        fields.update(arguments)
        fields.pop("kind", None)  # the guard's question, asked by send_batch already
        return self._outgoing(provider, **fields)

    def _list_provider(self) -> ListingProvider:
        return ListingProvider(self._active_provider())

    def _page_flow(
        self, listing: ListingProvider, query: ListQuery, cursor: str | None
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
        # Built once now, so a malformed id fails before any I/O.
        request = prebuilt(build)
        operation = Operation(
            provider=provider.name,
            name=operation_name,
            effect=effect,
            build=lambda: guarded(provider, request()),
            parse=parse,
        )
        return self._flow(operation)

    def _limit_key(self, provider: Provider, sender: str | None) -> str | None:
        if self._limiter is None:
            return None
        return self._limiter.limit.key(
            provider=provider.name,
            account=provider.rate_limit_key,
            sender=sender,
        )

    def _limit_cost(self, segments: int) -> float:
        """Tokens a send takes: per message, or per segment (``RateLimit.cost``)."""
        if self._limiter is None:
            return 1.0
        return self._limiter.limit.cost_of(segments)

    def _flow(self, operation: Operation[T]) -> Generator[Command, Outcome, T]:
        # A send in doubt is stamped with the time on the provider's clock.
        wall_clock = None
        if operation.send is not None:
            wall_clock = self._records_clock(self._active_provider())
        return call_flow(
            operation,
            policy=self._retry,
            clock=time.monotonic,
            rng=self._rng,
            hooks=self._hooks,
            redact=self._redact,
            wall_clock=wall_clock,
        )


def _unless_refused(
    normalize: Callable[[str], str], refused: Mapping[str, SmsKitError], number: str
) -> str:
    """``normalize(number)``, or the guard's refusal of ``number`` raised."""
    if number in refused:
        raise refused[number]
    return normalize(number)


def _names_of(provider: Provider) -> frozenset[str]:
    """The provider names a `DeliveryUnknown` from this client may carry."""
    if isinstance(provider, SupportsRouting):
        members = getattr(provider, "members", {})
        return frozenset({provider.name, *(member.name for member in members.values())})
    return frozenset({provider.name})
