"""Reading Vonage's SMS webhooks: the parameters, and the event they carry.

Pure functions of the request (providers.md §2.5-2.6):

* `params` gives the parameters: from the query string of a GET, from the
  form or JSON body of a POST (a POST with an empty body falls back to its
  query string). A name given twice is refused: the signature covers one
  value per name, and a second one could be read instead of the signed one.
  `smskit.providers.vonage._webhooks` checks the signature over them.
* `parse` turns a delivery receipt into a `StatusEvent` and an inbound SMS
  (or one part of a long one) into an `InboundMessage`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from smskit._exceptions import WebhookPayloadError
from smskit._models import InboundMessage, Status, StatusEvent
from smskit.providers._common import from_digits
from smskit.providers._protocol import WebhookRequest
from smskit.providers.vonage import _errors as errors
from smskit.providers.vonage import _wire as wire

__all__ = ["params", "parse"]

_NAME = "vonage"  # _api.NAME; _api builds requests and is no dependency here

_SMALL_INT = re.compile(r"[0-9]{1,6}")
_SCTS = re.compile(r"[0-9]{10}")


# -- reading parameters -----------------------------------------------------------


def params(request: WebhookRequest) -> dict[str, Any]:
    """The webhook's parameters: query string (GET), or form or JSON body (POST).

    Args:
        request: The webhook as received.

    Returns:
        Each name and its value (text, or what the JSON body holds).

    Raises:
        WebhookPayloadError: The body is not UTF-8, not a JSON object, or
            names a parameter twice.
    """
    if request.method == "POST" and request.body.strip():
        if _is_json(request):
            return _json_params(request.body)
        return _pairs(_decode(request.body), "the form body")
    query = urllib.parse.urlsplit(request.url).query
    return _pairs(query, "the query string")


def _is_json(request: WebhookRequest) -> bool:
    kind = (request.header("content-type") or "").split(";")[0].strip().lower()
    if kind:
        return kind == "application/json" or kind.endswith("+json")
    return request.body.lstrip().startswith(b"{")


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookPayloadError("the Vonage webhook's body is not UTF-8") from None


def _json_params(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(_decode(body))
    except ValueError:
        raise WebhookPayloadError(
            "the Vonage webhook's JSON body is malformed"
        ) from None
    if not isinstance(value, dict):
        kind = type(value).__name__
        raise WebhookPayloadError(
            f"the Vonage webhook's JSON body is a {kind}, not an object"
        )
    return value


def _pairs(text: str, where: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    try:
        pairs = urllib.parse.parse_qsl(
            text, keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except UnicodeDecodeError:
        raise WebhookPayloadError(
            f"{where} of the Vonage webhook is not UTF-8"
        ) from None
    for name, value in pairs:
        if name in found:
            raise WebhookPayloadError(f"parameter {name!r} appears twice in {where}")
        found[name] = value
    return found


# -- parsing --------------------------------------------------------------------


def parse(request: WebhookRequest) -> tuple[StatusEvent | InboundMessage, ...]:
    """Read a delivery receipt or an inbound SMS (one part) from ``request``.

    A receipt (it has ``status``) becomes one `StatusEvent` about one part:
    ``message_id`` and ``part_id`` are both its ``messageId``. An inbound
    SMS becomes one `InboundMessage`; a part of a long one carries
    ``part_ref``/``part_count``/``part_number`` for `smskit.webhooks` to join.

    Args:
        request: A verified webhook.

    Returns:
        A tuple with the one event or message.

    Raises:
        WebhookPayloadError: A required field is missing or malformed, or the
            payload is neither a receipt nor an inbound SMS.
    """
    values = params(request)
    if "message_uuid" in values:
        # Messages API payloads share words ("status", "text") with the SMS
        # API's but not their meaning; reading one as the other would lie.
        raise WebhookPayloadError(
            "this is a Messages API webhook (message_uuid); the Vonage provider "
            "reads SMS API receipts and inbound SMS"
        )
    if "status" in values:
        return (_receipt(values),)
    if "text" in values or "type" in values or "data" in values:
        return (_inbound(values),)
    raise WebhookPayloadError(
        "the Vonage webhook is neither a delivery receipt (no status) nor an "
        "inbound SMS (no text, type or data)"
    )


def _text(values: Mapping[str, Any], name: str) -> str | None:
    """A field as text; numbers in a JSON body count, other kinds are refused."""
    value = values.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    kind = type(value).__name__
    raise WebhookPayloadError(f"the Vonage webhook's {name!r} is a {kind}, not text")


def _required(values: Mapping[str, Any], name: str) -> str:
    value = _text(values, name)
    if value is None or not value.strip():
        raise WebhookPayloadError(f"the Vonage webhook has no {name!r}")
    return value.strip()


def _optional(values: Mapping[str, Any], name: str) -> str | None:
    value = _text(values, name)
    return value.strip() or None if value is not None else None


def _receipt(values: Mapping[str, Any]) -> StatusEvent:
    part_id = _required(values, "messageId")
    word = _required(values, "status")
    # A word Vonage adds later is news all the same: unknown, with the word kept.
    status = wire.DLR_STATUSES.get(word.lower(), Status.UNKNOWN)
    code = _optional(values, "err-code")
    error_code = code if code not in (None, "0") else None
    meaning = errors.DELIVERY_ERRORS.get(error_code or "")
    price = _price(_optional(values, "price"))
    return StatusEvent(
        message_id=part_id,
        part_id=part_id,
        provider=_NAME,
        status=status,
        raw_status=word,
        occurred_at=_receipt_time(values),
        # In a receipt msisdn is the recipient and to is your sender.
        to=_number(_optional(values, "msisdn")),
        sender=_number(_optional(values, "to")),
        error_code=error_code,
        error_message=meaning[0] if meaning else None,
        client_ref=_optional(values, wire.CLIENT_REF),
        price=price,
        currency=wire.PRICE_CURRENCY if price is not None else None,
        raw=dict(values),
    )


def _number(value: str | None) -> str | None:
    return None if value is None else from_digits(value)


def _price(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        price = Decimal(text)
    except InvalidOperation:
        raise WebhookPayloadError(
            f"the Vonage receipt's price {text[:20]!r} is not a number"
        ) from None
    if not price.is_finite() or price < 0:
        raise WebhookPayloadError(
            f"the Vonage receipt's price {text[:20]!r} is not a price"
        )
    return price or None  # a price of 0 says nothing was billed yet


def _receipt_time(values: Mapping[str, Any]) -> dt.datetime | None:
    """The carrier's ``scts`` (to the minute), else ``message-timestamp``."""
    scts = _optional(values, "scts")
    if scts is not None:
        return _scts(scts)
    return _message_time(values)


