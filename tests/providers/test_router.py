"""Router: each message goes to the member chosen by sender kind or country."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import smskit
from client_helpers import MakeClient
from smskit.providers import Failover, Router, Sandbox, capabilities

pytestmark = pytest.mark.anyio

US = "+14155552671"
GB = "+447400123456"
FR = "+33612345678"


def fast_retry(**options: object) -> smskit.RetryPolicy:
    """The default policy with millisecond backoffs, so a test waits little."""
    return smskit.RetryPolicy(initial_backoff=0.001, max_backoff=0.002, **options)  # type: ignore[arg-type]


def sandboxes(*labels: str) -> dict[str, Sandbox]:
    return {label: Sandbox(seed=n) for n, label in enumerate(labels, start=1)}


def counts(members: dict[str, Sandbox]) -> dict[str, int]:
    return {label: len(sandbox.outbox) for label, sandbox in members.items()}


async def test_each_recipient_goes_to_its_country_route(
    make_client: MakeClient,
) -> None:
    boxes = sandboxes("us", "gb", "rest")
    router = Router(
        {"US": boxes["us"], "GB": boxes["gb"], "*": boxes["rest"]},
        labels=dict(boxes),
    )
    client = make_client(router, retry=fast_retry())

    sent = {to: await client.send(to=to, body="hi") for to in (US, GB, FR)}

    assert counts(boxes) == {"us": 1, "gb": 1, "rest": 1}
    assert [sent[to].id.split(":")[0] for to in (US, GB, FR)] == ["us", "gb", "rest"]
    for to, message in sent.items():
        fetched = await client.fetch(message.id)
        assert (fetched.id, fetched.to) == (message.id, to)
    await client.close()


async def test_the_sender_kind_decides_before_the_country(
    make_client: MakeClient,
) -> None:
    boxes = sandboxes("alpha", "us", "rest")
    router = Router(
        {"US": boxes["us"], "*": boxes["rest"]},
        senders={"alphanumeric": boxes["alpha"]},
        labels=dict(boxes),
    )
    client = make_client(router, retry=fast_retry())

    branded = await client.send(to=GB, body="hi", sender="ACME")
    numbered = await client.send(to=US, body="hi", sender="+15005550006")
    plain = await client.send(to=GB, body="hi")

    assert branded.id.startswith("alpha:")
    assert numbered.id.startswith("us:")
    assert plain.id.startswith("rest:")
    assert counts(boxes) == {"alpha": 1, "us": 1, "rest": 1}
    await client.close()


async def test_an_unroutable_recipient_is_refused_before_any_request(
    make_client: MakeClient, requests: list[httpx.Request]
) -> None:
    boxes = sandboxes("us", "gb")
    router = Router(
        {"US": boxes["us"], "GB": boxes["gb"]},
        labels=dict(boxes),
    )
    client = make_client(router, retry=fast_retry())

    with pytest.raises(smskit.NotSupported, match="no route for recipients in FR"):
        await client.send(to=FR, body="hi")

    assert requests == []
    assert counts(boxes) == {"us": 0, "gb": 0}
    await client.close()


async def test_a_failover_behind_a_route_moves_on_within_that_route(
    make_client: MakeClient,
) -> None:
    boxes = sandboxes("us-a", "us-b", "rest")
    boxes["us-a"].inject("unavailable", times=None)
    router = Router(
        {
            "US": Failover(
                [boxes["us-a"], boxes["us-b"]],
                labels={"us-a": boxes["us-a"], "us-b": boxes["us-b"]},
            ),
            "*": boxes["rest"],
        },
        labels={"rest": boxes["rest"]},
    )
    client = make_client(router, retry=fast_retry())

    message = await client.send(to=US, body="hi")
    other = await client.send(to=GB, body="hi")

    # Flat ids: the label of the member, whatever the nesting.
    assert message.id.startswith("us-b:")
    assert other.id.startswith("rest:")
    assert counts(boxes) == {"us-a": 0, "us-b": 1, "rest": 1}
    assert (await client.fetch(message.id)).id == message.id
    await client.close()


async def test_a_route_down_does_not_spill_into_another_route(
    make_client: MakeClient,
) -> None:
    boxes = sandboxes("us", "rest")
    boxes["us"].inject("connect_error", times=None)
    router = Router(
        {"US": boxes["us"], "*": boxes["rest"]},
        labels=dict(boxes),
    )
    client = make_client(router, retry=fast_retry(max_attempts=2))

    with pytest.raises(smskit.ConnectError):
        await client.send(to=US, body="hi")

    assert counts(boxes) == {"us": 0, "rest": 0}
    await client.close()


def test_one_provider_on_several_routes_is_one_member() -> None:
    twilio = smskit.providers.Twilio(account_sid="AC" + "0" * 32, auth_token="t" * 32)
    vonage = smskit.providers.Vonage(api_key="key12345", api_secret="secret1234")
    router = Router({"US": twilio, "CA": twilio, "*": vonage})
    assert list(router.members) == ["twilio", "vonage"]
    assert capabilities(router) == {"cancel", "webhooks"}


@pytest.mark.parametrize(
    ("routes", "senders", "match"),
    [
        ({}, None, "at least one route"),
        ({"us": 0}, None, "country code such as 'US'"),
        ({"USA": 0}, None, "country code such as 'US'"),
        ({"*": 0}, {"name": 0}, "sender route 'name' must be one of"),
    ],
)
def test_bad_routes_are_refused(
    routes: dict[str, Any], senders: dict[str, Any] | None, match: str
) -> None:
    box = Sandbox()
    routes = dict.fromkeys(routes, box)
    senders = None if senders is None else dict.fromkeys(senders, box)
    with pytest.raises(smskit.ConfigurationError, match=match):
        Router(routes, senders=senders)


def test_routes_must_be_a_mapping_of_providers() -> None:
    with pytest.raises(smskit.OptionTypeError, match="routes must map"):
        Router([Sandbox()])  # type: ignore[arg-type]
    with pytest.raises(smskit.OptionTypeError, match="must be smskit providers"):
        Router({"*": "twilio"})  # type: ignore[dict-item]
