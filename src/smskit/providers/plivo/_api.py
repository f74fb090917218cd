"""Plivo's Message API v1, sans-I/O: build the requests.

Nothing here sends, sleeps or reads the clock on its own: `Account` carries
what every request needs (base URL, Auth ID, the Basic credentials) and a
clock, and each function builds one `httpx.Request`; `_parse` reads the
answers into smskit's models or errors.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import httpx

from smskit._exceptions import InvalidMessage, NotSupported
from smskit.providers._common import digits_only, parsed_url, path_id
from smskit.providers._protocol import ListQuery, OutgoingBatch, OutgoingMessage
from smskit.providers.plivo import _wire as wire

__all__ = [
    "NAME",
    "Account",
    "build_balance",
    "build_fetch",
    "build_list",
    "build_send",
    "build_send_batch",
]

NAME = "plivo"

# Set from the typed arguments of a send; options cannot repeat them.
_ALWAYS_SET = frozenset({wire.DST, wire.TEXT})


def _basic(auth_id: str, auth_token: str) -> str:
    token = base64.b64encode(f"{auth_id}:{auth_token}".encode()).decode("ascii")
    return f"Basic {token}"


@attrs.frozen(kw_only=True)
class Account:
    """What every Plivo request needs.

    Attributes:
        base_url: ``scheme://host[:port]`` without a trailing slash.
        auth_id: The Auth ID (checked against `wire.AUTH_ID`).
        authorization: The ``Authorization`` header value (never shown).
        clock: Returns the current time, timezone-aware.
    """

    base_url: str
    auth_id: str
    authorization: str = attrs.field(repr=False)
    clock: Callable[[], dt.datetime] = attrs.field(repr=False)

    @classmethod
    def create(
        cls,
        *,
        base_url: str,
        auth_id: str,
        auth_token: str,
        clock: Callable[[], dt.datetime],
    ) -> Account:
        """An account from its credentials (the token goes into the header only)."""
        return cls(
            base_url=base_url,
            auth_id=auth_id,
            authorization=_basic(auth_id, auth_token),
            clock=clock,
        )

    def url(self, template: str, **ids: str) -> str:
        """The absolute URL of one of `wire`'s path templates."""
        return self.base_url + template.format(auth_id=self.auth_id, **ids)

    def headers(self) -> dict[str, str]:
        """Basic auth, and JSON answers asked for."""
        return {"Authorization": self.authorization, "Accept": "application/json"}


# -- send ---------------------------------------------------------------------


def build_send(account: Account, message: OutgoingMessage) -> httpx.Request:
    """``POST …/Message/`` with a JSON body, for one recipient.

    Raises:
        InvalidMessage: The options repeat a typed argument, or the message has
            neither a sender nor a ``powerpack_uuid`` option.
        NotSupported: The message is scheduled (Plivo's API cannot schedule).
    """
    return _send_request(account, message, [digits_only(message.to)])


def build_send_batch(account: Account, batch: OutgoingBatch) -> httpx.Request:
    """One ``POST …/Message/`` for every recipient: ``dst`` joined with ``<``.

    A number given twice goes out once (Plivo sends once per unique
    destination); `parse_send_batch` gives each position the same message.
    """
    unique = list(dict.fromkeys(digits_only(number) for number in batch.recipients))
    return _send_request(account, batch.message, unique)


def _send_request(
    account: Account, message: OutgoingMessage, destinations: Sequence[str]
) -> httpx.Request:
    if message.send_at is not None:
        # The client checks SupportsSchedule first; this is the last guard.
        raise NotSupported(
            "plivo does not support schedule", provider=NAME, operation="schedule"
        )
    payload = _payload(message, wire.DESTINATION_SEPARATOR.join(destinations))
    return httpx.Request(
        "POST",
        parsed_url(account.url(wire.MESSAGES_PATH)),
        json=payload,
        headers=account.headers(),
    )


def _payload(message: OutgoingMessage, dst: str) -> dict[str, Any]:
    """The JSON body: what the official SDK sends, then the options."""
    typed: dict[str, Any] = {
        wire.SRC: None if message.sender is None else digits_only(message.sender),
        wire.URL: message.status_callback,
        wire.MESSAGE_EXPIRY: _expiry(message.validity),
    }
    options = _checked_options(message.options, typed)
    payload: dict[str, Any] = {
        wire.DST: dst,
        wire.TEXT: message.body,
        # The SDK's defaults, sent explicitly as it does.
        wire.TYPE: wire.TYPE_SMS,
        wire.METHOD: "POST",
        wire.LOG: "true",
        wire.TRACKABLE: False,
    }
    payload.update((key, value) for key, value in typed.items() if value is not None)
    payload.update(options)
    if (wire.SRC in payload) == (wire.POWERPACK_UUID in payload):
        raise InvalidMessage(
            "plivo needs exactly one of a sender (sender=) or "
            "options={'powerpack_uuid': ...}"
        )
    return payload


