"""The compliance guard around the clients' sends, and the offline preview.

A client built with ``guard=`` asks it before every send (`admit`): a
refusal is raised before the rate limiter or the provider is asked, so a
refused message never reaches the provider. After the send the reservation
is settled by what happened (`settle`): kept when the provider accepted the
message or may have (`DeliveryUnknown`), given back otherwise, and an
`OptedOut` answer from the provider also opts the recipient out in the guard.
A batch reserves each recipient first; a refused recipient gets its refusal
as its own result. Everything here has a sync and an async form, because the
guard's store may be Redis.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, get_args

import attrs

from smskit import _checks as checks
from smskit._exceptions import (
    DeliveryUnknown,
    InvalidInput,
    InvalidMessage,
    OptedOut,
    SmsKitError,
)
from smskit._guard import Guard, GuardDecision, Reservation
from smskit._guard_errors import MessageKind

if TYPE_CHECKING:
    from smskit.encoding import SegmentInfo
    from smskit.phone import PhoneNumber
    from smskit.providers._protocol import BatchResult

__all__ = [
    "Preview",
    "aadmit",
    "aadmit_batch",
    "arelease_all",
    "admit",
    "admit_batch",
    "asettle",
    "asettle_batch",
    "check_guard",
    "check_kind",
    "release_all",
    "settle",
    "settle_batch",
]


def check_guard(guard: object) -> Guard | None:
    """``guard`` if it is a `Guard` or ``None``, else `OptionTypeError`."""
    checks.instance("guard", guard, (Guard, type(None)))
    return guard  # type: ignore[return-value]  # checked just above


def check_kind(kind: object) -> MessageKind | None:
    """``kind`` if it is ``None``, ``"transactional"`` or ``"marketing"``."""
    if kind is None or kind in get_args(MessageKind):
        return kind  # type: ignore[return-value]  # one of the literals
    message = f"kind must be 'transactional' or 'marketing', not {kind!r}"
    raise InvalidMessage(message)


def admit(guard: Guard | None, to: str, kind: MessageKind | None) -> Reservation | None:
    """Reserve a send to ``to`` (E.164), or raise the guard's refusal."""
    return None if guard is None else guard.reserve(to, kind=kind)


async def aadmit(
    guard: Guard | None, to: str, kind: MessageKind | None
) -> Reservation | None:
    """Async `admit`."""
    return None if guard is None else await guard.areserve(to, kind=kind)


def _keeps(error: BaseException) -> bool:
    """Whether a failed send still counts: it may have gone out."""
    return isinstance(error, DeliveryUnknown)


def settle(
    guard: Guard | None, reservation: Reservation | None, error: BaseException
) -> None:
    """Settle a reservation after its send raised ``error``."""
    if guard is None or reservation is None or _keeps(error):
        return
    if isinstance(error, OptedOut):
        # The reservation knows the recipient even when the error does not.
        guard.opt_out(reservation.to)
    guard.release(reservation)


async def asettle(
    guard: Guard | None, reservation: Reservation | None, error: BaseException
) -> None:
    """Async `settle`."""
    if guard is None or reservation is None or _keeps(error):
        return
    if isinstance(error, OptedOut):
        await guard.aopt_out(reservation.to)
    await guard.arelease(reservation)


Admitted = dict[str, Reservation]
"""The reservations of a batch, by recipient as given."""
Refusals = dict[str, SmsKitError]
"""Why recipients of a batch were refused before sending, by recipient as given."""


def _numbers(given: Sequence[str], normalize: Callable[[str], str]) -> dict[str, str]:
    """Each distinct readable recipient and its E.164 form."""
    numbers: dict[str, str] = {}
    for number in given:
        if number not in numbers:
            # A number that cannot be read gets its own error from the plan.
            with contextlib.suppress(InvalidInput):
                numbers[number] = normalize(number)
    return numbers


def admit_batch(
    guard: Guard | None,
    given: Sequence[str],
    normalize: Callable[[str], str],
    kind: MessageKind | None,
) -> tuple[Admitted, Refusals]:
    """Reserve each recipient of a batch; collect the refusals."""
    admitted: Admitted = {}
    refused: Refusals = {}
    if guard is None:
        return admitted, refused
    for number, e164 in _numbers(given, normalize).items():
        try:
            admitted[number] = guard.reserve(e164, kind=kind)
        except InvalidInput as error:
            refused[number] = error
    return admitted, refused


async def aadmit_batch(
    guard: Guard | None,
    given: Sequence[str],
    normalize: Callable[[str], str],
    kind: MessageKind | None,
) -> tuple[Admitted, Refusals]:
    """Async `admit_batch`."""
    admitted: Admitted = {}
    refused: Refusals = {}
    if guard is None:
        return admitted, refused
    for number, e164 in _numbers(given, normalize).items():
        try:
            admitted[number] = await guard.areserve(e164, kind=kind)
        except InvalidInput as error:
            refused[number] = error
    return admitted, refused


def release_all(guard: Guard | None, admitted: Admitted) -> None:
    """Give back every reservation of a batch that was refused before sending."""
    if guard is not None:
        for reservation in admitted.values():
            guard.release(reservation)


async def arelease_all(guard: Guard | None, admitted: Admitted) -> None:
    """Async `release_all`."""
    if guard is not None:
        for reservation in admitted.values():
            await guard.arelease(reservation)


def settle_batch(
    guard: Guard | None, admitted: Admitted, results: Sequence[BatchResult]
) -> None:
    """Give back the reservations of recipients whose send failed for sure."""
    if guard is None:
        return
    for result in results:
        reservation = admitted.pop(result.to, None)
        if reservation is not None and result.error is not None:
            settle(guard, reservation, result.error)


async def asettle_batch(
    guard: Guard | None, admitted: Admitted, results: Sequence[BatchResult]
) -> None:
    """Async `settle_batch`."""
    if guard is None:
        return
    for result in results:
        reservation = admitted.pop(result.to, None)
        if reservation is not None and result.error is not None:
            await asettle(guard, reservation, result.error)


@attrs.frozen(kw_only=True)
class Preview:
    """What a send would be, worked out offline by `Client.preview`.

    Attributes:
        to: The recipient in E.164.
        number: The recipient's number, parsed (country, type, ...).
        sender: The sender that would be used, if any.
        analysis: The encoding analysis of the text that would be sent: its
            ``encoding``, ``segments``, ``segment_count``, the characters
            that forced UCS-2 (``non_gsm_characters``) and, with
            ``smart_encoding=True``, the smart-encoded alternative.
        cost_units: What the provider would bill: one unit per segment.
        max_segments: The client's limit; a longer text is refused by `send`.
        guard: The compliance guard's decision (opted out, quiet hours,
            frequency caps), or ``None`` without a guard.
        rate_limit_wait: Seconds the client's rate limiter would make this
            send wait now (0.0 for no wait), or ``None`` when the limiter
            cannot tell without taking a token (a shared limiter).
    """

    to: str = attrs.field(repr=False)
    number: PhoneNumber = attrs.field(repr=False)
    sender: str | None = attrs.field(repr=False)
    analysis: SegmentInfo = attrs.field(repr=False)
    cost_units: int
    max_segments: int
    guard: GuardDecision | None
    rate_limit_wait: float | None

    @property
    def fits(self) -> bool:
        """Whether the text is within the client's ``max_segments``."""
        return self.analysis.segment_count <= self.max_segments

    @property
    def allowed(self) -> bool:
        """Whether the send would pass the client's checks and the guard now."""
        return self.fits and (self.guard is None or self.guard.allowed)
