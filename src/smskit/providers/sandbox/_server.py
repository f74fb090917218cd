"""The sandbox's fake SMS service: state, lifecycle and its HTTP API.

It answers `httpx.Request` objects in-process (through `httpx.MockTransport`),
so clients reach it through exactly the engine real providers use. Time only
moves when `SandboxServer.advance` is called, which makes runs reproducible.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from decimal import Decimal
from typing import Any

import attrs
import httpx

from smskit import encoding
from smskit._models import Status, StatusEvent

__all__ = ["API_KEY", "BASE_URL", "PRICE_PER_SEGMENT", "SandboxServer"]

BASE_URL = "https://sandbox.smskit.invalid/v1"
API_KEY = "sandbox-key"
PRICE_PER_SEGMENT = Decimal("0.0075")
# Seconds from acceptance to each later status in the default lifecycle.
DEFAULT_LIFECYCLE = ((1.0, Status.SENT), (3.0, Status.DELIVERED))

_E164 = re.compile(r"\+[1-9]\d{6,14}")
_MESSAGE_PATH = re.compile(r"/v1/messages/(?P<id>[A-Za-z0-9]+)")


@attrs.define(kw_only=True)
class _Transition:
    due: dt.datetime
    status: Status
    error_code: str | None = None


@attrs.define(kw_only=True)
class _Record:
    """The server's mutable view of one message."""

    id: str
    to: str
    sender: str | None
    body: str
    status: Status
    encoding: str
    segments: int
    created_at: dt.datetime
    updated_at: dt.datetime
    client_ref: str | None
    pending: list[_Transition]
    price: Decimal | None = None
    error_code: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "to": self.to,
            "from": self.sender,
            "body": self.body,
            "status": self.status.value,
            "encoding": self.encoding,
            "segments": self.segments,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "client_ref": self.client_ref,
            "price": None if self.price is None else str(self.price),
            "currency": "USD",
            "error_code": self.error_code,
        }


class SandboxServer:
    """In-memory SMS service with a manual clock.

    Args:
        seed: Seeds message ids, so two runs with the same seed match.
        start: The sandbox's initial time (timezone-aware); defaults to now.
        api_key: The bearer token requests must carry.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        start: dt.datetime | None = None,
        api_key: str = API_KEY,
    ) -> None:
        self._rng = random.Random(seed)  # noqa: S311 -- ids for a fake, not secrets
        self._now = start or dt.datetime.now(dt.timezone.utc)
        self._api_key = api_key
        self._records: dict[str, _Record] = {}
        self.events: list[StatusEvent] = []

    @property
    def now(self) -> dt.datetime:
        """The sandbox's current time."""
        return self._now

    @property
    def records(self) -> list[dict[str, Any]]:
        """Every message in send order, as the API would return it."""
        return [record.to_json() for record in self._records.values()]

    def advance(self, seconds: float | None = None) -> list[StatusEvent]:
        """Move the clock forward and apply every status change now due.

        Args:
            seconds: How far to move; ``None`` moves just far enough for every
                pending message to reach its final status.

        Returns:
            The status events that happened, in time order.
        """
        if seconds is None:
            target = max(self._due_times(), default=self._now)
        else:
            target = self._now + dt.timedelta(seconds=seconds)
        happened: list[StatusEvent] = []
        for due, record, transition in self._due_until(target):
            happened.append(self._apply(record, transition, due))
        self._now = max(self._now, target)
        self.events.extend(happened)
        return happened

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one API request (the `httpx.MockTransport` handler)."""
        if request.headers.get("authorization") != f"Bearer {self._api_key}":
            return _error(401, "unauthorized", "missing or wrong sandbox API key")
        path = request.url.path
        if path == "/v1/messages" and request.method == "POST":
            return self._create(request)
        match = _MESSAGE_PATH.fullmatch(path)
        if match and request.method == "GET":
            return self._fetch(match["id"])
        return _error(404, "not_found", f"no route for {request.method} {path}")

    def _create(self, request: httpx.Request) -> httpx.Response:
        try:
            payload = json.loads(request.content)
        except ValueError:
            return _error(400, "invalid_json", "request body is not JSON")
        problem = _validate(payload)
        if problem:
            return _error(400, *problem)
        record = self._accept(payload)
        return httpx.Response(201, json=record.to_json())

    def _fetch(self, message_id: str) -> httpx.Response:
        record = self._records.get(message_id)
        if record is None:
            return _error(404, "not_found", f"no message {message_id}")
        return httpx.Response(200, json=record.to_json())

    def _accept(self, payload: dict[str, Any]) -> _Record:
        body: str = payload["body"]
        info = encoding.analyze(body)
        message_id = "SB" + f"{self._rng.getrandbits(128):032x}"
        record = _Record(
            id=message_id,
            to=payload["to"],
            sender=payload.get("from"),
            body=body,
            status=Status.QUEUED,
            encoding=info.encoding.value,
            segments=info.segment_count,
            created_at=self._now,
            updated_at=self._now,
            client_ref=payload.get("client_ref"),
            pending=[
                _Transition(due=self._now + dt.timedelta(seconds=delay), status=status)
                for delay, status in DEFAULT_LIFECYCLE
            ],
        )
        self._records[message_id] = record
        return record

    def _due_times(self) -> list[dt.datetime]:
        return [t.due for record in self._records.values() for t in record.pending]

    def _due_until(
        self, target: dt.datetime
    ) -> list[tuple[dt.datetime, _Record, _Transition]]:
        due = [
            (transition.due, record, transition)
            for record in self._records.values()
            for transition in record.pending
            if transition.due <= target
        ]
        # Stable sort: equal times keep send order.
        return sorted(due, key=lambda item: item[0])

    def _apply(
        self, record: _Record, transition: _Transition, due: dt.datetime
    ) -> StatusEvent:
        record.pending.remove(transition)
        record.status = transition.status
        record.updated_at = due
        record.error_code = transition.error_code
        if transition.status is Status.SENT:
            record.price = PRICE_PER_SEGMENT * record.segments
        return StatusEvent(
            message_id=record.id,
            provider="sandbox",
            status=transition.status,
            raw_status=transition.status.value,
            occurred_at=due,
            to=record.to,
            sender=record.sender,
            error_code=transition.error_code,
            client_ref=record.client_ref,
            price=record.price,
            currency="USD",
            raw={"id": record.id, "status": transition.status.value},
        )


def _validate(payload: object) -> tuple[str, str] | None:
    """Return ``(code, message)`` for a bad send request, like a real API."""
    if not isinstance(payload, dict):
        return ("invalid_json", "request body must be a JSON object")
    to = payload.get("to")
    if not isinstance(to, str) or not _E164.fullmatch(to):
        return ("invalid_to", f"'to' must be an E.164 number, got {to!r}")
    body = payload.get("body")
    if not isinstance(body, str) or not body:
        return ("missing_body", "'body' must be a non-empty string")
    return None


def _error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(
        status, json={"error": {"code": code, "message": message, "status": status}}
    )
