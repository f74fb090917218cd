"""The sandbox: a fake SMS provider that runs in-process, for demos and tests."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import httpx

from smskit._exceptions import ConfigurationError, InvalidMessage
from smskit._models import Balance, InboundMessage, Message, Status, StatusEvent
from smskit.providers.sandbox import _api
from smskit.providers.sandbox._magic import Fate, SandboxFault
from smskit.providers.sandbox._server import API_KEY, BASE_URL, FaultRule, SandboxServer
from smskit.providers.sandbox._state import SandboxState

if TYPE_CHECKING:
    from decimal import Decimal

    from smskit.providers._protocol import (
        BatchResult,
        ListQuery,
        OutgoingBatch,
        OutgoingMessage,
        Page,
    )

__all__ = ["Sandbox", "SandboxFault"]

_MAX_BATCH = 100
_SCHEDULE_AHEAD = dt.timedelta(days=365)
"""How far ahead of its own clock the sandbox schedules a send."""


class Sandbox:
    """A fake provider that accepts messages and reports their delivery.

    Nothing leaves the process: clients talk to an in-memory service through
    `httpx.MockTransport`, using the same engine (retries included) as real
    providers. Time in the sandbox moves only when you call `advance`.

    Magic numbers (see the "Testing with the sandbox" guide) trigger
    rejections, delivery failures and transport faults; `script` and `inject`
    do the same for any number.

    Args:
        seed: Seeds message ids and fault dice (same seed, same run).
        start: The sandbox's initial time (timezone-aware); defaults to now.
        max_records: Keep at most this many messages (and about as many
            status events and inbound messages), forgetting the oldest; by
            default the sandbox keeps everything, about 2 KB per message
            with its events, which a long `send_many` run adds up.

    Example:
        ```python
        sandbox = smskit.providers.Sandbox()
        with smskit.Client(sandbox) as client:
            message = client.send(to="+14155552671", body="Hi")
            sandbox.advance()
            assert client.fetch(message.id).status is smskit.Status.DELIVERED
        ```
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        start: dt.datetime | None = None,
        max_records: int | None = None,
    ) -> None:
        if start is not None and start.utcoffset() is None:
            raise ConfigurationError("Sandbox start must be a timezone-aware datetime")
        self.state = SandboxState(seed=seed, start=start, max_records=max_records)
        self._server = SandboxServer(self.state, seed=seed)
        self._transport = httpx.MockTransport(self._server.handle)

    def __repr__(self) -> str:
        return f"<Sandbox: {len(self.state.records())} messages>"

    @property
    def name(self) -> str:
        """Always ``"sandbox"``."""
        return "sandbox"

    @property
    def transport(self) -> httpx.MockTransport:
        """The in-process transport every client of this sandbox sends through."""
        return self._transport

    @property
    def rate_limit_key(self) -> str:
        """The sandbox has a single account."""
        return "sandbox"

    @property
    def now(self) -> dt.datetime:
        """The sandbox's current time."""
        return self.state.now

    @property
    def outbox(self) -> list[Message]:
        """Every message accepted so far, oldest first, with its current status."""
        return [record.to_message() for record in self.state.records()]

    @property
    def events(self) -> list[StatusEvent]:
        """Every status event so far, oldest first."""
        return list(self.state.events)

    @property
    def inbox(self) -> list[InboundMessage]:
        """Every inbound message so far, oldest first."""
        return list(self.state.inbox)

    @property
    def balance(self) -> Decimal:
        """Credit left in USD (each sent segment costs 0.0075)."""
        return self.state.balance

    def advance(self, seconds: float | None = None) -> list[StatusEvent]:
        """Move sandbox time forward and deliver what is due.

        Args:
            seconds: How far to move; ``None`` runs every pending message to
                its final status.

        Returns:
            The status events that happened, oldest first.
        """
        return self.state.advance(seconds)

    def receive(
        self, *, from_: str, body: str, to: str | None = None
    ) -> InboundMessage:
        """Simulate an SMS sent to you.

        ``STOP`` (and ``STOPALL``, ``UNSUBSCRIBE``, ``CANCEL``, ``END``,
        ``QUIT``) opts ``from_`` out: later sends to it raise `OptedOut`
        (code ``opted_out``). ``START``, ``YES`` or ``UNSTOP`` opt back in.

        Args:
            from_: Who sends it (E.164).
            body: The text.
            to: Your number it is sent to; the sandbox's number by default.

        Returns:
            The inbound message (also in `inbox`).
        """
        if to is None:
            return self.state.receive(from_=from_, body=body)
        return self.state.receive(from_=from_, body=body, to=to)

    def is_opted_out(self, number: str) -> bool:
        """Whether ``number`` replied STOP and has not opted back in."""
        return self.state.is_opted_out(number)

    def script(
        self,
        to: str,
        *,
        final: Status | str = Status.DELIVERED,
        error_code: str | None = None,
        sent_after: float = 1.0,
        final_after: float = 3.0,
    ) -> None:
        """Decide what happens to every later message sent to ``to``.

        Args:
            to: The recipient (E.164).
            final: The final status, such as ``"undelivered"``.
            error_code: The error code reported with a failure.
            sent_after: Seconds from acceptance to ``sent``.
            final_after: Seconds from acceptance to the final status.

        Raises:
            ConfigurationError: ``final`` is not a final status, or the
                timings are out of order.
        """
        status = Status.parse(final)
        if not status.is_final or status is Status.RECEIVED:
            raise ConfigurationError(f"{status} is not a final outbound status")
        if not 0 <= sent_after <= final_after:
            raise ConfigurationError("need 0 <= sent_after <= final_after")
        self.state.script(
            to,
            Fate(
                final=status,
                error_code=error_code,
                sent_after=sent_after,
                final_after=final_after,
            ),
        )

    def inject(
        self,
        fault: SandboxFault | str,
        *,
        times: int | None = 1,
        rate: float = 1.0,
        to: str | None = None,
        retry_after: float = 1.0,
        latency: float = 0.0,
    ) -> None:
        """Make the next matching requests fail (or slow).

        Args:
            fault: What goes wrong: ``"rate_limited"`` (429, not accepted),
                ``"unavailable"`` (503, not accepted), ``"server_error"``
                (500 after accepting), ``"connect_error"`` (never arrives),
                ``"read_timeout"`` (accepted, answer lost) or ``"latency"``
                (the answer takes ``latency`` seconds of sandbox time, and
                becomes a read timeout when that exceeds the client's).
            times: How many requests it hits; ``None`` for every one.
            rate: The chance each matching request is hit (for flaky runs).
            to: Only sends to this recipient (and cancels of its messages);
                every request by default. A batch is hit only by rules
                without ``to``.
            retry_after: The ``Retry-After`` seconds of a 429.
            latency: Seconds a ``"latency"`` answer takes.

        Raises:
            ConfigurationError: An unknown fault, or a rate outside (0, 1].
        """
        try:
            kind = SandboxFault(fault)
        except ValueError:
            known = ", ".join(item.value for item in SandboxFault)
            raise ConfigurationError(
                f"unknown fault {fault!r}; one of: {known}"
            ) from None
        if not 0 < rate <= 1:
            raise ConfigurationError(f"rate must be in (0, 1], not {rate!r}")
        rule = FaultRule(
            fault=kind,
            times=times,
            rate=rate,
            to=to,
            retry_after=retry_after,
            latency=latency,
        )
        self._server.rules.append(rule)

    def build_send(self, message: OutgoingMessage) -> httpx.Request:
        """Make the request that sends ``message``."""
        return _api.build_send(BASE_URL, API_KEY, message)

    def parse_send(self, message: OutgoingMessage, response: httpx.Response) -> Message:
        """Read the answer to a send."""
        return _api.parse_send(response)

    @property
    def max_batch_size(self) -> int:
        """The sandbox takes up to 100 recipients in one batch request."""
        return _MAX_BATCH

    def build_send_batch(self, batch: OutgoingBatch) -> httpx.Request:
        """Make the request that sends one text to many recipients."""
        return _api.build_send_batch(BASE_URL, API_KEY, batch)

    def parse_send_batch(
        self, batch: OutgoingBatch, response: httpx.Response
    ) -> tuple[BatchResult, ...]:
        """One result per recipient of ``batch``, in order."""
        return _api.parse_send_batch(batch, response)

    def build_fetch(self, message_id: str) -> httpx.Request:
        """Make the request that looks up a message."""
        return _api.build_fetch(BASE_URL, API_KEY, message_id)

    def parse_fetch(self, response: httpx.Response) -> Message:
        """Read the answer to a lookup."""
        return _api.parse_fetch(response)

    def build_list(self, query: ListQuery, cursor: str | None) -> httpx.Request:
        """Make the request for one page of sent messages, newest first."""
        return _api.build_list(BASE_URL, API_KEY, query, cursor)

    def parse_list(self, response: httpx.Response) -> Page:
        """Read one page of sent messages."""
        return _api.parse_list(response)

    def build_cancel(self, message_id: str) -> httpx.Request:
        """Make the request that cancels a scheduled message."""
        return _api.build_cancel(BASE_URL, API_KEY, message_id)

    def parse_cancel(self, response: httpx.Response) -> Message:
        """Read the cancelled message (already cancelled counts as success)."""
        return _api.parse_cancel(response)

    def build_balance(self) -> httpx.Request:
        """Make the request for the account balance."""
        return _api.build_balance(BASE_URL, API_KEY)

    def parse_balance(self, response: httpx.Response) -> Balance:
        """Read the account balance."""
        return _api.parse_balance(response)

    def check_send_at(self, send_at: dt.datetime) -> None:
        """Refuse a scheduled time in the sandbox's past or over a year ahead.

        Raises:
            InvalidMessage: ``send_at`` is outside that window of sandbox time.
        """
        now = self.state.now
        if not now <= send_at <= now + _SCHEDULE_AHEAD:
            message = (
                f"send_at {send_at.isoformat()} is outside the sandbox's window: "
                f"from its current time {now.isoformat()} to one year ahead"
            )
            raise InvalidMessage(message)
