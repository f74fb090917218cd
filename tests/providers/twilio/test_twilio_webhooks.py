"""Twilio webhooks: X-Twilio-Signature verification, parsing and replies.

The signatures below come from Twilio's documented algorithm: the worked
example of Twilio's security docs, the vectors of the official Python SDK's
validator tests (its port, repeated-key and JSON-body cases) and
providers.md §1.7. None is computed by the code under test.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import pickle
from urllib.parse import parse_qsl, urlencode

import pytest

import smskit
from smskit._models import InboundMessage, Status, StatusEvent
from smskit.providers import WebhookRequest
from smskit.providers.twilio import Twilio
from smskit.providers.twilio import _wire as wire
from smskit.providers.twilio._signing import body_url, signature
from smskit.providers.twilio._webhooks import EMPTY_TWIML, WebhookSecrets

ACCOUNT = "AC0123456789abcdef0123456789abcdef"
TOKEN = "12345"  # the Auth Token of Twilio's worked example
KEY = "SK0123456789abcdef0123456789abcdef"
NOW = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.timezone.utc)
FORM = "application/x-www-form-urlencoded"

# Twilio's security docs: this URL, Auth Token and these parameters.
DOCS_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOCS_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675310",
    "Digits": "1234",
    "From": "+14158675310",
    "To": "+18005551212",
}
DOCS_SIGNATURE = "GvWf1cFY/Q7PnoempGyD5oXAezc="

# The official Python SDK's validator tests: same URL and token.
SDK_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
    "Caller": "+14158675309",
}
SDK_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="

STATUS_URL = "https://example.com/sms/status?x=1"
STATUS_PARAMS = {
    "MessageSid": "SM1",
    "MessageStatus": "delivered",
    "To": "+14155550100",
}

SID = "SM0123456789abcdef0123456789abcdef"


def twilio(token: str = TOKEN, **options: object) -> Twilio:
    return Twilio(account_sid=ACCOUNT, auth_token=token, **options)  # type: ignore[arg-type]


def form_request(
    url: str,
    params: dict[str, str] | list[tuple[str, str]],
    signature_value: str | None,
    **headers: str,
) -> WebhookRequest:
    sent = {"Content-Type": f"{FORM}; charset=utf-8", **headers}
    if signature_value is not None:
        sent["X-Twilio-Signature"] = signature_value
    return WebhookRequest(
        method="POST", url=url, headers=sent, body=urlencode(params).encode()
    )


def signed_form(
    params: dict[str, str], url: str = STATUS_URL, token: str = TOKEN
) -> WebhookRequest:
    return form_request(url, params, signature(token, url, params))


# -- signatures: documented vectors ------------------------------------------------


def test_the_documented_example_verifies() -> None:
    twilio().verify_webhook(
        form_request(DOCS_URL, DOCS_PARAMS, DOCS_SIGNATURE), now=NOW
    )


def test_the_official_sdk_vector_verifies() -> None:
    twilio().verify_webhook(form_request(DOCS_URL, SDK_PARAMS, SDK_SIGNATURE), now=NOW)


@pytest.mark.parametrize(
    ("url", "signed"),
    [
        # The app sees a port Twilio did not sign: accepted without it.
        ("https://mycompany.com:1234/myapp.php?foo=1&bar=2", SDK_SIGNATURE),
        # Signed with the port on http (the SDK's vector).
        (
            "http://mycompany.com:1234/myapp.php?foo=1&bar=2",
            "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=",
        ),
        # Signed with the default port the app's URL leaves out.
        (DOCS_URL, "kvajT1Ptam85bY51eRf/AJRuM3w="),
        ("http://mycompany.com/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4="),
    ],
)
def test_the_url_is_tried_with_and_without_its_port(url: str, signed: str) -> None:
    twilio().verify_webhook(form_request(url, SDK_PARAMS, signed), now=NOW)


def test_repeated_keys_are_signed_sorted_and_deduplicated() -> None:
    # The SDK's vector for Digits=5678&Digits=1234&Digits=1234.
    params = [
        ("Sid", "CA123"),
        ("SidAccount", "AC123"),
        ("Digits", "5678"),
        ("Digits", "1234"),
        ("Digits", "1234"),
    ]
    request = form_request(DOCS_URL, params, "IK+Dwps556ElfBT0I3Rgjkr1wJU=")
    twilio().verify_webhook(request, now=NOW)


def test_a_json_body_is_verified_through_body_sha256() -> None:
    body = b'{"property": "value", "boolean": true}'
    digest = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
    assert digest == hashlib.sha256(body).hexdigest()
    request = WebhookRequest(
        method="POST",
        url=f"{DOCS_URL}&bodySHA256={digest}",
        headers={
            "Content-Type": "application/json",
            "X-Twilio-Signature": "a9nBmqA0ju/hNViExpshrM61xv4=",
        },
        body=body,
    )
    twilio().verify_webhook(request, now=NOW)


def test_the_providers_md_vectors_verify() -> None:
    twilio().verify_webhook(
        form_request(STATUS_URL, STATUS_PARAMS, "VMY5NVInciJTicRFVsg4Hg0VgFk="), now=NOW
    )
    json_request = WebhookRequest(
        method="POST",
        url=body_url("https://example.com/hook", b'{"a":1}'),
        headers={
            "Content-Type": "application/json",
            "X-Twilio-Signature": "2e7mH/NA6FwzvUqLZxhsETU/4bw=",
        },
        body=b'{"a":1}',
    )
    twilio().verify_webhook(json_request, now=NOW)


def test_a_shared_key_signs_with_hmac_sha256() -> None:
    provider = twilio("other-token", webhook_shared_keys={"KS1": "12345"})
    request = form_request(
        STATUS_URL,
        STATUS_PARAMS,
        "mvOBpLcgQMU7e/b/xqJ9I/ttY084bvrCCWtzSCp8Zfs=",
        **{"X-Twilio-Webhooks-Signature-Settings": "key=KS1,algorithm=HMAC_SHA256"},
    )
    provider.verify_webhook(request, now=NOW)


def test_a_get_signs_the_url_and_its_query() -> None:
    url = "https://example.com/sms?" + urlencode(
        {"MessageSid": SID, "From": "+14155550100", "To": "+14155550199", "Body": "Hi"}
    )
    request = WebhookRequest(
        method="GET", url=url, headers={"X-Twilio-Signature": signature("12345", url)}
    )
    provider = twilio()
    provider.verify_webhook(request, now=NOW)
    (message,) = provider.parse_webhook(request)
    assert isinstance(message, InboundMessage)
    assert ("+14155550100", "Hi") == (message.sender, message.body)


# -- signatures: refusals -----------------------------------------------------------


def refusal(provider: Twilio, request: WebhookRequest) -> str:
    with pytest.raises(smskit.WebhookVerificationError) as caught:
        provider.verify_webhook(request, now=NOW)
    text = str(caught.value)
    assert "12345" not in text  # never the token
    return text


def test_a_tampered_parameter_is_refused_naming_the_url() -> None:
    params = {**DOCS_PARAMS, "Digits": "9999"}
    text = refusal(twilio(), form_request(DOCS_URL, params, DOCS_SIGNATURE))
    # The URL is named, without its query values (a GET carries numbers there).
    assert "does not match for URL https://mycompany.com/myapp.php?foo=…&bar=…" in text
    assert "with and without :443" in text
    assert DOCS_SIGNATURE not in text


def test_an_added_parameter_is_refused() -> None:
    params = {**DOCS_PARAMS, "Extra": ""}
    refusal(twilio(), form_request(DOCS_URL, params, DOCS_SIGNATURE))


@pytest.mark.parametrize(
    "url",
    [
        "https://mycompany.com/myapp.php?foo=1&bar=3",
        "https://mycompany.com/other.php?foo=1&bar=2",
        "https://evil.example/myapp.php?foo=1&bar=2",
        "http://mycompany.com/myapp.php?foo=1&bar=2",
    ],
)
def test_a_changed_url_is_refused(url: str) -> None:
    text = refusal(twilio(), form_request(url, DOCS_PARAMS, DOCS_SIGNATURE))
    without_values = url.replace("foo=1", "foo=…").replace("bar=2", "bar=…")
    assert without_values.replace("bar=3", "bar=…") in text


def test_query_values_stay_out_of_the_refusal() -> None:
    url = "https://hooks.example.com/sms?From=%2B14155552671&Body=my+pin+is+4321"
    text = refusal(twilio(), WebhookRequest(method="GET", url=url, headers={}))
    assert "https://hooks.example.com/sms?From=…&Body=…" in text
    assert "4155552671" not in text
    assert "4321" not in text


def test_the_wrong_token_is_refused() -> None:
    refusal(twilio("54321"), form_request(DOCS_URL, DOCS_PARAMS, DOCS_SIGNATURE))


@pytest.mark.parametrize("value", [None, ""])
def test_a_missing_signature_is_refused(value: str | None) -> None:
    text = refusal(twilio(), form_request(DOCS_URL, DOCS_PARAMS, value))
    assert "X-Twilio-Signature header is missing" in text


def test_a_json_body_changed_under_the_same_signature_is_refused() -> None:
    url = body_url("https://example.com/hook", b'{"a":1}')
    request = WebhookRequest(
        method="POST",
        url=url,
        headers={
            "Content-Type": "application/json",
            "X-Twilio-Signature": "2e7mH/NA6FwzvUqLZxhsETU/4bw=",
        },
        body=b'{"a":2}',
    )
    assert "body hash mismatch" in refusal(twilio(), request)


def test_a_body_hash_is_checked_whatever_the_content_type() -> None:
    # Signed as a JSON body, relabelled as a form with other parameters.
    url = body_url("https://example.com/hook", b'{"a":1}')
    request = WebhookRequest(
        method="POST",
        url=url,
        headers={"Content-Type": FORM, "X-Twilio-Signature": signature("12345", url)},
        body=b"MessageStatus=delivered",
    )
    assert "body hash mismatch" in refusal(twilio(), request)


def test_a_json_body_without_body_sha256_is_refused() -> None:
    url = "https://example.com/hook"
    request = WebhookRequest(
        method="POST",
        url=url,
        headers={
            "Content-Type": "application/json",
            "X-Twilio-Signature": signature("12345", url),
        },
        body=b'{"a":1}',
    )
    text = refusal(twilio(), request)
    assert "application/json body without bodySHA256" in text


def test_an_unknown_shared_key_is_refused() -> None:
    provider = twilio(webhook_shared_keys={"KS1": "secret-one"})
    settings = {"X-Twilio-Webhooks-Signature-Settings": "key=KS2,algorithm=HMAC_SHA256"}
    text = refusal(
        provider, form_request(DOCS_URL, DOCS_PARAMS, DOCS_SIGNATURE, **settings)
    )
    assert "unknown key" in text
    assert "KS2" in text
    assert "secret-one" not in text


def test_a_shared_key_header_without_configured_keys_is_refused() -> None:
    settings = {"X-Twilio-Webhooks-Signature-Settings": "key=KS1,algorithm=HMAC_SHA256"}
    text = refusal(
        twilio(), form_request(DOCS_URL, DOCS_PARAMS, DOCS_SIGNATURE, **settings)
    )
    assert "unknown key" in text


def test_an_auth_token_signature_does_not_pass_as_a_shared_key_one() -> None:
    # The header says a shared key signed it: the Auth Token is not tried.
    provider = twilio(webhook_shared_keys={"KS1": "other"})
    settings = {"X-Twilio-Webhooks-Signature-Settings": "key=KS1,algorithm=HMAC_SHA256"}
    text = refusal(
        provider, form_request(DOCS_URL, DOCS_PARAMS, DOCS_SIGNATURE, **settings)
    )
    assert "shared key 'KS1'" in text


def test_an_unsupported_algorithm_is_refused() -> None:
    provider = twilio(webhook_shared_keys={"KS1": "12345"})
    settings = {"X-Twilio-Webhooks-Signature-Settings": "key=KS1,algorithm=MD5"}
    text = refusal(
        provider, form_request(DOCS_URL, DOCS_PARAMS, DOCS_SIGNATURE, **settings)
    )
    assert "algorithm 'MD5'" in text


def test_a_secondary_token_verifies_while_rotating() -> None:
    provider = twilio("new-primary", webhook_auth_tokens=["12345"])
    provider.verify_webhook(
        form_request(DOCS_URL, DOCS_PARAMS, DOCS_SIGNATURE), now=NOW
    )
    text = refusal(
        twilio("new-primary", webhook_auth_tokens="old-one"),
        form_request(DOCS_URL, DOCS_PARAMS, DOCS_SIGNATURE),
    )
    assert "2 Auth Tokens" in text
    assert "old-one" not in text
    assert "new-primary" not in text


def test_an_api_key_provider_needs_an_auth_token_to_verify() -> None:
    provider = Twilio(account_sid=ACCOUNT, api_key_sid=KEY, api_key_secret="s3cret")
    request = form_request(DOCS_URL, DOCS_PARAMS, DOCS_SIGNATURE)
    with pytest.raises(smskit.ConfigurationError, match="webhook_auth_tokens"):
        provider.verify_webhook(request, now=NOW)
    # The API secret is not an Auth Token; given one, it verifies.
    keyed = Twilio(
        account_sid=ACCOUNT,
        api_key_sid=KEY,
        api_key_secret="s3cret",
        webhook_auth_tokens=["12345"],
    )
    keyed.verify_webhook(request, now=NOW)


def test_credentials_in_the_url_are_dropped_before_signing_and_never_shown() -> None:
    url = "https://user:hunter2@mycompany.com/myapp.php?foo=1&bar=2"
    twilio().verify_webhook(form_request(url, DOCS_PARAMS, DOCS_SIGNATURE), now=NOW)
    text = refusal(twilio(), form_request(url, DOCS_PARAMS, "bad"))
    assert "hunter2" not in text
    assert "https://mycompany.com/myapp.php" in text


def test_an_ipv6_host_keeps_its_brackets() -> None:
    url = "https://[2001:db8::1]:8443/sms"
    params = {"MessageSid": SID}
    signed = signature("12345", "https://[2001:db8::1]/sms", params)
    twilio().verify_webhook(form_request(url, params, signed), now=NOW)


def test_a_form_body_that_is_not_utf8_is_a_payload_error() -> None:
    request = WebhookRequest(
        method="POST",
        url=STATUS_URL,
        headers={"Content-Type": FORM, "X-Twilio-Signature": "x"},
        body=b"Body=%FF%FE",
    )
    with pytest.raises(smskit.WebhookPayloadError, match="not UTF-8"):
        twilio().verify_webhook(request, now=NOW)


def test_unicode_values_are_signed_as_utf8() -> None:
    params = {"MessageSid": SID, "Body": "Grüße 👋", "From": "+1", "To": "+2"}
    request = signed_form(params)
    twilio().verify_webhook(request, now=NOW)
    (message,) = twilio().parse_webhook(request)
    assert isinstance(message, InboundMessage)
    assert "Grüße 👋" == message.body


# -- parsing: status callbacks ------------------------------------------------------


def status_callback(**extra: str) -> dict[str, str]:
    return {
        "SmsSid": SID,
        "SmsStatus": extra.get("MessageStatus", "sent"),
        "MessageStatus": "sent",
        "To": "+14155550100",
        "MessageSid": SID,
        "AccountSid": ACCOUNT,
        "From": "+15005550006",
        "ApiVersion": "2010-04-01",
        **extra,
    }


def parse_one(params: dict[str, str] | list[tuple[str, str]]) -> object:
    request = form_request(STATUS_URL, params, None)
    items = twilio().parse_webhook(request)
    assert 1 == len(items)
    return items[0]


@pytest.mark.parametrize(
    ("word", "status"),
    [(w, s) for w, s in wire.STATUSES.items() if s is not Status.RECEIVED],
)
def test_every_status_word(word: str, status: Status) -> None:
    event = parse_one(status_callback(MessageStatus=word))
    assert isinstance(event, StatusEvent)
    assert (status, word, SID, "twilio") == (
        event.status,
        event.raw_status,
        event.message_id,
        event.provider,
    )


def test_a_status_callback_in_full() -> None:
    params = status_callback(
        MessageStatus="undelivered", ErrorCode="30003", RawDlrDoneDate="2601020304"
    )
    event = parse_one(params)
    assert isinstance(event, StatusEvent)
    assert Status.UNDELIVERED == event.status
    assert ("+14155550100", "+15005550006") == (event.to, event.sender)
    assert "30003" == event.error_code
    assert "unreachable handset (off, no signal)" == event.error_message
    assert dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.timezone.utc) == event.occurred_at
    assert params == event.raw
    assert event.part_id is None


def test_an_unknown_status_word_is_kept_as_unknown() -> None:
    # A word newer than smskit must not make Twilio retry the callback.
    event = parse_one(status_callback(MessageStatus="Teleported"))
    assert isinstance(event, StatusEvent)
    assert (Status.UNKNOWN, "Teleported") == (event.status, event.raw_status)


@pytest.mark.parametrize("value", ["26010203", "2613450000", "soon", "260102030405x"])
def test_an_unreadable_dlr_done_date_leaves_occurred_at_empty(value: str) -> None:
    event = parse_one(status_callback(MessageStatus="delivered", RawDlrDoneDate=value))
    assert isinstance(event, StatusEvent)
    assert event.occurred_at is None
    assert value == event.raw["RawDlrDoneDate"]


def test_a_dlr_done_date_with_seconds() -> None:
    event = parse_one(
        status_callback(MessageStatus="delivered", RawDlrDoneDate="260102030459")
    )
    assert isinstance(event, StatusEvent)
    assert (
        dt.datetime(2026, 1, 2, 3, 4, 59, tzinfo=dt.timezone.utc) == event.occurred_at
    )


def test_sms_sid_and_sms_status_alone_suffice() -> None:
    event = parse_one({"SmsSid": SID, "SmsStatus": "delivered"})
    assert isinstance(event, StatusEvent)
    assert (SID, Status.DELIVERED) == (event.message_id, event.status)


def test_a_status_callback_without_a_sid_names_it() -> None:
    with pytest.raises(smskit.WebhookPayloadError, match="MessageSid"):
        parse_one({"MessageStatus": "sent"})


def test_a_payload_with_neither_status_nor_body_is_refused() -> None:
    with pytest.raises(smskit.WebhookPayloadError, match=r"MessageStatus.*Body"):
        parse_one({"MessageSid": SID})


def test_repeated_keys_are_kept_as_lists_in_raw() -> None:
    params = [*status_callback().items(), ("Tag", "a"), ("Tag", "b")]
    event = parse_one(params)
    assert isinstance(event, StatusEvent)
    assert ["a", "b"] == event.raw["Tag"]


# -- parsing: incoming messages -----------------------------------------------------


def inbound(**extra: str) -> dict[str, str]:
    return {
        "ToCountry": "US",
        "SmsMessageSid": SID,
        "NumMedia": "0",
        "SmsSid": SID,
        "SmsStatus": "received",
        "Body": "  Stop  ",
        "To": "+14155550199",
        "NumSegments": "2",
        "MessageSid": SID,
        "AccountSid": ACCOUNT,
        "From": "+14155550100",
        "ApiVersion": "2010-04-01",
        **extra,
    }


def test_an_incoming_message() -> None:
    message = parse_one(inbound())
    assert isinstance(message, InboundMessage)
    assert (SID, "twilio", "+14155550100", "+14155550199") == (
        message.id,
        message.provider,
        message.sender,
        message.to,
    )
    assert "  Stop  " == message.body  # exactly as sent
    assert 2 == message.segments
    assert "opt_out" == message.intent
    assert inbound() == message.raw
    assert not message.is_part


def test_a_body_without_a_status_is_an_incoming_message() -> None:
    params = {"MessageSid": SID, "From": "+1", "To": "+2", "Body": ""}
    message = parse_one(params)
    assert isinstance(message, InboundMessage)
    assert "" == message.body


def test_zero_segments_means_unknown() -> None:
    message = parse_one(inbound(NumSegments="0", NumMedia="1", Body=""))
    assert isinstance(message, InboundMessage)
    assert message.segments is None


def test_malformed_segments_are_named() -> None:
    with pytest.raises(smskit.WebhookPayloadError, match="NumSegments"):
        parse_one(inbound(NumSegments="two"))


@pytest.mark.parametrize("missing", ["From", "To"])
def test_an_incoming_message_without_a_party_names_it(missing: str) -> None:
    params = inbound()
    del params[missing]
    with pytest.raises(smskit.WebhookPayloadError, match=missing):
        parse_one(params)


def test_an_incoming_message_without_any_sid() -> None:
    params = {k: v for k, v in inbound().items() if "Sid" not in k or k == "AccountSid"}
    with pytest.raises(smskit.WebhookPayloadError, match="MessageSid"):
        parse_one(params)


def test_json_bodies_are_parsed() -> None:
    body = json.dumps(
        {"MessageSid": SID, "MessageStatus": "failed", "ErrorCode": 30007}
    )
    request = WebhookRequest(
        method="POST",
        url="https://e.com/h",
        headers={"Content-Type": "application/json"},
        body=body.encode(),
    )
    (event,) = twilio().parse_webhook(request)
    assert isinstance(event, StatusEvent)
    assert (Status.FAILED, "30007") == (event.status, event.error_code)
    assert 30007 == event.raw["ErrorCode"]


@pytest.mark.parametrize(
    ("content_type", "body", "match"),
    [
        ("application/json", b"{not json", "not valid JSON"),
        ("application/json", b"[1, 2]", "list, not an object"),
        ("text/plain", b"hello", "'text/plain'"),
        (FORM, b"Body=%C3", "not UTF-8"),
    ],
)
def test_malformed_bodies_are_payload_errors(
    content_type: str, body: bytes, match: str
) -> None:
    request = WebhookRequest(
        method="POST",
        url="https://e.com/h",
        headers={"Content-Type": content_type},
        body=body,
    )
    with pytest.raises(smskit.WebhookPayloadError, match=match):
        twilio().parse_webhook(request)


# -- replies, nonce, configuration ---------------------------------------------------


def test_replies() -> None:
    provider = twilio()
    message = parse_one(inbound())
    event = parse_one(status_callback())
    assert isinstance(message, InboundMessage)
    assert isinstance(event, StatusEvent)
    to_inbound = provider.webhook_reply((message,))
    assert (200, "text/xml", EMPTY_TWIML) == (
        to_inbound.status,
        to_inbound.content_type,
        to_inbound.body,
    )
    assert b"<Response></Response>" in EMPTY_TWIML
    assert 204 == provider.webhook_reply((event,)).status
    assert b"" == provider.webhook_reply(()).body


def test_there_is_no_nonce() -> None:
    request = form_request(DOCS_URL, DOCS_PARAMS, DOCS_SIGNATURE)
    assert twilio().webhook_nonce(request) is None


def test_verify_then_parse_what_twilio_signs() -> None:
    params = inbound()
    request = signed_form(params, url="https://hooks.example.com/twilio/sms")
    provider = twilio()
    provider.verify_webhook(request, now=NOW)
    (message,) = provider.parse_webhook(request)
    assert isinstance(message, InboundMessage)


def test_webhook_secrets_stay_hidden() -> None:
    provider = twilio(
        "primary-token-0000",
        webhook_auth_tokens=["secondary-token-1111"],
        webhook_shared_keys={"KS1": "shared-secret-2222"},
    )
    shown = repr(provider) + str(vars(provider))
    for secret in ("primary-token-0000", "secondary-token-1111", "shared-secret-2222"):
        assert secret not in shown
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(WebhookSecrets(["x"]))


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"webhook_auth_tokens": 12345}, smskit.OptionTypeError),
        ({"webhook_auth_tokens": [b"s3cr3t-value"]}, smskit.OptionTypeError),
        ({"webhook_auth_tokens": [" "]}, smskit.ConfigurationError),
        ({"webhook_shared_keys": ["KS1"]}, smskit.OptionTypeError),
        ({"webhook_shared_keys": {"": "s3cr3t-value"}}, smskit.ConfigurationError),
        ({"webhook_shared_keys": {"KS1": None}}, smskit.OptionTypeError),
    ],
)
def test_bad_webhook_options_are_refused(
    options: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error) as caught:
        twilio(**options)
    assert "s3cr3t" not in str(caught.value)
    assert "webhook_" in str(caught.value)


@pytest.mark.parametrize(
    "body",
    [
        "a=1&b=2",
        "a=&b",
        "a=1&&b=2&",
        "x+y=1+2&%2B=%2b&name=%C3%A9t%C3%A9",
        "=value&k=v=w",
        "Body=Hello%20World%21&Body=again",
        "",
    ],
)
def test_form_bodies_read_as_frameworks_read_them(body: str) -> None:
    # Twilio signs the decoded values the frameworks hand to its validator.
    expected = parse_qsl(body, keep_blank_values=True)
    request = WebhookRequest(
        method="POST",
        url=STATUS_URL,
        headers={"Content-Type": FORM},
        body=body.encode() + b"&SmsSid=SM1&SmsStatus=sent",
    )
    (event,) = twilio().parse_webhook(request)
    grouped: dict[str, object] = {}
    for name, value in [*expected, ("SmsSid", "SM1"), ("SmsStatus", "sent")]:
        old = grouped.get(name)
        grouped[name] = (
            value
            if old is None
            else [*old, value]
            if isinstance(old, list)
            else [old, value]
        )
    assert grouped == event.raw
