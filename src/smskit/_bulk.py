"""Sending many messages: one result per input, in a stream, memory kept flat.

`send_many` on both clients reads its input lazily, keeps at most
``concurrency`` sends in flight and reports each input's outcome as soon as
it is known. The planning is shared and pure: `plan` turns the input into
jobs (one message, or a group of recipients of one text for a provider with
a many-recipients request), and refuses an input that is not a message as
that input's result, without stopping the others. Two small executors run
the jobs: threads for `Client`, tasks for `AsyncClient`.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
)
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
import attrs

from smskit._exceptions import (
    ArgumentTypeError,
    DeliveryUnknown,
    OptionTypeError,
    SmsKitError,
)
from smskit._models import Message
from smskit.providers._protocol import SupportsBatch

if TYPE_CHECKING:
    from types import TracebackType

    from anyio.streams.memory import (
        MemoryObjectReceiveStream,
        MemoryObjectSendStream,
    )

    from smskit.providers._protocol import BatchResult

__all__ = [
    "DEFAULT_CONCURRENCY",
    "AsyncBulkSend",
    "BulkProgress",
    "BulkResult",
    "Group",
    "Single",
    "plan",
    "run_threads",
]

logger = logging.getLogger("smskit.bulk")

DEFAULT_CONCURRENCY = 8
"""Sends in flight at once unless ``concurrency=`` says otherwise."""

# What one input may give besides ``to`` and ``body``: send()'s keywords.
_OPTIONAL_FIELDS = (
    "sender",
    "client_ref",
    "status_callback",
    "validity",
    "send_at",
    "smart_encoding",
    "options",
    "kind",
)
_FIELDS = frozenset(("to", "body", *_OPTIONAL_FIELDS))


@attrs.frozen(kw_only=True)
class BulkResult:
    """The outcome of one input of `send_many`: a message or an error.

    Attributes:
        index: The input's position, from 0.
        to: The recipient as given (``""`` when the input had none).
        client_ref: The input's ``client_ref``, if it gave one.
        message: The message as the provider accepted it, or ``None``.
        error: What went wrong, or ``None``. Exactly one of ``message`` and
            ``error`` is set; `smskit.DeliveryUnknown` means the provider may
            have accepted it (see `Client.resolve`).
    """

    index: int
    to: str
    client_ref: str | None = None
    message: Message | None = None
    error: SmsKitError | None = None

    @property
    def ok(self) -> bool:
        """Whether the provider accepted the message."""
        return self.message is not None


@attrs.frozen(kw_only=True)
class BulkProgress:
    """How far a `send_many` run is, passed to its ``on_progress`` callback.

    Attributes:
        done: Inputs with a result so far.
        succeeded: Of those, how many the provider accepted.
        failed: Of those, how many have an error.
    """

    done: int
    succeeded: int
    failed: int


@attrs.frozen
class _Item:
    """One input, read into send()'s keyword arguments."""

    index: int
    to: str
    client_ref: str | None
    arguments: dict[str, Any]


@attrs.frozen
class Single:
    """A job: send one message."""

    item: _Item


@attrs.frozen
class Group:
    """A job: one text to several recipients, in one `send_batch` call."""

    items: tuple[_Item, ...]
    arguments: dict[str, Any]


Job = Single | Group


def _read(index: int, given: object) -> _Item | BulkResult:
    """Read one input, or the error that makes it that input's result."""
    if isinstance(given, Mapping):
        unknown = sorted(str(name) for name in given if name not in _FIELDS)
        if unknown:
            message = (
                f"input {index} has unknown field(s) {', '.join(unknown)}; "
                f"a message has {', '.join(sorted(_FIELDS))}"
            )
            return _refused(index, given.get("to"), given.get("client_ref"), message)
        values = {name: given[name] for name in _FIELDS if name in given}
    else:
        values = {
            name: getattr(given, name) for name in _FIELDS if hasattr(given, name)
        }
    to, body = values.get("to"), values.get("body")
    if not isinstance(to, str) or not isinstance(body, str):
        message = (
            f"input {index} needs 'to' and 'body' strings, as a mapping or as "
            f"attributes; got {type(given).__name__}"
        )
        return _refused(index, to, values.get("client_ref"), message)
    client_ref = values.get("client_ref")
    return _Item(
        index=index,
        to=to,
        client_ref=client_ref if isinstance(client_ref, str) else None,
        arguments={name: value for name, value in values.items() if value is not None},
    )


