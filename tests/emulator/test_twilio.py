"""The Twilio dialect, driven with requests shaped like twilio-python 9.13's."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re

import httpx
import pytest
from emulator_helpers import START, Receiver

from smskit._emulator._config import Credentials
from smskit._emulator._server import Emulator

SID = Credentials().twilio_account_sid
TOKEN = Credentials().twilio_auth_token
BASE = f"/2010-04-01/Accounts/{SID}"
HEADERS = {
    "User-Agent": "twilio-python/9.13.0 (Linux x86_64) Python/3.11.7",
    "X-Twilio-Client": "python-9.13.0",
    "Accept-Charset": "utf-8",
    "Accept": "application/json",
}
AUTH = (SID, TOKEN)


def create(http: httpx.Client, **params: str) -> httpx.Response:
    data = {"To": "+14155550100", "From": "+15005550006", "Body": "Hello", **params}
    return http.post(f"{BASE}/Messages.json", data=data, auth=AUTH, headers=HEADERS)


def twilio_valid(url: str, params: dict[str, str], signature: str, token: str) -> bool:
    """Twilio's documented check, written independently of _signing."""
    data = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    mac = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return hmac.compare_digest(base64.b64encode(mac).decode(), signature)


class TestCreate:
    def test_created_message_has_twilio_shape(self, http: httpx.Client) -> None:
        """A send answers 201 and the Message resource, with Twilio's strings."""
        response = create(http)
        assert 201 == response.status_code
        message = response.json()
        assert re.fullmatch(r"SM[0-9a-f]{32}", message["sid"])
        assert "queued" == message["status"]
        assert "1" == message["num_segments"]
        assert "0" == message["num_media"]
        assert message["price"] is None
        assert "Sun, 01 Jun 2025 12:00:00 +0000" == message["date_created"]
        assert message["date_sent"] is None
        assert "+15005550006" == message["from"]
        assert "outbound-api" == message["direction"]
        assert f"{BASE}/Messages/{message['sid']}.json" == message["uri"]
        assert message["subresource_uris"]["media"].endswith("/Media.json")

    def test_wrong_token_is_20003(self, http: httpx.Client) -> None:
        """Bad credentials answer 401 with code 20003 and Twilio's detail."""
        response = http.post(
            f"{BASE}/Messages.json", data={"To": "+1"}, auth=(SID, "nope")
        )
        assert 401 == response.status_code
        body = response.json()
        assert 20003 == body["code"]
        assert "Authenticate" == body["message"]
        assert "Your AccountSid or AuthToken was incorrect." == body["detail"]
        assert response.headers["www-authenticate"].startswith("Basic")

    def test_no_credentials_is_401(self, http: httpx.Client) -> None:
        """A request without Basic auth is refused too."""
        assert 401 == http.get(f"{BASE}/Messages.json").status_code

    def test_other_account_path_is_404(self, http: httpx.Client) -> None:
        """The path must name the authenticated account."""
        path = "/2010-04-01/Accounts/AC" + "f" * 32 + "/Messages.json"
        response = http.get(path, auth=AUTH)
        assert 404 == response.status_code
        assert 20404 == response.json()["code"]

    @pytest.mark.parametrize(
        ("params", "code"),
        [
            pytest.param({"To": "+15005550001"}, 21211, id="invalid-to"),
            pytest.param({"To": "+15005550002"}, 21612, id="cannot-route"),
            pytest.param({"To": "+15005550003"}, 21408, id="no-permission"),
            pytest.param({"To": "+15005550004"}, 21610, id="opted-out"),
            pytest.param({"To": "+15005550009"}, 21614, id="not-mobile"),
            pytest.param({"From": "+15005550001"}, 21212, id="invalid-from"),
            pytest.param({"From": "+15005550007"}, 21606, id="not-owned"),
            pytest.param({"From": "+15005550008"}, 21611, id="queue-full"),
            pytest.param({"Body": ""}, 21602, id="no-body"),
            pytest.param({"Body": "x" * 1601}, 21617, id="too-long"),
            pytest.param({"To": ""}, 21604, id="no-to"),
            pytest.param({"From": ""}, 21603, id="no-from"),
        ],
    )
    def test_rejections_use_twilio_codes(
        self, http: httpx.Client, params: dict[str, str], code: int
    ) -> None:
        """Magic numbers and bad input answer 400 with Twilio's error code."""
        response = create(http, **params)
        assert 400 == response.status_code
        body = response.json()
        assert code == body["code"]
        assert 400 == body["status"]
        assert f"https://www.twilio.com/docs/errors/{code}" == body["more_info"]
        assert body["message"]

    def test_messaging_service_send_is_accepted(self, http: httpx.Client) -> None:
        """With a Messaging Service and no From, the message starts as accepted."""
        response = create(http, From="", MessagingServiceSid="MG" + "0" * 32)
        message = response.json()
        assert ("accepted", None, "0") == (
            message["status"],
            message["from"],
            message["num_segments"],
        )

    def test_long_unicode_body_counts_segments(self, http: httpx.Client) -> None:
        """num_segments follows the sandbox's encoding analysis (UCS-2: 67 per part)."""
        message = create(http, Body="é" * 10 + "🙂" * 40).json()
        assert int(message["num_segments"]) >= 2


