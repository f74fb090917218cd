"""Plivo webhooks: V3/V2 signatures checked, callbacks and inbound SMS read.

The vectors were computed by Plivo's documented algorithm (providers.md
§3.6) and, where marked, by plivo-python 4.63's own ``construct_*_url`` and
``get_signature_v3`` / ``validate_signature``; they are fixed here so the
tests read nothing from outside the repository.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import pytest

from smskit._exceptions import (
    OptionTypeError,
    WebhookError,
    WebhookPayloadError,
    WebhookVerificationError,
)
from smskit._models import InboundMessage, Message, Status, StatusEvent
from smskit.providers._protocol import SupportsWebhooks, WebhookRequest
from smskit.providers.plivo import Plivo, _webhooks
from smskit.providers.plivo import _signing as signing

AUTH_ID = "SAXXXXXXXXXXXXXXXXXX"
TOKEN = "sk-token-A"
MAIN_TOKEN = "main-account-token-B"
NOW = dt.datetime(2026, 2, 1, 12, 0, tzinfo=dt.timezone.utc)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
STATUS_URL = "https://hooks.example.com/plivo/status"
UUID = "6da4afba-2bcf-4a87-9eff-d2f88577b0f1"


def plivo(**options: object) -> Plivo:
    return Plivo(auth_id=AUTH_ID, auth_token=TOKEN, **options)  # type: ignore[arg-type]


def post(
    url: str,
    params: list[tuple[str, str]] | dict[str, str],
    headers: dict[str, str],
) -> WebhookRequest:
    body = urlencode(params).encode()
    given = {name: value for name, value in headers.items() if name != "content-type"}
    return WebhookRequest(method="POST", url=url, headers={**FORM, **given}, body=body)


def signed_post(
    params: dict[str, str],
    *,
    url: str = STATUS_URL,
    token: str = TOKEN,
    nonce: str = "n0nce",
) -> WebhookRequest:
    signature = signing.v3_signature(token, url, nonce, params)
    headers = {_webhooks.V3: signature, _webhooks.V3_NONCE: nonce}
    return post(url, params, headers)


def signed_get(
    params: dict[str, str], *, url: str = STATUS_URL, nonce: str = "n0nce"
) -> WebhookRequest:
    final = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
    signature = signing.v3_signature(TOKEN, final, nonce, method="GET")
    headers = {_webhooks.V3: signature, _webhooks.V3_NONCE: nonce}
    return WebhookRequest(method="GET", url=final, headers=headers)


def callback(**fields: str) -> dict[str, str]:
    """A status callback's parameters, as Plivo posts them."""
    return {
        "MessageUUID": UUID,
        "ParentMessageUUID": UUID,
        "From": "14155550100",
        "To": "14155552671",
        "Type": "sms",
        "Status": "delivered",
        "Units": "1",
        "TotalRate": "0.00500",
        "TotalAmount": "0.00500",
        "MCC": "310",
        "MNC": "260",
        "Sequence": "2",
        "MessageTime": "2026-02-01 11:59:00.120000",
        "QueuedTime": "2026-02-01 11:59:00.250000",
        "SentTime": "2026-02-01 11:59:01.500000",
        "DeliveryReportTime": "2026-02-01 11:59:04.750000",
        **fields,
    }


def inbound(**fields: str) -> dict[str, str]:
    return {
        "From": "14155552671",
        "To": "14155550100",
        "Type": "sms",
        "Text": "Hello there",
        "MessageUUID": UUID,
        "Units": "1",
        "TotalRate": "0.00000",
        "TotalAmount": "0.00000",
        "MessageIntent": "",
        "PowerpackUUID": "",
        **fields,
    }


# -- vectors ------------------------------------------------------------------


