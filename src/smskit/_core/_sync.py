"""Run a flow with blocking I/O: ``httpx.Client`` and ``time.sleep``."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import httpx

from smskit._core._flow import Command, Outcome, Reserve, Send, Sleep

if TYPE_CHECKING:
    from collections.abc import Callable, Generator

    from smskit._core._ratelimit import Limiter

__all__ = ["run_sync"]

T = TypeVar("T")


def run_sync(
    flow: Generator[Command, Outcome, T],
    *,
    client: httpx.Client,
    sleep: Callable[[float], None],
    limiter: Limiter | None,
) -> T:
    """Drive ``flow`` to completion and return its result."""
    outcome: Outcome = None
    while True:
        try:
            command = flow.send(outcome)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return] # StopIteration is untyped
        if isinstance(command, Send):
            try:
                outcome = client.send(command.request)
            except httpx.TransportError as error:
                outcome = error
        elif isinstance(command, Sleep):
            sleep(command.seconds)
            outcome = None
        else:
            outcome = _reserve(limiter, command)


def _reserve(limiter: Limiter | None, command: Reserve) -> float:
    return 0.0 if limiter is None else limiter.reserve(command.key, command.cost)
