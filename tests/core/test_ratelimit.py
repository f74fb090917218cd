"""Token buckets: GCRA arithmetic, the local limiter, presets and keys."""

from __future__ import annotations

import threading

import pytest

import smskit


class Clock:
    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class TestGcra:
    """The token-bucket arithmetic, through LocalLimiter with a frozen clock."""

    def limiter(
        self, *, rate: float, capacity: float, now: float = 0.0
    ) -> smskit.LocalLimiter:
        limit = smskit.RateLimit(rate=rate, burst=capacity)
        return smskit.LocalLimiter(limit, clock=Clock(now))

    def test_burst_then_steady_rate(self) -> None:
        limiter = self.limiter(rate=2, capacity=4)
        waits = [limiter.reserve("k", 1) for _ in range(7)]
        assert [0, 0, 0, 0, 0.5, 1.0, 1.5] == waits

    def test_refills_with_time(self) -> None:
        clock = Clock()
        limiter = smskit.LocalLimiter(smskit.RateLimit(rate=2, burst=4), clock=clock)
        limiter.reserve("k", 4)  # empties the bucket
        clock.now = 2.0
        assert 0.0 == limiter.reserve("k", 4)

    def test_cost_weights_the_reservation(self) -> None:
        limiter = self.limiter(rate=1, capacity=2)
        assert 1.0 == limiter.reserve("k", 3)

    def test_pause_empties_the_bucket_until_then(self) -> None:
        limiter = self.limiter(rate=1, capacity=3, now=10.0)
        limiter.pause("k", 5)
        assert 6.0 == limiter.reserve("k", 1)


class TestLocalLimiter:
    def test_reserve_and_pause(self) -> None:
        clock = Clock()
        limiter = smskit.LocalLimiter(smskit.RateLimit(rate=10, burst=2), clock=clock)
        waits = [limiter.reserve("k", 1) for _ in range(3)]
        assert [0.0, 0.0, pytest.approx(0.1)] == waits
        clock.now = 5.0
        limiter.pause("k", 2.0)
        assert 2.1 == pytest.approx(limiter.reserve("k", 1))
        assert 0.0 == limiter.reserve("other", 1)  # buckets are independent

    @pytest.mark.anyio
    async def test_async_methods(self) -> None:
        limiter = smskit.LocalLimiter(smskit.RateLimit(rate=1), clock=Clock())
        assert 0.0 == await limiter.areserve("k", 1)
        await limiter.apause("k", 1.0)
        assert 2.0 == await limiter.areserve("k", 1)

    def test_threads_get_distinct_slots(self) -> None:
        limiter = smskit.LocalLimiter(
            smskit.RateLimit(rate=100, burst=1), clock=Clock()
        )
        waits: list[float] = []
        lock = threading.Lock()

        def take() -> None:
            for _ in range(50):
                wait = limiter.reserve("k", 1)
                with lock:
                    waits.append(wait)

        threads = [threading.Thread(target=take) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        expected = [pytest.approx(n / 100) for n in range(200)]
        assert expected == sorted(waits)

    def test_repr(self) -> None:
        limiter = smskit.LocalLimiter(smskit.RateLimit(rate=5))
        assert "<LocalLimiter rate=5/s burst=5>" == repr(limiter)


class TestRateLimit:
    def test_defaults(self) -> None:
        limit = smskit.RateLimit(rate=0.5)
        assert (1.0, "account", "message") == (limit.capacity, limit.per, limit.cost)

    def test_keys(self) -> None:
        per_account = smskit.RateLimit(rate=1)
        per_sender = smskit.RateLimit(rate=1, per="sender")
        assert "smskit:twilio:AC1" == per_account.key(
            provider="twilio", account="AC1", sender="+15005550006"
        )
        assert "smskit:twilio:AC1:+15005550006" == per_sender.key(
            provider="twilio", account="AC1", sender="+15005550006"
        )
        assert "smskit:twilio:AC1:-" == per_sender.key(
            provider="twilio", account="AC1", sender=None
        )

    def test_cost(self) -> None:
        assert 1.0 == smskit.RateLimit(rate=1).cost_of(4)
        assert 4.0 == smskit.RateLimit(rate=1, cost="segment").cost_of(4)
        assert 1.0 == smskit.RateLimit(rate=1, cost="segment").cost_of(0)

    @pytest.mark.parametrize(
        ("name", "rate", "burst", "per"),
        [
            ("twilio-long-code", 1, 1, "sender"),
            ("twilio-toll-free", 3, 3, "sender"),
            ("twilio-short-code", 100, 100, "sender"),
            ("vonage", 30, 30, "account"),
            ("plivo", 60, 300, "account"),
        ],
    )
    def test_presets(self, name: str, rate: float, burst: float, per: str) -> None:
        limit = smskit.RateLimit.preset(name)
        assert (rate, burst, per) == (limit.rate, limit.capacity, limit.per)

    def test_unknown_preset(self) -> None:
        with pytest.raises(smskit.ConfigurationError, match="one of: plivo"):
            smskit.RateLimit.preset("telegraph")

    @pytest.mark.parametrize(
        "options", [{"rate": 0}, {"rate": -1}, {"rate": 1, "burst": 0.5}]
    )
    def test_invalid(self, options: dict[str, float]) -> None:
        with pytest.raises(smskit.ConfigurationError, match="RateLimit"):
            smskit.RateLimit(**options)