class TestSchedule:
    def send_at(self, minutes: float) -> str:
        return (START + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def test_schedule_and_cancel(self, http: httpx.Client) -> None:
        """A fixed schedule makes a scheduled message that Status=canceled cancels."""
        message = create(
            http,
            From="",
            MessagingServiceSid="MG" + "1" * 32,
            ScheduleType="fixed",
            SendAt=self.send_at(60),
        ).json()
        assert "scheduled" == message["status"]
        url = f"{BASE}/Messages/{message['sid']}.json"
        canceled = http.post(url, data={"Status": "canceled"}, auth=AUTH)
        assert (200, "canceled") == (canceled.status_code, canceled.json()["status"])
        again = http.post(url, data={"Status": "canceled"}, auth=AUTH)
        assert (400, 30409) == (again.status_code, again.json()["code"])

    @pytest.mark.parametrize(
        ("params", "code"),
        [
            pytest.param({"ScheduleType": "sometime"}, 35126, id="bad-type"),
            pytest.param({"ScheduleType": "fixed"}, 35111, id="no-send-at"),
            pytest.param(
                {"ScheduleType": "fixed", "SendAt": "2025-06-01T13:00:00Z", "From": ""},
                35115,
                id="no-service-but-from",
            ),
        ],
    )
    def test_schedule_errors(
        self, http: httpx.Client, params: dict[str, str], code: int
    ) -> None:
        """Scheduling mistakes answer Twilio's 351xx codes."""
        params = {"MessagingServiceSid": "MG" + "1" * 32, **params}
        if code == 35115:
            params["SendAt"] = self.send_at(1)  # too soon
        response = create(http, **params)
        assert (400, code) == (response.status_code, response.json()["code"])

    def test_schedule_needs_messaging_service(self, http: httpx.Client) -> None:
        """Without a Messaging Service a schedule is refused with 35118."""
        response = create(http, ScheduleType="fixed", SendAt=self.send_at(60))
        assert 35118 == response.json()["code"]

    @pytest.mark.parametrize("send_at", ["not-a-date", "2025-06-01"])
    def test_unreadable_send_at_is_35115(
        self, http: httpx.Client, send_at: str
    ) -> None:
        """A SendAt that is not a UTC timestamp is out of the window."""
        response = create(
            http,
            MessagingServiceSid="MG" + "1" * 32,
            ScheduleType="fixed",
            SendAt=send_at,
        )
        assert 35115 == response.json()["code"]


class TestFetchListDelete:
    def test_fetch_follows_the_lifecycle(
        self, http: httpx.Client, emulator: Emulator
    ) -> None:
        """Fetch shows sent (with date_sent and a negative price), then delivered."""
        sid = create(http).json()["sid"]
        emulator.advance(1)
        sent = http.get(f"{BASE}/Messages/{sid}.json", auth=AUTH).json()
        assert ("sent", "-0.00750") == (sent["status"], sent["price"])
        assert "Sun, 01 Jun 2025 12:00:01 +0000" == sent["date_sent"]
        emulator.advance()
        assert (
            "delivered"
            == http.get(f"{BASE}/Messages/{sid}.json", auth=AUTH).json()["status"]
        )

    def test_failures_carry_error_codes(
        self, http: httpx.Client, emulator: Emulator
    ) -> None:
        """Scripted failures show Twilio's words and integer error codes."""
        undelivered = create(http, To="+15005550010").json()["sid"]
        expired = create(http, To="+15005550012").json()["sid"]
        rejected = create(http, To="+15005550013").json()["sid"]
        emulator.advance()
        got = [
            http.get(f"{BASE}/Messages/{sid}.json", auth=AUTH).json()
            for sid in (undelivered, expired, rejected)
        ]
        assert [("undelivered", 30003), ("failed", 30036), ("undelivered", 30007)] == [
            (item["status"], item["error_code"]) for item in got
        ]

    def test_unknown_sid_is_20404(self, http: httpx.Client) -> None:
        """Fetching a message that does not exist answers 404 / 20404."""
        response = http.get(f"{BASE}/Messages/SM{'0' * 32}.json", auth=AUTH)
        assert (404, 20404) == (response.status_code, response.json()["code"])

    def test_list_pages_newest_first(self, http: httpx.Client) -> None:
        """PageSize pages the list; next_page_uri leads on until it is null."""
        sids = [create(http, Body=f"m{i}").json()["sid"] for i in range(5)]
        seen: list[str] = []
        uri: str | None = f"{BASE}/Messages.json?PageSize=2"
        pages = 0
        while uri:
            page = http.get(uri, auth=AUTH).json()
            assert {"messages", "page", "page_size", "start", "end", "uri"} <= set(page)
            seen += [message["sid"] for message in page["messages"]]
            uri = page["next_page_uri"]
            pages += 1
        assert list(reversed(sids)) == seen
        assert 3 == pages

    def test_list_filters(self, http: httpx.Client, emulator: Emulator) -> None:
        """To, From and DateSent filters narrow the list."""
        create(http, To="+14155550101")
        create(http, To="+14155550102", From="MyBrand")
        emulator.advance(1)
        by_to = http.get(
            f"{BASE}/Messages.json", params={"To": "+14155550101"}, auth=AUTH
        )
        assert ["+14155550101"] == [m["to"] for m in by_to.json()["messages"]]
        by_from = http.get(
            f"{BASE}/Messages.json", params={"From": "MyBrand"}, auth=AUTH
        )
        assert ["MyBrand"] == [m["from"] for m in by_from.json()["messages"]]
        for params, count in [
            ({"DateSent": "2025-06-01"}, 2),
            ({"DateSent>": "2025-06-02"}, 0),
            ({"DateSent<": "2025-06-01T12:00:00Z"}, 0),
            ({"DateSent>": "2025-06-01T12:00:00Z"}, 2),
            ({"DateSent<": "2025-06-01"}, 2),
        ]:
            page = http.get(f"{BASE}/Messages.json", params=params, auth=AUTH).json()
            assert count == len(page["messages"]), params

    def test_list_rejects_bad_paging(self, http: httpx.Client) -> None:
        """A non-numeric or negative page answers 400."""
        for params in ({"PageSize": "x"}, {"Page": "-1"}, {"DateSent": "junk"}):
            response = http.get(f"{BASE}/Messages.json", params=params, auth=AUTH)
            assert 400 == response.status_code, params

    def test_second_page_links_back(self, http: httpx.Client) -> None:
        """Page 1 has a previous_page_uri; an empty page still answers."""
        create(http)
        page = http.get(
            f"{BASE}/Messages.json", params={"PageSize": 1, "Page": 1}, auth=AUTH
        ).json()
        assert [] == page["messages"]
        assert "Page=0" in page["previous_page_uri"]

    def test_delete_only_when_final(
        self, http: httpx.Client, emulator: Emulator
    ) -> None:
        """DELETE answers 204 on a finished message, then the message is gone."""
        sid = create(http).json()["sid"]
        url = f"{BASE}/Messages/{sid}.json"
        assert 400 == http.delete(url, auth=AUTH).status_code
        emulator.advance()
        response = http.delete(url, auth=AUTH)
        assert (204, b"") == (response.status_code, response.content)
        assert 404 == http.get(url, auth=AUTH).status_code

    def test_redact_body(self, http: httpx.Client) -> None:
        """Posting an empty Body redacts the text; a non-empty one is refused."""
        sid = create(http).json()["sid"]
        url = f"{BASE}/Messages/{sid}.json"
        assert 400 == http.post(url, data={"Body": "new"}, auth=AUTH).status_code
        assert 400 == http.post(url, data={"Status": "sent"}, auth=AUTH).status_code
        assert "" == http.post(url, data={"Body": ""}, auth=AUTH).json()["body"]

    def test_unsupported_methods_and_paths(self, http: httpx.Client) -> None:
        """Unknown paths answer 20404; wrong methods answer 405."""
        assert 405 == http.put(f"{BASE}/Messages.json", auth=AUTH).status_code
        sid = create(http).json()["sid"]
        assert 405 == http.put(f"{BASE}/Messages/{sid}.json", auth=AUTH).status_code
        assert 404 == http.get(f"{BASE}/Calls.json", auth=AUTH).status_code

    def test_balance(self, http: httpx.Client, emulator: Emulator) -> None:
        """Balance.json reports the sandbox credit as a string, after charges."""
        create(http)
        emulator.advance()
        body = http.get(f"{BASE}/Balance.json", auth=AUTH).json()
        assert {"currency": "USD", "balance": "99.99250", "account_sid": SID} == body


class TestWebhooks:
    def test_status_callbacks_are_signed(
        self, http: httpx.Client, emulator: Emulator, receiver: Receiver
    ) -> None:
        """Each status change POSTs a form to StatusCallback with a valid signature."""
        callback = f"{receiver.url}/twilio/status?tenant=acme"
        sid = create(http, StatusCallback=callback).json()["sid"]
        emulator.advance()
        got = receiver.wait_for(2)
        assert ["sent", "delivered"] == [item.form["MessageStatus"] for item in got]
        for item in got:
            form = item.form
            assert "/twilio/status?tenant=acme" == item.path
            assert sid == form["MessageSid"] == form["SmsSid"]
            assert form["MessageStatus"] == form["SmsStatus"]
            assert SID == form["AccountSid"]
            assert "2010-04-01" == form["ApiVersion"]
            signature = item.headers["x-twilio-signature"]
            assert twilio_valid(callback, form, signature, TOKEN)
            assert not twilio_valid(callback, form, signature, "other-token")
        assert "RawDlrDoneDate" in got[1].form

    def test_failure_callback_has_error_code(
        self, http: httpx.Client, emulator: Emulator, receiver: Receiver
    ) -> None:
        """An undelivered message's callback carries ErrorCode."""
        callback = f"{receiver.url}/s"
        create(
            http,
            To="+15005550010",
            StatusCallback=callback,
            From="",
            MessagingServiceSid="MG" + "2" * 32,
        )
        emulator.advance()
        last = receiver.wait_for(2)[-1].form
        assert ("undelivered", "30003") == (last["MessageStatus"], last["ErrorCode"])
        assert "MG" + "2" * 32 == last["MessagingServiceSid"]

    def test_inbound_webhook(self, emulator: Emulator, receiver: Receiver) -> None:
        """A simulated inbound SMS reaches the Twilio inbound URL, signed."""
        message, count = emulator.receive(
            from_="+14155550199", body="Hi there", provider="twilio"
        )
        assert 1 == count
        (item,) = receiver.wait_for(1)
        form = item.form
        assert ("+14155550199", "+15005550006", "Hi there") == (
            form["From"],
            form["To"],
            form["Body"],
        )
        assert "received" == form["SmsStatus"]
        assert f"SM{message.id[2:]}" == form["MessageSid"]
        url = f"{receiver.url}/twilio/inbound"
        assert twilio_valid(url, form, item.headers["x-twilio-signature"], TOKEN)
