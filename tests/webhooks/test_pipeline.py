"""smskit.webhooks: verify, parse and WebhookHandler against a signed fake provider."""

from __future__ import annotations

import datetime as dt
import json
import pickle
import threading
from typing import Any

import pytest
from webhook_helpers import (
    SECRET,
    T0,
    URL,
    Clock,
    FakeProvider,
    event,
    fake_request,
)

from smskit import (
    ArgumentTypeError,
    ConfigurationError,
    InboundMessage,
    Message,
    NotSupported,
    OptionTypeError,
    Status,
    StatusEvent,
    WebhookBodyTooLarge,
    WebhookPayloadError,
    WebhookVerificationError,
)
from smskit.providers import Sandbox
from smskit.webhooks import (
    DEFAULT_MAX_BODY,
    MemoryStore,
    PublicUrl,
    WebhookHandler,
    WebhookReply,
    WebhookResult,
    WebhookStoreUnavailable,
    parse,
    verify,
)

INTERNAL = "http://10.0.0.5:8000/hooks/fake?tenant=7"


@pytest.fixture
def provider() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def handler(provider: FakeProvider, clock: Clock) -> WebhookHandler:
    return WebhookHandler(provider, clock=clock)


# -- verify and parse ------------------------------------------------------


def test_verify_accepts_a_signed_request(provider: FakeProvider) -> None:
    verify(provider, fake_request(events=[event("m1", "sent")]), now=T0)
    assert provider.verified == 1


def test_parse_verifies_then_reads(provider: FakeProvider) -> None:
    items = parse(provider, fake_request(events=[event("m1", "delivered")]))
    assert [(item.message_id, item.status) for item in items] == [  # type: ignore[union-attr]
        ("m1", Status.DELIVERED)
    ]


def test_parse_does_not_read_a_forged_request(provider: FakeProvider) -> None:
    request = fake_request(events=[event("m1", "sent")], secret=b"not-the-secret")
    with pytest.raises(WebhookVerificationError, match="does not match"):
        parse(provider, request)
    assert provider.parsed == 0


def test_a_failed_signature_names_the_url_and_says_none_was_configured(
    provider: FakeProvider,
) -> None:
    request = fake_request(events=[event("m1", "sent")], url=INTERNAL, signed_url=URL)
    with pytest.raises(WebhookVerificationError) as caught:
        verify(provider, request)
    text = str(caught.value)
    assert "http://10.0.0.5:8000/hooks/fake" in text
    assert "public_url=" in text
    assert isinstance(caught.value.__cause__, WebhookVerificationError)


def test_public_url_rebuilds_the_signed_url(provider: FakeProvider) -> None:
    request = fake_request(events=[event("m1", "sent")], url=INTERNAL, signed_url=URL)
    items = parse(provider, request, public_url="https://hooks.example.com")
    assert len(items) == 1


def test_a_proxy_mismatch_error_names_both_urls(provider: FakeProvider) -> None:
    # Signed for another host than the configured base: the error says what
    # the base made of the URL and what the server saw.
    request = fake_request(
        events=[event("m1", "sent")],
        url=INTERNAL,
        signed_url="https://other.example.com/hooks/fake?tenant=7",
    )
    with pytest.raises(WebhookVerificationError) as caught:
        verify(provider, request, public_url=PublicUrl("https://hooks.example.com"))
    text = str(caught.value)
    assert "public_url base https://hooks.example.com" in text
    assert "https://hooks.example.com/hooks/fake?…" in text
    assert "reached http://10.0.0.5:8000/hooks/fake?…" in text


def test_an_untrusted_peer_error_says_forwarded_headers_were_ignored(
    provider: FakeProvider,
) -> None:
    request = fake_request(
        events=[event("m1", "sent")],
        url=INTERNAL,
        signed_url=URL,
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hooks.example.com"},
        remote_addr="203.0.113.9",
    )
    public = PublicUrl(trusted_proxies=["10.0.0.0/8"])
    with pytest.raises(WebhookVerificationError, match="forwarded headers ignored"):
        verify(provider, request, public_url=public)
    trusted = attrs_evolve(request, remote_addr="10.1.2.3")
    verify(provider, trusted, public_url=public)


def attrs_evolve(request: Any, **changes: Any) -> Any:
    import attrs

    return attrs.evolve(request, **changes)


