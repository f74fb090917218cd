"""The client side of the sandbox API: build requests, parse responses."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx

from smskit._exceptions import (
    AuthenticationError,
    NotFound,
    OptedOut,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    RejectedMessage,
)
from smskit._models import Balance, Message
from smskit._redact import mask_phone
from smskit.providers._common import path_id, read_json, retry_after_seconds
from smskit.providers._protocol import (
    BatchResult,
    ListQuery,
    OutgoingBatch,
    OutgoingMessage,
    Page,
)

__all__ = [
    "build_balance",
    "build_cancel",
    "build_fetch",
    "build_list",
    "build_send",
    "build_send_batch",
    "parse_balance",
    "parse_cancel",
    "parse_fetch",
    "parse_list",
    "parse_send",
    "parse_send_batch",
]

NAME = "sandbox"

# The sandbox's error codes and the smskit error each one becomes.
_ERRORS: dict[str, type[ProviderError]] = {
    "unauthorized": AuthenticationError,
    "not_found": NotFound,
    "opted_out": OptedOut,
    "invalid_to": RejectedMessage,
    "invalid_from": RejectedMessage,
    "sender_not_owned": RejectedMessage,
    "queue_full": RejectedMessage,
    "cannot_route": RejectedMessage,
    "no_geo_permission": RejectedMessage,
    "not_mobile": RejectedMessage,
    "missing_body": RejectedMessage,
    "body_too_long": RejectedMessage,
    "invalid_json": RejectedMessage,
    "invalid_send_at": RejectedMessage,
    "unknown_option": RejectedMessage,
    "not_cancelable": RejectedMessage,
    "missing_to": RejectedMessage,
    "too_many_recipients": RejectedMessage,
    "invalid_validity": RejectedMessage,
    "invalid_option": RejectedMessage,
    "invalid_smart_encoded": RejectedMessage,
    "invalid_client_ref": RejectedMessage,
    "invalid_status_callback": RejectedMessage,
    "invalid_page_size": RejectedMessage,
    "invalid_page_token": RejectedMessage,
    "invalid_sent_after": RejectedMessage,
    "invalid_sent_before": RejectedMessage,
}


def build_send(base_url: str, api_key: str, message: OutgoingMessage) -> httpx.Request:
    """Make the ``POST /messages`` request for ``message``."""
    payload = {
        "to": message.to,
        "from": message.sender,
        "body": message.body,
        "client_ref": message.client_ref,
        "status_callback": message.status_callback,
        "validity": None
        if message.validity is None
        else message.validity.total_seconds(),
        "send_at": None if message.send_at is None else message.send_at.isoformat(),
        "smart_encoded": message.smart_encoded or None,
        "options": dict(message.options) or None,
    }
    return httpx.Request(
        "POST",
        f"{base_url}/messages",
        json={key: value for key, value in payload.items() if value is not None},
        headers=_headers(api_key),
    )


def build_send_batch(
    base_url: str, api_key: str, batch: OutgoingBatch
) -> httpx.Request:
    """Make the ``POST /messages/batch`` request: one text, many recipients."""
    single = build_send(base_url, api_key, batch.message)
    payload = json.loads(single.content)
    payload["to"] = list(batch.recipients)
    return httpx.Request(
        "POST", f"{base_url}/messages/batch", json=payload, headers=_headers(api_key)
    )


def parse_send_batch(
    batch: OutgoingBatch, response: httpx.Response
) -> tuple[BatchResult, ...]:
    """Read a batch's answer: one result per recipient, in order."""
    data = read_json(NAME, response)
    if response.status_code != 200:
        raise _error(response, data, is_send=True)
    items = data.get("results")
    if not isinstance(items, list) or len(items) != len(batch.recipients):
        raise ProviderError(
            "sandbox: a batch answer without one result per recipient",
            provider=NAME,
            http_status=response.status_code,
        )
    return tuple(
        _batch_result(recipient, item)
        for recipient, item in zip(batch.recipients, items, strict=True)
    )


def _batch_result(recipient: str, item: object) -> BatchResult:
    if isinstance(item, dict) and isinstance(item.get("message"), dict):
        return BatchResult(to=recipient, message=message_from_json(item["message"]))
    detail = item.get("error") if isinstance(item, dict) else None
    detail = detail if isinstance(detail, dict) else {}
    code = str(detail.get("code", "unknown"))
    # The number stays out of the text, which may reach logs; the result has it.
    text = f"sandbox: {detail.get('message', 'refused')} ({mask_phone(recipient)})"
    error = _ERRORS.get(code, ProviderError)(
        text, provider=NAME, http_status=200, provider_code=code
    )
    return BatchResult(to=recipient, error=error)


def build_fetch(base_url: str, api_key: str, message_id: str) -> httpx.Request:
    """Make the ``GET /messages/{id}`` request."""
    path = path_id(NAME, message_id)
    return httpx.Request(
        "GET", f"{base_url}/messages/{path}", headers=_headers(api_key)
    )


