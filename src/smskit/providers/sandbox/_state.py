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
import math
import random
import re
import threading
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from smskit import encoding
from smskit._models import InboundMessage, Message, Status, StatusEvent
from smskit.providers.sandbox._magic import (
    DEFAULT_FATE,
    MAGIC_RECIPIENTS,
    MAGIC_SENDERS,
    Fate,
    Rejection,
)

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "OPT_IN_WORDS",
    "OPT_OUT_WORDS",
    "Position",
    "SandboxPage",
    "SandboxRejected",
    "SandboxState",
    "is_e164",
]

logger = logging.getLogger("smskit.sandbox")

PRICE_PER_SEGMENT = Decimal("0.0075")
CURRENCY = "USD"
DEFAULT_SENDER = "+15005550006"
MAX_BODY_CHARACTERS = 1600
# Keywords carriers and providers treat as opt-out / opt-in (Twilio's list).
OPT_OUT_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
OPT_IN_WORDS = frozenset({"START", "YES", "UNSTOP"})

# ASCII digits only: \d would also accept "٣" and other scripts' digits.
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
# Sandbox time stops here rather than overflowing datetime (year 9999).
_END_OF_TIME = dt.datetime.max.replace(tzinfo=dt.timezone.utc) - dt.timedelta(days=1)


def is_e164(number: str) -> bool:
    """Whether ``number`` has the E.164 shape the sandbox accepts as a recipient."""
    return _E164.fullmatch(number) is not None


def _later(moment: dt.datetime, seconds: float) -> dt.datetime:
    """``moment`` plus ``seconds``, stopping at the end of the calendar.

    Time never runs backwards: a negative ``seconds`` counts as zero.

    Raises:
        ValueError: ``seconds`` is NaN.
    """
    if math.isnan(seconds):
        raise ValueError("a duration cannot be NaN")
    seconds = max(seconds, 0.0)
    room = (_END_OF_TIME - moment).total_seconds()
    if seconds >= room:
        return max(moment, _END_OF_TIME)
    return moment + dt.timedelta(seconds=seconds)


class SandboxRejected(Exception):
    """Raised by `SandboxState.submit` when the send is refused."""

    def __init__(self, rejection: Rejection, detail: str | None = None) -> None:
        super().__init__(detail or rejection.text)
        self.rejection = rejection
        self.detail = detail or rejection.text


@attrs.define(kw_only=True)
class _Step:
    due: dt.datetime
    status: Status
    error_code: str | None = None


@attrs.define(kw_only=True)
class SandboxRecord:
    """The sandbox's mutable view of one outbound message."""

    id: str
    to: str
    sender: str
    body: str
    status: Status
    encoding: encoding.Encoding
    segments: int
    created_at: dt.datetime
    updated_at: dt.datetime
    client_ref: str | None
    status_callback: str | None
    steps: list[_Step]
    scheduled_at: dt.datetime | None = None
    price: Decimal | None = None
    error_code: str | None = None
    tag: str | None = None
    smart_encoded: bool = False
    part_ids: tuple[str, ...] | None = None

    @property
    def position(self) -> Position:
        """Where this record sits in a listing: newest first by this key."""
        return (self.created_at, self.id)

    def to_message(self) -> Message:
        """Snapshot this record as an immutable `Message`."""
        return Message(
            id=self.id,
            provider="sandbox",
            to=self.to,
            sender=self.sender,
            body=self.body,
            status=self.status,
            raw_status=self.status.value,
            encoding=self.encoding,
            segments=self.segments,
            created_at=self.created_at,
            updated_at=self.updated_at,
            client_ref=self.client_ref,
            scheduled_at=self.scheduled_at,
            price=self.price,
            currency=CURRENCY if self.price is not None else None,
            error_code=self.error_code,
        )


# A listing's sort key, (created_at, id): also where a page ends.
Position = tuple[dt.datetime, str]


