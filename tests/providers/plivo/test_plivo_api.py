"""Plivo's driver, sans-I/O: exact requests and the reading of every answer."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

import smskit
from smskit.providers._protocol import ListQuery, OutgoingBatch, OutgoingMessage
from smskit.providers.plivo import Plivo

UTC = dt.timezone.utc
NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
AUTH_ID = "MAXXXXXXXXXXXXXXXXXX"
TOKEN = "plivo-token-do-not-show"
MESSAGES = f"https://api.plivo.com/v1/Account/{AUTH_ID}/Message/"
UUID_1 = "6da4afba-2bcf-4a87-9eff-d2f88577b0f1"
UUID_2 = "e2b56d74-9a1c-11e7-b886-067c5485c240"
API_ID = "984bc856-9231-11e7-b886-067c5485c240"


@pytest.fixture
def plivo() -> Plivo:
    return Plivo(auth_id=AUTH_ID, auth_token=TOKEN, clock=lambda: NOW)


def outgoing(**fields: Any) -> OutgoingMessage:
    values: dict[str, Any] = {
        "to": "+14156667777",
        "body": "Hello from smskit",
        "sender": "+14155550100",
        **fields,
    }
    return OutgoingMessage(**values)


def answer(status: int, payload: object, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=payload, headers=headers)


def body_of(request: httpx.Request) -> dict[str, Any]:
    data = json.loads(request.content)
    assert isinstance(data, dict)
    return data


# -- the send request ------------------------------------------------------------


def test_send_request_is_plivos_json_post(plivo: Plivo) -> None:
    request = plivo.build_send(outgoing())
    assert ("POST", MESSAGES) == (request.method, str(request.url))
    assert "application/json" == request.headers["content-type"]
    assert "application/json" == request.headers["accept"]
    expected = base64.b64encode(f"{AUTH_ID}:{TOKEN}".encode()).decode()
    assert f"Basic {expected}" == request.headers["authorization"]
    # What the official SDK sends for the same call, defaults included.
    assert {
        "src": "14155550100",
        "dst": "14156667777",
        "text": "Hello from smskit",
        "type": "sms",
        "method": "POST",
        "log": "true",
        "trackable": False,
    } == body_of(request)


def test_send_request_maps_typed_arguments(plivo: Plivo) -> None:
    message = outgoing(
        sender="ACME",
        status_callback="https://example.com/plivo/status/",
        validity=dt.timedelta(seconds=90.2),
        client_ref="order-1",
    )
    body = body_of(plivo.build_send(message))
    assert "ACME" == body["src"]  # an alphanumeric sender is sent as it is
    assert "https://example.com/plivo/status/" == body["url"]
    assert 91 == body["message_expiry"]  # rounded up, never shorter
    assert "order-1" not in json.dumps(body)  # Plivo has no reference field


def test_send_options_pass_through(plivo: Plivo) -> None:
    message = outgoing(
        sender=None,
        options={
            "powerpack_uuid": "d51e1d8e-0f9f-4a5b-8a7c-ffffffffffff",
            "method": "GET",
            "log": False,
            "dlt_entity_id": "1201",
        },
    )
    body = body_of(plivo.build_send(message))
    assert "src" not in body
    assert "d51e1d8e-0f9f-4a5b-8a7c-ffffffffffff" == body["powerpack_uuid"]
    assert ("GET", "false", "1201") == (
        body["method"],
        body["log"],
        body["dlt_entity_id"],
    )


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"options": {"dst": "1"}}, "options['dst']"),
        ({"options": {"text": "x"}}, "options['text']"),
        ({"options": {"src": "1"}}, "options['src']"),
        (
            {"status_callback": "https://e.com/", "options": {"url": "https://f.com/"}},
            "options['url']",
        ),
        ({"sender": None}, "exactly one of a sender"),
        ({"options": {"powerpack_uuid": "p"}}, "exactly one of a sender"),
    ],
)
def test_send_request_refuses_contradictions(
    plivo: Plivo, fields: dict[str, Any], words: str
) -> None:
    with pytest.raises(smskit.InvalidMessage, match=words.replace("[", r"\[")):
        plivo.build_send(outgoing(**fields))


def test_a_scheduled_send_is_not_built(plivo: Plivo) -> None:
    with pytest.raises(smskit.NotSupported):
        plivo.build_send(outgoing(send_at=NOW + dt.timedelta(hours=1)))


# -- the send answer -------------------------------------------------------------


def test_send_answer_gives_a_queued_message(plivo: Plivo) -> None:
    message = outgoing(client_ref="order-1")
    payload = {
        "api_id": API_ID,
        "message": "message(s) queued",
        "message_uuid": [UUID_1],
    }
    sent = plivo.parse_send(message, answer(202, payload))
    assert (UUID_1, "plivo", "+14156667777") == (sent.id, sent.provider, sent.to)
    assert (smskit.Status.QUEUED, "queued") == (sent.status, sent.raw_status)
    assert ("+14155550100", "Hello from smskit") == (sent.sender, sent.body)
    assert "order-1" == sent.client_ref
    assert payload == sent.raw


@pytest.mark.parametrize(
    "payload",
    [
        {"api_id": API_ID, "message_uuid": []},
        {"api_id": API_ID, "message_uuid": [UUID_1, UUID_2]},
        {"api_id": API_ID},
        {"api_id": API_ID, "message_uuid": "not-a-list"},
    ],
)
def test_an_unreadable_send_answer_may_have_sent(
    plivo: Plivo, payload: dict[str, Any]
) -> None:
    """A 2xx that cannot be read is not retryable: the engine makes it unknown."""
    with pytest.raises(smskit.ProviderUnavailable) as caught:
        plivo.parse_send(outgoing(), answer(202, payload))
    assert caught.value.retryable is False


# -- errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, smskit.RejectedMessage),
        (401, smskit.AuthenticationError),
        (403, smskit.RejectedMessage),
        (404, smskit.NotFound),
        (405, smskit.ProviderError),
        (422, smskit.ProviderError),
        (500, smskit.ProviderUnavailable),
        (503, smskit.ProviderUnavailable),
    ],
)
def test_errors_map_by_http_status(
    plivo: Plivo, status: int, error: type[smskit.ProviderError]
) -> None:
    payload = {"api_id": API_ID, "error": "19332631167 is not a valid phone number"}
    with pytest.raises(error) as caught:
        plivo.parse_send(outgoing(), answer(status, payload))
    assert type(caught.value) is error
    assert (status, API_ID) == (caught.value.http_status, caught.value.request_id)
    assert caught.value.provider == "plivo"
    assert caught.value.retryable is False
    # Plivo's text names the number; smskit's never does in full.
    assert "19332631167" not in str(caught.value)
    assert "1167" in str(caught.value)


def test_429_is_rate_limited_with_its_wait(plivo: Plivo) -> None:
    payload = {"api_id": API_ID, "error": "too many requests"}
    with pytest.raises(smskit.RateLimited) as caught:
        plivo.parse_send(outgoing(), answer(429, payload, **{"Retry-After": "3"}))
    assert (True, 3.0, 429) == (
        caught.value.retryable,
        caught.value.retry_after,
        caught.value.http_status,
    )


def test_429_reads_an_http_date_by_the_injected_clock(plivo: Plivo) -> None:
    later = "Sun, 01 Jun 2025 12:00:07 GMT"
    with pytest.raises(smskit.RateLimited) as caught:
        plivo.parse_fetch(answer(429, {"error": "slow down"}, **{"Retry-After": later}))
    assert 7.0 == caught.value.retry_after


def test_429_without_retry_after_waits_the_engines_backoff(plivo: Plivo) -> None:
    with pytest.raises(smskit.RateLimited) as caught:
        plivo.parse_balance(answer(429, {"error": "slow down"}))
    assert caught.value.retry_after is None


def test_a_proxys_html_page_is_unavailable(plivo: Plivo) -> None:
    page = httpx.Response(502, text="<html>bad gateway</html>")
    with pytest.raises(smskit.ProviderUnavailable):
        plivo.parse_send(outgoing(), page)


def test_errors_never_show_the_token(plivo: Plivo) -> None:
    payload = {"api_id": API_ID, "error": "Authentication failed"}
    with pytest.raises(smskit.AuthenticationError) as caught:
        plivo.parse_fetch(answer(401, payload))
    assert TOKEN not in repr(caught.value)
    assert TOKEN not in str(caught.value)


# -- batch -----------------------------------------------------------------------


def batch_of(*recipients: str) -> OutgoingBatch:
    return OutgoingBatch(recipients=recipients, message=outgoing(to=recipients[0]))


def test_batch_request_joins_unique_destinations(plivo: Plivo) -> None:
    batch = batch_of("+14156667777", "+14157778888", "+14156667777")
    request = plivo.build_send_batch(batch)
    assert ("POST", MESSAGES) == (request.method, str(request.url))
    assert "14156667777<14157778888" == body_of(request)["dst"]
    assert 1000 == plivo.max_batch_size


def test_batch_answer_gives_one_result_per_recipient(plivo: Plivo) -> None:
    batch = batch_of("+14156667777", "+15005550001", "+14157778888", "+14156667777")
    payload = {
        "api_id": API_ID,
        "message": "message(s) queued",
        "message_uuid": [UUID_1, UUID_2],
        "invalid_number": ["15005550001"],
    }
    results = plivo.parse_send_batch(batch, answer(202, payload))
    assert list(batch.recipients) == [result.to for result in results]
    assert [True, False, True, True] == [result.ok for result in results]
    first, invalid, second, again = results
    assert first.message is not None
    assert UUID_1 == first.message.id
    assert second.message is not None
    assert UUID_2 == second.message.id
    assert "+14157778888" == second.message.to
    assert again.message == first.message  # one SMS for a number given twice
    assert isinstance(invalid.error, smskit.RejectedMessage)
    assert ("invalid_number", 202, API_ID) == (
        invalid.error.provider_code,
        invalid.error.http_status,
        invalid.error.request_id,
    )
    assert "15005550001" not in str(invalid.error)


@pytest.mark.parametrize(
    "payload",
    [
        {"message_uuid": [UUID_1]},  # two destinations, one UUID
        {"message_uuid": [UUID_1], "invalid_number": ["19990000000"]},
    ],
)
def test_batch_answer_that_cannot_be_matched_is_unknown(
    plivo: Plivo, payload: dict[str, Any]
) -> None:
    batch = batch_of("+14156667777", "+14157778888")
    with pytest.raises(smskit.ProviderUnavailable) as caught:
        plivo.parse_send_batch(batch, answer(202, payload))
    assert caught.value.retryable is False


def test_batch_refused_as_a_whole_raises(plivo: Plivo) -> None:
    payload = {"api_id": API_ID, "error": "14156667777 is not a valid phone number"}
    with pytest.raises(smskit.RejectedMessage):
        plivo.parse_send_batch(batch_of("+14156667777"), answer(400, payload))


# -- fetch -----------------------------------------------------------------------

MDR: dict[str, Any] = {
    "api_id": API_ID,
    "error_code": "000",
    "from_number": "14155550100",
    "message_direction": "outbound",
    "message_state": "delivered",
    "message_time": "2025-06-01 12:00:03+00:00",
    "message_type": "sms",
    "message_uuid": UUID_1,
    "powerpack_id": None,
    "resource_uri": f"/v1/Account/{AUTH_ID}/Message/{UUID_1}/",
    "to_number": "14156667777",
    "total_amount": "0.01000",
    "total_rate": "0.00500",
    "units": 2,
}


def test_fetch_request(plivo: Plivo) -> None:
    request = plivo.build_fetch(UUID_1)
    assert ("GET", f"{MESSAGES}{UUID_1}/") == (request.method, str(request.url))
    assert request.headers["authorization"].startswith("Basic ")


@pytest.mark.parametrize(
    "bad", ["../../", f"{UUID_1}?x=1", "SM123", f"{UUID_1}/Media", "", "x" * 200]
)
def test_fetch_refuses_what_is_not_a_uuid(plivo: Plivo, bad: str) -> None:
    with pytest.raises(smskit.InvalidMessage):
        plivo.build_fetch(bad)


def test_fetch_reads_a_delivered_mdr(plivo: Plivo) -> None:
    message = plivo.parse_fetch(answer(200, MDR))
    assert (UUID_1, "+14156667777", "+14155550100") == (
        message.id,
        message.to,
        message.sender,
    )
    assert (smskit.Status.DELIVERED, "delivered") == (
        message.status,
        message.raw_status,
    )
    assert 2 == message.segments
    assert dt.datetime(2025, 6, 1, 12, 0, 3, tzinfo=UTC) == message.created_at
    assert (Decimal("0.01000"), "USD") == (message.price, message.currency)
    assert (None, None) == (message.error_code, message.error_message)


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("queued", smskit.Status.QUEUED),
        ("sent", smskit.Status.SENT),
        ("undelivered", smskit.Status.UNDELIVERED),
        ("failed", smskit.Status.FAILED),
        ("rejected", smskit.Status.REJECTED),
        ("something-new", smskit.Status.UNKNOWN),
    ],
)
def test_fetch_maps_states(plivo: Plivo, state: str, status: smskit.Status) -> None:
    message = plivo.parse_fetch(answer(200, {**MDR, "message_state": state}))
    assert (status, state) == (message.status, message.raw_status)


def test_fetch_reads_a_delivery_error(plivo: Plivo) -> None:
    mdr = {**MDR, "message_state": "undelivered", "error_code": "80"}
    message = plivo.parse_fetch(answer(200, {**mdr, "total_amount": "0.00000"}))
    assert ("80", "destination temporarily unavailable") == (
        message.error_code,
        message.error_message,
    )
    assert message.price is None  # not billed yet


@pytest.mark.parametrize(
    "broken",
    [
        {key: value for key, value in MDR.items() if key != "message_uuid"},
        {**MDR, "message_time": "yesterday"},
        {**MDR, "total_amount": "lots"},
    ],
)
def test_fetch_refuses_a_broken_mdr(plivo: Plivo, broken: dict[str, Any]) -> None:
    with pytest.raises(smskit.ProviderError, match="unexpected answer"):
        plivo.parse_fetch(answer(200, broken))


def test_fetch_of_an_unknown_message_is_not_found(plivo: Plivo) -> None:
    with pytest.raises(smskit.NotFound):
        plivo.parse_fetch(answer(404, {"api_id": API_ID, "error": "not found"}))


# -- list ------------------------------------------------------------------------


def test_first_page_request_carries_the_filters(plivo: Plivo) -> None:
    query = ListQuery(
        to="+14156667777",
        sender="+14155550100",
        sent_after=dt.datetime(
            2025, 6, 1, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))
        ),
        sent_before=dt.datetime(2025, 6, 2, tzinfo=UTC),
        page_size=500,
    )
    request = plivo.build_list(query, None)
    assert ("GET", MESSAGES) == (request.method, str(request.url.copy_with(query=None)))
    assert {
        "limit": "20",  # Plivo's most
        "message_direction": "outbound",
        "to_number": "14156667777",
        "from_number": "14155550100",
        "message_time__gte": "2025-06-01 12:00:00+00:00",
        "message_time__lt": "2025-06-02 00:00:00+00:00",
    } == dict(request.url.params)


def test_page_size_and_offset_cursor(plivo: Plivo) -> None:
    request = plivo.build_list(ListQuery(page_size=5), "40")
    assert {"limit": "5", "offset": "40", "message_direction": "outbound"} == dict(
        request.url.params
    )


def test_meta_next_is_followed(plivo: Plivo) -> None:
    cursor = f"/v1/Account/{AUTH_ID}/Message/?limit=20&offset=20&to_number=14156667777"
    request = plivo.build_list(ListQuery(to="+19999999999"), cursor)
    assert f"{MESSAGES}?limit=20&offset=20&to_number=14156667777" == str(request.url)


@pytest.mark.parametrize(
    "cursor",
    [
        "https://evil.example/v1/Account/MAXXXXXXXXXXXXXXXXXX/Message/?offset=20",
        "/v1/Account/MAOTHERXXXXXXXXXXXXX/Message/?offset=20",
        f"/v1/Account/{AUTH_ID}/?x=1",
        "٣",  # a digit, but not an ASCII one
    ],
)
def test_a_foreign_cursor_is_refused(plivo: Plivo, cursor: str) -> None:
    with pytest.raises(smskit.InvalidMessage):
        plivo.build_list(ListQuery(), cursor)


def test_a_cursor_with_a_host_keeps_ours(plivo: Plivo) -> None:
    """An absolute meta.next is read for its path and query only."""
    cursor = f"https://api.plivo.com/v1/Account/{AUTH_ID}/Message/?cursor=abc"
    assert f"{MESSAGES}?cursor=abc" == str(plivo.build_list(ListQuery(), cursor).url)


def test_list_page_and_its_cursor(plivo: Plivo) -> None:
    next_path = f"/v1/Account/{AUTH_ID}/Message/?limit=1&offset=1"
    payload = {
        "api_id": API_ID,
        "meta": {"limit": 1, "offset": 0, "next": next_path, "previous": None},
        "objects": [MDR],
    }
    page = plivo.parse_list(answer(200, payload))
    assert [UUID_1] == [message.id for message in page.messages]
    assert next_path == page.next_cursor
    last = {**payload, "meta": {"next": None}, "objects": []}
    assert plivo.parse_list(answer(200, last)).next_cursor is None


def test_a_broken_list_page_is_refused(plivo: Plivo) -> None:
    with pytest.raises(smskit.ProviderError, match="unexpected answer"):
        plivo.parse_list(answer(200, {"meta": {"next": None}}))


# -- balance ---------------------------------------------------------------------


def test_balance_request_and_answer(plivo: Plivo) -> None:
    request = plivo.build_balance()
    assert "GET" == request.method
    assert f"https://api.plivo.com/v1/Account/{AUTH_ID}/" == str(request.url)
    account = {"api_id": API_ID, "cash_credits": "23.84510", "billing_mode": "prepaid"}
    balance = plivo.parse_balance(answer(200, account))
    assert (
        smskit.Balance(amount=Decimal("23.84510"), currency="USD", provider="plivo")
        == balance
    )


@pytest.mark.parametrize("credits", [None, True, "lots", {"usd": 1}])
def test_balance_without_credits_is_refused(plivo: Plivo, credits: object) -> None:
    with pytest.raises(smskit.ProviderError, match="unexpected answer"):
        plivo.parse_balance(answer(200, {"api_id": API_ID, "cash_credits": credits}))