def test_error_text_holds_no_credentials_or_query_values(
    provider: FakeProvider,
) -> None:
    url = "https://user:hunter2@hooks.example.com/hooks/fake?token=tok-secret"
    request = fake_request(events=[event("m1", "sent")], url=url, secret=b"wrong")
    with pytest.raises(WebhookVerificationError) as caught:
        verify(provider, request)
    text = str(caught.value).split(" (URL as received")[1]
    assert "hunter2" not in text
    assert "tok-secret" not in text
    assert SECRET.decode() not in str(caught.value)


def test_oversized_body_is_refused_before_the_signature(provider: FakeProvider) -> None:
    request = fake_request(body=b"x" * 101)
    with pytest.raises(WebhookBodyTooLarge) as caught:
        verify(provider, request, max_body=100)
    assert caught.value.limit == 100
    assert "101 bytes" in str(caught.value)
    assert provider.verified == 0


def test_a_body_at_the_cap_is_accepted(provider: FakeProvider) -> None:
    body = json.dumps({"events": [event("m1", "sent")]}).encode()
    verify(provider, fake_request(body=body), max_body=len(body))


def test_the_default_cap_is_256_kib(provider: FakeProvider) -> None:
    assert DEFAULT_MAX_BODY == 256 * 1024
    with pytest.raises(WebhookBodyTooLarge):
        WebhookHandler(provider).handle(
            fake_request(body=b" " * (DEFAULT_MAX_BODY + 1))
        )


def test_wrong_arguments_are_refused(provider: FakeProvider) -> None:
    with pytest.raises(ArgumentTypeError, match="WebhookRequest"):
        verify(provider, {"url": URL})  # type: ignore[arg-type]
    with pytest.raises(OptionTypeError, match="provider"):
        verify(object(), fake_request())  # type: ignore[arg-type]
    with pytest.raises(NotSupported, match="sandbox"):
        verify(Sandbox(), fake_request())  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match="timezone-aware"):
        verify(provider, fake_request(), now=dt.datetime(2026, 1, 1))
    with pytest.raises(OptionTypeError, match="public_url"):
        verify(provider, fake_request(), public_url=42)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="max_body"):
        verify(provider, fake_request(), max_body=0)


def test_handler_options_are_checked(provider: FakeProvider) -> None:
    with pytest.raises(OptionTypeError, match="store"):
        WebhookHandler(provider, store={})  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="part_timeout"):
        WebhookHandler(provider, part_timeout=-1)
    with pytest.raises(OptionTypeError, match="clock"):
        WebhookHandler(provider, clock=3)  # type: ignore[arg-type]
    naive = WebhookHandler(provider, clock=lambda: dt.datetime(2026, 1, 1))
    with pytest.raises(ConfigurationError, match="timezone-aware"):
        naive.handle(fake_request())


# -- the handler -------------------------------------------------------------


def test_handle_returns_new_items_and_the_providers_reply(
    handler: WebhookHandler,
) -> None:
    result = handler.handle(fake_request(events=[event("m1", "delivered")]))
    assert [item.message_id for item in result.status_events] == ["m1"]
    assert result.duplicates == result.stale == ()
    assert result.reply == WebhookReply(status=204)
    assert handler.provider is not None
    assert handler.max_body == DEFAULT_MAX_BODY


def test_a_replayed_nonce_is_refused(handler: WebhookHandler) -> None:
    request = fake_request(events=[event("m1", "sent")], nonce="n-replay")
    handler.handle(request)
    with pytest.raises(WebhookVerificationError, match="replayed nonce"):
        handler.handle(request)


def test_a_nonce_is_forgotten_after_the_replay_window(
    provider: FakeProvider, clock: Clock
) -> None:
    handler = WebhookHandler(provider, clock=clock, replay_window=60)
    request = fake_request(events=[event("m1", "sent")], nonce="n-window")
    handler.handle(request)
    clock.advance(61)
    again = handler.handle(request)
    # The nonce is accepted again, but the event itself is still known.
    assert again.items == ()
    assert len(again.duplicates) == 1


def test_a_forged_request_does_not_burn_the_nonce(handler: WebhookHandler) -> None:
    forged = fake_request(events=[event("m1", "failed")], nonce="n-x", secret=b"bad")
    with pytest.raises(WebhookVerificationError):
        handler.handle(forged)
    genuine = fake_request(events=[event("m1", "sent")], nonce="n-x")
    assert len(handler.handle(genuine).items) == 1


