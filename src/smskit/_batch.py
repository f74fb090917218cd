"""Planning a batch send: one outcome per recipient, in the caller's order.

`BatchPlan` checks the recipients (a number that cannot be read gets its
error as its outcome and is not sent), cuts the rest into requests of at most
the provider's `max_batch_size`, and collects one `BatchResult` for every
recipient given, whatever happens to each request. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from smskit._exceptions import (
    ArgumentTypeError,
    InvalidInput,
    InvalidMessage,
    SmsKitError,
)
from smskit.providers._protocol import BatchResult, OutgoingBatch

if TYPE_CHECKING:
    from collections.abc import Callable

    from smskit.providers._protocol import OutgoingMessage

__all__ = ["BatchChunk", "BatchPlan", "recipients_of"]


@attrs.frozen
class BatchChunk:
    """One request of a batch: which inputs it carries, and what it sends."""

    positions: tuple[int, ...]
    batch: OutgoingBatch


class BatchPlan:
    """The requests a batch needs, and the outcome of every recipient given.

    Args:
        given: The recipients as the caller gave them.
        normalize: Turns one into E.164, or raises `InvalidInput`.
        template: Builds the message (everything but the recipients) for a
            first recipient; called once.
        max_size: The most recipients one request may carry.
    """

    def __init__(
        self,
        given: Sequence[str],
        *,
        normalize: Callable[[str], str],
        template: Callable[[str], OutgoingMessage],
        max_size: int,
    ) -> None:
        self.given = tuple(given)
        self._results: list[BatchResult | None] = [None] * len(self.given)
        valid: list[tuple[int, str]] = []
        for position, number in enumerate(self.given):
            try:
                valid.append((position, normalize(number)))
            except InvalidInput as error:
                self._results[position] = BatchResult(to=number, error=error)
        self.chunks: tuple[BatchChunk, ...] = ()
        if valid:
            message = template(valid[0][1])
            self.chunks = tuple(
                BatchChunk(
                    positions=tuple(position for position, _ in part),
                    batch=OutgoingBatch(
                        recipients=tuple(number for _, number in part),
                        message=message,
                    ),
                )
                for part in _parts(valid, max_size)
            )

    def record(self, chunk: BatchChunk, results: Sequence[BatchResult]) -> None:
        """Take a request's per-recipient results (in the request's order)."""
        for position, result in zip(chunk.positions, results, strict=True):
            self._results[position] = attrs.evolve(result, to=self.given[position])

    def fail(self, chunk: BatchChunk, error: SmsKitError) -> None:
        """Give every recipient of a request that failed as a whole its error."""
        for position in chunk.positions:
            self._results[position] = BatchResult(to=self.given[position], error=error)

    def results(self) -> tuple[BatchResult, ...]:
        """One result per recipient given, in the same order."""
        done = [result for result in self._results if result is not None]
        if len(done) != len(self._results):
            raise AssertionError("a batch recipient was left without an outcome")
        return tuple(done)


def recipients_of(value: object) -> tuple[str, ...]:
    """Check the ``to`` of a batch: a non-empty sequence of strings.

    Raises:
        ArgumentTypeError: Not a sequence of strings (a lone string included,
            which would otherwise be read character by character).
        InvalidMessage: Empty.
    """
    if isinstance(value, str) or not isinstance(value, Sequence):
        message = f"to must be a list of numbers, not {type(value).__name__}"
        raise ArgumentTypeError(message)
    for item in value:
        if not isinstance(item, str):
            message = f"every recipient must be a str, not {type(item).__name__}"
            raise ArgumentTypeError(message)
    if not value:
        raise InvalidMessage("to is empty: a batch needs at least one recipient")
    return tuple(value)


def _parts(items: list[tuple[int, str]], size: int) -> list[list[tuple[int, str]]]:
    return [items[start : start + size] for start in range(0, len(items), size)]
