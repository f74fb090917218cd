"""Run a flow with async I/O: ``httpx.AsyncClient`` and ``anyio.sleep``."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import httpx

from smskit._core._flow import Command, Outcome, Pause, Reserve, Send, Sleep
from smskit._exceptions import LimiterUnavailable

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Generator

    from smskit._core._ratelimit import Limiter

__all__ = ["run_async"]

T = TypeVar("T")


async def run_async(
    flow: Generator[Command, Outcome, T],
    *,
    client: httpx.AsyncClient,
    sleep: Callable[[float], Awaitable[None]],
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
                outcome = await client.send(command.request)
            except httpx.TransportError as error:
                outcome = error
        elif isinstance(command, Sleep):
            await sleep(command.seconds)
            outcome = None
        else:
            try:
                outcome = await _limit(limiter, command)
            except LimiterUnavailable as error:
                outcome = error


async def _limit(limiter: Limiter | None, command: Reserve | Pause) -> float | None:
    if limiter is None:
        raise AssertionError("the flow asked for a rate limiter the client lacks")
    if isinstance(command, Reserve):
        return await limiter.areserve(command.key, command.cost)
    await limiter.apause(command.key, command.seconds)
    return None