def _refused(index: int, to: object, client_ref: object, message: str) -> BulkResult:
    return BulkResult(
        index=index,
        to=to if isinstance(to, str) else "",
        client_ref=client_ref if isinstance(client_ref, str) else None,
        error=ArgumentTypeError(message),
    )


def _group_key(item: _Item) -> tuple[Any, ...] | None:
    """What recipients must share to go in one request, or ``None``.

    A per-recipient ``client_ref`` cannot ride on a shared request, and
    options that cannot be compared are never grouped.
    """
    if item.client_ref is not None:
        return None
    shared = {name: value for name, value in item.arguments.items() if name != "to"}
    options = shared.pop("options", None)
    try:
        frozen_options = tuple(sorted((options or {}).items()))
        key = (tuple(sorted(shared.items())), frozen_options)
        hash(key)
    except TypeError:
        return None
    return key


class _Grouper:
    """Turns inputs into jobs one at a time, holding back only a group in making."""

    def __init__(self, group_size: int | None) -> None:
        self._size = group_size if group_size and group_size > 1 else 0
        self._group: list[_Item] = []
        self._key: tuple[Any, ...] | None = None

    def add(self, index: int, given: object) -> list[Job | BulkResult]:
        try:
            item = _read(index, given)
        except Exception as error:
            # An input object whose attribute raises is that input's failure.
            message = (
                f"input {index} could not be read: {type(error).__name__}: {error}"
            )
            return [_refused(index, None, None, message)]
        if isinstance(item, BulkResult):
            return [item]
        key = _group_key(item) if self._size else None
        jobs: list[Job | BulkResult] = []
        if self._group and (
            key is None or key != self._key or len(self._group) >= self._size
        ):
            jobs.extend(self.flush())
        if key is None:
            jobs.append(Single(item))
        else:
            self._group.append(item)
            self._key = key
        return jobs

    def flush(self) -> list[Job | BulkResult]:
        group, self._group = self._group, []
        if not group:
            return []
        if len(group) == 1:
            return [Single(group[0])]
        arguments = {
            name: value for name, value in group[0].arguments.items() if name != "to"
        }
        return [Group(tuple(group), arguments)]


def plan(
    messages: Iterable[object], *, group_size: int | None
) -> Iterator[Job | BulkResult]:
    """Turn the input into jobs, lazily; a bad input becomes its own result.

    Args:
        messages: The inputs (mappings or objects with ``to`` and ``body``).
        group_size: The provider's most recipients per request, or ``None``
            when it has no many-recipients request. Consecutive inputs with
            the same text and options (and no ``client_ref``) then go out
            together, up to this many.

    Yields:
        `Single` and `Group` jobs, and `BulkResult`s for refused inputs.
    """
    grouper = _Grouper(group_size)
    for index, given in enumerate(messages):
        yield from grouper.add(index, given)
    yield from grouper.flush()


async def _aplan(
    messages: AsyncIterable[object], *, group_size: int | None
) -> AsyncGenerator[Job | BulkResult, None]:
    """`plan` for an async iterable input."""
    grouper = _Grouper(group_size)
    index = 0
    try:
        async for given in messages:
            for job in grouper.add(index, given):
                yield job
            index += 1
        for job in grouper.flush():
            yield job
    finally:
        # An async generator left unfinished must be closed in this task
        # (trio insists); send_many owns the input once it is handed over.
        close = getattr(messages, "aclose", None)
        if close is not None:
            await close()


