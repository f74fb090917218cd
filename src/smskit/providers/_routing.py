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

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from smskit._exceptions import (
    ConfigurationError,
    NotSupported,
    OptionTypeError,
)
from smskit.phone import SenderId, SenderIdKind
from smskit.phone import parse as parse_number
from smskit.providers._protocol import (
    Provider,
)

if TYPE_CHECKING:
    from smskit.providers._protocol import (
        OutgoingMessage,
    )
from smskit.providers._group_members import (
    SupportsRouting,
    _Leg,
    member_label,
    split_id,
)
from smskit.providers._groups import _features, _Group, _legs, _variant

__all__ = ["Failover", "Router", "SupportsRouting", "member_label", "split_id"]

_REGION = re.compile(r"[A-Z]{2}|001")
_ANY = "*"


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
