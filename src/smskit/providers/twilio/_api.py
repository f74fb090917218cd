"""Twilio's Messages API on the client side: build requests, parse answers.

Sans-I/O: every function here turns smskit values into an `httpx.Request` or
an `httpx.Response` into smskit values (or a smskit error), and nothing else.
Facts (paths, names, words, codes) come from `_wire` and `_errors`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import urllib.parse
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

import attrs
import httpx

from smskit._balance import Balance
from smskit._exceptions import (
    ArgumentTypeError,
    InvalidMessage,
    OptedOut,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
)
from smskit._models import Message, Status
from smskit._redact import mask_phone
from smskit.providers._common import path_id, read_json, retry_after_seconds
from smskit.providers._protocol import ListQuery, OutgoingMessage, Page
from smskit.providers.twilio import _wire as wire
from smskit.providers.twilio._errors import DELIVERY_ERRORS, error_rule

__all__ = [
    "NAME",
    "RESERVED_OPTIONS",
    "Endpoint",
    "build_balance",
    "build_cancel",
    "build_fetch",
    "build_list",
    "build_send",
    "check_send_at",
    "message_from_json",
    "parse_balance",
    "parse_cancel",
    "parse_fetch",
    "parse_list",
    "parse_send",
    "send_params",
]

NAME = "twilio"

RESERVED_OPTIONS: Mapping[str, str] = {
    wire.TO: "to",
    wire.FROM: "sender",
    wire.BODY: "body",
    wire.STATUS_CALLBACK: "status_callback",
    wire.VALIDITY_PERIOD: "validity",
    wire.SEND_AT: "send_at",
    wire.SCHEDULE_TYPE: "send_at",
    wire.SMART_ENCODED: "smart_encoding",
}
"""Parameters smskit fills from typed arguments -> the argument to use instead.

