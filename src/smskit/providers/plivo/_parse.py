"""Plivo's answers read into smskit values: sends, records, pages, balance, errors.

Sans-I/O: each function reads one `httpx.Response` (or a decoded message
detail record) into smskit's models or errors; `_api` builds the requests,
and its `Account` supplies the clock a ``Retry-After`` date is read against.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

import httpx

from smskit._exceptions import (
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    RejectedMessage,
)
from smskit._models import Balance, Message, Status
from smskit._redact import mask_phone
from smskit.providers._common import (
    digits_only,
    from_digits,
    parse_retry_after,
    read_json,
)
from smskit.providers._protocol import BatchResult, OutgoingBatch, OutgoingMessage, Page
from smskit.providers.plivo import _errors
from smskit.providers.plivo import _wire as wire
from smskit.providers.plivo._api import NAME, Account

__all__ = [
    "message_from_mdr",
    "parse_balance",
    "parse_fetch",
    "parse_list",
    "parse_send",
    "parse_send_batch",
]

# Longest piece of Plivo's error text kept in an exception (it is for people).
_MAX_ERROR_TEXT = 200
# Runs of digits long enough to be a phone number, masked in error texts.
_NUMBER_RUN = re.compile(r"\+?\d{6,}")


# -- send ---------------------------------------------------------------------


def parse_send(
    account: Account, message: OutgoingMessage, response: httpx.Response
) -> Message:
    """Read the answer to a one-recipient send: 202 and one ``message_uuid``."""
    data = _success(account, response)
    uuids, invalid = _send_answer(response, data)
    if invalid:
        raise _invalid_number(message.to, response, data)
    if len(uuids) != 1:
        _unreadable_send(response, f"{len(uuids)} message UUIDs for one recipient")
    return _queued(uuids[0], message, message.to, data)


def parse_send_batch(
    account: Account, batch: OutgoingBatch, response: httpx.Response
) -> tuple[BatchResult, ...]:
    """One result per recipient of ``batch``, in order.

    Plivo answers with one UUID per accepted destination, in the order of
    ``dst``, and lists the refused ones in ``invalid_number``; each refused
    recipient gets a `RejectedMessage`.
    """
    data = _success(account, response)
    uuids, invalid = _send_answer(response, data)
    refused = {_digits(number) for number in invalid}
    unique = list(dict.fromkeys(digits_only(number) for number in batch.recipients))
    accepted = [number for number in unique if number not in refused]
    if len(accepted) != len(uuids) or not refused <= set(unique):
        # The request was processed, but which recipient got which message
        # cannot be told: DeliveryUnknown, never sent again.
        _unreadable_send(
            response,
            f"{len(uuids)} message UUIDs and {len(refused)} invalid numbers "
            f"for {len(unique)} destinations",
        )
    by_number = dict(zip(accepted, uuids, strict=True))
    results = []
    for recipient in batch.recipients:
        message_uuid = by_number.get(digits_only(recipient))
        if message_uuid is None:
            error = _invalid_number(recipient, response, data)
            results.append(BatchResult(to=recipient, error=error))
        else:
            message = _queued(message_uuid, batch.message, recipient, data)
            results.append(BatchResult(to=recipient, message=message))
    return tuple(results)


def _send_answer(
    response: httpx.Response, data: Mapping[str, Any]
) -> tuple[list[str], list[str]]:
    uuids = _strings(data.get(wire.MESSAGE_UUIDS))
    invalid = _strings(data.get(wire.INVALID_NUMBER) or [])
    if uuids is None or invalid is None:
        _unreadable_send(response, "no message_uuid list")
    return uuids, invalid


def _strings(value: object) -> list[str] | None:
    """``value`` if it is a list of strings, else ``None``."""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [str(item) for item in value]
    return None


def _digits(number: str) -> str:
    return digits_only(from_digits(number))


def _unreadable_send(response: httpx.Response, why: str) -> NoReturn:
    """A 2xx to a send that cannot be read: it may be out, so not retryable."""
    raise ProviderUnavailable(
        f"plivo: an answer to a send that cannot be read ({why})",
        provider=NAME,
        http_status=response.status_code,
        retryable=False,
    )


def _invalid_number(
    recipient: str, response: httpx.Response, data: Mapping[str, Any]
) -> RejectedMessage:
    # The number stays out of the text, which may reach logs; results have it.
    return RejectedMessage(
        f"plivo: {mask_phone(recipient)} is not a valid phone number",
        provider=NAME,
        http_status=response.status_code,
        provider_code=wire.INVALID_NUMBER,
        request_id=_api_id(data),
    )


def _queued(
    message_uuid: str, message: OutgoingMessage, to: str, data: dict[str, Any]
) -> Message:
    return Message(
        id=message_uuid,
        provider=NAME,
        to=to,
        sender=message.sender,
        body=message.body,
        status=Status.QUEUED,
        raw_status="queued",
        encoding=message.encoding,
        segments=message.segments,
        smart_encoded=message.smart_encoded,
        # Plivo has no reference field; the caller's own is kept locally.
        client_ref=message.client_ref,
        raw=data,
    )


# -- fetch and list -----------------------------------------------------------


def parse_fetch(account: Account, response: httpx.Response) -> Message:
    """Read a message detail record (MDR)."""
    data = _success(account, response)
    return _mdr_or_error(response, data)


def parse_list(account: Account, response: httpx.Response) -> Page:
    """Read one page; its cursor is ``meta.next`` (``None`` on the last page)."""
    data = _success(account, response)
    meta = data.get("meta")
    objects = data.get(wire.OBJECTS)
    following = meta.get(wire.NEXT) if isinstance(meta, dict) else None
    if not isinstance(objects, list) or not isinstance(following, (str, type(None))):
        raise _unreadable(response, "a list page without objects or meta.next")
    messages = tuple(
        _mdr_or_error(response, item if isinstance(item, dict) else {})
        for item in objects
    )
    return Page(messages=messages, next_cursor=following or None)


def _mdr_or_error(response: httpx.Response, data: dict[str, Any]) -> Message:
    try:
        return message_from_mdr(data)
    except (KeyError, TypeError, ValueError, InvalidOperation):
        raise _unreadable(response, "a message detail record") from None


def message_from_mdr(data: dict[str, Any]) -> Message:
    """A `Message` from a Plivo message detail record.

    Raises:
        KeyError: ``message_uuid`` or ``to_number`` is missing.
        ValueError: A field holds something it cannot hold.
    """
    state = str(data.get("message_state") or "")
    code = data.get("error_code")
    code = None if code in (None, "", wire.NO_ERROR) else str(code)
    price = _amount(data.get("total_amount"))
    sender = str(data.get("from_number") or "")
    units = data.get("units")
    message_time = data.get("message_time")
    return Message(
        id=str(data["message_uuid"]),
        provider=NAME,
        to=from_digits(str(data["to_number"])),
        sender=from_digits(sender) if sender else None,
        status=wire.STATUSES.get(state, Status.UNKNOWN),
        raw_status=state or None,
        segments=units if isinstance(units, int) and units > 0 else None,
        created_at=wire.parse_time(message_time) if message_time else None,
        price=price,
        currency=wire.USD if price is not None else None,
        error_code=code,
        error_message=None if code is None else _delivery_error(code),
        raw=data,
    )


def _amount(value: object) -> Decimal | None:
    # Plivo shows "0.00000" until it has billed the message.
    if value is None or value == "":
        return None
    amount = Decimal(str(value))
    return amount if amount > 0 else None


def _delivery_error(code: str) -> str | None:
    known = _errors.DELIVERY_ERRORS.get(code)
    return None if known is None else known[0]


# -- balance ------------------------------------------------------------------


def parse_balance(account: Account, response: httpx.Response) -> Balance:
    """Read ``cash_credits`` (US dollars) from the Account object."""
    data = _success(account, response)
    credits = data.get(wire.CASH_CREDITS)
    if isinstance(credits, bool) or not isinstance(credits, (str, int, float)):
        raise _unreadable(response, "an Account object without cash_credits")
    try:
        return Balance(amount=credits, currency=wire.USD, provider=NAME)
    except ValueError:
        raise _unreadable(response, "cash_credits that is not a number") from None


# -- errors -------------------------------------------------------------------


def _success(account: Account, response: httpx.Response) -> dict[str, Any]:
    """The JSON of a 2xx answer; any other answer raised as its smskit error."""
    data = read_json(NAME, response)
    if not response.is_success:
        raise _error(account, response, data)
    return data


def _unreadable(response: httpx.Response, what: str) -> ProviderError:
    return ProviderError(
        f"plivo: unexpected answer: {what}",
        provider=NAME,
        http_status=response.status_code,
    )


def _api_id(data: Mapping[str, Any]) -> str | None:
    value = data.get("api_id")
    return value if isinstance(value, str) else None


def _error_text(data: Mapping[str, Any]) -> str:
    """Plivo's ``error`` text, numbers masked (it may name the recipient)."""
    text = data.get("error")
    if not isinstance(text, str) or not text.strip():
        return "error"
    masked = _NUMBER_RUN.sub(lambda found: mask_phone(found.group()), text.strip())
    return masked[:_MAX_ERROR_TEXT]


def _error(
    account: Account,
    response: httpx.Response,
    data: Mapping[str, Any],
) -> ProviderError:
    """The smskit error for a Plivo error answer; the HTTP status decides."""
    status = response.status_code
    rule = _errors.error_rule(status)
    text = f"plivo: {_error_text(data)} (HTTP {status})"
    request_id = _api_id(data)
    if rule.error is RateLimited:
        wait = parse_retry_after(
            response.headers.get("retry-after"), now=account.clock()
        )
        return RateLimited(
            text,
            provider=NAME,
            retry_after=wait,
            http_status=status,
            request_id=request_id,
        )
    # Only what Plivo documents as unprocessed is marked retryable: a 5xx may
    # have been acted on (the engine repeats reads, and makes a send
    # DeliveryUnknown).
    retryable = rule.retry in {"throttled", "not_processed"}
    return rule.error(
        text,
        provider=NAME,
        http_status=status,
        retryable=retryable,
        request_id=request_id,
    )
