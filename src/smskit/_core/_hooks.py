"""Callbacks that let applications watch the engine work."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from collections.abc import Callable

    import httpx

    from smskit._exceptions import SmsKitError

__all__ = ["GiveUpInfo", "Hooks", "RetryInfo"]


@attrs.frozen(kw_only=True)
class RetryInfo:
    """What `Hooks.on_retry` is told before smskit waits and tries again.

    Attributes:
        provider: The provider's name.
        operation: ``"send"`` or ``"fetch"``.
        attempt: The attempt that just failed (1 for the first).
        delay: Seconds smskit waits before the next attempt.
        error: Why the attempt failed.
    """

    provider: str
    operation: str
    attempt: int
    delay: float
    error: SmsKitError


@attrs.frozen(kw_only=True)
class GiveUpInfo:
    """What `Hooks.on_give_up` is told when smskit stops trying.

    Attributes:
        provider: The provider's name.
        operation: ``"send"`` or ``"fetch"``.
        attempts: How many requests were made.
        error: The error about to be raised.
    """

    provider: str
    operation: str
    attempts: int
    error: SmsKitError


@attrs.frozen(kw_only=True)
class Hooks:
    """Optional callbacks, called synchronously from the engine.

    Requests carry credentials in their headers: a hook that logs requests
    must leave ``Authorization`` out.

    Attributes:
        on_request: Called with each `httpx.Request` before it is sent.
        on_response: Called with each `httpx.Response` received.
        on_retry: Called with a `RetryInfo` before each retry.
        on_give_up: Called with a `GiveUpInfo` before the final error is raised.
    """

    on_request: Callable[[httpx.Request], object] | None = None
    on_response: Callable[[httpx.Response], object] | None = None
    on_retry: Callable[[RetryInfo], object] | None = None
    on_give_up: Callable[[GiveUpInfo], object] | None = None
