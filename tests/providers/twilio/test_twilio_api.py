"""Twilio's requests and answers, exactly as the API documents them."""

from __future__ import annotations

import datetime as dt
import pickle
import urllib.parse
from decimal import Decimal
from typing import Any

import httpx
import pytest

import smskit
from smskit.encoding import Encoding
from smskit.providers import ListQuery, OutgoingMessage
from smskit.providers._common import parsed_url
from smskit.providers.twilio import Twilio

ACCOUNT = "AC0123456789abcdef0123456789abcdef"
TOKEN = "secret-auth-token-0000"
SERVICE = "MG0123456789abcdef0123456789abcdef"
SID = "SMfac8d8c3c6e34b2f9e0d1c2b3a495867"
NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
PLUS_TWO = dt.timezone(dt.timedelta(hours=2))
BASE = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}"

# A created message, as providers.md §1.3 documents it.
CREATED: dict[str, Any] = {
    "account_sid": ACCOUNT,
    "api_version": "2010-04-01",
    "body": "Hello",
    "date_created": "Sun, 01 Jun 2025 12:00:00 +0000",
    "date_sent": None,
    "date_updated": "Sun, 01 Jun 2025 12:00:01 +0000",
    "direction": "outbound-api",
    "error_code": None,
    "error_message": None,
    "from": "+15005550006",
    "messaging_service_sid": None,
    "num_media": "0",
    "num_segments": "1",
    "price": None,
    "price_unit": "USD",
    "sid": SID,
    "status": "queued",
    "subresource_uris": {
        "media": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{SID}/Media.json"
    },
    "to": "+14155550100",
    "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{SID}.json",
}


@pytest.fixture
def twilio() -> Twilio:
    return Twilio(account_sid=ACCOUNT, auth_token=TOKEN, clock=lambda: NOW)


@pytest.fixture
def with_service() -> Twilio:
    return Twilio(
        account_sid=ACCOUNT,
        auth_token=TOKEN,
        messaging_service_sid=SERVICE,
        clock=lambda: NOW,
    )


def outgoing(**fields: Any) -> OutgoingMessage:
    base: dict[str, Any] = {
        "to": "+14155550100",
        "body": "Hello",
        "sender": "+15005550006",
    }
    return OutgoingMessage(**{**base, **fields})


def form(request: httpx.Request) -> list[tuple[str, str]]:
    assert "application/x-www-form-urlencoded" == request.headers["Content-Type"]
    return urllib.parse.parse_qsl(request.content.decode(), keep_blank_values=True)


def answer(status: int, payload: dict[str, Any], **headers: str) -> httpx.Response:
    return httpx.Response(status, json=payload, headers=headers)


def error_body(code: int, status: int, message: str = "refused") -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


# -- send -------------------------------------------------------------------------


def test_send_request(twilio: Twilio) -> None:
    request = twilio.build_send(outgoing(status_callback="https://e.com/s?x=1"))
    assert ("POST", f"{BASE}/Messages.json") == (request.method, str(request.url))
    assert request.headers["Authorization"].startswith("Basic ")
    assert "application/json" == request.headers["Accept"]
    assert [
        ("To", "+14155550100"),
        ("From", "+15005550006"),
        ("Body", "Hello"),
        ("StatusCallback", "https://e.com/s?x=1"),
    ] == form(request)
    # Form-encoded as Twilio's SDK does: '+' is %2B, a space is '+'.
    assert b"To=%2B14155550100" in request.content


def test_sends_share_one_parsed_url_and_never_share_headers(twilio: Twilio) -> None:
    first = twilio.build_send(outgoing())
    before = parsed_url.cache_info()
    second = twilio.build_send(outgoing(to="+14155550101"))
    # Parsed once: the second send reuses the first one's parsed URL.
    after = parsed_url.cache_info()
    assert (before.misses, before.hits + 1) == (after.misses, after.hits)
    assert first.url == second.url
    # Each request has its own headers: changing one (a hook may) leaves the
    # next send alone.
    first.headers["X-Trace"] = "1"
    assert "x-trace" not in second.headers
    assert "x-trace" not in twilio.build_send(outgoing()).headers
    assert "application/x-www-form-urlencoded" == second.headers["Content-Type"]


