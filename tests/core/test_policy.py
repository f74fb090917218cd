"""RetryPolicy math: pure functions, no sleeping."""

from __future__ import annotations

import pytest

import smskit


class TestBackoff:
    def test_doubles_up_to_the_cap(self) -> None:
        policy = smskit.RetryPolicy(initial_backoff=0.5, max_backoff=3.0, jitter=0)
        assert [0.5, 1.0, 2.0, 3.0, 3.0] == [
            policy.backoff(n, 0.0) for n in range(1, 6)
        ]

    def test_jitter_only_shortens(self) -> None:
        policy = smskit.RetryPolicy(initial_backoff=1.0, jitter=0.25)
        assert 1.0 == policy.backoff(1, 0.0)
        assert 0.75 == policy.backoff(1, 1.0)

    def test_huge_retry_numbers_do_not_overflow(self) -> None:
        assert 8.0 == smskit.RetryPolicy(jitter=0).backoff(5000, 0.5)

    def test_never_makes_one_attempt(self) -> None:
        assert 1 == smskit.RetryPolicy.never().max_attempts

    @pytest.mark.parametrize(
        "options",
        [
            {"max_attempts": 0},
            {"initial_backoff": 0},
            {"max_backoff": -1},
            {"jitter": 1.0},
            {"jitter": -0.1},
            {"deadline": 0},
            {"max_retry_after": -1},
        ],
    )
    def test_invalid_options(self, options: dict[str, float]) -> None:
        with pytest.raises(smskit.ConfigurationError, match="RetryPolicy"):
            smskit.RetryPolicy(**options)  # type: ignore[arg-type]

    def test_no_deadline(self) -> None:
        assert smskit.RetryPolicy(deadline=None).deadline is None