An option may not set them: a pass-through ``To`` would silently send the
text to someone other than the recipient smskit checked."""

_FORM = "application/x-www-form-urlencoded"
_MAX_ERROR_TEXT = 200
_SECOND = dt.timedelta(seconds=1)
# Digit runs long enough to be a phone number (Twilio's texts quote To/From).
_NUMBER_IN_TEXT = re.compile(r"\+?\d{6,}")


@attrs.frozen(kw_only=True)
class Endpoint:
    """Where and as whom requests go: the host, the account and the auth header.

    Attributes:
        base_url: Scheme, host and optional path prefix, without a trailing
            slash (``https://api.twilio.com``).
        account_sid: The account in every path (also with an API key).
        authorization: The ``Authorization`` header value (never shown).
        messaging_service_sid: The Messaging Service to send through, if any.
    """

    base_url: str
    account_sid: str
    authorization: str = attrs.field(repr=False)
    messaging_service_sid: str | None = None

    def __reduce__(self) -> NoReturn:
        # A pickle would carry the credentials in the clear.
        raise TypeError("a Twilio endpoint holds credentials and cannot be pickled")

    def url(self, template: str, **ids: str) -> str:
        """The full URL of ``template`` (a `_wire` path) for this account."""
        return self.base_url + template.format(account_sid=self.account_sid, **ids)

    def headers(self, *, form: bool = False) -> dict[str, str]:
        """The request headers; ``form`` for a form-encoded body."""
        headers = {"Authorization": self.authorization, "Accept": "application/json"}
        if form:
            headers["Content-Type"] = _FORM
        return headers


# -- send -----------------------------------------------------------------------


def build_send(endpoint: Endpoint, message: OutgoingMessage) -> httpx.Request:
    """Make the ``POST …/Messages.json`` request for ``message``.

    Raises:
        InvalidMessage: No sender and no Messaging Service, a scheduled send
            without a Messaging Service, a validity Twilio cannot take, or an
            option that sets a parameter smskit fills itself.
        ArgumentTypeError: An option's value is not text, a number, a flag
            or a list of those.
    """
    body = urllib.parse.urlencode(send_params(endpoint, message))
    return httpx.Request(
        "POST",
        endpoint.url(wire.MESSAGES_PATH),
        content=body.encode("utf-8"),
        headers=endpoint.headers(form=True),
    )


def send_params(endpoint: Endpoint, message: OutgoingMessage) -> list[tuple[str, str]]:
    """The form parameters of a send, in order (repeated names allowed)."""
    options = _option_params(message.options)
    service = _service_of(endpoint, message.options)
    if message.sender is None and service is None:
        text = (
            "Twilio needs a sender: pass sender= (a Twilio number, short code "
            "or sender ID) or configure messaging_service_sid="
        )
        raise InvalidMessage(text)
    params = [(wire.TO, message.to)]
    if message.sender is not None:
        params.append((wire.FROM, message.sender))
    if service is not None and wire.MESSAGING_SERVICE_SID not in message.options:
        params.append((wire.MESSAGING_SERVICE_SID, service))
    params.append((wire.BODY, message.body))
    if message.status_callback is not None:
        params.append((wire.STATUS_CALLBACK, message.status_callback))
    if message.validity is not None:
        params.append((wire.VALIDITY_PERIOD, _validity_period(message.validity)))
    if message.send_at is not None:
        if service is None:
            raise InvalidMessage(
                "Twilio schedules messages only through a Messaging Service: "
                "configure messaging_service_sid= (error 35118 otherwise)"
            )
        params.append((wire.SEND_AT, wire.format_send_at(message.send_at)))
        params.append((wire.SCHEDULE_TYPE, wire.SCHEDULE_TYPE_FIXED))
    if message.smart_encoded:
        params.append((wire.SMART_ENCODED, "true"))
    return params + options


def _service_of(endpoint: Endpoint, options: Mapping[str, Any]) -> str | None:
    """The Messaging Service of a send: the option's, else the configured one."""
    given = options.get(wire.MESSAGING_SERVICE_SID)
    if isinstance(given, str) and given:
        return given
    return endpoint.messaging_service_sid


def _validity_period(validity: dt.timedelta) -> str:
    # Whole seconds, rounded down: never longer than the caller allowed.
    seconds = math.floor(validity.total_seconds())
    low, high = wire.VALIDITY_PERIOD_RANGE
    if not low <= seconds <= high:
        text = (
            f"Twilio keeps a message {low} to {high:,} seconds (10 hours); "
            f"validity is {validity.total_seconds():g} seconds"
        )
        raise InvalidMessage(text)
    return str(seconds)


def _option_params(options: Mapping[str, Any]) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    for name, value in options.items():
        typed = RESERVED_OPTIONS.get(name)
        if typed is not None:
            text = f"option {name!r} is set by smskit: pass {typed}= instead"
            raise InvalidMessage(text)
        values = value if isinstance(value, (list, tuple)) else [value]
        params.extend((name, _option_text(name, item)) for item in values)
    return params


def _option_text(name: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # Twilio's booleans are lower-case
    if isinstance(value, str):
        return value
    if isinstance(value, (int, Decimal)):
        return str(value)
    text = (
        f"option {name!r} must be text, an int, a Decimal, a bool or a list of "
        f"those, not {type(value).__name__}"
    )
    raise ArgumentTypeError(text)


def parse_send(message: OutgoingMessage, response: httpx.Response) -> Message:
    """Read a send's answer: 201 and the Message resource, or an error.

    A success whose body cannot be read may still have sent the text, so it
    is reported as possibly processed (the client raises `DeliveryUnknown`).
    """
    data = read_json(NAME, response)
    if not response.is_success:
        raise _error(response, data, recipient=message.to)
    try:
        return message_from_json(data, sent=message)
    except ProviderError as problem:
        raise ProviderUnavailable(
            str(problem), provider=NAME, http_status=response.status_code
        ) from None


# -- fetch, cancel ----------------------------------------------------------------


def build_fetch(endpoint: Endpoint, message_id: str) -> httpx.Request:
    """Make the ``GET …/Messages/{Sid}.json`` request."""
    return httpx.Request(
        "GET", _message_url(endpoint, message_id), headers=endpoint.headers()
    )


def parse_fetch(response: httpx.Response) -> Message:
    """Read a lookup's answer: 200 and the Message resource, or an error."""
    return _message_or_error(response)


def build_cancel(endpoint: Endpoint, message_id: str) -> httpx.Request:
    """Make the ``POST …/Messages/{Sid}.json`` request with ``Status=canceled``."""
    body = urllib.parse.urlencode([(wire.STATUS, wire.STATUS_CANCELED)])
    return httpx.Request(
        "POST",
        _message_url(endpoint, message_id),
        content=body.encode("ascii"),
        headers=endpoint.headers(form=True),
    )


def parse_cancel(response: httpx.Response) -> Message:
    """Read a cancel's answer: 200 and the canceled message, or an error."""
    return _message_or_error(response)


def _message_url(endpoint: Endpoint, message_id: str) -> str:
    sid = path_id(NAME, message_id, alphabet=wire.MESSAGE_SID_PATTERN)
    return endpoint.url(wire.MESSAGE_PATH, sid=sid)


def _message_or_error(response: httpx.Response) -> Message:
    data = read_json(NAME, response)
    if not response.is_success:
        raise _error(response, data)
    return message_from_json(data)


# -- list -------------------------------------------------------------------------


def build_list(
    endpoint: Endpoint, query: ListQuery, cursor: str | None
) -> httpx.Request:
    """Make the ``GET …/Messages.json`` request for the first or a later page.

    The first page carries the filters; a later one is exactly Twilio's
    ``next_page_uri`` (its ``PageToken`` and the filters), never a page number.

    Raises:
        InvalidMessage: ``cursor`` is not a page of this account's messages,
            or the page size is over Twilio's 1,000.
    """
    if cursor is not None:
        url = endpoint.base_url + _checked_cursor(endpoint, cursor)
        return httpx.Request("GET", url, headers=endpoint.headers())
    params = _list_params(query)
    query_string = f"?{urllib.parse.urlencode(params)}" if params else ""
    url = endpoint.url(wire.MESSAGES_PATH) + query_string
    return httpx.Request("GET", url, headers=endpoint.headers())


def _list_params(query: ListQuery) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    if query.to is not None:
        params.append((wire.TO, query.to))
    if query.sender is not None:
        params.append((wire.FROM, query.sender))
    if query.sent_after is not None:
        # Twilio's bound is inclusive to the second: at or after T is at or
        # after T rounded up to a whole second.
        params.append((wire.DATE_SENT_AFTER, _second(query.sent_after, up=True)))
    if query.sent_before is not None:
        # Strictly before T is at or before the last whole second before T.
        params.append((wire.DATE_SENT_BEFORE, _second(query.sent_before, up=False)))
    if query.page_size is not None:
        if query.page_size > wire.MAX_PAGE_SIZE:
            text = f"Twilio pages hold at most {wire.MAX_PAGE_SIZE:,} messages"
            raise InvalidMessage(text)
        params.append((wire.PAGE_SIZE, str(query.page_size)))
    return params


def _second(moment: dt.datetime, *, up: bool) -> str:
    """``moment`` on a whole second: the next one up, or the last one before."""
    whole = moment.replace(microsecond=0)
    if up:
        return wire.format_send_at(whole if whole == moment else whole + _SECOND)
    return wire.format_send_at(whole - _SECOND if whole == moment else whole)


def _checked_cursor(endpoint: Endpoint, cursor: str) -> str:
    """The path and query of a ``next_page_uri`` of this account's messages.

    A cursor can only name the next page of the same list: another path, host
    or account would send the credentials somewhere the caller did not ask.
    """
    parts = urllib.parse.urlsplit(cursor)
    expected = wire.MESSAGES_PATH.format(account_sid=endpoint.account_sid)
    own = urllib.parse.urlsplit(endpoint.base_url)
    same_host = not parts.netloc or (parts.scheme, parts.netloc) == (
        own.scheme,
        own.netloc,
    )
    if parts.path != expected or not same_host or parts.fragment:
        raise InvalidMessage("not a Twilio page cursor of this account's messages")
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def parse_list(response: httpx.Response) -> Page:
    """Read one page of ``GET …/Messages.json``, with ``next_page_uri``."""
    data = read_json(NAME, response)
    if not response.is_success:
        raise _error(response, data)
    items = data.get("messages")
    cursor = data.get(wire.NEXT_PAGE_URI)
    if not isinstance(items, list) or not (cursor is None or isinstance(cursor, str)):
        raise _malformed(
            response, "a list page without 'messages' or with a bad cursor"
        )
    messages = []
    for item in items:
        if not isinstance(item, dict):
            raise _malformed(response, "a list page with a message that is no object")
        messages.append(message_from_json(item))
    return Page(messages=tuple(messages), next_cursor=cursor or None)


# -- balance ----------------------------------------------------------------------


def build_balance(endpoint: Endpoint) -> httpx.Request:
    """Make the ``GET …/Balance.json`` request."""
    return httpx.Request(
        "GET", endpoint.url(wire.BALANCE_PATH), headers=endpoint.headers()
    )


def parse_balance(response: httpx.Response) -> Balance:
    """Read ``Balance.json``: the amount (a string) and its currency."""
    data = read_json(NAME, response)
    if not response.is_success:
        raise _error(response, data)
    amount, currency = data.get("balance"), data.get("currency")
    if not isinstance(currency, str) or not isinstance(amount, (str, int, float)):
        raise _malformed(response, "a balance without 'balance' and 'currency'")
    try:
        return Balance(
            amount=Decimal(str(amount)), currency=currency.upper(), provider=NAME
        )
    except (InvalidOperation, ValueError):
        raise _malformed(response, "a balance that is not a number") from None


# -- schedule ---------------------------------------------------------------------


def check_send_at(send_at: dt.datetime, *, now: dt.datetime) -> None:
    """Refuse a ``SendAt`` outside Twilio's window (5 minutes to 35 days ahead).

    Raises:
        InvalidMessage: ``send_at`` is too soon or too far ahead of ``now``.
    """
    earliest, latest = wire.SCHEDULE_WINDOW
    if not now + earliest <= send_at <= now + latest:
        text = (
            f"Twilio schedules a message 5 minutes to 35 days ahead (error 35115 "
            f"otherwise); send_at {wire.format_send_at(send_at)} is "
            f"{(send_at - now).total_seconds():,.0f} seconds from now "
            f"({wire.format_send_at(now)})"
        )
        raise InvalidMessage(text)


# -- the Message resource ---------------------------------------------------------


def message_from_json(
    data: dict[str, Any], *, sent: OutgoingMessage | None = None
) -> Message:
    """Build a `Message` from Twilio's Message resource.

    Args:
        data: The resource as decoded JSON.
        sent: The message just sent, for what Twilio does not echo (the
            encoding, smart encoding, the scheduled time, ``client_ref``).

    Raises:
        ProviderError: The resource lacks its ``sid``, ``to`` or ``status``.
    """
    sid, to, word = data.get("sid"), data.get("to"), data.get("status")
    if not (isinstance(sid, str) and sid and isinstance(to, str) and to):
        raise ProviderError("twilio: a message without 'sid' or 'to'", provider=NAME)
    if not isinstance(word, str):
        raise ProviderError("twilio: a message without 'status'", provider=NAME)
    price = _price(data.get("price"))
    code = data.get("error_code")
    return Message(
        id=sid,
        provider=NAME,
        to=to,
        sender=_text(data.get("from")),
        body=_text(data.get("body")),
        status=wire.STATUSES.get(word, Status.UNKNOWN),
        raw_status=word,
        encoding=None if sent is None else sent.encoding,
        segments=_segments(data.get("num_segments"), sent),
        smart_encoded=sent is not None and sent.smart_encoded,
        created_at=_date(data.get("date_created")),
        updated_at=_date(data.get("date_updated")),
        scheduled_at=None if sent is None else sent.send_at,
        client_ref=None if sent is None else sent.client_ref,
        price=price,
        currency=_currency(data.get("price_unit")) if price is not None else None,
        error_code=None if code is None else str(code),
        error_message=_error_message(code, data.get("error_message")),
        raw=data,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _segments(value: object, sent: OutgoingMessage | None) -> int | None:
    try:
        count = int(str(value))
    except ValueError:
        count = 0
    if count > 0:
        return count
    # "0" while a Messaging Service has not picked a sender yet.
    return None if sent is None else sent.segments


def _price(value: object) -> Decimal | None:
    if not isinstance(value, (str, int, float)):
        return None
    try:
        # Twilio reports what the account was charged as a negative amount.
        return -Decimal(str(value))
    except InvalidOperation:
        return None


def _currency(value: object) -> str | None:
    return value.upper() if isinstance(value, str) and value else None


def _date(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return wire.parse_date(value)
    except (TypeError, ValueError):
        return None


def _error_message(code: object, text: object) -> str | None:
    if isinstance(text, str) and text:
        return text
    known = DELIVERY_ERRORS.get(code) if isinstance(code, int) else None
    return None if known is None else known[0]


# -- errors -----------------------------------------------------------------------


def _code(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _safe_text(value: object) -> str:
    """Twilio's error message, without phone numbers and not too long."""
    text = value if isinstance(value, str) and value else "error"
    text = _NUMBER_IN_TEXT.sub(lambda found: mask_phone(found.group()), text)
    return text if len(text) <= _MAX_ERROR_TEXT else text[:_MAX_ERROR_TEXT] + "…"


def _error(
    response: httpx.Response, data: dict[str, Any], *, recipient: str | None = None
) -> ProviderError:
    """The smskit error for a Twilio error answer (``code``, ``message``, …)."""
    code = _code(data.get("code"))
    status = response.status_code
    rule = error_rule(code, status)
    shown = "" if code is None else f", code {code}"
    text = f"twilio: {_safe_text(data.get('message'))} (HTTP {status}{shown})"
    common: dict[str, Any] = {
        "provider": NAME,
        "http_status": status,
        "provider_code": None if code is None else str(code),
        "request_id": response.headers.get(wire.REQUEST_ID_HEADER),
    }
    if issubclass(rule.error, RateLimited):
        return RateLimited(text, retry_after=retry_after_seconds(response), **common)
    if issubclass(rule.error, OptedOut):
        return OptedOut(text, to=recipient, **common)
    return rule.error(text, retryable=rule.retry == "not_processed", **common)


def _malformed(response: httpx.Response, what: str) -> ProviderError:
    return ProviderError(
        f"twilio: {what} (HTTP {response.status_code})",
        provider=NAME,
        http_status=response.status_code,
        request_id=response.headers.get(wire.REQUEST_ID_HEADER),
    )
