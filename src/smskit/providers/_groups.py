"""The base of `Failover` and `Router`: a provider made of members.

`_Group` routes each call to the member concerned; the capability mixins
(cancel, list, schedule, webhooks, in-process) are added per group by
`_variant`, according to what its members can do.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import httpx

from smskit._exceptions import (
    ConfigurationError,
    InvalidMessage,
    NotSupported,
    OptionTypeError,
    WebhookPayloadError,
    WebhookVerificationError,
)
from smskit._models import InboundMessage, Message, StatusEvent
from smskit.providers._group_members import (
    _LABEL,
    _check_label,
    _check_transports,
    _item_of,
    _labels_by_member,
    _Leg,
    _message_of,
    _prefixed,
    _tagged,
    member_label,
    split_id,
)
from smskit.providers._protocol import (
    InProcessProvider,
    Provider,
    SupportsCancel,
    SupportsList,
    SupportsSchedule,
    SupportsWebhooks,
)

if TYPE_CHECKING:
    import datetime as dt

    from smskit.providers._protocol import (
        ListQuery,
        OutgoingMessage,
        Page,
        WebhookReply,
        WebhookRequest,
    )


class _Group(abc.ABC):
    """What `Failover` and `Router` share: members, labels, ids and capabilities.

    The optional capabilities are mixins chosen per instance (see `_variant`),
    because `capabilities` and the client check them with ``isinstance``.
    """

    kind: ClassVar[str] = "group"
    _name: str
    _leaves: dict[str, Provider]
    _members: tuple[Provider, ...]

    def _setup(
        self,
        members: Sequence[object],
        *,
        name: object,
        labels: Mapping[str, Provider] | None,
    ) -> None:
        if not isinstance(name, str) or not _LABEL.fullmatch(name):
            message = f"{self.kind} name must be a short lower-case word, not {name!r}"
            raise ConfigurationError(message)
        self._name = name
        self._leaves = _leaves_of(tuple(members), _labels_by_member(labels), self.kind)
        _check_transports(self._leaves, self.kind)
        self._members = tuple(members)  # type: ignore[arg-type] # checked above

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._name}: {', '.join(self._leaves)}>"

    @property
    def name(self) -> str:
        """The group's name (its members' messages keep their own)."""
        return self._name

    @property
    def rate_limit_key(self) -> str:
        """Every member's account; each send draws from its member's own."""
        keys = dict.fromkeys(leaf.rate_limit_key for leaf in self._leaves.values())
        return "+".join(keys)

    @property
    def members(self) -> Mapping[str, Provider]:
        """Every member provider by label, nested groups flattened, in order."""
        return dict(self._leaves)

    @abc.abstractmethod
    def send_legs(self, message: OutgoingMessage) -> tuple[Provider, ...]:
        """The members to try for ``message``, in order."""

    def message_leg(self, message_id: str) -> tuple[Provider, str]:
        """The member holding ``message_id`` and the member's own id for it."""
        label, inner = split_id(message_id)
        return self._leg(label), inner

    def _leg(self, label: str) -> _Leg:
        member = self._leaves.get(label)
        if member is None:
            known = ", ".join(self._leaves)
            message = f"{self._name} has no member labelled {label!r} (it has {known})"
            raise InvalidMessage(message)
        return _Leg(label, member)

    def _answering_leg(self, response: httpx.Response) -> _Leg:
        """The member whose request ``response`` answers."""
        label = member_label(response.request)
        if label is None:
            message = (
                f"{self._name} cannot tell which member this answer is for: "
                "its request was not built by this group"
            )
            raise ConfigurationError(message)
        return self._leg(label)

    # Provider: the first leg sends. The failover itself happens in the
    # client's engine, which chains every leg of `send_legs`.

    def build_send(self, message: OutgoingMessage) -> httpx.Request:
        """Make the request that sends ``message`` through its first member."""
        return self.send_legs(message)[0].build_send(message)

    def parse_send(self, message: OutgoingMessage, response: httpx.Response) -> Message:
        """Read a member's answer to a send; the id names the member."""
        return self._answering_leg(response).parse_send(message, response)

    def build_fetch(self, message_id: str) -> httpx.Request:
        """Make the lookup at the member the id names."""
        leg, inner = self.message_leg(message_id)
        return leg.build_fetch(inner)

    def parse_fetch(self, response: httpx.Response) -> Message:
        """Read a member's answer to a lookup; the id names the member."""
        return self._answering_leg(response).parse_fetch(response)


