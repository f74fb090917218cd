"""What the three dialects share: their protocol, webhooks, id books, URL checks.

Provider facts (number formats, dates, status words, codes, signatures) are
not here: they live in ``smskit.providers`` (``_common`` and each provider's
``_wire``, ``_errors`` and ``_signing``), where drivers read them too.
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Generic, Literal, Protocol, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import attrs
import httpx

from smskit import phone
from smskit._exceptions import InvalidPhoneNumber

if TYPE_CHECKING:
    from smskit._emulator._faults import SendTarget
    from smskit._emulator._http import EmulatorRequest, EmulatorResponse
    from smskit._models import InboundMessage, StatusEvent
    from smskit.providers.sandbox._magic import SandboxFault

__all__ = [
    "MAX_URL_LENGTH",
    "Dialect",
    "Ledger",
    "Webhook",
    "country_of",
    "form_webhook",
    "nonce",
    "provider_code",
    "redact_target",
    "redact_url",
    "same_secret",
    "url_problem",
]

T = TypeVar("T")

WebhookKind = Literal["status", "inbound"]
FormParams = Sequence[tuple[str, str]]
# Given the final URL and the parameters, the headers that sign the request.
Signer = Callable[[str, dict[str, str]], dict[str, str]]

MAX_URL_LENGTH = 2000
"""The longest webhook URL the emulator accepts (smskit's own client limit)."""

_SURROGATE = re.compile("[\ud800-\udfff]")
# A query string inside a log line: up to the next space or quote.
_QUERY_IN_TEXT = re.compile(r"\?[^\s'\"]*")


def same_secret(given: str, expected: str) -> bool:
    """Compare a credential in constant time.

    Both sides are compared as UTF-8 bytes (``hmac.compare_digest`` refuses
    non-ASCII ``str``); ``surrogatepass`` keeps any text comparable.
    """
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"),
        expected.encode("utf-8", "surrogatepass"),
    )


def url_problem(url: object) -> str | None:
    """Why ``url`` cannot be a webhook target, or ``None`` if it can.

    The emulator signs and sends to this URL long after the request that gave
    it was answered, so anything that could fail then is refused now: not a
    string, too long, text UTF-8 cannot encode (lone surrogates), whitespace
    or control characters, a scheme other than http/https, no host, a bad
    port, or a URL httpx cannot send to.
    """
    if not isinstance(url, str):
        return "must be a string"
    if len(url) > MAX_URL_LENGTH:
        return f"must be at most {MAX_URL_LENGTH} characters"
    if _SURROGATE.search(url):
        return "holds text that cannot be encoded as UTF-8"
    if not url.isprintable() or " " in url:
        return "holds whitespace or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a bad port
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL):
        return "is not a valid URL"
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return "must be an absolute http or https URL"
    return None


def redact_url(url: str) -> str:
    """``url`` for a log line: no user info, query values left out.

    A GET webhook's query holds phone numbers, and a user's own callback URL
    may hold a token.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<unparsable URL>"
    netloc = host if port is None else f"{host}:{port}"
    bare = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    return bare + _names_only(parts.query)


def redact_target(text: str) -> str:
    """Every query string in ``text`` with its values left out (request logs).

    Vonage requests carry ``api_secret`` in the query, next to numbers and text.
    """
    return _QUERY_IN_TEXT.sub(lambda match: _names_only(match[0][1:]), text)


def _names_only(query: str) -> str:
    if not query:
        return ""
    names = [name for name, _ in parse_qsl(query, keep_blank_values=True)]
    return "?" + "&".join(f"{name}=…" for name in names)


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


class Dialect(Protocol):
    """One provider's API on top of the sandbox state."""

    name: str

    def handles(self, path: str) -> bool:
        """Whether ``path`` belongs to this provider's API."""

    def handle(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer one request to this provider's API."""

    def on_event(self, event: StatusEvent) -> list[Webhook]:
        """Note a status change; return the status callbacks it causes."""

    def inbound_webhooks(self, message: InboundMessage, url: str) -> list[Webhook]:
        """The webhook(s) announcing ``message`` to ``url``."""

    def provider_ids(self, record_id: str) -> tuple[str, ...]:
        """This provider's ids of a record (empty if it did not create it)."""

    def refuse(self, path: str, status: int, text: str) -> EmulatorResponse:
        """An error in this provider's shape for a request it cannot read."""

    def send_target(self, request: EmulatorRequest) -> SendTarget | None:
        """Who a send is for; ``None`` for a request that is no authenticated send.

        Fault rules apply to what this returns a target for (`FaultPlan`).
        """

    def fault_answer(self, fault: SandboxFault, retry_after: float) -> EmulatorResponse:
        """This provider's answer to a send hit by ``fault``.

        Args:
            fault: ``rate_limited``, ``unavailable`` or ``server_error``.
            retry_after: The seconds a ``rate_limited`` answer asks to wait.
        """

    def accepted(self, response: EmulatorResponse) -> tuple[str, ...]:
        """The sandbox record ids of the messages a send's answer accepted."""


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


def nonce() -> str:
    """A random numeric nonce for webhook signatures (Plivo uses digits)."""
    return str(secrets.randbelow(10**20)).zfill(20)


def country_of(e164: str) -> str:
    """The ISO country of a valid E.164 number (``""`` if it is not valid)."""
    try:
        return phone.parse(e164).region or ""
    except InvalidPhoneNumber:
        return ""


def provider_code(code: str | None, table: Mapping[str, str]) -> str | None:
    """A provider's delivery error code for the error code of a sandbox record.

    The sandbox's own codes (`DeliveryError` values) go through the dialect's
    ``table``. A code in digits was scripted for one provider (``"30005"``
    through the control API) and is passed through as it is.

    Args:
        code: The record's or event's error code.
        table: The dialect's sandbox code -> provider code table.

    Returns:
        The provider's code, or ``None`` for no code or one the dialect
        cannot render (the caller picks its provider's "unknown").
    """
    if code is None:
        return None
    mapped = table.get(code)
    if mapped is not None:
        return mapped
    # str.isdigit() is also true for "²", which no provider's code holds.
    return code if code.isascii() and code.isdigit() else None