def test_each_account_sends_to_its_own_url() -> None:
    here = Twilio(account_sid=ACCOUNT, auth_token=TOKEN, base_url="http://127.0.0.1:1")
    other = "AC" + "f" * 32
    there = Twilio(account_sid=other, auth_token=TOKEN, base_url="http://127.0.0.1:2")
    assert f"http://127.0.0.1:1/2010-04-01/Accounts/{ACCOUNT}/Messages.json" == str(
        here.build_send(outgoing()).url
    )
    assert f"http://127.0.0.1:2/2010-04-01/Accounts/{other}/Messages.json" == str(
        there.build_send(outgoing()).url
    )


def test_send_through_a_messaging_service_without_from(with_service: Twilio) -> None:
    request = with_service.build_send(outgoing(sender=None, body="Hi there"))
    params = form(request)
    assert ("MessagingServiceSid", SERVICE) in params
    assert "From" not in dict(params)
    assert b"Body=Hi+there" in request.content


def test_scheduled_send_is_in_utc(with_service: Twilio) -> None:
    """A +02:00 time goes out converted, not relabelled as Z (providers.md §1.3)."""
    send_at = dt.datetime(2025, 6, 1, 16, 30, tzinfo=PLUS_TWO)
    params = dict(form(with_service.build_send(outgoing(send_at=send_at))))
    assert "2025-06-01T14:30:00Z" == params["SendAt"]
    assert "fixed" == params["ScheduleType"]


def test_validity_smart_encoding_and_options(twilio: Twilio) -> None:
    message = outgoing(
        validity=dt.timedelta(minutes=10, seconds=0.9),
        smart_encoded=True,
        options={
            "ShortenUrls": True,
            "SendAsMms": False,
            "MediaUrl": ["https://e.com/a.png", "https://e.com/b.png"],
            "Attempt": 2,
        },
    )
    assert [
        ("To", "+14155550100"),
        ("From", "+15005550006"),
        ("Body", "Hello"),
        ("ValidityPeriod", "600"),
        ("SmartEncoded", "true"),
        ("ShortenUrls", "true"),
        ("SendAsMms", "false"),
        ("MediaUrl", "https://e.com/a.png"),
        ("MediaUrl", "https://e.com/b.png"),
        ("Attempt", "2"),
    ] == form(twilio.build_send(message))


def test_a_messaging_service_option_overrides_the_configured_one(
    with_service: Twilio,
) -> None:
    other = "MG" + "f" * 32
    params = form(
        with_service.build_send(outgoing(options={"MessagingServiceSid": other}))
    )
    assert [other] == [value for name, value in params if name == "MessagingServiceSid"]


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"sender": None}, "needs a sender"),
        ({"send_at": NOW + dt.timedelta(hours=1)}, "Messaging Service"),
        ({"validity": dt.timedelta(seconds=0.5)}, "validity"),
        ({"validity": dt.timedelta(hours=11)}, "validity"),
        ({"options": {"To": "+14155550199"}}, "pass to="),
        ({"options": {"SendAt": "2025-06-01T14:30:00Z"}}, "pass send_at="),
    ],
)
def test_sends_refused_before_any_request(
    twilio: Twilio, fields: dict[str, Any], says: str
) -> None:
    with pytest.raises(smskit.InvalidMessage, match=says):
        twilio.build_send(outgoing(**fields))


def test_an_option_of_the_wrong_type(twilio: Twilio) -> None:
    with pytest.raises(smskit.ArgumentTypeError, match="ContentVariables"):
        twilio.build_send(outgoing(options={"ContentVariables": {"1": "x"}}))