class TestVectors:
    def test_v3_post_from_the_protocol_notes(self) -> None:
        request = post(
            "https://example.com/plivo/status/",
            {"MessageUUID": "u1", "Status": "delivered"},
            {
                _webhooks.V3: "CHxMHqlcKLzQS1mUhDOu7CmPyMnPefB4epubbfkNpoM=",
                _webhooks.V3_NONCE: "12345",
            },
        )
        _webhooks.verify(request, ["token"])

    def test_v3_get_from_the_protocol_notes(self) -> None:
        request = WebhookRequest(
            method="GET",
            url="https://example.com/plivo/status/?Status=delivered&MessageUUID=u1",
            headers={
                _webhooks.V3: "JU4KZJEp8UlzIQxMo5wDqGZm/2qMBmvq45gqvLen6Po=",
                _webhooks.V3_NONCE: "12345",
            },
        )
        _webhooks.verify(request, ["token"])

    def test_v3_post_with_url_query_unicode_and_blank_value(self) -> None:
        """plivo-python: URL query sorted then ".", body pairs concatenated."""
        params = [
            ("MessageUUID", UUID),
            ("Status", "delivered"),
            ("To", "14155552671"),
            ("From", "14155550100"),
            ("Text", "héllo wörld ☃"),
            ("Empty", ""),
        ]
        request = post(
            "https://hooks.example.com/plivo/status?tenant=acme&b=2",
            params,
            {
                _webhooks.V3: "SaXPv8d5HDm1F5MuKJZXCIz+c2qTNbAmEv+uJ4xnQ+s=",
                _webhooks.V3_NONCE: "31415926535897932384",
            },
        )
        _webhooks.verify(request, [TOKEN])

    def test_v3_get_with_repeated_blank_and_escaped_values(self) -> None:
        """plivo-python: GET signs each decoded query pair, by name then value."""
        request = WebhookRequest(
            method="GET",
            url=(
                "https://hooks.example.com/plivo/status?tenant=acme&Status=sent"
                "&MessageUUID=u1&k=2&k=1&blank=&sp=a+b%26c"
            ),
            headers={
                _webhooks.V3: "jgdZMU0Vlhb8uDwxBrbM6y04VAf1dQhOarzO3ZLuKhc=",
                _webhooks.V3_NONCE: "27182818284590452353",
            },
        )
        _webhooks.verify(request, [TOKEN])

    def test_v3_json_body(self) -> None:
        """plivo-python on a decoded JSON body: nested objects, lists, True, numbers."""
        body = {
            "MessageUUID": "u1",
            "Status": "sent",
            "Units": 2,
            "Flag": True,
            "Nested": {"b": "2", "a": 1},
            "List": ["b", "a"],
        }
        request = WebhookRequest(
            method="POST",
            url="https://hooks.example.com/plivo/json",
            headers={
                "Content-Type": "application/json",
                _webhooks.V3: "ja6yt2rXyp0/lQgYREL1kXtXLJNDju2Upq/y+J2+Wiw=",
                _webhooks.V3_NONCE: "nonce-json",
            },
            body=json.dumps(body).encode(),
        )
        _webhooks.verify(request, [TOKEN])

    def test_v2_from_the_protocol_notes(self) -> None:
        request = post(
            "https://example.com/plivo/status/?ignored=1",
            {"anything": "unsigned"},
            {
                _webhooks.V2: "fZa4xjRNlFw3r0F8JqlHF3SCeY8e5CC52C1z3IuPr2U=",
                _webhooks.V2_NONCE: "12345",
            },
        )
        _webhooks.verify(request, ["token"], accept_v2=True)

    def test_v2_from_plivo_python_tests(self) -> None:
        request = WebhookRequest(
            method="POST",
            url="https://answer.url",
            headers={
                _webhooks.V2: "ehV3IKhLysWBxC1sy8INm0qGoQYdYsHwuoKjsX7FsXc=",
                _webhooks.V2_NONCE: "12345",
            },
        )
        _webhooks.verify(request, ["my_auth_token"], accept_v2=True)
        with pytest.raises(WebhookVerificationError):
            _webhooks.verify(request, ["my_auth_tokens"], accept_v2=True)

    def test_path_parameters_are_dropped_like_plivo_python(self) -> None:
        assert "https://e.com/a;b/c?x=1" == signing.v3_base("https://e.com/a;b/c;d?x=1")


# -- verification ---------------------------------------------------------------