def test_an_unreadable_payload_gives_the_nonce_back(handler: WebhookHandler) -> None:
    request = fake_request(body=b'{"events": [{"status": "sent"}]}', nonce="n-bad")
    for _ in range(2):  # the same error twice, not "replayed nonce"
        with pytest.raises(WebhookPayloadError, match="cannot be read"):
            handler.handle(request)


def test_a_redelivered_event_is_a_duplicate(handler: WebhookHandler) -> None:
    first = handler.handle(fake_request(events=[event("m1", "delivered")]))
    again = handler.handle(fake_request(events=[event("m1", "delivered")]))
    assert len(first.items) == 1
    assert again.items == ()
    assert again.duplicates == first.items


def test_the_same_event_twice_in_one_request(handler: WebhookHandler) -> None:
    result = handler.handle(
        fake_request(events=[event("m1", "sent"), event("m1", "sent")])
    )
    assert len(result.items) == 1
    assert len(result.duplicates) == 1


def test_each_status_of_a_message_is_its_own_event(handler: WebhookHandler) -> None:
    # Keyed on the message id alone, "delivered" would look like a duplicate.
    handler.handle(fake_request(events=[event("m1", "queued")]))
    handler.handle(fake_request(events=[event("m1", "sent")]))
    result = handler.handle(fake_request(events=[event("m1", "delivered")]))
    assert [item.status for item in result.status_events] == [Status.DELIVERED]


def test_a_late_sent_after_delivered_is_stale(handler: WebhookHandler) -> None:
    handler.handle(fake_request(events=[event("m1", "delivered")]))
    late = handler.handle(fake_request(events=[event("m1", "sent")]))
    assert late.items == ()
    assert [item.status for item in late.stale] == [Status.SENT]
    # Read after delivered still moves forward; the stale one stays stale.
    read = handler.handle(fake_request(events=[event("m1", "read")]))
    assert [item.status for item in read.items] == [Status.READ]
    again = handler.handle(fake_request(events=[event("m1", "sent")]))
    assert len(again.duplicates) == 1


def test_unknown_never_replaces_a_known_status(handler: WebhookHandler) -> None:
    handler.handle(fake_request(events=[event("m1", "sent")]))
    result = handler.handle(fake_request(events=[event("m1", "unknown")]))
    assert len(result.stale) == 1


def test_parts_are_ordered_each_on_their_own(handler: WebhookHandler) -> None:
    handler.handle(fake_request(events=[event("p1", "delivered", part="p1")]))
    # Another part's "sent" is not stale: each part has its own status.
    result = handler.handle(fake_request(events=[event("p2", "sent", part="p2")]))
    assert len(result.items) == 1


def _sent_in_parts() -> Message:
    return Message(
        id="p1",
        provider="fake",
        to="+14155552671",
        status="sent",
        part_ids=("p1", "p2", "p3"),
    )


def test_remembered_parts_are_joined_to_their_message(handler: WebhookHandler) -> None:
    message = _sent_in_parts()
    handler.remember(message)
    result = handler.handle(
        fake_request(
            events=[event("p2", "delivered", part="p2"), event("p3", "delivered")]
        )
    )
    joined = result.status_events
    assert [(item.message_id, item.part_id) for item in joined] == [
        ("p1", "p2"),
        ("p1", "p3"),
    ]
    for item in joined:  # ready for the model's reducer
        message = message.apply(item)
    assert message.part_statuses == (Status.SENT, Status.DELIVERED, Status.DELIVERED)


def test_an_event_is_the_same_before_and_after_remember(
    handler: WebhookHandler,
) -> None:
    first = handler.handle(fake_request(events=[event("p2", "delivered", part="p2")]))
    handler.remember(_sent_in_parts())
    again = handler.handle(fake_request(events=[event("p2", "delivered", part="p2")]))
    assert len(first.items) == 1
    assert again.items == ()
    assert len(again.duplicates) == 1


def test_remember_takes_a_message(handler: WebhookHandler) -> None:
    with pytest.raises(ArgumentTypeError, match="Message"):
        handler.remember("p1")  # type: ignore[arg-type]


def test_release_lets_the_retry_through(handler: WebhookHandler) -> None:
    request = fake_request(events=[event("m1", "delivered")], nonce="n-release")
    result = handler.handle(request)
    handler.release(result)
    retry = handler.handle(request)  # the same signed request: nonce given back
    assert retry.items == result.items