def test_parse_send(twilio: Twilio) -> None:
    sent = outgoing(encoding=Encoding.GSM7, segments=1, client_ref="order-7")
    message = twilio.parse_send(sent, answer(201, CREATED))
    assert SID == message.id
    assert ("twilio", "+14155550100", "+15005550006") == (
        message.provider,
        message.to,
        message.sender,
    )
    assert smskit.Status.QUEUED is message.status
    assert "queued" == message.raw_status
    assert (1, Encoding.GSM7, "order-7") == (
        message.segments,
        message.encoding,
        message.client_ref,
    )
    assert NOW == message.created_at
    assert CREATED == message.raw


@pytest.mark.parametrize(
    ("text", "expected", "offset_hours"),
    [
        ("Sun, 01 Jun 2025 12:00:00 +0000", NOW, 0),
        ("Sun, 01 Jun 2025 14:00:00 +0200", NOW, 2),
        ("Sun, 01 Jun 2025 12:00:00 -0000", None, None),  # no zone: unreadable
        ("yesterday", None, None),
        (17, None, None),
    ],
)
def test_dates_read_the_same_the_second_time(
    twilio: Twilio, text: object, expected: dt.datetime | None, offset_hours: int | None
) -> None:
    # Dates are remembered between answers; a remembered one must be read
    # exactly as a fresh one, unreadable ones included.
    data = {**CREATED, "date_created": text, "date_updated": text}
    for _ in range(2):
        message = twilio.parse_send(outgoing(), answer(201, data))
        assert expected == message.created_at == message.updated_at
        if offset_hours is not None:
            assert message.created_at is not None
            assert dt.timedelta(hours=offset_hours) == message.created_at.utcoffset()


def test_parse_an_accepted_service_send(twilio: Twilio) -> None:
    """A Messaging Service send: 'accepted', no sender yet, "0" segments."""
    payload = {**CREATED, "status": "accepted", "from": None, "num_segments": "0"}
    send_at = NOW + dt.timedelta(hours=1)
    message = twilio.parse_send(
        outgoing(segments=2, send_at=send_at), answer(201, payload)
    )
    assert smskit.Status.QUEUED is message.status
    assert (None, 2, send_at) == (
        message.sender,
        message.segments,
        message.scheduled_at,
    )


def test_a_success_that_cannot_be_read_may_have_sent(twilio: Twilio) -> None:
    with pytest.raises(smskit.ProviderUnavailable) as caught:
        twilio.parse_send(outgoing(), answer(201, {"status": "queued"}))
    assert caught.value.retryable is False


# -- errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        (20003, 401, smskit.AuthenticationError),
        (20404, 404, smskit.NotFound),
        (21211, 400, smskit.RejectedMessage),
        (21408, 400, smskit.RejectedMessage),
        (21606, 400, smskit.RejectedMessage),
        (21612, 400, smskit.RejectedMessage),
        (21614, 400, smskit.RejectedMessage),
        (21617, 400, smskit.RejectedMessage),
        (30003, 400, smskit.RejectedMessage),
        (30007, 400, smskit.RejectedMessage),
        (20008, 403, smskit.AuthenticationError),
        (20500, 500, smskit.ProviderUnavailable),
        (99999, 400, smskit.ProviderError),
    ],
)
def test_error_codes(
    twilio: Twilio, code: int, status: int, error: type[Exception]
) -> None:
    response = answer(status, error_body(code, status), **{"Twilio-Request-Id": "RQ1"})
    with pytest.raises(error) as caught:
        twilio.parse_send(outgoing(), response)
    raised = caught.value
    assert isinstance(raised, smskit.ProviderError)
    assert type(raised) is error
    assert (str(code), status, "RQ1") == (
        raised.provider_code,
        raised.http_status,
        raised.request_id,
    )
    assert raised.retryable is False
    assert "twilio" == raised.provider


def test_opted_out_carries_the_recipient_and_masks_it_in_the_text(
    twilio: Twilio,
) -> None:
    body = error_body(
        21610, 400, "Attempt to send to unsubscribed recipient +14155550100"
    )
    with pytest.raises(smskit.OptedOut) as caught:
        twilio.parse_send(outgoing(), answer(400, body))
    error = caught.value
    assert "+14155550100" == error.to  # type: ignore[attr-defined]
    assert "+14155550100" not in str(error)
    assert "21610" == error.provider_code
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 -- our own bytes
    assert "+14155550100" == copy.to


