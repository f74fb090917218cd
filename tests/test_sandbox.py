"""The sandbox provider: magic numbers, lifecycle, scripting, faults, inbound."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

import smskit
from smskit.providers import Sandbox
from smskit.providers.sandbox._magic import MAGIC_RECIPIENTS, MAGIC_SENDERS, Fate
from smskit.providers.sandbox._state import SandboxRejected, SandboxState

T0 = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
TO = "+14155552671"
DOCS = Path(__file__).parent.parent / "docs" / "testing.md"


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(seed=3, start=T0)


@pytest.fixture
def client(sandbox: Sandbox) -> smskit.Client:
    return smskit.Client(sandbox, retry=smskit.RetryPolicy(jitter=0, max_attempts=2))


@pytest.fixture(autouse=True)
def no_waits() -> object:
    smskit.testing.set_testing(True)
    yield
    smskit.testing.set_testing(False)


class TestMagicRecipients:
    @pytest.mark.parametrize(
        ("to", "error", "code"),
        [
            ("+15005550001", smskit.RejectedMessage, "invalid_to"),
            ("+15005550002", smskit.RejectedMessage, "cannot_route"),
            ("+15005550003", smskit.RejectedMessage, "no_geo_permission"),
            ("+15005550004", smskit.OptedOut, "opted_out"),
            ("+15005550009", smskit.RejectedMessage, "not_mobile"),
        ],
    )
    def test_rejections(
        self,
        client: smskit.Client,
        sandbox: Sandbox,
        to: str,
        error: type[smskit.ProviderError],
        code: str,
    ) -> None:
        with pytest.raises(error) as info:
            client.send(to=to, body="hi")
        assert (400, code, False) == (
            info.value.http_status,
            info.value.provider_code,
            info.value.retryable,
        )
        assert [] == sandbox.outbox

    @pytest.mark.parametrize(
        ("sender", "code"),
        [
            ("+15005550001", "invalid_from"),
            ("+15005550007", "sender_not_owned"),
            ("+15005550008", "queue_full"),
        ],
    )
    def test_magic_senders(self, client: smskit.Client, sender: str, code: str) -> None:
        with pytest.raises(smskit.RejectedMessage) as info:
            client.send(to=TO, body="hi", sender=sender)
        assert code == info.value.provider_code

    @pytest.mark.parametrize(
        ("to", "final", "error_code"),
        [
            ("+15005550010", smskit.Status.UNDELIVERED, "unreachable"),
            ("+15005550011", smskit.Status.FAILED, "unknown"),
            ("+15005550012", smskit.Status.EXPIRED, "expired"),
            ("+15005550013", smskit.Status.REJECTED, "filtered"),
            ("+15005550014", smskit.Status.DELIVERED, None),
        ],
    )
    def test_fates(
        self,
        client: smskit.Client,
        sandbox: Sandbox,
        to: str,
        final: smskit.Status,
        error_code: str | None,
    ) -> None:
        message = client.send(to=to, body="hi")
        sandbox.advance()
        fetched = client.fetch(message.id)
        assert (final, error_code) == (fetched.status, fetched.error_code)

    def test_failed_messages_are_never_sent_nor_charged(
        self, client: smskit.Client, sandbox: Sandbox
    ) -> None:
        client.send(to="+15005550011", body="hi")
        events = sandbox.advance()
        assert [smskit.Status.FAILED] == [event.status for event in events]
        assert Decimal("100.00") == sandbox.balance

    def test_slow_recipient_stays_queued(
        self, client: smskit.Client, sandbox: Sandbox
    ) -> None:
        message = client.send(to="+15005550014", body="hi")
        sandbox.advance(10)
        assert smskit.Status.QUEUED is client.fetch(message.id).status
        sandbox.advance(20)
        assert smskit.Status.SENT is client.fetch(message.id).status

    def test_rate_limited_recipient_succeeds_on_retry(
        self, client: smskit.Client, sandbox: Sandbox
    ) -> None:
        retries: list[smskit.RetryInfo] = []
        hooked = smskit.Client(sandbox, hooks=smskit.Hooks(on_retry=retries.append))
        hooked.send(to="+15005550020", body="hi")
        assert 1 == len(retries)
        assert isinstance(retries[0].error, smskit.RateLimited)
        assert 1.0 == retries[0].error.retry_after
        with pytest.raises(smskit.RateLimited):
            smskit.Client(sandbox, retry=smskit.RetryPolicy.never()).send(
                to="+15005550020", body="hi"
            )

    def test_unavailable_recipient_succeeds_on_retry(
        self, client: smskit.Client, sandbox: Sandbox
    ) -> None:
        client.send(to="+15005550021", body="hi")
        assert 1 == len(sandbox.outbox)

    def test_server_error_after_accepting_is_delivery_unknown(
        self, client: smskit.Client, sandbox: Sandbox
    ) -> None:
        with pytest.raises(smskit.DeliveryUnknown) as info:
            client.send(to="+15005550022", body="hi")
        assert 500 == info.value.http_status
        assert 1 == len(sandbox.outbox)  # it *was* accepted: hence "unknown"

    def test_connect_error_never_arrives(
        self, client: smskit.Client, sandbox: Sandbox
    ) -> None:
        with pytest.raises(smskit.ConnectError):
            client.send(to="+15005550023", body="hi")
        assert [] == sandbox.outbox

    def test_read_timeout_after_accepting(
        self, client: smskit.Client, sandbox: Sandbox
    ) -> None:
        with pytest.raises(smskit.DeliveryUnknown) as info:
            client.send(to="+15005550024", body="hi")
        assert isinstance(info.value.__cause__, smskit.TransportTimeout)
        assert 1 == len(sandbox.outbox)

    def test_every_magic_number_is_documented(self) -> None:
        documented = set(re.findall(r"`(\+1500555\d{4})`", DOCS.read_text("utf-8")))
        assert set(MAGIC_RECIPIENTS) | set(MAGIC_SENDERS) <= documented


class TestLifecycle:
    def test_default_lifecycle_and_price(
        self, client: smskit.Client, sandbox: Sandbox
    ) -> None:
        message = client.send(to=TO, body="x" * 200)  # two segments
        assert [smskit.Status.SENT] == [e.status for e in sandbox.advance(1)]
        assert [smskit.Status.DELIVERED] == [e.status for e in sandbox.advance(2)]
        fetched = client.fetch(message.id)
        assert (Decimal("0.0150"), "USD") == (fetched.price, fetched.currency)
        assert Decimal("99.9850") == sandbox.balance
        assert T0 + dt.timedelta(seconds=3) == sandbox.now

    def test_validity_period_expires_slow_messages(
        self, client: smskit.Client, sandbox: Sandbox
    ) -> None:
        slow = client.send(
            to="+15005550014", body="hi", validity=dt.timedelta(seconds=20)
        )
        quick = client.send(to=TO, body="hi", validity=dt.timedelta(seconds=20))
        sandbox.advance()
        expired = client.fetch(slow.id)
        assert smskit.Status.EXPIRED is expired.status
        assert "expired" == expired.error_code
        assert T0 + dt.timedelta(seconds=20) == expired.updated_at
        assert smskit.Status.DELIVERED is client.fetch(quick.id).status

    def test_advance_without_pending_work_keeps_time(self, sandbox: Sandbox) -> None:
        assert [] == sandbox.advance()
        assert T0 == sandbox.now

    def test_events_in_time_order_across_messages(
        self, client: smskit.Client, sandbox: Sandbox
    ) -> None:
        slow = client.send(to="+15005550014", body="slow")
        fast = client.send(to=TO, body="fast")
        order = [(e.message_id, e.status) for e in sandbox.advance()]
        assert [
            (fast.id, smskit.Status.SENT),
            (fast.id, smskit.Status.DELIVERED),
            (slow.id, smskit.Status.SENT),
            (slow.id, smskit.Status.DELIVERED),
        ] == order
        assert order == [(e.message_id, e.status) for e in sandbox.events]

    def test_events_update_messages_monotonically(
        self, client: smskit.Client, sandbox: Sandbox
    ) -> None:
        message = client.send(to=TO, body="hi")
        events = sandbox.advance()
        for event in reversed(events):  # even out of order
            message = message.apply(event)
        assert smskit.Status.DELIVERED is message.status

    def test_script_a_recipient(self, client: smskit.Client, sandbox: Sandbox) -> None:
        sandbox.script(TO, final="undelivered", error_code="30005", final_after=9)
        message = client.send(to=TO, body="hi")
        sandbox.advance(8)
        assert smskit.Status.SENT is client.fetch(message.id).status
        sandbox.advance(1)
        fetched = client.fetch(message.id)
        assert (smskit.Status.UNDELIVERED, "30005") == (
            fetched.status,
            fetched.error_code,
        )

    @pytest.mark.parametrize(
        ("options", "match"),
        [
            ({"final": "sent"}, "not a final outbound status"),
            ({"final": "received"}, "not a final outbound status"),
            ({"sent_after": 5, "final_after": 1}, "sent_after <= final_after"),
        ],
    )
    def test_bad_scripts(
        self, sandbox: Sandbox, options: dict[str, object], match: str
    ) -> None:
        with pytest.raises(smskit.ConfigurationError, match=match):
            sandbox.script(TO, **options)  # type: ignore[arg-type]

    def test_same_seed_same_ids(self) -> None:
        def ids(seed: int) -> list[str]:
            sandbox = Sandbox(seed=seed)
            client = smskit.Client(sandbox)
            return [client.send(to=TO, body="hi").id for _ in range(3)]

        assert ids(5) == ids(5)
        assert ids(5) != ids(6)

    def test_naive_start_is_refused(self) -> None:
        with pytest.raises(smskit.ConfigurationError, match="timezone-aware"):
            Sandbox(start=dt.datetime(2026, 1, 1))


class TestFaultInjection:
    def test_rate_limited_once(self, client: smskit.Client, sandbox: Sandbox) -> None:
        sandbox.inject("rate_limited", retry_after=2)
        client.send(to=TO, body="hi")
        assert 1 == len(sandbox.outbox)

    def test_unlimited_fault_exhausts_retries(
        self, client: smskit.Client, sandbox: Sandbox
    ) -> None:
        sandbox.inject(smskit.providers.SandboxFault.UNAVAILABLE, times=None)
        with pytest.raises(smskit.ProviderUnavailable) as info:
            client.send(to=TO, body="hi")
        assert (503, True) == (info.value.http_status, info.value.retryable)

    def test_fault_for_one_recipient_only(
        self, client: smskit.Client, sandbox: Sandbox
    ) -> None:
        sandbox.inject("connect_error", to="+14155550100", times=None)
        client.send(to=TO, body="hi")
        with pytest.raises(smskit.ConnectError):
            client.send(to="+14155550100", body="hi")

    def test_faults_hit_fetches_too(
        self, client: smskit.Client, sandbox: Sandbox
    ) -> None:
        message = client.send(to=TO, body="hi")
        sandbox.inject("read_timeout")
        assert message.id == client.fetch(message.id).id  # a read is retried

    def test_server_error_fault(self, client: smskit.Client, sandbox: Sandbox) -> None:
        sandbox.inject("server_error")
        with pytest.raises(smskit.DeliveryUnknown):
            client.send(to=TO, body="hi")

    def test_latency_moves_sandbox_time(
        self, client: smskit.Client, sandbox: Sandbox
    ) -> None:
        sandbox.inject("latency", latency=2.5)
        client.send(to=TO, body="hi")
        assert T0 + dt.timedelta(seconds=2.5) == sandbox.now
        assert [smskit.Status.SENT] == [e.status for e in sandbox.events]

    def test_latency_beyond_the_read_timeout_is_a_timeout(
        self, sandbox: Sandbox
    ) -> None:
        sandbox.inject("latency", latency=45)
        with smskit.Client(sandbox) as client, pytest.raises(smskit.DeliveryUnknown):
            client.send(to=TO, body="hi")
        assert 1 == len(sandbox.outbox)
        assert T0 == sandbox.now

    def test_rate_based_faults_are_seeded(self) -> None:
        def failures(seed: int) -> list[bool]:
            sandbox = Sandbox(seed=seed)
            sandbox.inject("unavailable", times=None, rate=0.5)
            client = smskit.Client(sandbox, retry=smskit.RetryPolicy.never())
            outcomes = []
            for _ in range(20):
                try:
                    client.send(to=TO, body="hi")
                except smskit.ProviderUnavailable:
                    outcomes.append(True)
                else:
                    outcomes.append(False)
            return outcomes

        assert failures(1) == failures(1)
        assert 3 < sum(failures(1)) < 17

    @pytest.mark.parametrize(
        ("fault", "options", "match"),
        [
            ("meteor", {}, "unknown fault 'meteor'"),
            ("rate_limited", {"rate": 0}, "rate must be in"),
            ("rate_limited", {"rate": 1.5}, "rate must be in"),
        ],
    )
    def test_bad_faults(
        self, sandbox: Sandbox, fault: str, options: dict[str, float], match: str
    ) -> None:
        with pytest.raises(smskit.ConfigurationError, match=match):
            sandbox.inject(fault, **options)


class TestInbound:
    def test_receive(self, sandbox: Sandbox) -> None:
        inbound = sandbox.receive(from_=TO, body="Hello there")
        assert (TO, "+15005550006", "Hello there", T0) == (
            inbound.sender,
            inbound.to,
            inbound.body,
            inbound.received_at,
        )
        assert inbound.id.startswith("SI")
        assert [inbound] == sandbox.inbox

    def test_stop_and_start(self, client: smskit.Client, sandbox: Sandbox) -> None:
        sandbox.receive(from_=TO, body="stop", to="+15005550006")
        assert sandbox.is_opted_out(TO)
        with pytest.raises(smskit.OptedOut) as info:
            client.send(to=TO, body="are you there?")
        assert "opted_out" == info.value.provider_code
        sandbox.receive(from_=TO, body="START")
        client.send(to=TO, body="welcome back")
        assert 1 == len(sandbox.outbox)


class TestState:
    def test_schedule_and_cancel(self) -> None:
        state = SandboxState(start=T0)
        record = state.submit(to=TO, body="later", send_at=T0 + dt.timedelta(hours=1))
        assert smskit.Status.SCHEDULED is record.status
        canceled = state.cancel(record.id)
        assert canceled is not None
        assert smskit.Status.CANCELED is canceled.status
        assert [smskit.Status.CANCELED] == [event.status for event in state.events]
        assert [] == state.advance()

    def test_scheduled_message_goes_out_at_its_time(self) -> None:
        state = SandboxState(start=T0)
        record = state.submit(to=TO, body="later", send_at=T0 + dt.timedelta(hours=1))
        statuses = [event.status for event in state.advance()]
        assert [
            smskit.Status.QUEUED,
            smskit.Status.SENT,
            smskit.Status.DELIVERED,
        ] == statuses
        assert T0 + dt.timedelta(hours=1) == record.to_message().scheduled_at
        with pytest.raises(SandboxRejected, match="not scheduled"):
            state.cancel(record.id)

    def test_cancel_unknown(self) -> None:
        assert SandboxState().cancel("nope") is None

    @pytest.mark.parametrize(
        ("to", "body", "code"),
        [
            ("14155552671", "hi", "invalid_to"),
            (TO, "", "missing_body"),
            (TO, "x" * 1601, "body_too_long"),
        ],
    )
    def test_state_checks(self, to: str, body: str, code: str) -> None:
        with pytest.raises(SandboxRejected) as info:
            SandboxState().submit(to=to, body=body)
        assert code == info.value.rejection.code

    def test_listeners_hear_events_and_inbound(self) -> None:
        state = SandboxState(start=T0)
        heard: list[object] = []
        state.listeners.append(heard.append)
        state.submit(to=TO, body="hi")
        state.advance()
        state.receive(from_=TO, body="hey")
        assert 3 == len(heard)

    def test_scripted_fate_object(self) -> None:
        state = SandboxState(start=T0)
        state.script(TO, Fate(final=smskit.Status.EXPIRED, error_code="x"))
        state.submit(to=TO, body="hi")
        assert smskit.Status.EXPIRED is state.advance()[-1].status


class TestHttpApi:
    def test_wrong_key_is_401(self, sandbox: Sandbox) -> None:
        import httpx

        with httpx.Client(transport=sandbox.transport) as http:
            response = http.get("https://sandbox.smskit.invalid/v1/messages/SB1")
        assert 401 == response.status_code

    @pytest.mark.parametrize(
        ("method", "path", "content", "status", "code"),
        [
            ("GET", "/v1/nowhere", b"", 404, "not_found"),
            ("POST", "/v1/messages", b"{not json", 400, "invalid_json"),
            ("POST", "/v1/messages", b"[1, 2]", 400, "invalid_json"),
        ],
    )
    def test_bad_requests(
        self,
        sandbox: Sandbox,
        method: str,
        path: str,
        content: bytes,
        status: int,
        code: str,
    ) -> None:
        import httpx

        with httpx.Client(transport=sandbox.transport) as http:
            response = http.request(
                method,
                f"https://sandbox.smskit.invalid{path}",
                content=content,
                headers={"Authorization": "Bearer sandbox-key"},
            )
        assert (status, code) == (
            response.status_code,
            response.json()["error"]["code"],
        )

    def test_non_json_5xx_is_provider_unavailable(self) -> None:
        import httpx

        from smskit.providers.sandbox import _api

        with pytest.raises(smskit.ProviderUnavailable, match="expected a JSON object"):
            _api.parse_fetch(httpx.Response(502, text="<html>bad gateway</html>"))
        with pytest.raises(smskit.ProviderError, match="expected a JSON object"):
            _api.parse_fetch(httpx.Response(200, text="[]"))
        with pytest.raises(smskit.ProviderError, match="error"):
            _api.parse_fetch(httpx.Response(418))


class TestHostileInput:
    """Values that once broke the sandbox state or its HTTP API."""

    def test_time_stops_at_the_end_of_the_calendar(self) -> None:
        """An absurd advance clamps instead of overflowing datetime."""
        state = SandboxState(start=T0)
        state.advance(1e300)
        end = state.now
        assert 9999 == end.year
        state.advance(float("inf"))
        assert end == state.now
        state.submit(to=TO, body="hi")  # its steps clamp too
        assert 2 == len(state.advance())

    def test_negative_or_nan_advance(self) -> None:
        """Time never runs backwards; NaN is refused."""
        state = SandboxState(start=T0)
        state.advance(-1e300)
        assert T0 == state.now
        with pytest.raises(ValueError, match="NaN"):
            state.advance(float("nan"))

    @pytest.mark.parametrize("to", ["+1٤١٥٥٥٥٢٦٧١", "+1４１５５５５２６７１"])
    def test_e164_is_ascii_digits(self, to: str) -> None:
        """Digits of other scripts are not E.164 (\\d used to accept them)."""
        with pytest.raises(SandboxRejected) as info:
            SandboxState().submit(to=to, body="hi")
        assert "invalid_to" == info.value.rejection.code

    def test_a_failing_listener_is_logged(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A listener that raises is logged; advance still returns its events."""
        state = SandboxState(start=T0)

        def broken(item: object) -> None:
            raise RuntimeError("listener bug")

        state.listeners.append(broken)
        state.submit(to=TO, body="hi")
        assert 2 == len(state.advance())
        assert 2 == sum("listener" in r.getMessage() for r in caplog.records)

    @pytest.mark.parametrize(
        "validity", ["NaN", "Infinity", "-5", "0", "1e999", "1" * 400]
    )
    def test_validity_must_be_positive_seconds(
        self, sandbox: Sandbox, validity: str
    ) -> None:
        """The HTTP API refuses validity values it could not schedule."""
        import httpx

        body = f'{{"to": "{TO}", "body": "hi", "validity": {validity}}}'
        with httpx.Client(transport=sandbox.transport) as http:
            response = http.post(
                "https://sandbox.smskit.invalid/v1/messages",
                content=body.encode(),
                headers={"Authorization": "Bearer sandbox-key"},
            )
        assert (400, "invalid_validity") == (
            response.status_code,
            response.json()["error"]["code"],
        )

    def test_key_is_compared_in_constant_time(
        self, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The sandbox API checks its key with hmac.compare_digest on bytes."""
        import hmac

        import httpx

        compared: list[tuple[bytes, bytes]] = []
        real = hmac.compare_digest

        def spy(a: bytes, b: bytes) -> bool:
            compared.append((a, b))
            return real(a, b)

        monkeypatch.setattr(hmac, "compare_digest", spy)
        with httpx.Client(transport=sandbox.transport) as http:
            response = http.get(
                "https://sandbox.smskit.invalid/v1/messages/SB1",
                headers={"Authorization": "Bearer wrong"},
            )
        assert 401 == response.status_code
        assert (b"Bearer wrong", b"Bearer sandbox-key") in compared


def test_max_records_bounds_what_a_long_run_keeps() -> None:
    sandbox = smskit.providers.Sandbox(max_records=10)
    with smskit.Client(sandbox, sender="+15005550006") as client:
        sent = [
            client.send(to=f"+1415555{line:04d}", body="hi").id for line in range(25)
        ]
        sandbox.advance()
        for line in range(25):
            sandbox.receive(from_=f"+1415555{line:04d}", body="thanks")
        # The newest messages are kept, the oldest forgotten.
        assert [record.id for record in sandbox.state.records()] == sent[-10:]
        assert client.fetch(sent[-1]).status is smskit.Status.DELIVERED
        with pytest.raises(smskit.NotFound):
            client.fetch(sent[0])
    assert len(sandbox.state.events) < 20
    assert len(sandbox.inbox) < 20


def test_by_default_the_sandbox_keeps_everything() -> None:
    sandbox = smskit.providers.Sandbox()
    with smskit.Client(sandbox, sender="+15005550006") as client:
        for line in range(30):
            client.send(to=f"+1415555{line:04d}", body="hi")
    assert len(sandbox.state.records()) == 30


@pytest.mark.parametrize("bound", [0, -1, 2.5, True, "10"])
def test_a_bad_bound_is_refused(bound: object) -> None:
    with pytest.raises(smskit.ConfigurationError, match="max_records"):
        smskit.providers.Sandbox(max_records=bound)  # type: ignore[arg-type]
