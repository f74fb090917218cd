"""Vonage's answers read into smskit values: sends, balance, reports, errors.

Every function here reads an `httpx.Response` (or a decoded Reports API
record); none performs I/O. `_api` builds the requests. A send's answer is
always HTTP 200 with one entry per SMS part (see `parse_send` for a partly
refused message).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from smskit._exceptions import (
    AuthenticationError,
    NotFound,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
)
from smskit._models import Balance, Message, Status
from smskit.providers._common import (
    ErrorRule,
    from_digits,
    http_error_rule,
    read_json,
    retry_after_seconds,
)
from smskit.providers._protocol import OutgoingMessage
from smskit.providers.vonage import _errors as errors
from smskit.providers.vonage import _wire as wire
from smskit.providers.vonage._api import NAME

__all__ = [
    "message_from_record",
    "parse_balance",
    "parse_fetch",
    "parse_send",
]


# -- send ---------------------------------------------------------------------


def parse_send(message: OutgoingMessage, response: httpx.Response) -> Message:
    """Read the answer to a send: one entry per SMS part.

    Every part accepted: the message, ``id`` its first part's id and
    ``part_ids`` every part's. No part accepted: the error of the refused
    part (an internal error first, since that part may have gone out).

    Some parts accepted and some refused (a long text cut short): the
    accepted parts are out and billed, so the send must not be repeated and
    their ids must not be lost. The message is returned with those parts'
    ids and status ``failed`` (``unknown`` when a refused part had an
    internal error and may be out too), the refused part's status in
    ``error_code`` and its text in ``error_message``; nothing is retried.

    Raises:
        RateLimited: Throttled (status 1 or 10, or HTTP 429), nothing sent.
        ProviderError: Another refusal (the subclass per `errors.SEND_ERRORS`).
        ProviderUnavailable: HTTP 5xx, status 5 or an unreadable answer; not
            retryable, as the message may be out (the client raises
            `DeliveryUnknown`).
    """
    data = _send_answer(response)
    entries = data.get("messages")
    if not isinstance(entries, list) or not entries:
        raise _unreadable_send(response)
    parts = [entry if isinstance(entry, dict) else {} for entry in entries]
    accepted = [part for part in parts if _status(part) == wire.SEND_OK]
    refused = [part for part in parts if _status(part) != wire.SEND_OK]
    ids = [part.get("message-id") for part in accepted]
    if any(not isinstance(part_id, str) or not part_id for part_id in ids):
        raise _unreadable_send(response)
    if not accepted:
        raise _part_error(_worst(refused), response)
    return _sent_message(message, data, tuple(map(str, ids)), accepted, refused)


def _send_answer(response: httpx.Response) -> dict[str, Any]:
    """The decoded answer, or the error an HTTP status alone says."""
    try:
        data = read_json(NAME, response)
    except ProviderError as unreadable:
        raise _unreadable_send(response) from unreadable
    has_parts = isinstance(data.get("messages"), list)
    if response.status_code == 200 or (has_parts and response.status_code < 500):
        return data
    raise _http_error(response, data, code=None, text=_label(data))


def _unreadable_send(response: httpx.Response) -> ProviderUnavailable:
    # An answer that cannot be read may still mean "sent": never resend it.
    return ProviderUnavailable(
        f"vonage: an answer to a send without readable parts "
        f"(HTTP {response.status_code}); the message may have been sent",
        provider=NAME,
        http_status=response.status_code,
        retryable=False,
    )


def _status(part: Mapping[str, Any]) -> str:
    return str(part.get("status", ""))


def _worst(refused: list[dict[str, Any]]) -> dict[str, Any]:
    """The refused part to report: one that may be out, else the first."""
    for part in refused:
        if errors.error_rule(_status(part), 200).retry == "ambiguous":
            return part
    return refused[0]


def _part_error(part: Mapping[str, Any], response: httpx.Response) -> ProviderError:
    code = _status(part)
    text = str(part.get("error-text") or "refused")
    rule = errors.error_rule(code, response.status_code)
    if rule.error is RateLimited:
        return RateLimited(
            f"vonage: {text} (status {code})",
            provider=NAME,
            retry_after=errors.parse_millisecond_hint(text),
            http_status=response.status_code,
            provider_code=code,
        )
    return _from_rule(rule, f"vonage: {text} (status {code})", response, code)


def _from_rule(
    rule: ErrorRule, text: str, response: httpx.Response, code: str | None
) -> ProviderError:
    return rule.error(
        text,
        provider=NAME,
        http_status=response.status_code,
        provider_code=code,
        retryable=rule.retry == "not_processed",
    )


def _sent_message(
    message: OutgoingMessage,
    data: dict[str, Any],
    ids: tuple[str, ...],
    accepted: list[dict[str, Any]],
    refused: list[dict[str, Any]],
) -> Message:
    status, error_code, error_text = Status.QUEUED, None, None
    if refused:
        worst = _worst(refused)
        error_code = _status(worst)
        error_text = str(worst.get("error-text") or "refused")
        ambiguous = errors.error_rule(error_code, 200).retry == "ambiguous"
        status = Status.UNKNOWN if ambiguous else Status.FAILED
    price = _total_price(accepted)
    return Message(
        id=ids[0],
        provider=NAME,
        to=message.to,
        sender=message.sender,
        body=message.body,
        status=status,
        raw_status=None,
        encoding=message.encoding,
        segments=len(accepted) + len(refused),
        smart_encoded=message.smart_encoded,
        part_ids=ids,
        # Each accepted part waits for its receipt, whatever the whole is.
        part_statuses=(Status.QUEUED,) * len(ids),
        client_ref=message.client_ref,
        price=price,
        currency=None if price is None else wire.PRICE_CURRENCY,
        error_code=error_code,
        error_message=error_text,
        raw=data,
    )


def _total_price(parts: list[dict[str, Any]]) -> Decimal | None:
    prices = [_decimal(part.get("message-price")) for part in parts]
    if not prices or any(price is None for price in prices):
        return None
    return sum((price for price in prices if price is not None), Decimal(0))


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


# -- HTTP errors of the Account and Reports APIs -------------------------------


def _label(data: Mapping[str, Any]) -> str:
    """What an error body says: account (``error-code-label``) or reports."""
    for key in ("error-code-label", "detail", "title", "error_title"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    return "error"


def _http_error(
    response: httpx.Response, data: Mapping[str, Any], *, code: str | None, text: str
) -> ProviderError:
    status = response.status_code
    message = f"vonage: {text} (HTTP {status})"
    if status == 429:
        return RateLimited(
            message,
            provider=NAME,
            retry_after=retry_after_seconds(response),
            http_status=status,
            provider_code=code,
        )
    # A 403 from the Reports API says the key may not read this account.
    rule = (
        ErrorRule(AuthenticationError, "never")
        if status == 403
        else http_error_rule(status)
    )
    return _from_rule(rule, message, response, code)


# -- balance ------------------------------------------------------------------


def parse_balance(response: httpx.Response) -> Balance:
    """Read ``{"value": 10.28091, "autoReload": false}``: euros, exactly.

    Raises:
        ProviderError: An error answer (`AuthenticationError` for a 401).
    """
    data = read_json(NAME, response)
    if response.status_code != 200:
        code = data.get("error-code")
        raise _http_error(
            response,
            data,
            code=None if code is None else str(code),
            text=_label(data),
        )
    # Read the number as written: a float would round 10.28091 on its way.
    exact = json.loads(response.content, parse_float=Decimal)
    value = _decimal(exact.get("value"))
    if value is None:
        raise ProviderError(
            "vonage: a balance answer without a numeric 'value'",
            provider=NAME,
            http_status=response.status_code,
        )
    return Balance(amount=value, currency=wire.PRICE_CURRENCY, provider=NAME)


# -- status lookup (Reports API) ----------------------------------------------


def parse_fetch(response: httpx.Response) -> Message:
    """Read the Reports API's answer: the record of the part asked for.

    Raises:
        NotFound: No record has that id (``ids_not_found``).
        ProviderError: An error answer (401 and 403 are
            `AuthenticationError`).
    """
    data = read_json(NAME, response)
    if response.status_code != 200:
        raise _http_error(response, data, code=None, text=_label(data))
    records = data.get("records")
    if not isinstance(records, list) or not records:
        missing = data.get("ids_not_found") or "the id"
        raise NotFound(
            f"vonage: no SMS record for {missing}",
            provider=NAME,
            http_status=response.status_code,
        )
    record = records[0]
    if not isinstance(record, dict) or not record.get("message_id"):
        raise ProviderError(
            "vonage: a Reports API record without a message_id",
            provider=NAME,
            http_status=response.status_code,
        )
    return message_from_record(record)


def message_from_record(record: dict[str, Any]) -> Message:
    """A `Message` from one Reports API SMS record (one part)."""
    word = str(record.get("status") or "unknown")
    status = wire.DLR_STATUSES.get(word, Status.UNKNOWN)
    error_code = record.get("error_code")
    failed = status.is_final and status is not Status.DELIVERED
    price = _decimal(record.get("total_price"))
    return Message(
        id=str(record["message_id"]),
        provider=NAME,
        to=from_digits(str(record.get("to") or "")) or "unknown",
        sender=_optional_number(record.get("from")),
        body=_optional_text(record.get("message_body")),
        status=status,
        raw_status=word,
        created_at=_time(record.get("date_received")),
        updated_at=_time(record.get("date_finalized")),
        client_ref=_optional_text(record.get("client_ref")),
        price=price if price else None,
        currency=_optional_text(record.get("currency")) if price else None,
        error_code=str(error_code) if failed and error_code is not None else None,
        error_message=_optional_text(record.get("error_code_description"))
        if failed
        else None,
        raw=record,
    )


def _optional_text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _optional_number(value: object) -> str | None:
    text = _optional_text(value)
    return None if text is None else from_digits(text)


def _time(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return wire.parse_report_time(value)
    except ValueError:
        return None  # a time smskit cannot read is no reason to lose the record