def _expiry(validity: dt.timedelta | None) -> int | None:
    # Whole seconds, rounded up: never less time than asked for.
    return None if validity is None else math.ceil(validity.total_seconds())


def _checked_options(
    options: Mapping[str, Any], typed: Mapping[str, Any]
) -> dict[str, Any]:
    """The options, refused where they would repeat a typed argument."""
    checked: dict[str, Any] = {}
    for key, value in options.items():
        if key in _ALWAYS_SET or (key in typed and typed[key] is not None):
            raise InvalidMessage(
                f"options[{key!r}] repeats what smskit sets from the send's "
                "arguments (to, body, sender, status_callback, validity)"
            )
        # Plivo documents log as the string "true"/"false"; a bool is meant so.
        if key == wire.LOG and isinstance(value, bool):
            checked[key] = "true" if value else "false"
        else:
            checked[key] = value
    return checked


# -- fetch and list -----------------------------------------------------------


def build_fetch(account: Account, message_id: str) -> httpx.Request:
    """``GET …/Message/{message_uuid}/``.

    Raises:
        InvalidMessage: ``message_id`` is not a UUID.
    """
    message_uuid = path_id(NAME, message_id, alphabet=wire.MESSAGE_UUID)
    return httpx.Request(
        "GET",
        account.url(wire.MESSAGE_PATH, message_uuid=message_uuid),
        headers=account.headers(),
    )


def build_list(account: Account, query: ListQuery, cursor: str | None) -> httpx.Request:
    """``GET …/Message/`` for one page of outbound messages, newest first.

    Args:
        account: The account.
        query: The filters; ``page_size`` is capped at Plivo's 20.
        cursor: ``None`` for the first page, else what `parse_list` returned:
            ``meta.next`` (a path under ``…/Message/``), or an offset.

    Raises:
        InvalidMessage: The cursor is neither an offset nor this account's
            message list.
    """
    params: list[tuple[str, str]]
    if cursor is not None and not (cursor.isascii() and cursor.isdecimal()):
        params = _next_page(account, cursor)
    else:
        params = list(_first_page(query).items())
        if cursor is not None:
            params.append((wire.OFFSET, str(int(cursor))))
    return httpx.Request(
        "GET",
        account.url(wire.MESSAGES_PATH),
        params=tuple(params),
        headers=account.headers(),
    )


def _first_page(query: ListQuery) -> dict[str, str]:
    limit = wire.MAX_LIST_LIMIT
    if query.page_size is not None:
        limit = max(1, min(query.page_size, wire.MAX_LIST_LIMIT))
    params = {wire.LIMIT: str(limit), "message_direction": "outbound"}
    if query.to is not None:
        params["to_number"] = digits_only(query.to)
    if query.sender is not None:
        params["from_number"] = digits_only(query.sender)
    if query.sent_after is not None:
        params["message_time__gte"] = wire.format_message_time(query.sent_after)
    if query.sent_before is not None:
        params["message_time__lt"] = wire.format_message_time(query.sent_before)
    return params


def _next_page(account: Account, cursor: str) -> list[tuple[str, str]]:
    """The query of ``meta.next``, once it is known to name this account's list."""
    parts = urllib.parse.urlsplit(cursor)
    ours = urllib.parse.urlsplit(account.base_url).netloc
    if parts.netloc not in {"", ours} or parts.path != wire.MESSAGES_PATH.format(
        auth_id=account.auth_id
    ):
        # A cursor only ever moves along this list: never another URL.
        raise InvalidMessage("not a plivo list cursor of this account")
    return urllib.parse.parse_qsl(parts.query, keep_blank_values=True)


# -- balance ------------------------------------------------------------------


def build_balance(account: Account) -> httpx.Request:
    """``GET /v1/Account/{auth_id}/``: the Account object."""
    return httpx.Request(
        "GET", parsed_url(account.url(wire.ACCOUNT_PATH)), headers=account.headers()
    )
