"""Twilio's answers read into smskit values: messages, pages, balance, errors.

Sans-I/O: every function here turns an `httpx.Response` (or a decoded
Message resource) into smskit values or a smskit error, and nothing else;
`_api` builds the requests. Facts come from `_wire` and `_errors`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from smskit._balance import Balance
from smskit._exceptions import (
    OptedOut,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
)
from smskit._models import Message, Status
from smskit._redact import mask_phone
from smskit.providers._common import read_json, retry_after_seconds
from smskit.providers._protocol import OutgoingMessage, Page
from smskit.providers.twilio import _wire as wire
from smskit.providers.twilio._api import NAME
from smskit.providers.twilio._errors import DELIVERY_ERRORS, error_rule

__all__ = [
    "message_from_json",
    "parse_balance",
    "parse_cancel",
    "parse_fetch",
    "parse_list",
    "parse_send",
]

_MAX_ERROR_TEXT = 200
# Digit runs long enough to be a phone number (Twilio's texts quote To/From).
_NUMBER_IN_TEXT = re.compile(r"\+?\d{6,}")


# -- answers ----------------------------------------------------------------------


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


def parse_fetch(response: httpx.Response) -> Message:
    """Read a lookup's answer: 200 and the Message resource, or an error."""
    return _message_or_error(response)


def parse_cancel(response: httpx.Response) -> Message:
    """Read a cancel's answer: 200 and the canceled message, or an error."""
    return _message_or_error(response)


def _message_or_error(response: httpx.Response) -> Message:
    data = read_json(NAME, response)
    if not response.is_success:
        raise _error(response, data)
    return message_from_json(data)


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
    return _date_text(value) if isinstance(value, str) else None


# A send's answer carries the same date twice (created, updated), and sends in
# the same second share it: parsing RFC 2822 costs ~9 µs, a hit ~0.1 µs. The
# results are immutable datetimes, so sharing them is safe.
@functools.lru_cache(maxsize=128)
def _date_text(text: str) -> dt.datetime | None:
    try:
        return wire.parse_date(text)
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
