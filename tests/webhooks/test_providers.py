"""The pipeline through the real providers' verifiers and parsers.

Requests are signed here with each provider's documented algorithm (through
the providers' signing functions, whose own tests check them against
independent oracles and published vectors).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

import pytest

from smskit import (
    InboundMessage,
    Message,
    Status,
    StatusEvent,
    WebhookVerificationError,
)
from smskit.providers import Plivo, Twilio, Vonage
from smskit.providers.plivo import _signing as plivo_signing
from smskit.providers.twilio import _signing as twilio_signing
from smskit.providers.vonage import _signing as vonage_signing
from smskit.webhooks import WebhookHandler, WebhookRequest, parse

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PUBLIC = "https://hooks.example.com"
INTERNAL = "http://10.0.0.5:8000"
NOW = dt.datetime(2026, 2, 1, 12, 0, tzinfo=dt.timezone.utc)


def form_request(
    url: str, params: Sequence[tuple[str, str]], headers: Mapping[str, str]
) -> WebhookRequest:
    return WebhookRequest(
        method="POST",
        url=url,
        headers={**FORM, **headers},
        body=urlencode(params).encode(),
        remote_addr="10.0.0.2",
    )


# -- Twilio ------------------------------------------------------------------

SID = "AC0123456789abcdef0123456789abcdef"
TOKEN = "twilio-test-auth-token"
MESSAGE_SID = "SM0123456789abcdef0123456789abcdef"


def twilio_request(
    params: Sequence[tuple[str, str]], path: str = "/hooks/twilio"
) -> WebhookRequest:
    grouped: dict[str, list[str]] = {}
    for name, value in params:
        grouped.setdefault(name, []).append(value)
    signature = twilio_signing.signature(TOKEN, PUBLIC + path, grouped)
    return form_request(INTERNAL + path, params, {"X-Twilio-Signature": signature})


def twilio_status(status: str) -> list[tuple[str, str]]:
    return [
        ("MessageSid", MESSAGE_SID),
        ("SmsSid", MESSAGE_SID),
        ("MessageStatus", status),
        ("SmsStatus", status),
        ("AccountSid", SID),
        ("To", "+14155552671"),
        ("From", "+15005550006"),
        ("ApiVersion", "2010-04-01"),
    ]


@pytest.fixture
def twilio() -> WebhookHandler:
    provider = Twilio(account_sid=SID, auth_token=TOKEN)
    return WebhookHandler(provider, public_url=PUBLIC)


def test_twilio_status_callbacks_dedupe_and_order(twilio: WebhookHandler) -> None:
    delivered = twilio.handle(twilio_request(twilio_status("delivered")))
    (event,) = delivered.status_events
    assert (event.message_id, event.status) == (MESSAGE_SID, Status.DELIVERED)
    assert delivered.reply.status in (200, 204)
    again = twilio.handle(twilio_request(twilio_status("delivered")))
    assert again.items == ()
    assert len(again.duplicates) == 1
    late = twilio.handle(twilio_request(twilio_status("sent")))
    assert [item.status for item in late.stale] == [Status.SENT]


def test_twilio_inbound_gets_empty_twiml(twilio: WebhookHandler) -> None:
    params = [
        ("MessageSid", "SMfedcba9876543210fedcba9876543210"),
        ("AccountSid", SID),
        ("From", "+14155552671"),
        ("To", "+15005550006"),
        ("Body", "stop"),
        ("NumSegments", "1"),
        ("SmsStatus", "received"),
    ]
    result = twilio.handle(twilio_request(params))
    (message,) = result.inbound
    assert message.intent == "opt_out"
    assert result.reply.content_type is not None
    assert "xml" in result.reply.content_type
    assert b"<Response" in result.reply.body


def test_twilio_signature_behind_a_proxy_needs_the_public_url() -> None:
    request = twilio_request(twilio_status("delivered"))
    provider = Twilio(account_sid=SID, auth_token=TOKEN)
    with pytest.raises(WebhookVerificationError) as caught:
        parse(provider, request)
    assert "http://10.0.0.5:8000/hooks/twilio" in str(caught.value)
    assert "public_url=" in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert len(parse(provider, request, public_url=PUBLIC)) == 1


def test_twilio_tampered_parameter(twilio: WebhookHandler) -> None:
    request = twilio_request(twilio_status("failed"))
    tampered = WebhookRequest(
        method="POST",
        url=request.url,
        headers=dict(request.headers),
        body=request.body.replace(b"failed", b"delivered"),
        remote_addr=request.remote_addr,
    )
    with pytest.raises(WebhookVerificationError, match="public_url base"):
        twilio.handle(tampered)


# -- Vonage ------------------------------------------------------------------

API_KEY = "abcd1234"
VONAGE_SECRET = "vonage-signature-secret"
SENT_AT = int(NOW.timestamp())


def vonage_request(params: Mapping[str, str], nonce: str) -> WebhookRequest:
    stamped = {**params, "timestamp": str(SENT_AT), "nonce": nonce}
    sig = vonage_signing.signature(VONAGE_SECRET, stamped, method="sha256")
    return form_request(
        PUBLIC + "/hooks/vonage", list({**stamped, "sig": sig}.items()), {}
    )


def vonage_receipt(part_id: str, status: str = "delivered") -> dict[str, str]:
    return {
        "msisdn": "447700900001",
        "to": "AcmeInc",
        "network-code": "23410",
        "messageId": part_id,
        "price": "0.03330000",
        "status": status,
        "scts": "2602011159",
        "err-code": "0",
        "api-key": API_KEY,
        "message-timestamp": "2026-02-01 11:59:03",
    }


def vonage_part(number: int, text: str) -> dict[str, str]:
    return {
        "msisdn": "447700900001",
        "to": "447700900000",
        "messageId": f"0A000000012345{number:02X}",
        "text": text,
        "type": "text",
        "keyword": "HELLO",
        "api-key": API_KEY,
        "message-timestamp": "2026-02-01 11:59:03",
        "concat": "true",
        "concat-ref": "17",
        "concat-total": "2",
        "concat-part": str(number),
    }


@pytest.fixture
def vonage() -> WebhookHandler:
    provider = Vonage(
        api_key=API_KEY,
        signature_secret=VONAGE_SECRET,
        signature_method="sha256",
        environ={},
    )
    return WebhookHandler(provider, clock=lambda: NOW)


def test_vonage_part_receipts_join_their_message(vonage: WebhookHandler) -> None:
    sent = Message(
        id="0A0000001234567A",
        provider="vonage",
        to="+447700900001",
        status="sent",
        part_ids=("0A0000001234567A", "0A0000001234567B"),
    )
    vonage.remember(sent)
    results = [
        vonage.handle(vonage_request(vonage_receipt(part), nonce=f"n-{part}"))
        for part in sent.part_ids
    ]
    events = [event for result in results for event in result.status_events]
    assert [(event.message_id, event.part_id) for event in events] == [
        (sent.id, "0A0000001234567A"),
        (sent.id, "0A0000001234567B"),
    ]
    message = sent
    for event in events:
        message = message.apply(event)
    assert message.status is Status.DELIVERED


def test_vonage_replayed_request_is_refused(vonage: WebhookHandler) -> None:
    request = vonage_request(vonage_receipt("0A0000001234567C"), nonce="n-once")
    vonage.handle(request)
    with pytest.raises(WebhookVerificationError, match="replayed nonce"):
        vonage.handle(request)


def test_vonage_inbound_parts_are_joined(vonage: WebhookHandler) -> None:
    second = vonage.handle(vonage_request(vonage_part(2, "world"), nonce="n-p2"))
    assert second.items == ()
    assert second.waiting_parts == 1
    first = vonage.handle(vonage_request(vonage_part(1, "hello "), nonce="n-p1"))
    (joined,) = first.inbound
    assert isinstance(joined, InboundMessage)
    assert joined.body == "hello world"
    assert joined.is_complete
    assert len(joined.raw["parts"]) == 2


# -- Plivo -------------------------------------------------------------------

AUTH_ID = "SAXXXXXXXXXXXXXXXXXX"
PLIVO_TOKEN = "plivo-test-token"
UUID = "6da4afba-2bcf-4a87-9eff-d2f88577b0f1"


def plivo_request(status: str, nonce: str) -> WebhookRequest:
    params = {
        "MessageUUID": UUID,
        "From": "14155550100",
        "To": "14155552671",
        "Type": "sms",
        "Status": status,
        "Units": "1",
    }
    url = PUBLIC + "/hooks/plivo"
    signature = plivo_signing.v3_signature(PLIVO_TOKEN, url, nonce, params)
    headers = {
        "X-Plivo-Signature-V3": signature,
        "X-Plivo-Signature-V3-Nonce": nonce,
    }
    return form_request(INTERNAL + "/hooks/plivo", list(params.items()), headers)


@pytest.fixture
def plivo() -> WebhookHandler:
    provider = Plivo(auth_id=AUTH_ID, auth_token=PLIVO_TOKEN)
    return WebhookHandler(provider, public_url=PUBLIC)


def test_plivo_nonce_replay_and_duplicates(plivo: WebhookHandler) -> None:
    first = plivo.handle(plivo_request("delivered", nonce="111"))
    (event,) = first.status_events
    assert isinstance(event, StatusEvent)
    assert (event.message_id, event.status) == (UUID, Status.DELIVERED)
    with pytest.raises(WebhookVerificationError, match="replayed nonce"):
        plivo.handle(plivo_request("delivered", nonce="111"))
    # A redelivery with a fresh nonce is a duplicate, not a new event.
    again = plivo.handle(plivo_request("delivered", nonce="222"))
    assert again.items == ()
    assert len(again.duplicates) == 1
    late = plivo.handle(plivo_request("sent", nonce="333"))
    assert len(late.stale) == 1


def test_plivo_wrong_secret_names_the_rebuilt_url() -> None:
    other = WebhookHandler(
        Plivo(auth_id=AUTH_ID, auth_token="another-token"), public_url=PUBLIC
    )
    with pytest.raises(WebhookVerificationError) as caught:
        other.handle(plivo_request("delivered", nonce="444"))
    text = str(caught.value)
    assert "https://hooks.example.com/hooks/plivo" in text
    assert "reached http://10.0.0.5:8000/hooks/plivo" in text
    assert "another-token" not in text
    assert PLIVO_TOKEN not in text
