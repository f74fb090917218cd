"""The sandbox: a fake SMS provider that runs in-process, for demos and tests."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import httpx

from smskit._models import Message, StatusEvent
from smskit.providers.sandbox import _api
from smskit.providers.sandbox._server import API_KEY, BASE_URL, SandboxServer

if TYPE_CHECKING:
    from smskit.providers._protocol import OutgoingMessage

__all__ = ["Sandbox"]


class Sandbox:
    """A fake provider that accepts messages and reports their delivery.

    Nothing leaves the process: the client talks to an in-memory service
    through `httpx.MockTransport`, using the same engine as real providers.
    Time in the sandbox moves only when you call `advance`.

    Args:
        seed: Seeds message ids (same seed, same ids).
        start: The sandbox's initial time (timezone-aware); defaults to now.

    Example:
        ```python
        sandbox = smskit.providers.Sandbox()
        with smskit.Client(sandbox) as client:
            message = client.send(to="+14155552671", body="Hi")
            sandbox.advance()
            assert client.fetch(message.id).status is smskit.Status.DELIVERED
        ```
    """

    def __init__(self, *, seed: int = 0, start: dt.datetime | None = None) -> None:
        self._server = SandboxServer(seed=seed, start=start)
        self._transport = httpx.MockTransport(self._server.handle)

    def __repr__(self) -> str:
        return f"<Sandbox: {len(self._server.records)} messages>"

    @property
    def name(self) -> str:
        """Always ``"sandbox"``."""
        return "sandbox"

    @property
    def transport(self) -> httpx.MockTransport:
        """The in-process transport every client of this sandbox sends through."""
        return self._transport

    @property
    def rate_limit_key(self) -> str:
        """The sandbox has a single account."""
        return "sandbox"

    @property
    def now(self) -> dt.datetime:
        """The sandbox's current time."""
        return self._server.now

    @property
    def outbox(self) -> list[Message]:
        """Every message sent so far, oldest first, with its current status."""
        return [_api.message_from_json(record) for record in self._server.records]

    @property
    def events(self) -> list[StatusEvent]:
        """Every status event so far, oldest first."""
        return list(self._server.events)

    def advance(self, seconds: float | None = None) -> list[StatusEvent]:
        """Move sandbox time forward and deliver what is due.

        Args:
            seconds: How far to move; ``None`` runs every pending message to
                its final status.

        Returns:
            The status events that happened.
        """
        return self._server.advance(seconds)

    def build_send(self, message: OutgoingMessage) -> httpx.Request:
        """Make the request that sends ``message``."""
        return _api.build_send(BASE_URL, API_KEY, message)

    def parse_send(self, message: OutgoingMessage, response: httpx.Response) -> Message:
        """Read the answer to a send."""
        return _api.parse_send(response)

    def build_fetch(self, message_id: str) -> httpx.Request:
        """Make the request that looks up a message."""
        return _api.build_fetch(BASE_URL, API_KEY, message_id)

    def parse_fetch(self, response: httpx.Response) -> Message:
        """Read the answer to a lookup."""
        return _api.parse_fetch(response)