def test_throttled_with_and_without_retry_after(twilio: Twilio) -> None:
    body = error_body(20429, 429, "Too Many Requests")
    with pytest.raises(smskit.RateLimited) as caught:
        twilio.parse_send(outgoing(), answer(429, body, **{"Retry-After": "3"}))
    assert (3.0, "20429", True) == (
        caught.value.retry_after,
        caught.value.provider_code,
        caught.value.retryable,
    )
    with pytest.raises(smskit.RateLimited) as caught:
        twilio.parse_fetch(answer(429, body))
    assert caught.value.retry_after is None


def test_a_5xx_page_that_is_not_json(twilio: Twilio) -> None:
    response = httpx.Response(502, text="<html>Bad gateway</html>")
    with pytest.raises(smskit.ProviderUnavailable) as caught:
        twilio.parse_send(outgoing(), response)
    assert caught.value.retryable is False


# -- fetch, cancel, balance ------------------------------------------------------


def test_fetch_and_cancel_requests(twilio: Twilio) -> None:
    fetch = twilio.build_fetch(SID)
    assert ("GET", f"{BASE}/Messages/{SID}.json") == (fetch.method, str(fetch.url))
    assert "Content-Type" not in fetch.headers
    cancel = twilio.build_cancel(SID)
    assert ("POST", f"{BASE}/Messages/{SID}.json") == (cancel.method, str(cancel.url))
    assert [("Status", "canceled")] == form(cancel)


@pytest.mark.parametrize(
    "message_id", ["SM1?admin=1", "../../Balance", SID + "/x", "XX" + SID[2:], ""]
)
def test_ids_that_are_not_message_sids_are_refused(
    twilio: Twilio, message_id: str
) -> None:
    with pytest.raises(smskit.InvalidMessage):
        twilio.build_fetch(message_id)
    with pytest.raises(smskit.InvalidMessage):
        twilio.build_cancel(message_id)


def test_parse_fetch_of_a_delivered_message(twilio: Twilio) -> None:
    payload = {
        **CREATED,
        "status": "undelivered",
        "error_code": 30003,
        "price": "-0.00750",
        "price_unit": "usd",
        "num_segments": "2",
    }
    message = twilio.parse_fetch(answer(200, payload))
    assert smskit.Status.UNDELIVERED is message.status
    assert ("30003", "unreachable handset (off, no signal)") == (
        message.error_code,
        message.error_message,
    )
    assert (Decimal("0.00750"), "USD", 2) == (
        message.price,
        message.currency,
        message.segments,
    )


def test_parse_cancel(twilio: Twilio) -> None:
    message = twilio.parse_cancel(answer(200, {**CREATED, "status": "canceled"}))
    assert smskit.Status.CANCELED is message.status


def test_an_unknown_status_word_is_kept_raw(twilio: Twilio) -> None:
    message = twilio.parse_fetch(answer(200, {**CREATED, "status": "teleported"}))
    assert (smskit.Status.UNKNOWN, "teleported") == (message.status, message.raw_status)


def test_balance(twilio: Twilio) -> None:
    request = twilio.build_balance()
    assert ("GET", f"{BASE}/Balance.json") == (request.method, str(request.url))
    payload = {"currency": "usd", "balance": "12.34567", "account_sid": ACCOUNT}
    balance = twilio.parse_balance(answer(200, payload))
    assert (Decimal("12.34567"), "USD", "twilio") == (
        balance.amount,
        balance.currency,
        balance.provider,
    )
    with pytest.raises(smskit.ProviderError, match="balance"):
        twilio.parse_balance(answer(200, {"currency": "USD"}))


# -- list -------------------------------------------------------------------------


