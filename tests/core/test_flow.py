"""Drive call_flow by hand and assert the exact sequence of commands."""

from __future__ import annotations

import random
from collections.abc import Generator
from typing import Any

import httpx
import pytest

import smskit
from smskit._core._flow import (
    Command,
    Effect,
    Operation,
    Outcome,
    Reserve,
    Send,
    SendContext,
    Sleep,
    call_flow,
)

URL = "https://api.example.test/send"


def parse(response: httpx.Response) -> str:
    if response.status_code == 429:
        retry_after = response.headers.get("retry-after")
        raise smskit.RateLimited(
            "slow down",
            provider="test",
            http_status=429,
            retry_after=None if retry_after is None else float(retry_after),
        )
    if response.status_code == 503:
        raise smskit.ProviderUnavailable("503", provider="test", retryable=True)
    if response.status_code >= 500:
        raise smskit.ProviderUnavailable("5xx", provider="test", http_status=500)
    if response.status_code == 401:
        raise smskit.AuthenticationError("no", provider="test", http_status=401)
    return response.text


def operation(
    *, effect: Effect = "send", limit_key: str | None = None
) -> Operation[str]:
    send = SendContext(to="+14155552671", client_ref="ref-1")
    return Operation(
        provider="test",
        name={"send": "send", "read": "fetch", "write": "cancel"}[effect],
        effect=effect,
        build=lambda: httpx.Request("POST", URL),
        parse=parse,
        send=send if effect == "send" else None,
        limit_key=limit_key,
        cost=2,
    )


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def start(
    op: Operation[str],
    policy: smskit.RetryPolicy | None = None,
    clock: Clock | None = None,
) -> tuple[Generator[Command, Outcome, str], Command]:
    policy = policy or smskit.RetryPolicy(jitter=0, initial_backoff=1)
    flow = call_flow(op, policy=policy, clock=clock or Clock(), rng=random.Random(0))
    return flow, next(flow)


def finish(flow: Generator[Command, Outcome, str], outcome: Outcome) -> str:
    with pytest.raises(StopIteration) as stop:
        flow.send(outcome)
    return str(stop.value.value)


def connect_error() -> httpx.ConnectError:
    return httpx.ConnectError("refused", request=httpx.Request("POST", URL))


def read_timeout() -> httpx.ReadTimeout:
    return httpx.ReadTimeout("timed out", request=httpx.Request("POST", URL))


def test_success_is_one_send() -> None:
    flow, command = start(operation())
    assert isinstance(command, Send)
    assert "POST" == command.request.method
    assert "ok" == finish(flow, httpx.Response(200, text="ok"))


def test_rate_limit_reservation_comes_first_and_its_wait_is_slept() -> None:
    flow, command = start(operation(limit_key="acct"))
    assert Reserve("acct", 2) == command
    assert Sleep(0.5) == flow.send(0.5)
    assert isinstance(flow.send(None), Send)


def test_no_wait_means_no_sleep() -> None:
    flow, command = start(operation(limit_key="acct"))
    assert isinstance(command, Reserve)
    assert isinstance(flow.send(0.0), Send)


def test_429_with_retry_after_waits_it_out_then_retries() -> None:
    flow, _ = start(operation())
    assert Sleep(4.0) == flow.send(httpx.Response(429, headers={"retry-after": "4"}))
    assert isinstance(flow.send(None), Send)
    assert "ok" == finish(flow, httpx.Response(200, text="ok"))


def test_retry_after_shorter_than_backoff_uses_backoff() -> None:
    policy = smskit.RetryPolicy(jitter=0, initial_backoff=2)
    flow, _ = start(operation(), policy)
    assert Sleep(2.0) == flow.send(httpx.Response(429, headers={"retry-after": "1"}))


def test_429_without_retry_after_backs_off_exponentially() -> None:
    flow, _ = start(operation())
    assert Sleep(1.0) == flow.send(httpx.Response(429))
    flow.send(None)
    assert Sleep(2.0) == flow.send(httpx.Response(429))


def test_retry_after_beyond_ceiling_raises_at_once() -> None:
    policy = smskit.RetryPolicy(max_retry_after=10)
    flow, _ = start(operation(), policy)
    with pytest.raises(smskit.RateLimited) as info:
        flow.send(httpx.Response(429, headers={"retry-after": "30"}))
    assert 30 == info.value.retry_after


def test_connect_error_is_retried_for_sends() -> None:
    flow, _ = start(operation())
    assert Sleep(1.0) == flow.send(connect_error())
    flow.send(None)
    assert "ok" == finish(flow, httpx.Response(200, text="ok"))


def test_last_error_is_raised_after_max_attempts() -> None:
    flow, _ = start(operation(), smskit.RetryPolicy(max_attempts=2, jitter=0))
    flow.send(connect_error())
    flow.send(None)
    with pytest.raises(smskit.ConnectError, match="refused") as info:
        flow.send(connect_error())
    assert isinstance(info.value.__cause__, httpx.ConnectError)


