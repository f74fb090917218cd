"""`ClientExtras`: what `Client` offers around its sends, and inherits.

Sending many messages on threads (`send_many`), settling a send in doubt
from the provider's records (`resolve`, and ``resolve_unknown`` on `send`),
and working a send out offline (`preview`). Kept apart from `Client`
(`smskit._client`), which holds the sends themselves, the lookups and how a
flow is run with blocking I/O.
"""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, Any, TypeVar

from smskit import _bulk as bulk
from smskit import _checks as checks
from smskit import _guard_wiring as guarding
from smskit import _resolve as resolving
from smskit._client_core import ClientCore
from smskit._client_support import Pager
from smskit._config import is_testing
from smskit._exceptions import DeliveryUnknown, SmsKitError

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterable, Iterator, Mapping

    from smskit._bulk import BulkProgress, BulkResult
    from smskit._core._flow import Command, Outcome
    from smskit._guard_errors import MessageKind
    from smskit._guard_wiring import Preview
    from smskit._models import Message
    from smskit.providers._protocol import BatchResult, OutgoingMessage, Provider

__all__ = ["ClientExtras", "no_sleep"]

T = TypeVar("T")


def no_sleep(_: float) -> None:
    """Testing mode: decisions run, waits do not."""


class ClientExtras(ClientCore):
    """`Client`'s bulk sending, resolving and previews; only `Client` uses it."""

    if TYPE_CHECKING:
        # Client's own, named here for the type checker only.
        def send(self, *args: Any, **kwargs: Any) -> Message: ...

        def send_batch(self, *args: Any, **kwargs: Any) -> tuple[BatchResult, ...]: ...

        def _run(self, flow: Generator[Command, Outcome, T]) -> T: ...

    def send_many(
        self,
        messages: Iterable[Mapping[str, Any] | object],
        *,
        concurrency: int = bulk.DEFAULT_CONCURRENCY,
        on_progress: Callable[[BulkProgress], object] | None = None,
        resolve_unknown: bool = False,
    ) -> Iterator[BulkResult]:
        """Send many messages; yield one `BulkResult` per input as each is known.

        The input is read lazily (a generator of a million messages is
        fine) and at most ``concurrency`` sends are in flight, on threads, so
        memory stays flat. Every input gets exactly one result, in the order
        the results become known, with its ``index``: the accepted message,
        or the error (an input that is not a message included). One failure
        stops nothing else, and the client's rate limit holds throughout.
        When the provider has a many-recipients request (Plivo), consecutive
        inputs with the same text and options and no ``client_ref`` go out
        together, with one result per recipient still.

        Args:
            messages: Mappings or objects with ``to`` and ``body``, and
                optionally ``sender``, ``client_ref`` and the other keyword
                arguments of `send` (``status_callback``, ``validity``,
                ``send_at``, ``smart_encoding``, ``options``).
            concurrency: Sends in flight at once.
            on_progress: Called with a `BulkProgress` after each result (from
                the sending threads); an exception it raises is logged.
            resolve_unknown: Resolve each send in doubt as `send` does, so
                an input's result is `DeliveryUnknown` only when the
                provider's records cannot tell.

        Returns:
            An iterator of results. Leaving it early stops taking inputs;
            the sends in flight finish first.

        Raises:
            ArgumentTypeError: ``messages`` is not an iterable of messages.
            OptionTypeError: ``concurrency`` or ``on_progress`` is invalid.
            ClientClosed: The client was closed.
            NotSupported: ``resolve_unknown`` was asked for and the provider's
                records cannot be searched.
        """
        self._check_open()
        bulk.check_messages(messages)
        concurrency = bulk.check_concurrency(concurrency)
        on_progress = bulk.check_progress(on_progress)
        provider = self._active_provider()
        resolving_on = checks.option_flag("resolve_unknown", resolve_unknown)
        if resolving_on:
            self._searchable(provider)
        return bulk.run_threads(
            bulk.plan(messages, group_size=bulk.group_size_of(provider)),
            send=functools.partial(self.send, resolve_unknown=True)
            if resolving_on
            else self.send,
            send_batch=self.send_batch,
            concurrency=concurrency,
            on_progress=on_progress,
            recover=self._recover if resolving_on else None,
        )

    def resolve(
        self,
        error: DeliveryUnknown,
        *,
        to: str | None = None,
        settle: float | None = None,
    ) -> Message | None:
        """Find out whether a send in doubt was accepted, from the provider's records.

        The provider's message list is searched for the message: by its
        ``client_ref`` where the provider echoes it (the sandbox), else by
        recipient, sender, text and the time of the attempts (Twilio; Plivo
        lists no text, so there recipient, sender and time). Nothing is sent.

        Args:
            error: The `DeliveryUnknown` a send raised (or a `send_many` or
                `send_batch` result carries).
            to: For a batch's error, the recipient to resolve.
            settle: Seconds after the last attempt before the search may
                prove anything; the rest is waited here. 30 by default (0 for
                the in-process sandbox); see the guide.

        Returns:
            The message as the provider holds it, if it was accepted; ``None``
            if the provider's records prove it was not, so it can be sent
            again safely.

        Raises:
            DeliveryUnknown: Still unknown; ``reason`` says why (several
                matching messages, a search that failed or read too much).
                The original error is its ``__cause__``.
            NotSupported: The provider's records cannot be searched (Vonage
                has no message list); raised before any request.
            ArgumentTypeError: ``error`` is not a `DeliveryUnknown`.
            InvalidMessage: ``to`` is missing for a batch's error or not one
                of its recipients, the error is another provider's, or it
                does not say when it was sent.
            ClientClosed: The client was closed.
        """
        self._check_open()
        listing, search = self._plan_resolve(error, to, settle)
        wait, searched_at = self._search_start(listing, search)
        if wait > 0:
            (no_sleep if is_testing() else time.sleep)(wait)
        pager = Pager()
        listed: list[Message] = []
        try:
            while not pager.done and len(listed) <= resolving.MAX_SEARCHED:
                flow = self._page_flow(listing, search.query, pager.cursor)
                listed.extend(pager.advance(self._run(flow)))
        except SmsKitError as failure:
            # The search's own error stays on __context__.
            raise self._search_failed(search, failure) from search.question
        return self._verdict(
            search, listed, complete=pager.done, searched_at=searched_at
        )

    def _send_message(
        self,
        provider: Provider,
        outgoing: OutgoingMessage,
        *,
        resolve_unknown: bool,
        earlier: DeliveryUnknown | None = None,
    ) -> Message:
        """Send; with ``resolve_unknown``, settle a doubt from the records."""
        if not checks.option_flag("resolve_unknown", resolve_unknown):
            return self._run(self._send_flow(provider, outgoing))
        self._searchable(provider)
        for _ in range(resolving.MAX_RESENDS + 1):
            try:
                return self._run(self._send_flow(provider, outgoing))
            except DeliveryUnknown as unknown:
                resolving.widen(unknown, earlier)
                earlier = unknown
            found = self.resolve(earlier, to=outgoing.to)
            if found is not None:
                return found
        assert earlier is not None  # noqa: S101 -- the loop ran at least once
        raise self._never_accepted(earlier, resolving.MAX_RESENDS + 1)

    def _recover(self, arguments: Mapping[str, Any], error: DeliveryUnknown) -> Message:
        """One recipient of a batch in doubt: resolve it, send again if not sent."""
        found = self.resolve(error, to=arguments["to"])
        if found is not None:
            return found
        provider = self._active_provider()
        outgoing = self._outgoing_of(provider, arguments)
        return self._send_message(
            provider, outgoing, resolve_unknown=True, earlier=error
        )

    def preview(
        self,
        *,
        to: str,
        body: str,
        sender: str | None = None,
        kind: MessageKind | None = None,
        smart_encoding: bool = False,
    ) -> Preview:
        """Work out what a send would be, offline: no request is made.

        Args:
            to: The recipient, as typed.
            body: The text.
            sender: Overrides the client's default sender.
            kind: ``"transactional"`` or ``"marketing"`` (for the guard).
            smart_encoding: Show the text smart encoding would send.

        Returns:
            A `Preview`: the number in E.164, the encoding analysis (segments,
            the characters that forced UCS-2, the smart-encoded alternative),
            the estimated cost units, the guard's decision (opted out, quiet
            hours, frequency caps) and how long the rate limiter would wait.

        Raises:
            InvalidPhoneNumber: ``to`` is not a valid number.
            InvalidSenderId: ``sender`` is not a valid sender.
            InvalidMessage: ``body`` is empty or holds a control character.
            GuardUnavailable: The guard's store failed.
        """
        self._check_open()
        provider = self._active_provider()
        kind = guarding.check_kind(kind)
        decision = None
        if self._guard is not None:
            decision = self._guard.check(self._normalize(to), kind=kind)
        return self._preview(
            provider,
            to=to,
            body=body,
            sender=sender,
            smart_encoding=smart_encoding,
            guard=decision,
        )
