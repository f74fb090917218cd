"""What a group's members have in common: their labels, ids and legs.

A message sent through a `Failover` or `Router` has the id
``"<label>:<member's id>"``; these helpers make and split such ids, tag the
requests a member builds, and wrap one member as a *leg* that hands out
labelled ids. See `smskit.providers._routing` for the groups themselves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import attrs
import httpx

from smskit._exceptions import (
    ConfigurationError,
    InvalidMessage,
    NotSupported,
    OptionTypeError,
)
from smskit._models import InboundMessage, Message, StatusEvent
from smskit.providers._protocol import (
    InProcessProvider,
    Provider,
    SupportsCancel,
)

if TYPE_CHECKING:
    from smskit.providers._protocol import (
        OutgoingMessage,
    )

__all__ = ["MEMBER_EXTENSION", "SupportsRouting", "member_label", "split_id"]

MEMBER_EXTENSION = "smskit_member"
"""The request extension that names the member a request was built by."""

_LABEL = re.compile(r"[a-z0-9][a-z0-9_.-]{0,31}")


@runtime_checkable
class SupportsRouting(Protocol):
    """A provider made of members: it says which member to try, in order.

    The client chains the legs into one operation: the engine moves to the
    next leg only after an error that proves the message was not accepted.
    """

    def send_legs(self, message: OutgoingMessage) -> tuple[Provider, ...]:
        """The members to try for ``message``, in order, as providers.

        Raises:
            NotSupported: No member takes this message.
        """
        ...

    def message_leg(self, message_id: str) -> tuple[Provider, str]:
        """The member holding ``message_id``, and the member's own id for it.

        Raises:
            InvalidMessage: The id names no member of this group.
        """
        ...


def split_id(message_id: str) -> tuple[str, str]:
    """Split a group's message id into the member's label and its own id.

    Raises:
        InvalidMessage: The id has no ``"<label>:"`` prefix.
    """
    label, colon, inner = message_id.partition(":")
    if not colon or not _LABEL.fullmatch(label) or not inner:
        message = (
            f"message id {message_id!r} does not name a member: ids of messages "
            "sent through a Failover or Router look like 'twilio:SM…'"
        )
        raise InvalidMessage(message)
    return label, inner


def member_label(request: httpx.Request) -> str | None:
    """The label of the member that built ``request``, if a group built it."""
    label = request.extensions.get(MEMBER_EXTENSION)
    return label if isinstance(label, str) else None


def _tagged(request: httpx.Request, label: str) -> httpx.Request:
    request.extensions = {**request.extensions, MEMBER_EXTENSION: label}
    return request


def _prefixed(label: str, value: str) -> str:
    return f"{label}:{value}"


def _message_of(label: str, message: Message) -> Message:
    """The member's message under its group id (parts too, so events match)."""
    return attrs.evolve(
        message,
        id=_prefixed(label, message.id),
        part_ids=tuple(_prefixed(label, part) for part in message.part_ids),
    )


def _item_of(
    label: str, item: StatusEvent | InboundMessage
) -> StatusEvent | InboundMessage:
    if isinstance(item, StatusEvent):
        return attrs.evolve(
            item,
            message_id=_prefixed(label, item.message_id),
            part_id=None if item.part_id is None else _prefixed(label, item.part_id),
        )
    return attrs.evolve(item, id=_prefixed(label, item.id))


class _Leg:
    """One member seen as a provider whose ids carry the member's label."""

    __slots__ = ("label", "member")

    def __init__(self, label: str, member: Provider) -> None:
        self.label = label
        self.member = member

    def __repr__(self) -> str:
        return f"<leg {self.label}>"

    @property
    def name(self) -> str:
        """The member's name (`Message.provider` stays the member's)."""
        return self.member.name

    @property
    def rate_limit_key(self) -> str:
        """The member's account: each member has its own rate limits."""
        return self.member.rate_limit_key

    def build_send(self, message: OutgoingMessage) -> httpx.Request:
        return _tagged(self.member.build_send(message), self.label)

    def parse_send(self, message: OutgoingMessage, response: httpx.Response) -> Message:
        return _message_of(self.label, self.member.parse_send(message, response))

    def build_fetch(self, message_id: str) -> httpx.Request:
        return _tagged(self.member.build_fetch(message_id), self.label)

    def parse_fetch(self, response: httpx.Response) -> Message:
        return _message_of(self.label, self.member.parse_fetch(response))

    def build_cancel(self, message_id: str) -> httpx.Request:
        member = self.member
        if not isinstance(member, SupportsCancel):
            message = f"{member.name} does not support cancel"
            raise NotSupported(message, provider=member.name, operation="cancel")
        return _tagged(member.build_cancel(message_id), self.label)

    def parse_cancel(self, response: httpx.Response) -> Message:
        member = self.member
        if not isinstance(member, SupportsCancel):  # pragma: no cover - built first
            raise NotSupported("cancel", provider=member.name, operation="cancel")
        return _message_of(self.label, member.parse_cancel(response))


def _check_transports(leaves: Mapping[str, Provider], kind: str) -> None:
    """Refuse in-process members (the sandbox) beside remote ones.

    A client has one transport: the in-process one would send a remote
    member's requests nowhere, and a real one would send the sandbox's out.
    """
    local = [
        label for label, leaf in leaves.items() if isinstance(leaf, InProcessProvider)
    ]
    if local and len(local) != len(leaves):
        message = (
            f"a {kind} cannot mix in-process members ({', '.join(local)}) with "
            "remote ones: a client sends through one transport"
        )
        raise ConfigurationError(message)


def _labels_by_member(labels: object) -> dict[int, str]:
    if labels is None:
        return {}
    if not isinstance(labels, Mapping):
        kind = type(labels).__name__
        raise OptionTypeError(f"labels must map labels to providers, not {kind}")
    by_member: dict[int, str] = {}
    for label, provider in labels.items():
        _check_label(label)
        by_member[id(provider)] = label
    return by_member


def _check_label(label: object) -> str:
    if not isinstance(label, str) or not _LABEL.fullmatch(label):
        message = (
            f"member label {label!r} must be 1-32 lower-case letters, digits, "
            "'_', '.' or '-' (it starts every id the member hands out)"
        )
        raise ConfigurationError(message)
    return label