class TestVerify:
    def test_signed_post_and_get_pass(self) -> None:
        provider = plivo()
        provider.verify_webhook(signed_post(callback()), now=NOW)
        provider.verify_webhook(signed_get(callback()), now=NOW)

    def test_any_of_several_signatures_in_the_header(self) -> None:
        request = signed_post(callback())
        good = request.header(_webhooks.V3)
        for header in (f"AAAA,{good}", f"bogus=, {good} ,x", f"{good},other"):
            headers = {**request.headers, _webhooks.V3: header}
            plivo().verify_webhook(_with(request, headers=headers), now=NOW)

    def test_only_wrong_signatures_in_the_header_fail(self) -> None:
        request = signed_post(callback(), token="other")
        good = signing.v3_signature("other", STATUS_URL, "n0nce", callback())
        headers = {**request.headers, _webhooks.V3: f"a,b,{good}"}
        with pytest.raises(WebhookVerificationError, match="does not match"):
            plivo().verify_webhook(_with(request, headers=headers), now=NOW)

    def test_main_account_signature_with_a_second_token(self) -> None:
        """A subaccount's app: Ma-V3 is signed with the main account's token."""
        params = callback()
        main = signing.v3_signature(MAIN_TOKEN, STATUS_URL, "n1", params)
        headers = {
            _webhooks.V3: "c29tZXRoaW5nIGVsc2U=",
            _webhooks.MA_V3: main,
            _webhooks.V3_NONCE: "n1",
        }
        request = post(STATUS_URL, params, headers)
        with pytest.raises(WebhookVerificationError):
            plivo().verify_webhook(request, now=NOW)
        plivo(webhook_auth_tokens=[MAIN_TOKEN]).verify_webhook(request, now=NOW)

    def test_rotated_token(self) -> None:
        request = signed_post(callback(), token="old-token")
        plivo(webhook_auth_tokens=("old-token",)).verify_webhook(request, now=NOW)

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("Status", "undelivered"),
            ("To", "14155550199"),
            ("TotalAmount", "0.00000"),
            ("Extra", "added"),
        ],
    )
    def test_tampered_parameter(self, name: str, value: str) -> None:
        request = signed_post(callback())
        tampered = post(STATUS_URL, {**callback(), name: value}, dict(request.headers))
        with pytest.raises(WebhookVerificationError, match="does not match"):
            plivo().verify_webhook(tampered, now=NOW)

    def test_tampered_get_query(self) -> None:
        request = signed_get(callback())
        url = request.url.replace("Status=delivered", "Status=failed")
        with pytest.raises(WebhookVerificationError, match="does not match"):
            plivo().verify_webhook(_with(request, url=url), now=NOW)

    def test_dropped_parameter(self) -> None:
        params = callback()
        request = signed_post(params)
        del params["ErrorCode" if "ErrorCode" in params else "MCC"]
        with pytest.raises(WebhookVerificationError):
            plivo().verify_webhook(
                post(STATUS_URL, params, dict(request.headers)), now=NOW
            )

    @pytest.mark.parametrize(
        "url",
        [
            "https://hooks.example.com/plivo/status/",
            "http://hooks.example.com/plivo/status",
            "https://evil.example.com/plivo/status",
            "https://hooks.example.com:8443/plivo/status",
            "https://hooks.example.com/plivo/status?tenant=other",
        ],
    )
    def test_changed_url(self, url: str) -> None:
        request = _with(signed_post(callback()), url=url)
        with pytest.raises(WebhookVerificationError) as caught:
            plivo().verify_webhook(request, now=NOW)
        shown = url.split("?", maxsplit=1)[0]
        assert f"for URL POST {shown}" in str(caught.value)

    def test_wrong_token(self) -> None:
        request = signed_post(callback(), token="not-the-token")
        with pytest.raises(WebhookVerificationError, match="the Auth Token"):
            plivo().verify_webhook(request, now=NOW)

    def test_changed_nonce(self) -> None:
        request = signed_post(callback())
        headers = {**request.headers, _webhooks.V3_NONCE: "another"}
        with pytest.raises(WebhookVerificationError):
            plivo().verify_webhook(_with(request, headers=headers), now=NOW)

    def test_missing_signature(self) -> None:
        request = post(STATUS_URL, callback(), {})
        with pytest.raises(WebhookVerificationError, match="no X-Plivo-Signature-V3"):
            plivo().verify_webhook(request, now=NOW)

    def test_missing_nonce(self) -> None:
        request = signed_post(callback())
        headers = {k: v for k, v in request.headers.items() if "nonce" not in k}
        with pytest.raises(WebhookVerificationError, match="V3-Nonce"):
            plivo().verify_webhook(_with(request, headers=headers), now=NOW)

    def test_no_token(self) -> None:
        with pytest.raises(WebhookVerificationError, match="no Auth Token"):
            _webhooks.verify(signed_post(callback()), [])

    def test_header_names_ignore_case(self) -> None:
        request = signed_post(callback())
        headers = {name.upper(): value for name, value in request.headers.items()}
        plivo().verify_webhook(_with(request, headers=headers), now=NOW)

    def test_v3_wins_over_v2(self) -> None:
        """With V3 present a valid V2 does not rescue a tampered body."""
        request = signed_post(callback())
        v2 = signing.v2_signature(TOKEN, STATUS_URL, "n0nce")
        headers = {**request.headers, _webhooks.V2: v2, _webhooks.V2_NONCE: "n0nce"}
        tampered = post(STATUS_URL, callback(Status="failed"), headers)
        with pytest.raises(WebhookVerificationError, match="V3 does not match"):
            plivo(accept_v2=True).verify_webhook(tampered, now=NOW)

    def test_errors_show_no_secret_no_signature_no_numbers(self) -> None:
        request = signed_get(callback(), url=STATUS_URL + "?tenant=acme")
        expected = request.header(_webhooks.V3)
        other = Plivo(auth_id=AUTH_ID, auth_token="another-secret-token")
        with pytest.raises(WebhookVerificationError) as caught:
            other.verify_webhook(request, now=NOW)
        text = str(caught.value)
        assert f"GET {STATUS_URL} with its query" in text
        assert expected is not None
        for hidden in ("another-secret-token", TOKEN, expected, "14155552671"):
            assert hidden not in text

    def test_errors_are_value_errors(self) -> None:
        with pytest.raises(ValueError, match="plivo"):
            plivo().verify_webhook(post(STATUS_URL, {}, {}), now=NOW)


