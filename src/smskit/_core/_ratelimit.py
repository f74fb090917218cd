"""Rate limiting: the interface the executors draw capacity from."""

from __future__ import annotations

from typing import Protocol

__all__ = ["Limiter"]


class Limiter(Protocol):
    """Something that hands out send capacity, locally or shared.

    ``reserve`` commits the reservation at once and returns how long the
    caller must wait before using it, so it never holds a lock while waiting.
    """

    def reserve(self, key: str, cost: float) -> float:
        """Take ``cost`` tokens from bucket ``key``; return seconds to wait."""
        ...

    async def areserve(self, key: str, cost: float) -> float:
        """Async twin of `reserve` (for limiters that talk to a server)."""
        ...
