"""The Vonage dialect, with requests shaped like the Vonage SDKs' (v4 and 3.x)."""

from __future__ import annotations

import hashlib
import hmac
import time

import httpx
import pytest
from emulator_helpers import Receiver

from smskit._emulator._config import Credentials
from smskit._emulator._server import Emulator

KEY = Credentials().vonage_api_key
SECRET = Credentials().vonage_api_secret
SIGNATURE_SECRET = Credentials().vonage_signature_secret
V4_HEADERS = {
    "User-Agent": "vonage-python-sdk/4.9.1 python/3.11.7",
    "Accept": "application/json",
}


def send(http: httpx.Client, *, body_credentials: bool = False, **params: str) -> dict:
    """POST /sms/json: Basic auth like SDK v4, or form credentials like 3.x."""
    data = {"from": "Acme", "to": "447700900001", "text": "Hello", **params}
    if body_credentials:
        data |= {"api_key": KEY, "api_secret": SECRET}
        response = http.post("/sms/json", data=data)
    else:
        response = http.post(
            "/sms/json", data=data, auth=(KEY, SECRET), headers=V4_HEADERS
        )
    assert 200 == response.status_code
    return response.json()


def md5_sig(params: dict[str, str], secret: str) -> str:
    """Vonage's 'MD5 hash' signature, written independently of _signing."""
    base = "".join(
        "&{}={}".format(k, params[k].replace("&", "_").replace("=", "_"))
        for k in sorted(params)
        if k != "sig"
    )
    return hashlib.md5((base + secret).encode()).hexdigest()  # noqa: S324 -- Vonage's scheme


class TestSend:
    def test_one_entry_per_part(self, http: httpx.Client) -> None:
        """A long text answers one entry (and one message-id) per SMS part."""
        body = send(http, text="Hello " * 40, **{"client-ref": "order-1"})
        assert "2" == body["message-count"]
        first, second = body["messages"]
        assert first["message-id"] != second["message-id"]
        for entry in body["messages"]:
            assert "0" == entry["status"]
            assert "447700900001" == entry["to"]
            assert "order-1" == entry["client-ref"]
            assert "0.00750000" == entry["message-price"]
            assert isinstance(entry["remaining-balance"], str)

    def test_form_credentials(self, http: httpx.Client) -> None:
        """api_key and api_secret as form fields work (the documented form)."""
        body = send(http, body_credentials=True)
        assert "0" == body["messages"][0]["status"]
        assert "client-ref" not in body["messages"][0]

    def test_json_and_query_bodies(self, http: httpx.Client) -> None:
        """The API also takes JSON bodies and GET query strings."""
        payload = {"from": "Acme", "to": "447700900001", "text": "Hi", "api_key": KEY}
        payload["api_secret"] = SECRET
        assert (
            "0" == http.post("/sms/json", json=payload).json()["messages"][0]["status"]
        )
        payload["ttl"] = 30000  # a number in JSON
        assert (
            "0" == http.post("/sms/json", json=payload).json()["messages"][0]["status"]
        )
        assert (
            "0" == http.get("/sms/json", params=payload).json()["messages"][0]["status"]
        )
        odd = http.post(
            "/sms/json", content=b"[", headers={"Content-Type": "application/json"}
        )
        # An unreadable body is refused as such, not read as "no credentials".
        assert (400, "3") == (odd.status_code, odd.json()["messages"][0]["status"])

    @pytest.mark.parametrize(
        ("auth", "status"),
        [
            pytest.param((KEY, "wrong"), "4", id="bad-secret"),
            pytest.param(None, "2", id="missing"),
        ],
    )
    def test_bad_credentials(
        self, http: httpx.Client, auth: tuple[str, str] | None, status: str
    ) -> None:
        """Credential problems are HTTP 200 with status 4 (bad) or 2 (missing)."""
        data = {"from": "Acme", "to": "447700900001", "text": "Hello"}
        response = http.post("/sms/json", data=data, auth=auth)
        assert 200 == response.status_code
        entry = response.json()["messages"][0]
        assert status == entry["status"]
        assert entry["error-text"]

    @pytest.mark.parametrize(
        ("params", "status"),
        [
            pytest.param({"to": "15005550001"}, "3", id="invalid-to"),
            pytest.param({"to": "15005550002"}, "6", id="cannot-route"),
            pytest.param({"to": "15005550003"}, "29", id="no-permission"),
            pytest.param({"to": "15005550004"}, "7", id="barred"),
            pytest.param({"to": "15005550009"}, "6", id="not-mobile"),
            pytest.param({"from": "15005550001"}, "15", id="invalid-from"),
            pytest.param({"from": "15005550008"}, "1", id="throttled"),
            pytest.param({"text": ""}, "2", id="no-text"),
            pytest.param({"text": "x" * 1601}, "12", id="too-long"),
            pytest.param({"to": ""}, "2", id="no-to"),
            pytest.param({"type": "binary"}, "3", id="binary"),
            pytest.param({"callback": "ftp://x"}, "23", id="bad-callback"),
            pytest.param({"ttl": "5"}, "3", id="bad-ttl"),
        ],
    )
    def test_refusals_are_status_codes(
        self, http: httpx.Client, params: dict[str, str], status: str
    ) -> None:
        """Refusals are HTTP 200 with Vonage's status and an error-text."""
        body = send(http, **params)
        assert "1" == body["message-count"]
        assert status == body["messages"][0]["status"]
        assert body["messages"][0]["error-text"]

    def test_throttle_text_has_wait_hint(self, http: httpx.Client) -> None:
        """Status 1 carries the '[ N ]' millisecond hint clients parse."""
        text = send(http, **{"from": "15005550008"})["messages"][0]["error-text"]
        assert "[ 1000 ]" in text

    def test_wrong_method(self, http: httpx.Client) -> None:
        """Only GET and POST reach /sms/json; the account API is GET only."""
        assert 405 == http.delete("/sms/json").status_code
        assert 405 == http.post("/account/get-balance").status_code


