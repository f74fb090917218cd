"""Failover and routing: providers made of other providers.

`Failover` and `Router` are providers, so a client uses them like any other.
Both are sans-I/O like every provider: they only choose which member builds
a request and which member reads the answer. Moving on from one member to
the next is the engine's decision (`smskit._core._flow`), taken only after an
error that proves the member did not accept the message; a group hands the
client its *legs* (`send_legs`), one per member to try, and the client
chains them into one operation.

Ids: a message sent through a group has the id ``"<label>:<member's id>"``,
where the label names the member (its provider name unless given), so
`fetch`, `cancel`, `list_messages` and webhooks reach the member that holds
it. Labels never contain ``":"``, so the first colon splits an id back.
Nested groups share one flat set of labels: a ``Router`` whose member is a
``Failover`` of Twilio and Vonage hands out ``"twilio:SM…"`` and
``"vonage:0A…"``, never a label per level.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

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
from smskit.phone import SenderId, SenderIdKind
from smskit.phone import parse as parse_number
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

__all__ = ["Failover", "Router", "SupportsRouting", "member_label", "split_id"]

MEMBER_EXTENSION = "smskit_member"
"""The request extension that names the member a request was built by."""

_LABEL = re.compile(r"[a-z0-9][a-z0-9_.-]{0,31}")
_REGION = re.compile(r"[A-Z]{2}|001")
_ANY = "*"


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


class Failover(_Group):
    """Send through the first member that provably takes the message.

    A send moves to the next member only after an error proving the member
    did not accept it: refused credentials or an empty account
    (`AuthenticationError`, `InsufficientFunds`), no connection, a 5xx the
    provider documents as not processed, or throttling that outlasts the
    retry policy. Each member gets the client's full retry policy and draws
    from its own rate limit first. An answer lost after the request left
    (`DeliveryUnknown`) never moves on: the message may be out, and a second
    member would send it twice. A refused message (bad number, opted out)
    does not move on either: another member would refuse it too.

    Args:
        members: The providers to try, in order (other groups allowed).
        labels: Labels for members whose provider names clash, such as
            ``{"main": sandbox_a, "backup": sandbox_b}``; a label starts every
            id its member hands out (``"main:msg_…"``).
        name: The group's name, for errors and repr.

    Raises:
        ConfigurationError: No members, or two members with one label.
        OptionTypeError: A member is not a provider.

    Example:
        ```python
        provider = smskit.providers.Failover([twilio, vonage])
        with smskit.Client(provider) as client:
            message = client.send(to="+14155552671", body="Hi")
            client.fetch(message.id)  # "twilio:SM…" or "vonage:0A…"
        ```
    """

    kind: ClassVar[str] = "failover"

    def __new__(
        cls,
        members: Sequence[Provider],
        *,
        labels: Mapping[str, Provider] | None = None,
        name: str = "failover",
    ) -> Failover:
        if isinstance(members, (str, Mapping)) or not isinstance(members, Sequence):
            kind = type(members).__name__
            raise OptionTypeError(f"members must be a list of providers, not {kind}")
        probe = object.__new__(cls)
        probe._setup(members, name=name, labels=labels)
        instance: Failover = object.__new__(_variant(cls, _features(probe._leaves)))
        instance.__dict__.update(probe.__dict__)
        return instance

    def send_legs(self, message: OutgoingMessage) -> tuple[Provider, ...]:
        """Every member, in order; a member reached twice is tried once."""
        legs: dict[int, Provider] = {}
        for member in self._members:
            for leg in _legs(self, member, message):
                key = id(leg.member) if isinstance(leg, _Leg) else id(leg)
                legs.setdefault(key, leg)
        return tuple(legs.values())


class Router(_Group):
    """Send each message through the member chosen for it.

    The sender's kind decides first (when ``senders`` names it), then the
    recipient's country, then the ``"*"`` route. A member may be a
    `Failover`. Which member was chosen is in the message id, so lookups,
    cancels and webhooks reach it.

    Args:
        routes: Countries (ISO 3166-1 alpha-2, such as ``"US"``; ``"001"``
            for non-geographic numbers) or ``"*"`` for every other
            recipient, each with its provider.
        senders: Sender kinds (``"alphanumeric"``, ``"short_code"``,
            ``"long_number"``, or `smskit.phone.SenderIdKind`) with the
            provider for messages from such a sender.
        labels: Labels for members whose provider names clash (see
            `Failover`).
        name: The group's name, for errors and repr.

    Raises:
        ConfigurationError: A route key is not a country, ``"*"`` or a
            sender kind; no routes; two members with one label.
        OptionTypeError: A member is not a provider.

    Example:
        ```python
        router = smskit.providers.Router({"US": twilio, "*": vonage})
        ```
    """

    kind: ClassVar[str] = "router"
    _routes: dict[str, Provider]
    _senders: dict[SenderIdKind, Provider]

    def __new__(
        cls,
        routes: Mapping[str, Provider],
        *,
        senders: Mapping[SenderIdKind | str, Provider] | None = None,
        labels: Mapping[str, Provider] | None = None,
        name: str = "router",
    ) -> Router:
        probe = object.__new__(cls)
        probe._routes = _country_routes(routes)
        probe._senders = _sender_routes(senders)
        members = [*probe._routes.values(), *probe._senders.values()]
        probe._setup(members, name=name, labels=labels)
        instance: Router = object.__new__(_variant(cls, _features(probe._leaves)))
        instance.__dict__.update(probe.__dict__)
        return instance

    def route(self, message: OutgoingMessage) -> Provider:
        """The member chosen for ``message``.

        Raises:
            NotSupported: No route takes the recipient's country.
        """
        if message.sender is not None and self._senders:
            kind = SenderId.parse(message.sender).kind
            if kind in self._senders:
                return self._senders[kind]
        region = parse_number(message.to).region
        member = self._routes.get(region) or self._routes.get(_ANY)
        if member is None:
            routed = ", ".join(sorted(self._routes))
            text = (
                f"{self._name} has no route for recipients in {region} "
                f"(routes: {routed}); add a {region!r} or '*' route"
            )
            raise NotSupported(text, provider=self._name, operation=f"send to {region}")
        return member

    def send_legs(self, message: OutgoingMessage) -> tuple[Provider, ...]:
        """The chosen member (its own members in order, if a `Failover`)."""
        return tuple(_legs(self, self.route(message), message))


def _country_routes(routes: object) -> dict[str, Provider]:
    if not isinstance(routes, Mapping):
        kind = type(routes).__name__
        raise OptionTypeError(f"routes must map countries to providers, not {kind}")
    if not routes:
        raise ConfigurationError("a router needs at least one route")
    checked: dict[str, Provider] = {}
    for key, provider in routes.items():
        if not isinstance(key, str) or not (key == _ANY or _REGION.fullmatch(key)):
            message = (
                f"route {key!r} must be a country code such as 'US' (upper case), "
                "'001' for non-geographic numbers, or '*' for the rest"
            )
            raise ConfigurationError(message)
        checked[key] = provider
    return checked


def _sender_routes(senders: object) -> dict[SenderIdKind, Provider]:
    if senders is None:
        return {}
    if not isinstance(senders, Mapping):
        kind = type(senders).__name__
        raise OptionTypeError(f"senders must map sender kinds to providers, not {kind}")
    checked: dict[SenderIdKind, Provider] = {}
    for key, provider in senders.items():
        try:
            checked[SenderIdKind(key)] = provider
        except ValueError:
            known = ", ".join(kind.value for kind in SenderIdKind)
            message = f"sender route {key!r} must be one of: {known}"
            raise ConfigurationError(message) from None
    return checked