def test_release_does_not_undo_other_results(handler: WebhookHandler) -> None:
    kept = handler.handle(fake_request(events=[event("m1", "delivered")]))
    released = handler.handle(fake_request(events=[event("m2", "delivered")]))
    handler.release(released)
    again = handler.handle(
        fake_request(events=[event("m1", "delivered"), event("m2", "delivered")])
    )
    assert [item.message_id for item in again.status_events] == ["m2"]
    assert again.duplicates == kept.items


def test_release_takes_a_result(handler: WebhookHandler) -> None:
    with pytest.raises(ArgumentTypeError, match="WebhookResult"):
        handler.release(())  # type: ignore[arg-type]


class FailingStore(MemoryStore):
    """A memory store whose claims fail after the first ``good`` ones."""

    def __init__(self, good: int) -> None:
        super().__init__()
        self.good = good
        self.fail = True

    def claim(self, key: str, *, ttl: float, now: float) -> bool:
        if self.fail and self.good <= 0:
            raise WebhookStoreUnavailable("the store is down")
        self.good -= 1
        return super().claim(key, ttl=ttl, now=now)


def test_a_store_failure_midway_gives_every_claim_back(
    provider: FakeProvider, clock: Clock
) -> None:
    store = FailingStore(good=2)  # the nonce and the first event
    handler = WebhookHandler(provider, store=store, clock=clock)
    request = fake_request(events=[event("m1", "sent"), event("m2", "sent")])
    with pytest.raises(WebhookStoreUnavailable):
        handler.handle(request)
    store.fail = False
    retry = handler.handle(request)  # neither a replay nor a duplicate
    assert [item.message_id for item in retry.status_events] == ["m1", "m2"]


def test_exactly_one_thread_gets_an_event(provider: FakeProvider) -> None:
    handler = WebhookHandler(provider)
    workers = 8
    barrier = threading.Barrier(workers)
    results: list[WebhookResult] = []
    lock = threading.Lock()
    requests = [fake_request(events=[event("m1", "delivered")]) for _ in range(workers)]

    def work(index: int) -> None:
        barrier.wait()
        result = handler.handle(requests[index])
        with lock:
            results.append(result)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == workers
    assert sum(len(result.items) for result in results) == 1
    assert sum(len(result.duplicates) for result in results) == workers - 1


def test_racing_statuses_end_at_the_most_advanced(provider: FakeProvider) -> None:
    handler = WebhookHandler(provider)
    statuses = ["queued", "sending", "sent", "delivered"] * 3
    barrier = threading.Barrier(len(statuses))
    results: list[WebhookResult] = []

    def work(status: str, index: int) -> None:
        request = fake_request(
            events=[{"id": "m1", "status": status, "raw": str(index)}]
        )
        barrier.wait()
        results.append(handler.handle(request))

    threads = [
        threading.Thread(target=work, args=(status, index))
        for index, status in enumerate(statuses)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    final = handler.handle(fake_request(events=[event("m1", "sent")]))
    assert len(final.stale) == 1
    delivered = [
        item
        for result in results
        for item in result.items
        if isinstance(item, StatusEvent) and item.status is Status.DELIVERED
    ]
    assert len(delivered) == 3  # each raw word once; none of them went stale


def test_inbound_messages_are_deduped(handler: WebhookHandler) -> None:
    inbound = {"id": "in-1", "text": "STOP"}
    first = handler.handle(fake_request(inbound=[inbound]))
    again = handler.handle(fake_request(inbound=[inbound]))
    (message,) = first.inbound
    assert isinstance(message, InboundMessage)
    assert message.intent == "opt_out"
    assert first.reply.status == 200
    assert again.items == ()
    assert again.reply.status == 200  # still the reply for an inbound request


def test_a_result_pickles_and_keeps_what_release_needs(
    handler: WebhookHandler,
) -> None:
    request = fake_request(events=[event("m1", "delivered")], nonce="n-pickle")
    result = pickle.loads(pickle.dumps(handler.handle(request)))  # noqa: S301
    handler.release(result)
    assert len(handler.handle(request).items) == 1


class NeverSettles(MemoryStore):
    def compare_and_set(
        self, key: str, expected: str | None, value: str, *, ttl: float, now: float
    ) -> bool:
        return False


def test_a_store_whose_compare_and_set_never_succeeds_is_an_error(
    provider: FakeProvider,
) -> None:
    handler = WebhookHandler(provider, store=NeverSettles())
    with pytest.raises(WebhookStoreUnavailable, match="did not settle"):
        handler.handle(fake_request(events=[event("m1", "sent")]))
