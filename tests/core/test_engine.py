"""One scenario suite, run through the sync and the async executor.

A scripted provider answers each request from a list (a response, or an httpx
error to raise), so every test states exactly what the provider does and
asserts exactly how many requests and waits smskit made.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
import pytest

import smskit
from smskit._redact import mask_phone
from smskit.providers import OutgoingMessage

URL = "https://api.scripted.test/messages"
SECRET = "s3cr3t-token-value"
Step = httpx.Response | Callable[[httpx.Request], httpx.Response]


def raise_(
    error: type[httpx.TransportError],
) -> Callable[[httpx.Request], httpx.Response]:
    def step(request: httpx.Request) -> httpx.Response:
        raise error("scripted failure", request=request)

    return step


def ok() -> httpx.Response:
    return httpx.Response(201, json={"id": "M1", "status": "queued"})


class ScriptedProvider:
    """A provider whose API answers from a script; it counts requests."""

    name = "scripted"
    rate_limit_key = "acct-1"

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0)
        return step(request) if callable(step) else step

    def build_send(self, message: OutgoingMessage) -> httpx.Request:
        return httpx.Request(
            "POST",
            URL,
            json={"to": message.to, "body": message.body},
            headers={"Authorization": f"Bearer {SECRET}"},
        )

    def parse_send(
        self, message: OutgoingMessage, response: httpx.Response
    ) -> smskit.Message:
        return self.parse_fetch(response, to=message.to)

    def build_fetch(self, message_id: str) -> httpx.Request:
        return httpx.Request("GET", f"{URL}/{message_id}")

    def parse_fetch(
        self, response: httpx.Response, to: str = "+14155552671"
    ) -> smskit.Message:
        status = response.status_code
        if status == 429:
            retry_after = response.headers.get("retry-after")
            raise smskit.RateLimited(
                "slow down",
                provider=self.name,
                http_status=429,
                retry_after=None if retry_after is None else float(retry_after),
            )
        if status == 401:
            raise smskit.AuthenticationError("bad token", provider=self.name)
        if status >= 500:
            raise smskit.ProviderUnavailable(
                "down", provider=self.name, http_status=status
            )
        data = response.json()
        return smskit.Message(
            id=data["id"], provider=self.name, to=to, status=data["status"]
        )


class Harness:
    """Runs the same calls through either client, recording every wait."""

    def __init__(self, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.kind = kind
        self.sleeps: list[float] = []
        self.retries: list[smskit.RetryInfo] = []
        self.give_ups: list[smskit.GiveUpInfo] = []

        async def async_sleep(seconds: float) -> None:
            self.sleeps.append(seconds)

        monkeypatch.setattr("smskit._client.time.sleep", self.sleeps.append)
        monkeypatch.setattr("smskit._async_client.anyio.sleep", async_sleep)

    def client(
        self, provider: Any, **options: Any
    ) -> smskit.Client | smskit.AsyncClient:
        hooks = smskit.Hooks(
            on_retry=self.retries.append, on_give_up=self.give_ups.append
        )
        options.setdefault("retry", smskit.RetryPolicy(jitter=0, initial_backoff=0.5))
        cls = smskit.Client if self.kind == "sync" else smskit.AsyncClient
        return cls(provider, hooks=hooks, **options)

    async def send(
        self, client: smskit.Client | smskit.AsyncClient, **kw: Any
    ) -> smskit.Message:
        kw.setdefault("to", "+14155552671")
        kw.setdefault("body", "hello")
        result = client.send(**kw)
        return await result if isinstance(result, Awaitable) else result

    async def fetch(self, client: smskit.Client | smskit.AsyncClient) -> smskit.Message:
        result = client.fetch("M1")
        return await result if isinstance(result, Awaitable) else result


@pytest.fixture(params=["sync", "async"])
def harness(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Harness:
    return Harness(str(request.param), monkeypatch)


pytestmark = pytest.mark.anyio


async def test_429_with_retry_after_is_waited_out_and_retried(harness: Harness) -> None:
    provider = ScriptedProvider(httpx.Response(429, headers={"Retry-After": "2"}), ok())
    message = await harness.send(harness.client(provider))
    assert "M1" == message.id
    assert 2 == len(provider.requests)
    assert [2.0] == harness.sleeps
    assert [1] == [retry.attempt for retry in harness.retries]


async def test_connect_error_is_retried(harness: Harness) -> None:
    provider = ScriptedProvider(
        raise_(httpx.ConnectError), raise_(httpx.ConnectTimeout), ok()
    )
    await harness.send(harness.client(provider))
    assert 3 == len(provider.requests)
    assert [0.5, 1.0] == harness.sleeps


async def test_read_timeout_on_send_is_delivery_unknown_after_one_request(
    harness: Harness,
) -> None:
    provider = ScriptedProvider(raise_(httpx.ReadTimeout), ok())
    with pytest.raises(smskit.DeliveryUnknown) as info:
        await harness.send(harness.client(provider), client_ref="order-9")
    assert 1 == len(provider.requests)
    assert [] == harness.sleeps
    assert ("+14155552671", "order-9", 1) == (
        info.value.to,
        info.value.client_ref,
        info.value.attempts,
    )
    assert [1] == [give_up.attempts for give_up in harness.give_ups]


async def test_http_500_on_send_is_not_retried(harness: Harness) -> None:
    provider = ScriptedProvider(httpx.Response(500), ok())
    with pytest.raises(smskit.DeliveryUnknown):
        await harness.send(harness.client(provider))
    assert 1 == len(provider.requests)


async def test_401_is_not_retried(harness: Harness) -> None:
    provider = ScriptedProvider(httpx.Response(401), ok())
    with pytest.raises(smskit.AuthenticationError):
        await harness.send(harness.client(provider))
    assert 1 == len(provider.requests)
    assert [] == harness.retries


async def test_fetch_retries_read_timeouts_and_5xx(harness: Harness) -> None:
    provider = ScriptedProvider(raise_(httpx.ReadTimeout), httpx.Response(503), ok())
    assert "M1" == (await harness.fetch(harness.client(provider))).id
    assert 3 == len(provider.requests)


async def test_last_real_error_is_raised(harness: Harness) -> None:
    provider = ScriptedProvider(*[httpx.Response(429)] * 3)
    with pytest.raises(smskit.RateLimited):
        await harness.send(harness.client(provider))
    assert 3 == len(provider.requests)


async def test_limiter_paces_a_burst(harness: Harness) -> None:
    provider = ScriptedProvider(*[ok() for _ in range(5)])
    now = [0.0]
    limiter = smskit.LocalLimiter(
        smskit.RateLimit(rate=2, burst=2), clock=lambda: now[0]
    )
    client = harness.client(provider, rate_limit=limiter)
    for _ in range(5):
        await harness.send(client)
    # Two go at once, then one every half second (the clock never moves here,
    # so each later caller is told to wait for its own slot).
    assert [0.5, 1.0, 1.5] == harness.sleeps


async def test_429_pauses_the_whole_bucket(harness: Harness) -> None:
    provider = ScriptedProvider(
        httpx.Response(429, headers={"Retry-After": "3"}), ok(), ok()
    )
    now = [100.0]
    limiter = smskit.LocalLimiter(
        smskit.RateLimit(rate=10, burst=10), clock=lambda: now[0]
    )
    client = harness.client(provider, rate_limit=limiter)
    await harness.send(client)
    assert [3.0] == harness.sleeps[:1]
    # Another caller now waits out the pause too (3 s + one slot), not just
    # the one that was told.
    assert limiter.reserve("smskit:scripted:acct-1", 1) > 3.0


async def test_segment_cost_takes_one_token_per_segment(harness: Harness) -> None:
    provider = ScriptedProvider(ok(), ok())
    now = [0.0]
    limit = smskit.RateLimit(rate=1, burst=3, cost="segment", per="sender")
    limiter = smskit.LocalLimiter(limit, clock=lambda: now[0])
    client = harness.client(provider, rate_limit=limiter, sender="ACME")
    await harness.send(client, body="x" * 300)  # two segments
    await harness.send(client, body="x" * 300)  # two more: one too many
    assert [1.0] == harness.sleeps


async def test_testing_mode_skips_every_wait(harness: Harness) -> None:
    provider = ScriptedProvider(
        httpx.Response(429, headers={"Retry-After": "30"}), ok()
    )
    smskit.testing.set_testing(True)
    try:
        await harness.send(harness.client(provider))
    finally:
        smskit.testing.set_testing(False)
    assert [] == harness.sleeps
    assert [30.0] == [retry.delay for retry in harness.retries]


async def test_hooks_see_requests_and_responses(harness: Harness) -> None:
    provider = ScriptedProvider(httpx.Response(429), ok())
    seen: list[str] = []
    hooks = smskit.Hooks(
        on_request=lambda request: seen.append(request.method),
        on_response=lambda response: seen.append(str(response.status_code)),
    )
    cls = smskit.Client if harness.kind == "sync" else smskit.AsyncClient
    await harness.send(cls(provider, hooks=hooks))
    assert ["POST", "429", "POST", "201"] == seen


async def test_logs_never_hold_secrets_numbers_or_bodies(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="smskit")
    provider = ScriptedProvider(httpx.Response(429), httpx.Response(500))
    with pytest.raises(smskit.DeliveryUnknown):
        await harness.send(harness.client(provider), body="my secret code 4242")
    # Everything a handler could format, except LogRecord's clock and process
    # fields, whose digits can spell "4242" by chance.
    clock = {"created", "msecs", "relativeCreated", "thread", "process"}

    def formatted(record: logging.LogRecord) -> str:
        fields = {key: value for key, value in vars(record).items() if key not in clock}
        return f"{record.getMessage()} {fields}"

    text = "\n".join(map(formatted, caplog.records))
    assert {"request", "response", "retry", "give_up"} <= {
        getattr(record, "smskit_event", None) for record in caplog.records
    }
    assert SECRET not in text
    assert "+14155552671" not in text
    assert "4242" not in text
    assert mask_phone("+14155552671") in text


async def test_log_sensitive_opts_in_to_full_numbers(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="smskit")
    provider = ScriptedProvider(ok())
    await harness.send(harness.client(provider, log_sensitive=True), body="code 4242")
    requests = [
        r for r in caplog.records if getattr(r, "smskit_event", "") == "request"
    ]
    assert "+14155552671" == requests[0].smskit_to
    assert "code 4242" == requests[0].smskit_body
    assert SECRET not in caplog.text


def test_http2_with_the_extra_installed() -> None:
    with smskit.Client(ScriptedProvider(), http2=True) as client:
        assert client._http._transport is not None


def test_http2_needs_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "smskit._client_support.importlib.util.find_spec", lambda name: None
    )
    with pytest.raises(smskit.ConfigurationError, match=r"smskit-sdk\[http2\]"):
        smskit.Client(ScriptedProvider(), http2=True)


async def test_a_rate_limit_config_gets_a_local_limiter(harness: Harness) -> None:
    provider = ScriptedProvider(ok(), ok())
    client = harness.client(provider, rate_limit=smskit.RateLimit(rate=0.5, burst=1))
    await harness.send(client)
    await harness.send(client)
    assert 1 == len(harness.sleeps)
    assert 1.9 < harness.sleeps[0] <= 2.0


async def test_anyio_sleep_is_the_default_async_sleep() -> None:
    """The async client's waits go through anyio, so trio works too."""
    provider = ScriptedProvider(
        httpx.Response(429, headers={"Retry-After": "0.01"}), ok()
    )
    async with smskit.AsyncClient(
        provider, retry=smskit.RetryPolicy(jitter=0, initial_backoff=0.01)
    ) as client:
        with anyio.fail_after(5):
            await client.send(to="+14155552671", body="hi")
    assert 2 == len(provider.requests)
