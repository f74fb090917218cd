"""The Vonage driver's requests and answers, from the documented payloads."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import urllib.parse
from decimal import Decimal
from typing import Any

import httpx
import pytest

import smskit
from smskit.encoding import Encoding
from smskit.providers._protocol import OutgoingMessage
from smskit.providers.vonage import Vonage

KEY, SECRET, SIG_SECRET = "abcd1234", "s3cr3t-api", "s3cr3t-signature"
NOW = dt.datetime(2026, 6, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
MESSAGE = OutgoingMessage(to="+447700900001", body="Hello", sender="+447700900000")


def plain() -> Vonage:
    return Vonage(api_key=KEY, api_secret=SECRET, environ={})


def signed(method: Any = "md5hash", clock: Any = None) -> Vonage:
    return Vonage(
        api_key=KEY,
        signature_secret=SIG_SECRET,
        signature_method=method,
        clock=clock or (lambda: NOW),
        environ={},
    )


def form(request: httpx.Request) -> dict[str, str]:
    pairs = urllib.parse.parse_qsl(request.content.decode(), keep_blank_values=True)
    assert len(pairs) == len(dict(pairs)), "a parameter went out twice"
    return dict(pairs)


def answer(
    payload: dict[str, Any], status: int = 200, **headers: str
) -> httpx.Response:
    return httpx.Response(status, json=payload, headers=headers)


def part(message_id: str, status: str = "0", **extra: str) -> dict[str, str]:
    entry = {"to": "447700900001", "message-id": message_id, "status": status}
    return {**entry, "message-price": "0.03330000", "network": "23410", **extra}


def refused(status: str, text: str) -> dict[str, str]:
    return {"status": status, "error-text": text}


# -- the send request -----------------------------------------------------------


def test_plain_send_is_a_form_post_with_key_and_secret_in_the_body() -> None:
    request = plain().build_send(MESSAGE)

    assert request.method == "POST"
    assert str(request.url) == "https://rest.nexmo.com/sms/json"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert "authorization" not in request.headers
    assert form(request) == {
        "api_key": KEY,
        "api_secret": SECRET,
        "from": "447700900000",
        "to": "447700900001",
        "text": "Hello",
        "type": "text",
    }


def test_every_field_maps_to_its_vonage_parameter() -> None:
    message = OutgoingMessage(
        to="+447700900001",
        body="Ünïcödé ✓",
        sender="AcmeInc",
        encoding=Encoding.UCS2,
        client_ref="order-1234",
        status_callback="https://example.com/dlr?x=1",
        validity=dt.timedelta(hours=2),
        options={"message-class": 1, "entity-id": "E1", "trusted-number": True},
    )
    params = form(plain().build_send(message))

    assert params["type"] == "unicode"
    assert params["from"] == "AcmeInc"  # an alphanumeric sender goes as it is
    assert params["text"] == "Ünïcödé ✓"
    assert params["client-ref"] == "order-1234"
    assert params["callback"] == "https://example.com/dlr?x=1"
    assert params["status-report-req"] == "true"
    assert params["ttl"] == "7200000"  # milliseconds
    assert params["message-class"] == "1"
    assert params["entity-id"] == "E1"
    assert params["trusted-number"] == "true"


def test_signed_send_signs_exactly_the_parameters_sent_without_the_secret() -> None:
    request = signed().build_send(MESSAGE)
    params = form(request)

    assert "api_secret" not in params
    assert params["timestamp"] == str(int(NOW.timestamp()))
    # Recomputed here from the documented scheme, not with smskit's signer.
    base = "".join(
        f"&{name}={params[name]}" for name in sorted(params) if name != "sig"
    )
    expected = hashlib.md5((base + SIG_SECRET).encode()).hexdigest()  # noqa: S324 -- Vonage's scheme
    assert params["sig"] == expected
    assert set(params) == {"api_key", "from", "to", "text", "type", "timestamp", "sig"}


@pytest.mark.parametrize("method", ["md5", "sha1", "sha256", "sha512"])
def test_hmac_signatures_cover_the_sent_parameters(method: str) -> None:
    import hmac

    params = form(signed(method).build_send(MESSAGE))
    base = "".join(f"&{k}={params[k]}" for k in sorted(params) if k != "sig")
    expected = hmac.new(SIG_SECRET.encode(), base.encode(), method).hexdigest()
    assert params["sig"] == expected


def test_each_attempt_is_signed_with_a_fresh_timestamp() -> None:
    moments = iter([NOW, NOW + dt.timedelta(seconds=3)])
    provider = signed(clock=lambda: next(moments))

    first = form(provider.build_send(MESSAGE))
    second = form(provider.build_send(MESSAGE))

    assert int(second["timestamp"]) - int(first["timestamp"]) == 3
    assert first["sig"] != second["sig"]


def test_signed_values_with_ampersand_and_equals_still_verify() -> None:
    from smskit.providers.vonage._signing import signature

    message = OutgoingMessage(to="+447700900001", body="a=b&c", sender="Acme")
    params = form(signed("sha256").build_send(message))

    assert params["text"] == "a=b&c"
    assert params["sig"] == signature(SIG_SECRET, params, method="sha256")


@pytest.mark.parametrize(
    ("message", "needle"),
    [
        (OutgoingMessage(to="+447700900001", body="x"), "sender"),
        (
            OutgoingMessage(
                to="+447700900001",
                body="x",
                sender="A",
                validity=dt.timedelta(seconds=5),
            ),
            "validity",
        ),
        (
            OutgoingMessage(
                to="+447700900001", body="x", sender="A", validity=dt.timedelta(days=8)
            ),
            "validity",
        ),
        (
            OutgoingMessage(
                to="+447700900001", body="x", sender="A", client_ref="r" * 41
            ),
            "client_ref",
        ),
        (
            OutgoingMessage(
                to="+447700900001", body="x", sender="A", options={"api_secret": "x"}
            ),
            "api_secret",
        ),
        (
            OutgoingMessage(
                to="+447700900001", body="x", sender="A", options={"to": "1"}
            ),
            "'to'",
        ),
    ],
)
def test_a_message_vonage_cannot_take_is_refused_unsent(
    message: OutgoingMessage, needle: str
) -> None:
    with pytest.raises(smskit.InvalidMessage, match=needle):
        plain().build_send(message)


def test_an_option_of_another_type_is_refused() -> None:
    message = OutgoingMessage(
        to="+447700900001", body="x", sender="A", options={"message-class": 1.5}
    )
    with pytest.raises(smskit.ArgumentTypeError, match="message-class"):
        plain().build_send(message)


# -- the send answer ------------------------------------------------------------


def test_a_message_in_parts_keeps_every_part_id() -> None:
    payload = {
        "message-count": "3",
        "messages": [
            part("07DE12328DAE7AFF", **{"client-ref": "order-1234"}),
            part("0F3B571DD5046016"),
            part("A1B5C0FFEE000001"),
        ],
    }
    message = plain().parse_send(MESSAGE, answer(payload))

    assert message.id == "07DE12328DAE7AFF"
    assert message.part_ids == (
        "07DE12328DAE7AFF",
        "0F3B571DD5046016",
        "A1B5C0FFEE000001",
    )
    assert message.part_statuses == (smskit.Status.QUEUED,) * 3
    assert message.status is smskit.Status.QUEUED
    assert message.segments == 3
    assert message.price == Decimal("0.09990000")
    assert message.currency == "EUR"
    assert message.to == "+447700900001"
    assert message.error_code is None


@pytest.mark.parametrize(
    ("status", "error"),
    [
        ("2", smskit.RejectedMessage),
        ("3", smskit.RejectedMessage),
        ("4", smskit.AuthenticationError),
        ("6", smskit.RejectedMessage),
        ("7", smskit.RejectedMessage),
        ("8", smskit.AuthenticationError),
        ("9", smskit.InsufficientFunds),
        ("11", smskit.ProviderError),
        ("12", smskit.RejectedMessage),
        ("14", smskit.AuthenticationError),
        ("15", smskit.RejectedMessage),
        ("22", smskit.RejectedMessage),
        ("23", smskit.RejectedMessage),
        ("29", smskit.RejectedMessage),
        ("32", smskit.AuthenticationError),
        ("33", smskit.RejectedMessage),
        ("99", smskit.ProviderError),  # unassigned: still an error with its code
    ],
)
def test_a_refused_status_raises_its_error_and_is_not_retried(
    status: str, error: type[smskit.ProviderError]
) -> None:
    payload = {"message-count": "1", "messages": [refused(status, "Some text")]}
    with pytest.raises(error) as caught:
        plain().parse_send(MESSAGE, answer(payload))

    assert type(caught.value) is error
    assert caught.value.provider_code == status
    assert caught.value.http_status == 200
    assert caught.value.retryable is False
    assert caught.value.provider == "vonage"


def test_throttled_is_rate_limited_with_the_hinted_wait() -> None:
    text = "Throughput Rate Exceeded - please wait [ 250 ] and retry"
    payload = {"message-count": "1", "messages": [refused("1", text)]}
    with pytest.raises(smskit.RateLimited) as caught:
        plain().parse_send(MESSAGE, answer(payload))

    assert caught.value.retry_after == 0.25
    assert caught.value.provider_code == "1"
    assert caught.value.retryable is True


def test_too_many_binds_is_rate_limited_without_a_hint() -> None:
    payload = {"message-count": "1", "messages": [refused("10", "Too many binds")]}
    with pytest.raises(smskit.RateLimited) as caught:
        plain().parse_send(MESSAGE, answer(payload))
    assert caught.value.retry_after is None


def test_an_internal_error_is_never_resent() -> None:
    payload = {"message-count": "1", "messages": [refused("5", "Internal Error")]}
    with pytest.raises(smskit.ProviderUnavailable) as caught:
        plain().parse_send(MESSAGE, answer(payload))
    assert caught.value.retryable is False
    assert caught.value.provider_code == "5"


def test_an_internal_error_wins_over_a_throttle_when_no_part_went_out() -> None:
    payload = {
        "message-count": "2",
        "messages": [refused("1", "wait [ 10 ]"), refused("5", "Internal Error")],
    }
    # Throttled would be retried: the part with status 5 may be out already.
    with pytest.raises(smskit.ProviderUnavailable):
        plain().parse_send(MESSAGE, answer(payload))


def test_a_partly_refused_message_keeps_the_parts_sent_and_reports_the_refusal() -> (
    None
):
    payload = {
        "message-count": "3",
        "messages": [
            part("07DE12328DAE7AFF"),
            part("0F3B571DD5046016"),
            refused("1", "Throughput Rate Exceeded - please wait [ 250 ] and retry"),
        ],
    }
    message = plain().parse_send(MESSAGE, answer(payload))

    # Not raised: raising would invite a resend that doubles the parts out.
    assert message.status is smskit.Status.FAILED
    assert message.part_ids == ("07DE12328DAE7AFF", "0F3B571DD5046016")
    assert message.part_statuses == (smskit.Status.QUEUED,) * 2
    assert message.error_code == "1"
    assert "Throughput" in (message.error_message or "")
    assert message.segments == 3
    assert message.price == Decimal("0.06660000")


def test_a_part_lost_to_an_internal_error_leaves_the_message_unknown() -> None:
    payload = {
        "message-count": "2",
        "messages": [part("07DE12328DAE7AFF"), refused("5", "Internal Error")],
    }
    message = plain().parse_send(MESSAGE, answer(payload))
    assert message.status is smskit.Status.UNKNOWN
    assert message.error_code == "5"


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, json={"message-count": "0", "messages": []}),
        httpx.Response(200, json={"messages": [{"status": "0"}]}),  # no id
        httpx.Response(200, text="<html>ok</html>"),
        httpx.Response(502, text="Bad Gateway"),
        httpx.Response(500, json={"messages": [refused("0", "")]}),
    ],
    ids=["empty", "no-id", "not-json", "502", "500-json"],
)
def test_an_unreadable_or_5xx_answer_to_a_send_is_not_retryable(
    response: httpx.Response,
) -> None:
    with pytest.raises(smskit.ProviderUnavailable) as caught:
        plain().parse_send(MESSAGE, response)
    assert caught.value.retryable is False


def test_http_429_is_rate_limited_by_retry_after() -> None:
    response = answer({}, 429, **{"Retry-After": "2"})
    with pytest.raises(smskit.RateLimited) as caught:
        plain().parse_send(MESSAGE, response)
    assert caught.value.retry_after == 2.0
    assert caught.value.http_status == 429


def test_http_401_on_a_send_is_an_authentication_error() -> None:
    response = answer({"error-code": "401", "error-code-label": "auth failed"}, 401)
    with pytest.raises(smskit.AuthenticationError):
        plain().parse_send(MESSAGE, response)


def test_a_400_with_parts_reads_the_part_status() -> None:
    response = answer({"messages": [refused("3", "Invalid to")]}, 400)
    with pytest.raises(smskit.RejectedMessage) as caught:
        plain().parse_send(MESSAGE, response)
    assert caught.value.provider_code == "3"


# -- balance ----------------------------------------------------------------------


def test_balance_request_uses_basic_auth_and_no_secret_in_the_url() -> None:
    request = plain().build_balance()

    assert request.method == "GET"
    assert str(request.url) == "https://rest.nexmo.com/account/get-balance"
    token = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {token}"
    assert SECRET not in str(request.url)


def test_balance_is_read_exactly_in_euros() -> None:
    response = httpx.Response(
        200, content=b'{"value": 10.28091123456789012, "autoReload": false}'
    )
    balance = plain().parse_balance(response)
    assert balance.amount == Decimal("10.28091123456789012")
    assert balance.currency == "EUR"
    assert balance.provider == "vonage"


def test_balance_401_is_an_authentication_error_with_its_code() -> None:
    response = answer(
        {"error-code": "401", "error-code-label": "authentication failed"}, 401
    )
    with pytest.raises(smskit.AuthenticationError) as caught:
        plain().parse_balance(response)
    assert caught.value.provider_code == "401"
    assert "authentication failed" in str(caught.value)


def test_balance_without_a_value_is_an_error() -> None:
    with pytest.raises(smskit.ProviderError, match="value"):
        plain().parse_balance(answer({"autoReload": False}))


# -- status lookup through the Reports API ----------------------------------------


def test_fetch_asks_the_reports_api_for_one_id() -> None:
    request = plain().build_fetch("0A0000000123ABCD")

    assert request.method == "GET"
    assert request.url.host == "api.nexmo.com"
    assert request.url.path == "/v2/reports/records"
    assert dict(request.url.params) == {
        "account_id": KEY,
        "product": "SMS",
        "direction": "outbound",
        "id": "0A0000000123ABCD",
        "include_message": "true",
    }
    assert request.headers["authorization"].startswith("Basic ")


@pytest.mark.parametrize("bad", ["A,B", "../x", "a b", "", "x?y=1"])
def test_fetch_refuses_an_id_that_is_not_one_vonage_id(bad: str) -> None:
    with pytest.raises(smskit.InvalidMessage):
        plain().build_fetch(bad)


def test_fetch_and_balance_without_api_secret_are_not_supported() -> None:
    with pytest.raises(smskit.NotSupported) as caught:
        signed().build_fetch("0A0000000123ABCD")
    assert caught.value.operation == "fetch"
    with pytest.raises(smskit.NotSupported):
        signed().build_balance()


RECORD = {
    "account_id": KEY,
    "message_id": "0A0000000123ABCD",
    "client_ref": "order-1234",
    "direction": "outbound",
    "from": "AcmeInc",
    "to": "447700900001",
    "network": "23410",
    "country": "GB",
    "date_received": "2026-06-01T12:00:00.000Z",
    "date_finalized": "2026-06-01T12:00:03.000Z",
    "status": "failed",
    "error_code": "2",
    "error_code_description": "Absent subscriber, temporary",
    "total_price": "0.03330000",
    "currency": "EUR",
    "message_body": "Hello",
}


def test_a_record_becomes_a_message() -> None:
    response = answer(
        {"request_status": "SUCCESS", "items_count": 1, "records": [RECORD]}
    )
    message = plain().parse_fetch(response)

    assert message.id == "0A0000000123ABCD"
    assert message.to == "+447700900001"
    assert message.sender == "AcmeInc"
    assert message.body == "Hello"
    assert message.status is smskit.Status.UNDELIVERED
    assert message.raw_status == "failed"
    assert message.error_code == "2"
    assert message.created_at == NOW
    assert message.updated_at == NOW + dt.timedelta(seconds=3)
    assert message.price == Decimal("0.03330000")
    assert message.client_ref == "order-1234"


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("delivered", smskit.Status.DELIVERED),
        ("accepted", smskit.Status.SENT),
        ("buffered", smskit.Status.SENDING),
        ("expired", smskit.Status.EXPIRED),
        ("rejected", smskit.Status.REJECTED),
        ("unknown", smskit.Status.UNKNOWN),
        ("deleted", smskit.Status.UNKNOWN),
    ],
)
def test_record_status_words(word: str, status: smskit.Status) -> None:
    record = {**RECORD, "status": word, "error_code": "0"}
    message = plain().parse_fetch(answer({"records": [record]}))
    assert message.status is status
    if status is smskit.Status.DELIVERED:
        assert message.error_code is None


def test_an_id_not_found_is_not_found() -> None:
    response = answer({"items_count": 0, "records": [], "ids_not_found": "0A00FF"})
    with pytest.raises(smskit.NotFound, match="0A00FF"):
        plain().parse_fetch(response)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, smskit.AuthenticationError),
        (403, smskit.AuthenticationError),
        (422, smskit.ProviderError),
        (500, smskit.ProviderUnavailable),
    ],
)
def test_reports_api_errors(status: int, error: type[smskit.ProviderError]) -> None:
    body = {"title": "Forbidden", "detail": "User not authorized", "instance": "x"}
    with pytest.raises(error, match="User not authorized") as caught:
        plain().parse_fetch(answer(body, status))
    assert type(caught.value) is error
    assert caught.value.http_status == status