class TestV2:
    def _v2(self, params: dict[str, str], *, token: str = TOKEN) -> WebhookRequest:
        signature = signing.v2_signature(token, STATUS_URL, "n2")
        headers = {_webhooks.V2: signature, _webhooks.V2_NONCE: "n2"}
        return post(STATUS_URL, params, headers)

    def test_refused_by_default_with_the_reason(self) -> None:
        with pytest.raises(WebhookVerificationError) as caught:
            plivo().verify_webhook(self._v2(callback()), now=NOW)
        assert "covers the URL and not the parameters" in str(caught.value)
        assert "accept_v2=True" in str(caught.value)

    def test_accepted_when_asked_and_it_covers_only_the_url(self) -> None:
        provider = plivo(accept_v2=True)
        assert provider.accept_v2
        provider.verify_webhook(self._v2(callback()), now=NOW)
        # The body is not covered: the documented weakness of V2.
        provider.verify_webhook(self._v2(callback(Status="failed")), now=NOW)

    def test_wrong_token_or_url(self) -> None:
        provider = plivo(accept_v2=True)
        with pytest.raises(WebhookVerificationError, match="V2 does not match"):
            provider.verify_webhook(self._v2(callback(), token="x"), now=NOW)
        moved = _with(self._v2(callback()), url=STATUS_URL + "/other")
        with pytest.raises(WebhookVerificationError, match="V2 does not match"):
            provider.verify_webhook(moved, now=NOW)

    def test_main_account_v2(self) -> None:
        headers = {
            _webhooks.MA_V2: signing.v2_signature(MAIN_TOKEN, STATUS_URL, "n2"),
            _webhooks.V2_NONCE: "n2",
        }
        provider = plivo(accept_v2=True, webhook_auth_tokens=[MAIN_TOKEN])
        provider.verify_webhook(post(STATUS_URL, callback(), headers), now=NOW)

    def test_missing_nonce(self) -> None:
        request = self._v2(callback())
        headers = {_webhooks.V2: request.header(_webhooks.V2) or ""}
        with pytest.raises(WebhookVerificationError, match="V2-Nonce"):
            plivo(accept_v2=True).verify_webhook(
                _with(request, headers=headers), now=NOW
            )


# -- parsing --------------------------------------------------------------------


