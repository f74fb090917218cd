"""Run a flow with blocking I/O: ``httpx.Client`` and ``time.sleep``."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import httpx

from smskit._core._flow import Command, Outcome, Pause, Reserve, Send, Sleep
from smskit._exceptions import LimiterUnavailable

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
            try:
                outcome = _limit(limiter, command)
            except LimiterUnavailable as error:
                outcome = error


def _limit(limiter: Limiter | None, command: Reserve | Pause) -> float | None:
    if limiter is None:
        raise AssertionError("the flow asked for a rate limiter the client lacks")
    if isinstance(command, Reserve):
        return limiter.reserve(command.key, command.cost)
    limiter.pause(command.key, command.seconds)
    return None