def _failure(error: BaseException) -> SmsKitError:
    """A non-smskit exception from a send, kept as the cause of a smskit one.

    One input's bug must not end the run for the others; the original
    exception stays on ``__cause__`` for the caller to see.
    """
    if isinstance(error, SmsKitError):
        return error
    wrapped = SmsKitError(f"unexpected {type(error).__name__} while sending: {error}")
    wrapped.__cause__ = error
    logger.exception("send_many: unexpected error while sending", exc_info=error)
    return wrapped


def _single_result(item: _Item, outcome: Message | BaseException) -> BulkResult:
    if isinstance(outcome, Message):
        return BulkResult(
            index=item.index, to=item.to, client_ref=item.client_ref, message=outcome
        )
    return BulkResult(
        index=item.index,
        to=item.to,
        client_ref=item.client_ref,
        error=_failure(outcome),
    )


Recover = Callable[[Mapping[str, Any], DeliveryUnknown], Message]
"""Settles one recipient of a batch in doubt (``resolve_unknown=True``)."""

AsyncRecover = Callable[[Mapping[str, Any], DeliveryUnknown], Awaitable[Message]]


def _in_doubt(results: list[BulkResult]) -> list[tuple[int, DeliveryUnknown]]:
    """The positions of a group's results in doubt, with their errors."""
    return [
        (position, result.error)
        for position, result in enumerate(results)
        if isinstance(result.error, DeliveryUnknown)
    ]


def _settled(result: BulkResult, outcome: Message | BaseException) -> BulkResult:
    """A result in doubt, once resolved: the message, or the error now."""
    if isinstance(outcome, Message):
        return attrs.evolve(result, message=outcome, error=None)
    return attrs.evolve(result, error=_failure(outcome))


def _group_results(
    group: Group, outcome: tuple[BatchResult, ...] | BaseException
) -> list[BulkResult]:
    if isinstance(outcome, BaseException):
        error = _failure(outcome)
        return [
            BulkResult(index=item.index, to=item.to, error=error)
            for item in group.items
        ]
    return [
        BulkResult(
            index=item.index, to=item.to, message=result.message, error=result.error
        )
        for item, result in zip(group.items, outcome, strict=True)
    ]


class _Counter:
    """Counts results and tells ``on_progress``; its errors are logged, not raised."""

    def __init__(self, on_progress: Callable[[BulkProgress], object] | None) -> None:
        self._on_progress = on_progress
        self.done = self.succeeded = 0

    def count(self, result: BulkResult) -> BulkResult:
        self.done += 1
        self.succeeded += result.ok
        if self._on_progress is not None:
            progress = BulkProgress(
                done=self.done,
                succeeded=self.succeeded,
                failed=self.done - self.succeeded,
            )
            try:
                self._on_progress(progress)
            except Exception:
                # A broken progress bar must not lose anyone's result.
                logger.exception("send_many: on_progress raised; going on")
        return result


