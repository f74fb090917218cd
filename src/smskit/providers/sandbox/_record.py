"""One outbound message in the sandbox, and the pure rules of its lifecycle.

`SandboxRecord` is the sandbox's mutable view of a message; `SandboxState`
(in `_state.py`) owns the records and moves them through their steps. Nothing
here takes a lock or reads a clock: every moment is passed in.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from smskit import encoding
from smskit._models import Message, Status, StatusEvent
from smskit.providers.sandbox._magic import (
    MAGIC_SENDERS,
    DeliveryError,
    Fate,
    Rejection,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "record_json",
    "CURRENCY",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_SENDER",
    "Listing",
    "MAX_BODY_CHARACTERS",
    "Position",
    "SandboxPage",
    "SandboxRecord",
    "SandboxRejected",
    "Step",
    "check_message",
    "due_steps",
    "is_e164",
    "later",
    "lifecycle",
    "part_ids_for",
    "within",
]

CURRENCY = "USD"
DEFAULT_SENDER = "+15005550006"
MAX_BODY_CHARACTERS = 1600
DEFAULT_PAGE_SIZE = 50

# ASCII digits only: \d would also accept "٣" and other scripts' digits.
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
# Sandbox time stops here rather than overflowing datetime (year 9999).
_END_OF_TIME = dt.datetime.max.replace(tzinfo=dt.timezone.utc) - dt.timedelta(days=1)

# A listing's sort key, (created_at, id): also where a page ends.
Position = tuple[dt.datetime, str]


def is_e164(number: str) -> bool:
    """Whether ``number`` has the E.164 shape the sandbox accepts as a recipient."""
    return _E164.fullmatch(number) is not None


class SandboxRejected(Exception):
    """Raised by `SandboxState.submit` when the send is refused."""

    def __init__(self, rejection: Rejection, detail: str | None = None) -> None:
        super().__init__(detail or rejection.text)
        self.rejection = rejection
        self.detail = detail or rejection.text


def check_message(*, body: str, sender: str | None) -> None:
    """Check what a send asks of every recipient alike: its body and sender.

    Raises:
        SandboxRejected: The body is empty or too long, or the sender is refused.
    """
    if not body:
        raise SandboxRejected(Rejection.MISSING_BODY)
    if len(body) > MAX_BODY_CHARACTERS:
        raise SandboxRejected(Rejection.BODY_TOO_LONG)
    sender_problem = MAGIC_SENDERS.get(sender or "")
    if sender_problem is not None:
        raise SandboxRejected(sender_problem)


def later(moment: dt.datetime, seconds: float) -> dt.datetime:
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


@attrs.define(kw_only=True)
class Step:
    """One status change a record has yet to go through, and when."""

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
    steps: list[Step]
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
            smart_encoded=self.smart_encoded,
            part_ids=self.part_ids or (),
            created_at=self.created_at,
            updated_at=self.updated_at,
            client_ref=self.client_ref,
            scheduled_at=self.scheduled_at,
            price=self.price,
            currency=CURRENCY if self.price is not None else None,
            error_code=self.error_code,
        )

    def to_event(self, *, error_code: str | None) -> StatusEvent:
        """The status event for this record's current status."""
        return StatusEvent(
            message_id=self.id,
            provider="sandbox",
            status=self.status,
            raw_status=self.status.value,
            occurred_at=self.updated_at,
            to=self.to,
            sender=self.sender,
            error_code=error_code,
            client_ref=self.client_ref,
            price=self.price,
            currency=CURRENCY if self.price is not None else None,
            raw=_event_payload(self),
        )


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


def _at_least_one(listing: Listing, _: object, value: int) -> None:
    if value < 1:
        raise ValueError(f"page_size must be at least 1, not {value}")


