"""Exercise the public API for the type checkers; never executed.

mypy --strict checks this file (see ``[tool.mypy] files``). A signature change
that breaks users' typed code fails the type check here first.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
from typing_extensions import assert_type

import smskit
from smskit.providers import OutgoingMessage, Provider, Sandbox


def sync_usage() -> None:
    sandbox = Sandbox(seed=1, start=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    provider: Provider = sandbox
    with smskit.Client(
        provider,
        sender="+15005550006",
        region="US",
        retry=smskit.RetryPolicy(max_attempts=5, retry_ambiguous_sends=False),
        max_segments=3,
        timeout=httpx.Timeout(10.0),
    ) as client:
        message = client.send(to="+14155552671", body="hi", client_ref="r1")
        assert_type(message, smskit.Message)
        assert_type(message.status, smskit.Status)
        assert_type(message.status.is_final, bool)
        assert_type(message.price, Decimal | None)
        assert_type(message.encoding, smskit.Encoding | None)
        assert_type(client.fetch(message.id), smskit.Message)
        events = sandbox.advance(5.0)
        assert_type(events, list[smskit.StatusEvent])
        assert_type(message.apply(events[0]), smskit.Message)
        assert_type(smskit.Message.from_dict(message.to_dict()), smskit.Message)
    assert_type(sandbox.outbox, list[smskit.Message])


async def async_usage() -> None:
    async with smskit.AsyncClient(Sandbox(), timeout=2.0) as client:
        message = await client.send(to="+14155552671", body="hi")
        assert_type(message, smskit.Message)
        assert_type(await client.fetch(message.id), smskit.Message)


def errors() -> None:
    try:
        smskit.Client(Sandbox()).send(to="x", body="y")
    except smskit.RateLimited as error:
        assert_type(error.retry_after, float | None)
    except smskit.ProviderError as error:
        assert_type(error.provider_code, str | None)
        assert_type(error.retryable, bool)
    except smskit.DeliveryUnknown as error:
        assert_type(error.attempts, int)
    except smskit.InvalidPhoneNumber as error:
        assert_type(error.reason, smskit.phone.PhoneNumberReason)
    except ValueError:
        pass


def models() -> None:
    status = smskit.Status.parse("delivered")
    assert_type(status.merge(smskit.Status.SENT), smskit.Status)
    inbound = smskit.InboundMessage(id="1", provider="p", sender="+1", to="+2")
    assert_type(inbound.keyword, str)
    outgoing = OutgoingMessage(to="+14155552671", body="hi")
    assert_type(outgoing.segments, int)


def metadata() -> None:
    assert_type(smskit.__version__, str)
    assert_type(smskit.RateLimit.preset("twilio-long-code"), smskit.RateLimit)


def contract_usage() -> None:
    when = dt.datetime(2026, 1, 1, 13, tzinfo=dt.timezone.utc)
    with smskit.Client(Sandbox()) as client:
        later = client.send(to="+14155552671", body="hi", send_at=when, options={})
        assert_type(client.cancel(later), smskit.Message)
        assert_type(client.fetch(later), smskit.Message)
        assert_type(client.balance(), smskit.Balance)
        assert_type(client.balance().amount, Decimal)
        for message in client.list_messages(to="+14155552671", page_size=10):
            assert_type(message, smskit.Message)
        results = client.send_batch(to=["+14155552671"], body="hi")
        assert_type(results, tuple[smskit.providers.BatchResult, ...])
        assert_type(results[0].message, smskit.Message | None)
    assert_type(
        smskit.providers.capabilities(Sandbox()),
        frozenset[smskit.providers.Capability],
    )


async def async_contract_usage() -> None:
    async with smskit.AsyncClient(Sandbox()) as client:
        async for message in client.list_messages(sender="Acme"):
            assert_type(message, smskit.Message)
        assert_type(await client.balance(), smskit.Balance)
        assert_type(await client.cancel("SB1"), smskit.Message)