def test_read_timeout_on_send_raises_delivery_unknown_after_one_request() -> None:
    flow, _ = start(operation())
    with pytest.raises(smskit.DeliveryUnknown) as info:
        flow.send(read_timeout())
    error = info.value
    assert ("test", "+14155552671", "ref-1", 1) == (
        error.provider,
        error.to,
        error.client_ref,
        error.attempts,
    )
    assert isinstance(error.__cause__, smskit.TransportTimeout)


def test_http_500_on_send_is_delivery_unknown() -> None:
    flow, _ = start(operation())
    with pytest.raises(smskit.DeliveryUnknown) as info:
        flow.send(httpx.Response(500))
    assert 500 == info.value.http_status


def test_503_documented_as_not_processed_is_retried() -> None:
    flow, _ = start(operation())
    assert Sleep(1.0) == flow.send(httpx.Response(503))


def test_ambiguous_sends_retry_only_when_opted_in() -> None:
    policy = smskit.RetryPolicy(retry_ambiguous_sends=True, jitter=0, max_attempts=2)
    flow, _ = start(operation(), policy)
    assert Sleep(0.5) == flow.send(read_timeout())
    flow.send(None)
    with pytest.raises(smskit.DeliveryUnknown) as info:
        flow.send(httpx.Response(500))
    assert 2 == info.value.attempts


def test_reads_retry_timeouts_and_5xx() -> None:
    flow, _ = start(operation(effect="read"))
    assert Sleep(1.0) == flow.send(read_timeout())
    flow.send(None)
    assert Sleep(2.0) == flow.send(httpx.Response(500))
    flow.send(None)
    with pytest.raises(smskit.ProviderUnavailable):
        flow.send(httpx.Response(500))


def test_read_timeout_on_read_raises_timeout_after_last_attempt() -> None:
    flow, _ = start(operation(effect="read"), smskit.RetryPolicy(max_attempts=1))
    with pytest.raises(smskit.TransportTimeout):
        flow.send(read_timeout())


def test_other_transport_errors_on_reads() -> None:
    flow, _ = start(operation(effect="read"), smskit.RetryPolicy(max_attempts=1))
    error = httpx.RemoteProtocolError("bye", request=httpx.Request("GET", URL))
    with pytest.raises(smskit.TransportError, match="RemoteProtocolError"):
        flow.send(error)


def test_authentication_error_is_not_retried() -> None:
    flow, _ = start(operation())
    with pytest.raises(smskit.AuthenticationError):
        flow.send(httpx.Response(401))


def test_deadline_stops_retrying() -> None:
    clock = Clock()
    policy = smskit.RetryPolicy(deadline=5, jitter=0, initial_backoff=4, max_attempts=9)
    flow, _ = start(operation(), policy, clock)
    assert Sleep(4.0) == flow.send(connect_error())
    clock.now = 4.0
    flow.send(None)
    with pytest.raises(smskit.ConnectError):
        flow.send(connect_error())  # the next wait (8 s) would end after 5 s


def test_executor_protocol_violation_is_a_type_error() -> None:
    flow, _ = start(operation())
    with pytest.raises(TypeError, match="in reply to Send"):
        flow.send(1.0)


def test_a_write_is_retried_when_it_provably_was_not_processed() -> None:
    flow, _ = start(operation(effect="write"))
    assert Sleep(1.0) == flow.send(connect_error())
    flow.send(None)
    assert Sleep(2.0) == flow.send(httpx.Response(503))
    flow.send(None)
    assert "ok" == finish(flow, httpx.Response(200, text="ok"))


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (read_timeout, smskit.TransportTimeout),
        (lambda: httpx.Response(500), smskit.ProviderUnavailable),
    ],
)
def test_a_write_that_may_have_been_processed_is_not_retried(
    answer: Any, error: type[Exception]
) -> None:
    """A cancel that may have worked raises its own error, not DeliveryUnknown."""
    policy = smskit.RetryPolicy(retry_ambiguous_sends=True)
    flow, _ = start(operation(effect="write"), policy)
    with pytest.raises(error) as info:
        flow.send(answer())
    assert not isinstance(info.value, smskit.DeliveryUnknown)


def test_operations_carry_their_name_to_hooks() -> None:
    retries: list[smskit.RetryInfo] = []
    flow = call_flow(
        operation(effect="write"),
        policy=smskit.RetryPolicy(jitter=0, initial_backoff=1),
        clock=Clock(),
        hooks=smskit.Hooks(on_retry=retries.append),
    )
    flow.send(None)
    flow.send(connect_error())
    assert ["cancel"] == [info.operation for info in retries]