def _scts(text: str) -> dt.datetime:
    if not _SCTS.fullmatch(text):
        raise WebhookPayloadError(
            f"the Vonage receipt's scts {text[:20]!r} is not YYMMDDhhmm"
        )
    try:
        moment = dt.datetime.strptime(text, "%y%m%d%H%M")
    except ValueError:
        raise WebhookPayloadError(
            f"the Vonage receipt's scts {text!r} is no date"
        ) from None
    return moment.replace(tzinfo=dt.timezone.utc)


def _message_time(values: Mapping[str, Any]) -> dt.datetime | None:
    text = _optional(values, "message-timestamp")
    if text is None:
        return None
    try:
        moment = dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise WebhookPayloadError(
            f"the Vonage webhook's message-timestamp {text[:30]!r} is not "
            "YYYY-MM-DD HH:MM:SS"
        ) from None
    return moment.replace(tzinfo=dt.timezone.utc)


def _inbound(values: Mapping[str, Any]) -> InboundMessage:
    kind = (_optional(values, wire.TYPE) or "text").lower()
    # A binary message's payload is hex in data (and udh): raw keeps it.
    body = "" if kind == "binary" else _text(values, wire.TEXT)
    if body is None:
        raise WebhookPayloadError(f"the Vonage inbound {kind} message has no 'text'")
    ref, count, number = _concat(values)
    return InboundMessage(
        id=_required(values, "messageId"),
        provider=_NAME,
        sender=from_digits(_required(values, "msisdn")),
        to=from_digits(_required(values, "to")),
        body=body,
        received_at=_message_time(values),
        part_ref=ref,
        part_count=count,
        part_number=number,
        raw=dict(values),
    )


def _concat(values: Mapping[str, Any]) -> tuple[str | None, int | None, int | None]:
    """``concat-ref``, ``concat-total`` and ``concat-part`` of one part, or Nones."""
    flag = (_optional(values, "concat") or "").lower()
    names = ("concat-ref", "concat-total", "concat-part")
    given = [_optional(values, name) for name in names]
    if flag != "true" and all(value is None for value in given):
        return None, None, None
    ref, total, part = given
    if ref is None or total is None or part is None:
        missing = [
            name for name, value in zip(names, given, strict=True) if value is None
        ]
        raise WebhookPayloadError(
            f"the Vonage inbound part has no {', '.join(missing)}"
        )
    if not _SMALL_INT.fullmatch(total) or not _SMALL_INT.fullmatch(part):
        raise WebhookPayloadError(
            f"the Vonage inbound part's concat-total {total[:10]!r} and "
            f"concat-part {part[:10]!r} must be whole numbers"
        )
    count, number = int(total), int(part)
    if not 1 <= number <= count:
        raise WebhookPayloadError(
            f"the Vonage inbound part's concat-part {number} is not between 1 "
            f"and concat-total {count}"
        )
    return ref, count, number