def check_concurrency(concurrency: object) -> int:
    """``concurrency`` as a count of sends in flight, or `OptionTypeError`."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int):
        message = f"concurrency must be an int >= 1, not {concurrency!r}"
        raise OptionTypeError(message)
    if concurrency < 1:
        message = f"concurrency must be >= 1, not {concurrency}"
        raise OptionTypeError(message)
    return concurrency


def group_size_of(provider: object) -> int | None:
    """The most recipients one request may carry, or ``None`` without batches."""
    if isinstance(provider, SupportsBatch):
        return provider.max_batch_size
    return None


def check_messages(messages: object, *, asynchronous: bool = False) -> None:
    """Refuse an input that is not a stream of messages, before any send.

    A string or a single mapping is a mistake for a list of messages.
    """
    kinds: tuple[type, ...] = (Iterable, AsyncIterable) if asynchronous else (Iterable,)
    if isinstance(messages, (str, bytes, Mapping)) or not isinstance(messages, kinds):
        wanted = "an iterable (or async iterable)" if asynchronous else "an iterable"
        message = (
            f"send_many takes {wanted} of messages (mappings or objects with "
            f"'to' and 'body'), not {type(messages).__name__}"
        )
        raise ArgumentTypeError(message)


def check_progress(on_progress: object) -> Callable[[BulkProgress], object] | None:
    """``on_progress`` if it is ``None`` or callable, else `OptionTypeError`."""
    if on_progress is not None and not callable(on_progress):
        message = f"on_progress must be callable, not {type(on_progress).__name__}"
        raise OptionTypeError(message)
    return on_progress


# -- the sync executor: threads ------------------------------------------------


def run_threads(
    jobs: Iterator[Job | BulkResult],
    *,
    send: Callable[..., Message],
    send_batch: Callable[..., tuple[BatchResult, ...]],
    concurrency: int,
    on_progress: Callable[[BulkProgress], object] | None,
    recover: Recover | None = None,
) -> Iterator[BulkResult]:
    """Run ``jobs`` on ``concurrency`` threads; yield results as they finish.

    Leaving the loop early stops taking inputs; the sends already in flight
    finish (their results reach ``on_progress`` only). With ``recover``, each
    recipient of a batch in doubt is settled by it before its result counts.
    """
    counter = _Counter(on_progress)

    def run(job: Job) -> list[BulkResult]:
        if isinstance(job, Single):
            try:
                outcome: Any = send(**job.item.arguments)
            except Exception as error:
                outcome = error
            return [counter.count(_single_result(job.item, outcome))]
        try:
            tos = [item.to for item in job.items]
            outcome = send_batch(to=tos, **job.arguments)
        except Exception as error:
            outcome = error
        results = _group_results(job, outcome)
        if recover is not None:
            for position, unknown in _in_doubt(results):
                try:
                    settled: Any = recover(job.items[position].arguments, unknown)
                except Exception as error:
                    settled = error
                results[position] = _settled(results[position], settled)
        return [counter.count(result) for result in results]

    pool = concurrent.futures.ThreadPoolExecutor(
        max_workers=concurrency, thread_name_prefix="smskit-send-many"
    )
    pending: set[concurrent.futures.Future[list[BulkResult]]] = set()
    try:
        for job in jobs:
            if isinstance(job, BulkResult):
                yield counter.count(job)
                continue
            pending.add(pool.submit(run, job))
            while len(pending) >= concurrency:
                done, pending = concurrent.futures.wait(
                    pending, return_when=concurrent.futures.FIRST_COMPLETED
                )
                for future in done:
                    yield from future.result()
        while pending:
            done, pending = concurrent.futures.wait(
                pending, return_when=concurrent.futures.FIRST_COMPLETED
            )
            for future in done:
                yield from future.result()
    finally:
        # Sends not started are dropped; those in flight are waited for, so
        # none is cut off halfway (which would make its outcome unknown).
        pool.shutdown(wait=True, cancel_futures=True)


# -- the async executor: tasks -------------------------------------------------


class AsyncBulkSend:
    """The stream of results of `AsyncClient.send_many`; use it with ``async with``.

    ``async with client.send_many(messages) as results:`` starts the sends;
    ``async for result in results:`` reads each input's `BulkResult` as soon
    as it is known. The sends run in tasks that belong to the ``async with``
    block, so leaving the block (early, or by an exception) stops taking new
    inputs and waits for the sends in flight: none is cut off halfway.
    """

    def __init__(
        self,
        messages: Iterable[object] | AsyncIterable[object],
        *,
        group_size: int | None,
        send: Callable[..., Awaitable[Message]],
        send_batch: Callable[..., Awaitable[tuple[BatchResult, ...]]],
        concurrency: int,
        on_progress: Callable[[BulkProgress], object] | None,
        recover: AsyncRecover | None = None,
    ) -> None:
        self._recover = recover
        self._messages = messages
        self._group_size = group_size
        self._send = send
        self._send_batch = send_batch
        self._concurrency = concurrency
        self._counter = _Counter(on_progress)
        self._stopping = anyio.Event()
        self._task_group: anyio.abc.TaskGroup | None = None
        self._results: MemoryObjectReceiveStream[BulkResult] | None = None

    def __aiter__(self) -> AsyncIterator[BulkResult]:
        message = (
            "send_many() streams results from tasks that need a scope: use "
            "'async with client.send_many(messages) as results: "
            "async for result in results: ...'"
        )
        raise TypeError(message)

    async def __aenter__(self) -> MemoryObjectReceiveStream[BulkResult]:
        jobs_in, jobs_out = anyio.create_memory_object_stream[Job](0)
        results_in, results_out = anyio.create_memory_object_stream[BulkResult](
            self._concurrency
        )
        task_group = anyio.create_task_group()
        await task_group.__aenter__()
        self._task_group = task_group
        async with jobs_in, results_in:
            task_group.start_soon(self._produce, jobs_in.clone(), results_in.clone())
            for _ in range(self._concurrency):
                task_group.start_soon(self._work, jobs_out.clone(), results_in.clone())
        jobs_out.close()
        self._results = results_out
        return results_out

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        # Stop taking inputs; let sends in flight finish rather than cancel
        # them halfway. Their results are no longer read (on_progress still
        # hears of them).
        self._stopping.set()
        if self._results is not None:
            self._results.close()
        # The task group is closed as if the block ended normally, so an
        # exception in the block does not cancel the sends in flight; it is
        # raised once they are done.
        del kind, error, traceback
        assert self._task_group is not None  # noqa: S101 -- set by __aenter__
        await self._task_group.__aexit__(None, None, None)
        return None

    async def _produce(
        self,
        jobs: MemoryObjectSendStream[Job],
        results: MemoryObjectSendStream[BulkResult],
    ) -> None:
        async with jobs, results, contextlib.aclosing(self._jobs()) as planned:
            async for job in planned:
                if self._stopping.is_set():
                    return
                if isinstance(job, BulkResult):
                    await self._deliver(results, self._counter.count(job))
                else:
                    await jobs.send(job)

    async def _jobs(self) -> AsyncGenerator[Job | BulkResult, None]:
        if isinstance(self._messages, AsyncIterable):
            planned = _aplan(self._messages, group_size=self._group_size)
            async with contextlib.aclosing(planned):
                async for job in planned:
                    yield job
        else:
            for job in plan(self._messages, group_size=self._group_size):
                yield job
                # A long run of refused inputs must not starve the workers.
                await anyio.lowlevel.checkpoint()

    async def _work(
        self,
        jobs: MemoryObjectReceiveStream[Job],
        results: MemoryObjectSendStream[BulkResult],
    ) -> None:
        async with jobs, results:
            async for job in jobs:
                if self._stopping.is_set():
                    return  # the reader left: start no more sends
                for result in await self._run(job):
                    await self._deliver(results, self._counter.count(result))

    async def _run(self, job: Job) -> list[BulkResult]:
        if isinstance(job, Single):
            try:
                outcome: Any = await self._send(**job.item.arguments)
            except Exception as error:
                outcome = error
            return [_single_result(job.item, outcome)]
        try:
            tos = [item.to for item in job.items]
            outcome = await self._send_batch(to=tos, **job.arguments)
        except Exception as error:
            outcome = error
        results = _group_results(job, outcome)
        if self._recover is not None:
            for position, unknown in _in_doubt(results):
                arguments = job.items[position].arguments
                try:
                    settled: Any = await self._recover(arguments, unknown)
                except Exception as error:
                    settled = error
                results[position] = _settled(results[position], settled)
        return results

    @staticmethod
    async def _deliver(
        results: MemoryObjectSendStream[BulkResult], result: BulkResult
    ) -> None:
        # When the reader has left the block, on_progress has still counted it.
        with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
            await results.send(result)
