"""The sandbox's world: messages, their lifecycles, opt-outs and inbound texts.

`SandboxState` knows nothing about HTTP. The sandbox's own API
(`_server.py`) and the local emulator's Twilio, Vonage and Plivo dialects all
sit on top of it. Time only moves when `advance` (or `advance_to`) is called.
Every public method takes the state's lock, so one state can serve several
threads.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from smskit import encoding
from smskit._exceptions import ConfigurationError
from smskit._keywords import OPT_IN_KEYWORDS, OPT_OUT_KEYWORDS
from smskit._models import InboundMessage, Status, StatusEvent
from smskit.providers.sandbox._magic import (
    DEFAULT_FATE,
    MAGIC_RECIPIENTS,
    Fate,
    Rejection,
)
from smskit.providers.sandbox._record import (
    CURRENCY,
    DEFAULT_SENDER,
    MAX_BODY_CHARACTERS,
    Listing,
    Position,
    SandboxPage,
    SandboxRecord,
    SandboxRejected,
    Step,
    check_message,
    due_steps,
    is_e164,
    later,
    lifecycle,
    part_ids_for,
    within,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = [
    "CURRENCY",
    "DEFAULT_SENDER",
    "MAX_BODY_CHARACTERS",
    "Listing",
    "OPT_IN_WORDS",
    "OPT_OUT_WORDS",
    "Position",
    "SandboxPage",
    "SandboxRecord",
    "SandboxRejected",
    "SandboxState",
    "is_e164",
]

logger = logging.getLogger("smskit.sandbox")

PRICE_PER_SEGMENT = Decimal("0.0075")
# Keywords carriers and providers treat as opt-out / opt-in (Twilio's list).
OPT_OUT_WORDS = OPT_OUT_KEYWORDS
OPT_IN_WORDS = OPT_IN_KEYWORDS


class SandboxState:
    """An in-memory SMS service.

    Args:
        seed: Seeds ids (same seed, same ids).
        start: The initial time (timezone-aware); defaults to now.
        balance: The account's starting credit in USD.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        start: dt.datetime | None = None,
        balance: Decimal = Decimal("100.00"),
        max_records: int | None = None,
    ) -> None:
        if max_records is not None and (
            type(max_records) is not int or max_records < 1
        ):
            message = f"max_records must be an int >= 1 or None, not {max_records!r}"
            raise ConfigurationError(message)
        self._max_records = max_records
        self._rng = random.Random(seed)  # noqa: S311 -- ids for a fake, not secrets
        self._issued = 0  # ids start with a counter, so they sort in issue order
        self._now = start or dt.datetime.now(dt.timezone.utc)
        self._lock = threading.RLock()
        self._records: dict[str, SandboxRecord] = {}
        self._fates: dict[str, Fate] = {}
        self._opted_out: set[str] = set()
        self._balance = balance
        self.events: list[StatusEvent] = []
        self.inbox: list[InboundMessage] = []
        self.listeners: list[Callable[[StatusEvent | InboundMessage], None]] = []

    # -- time ---------------------------------------------------------------

    @property
    def now(self) -> dt.datetime:
        """The sandbox's current time."""
        return self._now

    def advance(self, seconds: float | None = None) -> list[StatusEvent]:
        """Move time forward and apply every status change now due.

        Args:
            seconds: How far to move; ``None`` moves just far enough for every
                pending message to reach its final status.

        Returns:
            The status events that happened, in time order.
        """
        with self._lock:
            if seconds is None:
                target = max(
                    (step.due for _, step in due_steps(self._records.values())),
                    default=self._now,
                )
            else:
                target = later(self._now, seconds)
            return self.advance_to(target)

    def advance_to(self, moment: dt.datetime) -> list[StatusEvent]:
        """Move time to ``moment`` (never backwards) and apply what is due."""
        with self._lock:
            happened = [
                self._apply(record, step)
                for record, step in due_steps(self._records.values(), moment)
            ]
            self._now = max(self._now, moment)
            self.events.extend(happened)
            self._forget_beyond_bound()
        for event in happened:
            self._notify(event)
        return happened

    # -- sending ------------------------------------------------------------

    def submit(
        self,
        *,
        to: str,
        body: str,
        sender: str | None = None,
        client_ref: str | None = None,
        status_callback: str | None = None,
        send_at: dt.datetime | None = None,
        validity: float | None = None,
        tag: str | None = None,
        smart_encoded: bool = False,
        parts: bool = False,
    ) -> SandboxRecord:
        """Accept a message, or raise `SandboxRejected` saying why not.

        Args:
            to: The recipient in E.164.
            body: The text.
            sender: The sender; the sandbox's own number when ``None``.
            client_ref: Echoed back in the message and its events.
            status_callback: Where the emulator posts status callbacks.
            send_at: Schedule it: ``scheduled`` until then, then ``queued``.
            validity: Seconds the carrier may keep trying; a message not
                delivered by then ``expired`` (error code ``expired``).
            tag: A label echoed back with the message.
            smart_encoded: Whether the client replaced characters to fit GSM-7
                (informational, echoed back).
            parts: Send it "in parts": one id per segment, ``<id>-1``,
                ``<id>-2``... (status events stay per message).

        Returns:
            The new record, status ``queued`` (or ``scheduled``).
        """
        with self._lock:
            self._check(to=to, body=body, sender=sender)
            info = encoding.analyze(body)
            start = self._now if send_at is None else max(send_at, self._now)
            steps = lifecycle(within(self._fate_for(to), validity), start)
            if send_at is not None:
                steps.insert(0, Step(due=start, status=Status.QUEUED))
            message_id = self._new_id("SB")
            record = SandboxRecord(
                id=message_id,
                to=to,
                sender=sender or DEFAULT_SENDER,
                body=body,
                status=Status.QUEUED if send_at is None else Status.SCHEDULED,
                encoding=info.encoding,
                segments=info.segment_count,
                created_at=self._now,
                updated_at=self._now,
                client_ref=client_ref,
                status_callback=status_callback,
                steps=steps,
                scheduled_at=send_at,
                tag=tag,
                smart_encoded=smart_encoded,
                part_ids=part_ids_for(message_id, info.segment_count)
                if parts
                else None,
            )
            self._records[record.id] = record
            self._forget_beyond_bound()
            return record

    def submit_batch(
        self, *, to: Sequence[str], body: str, sender: str | None = None, **fields: Any
    ) -> list[SandboxRecord | SandboxRejected]:
        """Accept one message for each recipient, all at the same moment.

        The body and the sender are checked once for the whole batch; each
        recipient is then accepted or refused on its own, as `submit` would.

        Args:
            to: The recipients, in order; a number given twice is sent twice.
            body: The text.
            sender: The sender; the sandbox's own number when ``None``.
            **fields: `submit`'s other keyword arguments, the same for all.

        Returns:
            For each recipient, in order, its new record or why it was refused.

        Raises:
            SandboxRejected: The body or the sender is refused; nothing is sent.
        """
        with self._lock:  # held throughout: no time passes within a batch
            check_message(body=body, sender=sender)
            outcomes: list[SandboxRecord | SandboxRejected] = []
            for recipient in to:
                try:
                    record = self.submit(
                        to=recipient, body=body, sender=sender, **fields
                    )
                except SandboxRejected as refused:
                    outcomes.append(refused)
                else:
                    outcomes.append(record)
            return outcomes

    def cancel(
        self, message_id: str, *, idempotent: bool = False
    ) -> SandboxRecord | None:
        """Cancel a scheduled message.

        Args:
            message_id: The message to cancel.
            idempotent: Answer a message that is already canceled with the
                record as it is (no new event) instead of refusing.

        Returns:
            The canceled record; ``None`` if there is no such message.

        Raises:
            SandboxRejected: The message is no longer scheduled.
        """
        with self._lock:
            record = self._records.get(message_id)
            if record is None:
                return None
            if idempotent and record.status is Status.CANCELED:
                return record
            if record.status is not Status.SCHEDULED:
                detail = f"message {message_id} is {record.status}, not scheduled"
                raise SandboxRejected(Rejection.NOT_CANCELABLE, detail)
            record.steps.clear()
            record.status = Status.CANCELED
            record.updated_at = self._now
            event = record.to_event(error_code=None)
            self.events.append(event)
        self._notify(event)
        return record

    def get(self, message_id: str) -> SandboxRecord | None:
        """The record with this id, or ``None``."""
        with self._lock:
            return self._records.get(message_id)

    def records(self) -> list[SandboxRecord]:
        """Every outbound record, oldest first."""
        with self._lock:
            return list(self._records.values())

    def page(self, listing: Listing | None = None) -> SandboxPage:
        """One page of outbound records, newest first; changes nothing.

        Args:
            listing: The filters, page size and position; `Listing()` if
                ``None``.
        """
        with self._lock:
            records = list(self._records.values())
        return (listing or Listing()).page(records)

    @property
    def balance(self) -> Decimal:
        """Credit left, in USD; each sent segment costs `PRICE_PER_SEGMENT`."""
        return self._balance

    # -- scripting ----------------------------------------------------------

    def script(self, to: str, fate: Fate) -> None:
        """Give every later message to ``to`` this fate."""
        with self._lock:
            self._fates[to] = fate

    def is_opted_out(self, number: str) -> bool:
        """Whether ``number`` has replied STOP (and not START since)."""
        return number in self._opted_out

    # -- inbound ------------------------------------------------------------

    def receive(
        self, *, from_: str, body: str, to: str = DEFAULT_SENDER
    ) -> InboundMessage:
        """Simulate an SMS from ``from_`` to one of your numbers.

        STOP-type keywords opt ``from_`` out (later sends to it are refused
        as ``opted_out``); START-type keywords opt it back in.

        Returns:
            The inbound message, also appended to `inbox`.
        """
        with self._lock:
            message = InboundMessage(
                id=self._new_id("SI"),
                provider="sandbox",
                sender=from_,
                to=to,
                body=body,
                received_at=self._now,
                segments=encoding.analyze(body).segment_count,
                raw={"from": from_, "to": to, "body": body},
            )
            if message.intent == "opt_out":
                self._opted_out.add(from_)
            elif message.intent == "opt_in":
                self._opted_out.discard(from_)
            self.inbox.append(message)
            self._forget_beyond_bound()
        self._notify(message)
        return message

    # -- internals ----------------------------------------------------------

    def _forget_beyond_bound(self) -> None:
        """With ``max_records``, forget the oldest messages, events and replies.

        Lists are trimmed back to the bound once they reach twice its size,
        so trimming costs little per message.
        """
        bound = self._max_records
        if bound is None:
            return
        while len(self._records) > bound:
            del self._records[next(iter(self._records))]
        for kept in (self.events, self.inbox):
            if len(kept) >= 2 * bound:
                del kept[: len(kept) - bound]

    def _check(self, *, to: str, body: str, sender: str | None) -> None:
        if not is_e164(to):
            raise SandboxRejected(Rejection.INVALID_TO, f"'to' {to!r} is not E.164")
        check_message(body=body, sender=sender)
        magic = MAGIC_RECIPIENTS.get(to)
        if isinstance(magic, Rejection):
            raise SandboxRejected(magic)
        if to in self._opted_out:
            raise SandboxRejected(Rejection.OPTED_OUT)

    def _fate_for(self, to: str) -> Fate:
        scripted = self._fates.get(to)
        if scripted is not None:
            return scripted
        magic = MAGIC_RECIPIENTS.get(to)
        return magic if isinstance(magic, Fate) else DEFAULT_FATE

    def _new_id(self, prefix: str) -> str:
        self._issued += 1
        return f"{prefix}{self._issued:08x}{self._rng.getrandbits(96):024x}"

    def _apply(self, record: SandboxRecord, step: Step) -> StatusEvent:
        record.steps.remove(step)
        record.status = step.status
        record.updated_at = step.due
        record.error_code = step.error_code
        if step.status is Status.SENT:  # carriers bill what they were handed
            record.price = PRICE_PER_SEGMENT * record.segments
            self._balance -= record.price
        return record.to_event(error_code=step.error_code)

    def _notify(self, item: StatusEvent | InboundMessage) -> None:
        """Tell every listener; one that fails is logged and the others still hear.

        The emulator's clock calls this: a listener that raised would stop time.
        """
        for listener in list(self.listeners):
            try:
                listener(item)
            except Exception:
                logger.exception(
                    "sandbox listener %r failed on %s; the sandbox goes on",
                    listener,
                    type(item).__name__,
                )