class TestSignedRequests:
    def signed(self, **extra: str) -> dict[str, str]:
        params = {
            "api_key": KEY,
            "from": "Acme",
            "to": "447700900001",
            "text": "a=b&c",
            "timestamp": str(int(time.time())),
            **extra,
        }
        params["sig"] = md5_sig(params, SIGNATURE_SECRET)
        return params

    def test_valid_signature_is_accepted(self, http: httpx.Client) -> None:
        """A request signed with the signature secret needs no api_secret."""
        body = http.post("/sms/json", data=self.signed()).json()
        assert "0" == body["messages"][0]["status"]

    def test_upper_case_signature_is_accepted(self, http: httpx.Client) -> None:
        """Signatures compare case-insensitively."""
        params = self.signed()
        params["sig"] = params["sig"].upper()
        assert (
            "0" == http.post("/sms/json", data=params).json()["messages"][0]["status"]
        )

    def test_tampered_request_is_14(self, http: httpx.Client) -> None:
        """Changing a signed field answers status 14."""
        params = self.signed()
        params["text"] = "changed"
        assert (
            "14" == http.post("/sms/json", data=params).json()["messages"][0]["status"]
        )

    def test_signature_and_secret_is_32(self, http: httpx.Client) -> None:
        """Sending both a signature and the secret answers status 32."""
        params = self.signed(api_secret=SECRET)
        assert (
            "32" == http.post("/sms/json", data=params).json()["messages"][0]["status"]
        )

    def test_signed_with_wrong_key_is_4(self, http: httpx.Client) -> None:
        """A signed request for another api_key answers status 4."""
        params = self.signed()
        params["api_key"] = "someone-else"
        assert (
            "4" == http.post("/sms/json", data=params).json()["messages"][0]["status"]
        )


class TestBalanceAndReports:
    def test_balance(self, http: httpx.Client) -> None:
        """get-balance answers a JSON number and autoReload."""
        body = http.get("/account/get-balance", auth=(KEY, SECRET)).json()
        assert {"value": 100.0, "autoReload": False} == body
        query = {"api_key": KEY, "api_secret": SECRET}
        assert 200 == http.get("/account/get-balance", params=query).status_code

    def test_balance_needs_credentials(self, http: httpx.Client) -> None:
        """Bad credentials on /account answer HTTP 401 with Vonage's body."""
        response = http.get("/account/get-balance", auth=(KEY, "x"))
        assert 401 == response.status_code
        assert "401" == response.json()["error-code"]

    def records(self, http: httpx.Client, **params: str) -> httpx.Response:
        query = {"account_id": KEY, "product": "SMS", "direction": "outbound", **params}
        return http.get("/v2/reports/records", params=query, auth=(KEY, SECRET))

    def test_records_by_id(self, http: httpx.Client, emulator: Emulator) -> None:
        """The Reports API finds parts by id and lists ids it does not know."""
        sent = send(http, to="447400123456", **{"client-ref": "r1"})
        first = sent["messages"][0]["message-id"]
        emulator.advance()
        body = self.records(http, id=f"{first},NOPE", include_message="true").json()
        assert 1 == body["items_count"]
        (record,) = body["records"]
        assert (first, "delivered", "0", "r1") == (
            record["message_id"],
            record["status"],
            record["error_code"],
            record["client_ref"],
        )
        assert "Hello" == record["message_body"]
        assert "GB" == record["country"]
        assert "NOPE" == body["ids_not_found"]

    def test_records_by_window_and_status(
        self, http: httpx.Client, emulator: Emulator
    ) -> None:
        """A date window lists every part; status narrows it."""
        send(http)
        send(http, to="15005550010")
        emulator.advance()
        window = {
            "date_start": "2025-06-01T00:00:00Z",
            "date_end": "2025-06-02T00:00:00Z",
        }
        assert 2 == self.records(http, **window).json()["items_count"]
        failed = self.records(http, status="failed", **window).json()["records"]
        assert [("failed", "2")] == [(r["status"], r["error_code"]) for r in failed]
        empty = {"date_start": "2025-06-02T00:00:00Z"}
        assert 0 == self.records(http, **empty).json()["items_count"]

    @pytest.mark.parametrize(
        ("params", "status"),
        [
            pytest.param({"account_id": "other"}, 403, id="other-account"),
            pytest.param({"product": "VOICE-CALL"}, 422, id="product"),
            pytest.param({"date_start": "junk"}, 422, id="bad-date"),
        ],
    )
    def test_records_errors(
        self, http: httpx.Client, params: dict[str, str], status: int
    ) -> None:
        """Wrong account, product or dates are refused."""
        assert status == self.records(http, **params).status_code

    def test_records_need_credentials(self, http: httpx.Client) -> None:
        """The Reports API answers 401 without valid credentials."""
        assert 401 == http.get("/v2/reports/records").status_code


