"""send_many: every input gets exactly one result, in a stream, memory kept flat."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import attrs
import httpx
import pytest

import smskit
from client_helpers import MakeClient
from smskit.providers import Sandbox

pytestmark = pytest.mark.anyio

SENDER = "+15005550006"


def numbers(count: int) -> list[str]:
    """Distinct valid US numbers that the sandbox delivers."""
    return [f"+1415555{index:04d}" for index in range(count)]


@attrs.frozen
class Note:
    """A message given as an object with attributes, not a mapping."""

    to: str
    body: str
    client_ref: str | None = None


def check_one_each(results: list[smskit.BulkResult], count: int) -> None:
    assert sorted(result.index for result in results) == list(range(count))
    for result in results:
        assert (result.message is None) != (result.error is None)
        assert result.ok is (result.message is not None)


async def test_every_input_gets_exactly_one_result(make_client: MakeClient) -> None:
    sandbox = Sandbox()
    client = make_client(sandbox, sender=SENDER)
    good = numbers(40)
    inputs: list[Any] = [
        *(
            {"to": number, "body": f"hello {number}", "client_ref": number}
            for number in good
        ),
        {"to": "not a number", "body": "x"},  # InvalidPhoneNumber
        {"to": good[0], "body": "   "},  # empty body
        {"to": good[0]},  # no body
        {"to": good[0], "body": "x", "colour": "red"},  # unknown field
        "+14155550100",  # not a message
        Note(to=good[1], body="as an object", client_ref="note"),
        {"to": "+15005550022", "body": "accepted, then a 500"},  # DeliveryUnknown
        {"to": "+15005550004", "body": "opted out"},  # refused by the provider
    ]
    results = await client.send_many(inputs, concurrency=5)
    await client.close()

    check_one_each(results, len(inputs))
    by_index = {result.index: result for result in results}
    for index, number in enumerate(good):
        result = by_index[index]
        assert result.message is not None
        assert (result.to, result.client_ref) == (number, number)
        assert result.message.body == f"hello {number}"
    errors = [by_index[len(good) + offset].error for offset in range(8)]
    assert isinstance(errors[0], smskit.InvalidPhoneNumber)
    assert isinstance(errors[1], smskit.InvalidMessage)
    assert isinstance(errors[2], smskit.ArgumentTypeError)
    assert isinstance(errors[3], smskit.ArgumentTypeError)
    assert "colour" in str(errors[3])
    assert isinstance(errors[4], smskit.ArgumentTypeError)
    assert errors[5] is None
    assert by_index[len(good) + 5].client_ref == "note"
    assert isinstance(errors[6], smskit.DeliveryUnknown)
    assert isinstance(errors[7], smskit.ProviderError)
    # The provider saw each good message exactly once.
    sent = Counter(message.to for message in sandbox.outbox)
    assert all(sent[number] == 1 for number in good[2:])


async def test_one_text_for_many_goes_in_few_requests(
    make_client: MakeClient, requests: list[httpx.Request]
) -> None:
    sandbox = Sandbox()
    assert isinstance(sandbox, smskit.providers.SupportsBatch)
    client = make_client(sandbox, sender=SENDER)
    recipients = numbers(sandbox.max_batch_size + 5)
    inputs = [{"to": number, "body": "Sale today"} for number in recipients]
    inputs.append(
        {"to": "+1 (415) 555-9999", "body": "Sale today", "client_ref": "own"}
    )
    results = await client.send_many(inputs, concurrency=3)
    await client.close()

    check_one_each(results, len(inputs))
    assert all(result.ok for result in results)
    # A full group, the rest, and the one with its own client_ref alone.
    assert len(requests) == 3
    ids = {result.message.id for result in results if result.message}
    assert len(ids) == len(inputs)
    assert {result.to for result in results} == {*recipients, "+1 (415) 555-9999"}


async def test_a_group_with_a_bad_number_still_gives_each_its_result(
    make_client: MakeClient,
) -> None:
    client = make_client(Sandbox(), sender=SENDER)
    inputs = [
        {"to": "+14155550101", "body": "Same"},
        {"to": "12", "body": "Same"},
        {"to": "+14155550102", "body": "Same"},
    ]
    results = sorted(await client.send_many(inputs), key=lambda result: result.index)
    await client.close()
    assert [result.ok for result in results] == [True, False, True]
    assert isinstance(results[1].error, smskit.InvalidPhoneNumber)


async def test_progress_is_reported_and_a_broken_callback_loses_nothing(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[smskit.BulkProgress] = []
    lock = threading.Lock()

    def on_progress(progress: smskit.BulkProgress) -> None:
        with lock:
            seen.append(progress)
        if progress.done == 2:
            raise RuntimeError("the progress bar broke")

    client = make_client(Sandbox(), sender=SENDER)
    inputs = [{"to": number, "body": "hi", "client_ref": "r"} for number in numbers(6)]
    inputs.append({"to": "bad", "body": "hi"})
    results = await client.send_many(inputs, concurrency=2, on_progress=on_progress)
    await client.close()

    check_one_each(results, 7)
    assert sorted(progress.done for progress in seen) == list(range(1, 8))
    last = max(seen, key=lambda progress: progress.done)
    assert (last.succeeded, last.failed) == (6, 1)
    assert "on_progress raised" in caplog.text


def test_the_sync_stream_reads_its_input_lazily() -> None:
    read = 0

    def endless() -> Iterator[dict[str, str]]:
        nonlocal read
        for number in numbers(10_000):
            read += 1
            yield {"to": number, "body": "hi", "client_ref": "r"}

    sandbox = Sandbox()
    with smskit.Client(sandbox, sender=SENDER) as client:
        stream = client.send_many(endless(), concurrency=4)
        first = [next(stream) for _ in range(10)]
        stream.close()  # leaving early: no new sends, those in flight finish
        assert read <= 10 + 4 + 1
        assert len(sandbox.outbox) <= read
    assert len({result.index for result in first}) == 10


async def test_the_async_stream_reads_its_input_lazily(anyio_backend: str) -> None:
    read = 0

    async def endless() -> AsyncIterator[dict[str, str]]:
        nonlocal read
        for number in numbers(10_000):
            read += 1
            yield {"to": number, "body": "hi", "client_ref": "r"}

    sandbox = Sandbox()
    async with smskit.AsyncClient(sandbox, sender=SENDER) as client:
        got = []
        async with client.send_many(endless(), concurrency=4) as results:
            async for result in results:
                got.append(result)
                if len(got) == 10:
                    break
        assert read <= 10 + 4 + 4 + 2
        outbox = len(sandbox.outbox)
        assert outbox <= read
    assert len({result.index for result in got}) == 10


async def test_an_async_client_needs_the_block(anyio_backend: str) -> None:
    async with smskit.AsyncClient(Sandbox(), sender=SENDER) as client:
        with pytest.raises(TypeError, match=r"async with client\.send_many"):
            async for _ in client.send_many([]):  # type: ignore[attr-defined]
                pass


async def test_an_exception_in_the_block_waits_for_sends_in_flight(
    anyio_backend: str,
) -> None:
    sandbox = Sandbox()
    async with smskit.AsyncClient(sandbox, sender=SENDER) as client:
        inputs = [{"to": n, "body": "hi", "client_ref": "r"} for n in numbers(50)]

        async def leave_with_an_error() -> None:
            async with client.send_many(inputs, concurrency=5) as results:
                async for _ in results:
                    raise KeyError("the caller's own bug")

        with pytest.raises(KeyError):
            await leave_with_an_error()
    # Whatever was started finished: every accepted message is in the outbox,
    # and fewer than all were started.
    assert 1 <= len(sandbox.outbox) < 50


@pytest.mark.parametrize(
    ("arguments", "error", "text"),
    [
        ({"messages": "+14155550100"}, smskit.ArgumentTypeError, "iterable"),
        ({"messages": {"to": "+1", "body": "x"}}, smskit.ArgumentTypeError, "iterable"),
        ({"messages": 3}, smskit.ArgumentTypeError, "iterable"),
        ({"messages": [], "concurrency": 0}, smskit.OptionTypeError, ">= 1"),
        ({"messages": [], "concurrency": 2.5}, smskit.OptionTypeError, "int"),
        ({"messages": [], "concurrency": True}, smskit.OptionTypeError, "int"),
        ({"messages": [], "on_progress": 3}, smskit.OptionTypeError, "callable"),
    ],
)
def test_bad_arguments_are_refused_before_any_send(
    arguments: dict[str, Any], error: type[Exception], text: str
) -> None:
    with (
        smskit.Client(Sandbox(), sender=SENDER) as client,
        pytest.raises(error, match=text),
    ):
        client.send_many(**arguments)
    with pytest.raises(smskit.ClientClosed):
        client.send_many([])


def test_an_input_that_raises_is_only_its_own_failure() -> None:
    class Broken:
        @property
        def to(self) -> str:
            raise RuntimeError("database went away")

        body = "hi"

    with smskit.Client(Sandbox(), sender=SENDER) as client:
        results = list(
            client.send_many([Broken(), {"to": "+14155550100", "body": "hi"}])
        )
    check_one_each(results, 2)
    broken = next(result for result in results if result.index == 0)
    assert isinstance(broken.error, smskit.ArgumentTypeError)
    assert "database went away" in str(broken.error)
