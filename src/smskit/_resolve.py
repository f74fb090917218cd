"""Resolving a `DeliveryUnknown`: was the message accepted or not?

Pure logic, no I/O. From a `DeliveryUnknown`, `plan_search` builds the
`ListQuery` to ask the provider and the window in which the message can have
been accepted; `judge` reads the messages the provider listed and decides:

* **accepted**: exactly one listed message is this one (by ``client_ref``
  where the provider echoes it, else by recipient, sender, text and creation
  time);
* **not accepted**: none is, and the search can be trusted to be complete:
  it read every page and started at least the settle time after the last
  attempt;
* **unknown**: several match, or the search cannot be trusted; the reason
  says which.

The clients (`Client.resolve`, `AsyncClient.resolve`) run the search and
act on the decision.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

import attrs

from smskit._exceptions import DeliveryUnknown, InvalidMessage
from smskit.providers._protocol import ListQuery

if TYPE_CHECKING:
    from collections.abc import Sequence

    from smskit._models import Message

__all__ = [
    "CLOCK_SKEW",
    "DEFAULT_SETTLE",
    "MAX_RESENDS",
    "MAX_SEARCHED",
    "Resolution",
    "Search",
    "SearchTraits",
    "judge",
    "plan_search",
    "still_unknown",
    "traits_of",
    "widen",
]

CLOCK_SKEW = dt.timedelta(minutes=5)
"""How far the provider's clock may be from ours; the window is widened by it.

A message's creation time comes from the provider's clock and the attempts'
times from this machine's, so the window in which the message can have been
created is widened on both sides. Servers kept by NTP are within a second of
each other; five minutes leaves room for a machine whose clock drifted.
"""

DEFAULT_SETTLE = dt.timedelta(seconds=30)
"""How long after the last attempt a search starts, for a provider over a network.

A request the provider was still working on when the connection ended may be
accepted a little later, and a list may show a new message only after a
moment. Until this long after the last attempt, an empty search proves
nothing, so the client waits out the rest first (in testing mode, as every
wait, it is skipped). This is smskit's choice, with a wide margin: no
provider documents either delay. The in-process sandbox answers at once, so
it needs none.
"""

MAX_SEARCHED = 1000
"""The most listed messages a search reads before it gives up as unknown."""

MAX_RESENDS = 2
"""How many times ``resolve_unknown=True`` sends a message again.

