"""What the three dialects share: outgoing webhooks, id books, number formats."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Callable, Sequence
from typing import Generic, Literal, TypeVar
from urllib.parse import urlencode, urlsplit

import attrs

from smskit import phone
from smskit._exceptions import InvalidPhoneNumber

__all__ = [
    "Ledger",
    "Webhook",
    "country_of",
    "digits_only",
    "form_webhook",
    "nonce",
    "to_e164",
    "utc",
]

T = TypeVar("T")

WebhookKind = Literal["status", "inbound"]
FormParams = Sequence[tuple[str, str]]
# Given the final URL and the parameters, the headers that sign the request.
Signer = Callable[[str, dict[str, str]], dict[str, str]]


@attrs.frozen(kw_only=True)
class Webhook:
    """One webhook request for the dispatcher to send.

    Attributes:
        provider: ``"twilio"``, ``"vonage"`` or ``"plivo"``.
        kind: ``"status"`` (a status callback / DLR) or ``"inbound"``.
        method: ``"POST"`` or ``"GET"``.
        url: The final URL (for a GET, with the parameters in its query).
        headers: Headers to send, signatures included.
        body: The body (form-encoded for a POST).
        message_id: The provider's id of the message it is about.
    """

    provider: str
    kind: WebhookKind
    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    message_id: str = ""


def form_webhook(
    *,
    provider: str,
    kind: WebhookKind,
    method: str,
    url: str,
    params: FormParams,
    sign: Signer,
    message_id: str,
) -> Webhook:
    """Build a form POST (or a GET with a query) webhook, signed by ``sign``.

    ``sign`` receives the final URL and the parameters as a dict; for a GET the
    parameters are also in that URL's query.
    """
    data = dict(params)
    encoded = urlencode(list(params))
    if method == "GET":
        separator = "&" if urlsplit(url).query else "?"
        final = f"{url}{separator}{encoded}" if encoded else url
        return Webhook(
            provider=provider,
            kind=kind,
            method="GET",
            url=final,
            headers=tuple(sign(final, data).items()),
            message_id=message_id,
        )
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(url, data)}
    return Webhook(
        provider=provider,
        kind=kind,
        method="POST",
        url=url,
        headers=tuple(headers.items()),
        body=encoded.encode("utf-8"),
        message_id=message_id,
    )


@attrs.define
class Ledger(Generic[T]):
    """A dialect's book of the messages it created.

    It maps the provider's ids to sandbox record ids and keeps per-message
    extras (a dialect's own fields that `SandboxRecord` has no room for).
    Messages sent through another dialect are not in it, so each dialect
    lists and reports only its own.
    """

    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False)
    _extras: dict[str, T] = attrs.field(factory=dict, init=False)
    _records: dict[str, str] = attrs.field(factory=dict, init=False)
    _ids: dict[str, tuple[str, ...]] = attrs.field(factory=dict, init=False)

    def add(self, record_id: str, provider_ids: Sequence[str], extra: T) -> None:
        """Remember a new message under each of its provider ids."""
        with self._lock:
            self._extras[record_id] = extra
            self._ids[record_id] = tuple(provider_ids)
            for provider_id in provider_ids:
                self._records[provider_id] = record_id

    def provider_ids(self, record_id: str) -> tuple[str, ...]:
        """The provider's ids of a record (empty if another dialect made it)."""
        with self._lock:
            return self._ids.get(record_id, ())

    def record_id(self, provider_id: str) -> str | None:
        """The sandbox record id behind a provider id."""
        with self._lock:
            return self._records.get(provider_id)

    def meta(self, record_id: str) -> T | None:
        """The extras of a record this dialect created (``None`` otherwise)."""
        with self._lock:
            return self._extras.get(record_id)

    def entries(self) -> list[tuple[str, T]]:
        """Every record id this dialect created with its extras, oldest first."""
        with self._lock:
            return list(self._extras.items())


def utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC."""
    return moment.astimezone(dt.timezone.utc)


def nonce() -> str:
    """A random numeric nonce for webhook signatures (Plivo uses digits)."""
    return str(secrets.randbelow(10**20)).zfill(20)


def to_e164(number: str) -> str:
    """A Vonage/Plivo-style number (digits, no ``+``) as E.164.

    Anything that is not all digits (an alphanumeric sender, a typo) is
    returned unchanged so the sandbox can judge it.
    """
    text = number.strip().replace(" ", "")
    if text.startswith("+"):
        return text
    if text.startswith("00") and text[2:].isdigit():
        return "+" + text[2:]
    return "+" + text if text.isdigit() else text


def digits_only(number: str) -> str:
    """An E.164 number the way Vonage and Plivo write it (no ``+``)."""
    return number[1:] if number.startswith("+") else number


def country_of(e164: str) -> str:
    """The ISO country of a valid E.164 number (``""`` if it is not valid)."""
    try:
        return phone.parse(e164).region or ""
    except InvalidPhoneNumber:
        return ""
