"""Reading Twilio's webhooks: the parameters, and the event they carry.

Pure functions of the request (providers.md §1.7):

* `parse` turns a status callback into a `StatusEvent` and an incoming
  message into an `InboundMessage`, from a form body, a GET query or JSON.
* `form_pairs`, `query_pairs`, `media_type` and `is_form` read the request
  as `smskit.providers.twilio._webhooks` also needs to verify it; the few
  most recent form bodies are kept, so verifying then parsing reads one once.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

from smskit._exceptions import InvalidMessage, WebhookPayloadError
from smskit._models import InboundMessage, Status, StatusEvent
from smskit.providers._protocol import WebhookRequest
from smskit.providers.twilio import _wire as wire
from smskit.providers.twilio._errors import DELIVERY_ERRORS

__all__ = [
    "form_pairs",
    "is_form",
    "media_type",
    "parse",
    "query_pairs",
]

_FORM = "application/x-www-form-urlencoded"
_INBOUND_WORDS = frozenset({"received", "receiving"})
_PROVIDER = "twilio"


# -- reading the payload ----------------------------------------------------------


def media_type(request: WebhookRequest) -> str:
    """The body's media type, lower case, without parameters ("" if unlabelled)."""
    value = request.header("Content-Type") or ""
    return value.partition(";")[0].strip().lower()


def is_form(request: WebhookRequest) -> bool:
    """Whether the body is read as a form."""
    # Twilio always labels its form posts; an unlabelled body is read as one.
    return media_type(request) in {"", _FORM}


@functools.lru_cache(maxsize=8)
def form_pairs(body: bytes) -> tuple[tuple[str, str], ...]:
    """A form body's parameters in order, blank values kept (as frameworks do).

    Verifying and then parsing a request reads its body twice; the few most
    recent bodies are kept so the second read is free.
    """
    try:
        return _pairs(body.decode("utf-8"))
    except UnicodeDecodeError:
        message = "the form body is not UTF-8 text (nor percent-encoded UTF-8)"
        raise WebhookPayloadError(message) from None


def query_pairs(url: str) -> tuple[tuple[str, str], ...]:
    """The URL's query parameters in order, blank values kept."""
    try:
        return _pairs(urlsplit(url).query)
    except UnicodeDecodeError:
        message = "the query string is not percent-encoded UTF-8"
        raise WebhookPayloadError(message) from None


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """``a=1&b=&c`` as name/value pairs, decoded as HTML forms are.

    What `urllib.parse.parse_qsl` gives with blank values kept and strict
    UTF-8, several times faster: most names and values need no decoding.

    Raises:
        UnicodeDecodeError: A percent-escape is not UTF-8.
    """
    return tuple(
        (_unescape(name), _unescape(value))
        for name, _, value in (field.partition("=") for field in text.split("&"))
        if name or value
    )


def _unescape(text: str) -> str:
    if "+" in text:
        text = text.replace("+", " ")
    return unquote(text, errors="strict") if "%" in text else text


