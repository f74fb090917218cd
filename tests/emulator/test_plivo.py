"""The Plivo dialect, driven with requests shaped like plivo-python 4.63's."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from urllib.parse import urlsplit

import httpx
import pytest
from emulator_helpers import Receiver

from smskit._emulator._config import Credentials
from smskit._emulator._server import Emulator

AUTH_ID = Credentials().plivo_auth_id
TOKEN = Credentials().plivo_auth_token
BASE = f"/v1/Account/{AUTH_ID}"
AUTH = (AUTH_ID, TOKEN)
HEADERS = {
    "User-Agent": "plivo-python/4.63.0 (Python: 3.11.7)",
    "Content-Type": "application/json",
    "Accept": "application/json",
}
UUID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
)


def send(http: httpx.Client, **fields: object) -> httpx.Response:
    """POST …/Message/ with the fields the SDK always adds."""
    payload = {
        "src": "14155550100",
        "dst": "14155550101",
        "text": "Hello",
        "type": "sms",
        "method": "POST",
        "log": "true",
        "trackable": False,
        **fields,
    }
    return http.post(f"{BASE}/Message/", json=payload, auth=AUTH, headers=HEADERS)


def v3_valid(url: str, nonce: str, params: dict[str, str], signature: str) -> bool:
    """Plivo's V3 check for a POST to a URL without a query, written anew."""
    data = url + "?" + "".join(k + params[k] for k in sorted(params)) + "." + nonce
    mac = hmac.new(TOKEN.encode(), data.encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode() in signature.split(",")


class TestSend:
    def test_accepted_with_uuid(self, http: httpx.Client) -> None:
        """A send answers 202 with one message UUID per destination."""
        response = send(http)
        assert 202 == response.status_code
        body = response.json()
        assert "message(s) queued" == body["message"]
        (message_uuid,) = body["message_uuid"]
        assert UUID.fullmatch(message_uuid)
        assert "invalid_number" not in body
        assert body["api_id"]

    def test_bulk_send_lists_invalid_numbers(self, http: httpx.Client) -> None:
        """dst joined with '<' sends to each; refused ones go to invalid_number."""
        body = send(http, dst="14155550101<14155550102<15005550001<14155550101").json()
        assert 2 == len(body["message_uuid"])
        assert ["15005550001"] == body["invalid_number"]

    def test_list_dst_is_accepted(self, http: httpx.Client) -> None:
        """A JSON list of destinations is treated like a '<'-joined string."""
        body = send(http, dst=["14155550101", "14155550102"]).json()
        assert 2 == len(body["message_uuid"])

    def test_form_body_is_accepted(self, http: httpx.Client) -> None:
        """A form body works too (the SDK uses JSON)."""
        data = {"src": "14155550100", "dst": "14155550101", "text": "Hi"}
        assert 202 == http.post(f"{BASE}/Message/", data=data, auth=AUTH).status_code

    @pytest.mark.parametrize(
        ("fields", "status"),
        [
            pytest.param({"dst": "15005550001"}, 400, id="invalid"),
            pytest.param({"dst": "15005550003"}, 403, id="geo-permission"),
            pytest.param({"dst": "15005550004"}, 400, id="opted-out"),
            pytest.param({"src": "15005550001"}, 400, id="invalid-src"),
            pytest.param({"text": ""}, 400, id="no-text"),
            pytest.param({"dst": ""}, 400, id="no-dst"),
            pytest.param({"src": ""}, 400, id="no-src"),
            pytest.param({"dst": "14155550100"}, 400, id="src-is-dst"),
            pytest.param({"type": "mms"}, 400, id="mms"),
            pytest.param({"method": "PUT"}, 400, id="bad-method"),
            pytest.param({"url": "ftp://x"}, 400, id="bad-url"),
            pytest.param({"dst": 5}, 400, id="dst-not-text"),
        ],
    )
    def test_refusals(self, http: httpx.Client, fields: dict, status: int) -> None:
        """Refusals answer 400 (403 for geo permission) with {api_id, error}."""
        response = send(http, **fields)
        assert status == response.status_code
        assert {"api_id", "error"} == set(response.json())

    def test_powerpack_instead_of_src(self, http: httpx.Client) -> None:
        """A powerpack_uuid stands in for src."""
        response = send(http, src="", powerpack_uuid="pp-1")
        assert 202 == response.status_code

    def test_body_must_be_a_json_object(self, http: httpx.Client) -> None:
        """Broken JSON answers 400."""
        for content in (b"[", b"[]"):
            response = http.post(
                f"{BASE}/Message/", content=content, auth=AUTH, headers=HEADERS
            )
            assert 400 == response.status_code

    def test_auth(self, http: httpx.Client) -> None:
        """Wrong token answers 401; another account's path answers 404."""
        assert 401 == http.get(f"{BASE}/", auth=(AUTH_ID, "x")).status_code
        other = http.get("/v1/Account/MAOTHER000000000000/", auth=AUTH)
        assert 404 == other.status_code

    def test_unknown_routes(self, http: httpx.Client) -> None:
        """Unknown paths answer 404 and wrong methods 405."""
        assert 404 == http.get(f"{BASE}/Call/", auth=AUTH).status_code
        assert 405 == http.delete(f"{BASE}/Message/", auth=AUTH).status_code


class TestFetchListAccount:
    def test_fetch_mdr(self, http: httpx.Client, emulator: Emulator) -> None:
        """GET …/Message/{uuid}/ answers the MDR as the state moves on."""
        (message_uuid,) = send(http).json()["message_uuid"]
        url = f"{BASE}/Message/{message_uuid}/"
        mdr = http.get(url, auth=AUTH).json()
        assert ("queued", "000", "outbound", "sms") == (
            mdr["message_state"],
            mdr["error_code"],
            mdr["message_direction"],
            mdr["message_type"],
        )
        assert ("14155550100", "14155550101", 1) == (
            mdr["from_number"],
            mdr["to_number"],
            mdr["units"],
        )
        assert "US" == mdr["destination_country_iso2"]
        assert "2025-06-01 12:00:00+00:00" == mdr["message_time"]
        emulator.advance()
        mdr = http.get(url, auth=AUTH).json()
        assert ("delivered", "0.00750") == (mdr["message_state"], mdr["total_amount"])

    def test_failure_error_codes(self, http: httpx.Client, emulator: Emulator) -> None:
        """Delivery failures show Plivo states and error codes."""
        uuids = [
            send(http, dst=dst).json()["message_uuid"][0]
            for dst in ("15005550010", "15005550011", "15005550012", "15005550013")
        ]
        emulator.advance()
        got = [http.get(f"{BASE}/Message/{u}/", auth=AUTH).json() for u in uuids]
        assert [
            ("undelivered", "80"),
            ("failed", "1000"),
            ("undelivered", "80"),
            ("rejected", "30"),
        ] == [(m["message_state"], m["error_code"]) for m in got]

    def test_fetch_unknown_is_404(self, http: httpx.Client) -> None:
        """An unknown UUID answers 404 with {api_id, error}."""
        response = http.get(f"{BASE}/Message/nope/", auth=AUTH)
        assert 404 == response.status_code
        assert "error" in response.json()

    def test_list_pages(self, http: httpx.Client) -> None:
        """limit/offset page the list, newest first, with meta links."""
        uuids = [send(http, text=f"m{i}").json()["message_uuid"][0] for i in range(5)]
        seen: list[str] = []
        url: str | None = f"{BASE}/Message/?limit=2&offset=0"
        while url:
            page = http.get(url, auth=AUTH).json()
            assert 5 == page["meta"]["total_count"]
            seen += [item["message_uuid"] for item in page["objects"]]
            url = page["meta"]["next"]
        assert list(reversed(uuids)) == seen
        second = http.get(
            f"{BASE}/Message/", params={"limit": 2, "offset": 2}, auth=AUTH
        )
        assert "offset=0" in second.json()["meta"]["previous"]

    def test_list_filters(self, http: httpx.Client, emulator: Emulator) -> None:
        """State, numbers, error code and time filters narrow the list."""
        send(http)
        send(http, dst="15005550010")
        emulator.advance()
        for params, count in [
            ({"message_state": "delivered"}, 1),
            ({"to_number": "15005550010"}, 1),
            ({"from_number": "14155550100"}, 2),
            ({"error_code": "80"}, 1),
            ({"message_direction": "inbound"}, 0),
            ({"message_time__gte": "2025-06-01 12:00"}, 2),
            ({"message_time__gt": "2025-06-01 12:00:00"}, 0),
            ({"message_time__lt": "2025-06-01 12:00:01"}, 2),
            ({"message_time__lte": "2025-06-01 11:00"}, 0),
            ({"message_type": "sms"}, 2),
        ]:
            page = http.get(f"{BASE}/Message/", params=params, auth=AUTH).json()
            assert count == len(page["objects"]), params

    @pytest.mark.parametrize(
        "params",
        [{"limit": "21"}, {"limit": "x"}, {"offset": "-1"}, {"message_time__gt": "x"}],
    )
    def test_list_rejects_bad_paging(self, http: httpx.Client, params: dict) -> None:
        """limit above 20 or unreadable values answer 400."""
        assert 400 == http.get(f"{BASE}/Message/", params=params, auth=AUTH).status_code

    def test_account_cash_credits(self, http: httpx.Client, emulator: Emulator) -> None:
        """GET /v1/Account/{id}/ answers the Account with cash_credits."""
        send(http)
        emulator.advance()
        account = http.get(f"{BASE}/", auth=AUTH, headers=HEADERS).json()
        assert ("99.99250", AUTH_ID, "prepaid") == (
            account["cash_credits"],
            account["auth_id"],
            account["billing_mode"],
        )


class TestWebhooks:
    def test_status_callbacks_post_signed(
        self, http: httpx.Client, emulator: Emulator, receiver: Receiver
    ) -> None:
        """Each change POSTs to url with valid V3 and V2 signatures."""
        callback = f"{receiver.url}/plivo/status/"
        (message_uuid,) = send(http, url=callback).json()["message_uuid"]
        emulator.advance()
        got = receiver.wait_for(2)
        assert [("sent", "1"), ("delivered", "2")] == [
            (item.form["Status"], item.form["Sequence"]) for item in got
        ]
        for item in got:
            form = item.form
            assert message_uuid == form["MessageUUID"]
            nonce = item.headers["x-plivo-signature-v3-nonce"]
            assert v3_valid(callback, nonce, form, item.headers["x-plivo-signature-v3"])
            assert not v3_valid(
                callback, "other", form, item.headers["x-plivo-signature-v3"]
            )
            v2 = base64.b64encode(
                hmac.new(
                    TOKEN.encode(),
                    (callback + item.headers["x-plivo-signature-v2-nonce"]).encode(),
                    hashlib.sha256,
                ).digest()
            ).decode()
            assert v2 == item.headers["x-plivo-signature-v2"]
        assert got[1].form["DeliveryReportTime"]
        assert "ErrorCode" not in got[1].form

    def test_status_callback_by_get(
        self, http: httpx.Client, emulator: Emulator, receiver: Receiver
    ) -> None:
        """method=GET puts the parameters in the query; V3 signs the sorted query."""
        callback = f"{receiver.url}/plivo/status/"
        send(http, url=callback, method="GET", dst="15005550011")
        emulator.advance()
        (item,) = receiver.wait_for(1)
        assert "GET" == item.method
        query = item.query
        assert ("failed", "1000") == (query["Status"], query["ErrorCode"])
        nonce = item.headers["x-plivo-signature-v3-nonce"]
        base = callback + "?" + "&".join(f"{k}={query[k]}" for k in sorted(query))
        mac = hmac.new(TOKEN.encode(), f"{base}.{nonce}".encode(), hashlib.sha256)
        assert (
            base64.b64encode(mac.digest()).decode()
            == item.headers["x-plivo-signature-v3"]
        )
        assert urlsplit(callback).path == urlsplit(item.path).path

    @pytest.mark.parametrize(
        ("body", "intent"),
        [("STOP", "optout"), ("start", "optin"), ("help me", "help"), ("hi", "")],
    )
    def test_inbound_webhook(
        self, emulator: Emulator, receiver: Receiver, body: str, intent: str
    ) -> None:
        """Inbound SMS are POSTed to the message URL with MessageIntent, signed."""
        emulator.receive(from_="+14155550199", body=body, provider="plivo")
        (item,) = receiver.wait_for(1)
        form = item.form
        assert ("14155550199", "15005550006", body, intent) == (
            form["From"],
            form["To"],
            form["Text"],
            form["MessageIntent"],
        )
        url = f"{receiver.url}/plivo/inbound"
        nonce = item.headers["x-plivo-signature-v3-nonce"]
        assert v3_valid(url, nonce, form, item.headers["x-plivo-signature-ma-v3"])
