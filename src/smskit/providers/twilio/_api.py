"""Twilio's Messages API on the client side: build the requests.

Sans-I/O: every function here turns smskit values into an `httpx.Request`
(or refuses them with a smskit error), and nothing else; `_parse` reads the
answers. Facts (paths, names, words, codes) come from `_wire`.
"""

from __future__ import annotations

import datetime as dt
import math
import urllib.parse
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NoReturn

import attrs
import httpx

from smskit._exceptions import ArgumentTypeError, InvalidMessage
from smskit.providers._common import parsed_url, path_id
from smskit.providers._protocol import ListQuery, OutgoingMessage
from smskit.providers.twilio import _wire as wire

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
_SECOND = dt.timedelta(seconds=1)


@attrs.frozen(kw_only=True)
class Endpoint:
    """Where and as whom requests go: the host, the account and the auth header.

    Attributes:
        base_url: Scheme, host and optional path prefix, without a trailing
            slash (``https://api.twilio.com``).
        account_sid: The account in every path (also with an API key).
        authorization: The ``Authorization`` header value (never shown).
        messaging_service_sid: The Messaging Service to send through, if any.
        form_headers: The headers of a form ``POST`` (derived; never shown).
    """

    base_url: str
    account_sid: str
    authorization: str = attrs.field(repr=False)
    messaging_service_sid: str | None = None
    # The headers of a form POST, built once: httpx copies given `Headers`
    # as they are, but checks and encodes a dict's every name and value.
    form_headers: httpx.Headers = attrs.field(init=False, repr=False, eq=False)

    @form_headers.default
    def _form_headers(self) -> httpx.Headers:
        return httpx.Headers(self.headers(form=True))

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
        parsed_url(endpoint.url(wire.MESSAGES_PATH)),
        content=body.encode("utf-8"),
        headers=endpoint.form_headers,
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


# -- fetch, cancel ----------------------------------------------------------------


def build_fetch(endpoint: Endpoint, message_id: str) -> httpx.Request:
    """Make the ``GET …/Messages/{Sid}.json`` request."""
    return httpx.Request(
        "GET", _message_url(endpoint, message_id), headers=endpoint.headers()
    )


def build_cancel(endpoint: Endpoint, message_id: str) -> httpx.Request:
    """Make the ``POST …/Messages/{Sid}.json`` request with ``Status=canceled``."""
    body = urllib.parse.urlencode([(wire.STATUS, wire.STATUS_CANCELED)])
    return httpx.Request(
        "POST",
        _message_url(endpoint, message_id),
        content=body.encode("ascii"),
        headers=endpoint.headers(form=True),
    )


def _message_url(endpoint: Endpoint, message_id: str) -> str:
    sid = path_id(NAME, message_id, alphabet=wire.MESSAGE_SID_PATTERN)
    return endpoint.url(wire.MESSAGE_PATH, sid=sid)


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


# -- balance ----------------------------------------------------------------------


def build_balance(endpoint: Endpoint) -> httpx.Request:
    """Make the ``GET …/Balance.json`` request."""
    return httpx.Request(
        "GET", parsed_url(endpoint.url(wire.BALANCE_PATH)), headers=endpoint.headers()
    )


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
