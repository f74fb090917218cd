"""``Client.resolve`` for ``send-bulk``, until every client has it.

Where the client has the method, it is used; otherwise the provider's
records cannot be searched from here, which `resolve` says as
`NotSupported`, so a row in doubt stays ``unknown`` (never sent again).
Delete this module once ``Client.resolve`` is on every client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from smskit._exceptions import NotSupported

if TYPE_CHECKING:
    from smskit._client import Client
    from smskit._exceptions import DeliveryUnknown
    from smskit._models import Message

__all__ = ["resolve"]


def resolve(client: Client, question: DeliveryUnknown) -> Message | None:
    """Ask the provider whether a send in doubt was accepted.

    Returns:
        The accepted message, or ``None`` when the provider proves it was not.

    Raises:
        NotSupported: The provider's records cannot be searched (or this
            client cannot search them yet).
        DeliveryUnknown: Still unknown.
    """
    native = getattr(client, "resolve", None)
    if native is None:
        raise NotSupported(
            "this version of smskit cannot search the provider's records",
            provider=client.provider.name,
            operation="resolve",
        )
    return cast("Message | None", native(question))
