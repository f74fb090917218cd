"""Stable keys for webhook events, so a redelivered one is recognised.

Providers redeliver: on a timeout, on a 5xx, from a fallback URL. A key made
of the message id alone would drop every status after the first, so a status
event's key is the provider, the part (or message) it is about, the status
and the provider's word for it; an inbound message's key is the provider, its
id and the part number. Keys are JSON arrays, so no id can run into the next
field, and they never hold a phone number or a body.
"""

from __future__ import annotations

import json

from smskit._models import InboundMessage, StatusEvent

__all__ = ["event_key", "nonce_key", "part_index_key", "part_key", "status_key"]


def _key(kind: str, *fields: str | int | None) -> str:
    return json.dumps([kind, *fields], separators=(",", ":"), ensure_ascii=False)


def event_key(item: StatusEvent | InboundMessage) -> str:
    """The key that is the same for every delivery of the same event."""
    if isinstance(item, StatusEvent):
        # The part id when there is one: it does not change when the event is
        # later joined to its message, so a retry before and after
        # `WebhookHandler.remember` has the same key.
        target = item.part_id or item.message_id
        return _key("event", item.provider, target, item.status.value, item.raw_status)
    return _key("inbound", item.provider, item.id, item.part_number)


def status_key(event: StatusEvent) -> str:
    """The key under which the last status of a message (or part) is kept.

    Per part for a provider that reports parts, so one part's receipt never
    makes another part's look stale.
    """
    return _key("status", event.provider, event.part_id or event.message_id)


def nonce_key(provider: str, nonce: str) -> str:
    """The key that marks a signed nonce as seen."""
    return _key("nonce", provider, nonce)


def part_key(part: InboundMessage) -> str:
    """The key of the long inbound message a part belongs to.

    Vonage's ``concat-ref`` is a small counter kept per sender, so the sender,
    the recipient and the part count go into the key along with it.
    """
    return _key(
        "parts", part.provider, part.sender, part.to, part.part_ref, part.part_count
    )


def part_index_key(provider: str, part_id: str) -> str:
    """The key that maps a sent part's id to its message's id."""
    return _key("part-of", provider, part_id)