Each time only after a search proved that no earlier attempt was accepted;
the first send and at most two more make three at most.
"""

Outcome = Literal["accepted", "not_accepted", "unknown"]
Evidence = Literal["client_ref", "content", "recipient"]


@attrs.frozen(kw_only=True)
class SearchTraits:
    """How a provider's message list can be searched.

    Attributes:
        echoes_client_ref: Listed messages carry the ``client_ref`` they were
            sent with, so it tells this message from others for certain.
        filters_by_creation: The list's ``sent_after``/``sent_before``
            filters compare the creation time. Twilio's compare the time a
            message left (``DateSent``), which a queued message lacks, so for
            it the window is applied here instead.
    """

    echoes_client_ref: bool
    filters_by_creation: bool


# What smskit knows about each provider's list. Twilio lists the text but not
# client_ref; Plivo lists neither (its records have no text field), so a
# Plivo message is matched by recipient, sender and time only.
_TRAITS = {
    "sandbox": SearchTraits(echoes_client_ref=True, filters_by_creation=True),
    "twilio": SearchTraits(echoes_client_ref=False, filters_by_creation=False),
    "plivo": SearchTraits(echoes_client_ref=False, filters_by_creation=True),
}
# A provider smskit does not know: trust no filter and no echo.
_UNKNOWN_TRAITS = SearchTraits(echoes_client_ref=False, filters_by_creation=False)


def traits_of(provider: str) -> SearchTraits:
    """The search traits of the provider named ``provider``."""
    return _TRAITS.get(provider, _UNKNOWN_TRAITS)


@attrs.frozen(kw_only=True)
class Search:
    """One search of a provider's records for one message in doubt.

    Attributes:
        question: The `DeliveryUnknown` being resolved.
        to: The recipient searched for (E.164).
        query: What to ask the provider's list for.
        earliest: The first creation time the message can have.
        latest: The last creation time the message can have.
        ready_at: The search proves nothing if it starts before this.
        traits: How the provider's list can be searched.
    """

    question: DeliveryUnknown
    to: str
    query: ListQuery
    earliest: dt.datetime
    latest: dt.datetime
    ready_at: dt.datetime
    traits: SearchTraits


@attrs.frozen(kw_only=True)
class Resolution:
    """What a search decided.

    Attributes:
        outcome: ``"accepted"``, ``"not_accepted"`` or ``"unknown"``.
        message: The accepted message (only when accepted).
        reason: Why, in words, for errors and logs (no number, no text).
        evidence: What matched an accepted message: ``"client_ref"``,
            ``"content"`` (recipient, sender, text and time) or
            ``"recipient"`` (recipient, sender and time: the provider does
            not list the text).
    """

    outcome: Outcome
    reason: str
    message: Message | None = None
    evidence: Evidence | None = None


def plan_search(
    question: DeliveryUnknown,
    *,
    to: str | None,
    settle: dt.timedelta,
    skew: dt.timedelta = CLOCK_SKEW,
) -> Search:
    """The search that can settle ``question`` for recipient ``to``.

    Args:
        question: The error to resolve.
        to: The recipient (E.164), needed when the error is a batch's;
            ``None`` for the error's only recipient.
        settle: How long after the last attempt the search must start.
        skew: How far the provider's clock may be from ours.

    Raises:
        InvalidMessage: ``to`` is not one of the error's recipients, or it is
            missing for a batch's error, or the error does not say when its
            attempts were made (built by hand, or pickled by an older smskit).
    """
    recipient = _recipient(question, to)
    first, last = question.first_attempt_at, question.last_attempt_at
    if first is None or last is None:
        message = (
            "this DeliveryUnknown does not say when the message was sent, so "
            "the provider's records cannot be searched for it"
        )
        raise InvalidMessage(message)
    traits = traits_of(question.provider)
    earliest = first - skew
    latest = last + settle + skew
    window = traits.filters_by_creation
    query = ListQuery(
        to=recipient,
        sender=question.sender,
        sent_after=earliest if window else None,
        sent_before=latest if window else None,
    )
    return Search(
        question=question,
        to=recipient,
        query=query,
        earliest=earliest,
        latest=latest,
        ready_at=last + settle,
        traits=traits,
    )


def _recipient(question: DeliveryUnknown, to: str | None) -> str:
    if to is None:
        if len(question.recipients) > 1:
            count = len(question.recipients)
            message = (
                f"this DeliveryUnknown is a batch's ({count} recipients); "
                "pass to= the recipient to resolve"
            )
            raise InvalidMessage(message)
        return question.to
    if to not in question.recipients:
        raise InvalidMessage("to= is not one of this DeliveryUnknown's recipients")
    return to


def judge(
    search: Search,
    listed: Sequence[Message],
    *,
    searched_at: dt.datetime,
    complete: bool,
) -> Resolution:
    """Decide from what the provider listed whether the message was accepted.

    Args:
        search: The search that was run.
        listed: What the provider's list answered, every page read.
        searched_at: When the search started, on the attempts' clock.
        complete: Whether every page was read (not cut at `MAX_SEARCHED`).

    Returns:
        The decision; "not accepted" only when the search can be trusted.
    """
    matches = [message for message in listed if _is_candidate(search, message)]
    if len(matches) > 1:
        reason = (
            f"{len(matches)} messages in the provider's records match it "
            "(same recipient, sender and text around that time)"
        )
        return Resolution(outcome="unknown", reason=reason)
    if matches:
        return Resolution(
            outcome="accepted",
            reason="the provider's records hold it",
            message=matches[0],
            evidence=_evidence(search, matches[0]),
        )
    if not complete:
        reason = (
            f"the provider lists over {MAX_SEARCHED:,} messages to that "
            "recipient from that sender; too many to search"
        )
        return Resolution(outcome="unknown", reason=reason)
    if searched_at < search.ready_at:
        early = (search.ready_at - searched_at).total_seconds()
        reason = (
            f"the search started {early:.1f} s too soon after the last attempt "
            "to prove that nothing was accepted"
        )
        return Resolution(outcome="unknown", reason=reason)
    return Resolution(
        outcome="not_accepted",
        reason="the provider's records show it was not accepted",
    )


def _evidence(search: Search, match: Message) -> Evidence:
    if search.question.client_ref is not None and search.traits.echoes_client_ref:
        return "client_ref"
    return "recipient" if match.body is None else "content"


def _is_candidate(search: Search, message: Message) -> bool:
    """Whether ``message`` can be the one in doubt."""
    question = search.question
    if message.to != search.to:
        return False
    if question.sender is not None and message.sender not in (None, question.sender):
        return False
    created = message.created_at
    if created is not None and not search.earliest <= created <= search.latest:
        return False
    if search.traits.echoes_client_ref and message.client_ref != question.client_ref:
        # Echoed references tell messages apart for certain, absent ones too.
        return False
    # A provider that lists no text (Plivo) leaves recipient, sender and time.
    return message.body is None or message.body == question.body


def still_unknown(question: DeliveryUnknown, reason: str) -> DeliveryUnknown:
    """A `DeliveryUnknown` like ``question`` that says why it stays unknown."""
    message = (
        f"{question.provider}: still unknown whether the message was accepted: "
        f"{reason}. Do not send it again before checking by hand."
    )
    return DeliveryUnknown(
        message,
        provider=question.provider,
        to=question.to,
        client_ref=question.client_ref,
        attempts=question.attempts,
        http_status=question.http_status,
        recipients=question.recipients,
        sender=question.sender,
        body=question.body,
        first_attempt_at=question.first_attempt_at,
        last_attempt_at=question.last_attempt_at,
        reason=reason,
    )


def widen(question: DeliveryUnknown, earlier: DeliveryUnknown | None) -> None:
    """Stretch ``question``'s window back to ``earlier``'s first attempt.

    When a message proven not accepted is sent again and that send is in
    doubt too, the search covers every attempt: an earlier one that turned
    up after all then makes two matches, which stays unknown rather than
    sending a third time.
    """
    if earlier is None or earlier.first_attempt_at is None:
        return
    first = question.first_attempt_at
    if first is None or earlier.first_attempt_at < first:
        question.first_attempt_at = earlier.first_attempt_at
    question.attempts += earlier.attempts
