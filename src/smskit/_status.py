"""smskit's delivery status, and the rules that combine reports of it.

Two rules live here. `Status.merge` folds one more report into a status, so
that late or repeated delivery receipts never move a message backwards.
`combine_parts` gives the status of a message sent in parts (Vonage reports
each segment on its own) from the status of each part.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from smskit._exceptions import UnknownStatus

__all__ = ["Status", "combine_parts", "moves_forward"]


class Status(str, enum.Enum):
    """smskit's delivery status, the same for every provider.

    Providers' own statuses map into these (see the provider guides); the
    provider's original word stays on ``raw_status``.
    """

    SCHEDULED = "scheduled"
    """Accepted for sending at a later time."""
    QUEUED = "queued"
    """Accepted by the provider, not yet handed to a carrier."""
    SENDING = "sending"
    """Being handed to a carrier, or buffered by it."""
    SENT = "sent"
    """Handed to a carrier; no delivery receipt yet."""
    DELIVERED = "delivered"
    """The carrier confirmed delivery to the handset."""
    READ = "read"
    """The recipient read it (chat channels only)."""
    UNDELIVERED = "undelivered"
    """The carrier reported that delivery failed."""
    REJECTED = "rejected"
    """A carrier refused the message."""
    EXPIRED = "expired"
    """The validity period ran out before delivery."""
    FAILED = "failed"
    """The message could not be sent at all."""
    CANCELED = "canceled"
    """A scheduled message was canceled before sending."""
    RECEIVED = "received"
    """An inbound message arrived."""
    UNKNOWN = "unknown"
    """The provider does not know (or did not say) what happened."""

    def __str__(self) -> str:
        return self.value

    @property
    def is_final(self) -> bool:
        """Whether no further status change is expected."""
        return self in _FINAL

    @classmethod
    def parse(cls, value: Status | str) -> Status:
        """Turn a status name into a `Status`.

        Args:
            value: A `Status`, or its value such as ``"delivered"``
                (case and surrounding spaces are ignored).

        Returns:
            The matching status.

        Raises:
            UnknownStatus: ``value`` is not one of smskit's statuses.
        """
        if isinstance(value, Status):
            return value
        if isinstance(value, str):
            try:
                return cls(value.strip().lower())
            except ValueError:
                pass
        known = ", ".join(status.value for status in cls)
        message = f"unknown message status {value!r}; expected one of: {known}"
        raise UnknownStatus(message, value=value)

    def merge(self, newer: Status) -> Status:
        """Return the status a message has after an event reporting ``newer``.

        Events arrive late and out of order, so a final status never regresses:
        a "sent" that arrives after "delivered" is ignored. The one move allowed
        out of a final status is "delivered" to "read", which only adds
        information. ``unknown`` never replaces a known status.

        Args:
            newer: The status an incoming event reports.

        Returns:
            The status to keep.
        """
        if self.is_final:
            return newer if (self, newer) == (Status.DELIVERED, Status.READ) else self
        if newer is Status.UNKNOWN:
            return self
        if self is Status.UNKNOWN or newer.is_final:
            return newer
        return newer if _PROGRESS[newer] > _PROGRESS[self] else self


_FINAL = frozenset(
    {
        Status.DELIVERED,
        Status.READ,
        Status.UNDELIVERED,
        Status.REJECTED,
        Status.EXPIRED,
        Status.FAILED,
        Status.CANCELED,
        Status.RECEIVED,
    }
)
# How far along the way to a handset each non-final status is.
_PROGRESS = {
    Status.UNKNOWN: -1,
    Status.SCHEDULED: 0,
    Status.QUEUED: 1,
    Status.SENDING: 2,
    Status.SENT: 3,
}
# Every final status but delivered and read means the whole text did not
# arrive. When parts end differently, the message shows the most severe: a
# fixed order, so the outcome does not depend on which receipt came first.
_SEVERITY = {
    Status.RECEIVED: 0,  # not an outbound status; the least telling
    Status.CANCELED: 1,
    Status.EXPIRED: 2,
    Status.UNDELIVERED: 3,
    Status.REJECTED: 4,
    Status.FAILED: 5,
}


def combine_parts(parts: Sequence[Status]) -> Status:
    """Return the status of a message sent in parts, from its parts' statuses.

    A failed part wins (the most severe, when several failed: ``failed``,
    then ``rejected``, ``undelivered``, ``expired``, ``canceled``). Otherwise
    a part still under way holds the message back to the least advanced such
    part. Only when every part arrived is the message ``delivered`` (``read``
    once every part was read).

    Args:
        parts: The status of each part; at least one.

    Returns:
        The status of the whole message.

    Raises:
        ValueError: ``parts`` is empty.
    """
    if not parts:
        raise ValueError("a message in parts has at least one part")
    failed = [status for status in parts if status in _SEVERITY]
    if failed:
        return max(failed, key=_SEVERITY.__getitem__)
    pending = [status for status in parts if not status.is_final]
    if pending:
        return min(pending, key=_PROGRESS.__getitem__)
    return Status.DELIVERED if Status.DELIVERED in parts else Status.READ


def moves_forward(old: Status, new: Status) -> bool:
    """Whether a message may go from ``old`` to ``new``.

    The moves `Status.merge` allows, plus one: a failed message may show a
    more severe failure once another of its parts fails that way (see
    `combine_parts`).

    Args:
        old: The status the message has.
        new: The status proposed for it.

    Returns:
        ``True`` when ``new`` is ``old`` or a step forward from it.
    """
    if old.merge(new) is new:
        return True
    return old in _SEVERITY and new in _SEVERITY and _SEVERITY[new] > _SEVERITY[old]
