"""From sandbox changes to webhooks: which dialects render them, and to which URLs."""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from typing import TYPE_CHECKING

from smskit._models import InboundMessage, StatusEvent

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from smskit._emulator._common import Dialect, Webhook

__all__ = ["Target", "WebhookFanout"]

logger = logging.getLogger("smskit.emulator")

Target = tuple["Dialect", str]
"""A dialect and the URL its inbound webhook goes to."""


class WebhookFanout:
    """The sandbox state's listener: each change becomes the dialects' webhooks.

    A status change goes to every dialect (each sends callbacks only for the
    messages it created). An inbound message goes to the targets chosen for
    the receive in progress on this thread (`routed`), else to every dialect
    with an inbound URL.

    Args:
        dialects: The provider APIs, each of which may render webhooks.
        inbound_urls: Per provider, where inbound-SMS webhooks go (read at
            each change, so later changes to the mapping count).
        submit: Queues one webhook for sending.
    """

    def __init__(
        self,
        dialects: tuple[Dialect, ...],
        inbound_urls: Mapping[str, str],
        submit: Callable[[Webhook], None],
    ) -> None:
        self._dialects = dialects
        self._inbound_urls = inbound_urls
        self._send = submit
        self._route = threading.local()

    def dialect(self, name: str) -> Dialect:
        """The dialect called ``name``.

        Raises:
            KeyError: There is no such provider.
        """
        for dialect in self._dialects:
            if dialect.name == name:
                return dialect
        raise KeyError(name)

    def targets(self, provider: str | None, url: str | None) -> list[Target]:
        """Where an inbound message's webhooks go.

        Args:
            provider: Only this provider; every one by default.
            url: This URL instead of each provider's configured one.

        Returns:
            Each dialect with the URL it sends to; a dialect without a URL
            is left out.

        Raises:
            KeyError: ``provider`` is not a dialect's name.
        """
        dialects = self._dialects if provider is None else (self.dialect(provider),)
        found = []
        for dialect in dialects:
            target = url or self._inbound_urls.get(dialect.name)
            if target:
                found.append((dialect, target))
        return found

    @contextlib.contextmanager
    def routed(self, targets: list[Target]) -> Iterator[None]:
        """Send inbound messages received on this thread to ``targets`` only."""
        self._route.targets = targets
        try:
            yield
        finally:
            self._route.targets = None

    def on_change(self, item: StatusEvent | InboundMessage) -> None:
        """Turn one change of the state into webhooks and queue them.

        Each dialect's webhooks are built alone: one that cannot be rendered
        is logged and skipped, and the others (and the clock) go on.
        """
        if isinstance(item, StatusEvent):
            for dialect in self._dialects:
                self._submit(dialect.name, functools.partial(dialect.on_event, item))
            return
        targets = getattr(self._route, "targets", None)
        if targets is None:  # received through the state directly: every provider
            targets = self.targets(None, None)
        for dialect, url in targets:
            render = functools.partial(dialect.inbound_webhooks, item, url)
            self._submit(dialect.name, render)

    def _submit(self, provider: str, render: Callable[[], list[Webhook]]) -> None:
        try:
            webhooks = render()
        except Exception:  # a bug in one webhook must not stop the others
            logger.exception("the %s webhook could not be built", provider)
            return
        for webhook in webhooks:
            self._send(webhook)