def _grouped(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Parameters as a dict: one value as a str, a repeated name as a list."""
    raw: dict[str, Any] = {}
    for name, value in pairs:
        if name not in raw:
            raw[name] = value
        elif isinstance(raw[name], list):
            raw[name].append(value)
        else:
            raw[name] = [raw[name], value]
    return raw


def _payload(request: WebhookRequest) -> dict[str, Any]:
    """The request's parameters, as received, whatever carried them."""
    if request.method == "GET":
        return _grouped(query_pairs(request.url))
    if is_form(request):
        return _grouped(form_pairs(request.body))
    if media_type(request) == "application/json" or media_type(request).endswith(
        "+json"
    ):
        return _json_object(request.body)
    message = f"Twilio webhooks are forms or JSON; this body is {media_type(request)!r}"
    raise WebhookPayloadError(message)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        message = "the JSON body is not valid JSON"
        raise WebhookPayloadError(message) from None
    if not isinstance(data, dict):
        message = f"the JSON body is a {type(data).__name__}, not an object"
        raise WebhookPayloadError(message)
    return data


class _Fields:
    """Reads text fields of a payload: the first value, stripped; blank is absent."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = raw

    def get(self, *names: str) -> str | None:
        for name in names:
            value = self._raw.get(name)
            if isinstance(value, list):
                value = value[0] if value else None
            if isinstance(value, bool) or value is None:
                continue
            if isinstance(value, (str, int, float)):
                text = str(value).strip()
                if text:
                    return text
        return None

    def __contains__(self, name: str) -> bool:
        return name in self._raw


# -- parsing ----------------------------------------------------------------------


def parse(request: WebhookRequest) -> tuple[StatusEvent | InboundMessage, ...]:
    """Read a verified Twilio webhook: a status callback or an incoming message.

    Args:
        request: The verified request (form POST, GET or JSON body).

    Returns:
        One `StatusEvent` (``MessageStatus`` other than ``received``) or one
        `InboundMessage` (``SmsStatus=received``, or a ``Body`` without any
        status), with the parameters as received in ``raw``.

    Raises:
        WebhookPayloadError: The body cannot be read, or a field the event
            needs is missing or malformed (the message names it).
    """
    raw = _payload(request)
    fields = _Fields(raw)
    word = fields.get("MessageStatus", "SmsStatus")
    try:
        if word is None:
            if "Body" not in raw:
                message = (
                    "a Twilio webhook needs MessageStatus (a status callback) "
                    "or Body (an incoming message); this one has neither"
                )
                raise WebhookPayloadError(message)
            return (_inbound(fields, raw),)
        if word.lower() in _INBOUND_WORDS:
            return (_inbound(fields, raw),)
        return (_status_event(fields, raw, word),)
    except InvalidMessage as error:
        # The models refused a value: the payload is at fault, not the caller.
        message = f"a Twilio webhook field is invalid: {error}"
        raise WebhookPayloadError(message) from None


def _status_event(fields: _Fields, raw: dict[str, Any], word: str) -> StatusEvent:
    sid = fields.get("MessageSid", "SmsSid")
    if sid is None:
        message = "the Twilio status callback has no MessageSid (nor SmsSid)"
        raise WebhookPayloadError(message)
    code = fields.get("ErrorCode")
    return StatusEvent(
        message_id=sid,
        provider=_PROVIDER,
        # A word newer than smskit reads as UNKNOWN (raw_status keeps it), which
        # the reducer never lets overwrite a known status; refusing the callback
        # would only make Twilio retry it and lose the event.
        status=wire.STATUSES.get(word.lower(), Status.UNKNOWN),
        raw_status=word,
        occurred_at=_dlr_done_date(fields.get("RawDlrDoneDate")),
        to=fields.get("To"),
        sender=fields.get("From"),
        error_code=None if code in {None, "0"} else code,
        error_message=_error_message(code, fields.get("ErrorMessage")),
        raw=raw,
    )


def _inbound(fields: _Fields, raw: dict[str, Any]) -> InboundMessage:
    sid = fields.get("MessageSid", "SmsMessageSid", "SmsSid")
    sender = fields.get("From")
    to = fields.get("To")
    missing = [
        name
        for name, value in (("MessageSid", sid), ("From", sender), ("To", to))
        if value is None
    ]
    if sid is None or sender is None or to is None:
        message = f"the Twilio incoming message lacks {', '.join(missing)}"
        raise WebhookPayloadError(message)
    body = raw.get("Body", "")
    return InboundMessage(
        id=sid,
        provider=_PROVIDER,
        sender=sender,
        to=to,
        # The text exactly as sent: no stripping (Body may be a list if repeated).
        body=(body[0] if isinstance(body, list) else body) if body else "",
        segments=_segments(fields.get("NumSegments")),
        raw=raw,
    )


def _segments(text: str | None) -> int | None:
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()):
        message = f"NumSegments must be a whole number, not {text[:20]!r}"
        raise WebhookPayloadError(message)
    # A media-only message may say 0 segments: the count is then unknown.
    return int(text) or None


def _dlr_done_date(text: str | None) -> dt.datetime | None:
    """``RawDlrDoneDate`` (``YYMMDDhhmm``, UTC; some carriers add seconds).

    It is the carrier's own value, passed on by Twilio: one that cannot be
    read leaves ``occurred_at`` empty (``raw`` keeps it) rather than refusing
    a receipt that is otherwise sound.
    """
    if text is None or len(text) not in {10, 12}:
        return None
    if not (text.isascii() and text.isdigit()):
        return None
    # By hand: strptime costs more than the rest of the parse together.
    fields = [int(text[start : start + 2]) for start in range(0, len(text), 2)]
    year, month, day, hour, minute = fields[:5]
    second = fields[5] if len(fields) > 5 else 0
    try:
        return dt.datetime(
            2000 + year, month, day, hour, minute, second, tzinfo=dt.timezone.utc
        )
    except ValueError:
        return None


def _error_message(code: str | None, given: str | None) -> str | None:
    if given is not None:
        return given
    if code is None or not (code.isascii() and code.isdigit()):
        return None
    known = DELIVERY_ERRORS.get(int(code))
    return None if known is None else known[0]