def build_cancel(base_url: str, api_key: str, message_id: str) -> httpx.Request:
    """Make the ``POST /messages/{id}/cancel`` request."""
    path = path_id(NAME, message_id)
    return httpx.Request(
        "POST", f"{base_url}/messages/{path}/cancel", headers=_headers(api_key)
    )


def build_list(
    base_url: str, api_key: str, query: ListQuery, cursor: str | None
) -> httpx.Request:
    """Make the ``GET /messages`` request for one page."""
    params = {
        "to": query.to,
        "from": query.sender,
        "sent_after": _iso(query.sent_after),
        "sent_before": _iso(query.sent_before),
        "page_size": None if query.page_size is None else str(query.page_size),
        "page_token": cursor,
    }
    return httpx.Request(
        "GET",
        f"{base_url}/messages",
        params={key: value for key, value in params.items() if value is not None},
        headers=_headers(api_key),
    )


def build_balance(base_url: str, api_key: str) -> httpx.Request:
    """Make the ``GET /balance`` request."""
    return httpx.Request("GET", f"{base_url}/balance", headers=_headers(api_key))


def parse_send(response: httpx.Response) -> Message:
    """Read a send's answer: 201 and the message, or an error."""
    return _message_or_error(response, expected=201, is_send=True)


def parse_fetch(response: httpx.Response) -> Message:
    """Read a lookup's answer: 200 and the message, or an error."""
    return _message_or_error(response, expected=200, is_send=False)


def parse_cancel(response: httpx.Response) -> Message:
    """Read a cancel's answer: 200 and the cancelled message, or an error.

    The sandbox answers a cancel of an already cancelled message with that
    message, so a retried cancel whose first attempt worked is a success.
    """
    return _message_or_error(response, expected=200, is_send=False)


def parse_list(response: httpx.Response) -> Page:
    """Read one page of ``GET /messages``."""
    data = read_json(NAME, response)
    if response.status_code != 200:
        raise _error(response, data, is_send=False)
    items = data.get("messages")
    token = data.get("next_page_token")
    if not isinstance(items, list) or not (token is None or isinstance(token, str)):
        raise ProviderError(
            "sandbox: a list page without 'messages' or with a bad token",
            provider=NAME,
            http_status=response.status_code,
        )
    return Page(
        messages=tuple(message_from_json(item) for item in items),
        next_cursor=token or None,
    )


def parse_balance(response: httpx.Response) -> Balance:
    """Read ``GET /balance``: the amount as a decimal string, and its currency."""
    data = read_json(NAME, response)
    if response.status_code != 200:
        raise _error(response, data, is_send=False)
    return Balance(
        amount=str(data.get("balance")),
        currency=str(data.get("currency")),
        provider=NAME,
    )


def _headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}


def _message_or_error(
    response: httpx.Response, *, expected: int, is_send: bool
) -> Message:
    data = read_json(NAME, response)
    if response.status_code != expected:
        raise _error(response, data, is_send=is_send)
    return message_from_json(data)


def message_from_json(data: dict[str, Any]) -> Message:
    """Build a `Message` from the sandbox's JSON representation."""
    return Message(
        id=data["id"],
        provider=NAME,
        to=data["to"],
        sender=data.get("from"),
        body=data.get("body"),
        status=data["status"],
        raw_status=data["status"],
        encoding=data.get("encoding"),
        segments=data.get("segments"),
        smart_encoded=data.get("smart_encoded") is True,
        part_ids=tuple(data.get("part_ids") or ()),
        created_at=_datetime(data.get("created_at")),
        updated_at=_datetime(data.get("updated_at")),
        scheduled_at=_datetime(data.get("scheduled_at")),
        client_ref=data.get("client_ref"),
        price=data.get("price"),
        currency=data.get("currency"),
        error_code=data.get("error_code"),
        raw=data,
    )


def _datetime(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _error(
    response: httpx.Response, data: dict[str, Any], *, is_send: bool
) -> ProviderError:
    error = data.get("error")
    detail: dict[str, Any] = error if isinstance(error, dict) else {}
    code = str(detail.get("code", "unknown"))
    text = f"sandbox: {detail.get('message', 'error')} (HTTP {response.status_code})"
    common: dict[str, Any] = {
        "provider": NAME,
        "http_status": response.status_code,
        "provider_code": code,
        "request_id": response.headers.get("x-request-id"),
    }
    if response.status_code == 429:
        return RateLimited(text, retry_after=retry_after_seconds(response), **common)
    if response.status_code >= 500:
        # The sandbox documents 503 as "not accepted"; a 500 may have sent it.
        safe = response.status_code == 503 or not is_send
        return ProviderUnavailable(text, retryable=safe, **common)
    return _ERRORS.get(code, ProviderError)(text, **common)