class TestParseStatus:
    @pytest.mark.parametrize(
        ("word", "status"),
        [
            ("queued", Status.QUEUED),
            ("sent", Status.SENT),
            ("delivered", Status.DELIVERED),
            ("undelivered", Status.UNDELIVERED),
            ("failed", Status.FAILED),
            ("rejected", Status.REJECTED),
            ("read", Status.READ),
            ("something-new", Status.UNKNOWN),
        ],
    )
    def test_every_status_word(self, word: str, status: Status) -> None:
        (event,) = plivo().parse_webhook(signed_post(callback(Status=word)))
        assert isinstance(event, StatusEvent)
        assert (status, word) == (event.status, event.raw_status)

    def test_fields(self) -> None:
        (event,) = plivo().parse_webhook(signed_post(callback()))
        assert isinstance(event, StatusEvent)
        assert (UUID, None, "plivo") == (
            event.message_id,
            event.part_id,
            event.provider,
        )
        assert ("+14155552671", "+14155550100") == (event.to, event.sender)
        assert (Decimal("0.005"), "USD") == (event.price, event.currency)
        assert dt.datetime(2026, 2, 1, 11, 59, 4, 750000, tzinfo=dt.timezone.utc) == (
            event.occurred_at
        )
        assert (None, None) == (event.error_code, event.error_message)
        assert callback() == event.raw

    def test_error_code_kept_and_described(self) -> None:
        params = callback(Status="undelivered", ErrorCode="80", TotalAmount="0.00000")
        (event,) = plivo().parse_webhook(signed_post(params))
        assert isinstance(event, StatusEvent)
        assert ("80", "destination temporarily unavailable") == (
            event.error_code,
            event.error_message,
        )
        assert (None, None) == (event.price, event.currency)

    def test_unknown_error_code_is_kept(self) -> None:
        (event,) = _webhooks.parse(
            signed_post(callback(Status="failed", ErrorCode="451"))
        )
        assert isinstance(event, StatusEvent)
        assert ("451", None) == (event.error_code, event.error_message)

    def test_no_error_code_000(self) -> None:
        (event,) = _webhooks.parse(signed_post(callback(ErrorCode="000")))
        assert isinstance(event, StatusEvent)
        assert event.error_code is None

    def test_time_of_the_latest_stage(self) -> None:
        params = callback(Status="sent", DeliveryReportTime="")
        (event,) = _webhooks.parse(signed_post(params))
        assert isinstance(event, StatusEvent)
        assert event.occurred_at == dt.datetime(
            2026, 2, 1, 11, 59, 1, 500000, tzinfo=dt.timezone.utc
        )
        bare = {k: v for k, v in callback().items() if not k.endswith("Time")}
        (event,) = _webhooks.parse(signed_post(bare))
        assert isinstance(event, StatusEvent)
        assert event.occurred_at is None

    def test_by_get(self) -> None:
        request = signed_get(
            callback(Status="failed", ErrorCode="1000"), url=STATUS_URL + "?tenant=a"
        )
        plivo().verify_webhook(request, now=NOW)
        (event,) = plivo().parse_webhook(request)
        assert isinstance(event, StatusEvent)
        assert (Status.FAILED, "1000") == (event.status, event.error_code)
        assert "a" == event.raw["tenant"]

    def test_by_json(self) -> None:
        data = {**callback(), "Units": 1, "TotalAmount": 0.01}
        request = WebhookRequest(
            method="POST",
            url=STATUS_URL,
            headers={"content-type": "application/json; charset=utf-8"},
            body=json.dumps(data).encode(),
        )
        (event,) = plivo().parse_webhook(request)
        assert isinstance(event, StatusEvent)
        assert (Status.DELIVERED, Decimal("0.01")) == (event.status, event.price)
        assert data == event.raw

    def test_repeated_parameter_first_value_read_all_kept(self) -> None:
        pairs = [*callback().items(), ("MCC", "311")]
        (event,) = _webhooks.parse(post(STATUS_URL, pairs, {}))
        assert isinstance(event, StatusEvent)
        assert ["310", "311"] == event.raw["MCC"]

    def test_the_reducer_takes_it(self) -> None:
        """A parsed callback applies to the message that was sent."""
        message = Message(
            id=UUID, provider="plivo", to="+14155552671", status=Status.SENT
        )
        (event,) = _webhooks.parse(signed_post(callback()))
        assert isinstance(event, StatusEvent)
        assert Status.DELIVERED is message.apply(event).status
        (late,) = _webhooks.parse(signed_post(callback(Status="sent")))
        assert isinstance(late, StatusEvent)
        assert Status.DELIVERED is message.apply(event).apply(late).status