class TestWebhooks:
    def test_receipts_per_part_are_signed(
        self, http: httpx.Client, emulator: Emulator, receiver: Receiver
    ) -> None:
        """Each part gets its own DLR for each change, signed with sig."""
        callback = f"{receiver.url}/vonage/dlr"
        ids = [
            m["message-id"]
            for m in send(http, text="Hello " * 40, callback=callback)["messages"]
        ]
        emulator.advance()
        got = receiver.wait_for(4)
        assert 4 == len(got)
        assert {("accepted", ids[0]), ("accepted", ids[1])} == {
            (item.form["status"], item.form["messageId"]) for item in got[:2]
        }
        for item in got:
            form = item.form
            assert "447700900001" == form["msisdn"]
            assert "Acme" == form["to"]
            assert KEY == form["api-key"]
            assert "0" == form["err-code"]
            assert md5_sig(form, SIGNATURE_SECRET) == form["sig"]
        assert {"delivered"} == {item.form["status"] for item in got[2:]}

    def test_failed_receipt_has_err_code(
        self, http: httpx.Client, emulator: Emulator, receiver: Receiver
    ) -> None:
        """A rejected message's DLR says rejected with an err-code."""
        send(
            http, to="15005550013", callback=f"{receiver.url}/d", **{"client-ref": "c9"}
        )
        emulator.advance()
        last = receiver.wait_for(2)[-1].form
        assert ("rejected", "6", "c9") == (
            last["status"],
            last["err-code"],
            last["client-ref"],
        )

    def test_no_receipts_when_not_requested(
        self, http: httpx.Client, emulator: Emulator, receiver: Receiver
    ) -> None:
        """status-report-req=false turns receipts off."""
        callback = f"{receiver.url}/d"
        send(http, callback=callback, **{"status-report-req": "false"})
        emulator.advance()
        assert emulator.dispatcher.wait_idle()
        assert [] == receiver.requests

    def test_long_inbound_arrives_in_parts(
        self, emulator: Emulator, receiver: Receiver
    ) -> None:
        """Vonage does not reassemble: one signed webhook per part, concat fields."""
        body = "Ünïcode " * 20
        _, count = emulator.receive(from_="+447700900123", body=body, provider="vonage")
        assert 1 == count
        got = receiver.wait_for(3)
        assert ["1", "2", "3"] == [item.form["concat-part"] for item in got]
        assert body == "".join(item.form["text"] for item in got)
        for item in got:
            form = item.form
            assert ("447700900123", "15005550006", "unicode") == (
                form["msisdn"],
                form["to"],
                form["type"],
            )
            assert ("3", "true") == (form["concat-total"], form["concat"])
            assert md5_sig(form, SIGNATURE_SECRET) == form["sig"]

    def test_short_inbound_has_keyword(
        self, emulator: Emulator, receiver: Receiver
    ) -> None:
        """A single-part inbound SMS has type text, its keyword and no concat fields."""
        emulator.receive(from_="+447700900123", body="stop please", provider="vonage")
        (item,) = receiver.wait_for(1)
        assert ("text", "STOP") == (item.form["type"], item.form["keyword"])
        assert "concat" not in item.form


def test_hmac_signature_method(receiver: Receiver) -> None:
    """With an HMAC method configured, webhooks are signed with that HMAC."""
    credentials = Credentials(vonage_signature_method="sha256")
    with Emulator(port=0, credentials=credentials, realtime=False) as emulator:
        emulator.receive(
            from_="+447700900123", body="hi", provider="vonage", url=receiver.url
        )
        (item,) = receiver.wait_for(1)
    form = item.form
    base = "".join(
        f"&{k}={form[k].replace('&', '_').replace('=', '_')}"
        for k in sorted(form)
        if k != "sig"
    )
    expected = hmac.new(
        SIGNATURE_SECRET.encode(), base.encode(), hashlib.sha256
    ).hexdigest()
    assert expected == form["sig"]
