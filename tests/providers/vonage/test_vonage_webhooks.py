"""Vonage webhooks: signed parameters and JWTs verified, receipts and inbound read.

The signatures here come from providers.md §2.6 (vectors made with the
official SDKs) or from `_oracle_sig`/`_oracle_jwt`, written from the
documented algorithms without smskit's signing code.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse
from decimal import Decimal
from typing import Any

import pytest

import smskit
from smskit import InboundMessage, Status, StatusEvent
from smskit.providers._protocol import WebhookRequest
from smskit.providers.vonage import Vonage

SECRET = "secret"
API_KEY = "abcd1234"
URL = "https://hooks.example.com/vonage/dlr"
SENT_AT = 1748779202
NOW = dt.datetime.fromtimestamp(SENT_AT + 5, dt.timezone.utc)

# providers.md §2.6: these parameters signed with the secret "secret".
VECTOR = {
    "api-key": API_KEY,
    "messageId": "X1",
    "status": "delivered",
    "text": "a=b&c",
    "timestamp": str(SENT_AT),
    "nonce": "n1",
}
VECTOR_SIGS = {
    "md5": "581b2a2afc704052f33bcb073319fd6f",
    "sha256": "a9bb95683d1d52a611491f64ee45d79628cd935956e283f72c4131ef47fd871e",
    "md5hash": "f7f8d15bb7a47ef1cb05dc0038142648",
}


def provider(method: Any = "md5hash", **options: Any) -> Vonage:
    return Vonage(
        api_key=API_KEY,
        signature_secret=SECRET,
        signature_method=method,
        environ={},
        **options,
    )


def _oracle_sig(params: dict[str, str], secret: str, method: str) -> str:
    """The documented ``sig``: sorted ``&k=v`` with ``&``/``=`` in values as ``_``."""
    text = ""
    for name in sorted(params):
        if name != "sig":
            value = params[name].replace("&", "_").replace("=", "_")
            text += "&" + name + "=" + value
    if method == "md5hash":
        return hashlib.md5((text + secret).encode()).hexdigest()  # noqa: S324
    return hmac.new(secret.encode(), text.encode(), method).hexdigest()


def form(params: dict[str, str], *, url: str = URL) -> WebhookRequest:
    return WebhookRequest(
        method="POST",
        url=url,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=urllib.parse.urlencode(params).encode(),
    )


def signed(
    params: dict[str, str],
    *,
    method: str = "md5hash",
    secret: str = SECRET,
    at: int = SENT_AT,
) -> dict[str, str]:
    stamped = {"timestamp": str(at), "nonce": "5b0d-41a4", **params}
    return {**stamped, "sig": _oracle_sig(stamped, secret, method)}


RECEIPT = {
    "msisdn": "447700900001",
    "to": "AcmeInc",
    "network-code": "23410",
    "messageId": "0A0000001234567B",
    "price": "0.03330000",
    "status": "delivered",
    "scts": "2506011220",
    "err-code": "0",
    "api-key": API_KEY,
    "client-ref": "order-1234",
    "message-timestamp": "2025-06-01 12:20:03",
}
INBOUND = {
    "msisdn": "447700900001",
    "to": "447700900000",
    "messageId": "0A0000000123ABCD1",
    "text": "Hello there",
    "type": "text",
    "keyword": "HELLO",
    "api-key": API_KEY,
    "message-timestamp": "2025-06-01 12:20:03",
}


def refused(vonage: Vonage, request: WebhookRequest, now: dt.datetime = NOW) -> str:
    with pytest.raises(smskit.WebhookVerificationError) as caught:
        vonage.verify_webhook(request, now=now)
    text = str(caught.value)
    assert SECRET not in text.replace("signature secret", "")
    assert "hooks.example.com/vonage/dlr" in text
    return text


# -- sig: the documented vectors and each method ---------------------------------


@pytest.mark.parametrize(("method", "sig"), VECTOR_SIGS.items())
def test_the_documented_vectors_verify_in_either_case(method: str, sig: str) -> None:
    for given in (sig, sig.upper()):
        request = form({**VECTOR, "sig": given})
        provider(method).verify_webhook(request, now=NOW)


@pytest.mark.parametrize("method", ["md5hash", "md5", "sha1", "sha256", "sha512"])
def test_each_method_verifies_its_own_signature_only(method: str) -> None:
    request = form(signed(RECEIPT, method=method))
    provider(method).verify_webhook(request, now=NOW)
    for other in {"md5hash", "md5", "sha1", "sha256", "sha512"} - {method}:
        assert "sig does not match" in refused(provider(other), request)


def test_a_get_webhook_is_read_from_the_query_string() -> None:
    query = urllib.parse.urlencode(signed(RECEIPT, method="sha256"))
    request = WebhookRequest(method="GET", url=f"{URL}?{query}")
    vonage = provider("sha256")
    vonage.verify_webhook(request, now=NOW)
    (event,) = vonage.parse_webhook(request)
    assert isinstance(event, StatusEvent)
    assert event.message_id == RECEIPT["messageId"]


def test_a_json_webhook_is_verified_with_its_values_as_text() -> None:
    params = signed(INBOUND, method="sha1")
    body = json.dumps({**params, "timestamp": int(params["timestamp"])}).encode()
    request = WebhookRequest(
        method="POST",
        url=URL,
        headers={"content-type": "application/json; charset=utf-8"},
        body=body,
    )
    vonage = provider("sha1")
    vonage.verify_webhook(request, now=NOW)
    (message,) = vonage.parse_webhook(request)
    assert isinstance(message, InboundMessage)
    assert message.body == "Hello there"
    # Without a content type, a body that opens with "{" is JSON too.
    bare = WebhookRequest(method="POST", url=URL, body=body)
    vonage.verify_webhook(bare, now=NOW)


def test_a_tampered_parameter_fails() -> None:
    params = signed(RECEIPT)
    for name, value in [("status", "failed"), ("msisdn", "447700900002")]:
        text = refused(provider(), form({**params, name: value}))
        assert "sig does not match (md5hash" in text


def test_an_added_parameter_fails() -> None:
    text = refused(provider(), form({**signed(RECEIPT), "extra": "1"}))
    assert "sig does not match" in text


def test_the_wrong_secret_fails_and_names_another_accounts_key() -> None:
    request = form(signed(RECEIPT, secret="other-secret"))
    assert "sig does not match" in refused(provider(), request)
    elsewhere = signed({**RECEIPT, "api-key": "ffff0000"}, secret="other-secret")
    text = refused(provider(), form(elsewhere))
    assert "'ffff0000', not this provider's 'abcd1234'" in text


def test_a_missing_sig_or_timestamp_is_named() -> None:
    params = signed(RECEIPT)
    no_sig = {name: value for name, value in params.items() if name != "sig"}
    assert "no sig parameter" in refused(provider(), form(no_sig))
    assert "no sig parameter" in refused(provider(), form({**params, "sig": " "}))
    unstamped = dict(RECEIPT)
    no_stamp = {**unstamped, "sig": _oracle_sig(unstamped, SECRET, "md5hash")}
    assert "no timestamp" in refused(provider(), form(no_stamp))


def test_a_timestamp_that_is_not_unix_seconds_is_refused() -> None:
    params = signed({**RECEIPT, "timestamp": "2025-06-01T12:00:00"})
    text = refused(provider(), form(params))
    assert "is not unix seconds" in text


@pytest.mark.parametrize(
    ("offset", "reason"),
    [(301, "s old, outside the 300 s window"), (-301, "in the future, outside")],
)
def test_stale_and_future_timestamps_are_refused(offset: int, reason: str) -> None:
    request = form(signed(RECEIPT, at=SENT_AT))
    now = dt.datetime.fromtimestamp(SENT_AT + offset, dt.timezone.utc)
    assert reason in refused(provider(), request, now)


def test_the_window_is_inclusive_and_configurable() -> None:
    request = form(signed(RECEIPT, at=SENT_AT))
    for offset in (300, -300):
        edge = dt.datetime.fromtimestamp(SENT_AT + offset, dt.timezone.utc)
        provider().verify_webhook(request, now=edge)
    later = dt.datetime.fromtimestamp(SENT_AT + 61, dt.timezone.utc)
    assert "outside the 60 s window" in refused(
        provider(webhook_window=60), request, later
    )
    provider(webhook_window=dt.timedelta(hours=1)).verify_webhook(request, now=later)


def test_without_a_signature_secret_every_webhook_is_refused() -> None:
    vonage = Vonage(api_key=API_KEY, api_secret="api-secret-value", environ={})
    with pytest.raises(smskit.WebhookVerificationError) as caught:
        vonage.verify_webhook(form({**VECTOR, "sig": VECTOR_SIGS["md5hash"]}), now=NOW)
    text = str(caught.value)
    assert "cannot be verified" in text
    assert URL in text
    assert "signature_secret=" in text
    assert "VONAGE_SIGNATURE_SECRET" in text
    assert "api-secret-value" not in text


def test_errors_never_show_the_query_the_secret_or_the_expected_sig() -> None:
    params = signed(RECEIPT, secret="other-secret")
    query = urllib.parse.urlencode(params)
    request = WebhookRequest(method="GET", url=f"{URL}?{query}")
    text = refused(provider(), request)
    expected = _oracle_sig(params, SECRET, "md5hash")
    assert expected not in text
    assert params["sig"] not in text
    assert "447700900001" not in text
    assert URL in text


def test_a_naive_now_is_refused() -> None:
    naive = dt.datetime(2025, 6, 1, 12, 0)
    with pytest.raises(smskit.ConfigurationError, match="timezone-aware"):
        provider().verify_webhook(form(signed(RECEIPT)), now=naive)


def test_a_parameter_given_twice_is_refused() -> None:
    body = urllib.parse.urlencode(signed(RECEIPT)) + "&status=failed"
    request = WebhookRequest(method="POST", url=URL, body=body.encode())
    with pytest.raises(smskit.WebhookPayloadError, match="'status' appears twice"):
        provider().verify_webhook(request, now=NOW)


def test_a_signed_nested_json_value_is_refused() -> None:
    body = json.dumps({**signed(RECEIPT), "extra": {"a": 1}}).encode()
    request = WebhookRequest(method="POST", url=URL, body=body)
    assert "is a JSON dict" in refused(provider(), request)


# -- JWT ------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _oracle_jwt(
    claims: dict[str, Any],
    *,
    secret: str = SECRET,
    header: dict[str, Any] | None = None,
) -> str:
    head = _b64(json.dumps(header or {"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(claims).encode())
    mac = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256)
    return f"{head}.{body}.{_b64(mac.digest())}"


MESSAGES_BODY = json.dumps(
    {"message_uuid": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab", "status": "delivered"}
).encode()


def _claims(body: bytes = MESSAGES_BODY, **changes: Any) -> dict[str, Any]:
    claims = {
        "iat": SENT_AT,
        "jti": "c5ad8b0c-4a36-4ab2-a2ba-8b7d2a7f3e10",
        "iss": "Vonage",
        "payload_hash": hashlib.sha256(body).hexdigest(),
        "api_key": API_KEY,
        "application_id": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def bearer(token: str, body: bytes = MESSAGES_BODY) -> WebhookRequest:
    return WebhookRequest(
        method="POST",
        url=URL,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
        },
        body=body,
    )


def test_a_good_jwt_verifies_whatever_the_sig_method() -> None:
    request = bearer(_oracle_jwt(_claims()))
    for method in ("md5hash", "sha512"):
        provider(method).verify_webhook(request, now=NOW)
    assert provider().webhook_nonce(request) == "c5ad8b0c-4a36-4ab2-a2ba-8b7d2a7f3e10"


def test_a_jwt_signed_with_another_secret_fails() -> None:
    token = _oracle_jwt(_claims(api_key="ffff0000"), secret="other-secret")
    text = refused(provider(), bearer(token))
    assert "signature does not match" in text
    assert "'ffff0000'" in text


def test_a_jwt_with_a_flipped_signature_fails() -> None:
    head, body, sig = _oracle_jwt(_claims()).split(".")
    flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    text = refused(provider(), bearer(f"{head}.{body}.{flipped}"))
    assert "signature does not match" in text


def test_alg_none_and_other_algorithms_are_refused() -> None:
    head = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    body = _b64(json.dumps(_claims()).encode())
    assert "alg is 'none'" in refused(provider(), bearer(f"{head}.{body}."))
    for algorithm in ("HS512", "RS256", "hs256"):
        token = _oracle_jwt(_claims(), header={"alg": algorithm})
        assert "only HS256 is accepted" in refused(provider(), bearer(token))


def test_a_body_changed_under_the_same_token_fails() -> None:
    token = _oracle_jwt(_claims())
    changed = MESSAGES_BODY.replace(b"delivered", b"rejected")
    text = refused(provider(), bearer(token, changed))
    assert "does not match the token's payload_hash" in text


def test_a_token_without_payload_hash_leaves_the_body_unchecked() -> None:
    # The well-known HS256 example token: a good signature, no payload_hash.
    token = (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
        ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
        ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
    )
    vonage = Vonage(api_key=API_KEY, signature_secret="your-256-bit-secret", environ={})
    issued = dt.datetime.fromtimestamp(1516239022 + 1, dt.timezone.utc)
    with pytest.raises(smskit.WebhookVerificationError, match="no payload_hash"):
        vonage.verify_webhook(bearer(token), now=issued)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"iat": SENT_AT - 400}, "iat is 405 s old"),
        ({"iat": SENT_AT + 400}, "iat is 395 s in the future"),
        ({"iat": None}, "no iat"),
        ({"iat": "1748779202"}, "iat is not a number"),
        ({"exp": SENT_AT}, "has expired"),
        ({"nbf": SENT_AT + 60}, "not valid yet"),
    ],
)
def test_token_times_are_checked(changes: dict[str, Any], reason: str) -> None:
    token = _oracle_jwt(_claims(**changes))
    assert reason in refused(provider(), bearer(token))


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        "a.b",
        "a.b.c.d",
        "e30.!!!.c2ln",
        "bm90IGpzb24.e30.c2ln",
        "W10.e30.c2ln",
    ],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    refused(provider(), bearer(token))


def test_a_basic_authorization_header_leaves_the_sig_scheme() -> None:
    request = form(signed(RECEIPT))
    basic = WebhookRequest(
        method=request.method,
        url=request.url,
        headers={**request.headers, "authorization": "Basic dXNlcjpwYXNz"},
        body=request.body,
    )
    provider().verify_webhook(basic, now=NOW)


# -- nonce and reply ----------------------------------------------------------------


def test_the_nonce_is_the_signed_nonce_parameter() -> None:
    assert provider().webhook_nonce(form(signed(RECEIPT))) == "5b0d-41a4"
    assert provider().webhook_nonce(form(RECEIPT)) is None
    garbled = WebhookRequest(method="POST", url=URL, body=b"\xff\xfe")
    assert provider().webhook_nonce(garbled) is None


def test_the_reply_is_204_without_a_body() -> None:
    reply = provider().webhook_reply(())
    assert (reply.status, reply.content_type, reply.body) == (204, None, b"")


# -- receipts -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("accepted", Status.SENT),
        ("buffered", Status.SENDING),
        ("delivered", Status.DELIVERED),
        ("expired", Status.EXPIRED),
        ("failed", Status.UNDELIVERED),
        ("rejected", Status.REJECTED),
        ("unknown", Status.UNKNOWN),
        ("a-word-vonage-adds-later", Status.UNKNOWN),
    ],
)
def test_every_receipt_status_is_read(word: str, status: Status) -> None:
    (event,) = provider().parse_webhook(form({**RECEIPT, "status": word}))
    assert isinstance(event, StatusEvent)
    assert event.status is status
    assert event.raw_status == word


def test_a_receipt_is_one_event_about_one_part() -> None:
    (event,) = provider().parse_webhook(form(signed(RECEIPT)))
    assert isinstance(event, StatusEvent)
    assert event.message_id == event.part_id == "0A0000001234567B"
    assert event.provider == "vonage"
    assert event.to == "+447700900001"  # msisdn is the recipient
    assert event.sender == "AcmeInc"
    assert event.occurred_at == dt.datetime(2025, 6, 1, 12, 20, tzinfo=dt.timezone.utc)
    assert event.price == Decimal("0.03330000")
    assert event.currency == "EUR"
    assert event.client_ref == "order-1234"
    assert event.error_code is None
    assert event.raw["network-code"] == "23410"
    assert event.raw["sig"]


def test_a_failed_receipt_keeps_its_error_code() -> None:
    params = {**RECEIPT, "status": "failed", "err-code": "6", "price": "0"}
    (event,) = provider().parse_webhook(form(params))
    assert isinstance(event, StatusEvent)
    assert (event.error_code, event.error_message) == ("6", "anti-spam rejection")
    assert event.price is None
    assert event.currency is None
    odd = {**RECEIPT, "status": "failed", "err-code": "77"}
    (event,) = provider().parse_webhook(form(odd))
    assert isinstance(event, StatusEvent)
    assert (event.error_code, event.error_message) == ("77", None)


def test_without_scts_the_message_timestamp_dates_the_receipt() -> None:
    params = {name: value for name, value in RECEIPT.items() if name != "scts"}
    (event,) = provider().parse_webhook(form(params))
    assert isinstance(event, StatusEvent)
    assert event.occurred_at == dt.datetime(
        2025, 6, 1, 12, 20, 3, tzinfo=dt.timezone.utc
    )
    bare = {
        name: value for name, value in params.items() if name != "message-timestamp"
    }
    (event,) = provider().parse_webhook(form(bare))
    assert isinstance(event, StatusEvent)
    assert event.occurred_at is None


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"messageId": ""}, "no 'messageId'"),
        ({"status": " "}, "no 'status'"),
        ({"scts": "25-06-01"}, "scts '25-06-01' is not YYMMDDhhmm"),
        ({"scts": "2513011220"}, "is no date"),
        ({"price": "free"}, "price 'free' is not a number"),
        ({"price": "-1"}, "is not a price"),
        ({"scts": "", "message-timestamp": "yesterday"}, "message-timestamp"),
    ],
)
def test_malformed_receipts_are_refused(changes: dict[str, str], reason: str) -> None:
    with pytest.raises(smskit.WebhookPayloadError, match=reason):
        provider().parse_webhook(form({**RECEIPT, **changes}))


# -- inbound ------------------------------------------------------------------------


def test_a_single_inbound_message() -> None:
    (message,) = provider().parse_webhook(form(signed(INBOUND)))
    assert isinstance(message, InboundMessage)
    assert message.id == "0A0000000123ABCD1"
    assert message.sender == "+447700900001"
    assert message.to == "+447700900000"
    assert message.body == "Hello there"
    assert message.received_at == dt.datetime(
        2025, 6, 1, 12, 20, 3, tzinfo=dt.timezone.utc
    )
    assert not message.is_part
    assert message.raw["keyword"] == "HELLO"


def test_an_inbound_part_names_its_message() -> None:
    part = {
        **INBOUND,
        "concat": "true",
        "concat-ref": "108",
        "concat-total": "3",
        "concat-part": "2",
    }
    (message,) = provider().parse_webhook(form(signed(part)))
    assert isinstance(message, InboundMessage)
    assert (message.part_ref, message.part_count, message.part_number) == ("108", 3, 2)
    assert message.is_part


def test_unicode_binary_json_and_get_inbound() -> None:
    unicode = {**INBOUND, "type": "unicode", "text": "Привет 👋 STOP"}
    body = json.dumps(unicode).encode()
    request = WebhookRequest(method="POST", url=URL, body=body)
    (message,) = provider().parse_webhook(request)
    assert isinstance(message, InboundMessage)
    assert message.body == "Привет 👋 STOP"
    binary = {**INBOUND, "type": "binary", "data": "0102ff", "udh": "050003cc0201"}
    del binary["text"]
    (message,) = provider().parse_webhook(form(binary))
    assert isinstance(message, InboundMessage)
    assert message.body == ""
    assert message.raw["data"] == "0102ff"
    query = urllib.parse.urlencode({**INBOUND, "text": "STOP"})
    (message,) = provider().parse_webhook(
        WebhookRequest(method="GET", url=f"{URL}?{query}")
    )
    assert isinstance(message, InboundMessage)
    assert message.intent == "opt_out"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"msisdn": ""}, "no 'msisdn'"),
        ({"to": None}, "no 'to'"),
        ({"messageId": None}, "no 'messageId'"),
        ({"text": None}, "text message has no 'text'"),
        ({"message-timestamp": "01/06/2025"}, "message-timestamp"),
        ({"concat": "true", "concat-ref": "7"}, "no concat-total, concat-part"),
        ({"concat-ref": "7", "concat-total": "2", "concat-part": "3"}, "not between 1"),
        (
            {"concat-ref": "7", "concat-total": "two", "concat-part": "1"},
            "whole numbers",
        ),
        ({"concat-ref": "7", "concat-total": "2", "concat-part": "0"}, "not between 1"),
    ],
)
def test_malformed_inbound_is_refused(
    changes: dict[str, str | None], reason: str
) -> None:
    params = {**INBOUND, **changes}
    kept = {name: value for name, value in params.items() if value is not None}
    with pytest.raises(smskit.WebhookPayloadError, match=reason):
        provider().parse_webhook(form(kept))


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"{not json", "application/json", "JSON body is malformed"),
        (b"[1, 2]", "application/json", "is a list, not an object"),
        (b"text=\xff", "application/x-www-form-urlencoded", "not UTF-8"),
        (b"text=%FF&msisdn=1", "application/x-www-form-urlencoded", "not UTF-8"),
        (b"msisdn=1&to=2", "application/x-www-form-urlencoded", "neither a delivery"),
        (MESSAGES_BODY, "application/json", "Messages API webhook"),
        (b'{"status": ["delivered"], "messageId": "X"}', "application/json", "a list"),
    ],
)
def test_unreadable_bodies_are_payload_errors(
    body: bytes, content_type: str, reason: str
) -> None:
    request = WebhookRequest(
        method="POST", url=URL, headers={"content-type": content_type}, body=body
    )
    with pytest.raises(smskit.WebhookPayloadError, match=reason):
        provider().parse_webhook(request)


# -- the emulator's webhooks ----------------------------------------------------------


@pytest.mark.parametrize("method", ["md5hash", "md5", "sha1", "sha256", "sha512"])
def test_the_emulators_inbound_parts_verify_and_parse(method: str) -> None:
    from smskit._emulator._config import Credentials
    from smskit._emulator._vonage_render import VonageRender
    from smskit.providers.sandbox._state import SandboxState

    credentials = Credentials(vonage_signature_method=method)
    render = VonageRender(SandboxState(seed=1), credentials)
    text = "Long message. " * 25  # 350 characters: three GSM-7 parts of 153
    sent = InboundMessage(
        id="SM0123456789abcdef0123456789abcdef",
        provider="vonage",
        sender="+447700900001",
        to="+447700900000",
        body=text,
    )
    vonage = Vonage(
        api_key=credentials.vonage_api_key,
        signature_secret=credentials.vonage_signature_secret,
        signature_method=method,
        environ={},
    )
    now = dt.datetime.now(dt.timezone.utc)
    parts = []
    for hook in render.inbound(sent, URL):
        request = WebhookRequest(
            method=hook.method, url=hook.url, headers=dict(hook.headers), body=hook.body
        )
        vonage.verify_webhook(request, now=now)
        assert vonage.webhook_nonce(request)
        (part,) = vonage.parse_webhook(request)
        assert isinstance(part, InboundMessage)
        parts.append(part)
    assert [part.part_number for part in parts] == [1, 2, 3]
    assert {part.part_count for part in parts} == {3}
    assert len({part.part_ref for part in parts}) == 1
    assert "".join(part.body for part in parts) == text
    assert {part.sender for part in parts} == {"+447700900001"}
