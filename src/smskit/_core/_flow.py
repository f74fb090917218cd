"""The one place where smskit decides what happens to a request.

`call_flow` is a generator in the style of httpx's auth flow: it yields
commands (`Reserve` rate-limit capacity, `Send` this request, `Sleep` this
long) and is sent back what happened (a wait time, an `httpx.Response` or an
`httpx.TransportError`). It never performs I/O itself, so tests drive it by
hand and two tiny executors (`_sync`, `_async`) run it for real.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable, Generator
from typing import TypeVar

import httpx

from smskit._core._hooks import GiveUpInfo, Hooks, RetryInfo
from smskit._core._operation import (
    Command,
    Effect,
    Operation,
    Outcome,
    Pause,
    Reserve,
    Send,
    SendContext,
    Sleep,
)
from smskit._core._policy import RetryPolicy
from smskit._exceptions import (
    AuthenticationError,
    ConnectError,
    DeliveryUnknown,
    InsufficientFunds,
    LimiterUnavailable,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    SmsKitError,
    TransportError,
    TransportTimeout,
)
from smskit._redact import mask_body, mask_phone, safe_url

__all__ = [
    "Command",
    "Effect",
    "Operation",
    "Outcome",
    "Pause",
    "Reserve",
    "Send",
    "SendContext",
    "Sleep",
    "call_flow",
]

logger = logging.getLogger("smskit")
NO_HOOKS = Hooks()

T = TypeVar("T")


# httpx errors raised before any byte of the request left this machine.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def call_flow(
    operation: Operation[T],
    *,
    policy: RetryPolicy,
    clock: Callable[[], float],
    rng: random.Random | None = None,
    hooks: Hooks = NO_HOOKS,
    redact: bool = True,
    wall_clock: Callable[[], dt.datetime] | None = None,
) -> Generator[Command, Outcome, T]:
    """Run one operation: reserve, attempt, classify, back off, give up.

    Args:
        operation: What to send and how to read the answer.
        policy: When to retry.
        clock: Monotonic seconds, for the policy's deadline.
        rng: Source of jitter (a seeded one makes backoffs reproducible).
        hooks: Callbacks to tell about requests, responses and retries.
        redact: Mask phone numbers and bodies in log records.
        wall_clock: The time of day (aware), to stamp a `DeliveryUnknown`
            with when its attempts were made; UTC now by default.

    Yields:
        Commands for the executor.

    Returns:
        The parsed result of the first successful attempt.

    Raises:
        SmsKitError: The last real error once retrying stops; `DeliveryUnknown`
            when a send may have reached the provider.
    """
    rng = rng or random.Random()  # noqa: S311 -- jitter, not cryptography
    started = clock()
    attempt = 0
    # When the attempts were made, for a search of the provider's records.
    window = _Window(wall_clock or _utc_now)
    # Once one attempt may have reached the provider, the SMS may be out: every
    # later failure, even a clean "not sent", ends in DeliveryUnknown.
    ambiguous = False
    while True:
        attempt += 1
        if operation.limit_key is not None:
            wait = yield Reserve(operation.limit_key, operation.cost)
            _check_limiter(
                wait, operation, attempt - 1, hooks, ambiguous=ambiguous, window=window
            )
            if isinstance(wait, float) and wait > 0:
                yield Sleep(wait)
        request = operation.build()
        _log_request(operation, request, attempt, redact)
        if hooks.on_request is not None:
            hooks.on_request(request)
        window.start()
        outcome = yield Send(request)
        window.end()
        if isinstance(outcome, httpx.Response):
            _log_response(operation, outcome)
            if hooks.on_response is not None:
                hooks.on_response(outcome)
        try:
            return _parse(operation, outcome)
        except SmsKitError as error:
            ambiguous = ambiguous or _is_ambiguous(error, operation)
            delay = _retry_delay(error, operation, policy, attempt, rng)
            past_deadline = (
                delay is not None
                and policy.deadline is not None
                and clock() + delay - started > policy.deadline
            )
            if delay is None or past_deadline or attempt >= policy.max_attempts:
                successor = _successor(operation, error, attempt, ambiguous=ambiguous)
                if successor is not None:
                    operation, attempt = successor, 0
                    continue
                final = _final_error(
                    error, operation, attempt, ambiguous=ambiguous, window=window
                )
                _give_up(operation, attempt, final, hooks)
                raise final  # noqa: B904 -- the cause is already on the error
            _announce_retry(operation, attempt, delay, error, hooks)
            throttled = isinstance(error, RateLimited)
        if throttled and operation.limit_key is not None:
            # Everyone sharing the bucket waits, not just this caller.
            paused = yield Pause(operation.limit_key, delay)
            _check_limiter(
                paused, operation, attempt, hooks, ambiguous=ambiguous, window=window
            )
        yield Sleep(delay)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class _Window:
    """When the first attempt started and the last one ended, by the wall clock.

    A `DeliveryUnknown` carries both, so a search of the provider's records
    knows when the message can have been accepted.
    """

    def __init__(self, wall_clock: Callable[[], dt.datetime]) -> None:
        self._wall_clock = wall_clock
        self.first: dt.datetime | None = None
        self.last: dt.datetime | None = None

    def start(self) -> None:
        if self.first is None:
            self.first = self._wall_clock()

    def end(self) -> None:
        self.last = self._wall_clock()


def _log_request(
    operation: Operation[T], request: httpx.Request, attempt: int, redact: bool
) -> None:
    if not logger.isEnabledFor(logging.DEBUG):
        return
    raw_body = None if operation.send is None else operation.send.body
    to = mask_phone(operation.to) if redact else operation.to
    body = mask_body(raw_body) if redact else raw_body
    logger.debug(
        "%s %s %s attempt %d%s",
        operation.provider,
        request.method,
        safe_url(request.url),
        attempt,
        f" to {to}" if to else "",
        extra={
            "smskit_event": "request",
            "smskit_provider": operation.provider,
            "smskit_operation": operation.name,
            "smskit_attempt": attempt,
            "smskit_to": to,
            "smskit_body": body,
        },
    )


def _log_response(operation: Operation[T], response: httpx.Response) -> None:
    if not logger.isEnabledFor(logging.DEBUG):
        return  # skip building the record's extras on every send
    logger.debug(
        "%s answered HTTP %d",
        operation.provider,
        response.status_code,
        extra={
            "smskit_event": "response",
            "smskit_provider": operation.provider,
            "smskit_operation": operation.name,
            "smskit_status": response.status_code,
        },
    )


def _announce_retry(
    operation: Operation[T],
    attempt: int,
    delay: float,
    error: SmsKitError,
    hooks: Hooks,
) -> None:
    logger.info(
        "%s %s attempt %d failed (%s); retrying in %.2fs",
        operation.provider,
        operation.name,
        attempt,
        type(error).__name__,
        delay,
        extra={
            "smskit_event": "retry",
            "smskit_provider": operation.provider,
            "smskit_operation": operation.name,
            "smskit_attempt": attempt,
            "smskit_delay": delay,
            "smskit_error": type(error).__name__,
        },
    )
    if hooks.on_retry is not None:
        hooks.on_retry(
            RetryInfo(
                provider=operation.provider,
                operation=operation.name,
                attempt=attempt,
                delay=delay,
                error=error,
            )
        )


def _give_up(
    operation: Operation[T], attempts: int, error: SmsKitError, hooks: Hooks
) -> None:
    # The caller receives this error as an exception: logging it at WARNING
    # too would print it a second time (on stderr, with no logging set up).
    logger.info(
        "%s %s failed after %d attempt(s): %s",
        operation.provider,
        operation.name,
        attempts,
        type(error).__name__,
        extra={
            "smskit_event": "give_up",
            "smskit_provider": operation.provider,
            "smskit_operation": operation.name,
            "smskit_attempt": attempts,
            "smskit_error": type(error).__name__,
        },
    )
    if hooks.on_give_up is not None:
        hooks.on_give_up(
            GiveUpInfo(
                provider=operation.provider,
                operation=operation.name,
                attempts=attempts,
                error=error,
            )
        )


def _check_limiter(
    outcome: Outcome,
    operation: Operation[T],
    attempts: int,
    hooks: Hooks,
    *,
    ambiguous: bool,
    window: _Window,
) -> None:
    """Give up if the rate limiter could not be asked: smskit fails closed.

    Nothing is sent without a reservation; but when an earlier attempt may
    have reached the provider, "nothing was sent" would be wrong, so the
    limiter's error becomes the cause of a `DeliveryUnknown`.
    """
    if not isinstance(outcome, LimiterUnavailable):
        return
    final = _final_error(
        outcome, operation, attempts, ambiguous=ambiguous, window=window
    )
    _give_up(operation, attempts, final, hooks)
    raise final


def _parse(operation: Operation[T], outcome: Outcome) -> T:
    if isinstance(outcome, httpx.TransportError):
        raise _translate(outcome, operation.provider) from outcome
    if not isinstance(outcome, httpx.Response):
        raise TypeError(f"executor sent {outcome!r} in reply to Send")
    return operation.parse(outcome)


def _translate(error: httpx.TransportError, provider: str) -> TransportError:
    """Turn an httpx transport error into smskit's, keeping its text."""
    text = f"{provider}: {type(error).__name__}: {error}".rstrip(": ")
    if isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout)):
        return ConnectError(text, provider=provider)
    if isinstance(error, httpx.TimeoutException):
        return TransportTimeout(text, provider=provider)
    return TransportError(text, provider=provider)


