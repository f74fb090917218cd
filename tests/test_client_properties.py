"""Property: whatever a caller passes, the client answers with success or a
smskit error, and an invalid input never produces a request.

Arbitrary values (of every common type, plus well-formed ones so that valid
calls happen too) go into every argument of `Client` / `AsyncClient`, `send`
and `fetch`. An `InvalidInput` must come with no request; any other outcome is
either a result or another `SmsKitError`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smskit
from smskit.providers import Sandbox

T0 = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone.utc)

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.binary(max_size=10),
    st.lists(st.text(max_size=3), max_size=2),
    st.timedeltas(),
    st.just(object()),
)


def maybe(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Well-formed values most of the time, anything at all otherwise."""
    return st.one_of(good, good, junk)


client_options = st.fixed_dictionaries(
    {},
    optional={
        "region": maybe(st.sampled_from(["US", "gb", "DE", "XX", "UK"])),
        "sender": maybe(st.sampled_from(["Acme", "+14155550100", "12345"])),
        "max_segments": maybe(st.integers(min_value=0, max_value=12)),
        "timeout": maybe(st.sampled_from([5, 0.5, httpx.Timeout(3.0)])),
        "retry": maybe(st.builds(smskit.RetryPolicy, max_attempts=st.just(2))),
        "rate_limit": maybe(st.just(smskit.RateLimit(rate=1000))),
        "number_policy": maybe(st.just(smskit.NumberPolicy(mobile_only=True))),
        "log_sensitive": maybe(st.booleans()),
        "http2": st.just(False) | junk,
    },
)

send_arguments = st.fixed_dictionaries(
    {
        "to": maybe(
            st.sampled_from(["+14155552671", "(415) 555-2671", "07400 123456"])
        ),
        "body": maybe(st.sampled_from(["hi", "héllo €", "x" * 2000, "🙂" * 3])),
    },
    optional={
        "sender": maybe(st.sampled_from(["Acme", "+14155550100"])),
        "client_ref": maybe(st.sampled_from(["order-1", "r" * 41])),
        "status_callback": maybe(
            st.sampled_from(["https://hooks.example/s", "javascript:x", "/s"])
        ),
        "validity": maybe(st.timedeltas(min_value=dt.timedelta(seconds=-5))),
    },
)

fetch_ids = maybe(st.sampled_from(["SB00", "../x", "SB1?a=1", "S" * 200]))


async def call_client(
    kind: str,
    options: dict[str, Any],
    arguments: dict[str, Any],
    message_id: Any,
    requests: list[httpx.Request],
) -> None:
    hooks = smskit.Hooks(on_request=requests.append)
    sandbox = Sandbox(seed=5, start=T0)
    if kind == "sync":
        with smskit.Client(sandbox, hooks=hooks, **options) as client:
            _expect_valid_outcome(lambda: client.send(**arguments), requests)
            _expect_valid_outcome(lambda: client.fetch(message_id), requests)
        return
    async with smskit.AsyncClient(sandbox, hooks=hooks, **options) as aclient:
        await _expect_valid_async_outcome(aclient.send(**arguments), requests)
        await _expect_valid_async_outcome(aclient.fetch(message_id), requests)


def _expect_valid_outcome(call: Callable[[], object], requests: list[Any]) -> None:
    before = len(requests)
    try:
        call()
    except smskit.InvalidInput:
        assert before == len(requests), "an invalid input produced a request"
    except smskit.SmsKitError:
        pass


async def _expect_valid_async_outcome(call: Any, requests: list[Any]) -> None:
    before = len(requests)
    try:
        await call
    except smskit.InvalidInput:
        assert before == len(requests), "an invalid input produced a request"
    except smskit.SmsKitError:
        pass


@pytest.mark.parametrize("kind", ["sync", "async"])
@settings(max_examples=150, deadline=None)
@given(
    options=client_options,
    arguments=send_arguments,
    message_id=fetch_ids,
)
def test_only_results_or_smskit_errors(
    kind: str,
    options: dict[str, Any],
    arguments: dict[str, Any],
    message_id: Any,
) -> None:
    requests: list[httpx.Request] = []
    smskit.testing.set_testing(True)
    try:
        try:
            anyio.run(call_client, kind, options, arguments, message_id, requests)
        except smskit.InvalidInput:
            assert [] == requests  # refused at construction
    finally:
        smskit.testing.set_testing(False)
