"""What the three framework adapter suites share: Twilio requests, a recorder."""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from urllib.parse import urlencode

from smskit.providers import Twilio
from smskit.providers.twilio import _signing
from smskit.webhooks import MemoryStore, WebhookResult, WebhookStoreUnavailable

SID = "AC0123456789abcdef0123456789abcdef"
TOKEN = "adapter-test-auth-token"
MESSAGE_SID = "SM0123456789abcdef0123456789abcdef"
INBOUND_SID = "SMfedcba9876543210fedcba9876543210"
PATH = "/hooks/twilio"
CAP = 4096
"""The body cap the suites give their handlers."""

Params = Sequence[tuple[str, str]]


def twilio() -> Twilio:
    """The provider every adapter test verifies with."""
    return Twilio(account_sid=SID, auth_token=TOKEN)


def status_params(status: str = "delivered", sid: str = MESSAGE_SID) -> Params:
    """A Twilio status callback's parameters."""
    return [
        ("MessageSid", sid),
        ("SmsSid", sid),
        ("MessageStatus", status),
        ("SmsStatus", status),
        ("AccountSid", SID),
        ("To", "+14155552671"),
        ("From", "+15005550006"),
        ("ApiVersion", "2010-04-01"),
    ]


def inbound_params(body: str = "STOP") -> Params:
    """A Twilio incoming message's parameters."""
    return [
        ("MessageSid", INBOUND_SID),
        ("SmsMessageSid", INBOUND_SID),
        ("SmsStatus", "received"),
        ("AccountSid", SID),
        ("From", "+14155552671"),
        ("To", "+15005550006"),
        ("Body", body),
        ("NumSegments", "1"),
    ]


def signed(
    url: str, params: Params, token: str = TOKEN
) -> tuple[bytes, dict[str, str]]:
    """A form body and the headers Twilio sends with it, signed for ``url``."""
    grouped: dict[str, list[str]] = {}
    for name, value in params:
        grouped.setdefault(name, []).append(value)
    signature = _signing.signature(token, url, grouped)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
    }
    return urlencode(params).encode(), headers


class Recorder:
    """A callback that keeps every result, failing the first ``failures`` calls."""

    def __init__(self, failures: int = 0) -> None:
        self.results: list[WebhookResult] = []
        self.calls = 0
        self.failures = failures
        self.threads: list[threading.Thread] = []

    def __call__(self, result: WebhookResult) -> None:
        self.calls += 1
        self.threads.append(threading.current_thread())
        if self.calls <= self.failures:
            message = "the database is down"
            raise RuntimeError(message)
        self.results.append(result)

    @property
    def items(self) -> list[object]:
        """Every new item of every recorded result, in order."""
        return [item for result in self.results for item in result.items]


class EndlessInput(io.RawIOBase):
    """A request body stream that never ends and counts what was read from it.

    Args:
        limit: Refuse to give more than this many bytes in all (the test
            fails then, rather than looping for ever).
    """

    def __init__(self, limit: int) -> None:
        self.given = 0
        self.limit = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        size = len(buffer)
        if self.given + size > self.limit:
            message = f"the adapter read more than {self.limit} bytes"
            raise AssertionError(message)
        buffer[:size] = b"a" * size
        self.given += size
        return size


class FlakyStore(MemoryStore):
    """A memory store that can be taken down, for claims or for releases."""

    def __init__(self) -> None:
        super().__init__()
        self.claims_down = False
        self.releases_down = False

    def claim(self, key: str, *, ttl: float, now: float) -> bool:
        if self.claims_down:
            message = "the store is down"
            raise WebhookStoreUnavailable(message)
        return super().claim(key, ttl=ttl, now=now)

    def release(self, key: str) -> None:
        if self.releases_down:
            message = "the store is down"
            raise WebhookStoreUnavailable(message)
        super().release(key)


class Interrupted(BaseException):
    """Not an error: an interrupt, as a cancellation or Ctrl-C is."""


class Interrupting(Recorder):
    """A callback interrupted the first time it is called."""

    def __call__(self, result: WebhookResult) -> None:
        if not self.calls:
            self.calls += 1
            raise Interrupted
        super().__call__(result)