class _Cancel(_Group):
    def build_cancel(self, message_id: str) -> httpx.Request:
        """Make the cancel at the member the id names.

        Raises:
            NotSupported: That member cannot cancel.
        """
        leg, inner = self.message_leg(message_id)
        if not isinstance(leg, SupportsCancel):  # pragma: no cover - legs cancel
            raise NotSupported("cancel", provider=leg.name, operation="cancel")
        return leg.build_cancel(inner)

    def parse_cancel(self, response: httpx.Response) -> Message:
        """Read a member's answer to a cancel."""
        return self._answering_leg(response).parse_cancel(response)


class _List(_Group):
    def build_list(self, query: ListQuery, cursor: str | None) -> httpx.Request:
        """Make the request for one page of one member, members in order.

        The cursor is ``"<label>:<member's cursor>"``; an empty member cursor
        starts that member's first page.
        """
        if cursor is None:
            label, inner = next(iter(self._leaves)), ""
        else:
            label, _, inner = cursor.partition(":")
        leg = self._leg(label)
        lister = leg.member
        if not isinstance(lister, SupportsList):  # pragma: no cover - checked
            raise NotSupported("list", provider=leg.name, operation="list")
        return _tagged(lister.build_list(query, inner or None), label)

    def parse_list(self, response: httpx.Response) -> Page:
        """Read a member's page; the last page of a member leads to the next."""
        leg = self._answering_leg(response)
        lister = leg.member
        if not isinstance(lister, SupportsList):  # pragma: no cover - checked
            raise NotSupported("list", provider=leg.name, operation="list")
        page = lister.parse_list(response)
        messages = tuple(_message_of(leg.label, item) for item in page.messages)
        if page.next_cursor is not None:
            cursor: str | None = _prefixed(leg.label, page.next_cursor)
        else:
            labels = list(self._leaves)
            after = labels.index(leg.label) + 1
            cursor = _prefixed(labels[after], "") if after < len(labels) else None
        return attrs.evolve(page, messages=messages, next_cursor=cursor)


class _Schedule(_Group):
    def check_send_at(self, send_at: dt.datetime) -> None:
        """Refuse a moment any member cannot schedule: any of them may send."""
        for leaf in self._leaves.values():
            if isinstance(leaf, SupportsSchedule):
                leaf.check_send_at(send_at)


class _Webhooks(_Group):
    """Webhooks of every member that has them, behind one URL.

    A request is the first member's (in order) whose signature check passes;
    parsing takes the first member that can read it. Members of the same
    provider behind one URL cannot be told apart by their payload alone;
    give each of them a URL (and a handler) of its own.
    """

    def _webhook_leaves(self) -> list[tuple[str, SupportsWebhooks]]:
        return [
            (label, leaf)
            for label, leaf in self._leaves.items()
            if isinstance(leaf, SupportsWebhooks)
        ]

    def verify_webhook(self, request: WebhookRequest, *, now: dt.datetime) -> None:
        """Accept the request if any member's signature check passes."""
        reasons = []
        for label, leaf in self._webhook_leaves():
            try:
                leaf.verify_webhook(request, now=now)
            except WebhookVerificationError as error:
                reasons.append(f"{label}: {error}")
            else:
                return
        message = f"no member of {self._name} accepted it ({'; '.join(reasons)})"
        raise WebhookVerificationError(message)

    def parse_webhook(
        self, request: WebhookRequest
    ) -> tuple[StatusEvent | InboundMessage, ...]:
        """Read the request with the first member that can; ids name it."""
        label, _, items = self._webhook_owner(request)
        return tuple(_item_of(label, item) for item in items)

    def webhook_nonce(self, request: WebhookRequest) -> str | None:
        """The nonce of the member the request is for."""
        for label, leaf in self._webhook_leaves():
            nonce = leaf.webhook_nonce(request)
            if nonce is not None:
                # Prefixed, so two members' nonces can never collide.
                return f"{label}:{nonce}"
        return None

    def webhook_reply(
        self, items: tuple[StatusEvent | InboundMessage, ...]
    ) -> WebhookReply:
        """The answer the member of the first item expects."""
        leaves = self._webhook_leaves()
        if items:
            first = items[0]
            item_id = first.message_id if isinstance(first, StatusEvent) else first.id
            label = item_id.partition(":")[0]
            leaves = [pair for pair in leaves if pair[0] == label] or leaves
        return leaves[0][1].webhook_reply(items)

    def _webhook_owner(
        self, request: WebhookRequest
    ) -> tuple[str, SupportsWebhooks, tuple[StatusEvent | InboundMessage, ...]]:
        reasons = []
        for label, leaf in self._webhook_leaves():
            try:
                items = leaf.parse_webhook(request)
            except WebhookPayloadError as error:
                reasons.append(f"{label}: {error}")
            else:
                return label, leaf, items
        message = f"no member of {self._name} can read it ({'; '.join(reasons)})"
        raise WebhookPayloadError(message)


