"""send_many(resolve_unknown=True) under a seeded fault mix: one outcome each.

The mix: 5 % HTTP 500 after accepting, 5 % 429, 2 % connection failures
before sending and 1 % answers lost after accepting. Every input must get
exactly one result, every recipient at most one message, and no
`DeliveryUnknown` may remain: each send in doubt is resolved from the
provider's records to "sent" or, proven not sent, sent once more.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

import smskit
from smskit import providers
from smskit._emulator._server import Emulator

SENDER = "+15005550006"
# Room for the 13 % of faults to hit the same request a few times in a row.
PATIENT = smskit.RetryPolicy(max_attempts=10, initial_backoff=0.001, jitter=0)


@pytest.fixture(autouse=True)
def testing_mode() -> Iterator[None]:
    """No waits: backoffs, Retry-After and the settle time are skipped."""
    smskit.testing.set_testing(True)
    try:
        yield
    finally:
        smskit.testing.set_testing(False)


def inputs(count: int, *, with_refs: bool) -> list[dict[str, str]]:
    """One message per recipient; every other one with a client_ref."""
    messages = []
    for index in range(count):
        message = {"to": f"+1415555{index:04d}", "body": f"Your order {index} shipped"}
        if with_refs and index % 2:
            message["client_ref"] = f"order-{index}"
        messages.append(message)
    return messages


def check_outcomes(
    results: list[smskit.BulkResult],
    messages: list[dict[str, str]],
    accepted_to: list[str],
) -> None:
    assert sorted(result.index for result in results) == list(range(len(messages)))
    errors = Counter(type(result.error).__name__ for result in results if result.error)
    # No send stays in doubt. A recipient whose every try was proven not
    # accepted (say three connection failures in a row, each resolved: about
    # one in 100,000 here) ends with a definite "not sent" error instead.
    assert "DeliveryUnknown" not in errors, errors
    assert sum(errors.values()) <= max(1, len(messages) // 500), errors
    not_sent = set()
    for result in results:
        wanted = messages[result.index]["to"]
        if result.error is None:
            assert result.message is not None
            assert result.message.to == wanted
        else:
            assert isinstance(
                result.error, (smskit.ProviderUnavailable, smskit.RateLimited)
            ), repr(result.error)
            not_sent.add(wanted)
    # Nobody got two messages, every sent input's message is the one out
    # there, and nothing of a "not sent" one is.
    twice = [number for number, times in Counter(accepted_to).items() if times > 1]
    assert twice == []
    expected = [message["to"] for message in messages if message["to"] not in not_sent]
    assert sorted(accepted_to) == sorted(expected)


# -- the in-process sandbox ------------------------------------------------------


def faulty_sandbox() -> providers.Sandbox:
    sandbox = providers.Sandbox(seed=15)
    for fault, rate in (
        ("server_error", 0.05),
        ("rate_limited", 0.05),
        ("connect_error", 0.02),
        ("read_timeout", 0.01),
    ):
        sandbox.inject(fault, times=None, rate=rate, retry_after=0.0)
    return sandbox


def test_ten_thousand_through_the_sync_client_and_the_sandbox() -> None:
    sandbox = faulty_sandbox()
    messages = inputs(10_000, with_refs=True)
    with smskit.Client(sandbox, sender=SENDER, retry=PATIENT) as client:
        results = list(client.send_many(messages, concurrency=16, resolve_unknown=True))
    check_outcomes(results, messages, [message.to for message in sandbox.outbox])


def test_the_async_client_and_the_sandbox() -> None:
    # The 10,000 above cover the planning and the sandbox; the async client
    # shares both, so 3,000 (one event loop, run here) test its executor.
    sandbox = faulty_sandbox()
    messages = inputs(3_000, with_refs=True)

    async def run() -> list[smskit.BulkResult]:
        async with smskit.AsyncClient(sandbox, sender=SENDER, retry=PATIENT) as client:
            stream = client.send_many(messages, concurrency=16, resolve_unknown=True)
            async with stream as results:
                return [result async for result in results]

    collected = anyio.run(run)
    check_outcomes(collected, messages, [message.to for message in sandbox.outbox])


# -- the emulator, over HTTP ------------------------------------------------------


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    # Its clock follows the real one from now (frozen), as a provider's does.
    with Emulator(port=0, realtime=False) as running:
        yield running


def driver(emulator: Emulator, name: str) -> Any:
    credentials = emulator.credentials
    if name == "twilio":
        return providers.Twilio(
            account_sid=credentials.twilio_account_sid,
            auth_token=credentials.twilio_auth_token,
            base_url=emulator.url,
        )
    return providers.Plivo(
        auth_id=credentials.plivo_auth_id,
        auth_token=credentials.plivo_auth_token,
        base_url=emulator.url,
    )


def inject_mix(emulator: Emulator, name: str) -> None:
    for fault, rate in (
        ("server_error", 0.05),
        ("rate_limited", 0.05),
        # The emulator resets the connection after reading the request: an
        # answer lost with nothing accepted, which only a search can prove.
        ("connect_error", 0.02),
        ("read_timeout", 0.01),
    ):
        emulator.inject(
            fault, rate=rate, times=None, provider=name, retry_after=0.0, seed=15
        )


def accepted_numbers(emulator: Emulator, name: str) -> list[str]:
    with httpx.Client(base_url=emulator.url) as http:
        outbox = http.get("/_sandbox/outbox").json()["messages"]
    return [item["to"] for item in outbox if item["provider"] == name]


# Each send over HTTP costs the emulator (a Python server on the same two
# cores) far more than the in-process sandbox; 1,500 per dialect keeps the
# run under half a minute and still meets each fault dozens of times.
EMULATED = 1_500


@pytest.mark.parametrize("name", ["twilio", "plivo"])
def test_the_fault_mix_through_the_emulator(emulator: Emulator, name: str) -> None:
    inject_mix(emulator, name)
    messages = inputs(EMULATED, with_refs=False)
    http = httpx.Client(timeout=10.0)
    try:
        with smskit.Client(
            driver(emulator, name), sender=SENDER, retry=PATIENT, http_client=http
        ) as client:
            results = list(
                client.send_many(messages, concurrency=16, resolve_unknown=True)
            )
    finally:
        http.close()
    check_outcomes(results, messages, accepted_numbers(emulator, name))


@pytest.mark.parametrize("name", ["twilio", "plivo"])
@pytest.mark.parametrize(
    ("fault", "accepted"), [("server_error", True), ("connect_error", False)]
)
def test_resolve_through_the_emulator(
    emulator: Emulator, name: str, fault: str, accepted: bool
) -> None:
    quick = smskit.RetryPolicy(max_attempts=2, initial_backoff=0.001, jitter=0)
    with smskit.Client(driver(emulator, name), sender=SENDER, retry=quick) as client:
        emulator.inject(fault, provider=name)
        with pytest.raises(smskit.DeliveryUnknown) as caught:
            client.send(to="+14155550100", body="Hello there")
        found = client.resolve(caught.value)
        numbers = accepted_numbers(emulator, name)
        if accepted:
            assert found is not None
            assert found.to == "+14155550100"
            assert numbers == ["+14155550100"]
        else:
            assert found is None
            assert numbers == []
        # Sent again only where nothing was accepted; never twice.
        emulator.inject(fault, provider=name)
        message = client.send(to="+14155550199", body="Hi", resolve_unknown=True)
        assert accepted_numbers(emulator, name).count("+14155550199") == 1
        assert message.to == "+14155550199"