def test_first_page_with_filters(twilio: Twilio) -> None:
    query = ListQuery(
        to="+14155550100",
        sender="+15005550006",
        sent_after=dt.datetime(2025, 6, 1, 14, 0, 0, 500, tzinfo=PLUS_TWO),
        sent_before=dt.datetime(2025, 6, 2, 12, 0, tzinfo=dt.timezone.utc),
        page_size=50,
    )
    request = twilio.build_list(query, None)
    assert ("GET", f"{BASE}/Messages.json") == (
        request.method,
        str(request.url.copy_with(query=None)),
    )
    # The names carry Twilio's '<' and '>'; both bounds include their second.
    assert [
        ("To", "+14155550100"),
        ("From", "+15005550006"),
        ("DateSent>", "2025-06-01T12:00:01Z"),
        ("DateSent<", "2025-06-02T11:59:59Z"),
        ("PageSize", "50"),
    ] == urllib.parse.parse_qsl(request.url.query.decode())
    assert b"DateSent%3E=" in request.url.query
    assert "Page" not in dict(urllib.parse.parse_qsl(request.url.query.decode()))


def test_a_page_size_over_twilios_maximum(twilio: Twilio) -> None:
    with pytest.raises(smskit.InvalidMessage, match="1,000"):
        twilio.build_list(ListQuery(page_size=1001), None)


def test_next_page_follows_next_page_uri(twilio: Twilio) -> None:
    cursor = (
        f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json?To=%2B14155550100"
        "&PageSize=2&Page=1&PageToken=PASM0123"
    )
    request = twilio.build_list(ListQuery(page_size=50), cursor)
    assert f"https://api.twilio.com{cursor}" == str(request.url)


@pytest.mark.parametrize(
    "cursor",
    [
        "/2010-04-01/Accounts/AC" + "f" * 32 + "/Messages.json?PageToken=x",
        f"/2010-04-01/Accounts/{ACCOUNT}/Balance.json",
        f"https://evil.example/2010-04-01/Accounts/{ACCOUNT}/Messages.json?Page=1",
        f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json#x",
    ],
)
def test_cursors_of_other_lists_hosts_or_accounts_are_refused(
    twilio: Twilio, cursor: str
) -> None:
    with pytest.raises(smskit.InvalidMessage, match="cursor"):
        twilio.build_list(ListQuery(), cursor)


def test_parse_pages(twilio: Twilio) -> None:
    second = {**CREATED, "sid": "SM" + "1" * 32}
    next_uri = (
        f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json?PageSize=2&Page=1&PageToken=PA1"
    )
    page = twilio.parse_list(
        answer(
            200,
            {
                "messages": [CREATED, second],
                "page": 0,
                "page_size": 2,
                "next_page_uri": next_uri,
            },
        )
    )
    assert [SID, "SM" + "1" * 32] == [message.id for message in page.messages]
    assert next_uri == page.next_cursor
    last = twilio.parse_list(answer(200, {"messages": [], "next_page_uri": None}))
    assert ((), None) == (last.messages, last.next_cursor)
    with pytest.raises(smskit.ProviderError):
        twilio.parse_list(answer(200, {"messages": {}}))


# -- schedule ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ahead", "ok"),
    [
        (dt.timedelta(minutes=5), True),
        (dt.timedelta(days=35), True),
        (dt.timedelta(minutes=4, seconds=59), False),
        (dt.timedelta(days=35, seconds=1), False),
        (-dt.timedelta(hours=1), False),
    ],
)
def test_schedule_window_by_the_injected_clock(
    twilio: Twilio, ahead: dt.timedelta, ok: bool
) -> None:
    send_at = (NOW + ahead).astimezone(PLUS_TWO)
    if ok:
        twilio.check_send_at(send_at)
    else:
        with pytest.raises(smskit.InvalidMessage, match="5 minutes to 35 days"):
            twilio.check_send_at(send_at)


def test_a_naive_clock_is_a_configuration_error() -> None:
    provider = Twilio(account_sid=ACCOUNT, auth_token=TOKEN, clock=dt.datetime.now)
    with pytest.raises(smskit.ConfigurationError, match="aware"):
        provider.check_send_at(NOW)
