"""The server, its clock, the webhook dispatcher and the control API."""

from __future__ import annotations

import datetime as dt
import socket
import time

import httpx
import pytest
from emulator_helpers import START, Receiver

from smskit._emulator import Credentials, Emulator
from smskit._emulator._common import Webhook
from smskit._emulator._dispatch import WebhookDispatcher
from smskit._emulator._http import EmulatorRequest
from smskit._exceptions import ConfigurationError
from smskit.providers.sandbox._state import SandboxState

TWILIO = Credentials().twilio_account_sid, Credentials().twilio_auth_token
MESSAGES = f"/2010-04-01/Accounts/{TWILIO[0]}/Messages.json"


def twilio_send(http: httpx.Client, **params: str) -> dict:
    data = {"To": "+14155550100", "From": "+15005550006", "Body": "Hi", **params}
    response = http.post(MESSAGES, data=data, auth=TWILIO)
    assert 201 == response.status_code
    return response.json()


class TestLifecycle:
    def test_port_zero_and_repr(self) -> None:
        """Port 0 picks a free port; start and stop are idempotent."""
        emulator = Emulator(port=0, realtime=False)
        assert "stopped" in repr(emulator)
        emulator.stop()  # nothing to stop yet
        with emulator:
            assert emulator is emulator.start()
            assert emulator.port != 0
            assert "running" in repr(emulator)
            assert emulator.url == f"http://127.0.0.1:{emulator.port}"
        emulator.stop()
        assert "stopped" in repr(emulator)

    def test_port_in_use_raises(self) -> None:
        """Binding a busy port raises OSError."""
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            with pytest.raises(OSError):  # noqa: PT011 -- the OS picks the errno
                Emulator(port=busy.getsockname()[1], realtime=False).start()

    def test_idle_keep_alive_connections_do_not_block_stop(self) -> None:
        """stop() closes keep-alive connections the client left open."""
        with Emulator(port=0, realtime=False) as emulator:
            client = httpx.Client(base_url=emulator.url)
            assert 200 == client.get("/_sandbox").status_code
            started = time.monotonic()
            emulator.stop()
            assert time.monotonic() - started < 2
            client.close()

    def test_realtime_clock_moves_messages(self, receiver: Receiver) -> None:
        """With the clock on (and sped up), messages progress by themselves."""
        state = SandboxState(start=START)
        with (
            Emulator(port=0, state=state, speed=100.0, tick=0.01) as emulator,
            httpx.Client(base_url=emulator.url) as http,
        ):
            twilio_send(http, StatusCallback=f"{receiver.url}/s")
            got = receiver.wait_for(2)
        assert ["sent", "delivered"] == [item.form["MessageStatus"] for item in got]
        assert state.now > START

    def test_unknown_path_is_404(self, http: httpx.Client) -> None:
        """Paths no provider owns answer 404."""
        assert 404 == http.get("/nothing").status_code

    def test_a_dialect_bug_answers_500(
        self, emulator: Emulator, http: httpx.Client, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An exception in a handler answers 500 and the server keeps going."""

        def broken(request: EmulatorRequest) -> None:
            raise RuntimeError("boom")

        monkeypatch.setattr(emulator.dialect("twilio"), "handle", broken)
        assert 500 == http.get(MESSAGES).status_code
        assert 200 == http.get("/_sandbox").status_code

    def test_unknown_dialect(self, emulator: Emulator) -> None:
        """dialect() names the three providers only."""
        with pytest.raises(KeyError):
            emulator.dialect("sinch")


class TestControl:
    def test_summary(self, http: httpx.Client) -> None:
        """GET /_sandbox describes the emulator and its accounts."""
        body = http.get("/_sandbox/").json()
        assert {"twilio", "vonage", "plivo"} == set(body["providers"])
        assert not body["realtime"]

    def test_outbox_names_the_provider(self, http: httpx.Client) -> None:
        """The outbox lists every message with the provider and its ids."""
        sid = twilio_send(http)["sid"]
        (item,) = http.get("/_sandbox/outbox").json()["messages"]
        assert ("twilio", [sid], "+14155550100") == (
            item["provider"],
            item["provider_ids"],
            item["to"],
        )

    def test_advance(self, http: httpx.Client) -> None:
        """POST /_sandbox/advance moves time and lists the events."""
        twilio_send(http)
        body = http.post("/_sandbox/advance", json={"seconds": 1}).json()
        assert ["sent"] == [event["status"] for event in body["events"]]
        body = http.post("/_sandbox/advance").json()
        assert ["delivered"] == [event["status"] for event in body["events"]]

    def test_inbound_and_inbox(self, http: httpx.Client, receiver: Receiver) -> None:
        """POST /_sandbox/inbound without a provider reaches every inbound URL."""
        body = http.post(
            "/_sandbox/inbound", json={"from": "+14155550199", "body": "STOP"}
        ).json()
        assert 3 == body["webhooks"]
        paths = sorted(item.path for item in receiver.wait_for(3))
        assert ["/plivo/inbound", "/twilio/inbound", "/vonage/inbound"] == paths
        (message,) = http.get("/_sandbox/inbox").json()["messages"]
        assert ("+14155550199", "STOP") == (message["from"], message["body"])
        refused = http.post(
            MESSAGES,
            data={"To": "+14155550199", "From": "+15005550006", "Body": "x"},
            auth=TWILIO,
        )
        assert 21610 == refused.json()["code"]

    def test_inbound_to_a_given_url(
        self, http: httpx.Client, receiver: Receiver
    ) -> None:
        """A provider and url send one webhook there."""
        body = http.post(
            "/_sandbox/inbound",
            json={
                "provider": "twilio",
                "url": f"{receiver.url}/elsewhere",
                "from": "+14155550199",
                "to": "+15005550007",
                "body": "hi",
            },
        ).json()
        assert 1 == body["webhooks"]
        (item,) = receiver.wait_for(1)
        assert ("/elsewhere", "+15005550007") == (item.path, item.form["To"])

    def test_webhooks_log(self, http: httpx.Client, emulator: Emulator) -> None:
        """GET /_sandbox/webhooks lists attempts, failures included."""
        twilio_send(http, StatusCallback="http://127.0.0.1:9/unreachable")
        emulator.advance()
        assert emulator.dispatcher.wait_idle()
        deliveries = http.get("/_sandbox/webhooks").json()["deliveries"]
        assert 2 == len(deliveries)
        assert all(item["status_code"] is None for item in deliveries)
        assert all("ConnectError" in item["error"] for item in deliveries)

    def test_script(self, http: httpx.Client) -> None:
        """POST /_sandbox/script gives a number a scripted fate."""
        body = {"to": "+14155550123", "final": "undelivered", "error_code": "30005"}
        assert 200 == http.post("/_sandbox/script", json=body).status_code
        sid = twilio_send(http, To="+14155550123")["sid"]
        http.post("/_sandbox/advance")
        message = http.get(
            MESSAGES.replace(".json", f"/{sid}.json"), auth=TWILIO
        ).json()
        assert ("undelivered", 30005) == (message["status"], message["error_code"])

    def test_script_a_sandbox_delivery_error(self, http: httpx.Client) -> None:
        """A neutral sandbox error shows as each provider's own code."""
        body = {"to": "+14155550123", "final": "undelivered", "error_code": "blocked"}
        assert 200 == http.post("/_sandbox/script", json=body).status_code
        sid = twilio_send(http, To="+14155550123")["sid"]
        http.post("/_sandbox/advance")
        message = http.get(
            MESSAGES.replace(".json", f"/{sid}.json"), auth=TWILIO
        ).json()
        assert ("undelivered", 30004) == (message["status"], message["error_code"])
        (outbox,) = http.get("/_sandbox/outbox").json()["messages"]
        assert ("blocked", "twilio") == (outbox["error_code"], outbox["provider"])

    def test_script_without_an_error_code(self, http: httpx.Client) -> None:
        """A scripted failure need not carry a code; none is shown."""
        body = {"to": "+14155550123", "final": "undelivered"}
        assert 200 == http.post("/_sandbox/script", json=body).status_code
        sid = twilio_send(http, To="+14155550123")["sid"]
        http.post("/_sandbox/advance")
        message = http.get(
            MESSAGES.replace(".json", f"/{sid}.json"), auth=TWILIO
        ).json()
        assert ("undelivered", None) == (message["status"], message["error_code"])

    def test_script_refuses_an_unknown_error_name(self, http: httpx.Client) -> None:
        body = {"to": "+14155550123", "final": "undelivered", "error_code": "lost"}
        refused = http.post("/_sandbox/script", json=body)
        assert 400 == refused.status_code
        assert "unknown_number" in refused.json()["error"]

    @pytest.mark.parametrize(
        ("path", "body"),
        [
            ("/_sandbox/advance", {"seconds": -1}),
            ("/_sandbox/advance", {"seconds": "soon"}),
            ("/_sandbox/advance", [1]),
            ("/_sandbox/inbound", {"from": "+14155550199"}),
            ("/_sandbox/inbound", {"from": "+1", "body": "x", "provider": "sinch"}),
            ("/_sandbox/inbound", {"from": "+1", "body": "x", "url": "http://x"}),
            ("/_sandbox/script", {"to": "+14155550123", "final": "maybe"}),
            ("/_sandbox/script", {"to": "+14155550123", "final": "queued"}),
            (
                "/_sandbox/script",
                {"to": "+14155550123", "final": "failed", "sent_after": 9},
            ),
        ],
    )
    def test_bad_requests(self, http: httpx.Client, path: str, body: object) -> None:
        """Malformed control requests answer 400 with an error."""
        response = http.post(path, json=body)
        assert 400 == response.status_code
        assert response.json()["error"]

    def test_body_must_be_json(self, http: httpx.Client) -> None:
        """A control body that is not JSON answers 400."""
        assert 400 == http.post("/_sandbox/advance", content=b"{").status_code

    def test_unknown_route(self, http: httpx.Client) -> None:
        """Unknown control routes answer 404."""
        assert 404 == http.get("/_sandbox/nothing").status_code


class TestReceive:
    def test_url_needs_provider(self, emulator: Emulator) -> None:
        """Emulator.receive refuses a url without a provider."""
        with pytest.raises(ValueError, match="provider"):
            emulator.receive(from_="+14155550199", body="x", url="http://127.0.0.1:9")

    def test_state_receive_reaches_every_inbound_url(
        self, emulator: Emulator, receiver: Receiver
    ) -> None:
        """An inbound message put straight into the state is announced too."""
        emulator.state.receive(from_="+14155550199", body="hello")
        assert 3 == len(receiver.wait_for(3))

    def test_no_inbound_url_no_webhook(self) -> None:
        """Without inbound URLs nothing is sent."""
        with Emulator(port=0, realtime=False) as emulator:
            _, count = emulator.receive(from_="+14155550199", body="x")
            assert 0 == count


class TestDispatcher:
    def webhook(self, url: str) -> Webhook:
        return Webhook(provider="twilio", kind="status", method="POST", url=url)

    def test_error_answers_are_recorded(self, receiver: Receiver) -> None:
        """A target answering 500 is logged and recorded, and the worker goes on."""
        receiver.status = 500
        dispatcher = WebhookDispatcher(timeout=1)
        dispatcher.start()
        dispatcher.submit(self.webhook(f"{receiver.url}/a"))
        dispatcher.submit(self.webhook("not a url"))
        assert dispatcher.wait_idle()
        dispatcher.stop()
        dispatcher.stop()  # stopping twice is harmless
        first, second = dispatcher.deliveries
        assert (500, None) == (first.status_code, first.error)
        assert second.status_code is None
        assert second.error

    def test_a_failing_delivery_does_not_stop_the_worker(
        self, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A delivery that raises is logged; the queue drains and the next goes out."""
        dispatcher = WebhookDispatcher(timeout=1)
        real = dispatcher._send
        calls: list[str] = []

        def flaky(client: httpx.Client, webhook: Webhook) -> object:
            calls.append(webhook.url)
            if len(calls) == 1:
                raise RuntimeError("delivery bug")
            return real(client, webhook)

        monkeypatch.setattr(dispatcher, "_send", flaky)
        dispatcher.start()
        dispatcher.submit(self.webhook(f"{receiver.url}/first"))
        dispatcher.submit(self.webhook(f"{receiver.url}/second"))
        assert dispatcher.wait_idle()
        dispatcher.stop()
        assert ["/second"] == [item.path for item in receiver.requests]
        assert 1 == len(dispatcher.deliveries)


class TestConfig:
    def test_from_env_and_overrides(self) -> None:
        """Environment variables set credentials; explicit values win."""
        environ = {
            "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
            "VONAGE_API_KEY": "k",
            "VONAGE_SIGNATURE_METHOD": "sha512",
            "PLIVO_AUTH_TOKEN": "",
        }
        credentials = Credentials.from_env(
            environ, vonage_api_key="flag", plivo_auth_id=None
        )
        assert ("AC" + "1" * 32, "flag", "sha512") == (
            credentials.twilio_account_sid,
            credentials.vonage_api_key,
            credentials.vonage_signature_method,
        )
        assert Credentials().plivo_auth_token == credentials.plivo_auth_token

    def test_bad_signature_method(self) -> None:
        """An unknown Vonage signature method is a configuration error."""
        with pytest.raises(ConfigurationError):
            Credentials(vonage_signature_method="crc32")  # type: ignore[arg-type]

    def test_describe_hides_given_secrets(self) -> None:
        """The banner shows defaults but not secrets the user gave."""
        lines = Credentials(twilio_auth_token="hunter2").describe()
        assert not any("hunter2" in line for line in lines)
        assert any(Credentials().plivo_auth_token in line for line in lines)


def test_basic_auth_parsing() -> None:
    """Malformed Authorization headers count as no credentials."""
    for value in ("Bearer x", "Basic !!!", "Basic bm9jb2xvbg=="):
        request = EmulatorRequest(
            method="GET", path="/", headers={"authorization": value}
        )
        assert request.basic_auth() is None


def test_start_default_is_now() -> None:
    """A default emulator's sandbox starts at the current time."""
    emulator = Emulator(port=0, realtime=False)
    assert abs(emulator.state.now - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(
        seconds=5
    )