class TestParseInbound:
    def test_sms(self) -> None:
        (message,) = plivo().parse_webhook(
            signed_post(inbound(), url="https://h.example/in")
        )
        assert isinstance(message, InboundMessage)
        assert (UUID, "+14155552671", "+14155550100", "Hello there", 1) == (
            message.id,
            message.sender,
            message.to,
            message.body,
            message.segments,
        )
        assert not message.is_part
        assert inbound() == message.raw

    @pytest.mark.parametrize(
        ("text", "intent"),
        [("STOP", "opt_out"), ("start", "opt_in"), ("Help", "help"), ("hi", None)],
    )
    def test_opt_keywords(self, text: str, intent: str | None) -> None:
        (message,) = _webhooks.parse(signed_post(inbound(Text=text)))
        assert isinstance(message, InboundMessage)
        assert intent == message.intent

    def test_mms_body_and_long_units(self) -> None:
        params = inbound(Type="mms", Units="3", MediaCount="1", Media1="https://m/1")
        del params["Text"]
        params["Body"] = "a picture"
        (message,) = _webhooks.parse(signed_post(params))
        assert isinstance(message, InboundMessage)
        assert ("a picture", 3) == (message.body, message.segments)

    def test_media_only(self) -> None:
        params = inbound(MediaCount="1")
        del params["Text"]
        (message,) = _webhooks.parse(signed_post(params))
        assert isinstance(message, InboundMessage)
        assert "" == message.body

    def test_received_status_is_inbound(self) -> None:
        (message,) = _webhooks.parse(signed_post(inbound(Status="received")))
        assert isinstance(message, InboundMessage)

    def test_alphanumeric_sender_kept(self) -> None:
        (message,) = _webhooks.parse(signed_post(inbound(From="ACME")))
        assert isinstance(message, InboundMessage)
        assert "ACME" == message.sender

    def test_json(self) -> None:
        request = WebhookRequest(
            method="POST",
            url="https://h.example/in",
            headers={"Content-Type": "application/json"},
            body=json.dumps(inbound()).encode(),
        )
        (message,) = _webhooks.parse(request)
        assert isinstance(message, InboundMessage)
        assert "Hello there" == message.body


class TestFormDecoding:
    @pytest.mark.parametrize(
        "form",
        [
            "a=1&b=2",
            "a&=x&&b=",
            "a=b=c&a=%3D",
            "sp=a+b%2Bc%26d&u=%C3%A9%E2%98%83",
            "Text=" + "x" * 9000 + "&Status=sent&Text=y",
        ],
    )
    def test_reads_form_data_as_parse_qsl_does(self, form: str) -> None:
        expected: dict[str, list[str]] = {}
        for name, value in parse_qsl(form, keep_blank_values=True):
            expected.setdefault(name, []).append(value)
        request = WebhookRequest(method="POST", url=STATUS_URL, body=form.encode())
        read = {k: list(v) for k, v in _webhooks._payload(request).items()}
        assert expected == read
        get = WebhookRequest(method="GET", url=f"{STATUS_URL}?{form}")
        assert expected == {k: list(v) for k, v in _webhooks._payload(get).items()}

    def test_long_form_is_verified_and_read(self) -> None:
        request = signed_post(inbound(Text="long " * 2000))
        plivo().verify_webhook(request, now=NOW)
        (message,) = plivo().parse_webhook(request)
        assert isinstance(message, InboundMessage)
        assert 10000 == len(message.body)

    def test_json_lists_stay_lists_in_raw(self) -> None:
        data = {**inbound(), "Media": ["https://m/1"]}
        request = WebhookRequest(
            method="POST",
            url=STATUS_URL,
            headers={"Content-Type": "application/json"},
            body=json.dumps(data).encode(),
        )
        (message,) = _webhooks.parse(request)
        assert ["https://m/1"] == message.raw["Media"]