def _is_ambiguous(error: SmsKitError, operation: Operation[T]) -> bool:
    """Whether the provider may have acted on a write or send that failed."""
    if operation.effect == "read":
        return False
    if isinstance(error, TransportError):
        return not isinstance(error.__cause__, _NOT_SENT)
    # A provider that knows a 5xx was not processed marks it retryable.
    return isinstance(error, ProviderUnavailable) and not error.retryable


def _proves_not_accepted(error: SmsKitError) -> bool:
    """Whether ``error`` proves the provider did not take the request at all.

    Refused credentials or an empty account, no connection, a 5xx the
    provider documents as not processed, or throttling: another provider may
    be asked instead. A refused message (bad number, opted out) is not on
    the list: another provider would refuse it too.
    """
    if isinstance(error, (AuthenticationError, InsufficientFunds, RateLimited)):
        return True
    if isinstance(error, TransportError):
        return isinstance(error.__cause__, _NOT_SENT)
    return isinstance(error, ProviderUnavailable) and error.retryable


def _successor(
    operation: Operation[T], error: SmsKitError, attempt: int, *, ambiguous: bool
) -> Operation[T] | None:
    """The operation to turn to once ``operation`` gave up, or ``None``.

    Never after an attempt that may have reached the provider: a send moved
    elsewhere then could deliver the same SMS twice.
    """
    if operation.fallback is None or ambiguous or not _proves_not_accepted(error):
        return None
    try:
        successor = operation.fallback()
    except SmsKitError as refusal:
        # The next provider cannot take this message (an option it lacks):
        # the caller hears why the first one failed, which is the news.
        logger.info(
            "%s %s: no failover (%s)",
            operation.provider,
            operation.name,
            type(refusal).__name__,
            extra={
                "smskit_event": "failover_refused",
                "smskit_error": type(refusal).__name__,
            },
        )
        return None
    logger.info(
        "%s %s failed after %d attempt(s) (%s); trying %s",
        operation.provider,
        operation.name,
        attempt,
        type(error).__name__,
        successor.provider,
        extra={
            "smskit_event": "failover",
            "smskit_provider": operation.provider,
            "smskit_operation": operation.name,
            "smskit_attempt": attempt,
            "smskit_error": type(error).__name__,
            "smskit_next_provider": successor.provider,
        },
    )
    return successor