@attrs.frozen(kw_only=True)
class Listing:
    """Which outbound records a listing asks for, and which page of them.

    Paging is by position, not offset: records created after the first page
    sort before it, so they never shift or repeat later pages.

    Attributes:
        to: Only records to this number.
        sender: Only records from this number.
        sent_after: Only records created at or after this moment.
        sent_before: Only records created before this moment.
        page_size: At most this many records (at least 1, else `ValueError`).
        after: The previous page's `SandboxPage.next_after`.
    """

    to: str | None = None
    sender: str | None = None
    sent_after: dt.datetime | None = None
    sent_before: dt.datetime | None = None
    page_size: int = attrs.field(default=DEFAULT_PAGE_SIZE, validator=_at_least_one)
    after: Position | None = None

    def includes(self, record: SandboxRecord) -> bool:
        """Whether ``record`` passes the filters and lies beyond ``after``."""
        return (
            (self.to is None or record.to == self.to)
            and (self.sender is None or record.sender == self.sender)
            and (self.sent_after is None or record.created_at >= self.sent_after)
            and (self.sent_before is None or record.created_at < self.sent_before)
            and (self.after is None or record.position < self.after)
        )

    def page(self, records: list[SandboxRecord]) -> SandboxPage:
        """This listing's page of ``records``, newest first."""
        chosen = sorted(
            filter(self.includes, records),
            key=lambda record: record.position,
            reverse=True,
        )
        shown = chosen[: self.page_size]
        more = len(chosen) > self.page_size
        return SandboxPage(
            records=shown, next_after=shown[-1].position if more else None
        )


def lifecycle(fate: Fate, at: dt.datetime) -> list[Step]:
    """The steps of a message accepted (or let out of its schedule) ``at``."""
    steps = []
    if fate.final is not Status.FAILED:  # a failed message never reaches a carrier
        sent_at = later(at, fate.sent_after)
        steps.append(Step(due=sent_at, status=Status.SENT))
    steps.append(
        Step(
            due=later(at, fate.final_after),
            status=fate.final,
            error_code=fate.error_code,
        )
    )
    return steps


def due_steps(
    records: Iterable[SandboxRecord], moment: dt.datetime | None = None
) -> list[tuple[SandboxRecord, Step]]:
    """Every step of ``records`` due by ``moment`` (every step if ``None``).

    In time order; a stable sort keeps send order for steps due together.
    """
    due = [
        (record, step)
        for record in records
        for step in record.steps
        if moment is None or step.due <= moment
    ]
    return sorted(due, key=lambda item: item[1].due)


def within(fate: Fate, validity: float | None) -> Fate:
    """The fate of a message whose validity period may run out first."""
    if validity is None or fate.final_after <= validity or fate.final is Status.FAILED:
        return fate
    return Fate(
        final=Status.EXPIRED,
        error_code=DeliveryError.EXPIRED.value,
        sent_after=min(fate.sent_after, validity),
        final_after=validity,
    )


def part_ids_for(message_id: str, segments: int) -> tuple[str, ...]:
    """The ids of a message sent in parts: ``<id>-1``, ``<id>-2``..."""
    return tuple(f"{message_id}-{n}" for n in range(1, segments + 1))


def _event_payload(record: SandboxRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "status": record.status.value,
        "error_code": record.error_code,
        "updated_at": record.updated_at.isoformat(),
    }


def record_json(record: SandboxRecord) -> dict[str, Any]:
    """A message as the sandbox shows it, in its API and the emulator's outbox."""
    return {
        "id": record.id,
        "to": record.to,
        "from": record.sender,
        "body": record.body,
        "status": record.status.value,
        "encoding": record.encoding.value,
        "segments": record.segments,
        "created_at": record.created_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
        "client_ref": record.client_ref,
        "price": None if record.price is None else str(record.price),
        "currency": CURRENCY,
        "error_code": record.error_code,
        "scheduled_at": None
        if record.scheduled_at is None
        else record.scheduled_at.isoformat(),
        "part_ids": None if record.part_ids is None else list(record.part_ids),
        "tag": record.tag,
        "smart_encoded": record.smart_encoded,
    }
