"""A small signed-webhook provider for the pipeline tests.

`FakeProvider` signs like the real ones do in spirit: an HMAC-SHA256 over the
URL, the nonce and the raw body, so a changed URL, body or nonce fails. Its
JSON body lists status events and inbound messages (or parts of them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from smskit import InboundMessage, StatusEvent
from smskit._exceptions import WebhookPayloadError, WebhookVerificationError
from smskit.webhooks import WebhookReply, WebhookRequest

SECRET = b"fake-webhook-secret-7f3a"
URL = "https://hooks.example.com/hooks/fake?tenant=7"
T0 = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.timezone.utc)
SENDER = "+14155552671"
OUR_NUMBER = "+15005550006"


def signature(url: str, nonce: str, body: bytes, secret: bytes = SECRET) -> str:
    signed = url.encode() + b"\n" + nonce.encode() + b"\n" + body
    return hmac.new(secret, signed, hashlib.sha256).hexdigest()


@attrs.define
class FakeProvider:
    """Implements `SupportsWebhooks`; counts calls so tests see the order."""

    name: str = "fake"
    secret: bytes = SECRET
    verified: int = 0
    parsed: int = 0

    def verify_webhook(self, request: WebhookRequest, *, now: dt.datetime) -> None:
        self.verified += 1
        given = request.header("x-fake-signature")
        if given is None:
            message = f"X-Fake-Signature is missing (URL {request.url})"
            raise WebhookVerificationError(message)
        nonce = request.header("x-fake-nonce") or ""
        expected = signature(request.url, nonce, request.body, self.secret)
        if not hmac.compare_digest(given, expected):
            message = f"X-Fake-Signature does not match for URL {request.url}"
            raise WebhookVerificationError(message)

    def parse_webhook(
        self, request: WebhookRequest
    ) -> tuple[StatusEvent | InboundMessage, ...]:
        self.parsed += 1
        try:
            payload = json.loads(request.body)
            items: list[StatusEvent | InboundMessage] = [
                _event(entry) for entry in payload.get("events", ())
            ]
            items += [_inbound(entry) for entry in payload.get("inbound", ())]
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            message = f"fake payload cannot be read: {type(error).__name__}"
            raise WebhookPayloadError(message) from None
        return tuple(items)

    def webhook_nonce(self, request: WebhookRequest) -> str | None:
        return request.header("x-fake-nonce")

    def webhook_reply(
        self, items: tuple[StatusEvent | InboundMessage, ...]
    ) -> WebhookReply:
        if any(isinstance(item, InboundMessage) for item in items):
            return WebhookReply(status=200, content_type="text/plain", body=b"ok")
        return WebhookReply(status=204)


def _event(entry: Mapping[str, Any]) -> StatusEvent:
    return StatusEvent(
        message_id=entry["id"],
        provider="fake",
        status=entry["status"],
        part_id=entry.get("part"),
        raw_status=entry.get("raw", entry["status"]),
        raw=dict(entry),
    )


def _inbound(entry: Mapping[str, Any]) -> InboundMessage:
    return InboundMessage(
        id=entry["id"],
        provider="fake",
        sender=entry.get("from", SENDER),
        to=entry.get("to", OUR_NUMBER),
        body=entry["text"],
        part_ref=entry.get("ref"),
        part_count=entry.get("count"),
        part_number=entry.get("number"),
        raw=dict(entry),
    )


def event(message_id: str, status: str, part: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": message_id, "status": status}
    if part is not None:
        entry["part"] = part
    return entry


def part(
    number: int, count: int, text: str, *, ref: str = "42", sender: str = SENDER
) -> dict[str, Any]:
    return {
        "id": f"in-{ref}-{number}",
        "text": text,
        "ref": ref,
        "count": count,
        "number": number,
        "from": sender,
    }


_nonces = iter(range(1, 10**9))


def fake_request(
    *,
    events: Sequence[Mapping[str, Any]] = (),
    inbound: Sequence[Mapping[str, Any]] = (),
    body: bytes | None = None,
    url: str = URL,
    signed_url: str | None = None,
    nonce: str | None = None,
    secret: bytes = SECRET,
    headers: Mapping[str, str] | None = None,
    remote_addr: str | None = None,
) -> WebhookRequest:
    """A request signed over ``signed_url`` (default: ``url``), fresh nonce."""
    if body is None:
        body = json.dumps({"events": list(events), "inbound": list(inbound)}).encode()
    if nonce is None:
        nonce = f"n{next(_nonces)}"
    all_headers = {
        "Content-Type": "application/json",
        "X-Fake-Nonce": nonce,
        "X-Fake-Signature": signature(signed_url or url, nonce, body, secret),
    }
    all_headers.update(headers or {})
    return WebhookRequest(
        method="POST", url=url, headers=all_headers, body=body, remote_addr=remote_addr
    )


class Clock:
    """A clock the tests move by hand."""

    def __init__(self, start: dt.datetime = T0) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


# The redis-server helper is tests/redis_server.py, shared by every Redis
# test; tests/webhooks/conftest.py still imports these two names from here.
# Resolved on first use, not at import: the two-process test's workers import
# this module with only tests/webhooks on their path.