def _retry_delay(
    error: SmsKitError,
    operation: Operation[T],
    policy: RetryPolicy,
    attempt: int,
    rng: random.Random,
) -> float | None:
    """Seconds to wait before trying again, or ``None`` to give up now."""
    backoff = policy.backoff(attempt, rng.random())
    if isinstance(error, RateLimited):
        if error.retry_after is None:
            return backoff
        # Beyond the ceiling the caller is better off rescheduling the work.
        if error.retry_after > policy.max_retry_after:
            return None
        return max(error.retry_after, backoff)
    if _is_ambiguous(error, operation):
        retry = operation.effect == "send" and policy.retry_ambiguous_sends
        return backoff if retry else None
    if isinstance(error, TransportError):
        # Not sent at all (connect failures), or a read that is safe to repeat.
        return backoff
    if isinstance(error, ProviderUnavailable) and operation.effect == "read":
        return backoff  # reads change nothing, so a 5xx is worth another try
    if isinstance(error, ProviderError) and error.retryable:
        return backoff
    return None


def _final_error(
    error: SmsKitError,
    operation: Operation[T],
    attempt: int,
    *,
    ambiguous: bool,
    window: _Window,
) -> SmsKitError:
    """The error to raise if this attempt is the last one.

    ``ambiguous`` says whether any attempt so far may have reached the
    provider; then the last error, whatever it is, becomes the cause of a
    `DeliveryUnknown`, because the message may already be out.
    """
    if not ambiguous or operation.send is None:
        # A write that may have been processed is not retried; its own error
        # (a timeout, a 5xx) says what happened.
        return error
    status = error.http_status if isinstance(error, ProviderError) else None
    if _is_ambiguous(error, operation):
        what = "it was not sent again to avoid a duplicate"
    else:
        what = "an earlier attempt may have reached it"
    message = (
        f"{operation.provider} may or may not have accepted the message "
        f"(attempt {attempt}: {error}); {what}. "
        "Resolve it (client.resolve) before sending again."
    )
    unknown = DeliveryUnknown(
        message,
        provider=operation.provider,
        to=operation.send.to,
        client_ref=operation.send.client_ref,
        recipients=operation.send.recipients,
        attempts=attempt,
        http_status=status,
        sender=operation.send.sender,
        body=operation.send.body,
        first_attempt_at=window.first,
        last_attempt_at=window.last,
    )
    unknown.__cause__ = error
    return unknown