class _InProcess(_Group):
    """A group of in-process members answers in-process too."""

    _transport: httpx.MockTransport

    @property
    def transport(self) -> httpx.MockTransport:
        """Hands each request to the transport of the member that built it."""
        try:
            return self._transport
        except AttributeError:
            self._transport = httpx.MockTransport(self._dispatch)
            return self._transport

    def _dispatch(self, request: httpx.Request) -> Any:
        label = member_label(request)
        leaf = self._leaves.get(label or "")
        if not isinstance(leaf, InProcessProvider):
            message = f"{self._name}: a request no member built reached its transport"
            raise ConfigurationError(message)
        # The member's handler answers sync and async clients alike.
        return leaf.transport.handler(request)


_MIXINS: dict[str, type] = {
    "cancel": _Cancel,
    "list": _List,
    "schedule": _Schedule,
    "webhooks": _Webhooks,
    "in_process": _InProcess,
}
_VARIANTS: dict[tuple[type, frozenset[str]], type] = {}


def _features(leaves: Mapping[str, Provider]) -> frozenset[str]:
    """What a group can do beyond send and fetch.

    Cancel and webhooks when any member can (each call goes to the member
    concerned); list and schedule only when every member can.
    """
    found = leaves.values()
    features = set()
    if any(isinstance(leaf, SupportsCancel) for leaf in found):
        features.add("cancel")
    if any(isinstance(leaf, SupportsWebhooks) for leaf in found):
        features.add("webhooks")
    if all(isinstance(leaf, SupportsList) for leaf in found):
        features.add("list")
    if all(isinstance(leaf, SupportsSchedule) for leaf in found):
        features.add("schedule")
    if all(isinstance(leaf, InProcessProvider) for leaf in found):
        features.add("in_process")
    return frozenset(features)


def _variant(base: type, features: frozenset[str]) -> type:
    """``base`` with the mixins of ``features`` (one class per combination)."""
    key = (base, features)
    if key not in _VARIANTS:
        mixins = tuple(_MIXINS[feature] for feature in sorted(features))
        namespace = {"__module__": base.__module__, "__qualname__": base.__qualname__}
        _VARIANTS[key] = type(base.__name__, (base, *mixins), namespace)
    return _VARIANTS[key]


def _leaves_of(
    members: tuple[object, ...], labels: Mapping[int, str], kind: str
) -> dict[str, Provider]:
    """Every member provider by label, nested groups flattened."""
    if not members:
        raise ConfigurationError(f"a {kind} needs at least one member")
    leaves: dict[str, Provider] = {}
    for member in members:
        if not isinstance(member, Provider):
            message = f"{kind} members must be smskit providers, not {member!r}"
            raise OptionTypeError(message)
        if isinstance(member, _Group):
            found = dict(member._leaves)
        else:
            found = {_check_label(labels.get(id(member), member.name)): member}
        for label, leaf in found.items():
            if leaves.get(label, leaf) is not leaf:
                message = (
                    f"two {kind} members are labelled {label!r}; name them apart "
                    f"with labels={{'{label}-a': first, '{label}-b': second}}"
                )
                raise ConfigurationError(message)
            leaves[label] = leaf
    return leaves


def _legs(group: _Group, member: Provider, message: OutgoingMessage) -> list[Provider]:
    if isinstance(member, _Group):
        return list(member.send_legs(message))
    label = next(label for label, leaf in group._leaves.items() if leaf is member)
    return [_Leg(label, member)]
