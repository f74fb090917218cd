"""The emulator's signed webhooks, end to end through `smskit.webhooks`.

A message is sent through each provider's real driver to the local emulator,
which delivers status callbacks and inbound messages, signed by the same
signing functions the verifiers use, to a receiver on 127.0.0.1. Every request
the receiver got goes through a `WebhookHandler` built from the same provider
object that sent: the statuses must reach "delivered" for the message that
was sent, a long inbound message must come out whole (Vonage delivers it part
by part), a STOP must come out as an opt-out, and a redelivery must be a
duplicate.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import smskit
from smskit import InboundMessage, Status, StatusEvent, providers
from smskit._emulator._config import Credentials
from smskit._emulator._server import Emulator
from smskit.webhooks import WebhookHandler, WebhookRequest

CREDENTIALS = Credentials()
LONG_REPLY = "Thanks! " * 30  # 240 characters: two parts in GSM-7
PHONE = "+14155552671"


class Receiver:
    """Records every request made to it, exactly as it arrived."""

    def __init__(self) -> None:
        self.requests: list[WebhookRequest] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                host, port = self.server.server_address[:2]
                request = WebhookRequest(
                    method=self.command,
                    url=f"http://{host}:{port}{self.path}",
                    headers=dict(self.headers.items()),
                    body=body,
                    remote_addr=self.client_address[0],
                )
                with receiver.lock:
                    receiver.requests.append(request)
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self) -> None:
                self._record()

            def do_POST(self) -> None:
                self._record()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(0.01,), daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[WebhookRequest]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.01)
        with self.lock:
            got = len(self.requests)
        pytest.fail(f"expected {count} webhooks, got {got}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def emulator(receiver: Receiver) -> Iterator[Emulator]:
    inbound = {name: f"{receiver.url}/{name}/inbound" for name in PROVIDERS}
    with Emulator(
        port=0,
        credentials=CREDENTIALS,
        realtime=False,
        inbound_urls=inbound,
        webhook_timeout=2.0,
    ) as emulator:
        yield emulator


def _twilio(base_url: str) -> providers.Twilio:
    return providers.Twilio(
        account_sid=CREDENTIALS.twilio_account_sid,
        auth_token=CREDENTIALS.twilio_auth_token,
        base_url=base_url,
    )


def _vonage(base_url: str) -> providers.Vonage:
    return providers.Vonage(
        api_key=CREDENTIALS.vonage_api_key,
        api_secret=CREDENTIALS.vonage_api_secret,
        signature_secret=CREDENTIALS.vonage_signature_secret,
        signature_method=CREDENTIALS.vonage_signature_method,
        base_url=base_url,
        environ={},
    )


def _plivo(base_url: str) -> providers.Plivo:
    return providers.Plivo(
        auth_id=CREDENTIALS.plivo_auth_id,
        auth_token=CREDENTIALS.plivo_auth_token,
        base_url=base_url,
    )


PROVIDERS = {"twilio": _twilio, "vonage": _vonage, "plivo": _plivo}


def _handle_all(
    handler: WebhookHandler, requests: list[WebhookRequest]
) -> tuple[list[StatusEvent], list[InboundMessage]]:
    events: list[StatusEvent] = []
    inbound: list[InboundMessage] = []
    for request in requests:
        result = handler.handle(request)
        assert result.reply.status in {200, 204}
        for item in result.items:
            if isinstance(item, StatusEvent):
                events.append(item)
            else:
                inbound.append(item)
    return events, inbound


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_status_callbacks_reach_delivered(
    name: str, emulator: Emulator, receiver: Receiver
) -> None:
    provider = PROVIDERS[name](emulator.url)
    callback = f"{receiver.url}/{name}/status"
    with smskit.Client(provider, sender="+15005550006") as client:
        message = client.send(
            to=PHONE, body="Your code is 4242", status_callback=callback
        )
    emulator.advance()
    assert emulator.dispatcher.wait_idle()
    requests = receiver.wait_for(1)
    handler = WebhookHandler(provider)
    handler.remember(message)
    events, inbound = _handle_all(handler, requests)

    assert not inbound
    assert events, f"no status events from {len(requests)} {name} webhooks"
    assert {event.message_id for event in events} == {message.id}
    assert {event.provider for event in events} == {name}
    final = message
    for event in events:
        final = final.apply(event)
    assert final.status is Status.DELIVERED
    # The same requests again: a nonce the signature covers (Vonage, Plivo)
    # makes each a replay; without one (Twilio) each is a duplicate event.
    for request in requests:
        if provider.webhook_nonce(request) is not None:
            with pytest.raises(smskit.WebhookVerificationError, match="replayed"):
                handler.handle(request)
        else:
            again = handler.handle(request)
            assert not again.items
            assert again.duplicates


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_inbound_messages_come_out_whole(
    name: str, emulator: Emulator, receiver: Receiver
) -> None:
    provider = PROVIDERS[name](emulator.url)
    handler = WebhookHandler(provider)
    emulator.receive(from_=PHONE, body=LONG_REPLY, provider=name)
    emulator.receive(from_=PHONE, body=" Stop! ", provider=name)
    assert emulator.dispatcher.wait_idle()
    # Vonage sends one webhook per part; the others one per message.
    requests = receiver.wait_for(3 if name == "vonage" else 2)
    events, inbound = _handle_all(handler, requests)

    assert not events
    assert [message.body for message in inbound] == [LONG_REPLY, " Stop! "]
    assert all(message.is_complete and not message.is_part for message in inbound)
    assert [message.intent for message in inbound] == [None, "opt_out"]
    assert {message.sender for message in inbound} == {PHONE}


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_a_webhook_for_another_account_is_refused(
    name: str, emulator: Emulator, receiver: Receiver
) -> None:
    emulator.receive(from_=PHONE, body="hello", provider=name)
    assert emulator.dispatcher.wait_idle()
    (request,) = receiver.wait_for(1)
    stranger = {
        "twilio": lambda: providers.Twilio(
            account_sid=CREDENTIALS.twilio_account_sid, auth_token="0" * 32
        ),
        "vonage": lambda: providers.Vonage(
            api_key=CREDENTIALS.vonage_api_key,
            api_secret=CREDENTIALS.vonage_api_secret,
            signature_secret="another-signature-secret",
            signature_method=CREDENTIALS.vonage_signature_method,
            environ={},
        ),
        "plivo": lambda: providers.Plivo(
            auth_id=CREDENTIALS.plivo_auth_id, auth_token="another-auth-token"
        ),
    }[name]()
    with pytest.raises(smskit.WebhookVerificationError):
        WebhookHandler(stranger).handle(request)


def test_an_inbound_stop_teaches_the_guard(
    emulator: Emulator, receiver: Receiver
) -> None:
    provider = _twilio(emulator.url)
    guard = smskit.Guard()
    handler = WebhookHandler(provider, guard=guard)
    emulator.receive(from_=PHONE, body="stop", provider="twilio")
    assert emulator.dispatcher.wait_idle()
    (stop,) = receiver.wait_for(1)
    handler.handle(stop)
    assert guard.check(PHONE).opted_out
    with (
        smskit.Client(provider, sender="+15005550006", guard=guard) as client,
        pytest.raises(smskit.RecipientOptedOut),
    ):
        client.send(to=PHONE, body="sale", kind="transactional")
    emulator.receive(from_=PHONE, body="START", provider="twilio")
    assert emulator.dispatcher.wait_idle()
    handler.handle(receiver.wait_for(2)[1])
    assert not guard.check(PHONE).opted_out


def test_a_handler_refuses_a_guard_of_the_wrong_type(emulator: Emulator) -> None:
    with pytest.raises(smskit.OptionTypeError, match="guard"):
        WebhookHandler(_twilio(emulator.url), guard="yes")  # type: ignore[arg-type]
