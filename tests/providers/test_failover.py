"""Failover: moves on only after proof the message was not accepted; never sends twice.

Faults are injected into real sandboxes (their in-process servers answer);
what each member accepted is counted in its own outbox.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable
from typing import Any

import httpx
import pytest

import smskit
from client_helpers import Both, MakeClient
from smskit.providers import Failover, Router, Sandbox, capabilities

pytestmark = pytest.mark.anyio

TO = "+14155552671"


def fast_retry(**options: object) -> smskit.RetryPolicy:
    """The default policy with millisecond backoffs, so a test waits little."""
    return smskit.RetryPolicy(initial_backoff=0.001, max_backoff=0.002, **options)  # type: ignore[arg-type]


class WrongKeySandbox(Sandbox):
    """A sandbox account whose credentials the sandbox refuses (HTTP 401)."""

    def build_send(self, message: smskit.providers.OutgoingMessage) -> httpx.Request:
        request = super().build_send(message)
        request.headers["Authorization"] = "Bearer not-the-key"
        return request


class OtherAccountSandbox(Sandbox):
    """A sandbox standing for a second account, with rate limits of its own."""

    @property
    def rate_limit_key(self) -> str:
        return "sandbox-2"


class KeyRecordingLimiter(smskit.LocalLimiter):
    """A local limiter that records which bucket each reservation drew from.

    ``areserve`` goes through ``reserve``, so async clients are recorded too.
    """

    def __init__(self, limit: smskit.RateLimit) -> None:
        super().__init__(limit)
        self.keys: list[str] = []

    def reserve(self, key: str, cost: float) -> float:
        self.keys.append(key)
        return super().reserve(key, cost)


def pair(
    main: Sandbox | None = None, backup: Sandbox | None = None
) -> tuple[Sandbox, Sandbox, Failover]:
    main = main or Sandbox(seed=1)
    backup = backup or Sandbox(seed=2)
    return (
        main,
        backup,
        Failover([main, backup], labels={"main": main, "backup": backup}),
    )


async def call(client: Both, method: str, *args: Any, **kwargs: Any) -> Any:
    result = getattr(client.client, method)(*args, **kwargs)
    return await result if isinstance(result, Awaitable) else result


@pytest.mark.parametrize("fault", ["connect_error", "unavailable"])
async def test_a_member_that_took_nothing_hands_over(
    make_client: MakeClient, fault: str
) -> None:
    main, backup, failover = pair()
    main.inject(fault, times=None)
    client = make_client(failover, retry=fast_retry())

    message = await client.send(to=TO, body="hi")

    assert (len(main.outbox), len(backup.outbox)) == (0, 1)
    assert message.id == f"backup:{backup.outbox[0].id}"
    assert message.provider == "sandbox"
    assert message.to == TO
    await client.close()


async def test_every_member_keeps_the_full_retry_policy(
    make_client: MakeClient, requests: list[httpx.Request]
) -> None:
    main, backup, failover = pair()
    main.inject("connect_error", times=2)  # the third attempt gets through
    client = make_client(failover, retry=fast_retry(max_attempts=3))

    message = await client.send(to=TO, body="hi")

    assert message.id.startswith("main:")
    assert (len(main.outbox), len(backup.outbox)) == (1, 0)
    assert len(requests) == 3
    await client.close()


async def test_refused_credentials_hand_over(make_client: MakeClient) -> None:
    main, backup, failover = pair(main=WrongKeySandbox(seed=1))
    client = make_client(failover, retry=fast_retry())

    message = await client.send(to=TO, body="hi")

    assert message.id.startswith("backup:")
    assert (len(main.outbox), len(backup.outbox)) == (0, 1)
    await client.close()


async def test_throttling_past_the_wait_ceiling_hands_over(
    make_client: MakeClient,
) -> None:
    main, backup, failover = pair()
    main.inject("rate_limited", times=None, retry_after=600)
    client = make_client(failover, retry=fast_retry(max_retry_after=60))

    message = await client.send(to=TO, body="hi")

    assert message.id.startswith("backup:")
    assert (len(main.outbox), len(backup.outbox)) == (0, 1)
    await client.close()


async def test_a_short_throttle_is_waited_out_at_the_same_member(
    make_client: MakeClient,
) -> None:
    main, backup, failover = pair()
    main.inject("rate_limited", times=1, retry_after=1)
    client = make_client(failover, retry=fast_retry())

    message = await client.send(to=TO, body="hi")

    assert message.id.startswith("main:")
    assert (len(main.outbox), len(backup.outbox)) == (1, 0)
    await client.close()


@pytest.mark.parametrize("fault", ["server_error", "read_timeout"])
async def test_a_send_that_may_be_out_never_moves_on(
    make_client: MakeClient, fault: str
) -> None:
    main, backup, failover = pair()
    main.inject(fault, times=None)
    client = make_client(failover, retry=fast_retry())

    with pytest.raises(smskit.DeliveryUnknown) as caught:
        await client.send(to=TO, body="hi")

    # The main sandbox accepted it before the answer went wrong: one SMS,
    # and the backup was never asked.
    assert (len(main.outbox), len(backup.outbox)) == (1, 0)
    assert caught.value.provider == "sandbox"
    await client.close()


async def test_a_clean_failure_after_an_ambiguous_one_does_not_move_on(
    make_client: MakeClient,
) -> None:
    main, backup, failover = pair()
    main.inject("read_timeout", times=1)
    main.inject("connect_error", times=None)
    client = make_client(failover, retry=fast_retry(retry_ambiguous_sends=True))

    with pytest.raises(smskit.DeliveryUnknown):
        await client.send(to=TO, body="hi")

    assert (len(main.outbox), len(backup.outbox)) == (1, 0)
    await client.close()


async def test_a_refused_message_is_not_sent_elsewhere(make_client: MakeClient) -> None:
    main, backup, failover = pair()
    main.receive(from_=TO, body="STOP")
    client = make_client(failover, retry=fast_retry())

    with pytest.raises(smskit.OptedOut):
        await client.send(to=TO, body="hi")

    assert (len(main.outbox), len(backup.outbox)) == (0, 0)
    await client.close()


async def test_when_every_member_is_down_the_last_error_is_raised(
    make_client: MakeClient,
) -> None:
    main, backup, failover = pair(main=WrongKeySandbox(seed=1))
    backup.inject("unavailable", times=None)
    client = make_client(failover, retry=fast_retry(max_attempts=2))

    with pytest.raises(smskit.ProviderUnavailable) as caught:
        await client.send(to=TO, body="hi")

    assert caught.value.http_status == 503
    assert (len(main.outbox), len(backup.outbox)) == (0, 0)
    await client.close()


async def test_three_members_are_tried_in_order(make_client: MakeClient) -> None:
    first, second, third = Sandbox(seed=1), Sandbox(seed=2), Sandbox(seed=3)
    first.inject("connect_error", times=None)
    second.inject("unavailable", times=None)
    failover = Failover(
        [first, second, third], labels={"a": first, "b": second, "c": third}
    )
    client = make_client(failover, retry=fast_retry())

    message = await client.send(to=TO, body="hi")

    assert message.id.startswith("c:")
    assert [len(s.outbox) for s in (first, second, third)] == [0, 0, 1]
    await client.close()


async def test_each_member_draws_from_its_own_rate_limit(
    make_client: MakeClient,
) -> None:
    main, backup, failover = pair(main=WrongKeySandbox(seed=1))
    backup = OtherAccountSandbox(seed=2)
    failover = Failover([main, backup], labels={"main": main, "backup": backup})
    limiter = KeyRecordingLimiter(smskit.RateLimit(rate=1000))
    client = make_client(failover, rate_limit=limiter, retry=fast_retry())

    await client.send(to=TO, body="hi")

    assert limiter.keys == ["smskit:sandbox:sandbox", "smskit:sandbox:sandbox-2"]
    await client.close()


async def test_fetch_and_cancel_reach_the_member_holding_the_message(
    make_client: MakeClient,
) -> None:
    main, backup, failover = pair()
    main.inject("connect_error", times=None)
    client = make_client(failover, retry=fast_retry())
    later = backup.now + dt.timedelta(hours=1)
    message = await client.send(to=TO, body="later", send_at=later)
    main.state  # noqa: B018 -- the main sandbox stays untouched below
    fetched = await client.fetch(message.id)
    assert fetched.id == message.id
    assert fetched.status is smskit.Status.SCHEDULED

    cancelled = await call(client, "cancel", message.id)

    assert cancelled.id == message.id
    assert cancelled.status is smskit.Status.CANCELED
    assert backup.outbox[0].status is smskit.Status.CANCELED
    assert main.outbox == []
    await client.close()


async def test_status_events_match_the_message_sent_through_the_group(
    make_client: MakeClient,
) -> None:
    main, _backup, failover = pair()
    client = make_client(failover, retry=fast_retry())
    message = await client.send(to=TO, body="hi")
    main.advance()

    fetched = await client.fetch(message)

    assert fetched.status is smskit.Status.DELIVERED
    assert (
        message.apply(
            smskit.StatusEvent(
                message_id=message.id, provider="sandbox", status="delivered"
            )
        ).status
        is smskit.Status.DELIVERED
    )
    await client.close()


async def test_list_messages_walks_every_member(make_client: MakeClient) -> None:
    main, _backup, failover = pair()
    main.inject("connect_error", times=2)
    client = make_client(failover, retry=smskit.RetryPolicy.never())
    sent = [await client.send(to=TO, body=f"m{n}") for n in range(4)]
    assert [m.id.split(":")[0] for m in sent] == ["backup", "backup", "main", "main"]

    if isinstance(client.client, smskit.AsyncClient):
        listed = [m async for m in client.client.list_messages(page_size=1)]
    else:
        listed = list(client.client.list_messages(page_size=1))

    assert sorted(m.id for m in listed) == sorted(m.id for m in sent)
    await client.close()


async def test_send_many_fails_over_message_by_message(make_client: MakeClient) -> None:
    main, backup, failover = pair()
    main.inject("connect_error", times=None, to="+14155550002")
    client = make_client(failover, retry=fast_retry())
    inputs = [{"to": f"+141555500{n:02d}", "body": "hi"} for n in range(5)]

    results = await client.send_many(inputs)

    assert all(result.ok for result in results)
    by_to = {r.message.to: r.message.id for r in results if r.message is not None}
    assert by_to["+14155550002"].startswith("backup:")
    assert sum(i.startswith("main:") for i in by_to.values()) == 4
    assert (len(main.outbox), len(backup.outbox)) == (4, 1)
    await client.close()


class PickySandbox(Sandbox):
    """A sandbox account whose driver refuses every message before any I/O."""

    def build_send(self, message: smskit.providers.OutgoingMessage) -> httpx.Request:
        raise smskit.InvalidMessage("this account sends nothing")


async def test_a_member_that_cannot_build_the_message_is_not_tried(
    make_client: MakeClient, requests: list[httpx.Request]
) -> None:
    main, picky, failover = pair(backup=PickySandbox(seed=2))
    main.inject("connect_error", times=None)
    client = make_client(failover, retry=smskit.RetryPolicy.never())

    # The caller hears why the main member failed, not the backup's refusal.
    with pytest.raises(smskit.ConnectError):
        await client.send(to=TO, body="hi")

    assert len(requests) == 1
    assert (len(main.outbox), len(picky.outbox)) == (0, 0)
    await client.close()


def test_in_process_and_remote_members_do_not_mix() -> None:
    twilio = smskit.providers.Twilio(account_sid="AC" + "0" * 32, auth_token="t" * 32)
    with pytest.raises(smskit.ConfigurationError, match="cannot mix in-process"):
        Failover([Sandbox(), twilio])
    with pytest.raises(smskit.ConfigurationError, match="cannot mix in-process"):
        Router({"US": Sandbox(), "*": twilio})


def test_the_failover_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    main, _backup, failover = pair()
    main.inject("unavailable", times=None)
    with caplog.at_level(logging.INFO, logger="smskit"), smskit.Client(failover) as c:
        c.send(to=TO, body="secret text")
    records = [
        r for r in caplog.records if getattr(r, "smskit_event", "") == "failover"
    ]
    assert len(records) == 1
    assert records[0].smskit_error == "ProviderUnavailable"  # type: ignore[attr-defined]
    assert "secret text" not in caplog.text
    assert TO not in caplog.text


def test_ids_without_a_member_are_refused_before_any_request() -> None:
    main, backup, failover = pair()
    with smskit.Client(failover) as client:
        with pytest.raises(smskit.InvalidMessage, match="does not name a member"):
            client.fetch("SB123")
        with pytest.raises(smskit.InvalidMessage, match="no member labelled 'other'"):
            client.fetch("other:SB123")
        with pytest.raises(smskit.InvalidMessage, match="does not name a member"):
            client.cancel("main:")
    assert main.state.records() == []
    assert backup.state.records() == []


def test_capabilities_are_what_every_member_can_do() -> None:
    twilio = smskit.providers.Twilio(account_sid="AC" + "0" * 32, auth_token="t" * 32)
    vonage = smskit.providers.Vonage(api_key="key12345", api_secret="secret1234")
    assert capabilities(pair()[2]) == {"list", "cancel", "schedule"}
    # Cancel and webhooks go to the member holding the message; list and
    # schedule need every member; a group never batches.
    assert capabilities(Failover([twilio, vonage])) == {"cancel", "webhooks"}
    assert not isinstance(
        Failover([twilio, vonage]), smskit.providers.InProcessProvider
    )
    assert isinstance(pair()[2], smskit.providers.InProcessProvider)
    assert isinstance(Failover([twilio]), Failover)


def test_cancel_at_a_member_that_cannot_cancel_is_refused_before_io() -> None:
    vonage = smskit.providers.Vonage(api_key="key12345", api_secret="secret1234")
    twilio = smskit.providers.Twilio(account_sid="AC" + "0" * 32, auth_token="t" * 32)
    failover = Failover([twilio, vonage])
    with (
        smskit.Client(failover) as client,
        pytest.raises(smskit.NotSupported) as caught,
    ):
        client.cancel("vonage:0A0000000123ABCD1")
    assert caught.value.provider == "vonage"


@pytest.mark.parametrize(
    ("members", "labels", "error", "match"),
    [
        ([], None, smskit.ConfigurationError, "at least one member"),
        (["twilio"], None, smskit.OptionTypeError, "must be smskit providers"),
        ("twilio", None, smskit.OptionTypeError, "list of providers"),
        (None, None, smskit.ConfigurationError, "labelled 'sandbox'"),
        (None, {"Main": 0}, smskit.ConfigurationError, "lower-case"),
        (None, {"a:b": 0}, smskit.ConfigurationError, "lower-case"),
    ],
)
def test_bad_configurations_are_refused(
    members: Any, labels: Any, error: type[Exception], match: str
) -> None:
    sandboxes = [Sandbox(seed=1), Sandbox(seed=2)]
    if labels is not None:
        labels = dict.fromkeys(labels, sandboxes[0])
    with pytest.raises(error, match=match):
        Failover(sandboxes if members is None else members, labels=labels)


def test_a_group_used_as_a_plain_provider_sends_through_its_first_member() -> None:
    main, _backup, failover = pair()
    outgoing = smskit.providers.OutgoingMessage(to=TO, body="hi")
    request = failover.build_send(outgoing)
    response = main.transport.handler(request)
    assert isinstance(response, httpx.Response)
    response.request = request
    message = failover.parse_send(outgoing, response)
    assert message.id.startswith("main:")
    stray = httpx.Response(201, request=httpx.Request("POST", "https://x.test/"))
    with pytest.raises(smskit.ConfigurationError, match="not built by this group"):
        failover.parse_send(outgoing, stray)


def test_repr_names_the_members_only() -> None:
    twilio = smskit.providers.Twilio(account_sid="AC" + "1" * 32, auth_token="s" * 32)
    vonage = smskit.providers.Vonage(api_key="key12345", api_secret="secret1234")
    text = repr(Failover([twilio, Router({"*": vonage})], name="sms"))
    assert text == "<Failover sms: twilio, vonage>"
    assert "s" * 32 not in text


def test_webhooks_are_verified_by_the_member_whose_signature_matches() -> None:
    from urllib.parse import urlencode

    from smskit.providers.twilio._signing import signature

    url = "https://example.com/sms/status"
    params = {"MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered", "To": TO}
    main = smskit.providers.Twilio(account_sid="AC" + "1" * 32, auth_token="a" * 32)
    backup = smskit.providers.Twilio(account_sid="AC" + "2" * 32, auth_token="b" * 32)
    vonage = smskit.providers.Vonage(api_key="key12345", api_secret="secret1234")
    failover = Failover([main, backup, vonage], labels={"main": main, "backup": backup})
    assert isinstance(failover, smskit.providers.SupportsWebhooks)

    def signed(token: str) -> smskit.providers.WebhookRequest:
        return smskit.providers.WebhookRequest(
            method="POST",
            url=url,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature(token, url, params),
            },
            body=urlencode(params).encode(),
        )

    now = dt.datetime.now(dt.timezone.utc)
    failover.verify_webhook(signed("b" * 32), now=now)  # the backup's token
    with pytest.raises(smskit.WebhookVerificationError, match=r"main: .*backup: "):
        failover.verify_webhook(signed("c" * 32), now=now)

    (event,) = failover.parse_webhook(signed("a" * 32))
    assert isinstance(event, smskit.StatusEvent)
    assert event.message_id == "main:SM" + "1" * 32
    sent = smskit.Message(id=event.message_id, provider="twilio", to=TO, status="sent")
    assert sent.apply(event).status is smskit.Status.DELIVERED
    assert failover.webhook_reply((event,)) == main.webhook_reply((event,))


def test_a_send_in_doubt_through_a_group_is_resolved() -> None:
    main, backup = Sandbox(seed=1), Sandbox(seed=2)
    failover = Failover([main, backup], labels={"main": main, "backup": backup})
    with smskit.Client(failover, sender="+15005550006") as client:
        # Accepted, then a 500: the doubt is settled by the group's records.
        message = client.send(to="+15005550022", body="hi", resolve_unknown=True)
        assert message.id.startswith("main:")
        with pytest.raises(smskit.DeliveryUnknown) as caught:
            client.send(to="+15005550022", body="again")
        assert client.resolve(caught.value) is not None
        results = list(
            client.send_many(
                [{"to": "+15005550022", "body": "x"}], resolve_unknown=True
            )
        )
    assert [result.ok for result in results] == [True]
    assert (len(main.outbox), len(backup.outbox)) == (3, 0)
