"""Where `WebhookHandler` keeps what it must remember between requests.

A store offers a few operations, each atomic on its own, so that two workers
handling the same event never both act on it: a claim that only one caller
wins, a compare-and-set for the last status of a message, and a group of
message parts that is handed out whole exactly once. `MemoryStore` serves one
process; `RedisStore` (``pip install 'smskit-sdk[redis]'``) serves many.

Times are seconds since the epoch from the handler's clock (``now``), and
lifetimes are seconds (``ttl``), so a test can move time on.
"""

from __future__ import annotations

import threading
from typing import Protocol, runtime_checkable

import attrs

from smskit import _checks as checks
from smskit._exceptions import WebhookStoreUnavailable

__all__ = ["MemoryStore", "PartGroup", "Store", "WebhookStoreUnavailable"]


@attrs.frozen(kw_only=True)
class PartGroup:
    """The parts of one long inbound message that a store handed out.

    Attributes:
        group: The group's key (see `Store.add_part`).
        parts: The stored data of each part, in part-number order.
    """

    group: str
    parts: tuple[str, ...]


@runtime_checkable
class Store(Protocol):
    """The atomic operations `WebhookHandler` needs from a store.

    Keys are strings `WebhookHandler` makes (JSON arrays, never a phone
    number or a body); values are short strings. Every method must be safe to
    call from several threads (and, for a shared store, several processes) at
    once.
    """

    def claim(self, key: str, *, ttl: float, now: float) -> bool:
        """Mark ``key`` as taken for ``ttl`` seconds, unless it already is.

        Returns:
            ``True`` for the one caller that took it, ``False`` for the others.
        """
        ...

    def release(self, key: str) -> None:
        """Forget a claim (or any value) kept under ``key``."""
        ...

    def get(self, key: str, *, now: float) -> str | None:
        """The value kept under ``key``, or ``None`` (absent or expired)."""
        ...

    def put(self, key: str, value: str, *, ttl: float, now: float) -> None:
        """Keep ``value`` under ``key`` for ``ttl`` seconds."""
        ...

    def compare_and_set(
        self, key: str, expected: str | None, value: str, *, ttl: float, now: float
    ) -> bool:
        """Replace the value under ``key`` by ``value`` if it is still ``expected``.

        ``expected=None`` means "only if there is no value".

        Returns:
            Whether the value was replaced.
        """
        ...

    def add_part(
        self,
        group: str,
        number: int,
        count: int,
        data: str,
        *,
        ttl: float,
        now: float,
    ) -> PartGroup | int:
        """Store part ``number`` of ``count`` of the message ``group``.

        Storing a part again replaces it. The first part stored starts the
        group's wait (see `take_expired`).

        Returns:
            The whole group, removed from the store, when this part completes
            it (only one caller ever gets it); otherwise how many of its parts
            are stored now.
        """
        ...

    def take_expired(self, *, before: float, now: float) -> tuple[PartGroup, ...]:
        """Remove and return every group whose first part arrived before ``before``."""
        ...


@attrs.define
class _Group:
    started: float
    expires: float
    parts: dict[int, str] = attrs.field(factory=dict)


class MemoryStore:
    """A store in this process's memory, safe to share between threads.

    Entries expire by the handler's clock. Use one store per process; for
    several processes or hosts, use `RedisStore`.

    Args:
        max_entries: How many claims and values to keep at most; past it the
            ones closest to expiry are dropped first (a bound on memory when
            a flood of distinct events arrives).
    """

    def __init__(self, *, max_entries: int = 100_000) -> None:
        self._max_entries = int(
            checks.number(
                "MemoryStore max_entries",
                max_entries,
                minimum=1,
                inclusive=True,
                integer=True,
            )
        )
        self._lock = threading.Lock()
        # key -> (value, expires at)
        self._values: dict[str, tuple[str, float]] = {}
        self._groups: dict[str, _Group] = {}

    def __repr__(self) -> str:
        with self._lock:
            return (
                f"<MemoryStore values={len(self._values)} groups={len(self._groups)}>"
            )

    def claim(self, key: str, *, ttl: float, now: float) -> bool:
        """See `Store.claim`."""
        with self._lock:
            if self._live(key, now) is not None:
                return False
            self._set(key, "1", ttl, now)
            return True

    def release(self, key: str) -> None:
        """See `Store.release`."""
        with self._lock:
            self._values.pop(key, None)

    def get(self, key: str, *, now: float) -> str | None:
        """See `Store.get`."""
        with self._lock:
            return self._live(key, now)

    def put(self, key: str, value: str, *, ttl: float, now: float) -> None:
        """See `Store.put`."""
        with self._lock:
            self._set(key, value, ttl, now)

    def compare_and_set(
        self, key: str, expected: str | None, value: str, *, ttl: float, now: float
    ) -> bool:
        """See `Store.compare_and_set`."""
        with self._lock:
            if self._live(key, now) != expected:
                return False
            self._set(key, value, ttl, now)
            return True

    def add_part(
        self,
        group: str,
        number: int,
        count: int,
        data: str,
        *,
        ttl: float,
        now: float,
    ) -> PartGroup | int:
        """See `Store.add_part`."""
        with self._lock:
            stored = self._groups.get(group)
            if stored is None or stored.expires <= now:
                stored = self._groups[group] = _Group(started=now, expires=now + ttl)
            stored.parts[number] = data
            if len(stored.parts) < count:
                return len(stored.parts)
            del self._groups[group]
            return _handed_out(group, stored)

    def take_expired(self, *, before: float, now: float) -> tuple[PartGroup, ...]:
        """See `Store.take_expired`."""
        with self._lock:
            taken = []
            for group, stored in list(self._groups.items()):
                if stored.expires <= now:
                    del self._groups[group]  # kept too long: dropped, not joined
                elif stored.started < before:
                    del self._groups[group]
                    taken.append(_handed_out(group, stored))
            return tuple(taken)

    def _live(self, key: str, now: float) -> str | None:
        entry = self._values.get(key)
        if entry is None:
            return None
        if entry[1] <= now:
            del self._values[key]
            return None
        return entry[0]

    def _set(self, key: str, value: str, ttl: float, now: float) -> None:
        self._values[key] = (value, now + ttl)
        if len(self._values) > self._max_entries:
            self._shrink(now)

    def _shrink(self, now: float) -> None:
        """Drop expired entries, then those nearest expiry, to a tenth below the cap."""
        for key in [
            key for key, (_, expires) in self._values.items() if expires <= now
        ]:
            del self._values[key]
        excess = len(self._values) - int(self._max_entries * 0.9)
        if excess > 0:
            by_expiry = sorted(self._values.items(), key=lambda item: item[1][1])
            for key, _ in by_expiry[:excess]:
                del self._values[key]


def _handed_out(group: str, stored: _Group) -> PartGroup:
    return PartGroup(
        group=group,
        parts=tuple(stored.parts[number] for number in sorted(stored.parts)),
    )