class TestMalformed:
    @pytest.mark.parametrize(
        ("params", "match"),
        [
            ({"Status": "sent"}, "no MessageUUID"),
            (callback(MessageUUID=""), "no MessageUUID"),
            ({"Type": "sms"}, "neither a status callback"),
            ({}, "neither a status callback"),
            (
                callback(DeliveryReportTime="yesterday"),
                "DeliveryReportTime is not a time",
            ),
            (callback(TotalAmount="free"), "TotalAmount is not an amount"),
            (callback(TotalAmount="-1"), "TotalAmount is not an amount"),
            (callback(TotalAmount="NaN"), "TotalAmount is not an amount"),
            (inbound(From=""), "no From"),
            ({k: v for k, v in inbound().items() if k != "To"}, "no To"),
            (inbound(Units="many"), "Units is not a count"),
            (inbound(Units="0"), "Units is not a count"),
        ],
    )
    def test_fields(self, params: dict[str, str], match: str) -> None:
        request = signed_post(params)
        plivo().verify_webhook(request, now=NOW)
        with pytest.raises(WebhookPayloadError, match=match):
            plivo().parse_webhook(request)

    @pytest.mark.parametrize(
        ("content_type", "body", "match"),
        [
            ("application/json", b"{not json", "cannot be decoded"),
            ("application/json", b"[1, 2]", "a list, not an object"),
            (
                "application/json",
                b'{"MessageUUID": ["a"], "Status": {"x": 1}}',
                "Status is not",
            ),
            ("application/x-www-form-urlencoded", b"Text=\xff\xfe", "not UTF-8"),
            ("application/x-www-form-urlencoded", b"Text=%FF", "not UTF-8"),
            ("multipart/form-data; boundary=x", b"--x--", "multipart/form-data"),
        ],
    )
    def test_bodies(self, content_type: str, body: bytes, match: str) -> None:
        request = WebhookRequest(
            method="POST",
            url=STATUS_URL,
            headers={"Content-Type": content_type},
            body=body,
        )
        with pytest.raises(WebhookPayloadError, match=match):
            _webhooks.parse(request)

    def test_unreadable_body_under_a_signature_is_a_payload_error(self) -> None:
        request = signed_post(callback())
        broken = _with(request, body=b"MessageUUID=%FF")
        with pytest.raises(WebhookPayloadError, match="not UTF-8"):
            plivo().verify_webhook(broken, now=NOW)

    def test_json_list_of_objects_cannot_be_signed(self) -> None:
        request = WebhookRequest(
            method="POST",
            url=STATUS_URL,
            headers={
                "Content-Type": "application/json",
                _webhooks.V3: "x",
                _webhooks.V3_NONCE: "n",
            },
            body=b'{"Media": [{"url": "u"}]}',
        )
        with pytest.raises(WebhookPayloadError, match="cannot be signed"):
            plivo().verify_webhook(request, now=NOW)

    def test_all_are_webhook_errors(self) -> None:
        assert issubclass(WebhookPayloadError, WebhookError)
        assert issubclass(WebhookVerificationError, WebhookError)


# -- nonce, reply, configuration ------------------------------------------------


class TestProtocol:
    def test_is_a_webhook_provider(self) -> None:
        assert isinstance(plivo(), SupportsWebhooks)

    def test_nonce(self) -> None:
        provider = plivo()
        assert "n0nce" == provider.webhook_nonce(signed_post(callback()))
        v2 = post(
            STATUS_URL, callback(), {_webhooks.V2: "s", _webhooks.V2_NONCE: "v2n"}
        )
        assert "v2n" == provider.webhook_nonce(v2)
        both = post(
            STATUS_URL,
            callback(),
            {_webhooks.V3: "s", _webhooks.V3_NONCE: "a", _webhooks.V2_NONCE: "b"},
        )
        assert "a" == provider.webhook_nonce(both)
        assert provider.webhook_nonce(post(STATUS_URL, callback(), {})) is None

    def test_reply_is_an_empty_200(self) -> None:
        provider = plivo()
        for request in (signed_post(callback()), signed_post(inbound())):
            reply = provider.webhook_reply(provider.parse_webhook(request))
            assert (200, None, b"") == (reply.status, reply.content_type, reply.body)

    def test_tokens_are_never_shown_or_pickled(self) -> None:
        provider = plivo(webhook_auth_tokens=[MAIN_TOKEN])
        assert MAIN_TOKEN not in repr(provider)
        assert TOKEN not in repr(provider)
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(provider)

    @pytest.mark.parametrize(
        "tokens", ["one-token-string", [b"bytes"], [1], {"a": "b"}, None]
    )
    def test_webhook_auth_tokens_type(self, tokens: object) -> None:
        with pytest.raises(OptionTypeError, match="webhook_auth_tokens"):
            plivo(webhook_auth_tokens=tokens)

    def test_empty_extra_token(self) -> None:
        with pytest.raises(ValueError, match="empty token"):
            plivo(webhook_auth_tokens=["  "])

    def test_accept_v2_type(self) -> None:
        with pytest.raises(OptionTypeError, match="accept_v2 must be a bool"):
            plivo(accept_v2="yes")


def _with(request: WebhookRequest, **changes: object) -> WebhookRequest:
    fields: dict[str, object] = {
        "method": request.method,
        "url": request.url,
        "headers": dict(request.headers),
        "body": request.body,
        **changes,
    }
    return WebhookRequest(**fields)  # type: ignore[arg-type]
