"""Long inbound messages that arrive part by part, joined into one.

Vonage delivers each part of a long inbound SMS as its own webhook
(``concat-ref``, ``concat-total``, ``concat-part``), in any order. The parts
wait in a store until the last one arrives; then they are joined in part
order into one `InboundMessage`. If the rest never comes, what arrived is
joined after the wait with ``missing_parts`` naming the absent ones, so a
message is never silently lost and never silently truncated.
"""

from __future__ import annotations

import json
from typing import Any

import attrs

from smskit._exceptions import WebhookPayloadError
from smskit._models import InboundMessage
from smskit.webhooks._stores import PartGroup

__all__ = ["decode_part", "encode_part", "join_parts"]


def encode_part(part: InboundMessage) -> str:
    """A part as a string a store can keep."""
    return json.dumps(part.to_dict(), separators=(",", ":"), ensure_ascii=False)


def decode_part(data: str | bytes) -> InboundMessage:
    """A part back from what `encode_part` made.

    Raises:
        WebhookPayloadError: The store returned something `encode_part` did
            not make.
    """
    try:
        part = InboundMessage.from_dict(json.loads(data))
    except (ValueError, TypeError) as error:
        message = (
            "a stored message part cannot be read back "
            f"({type(error).__name__}); was the store shared with other data?"
        )
        raise WebhookPayloadError(message) from None
    if not part.is_part:
        raise WebhookPayloadError("a stored message part is not a part of a message")
    return part


def join_parts(group: PartGroup) -> InboundMessage:
    """One message from the parts a store handed out.

    The body is the parts' text in part order; the id and sender are the
    first arrived part's (in part order); ``received_at`` is the latest part's,
    when the whole of what arrived was in; ``raw`` holds each part's payload
    under ``"parts"``. Parts that never arrived are listed in
    ``missing_parts``.

    Raises:
        WebhookPayloadError: The group is empty or a part cannot be read.
    """
    parts = sorted((decode_part(data) for data in group.parts), key=_number)
    if not parts:
        raise WebhookPayloadError("a group of message parts has no parts")
    first = parts[0]
    count = max(part.part_count or 0 for part in parts)
    present = {_number(part) for part in parts}
    moments = [part.received_at for part in parts if part.received_at is not None]
    changes: dict[str, Any] = {
        "body": "".join(part.body for part in parts),
        "received_at": max(moments) if moments else None,
        "segments": count,
        "part_ref": None,
        "part_count": None,
        "part_number": None,
        "missing_parts": _missing(count, present),
        "raw": {"parts": [part.raw for part in parts]},
    }
    return attrs.evolve(first, **changes)


def _missing(count: int, present: set[int]) -> tuple[int, ...]:
    return tuple(number for number in range(1, count + 1) if number not in present)


def _number(part: InboundMessage) -> int:
    return part.part_number or 0