@attrs.frozen(kw_only=True)
class SandboxPage:
    """One page of a listing.

    Attributes:
        records: The page's records, newest first.
        next_after: The last record's position when more records follow
            (pass it as ``after`` for the next page), else ``None``.
    """

    records: list[SandboxRecord]
    next_after: Position | None


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
    ) -> None:
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
                target = max(self._due_times(), default=self._now)
            else:
                target = _later(self._now, seconds)
            return self.advance_to(target)

    def advance_to(self, moment: dt.datetime) -> list[StatusEvent]:
        """Move time to ``moment`` (never backwards) and apply what is due."""
        with self._lock:
            happened = [self._apply(record, step) for record, step in self._due(moment)]
            self._now = max(self._now, moment)
            self.events.extend(happened)
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
                delivered by then ``expired`` (error 30036, like Twilio).
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
            steps = self._lifecycle(_within(self._fate_for(to), validity), start)
            if send_at is not None:
                steps.insert(0, _Step(due=start, status=Status.QUEUED))
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
                part_ids=_part_ids(message_id, info.segment_count) if parts else None,
            )
            self._records[record.id] = record
            return record

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
            event = self._event(record, error_code=None)
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

    def page(
        self,
        *,
        to: str | None = None,
        sender: str | None = None,
        sent_after: dt.datetime | None = None,
        sent_before: dt.datetime | None = None,
        page_size: int = 50,
        after: Position | None = None,
    ) -> SandboxPage:
        """One page of outbound records, newest first; changes nothing.

        Paging is by position, not offset: records created after the first
        page sort before it, so they never shift or repeat later pages.

        Args:
            to: Only records to this number.
            sender: Only records from this number.
            sent_after: Only records created at or after this moment.
            sent_before: Only records created before this moment.
            page_size: At most this many records (at least 1).
            after: The previous page's `SandboxPage.next_after`.

        Returns:
            The page.

        Raises:
            ValueError: ``page_size`` is below 1.
        """
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, not {page_size}")
        with self._lock:
            chosen = [
                record
                for record in self._records.values()
                if (to is None or record.to == to)
                and (sender is None or record.sender == sender)
                and (sent_after is None or record.created_at >= sent_after)
                and (sent_before is None or record.created_at < sent_before)
                and (after is None or record.position < after)
            ]
        chosen.sort(key=lambda record: record.position, reverse=True)
        records = chosen[:page_size]
        more = len(chosen) > page_size
        return SandboxPage(
            records=records, next_after=records[-1].position if more else None
        )

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

        STOP-type keywords opt ``from_`` out (later sends to it are refused like
        Twilio's 21610); START-type keywords opt it back in.

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
            if message.keyword in OPT_OUT_WORDS:
                self._opted_out.add(from_)
            elif message.keyword in OPT_IN_WORDS:
                self._opted_out.discard(from_)
            self.inbox.append(message)
        self._notify(message)
        return message

    # -- internals ----------------------------------------------------------

    def _check(self, *, to: str, body: str, sender: str | None) -> None:
        if not is_e164(to):
            raise SandboxRejected(Rejection.INVALID_TO, f"'to' {to!r} is not E.164")
        if not body:
            raise SandboxRejected(Rejection.MISSING_BODY)
        if len(body) > MAX_BODY_CHARACTERS:
            raise SandboxRejected(Rejection.BODY_TOO_LONG)
        sender_problem = MAGIC_SENDERS.get(sender or "")
        if sender_problem is not None:
            raise SandboxRejected(sender_problem)
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

    def _lifecycle(self, fate: Fate, at: dt.datetime) -> list[_Step]:
        steps = []
        if fate.final is not Status.FAILED:  # a failed message never reaches a carrier
            sent_at = _later(at, fate.sent_after)
            steps.append(_Step(due=sent_at, status=Status.SENT))
        steps.append(
            _Step(
                due=_later(at, fate.final_after),
                status=fate.final,
                error_code=fate.error_code,
            )
        )
        return steps

    def _new_id(self, prefix: str) -> str:
        self._issued += 1
        return f"{prefix}{self._issued:08x}{self._rng.getrandbits(96):024x}"

    def _due_times(self) -> list[dt.datetime]:
        return [step.due for record in self._records.values() for step in record.steps]

    def _due(self, moment: dt.datetime) -> list[tuple[SandboxRecord, _Step]]:
        due = [
            (record, step)
            for record in self._records.values()
            for step in record.steps
            if step.due <= moment
        ]
        # A stable sort keeps send order for steps due at the same moment.
        return sorted(due, key=lambda item: item[1].due)

    def _apply(self, record: SandboxRecord, step: _Step) -> StatusEvent:
        record.steps.remove(step)
        record.status = step.status
        record.updated_at = step.due
        record.error_code = step.error_code
        if step.status is Status.SENT:  # carriers bill what they were handed
            record.price = PRICE_PER_SEGMENT * record.segments
            self._balance -= record.price
        return self._event(record, error_code=step.error_code)

    def _event(self, record: SandboxRecord, *, error_code: str | None) -> StatusEvent:
        return StatusEvent(
            message_id=record.id,
            provider="sandbox",
            status=record.status,
            raw_status=record.status.value,
            occurred_at=record.updated_at,
            to=record.to,
            sender=record.sender,
            error_code=error_code,
            client_ref=record.client_ref,
            price=record.price,
            currency=CURRENCY if record.price is not None else None,
            raw=_event_payload(record),
        )

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


def _within(fate: Fate, validity: float | None) -> Fate:
    """The fate of a message whose validity period may run out first."""
    if validity is None or fate.final_after <= validity or fate.final is Status.FAILED:
        return fate
    return Fate(
        final=Status.EXPIRED,
        error_code="30036",
        sent_after=min(fate.sent_after, validity),
        final_after=validity,
    )


def _part_ids(message_id: str, segments: int) -> tuple[str, ...]:
    return tuple(f"{message_id}-{n}" for n in range(1, segments + 1))


def _event_payload(record: SandboxRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "status": record.status.value,
        "error_code": record.error_code,
        "updated_at": record.updated_at.isoformat(),
    }
