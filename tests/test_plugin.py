"""smskit's pytest plugin, exercised in throwaway pytest runs (pytester)."""

from __future__ import annotations

# httpcore loads its socket backend on first use. pytester's in-process runs
# unload modules first imported inside them, which would leave httpx holding
# the previous run's exception classes; importing it here keeps one copy.
import httpcore._backends.sync  # noqa: F401
import pytest


def test_fixtures_and_readable_failures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import smskit

        def app_sends(to):
            with smskit.Client(smskit.providers.Sandbox(), region="US") as client:
                client.send(to=to, body="Your code is 123456")

        def test_captured(smskit_outbox):
            app_sends("(415) 555-2671")
            smskit_outbox.assert_sent(to="+14155552671", body_contains="code")
            assert len(smskit_outbox) == 1

        def test_fails_readably(smskit_outbox):
            app_sends("(415) 555-2671")
            smskit_outbox.assert_sent(to="+14155550100")

        def test_nothing(smskit_outbox):
            smskit_outbox.assert_nothing_sent()
            assert "<Outbox: 0 messages>" == repr(smskit_outbox)
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*no SMS with to='+14155550100' was sent; the outbox holds:*",
            "*1. to=+14155552671 from=+15005550006 status=queued body='Your code is *",
        ]
    )


def test_marker_scripts_outcomes_faults_and_client_options(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest
        import smskit

        @pytest.mark.smskit(
            seed=4,
            region="GB",
            sender="ACME",
            outcomes={
                "+447911123456": "failed",
                "+442079460958": {"final": "expired", "error_code": "E1"},
            },
            faults=["rate_limited", {"fault": "unavailable", "times": 1}],
        )
        def test_scripted(smskit_client, smskit_sandbox, smskit_outbox):
            first = smskit_client.send(to="07911 123456", body="hi")
            second = smskit_client.send(to="020 7946 0958", body="hi")
            smskit_sandbox.advance()
            assert smskit_client.fetch(first.id).status is smskit.Status.FAILED
            assert smskit_client.fetch(second.id).error_code == "E1"
            smskit_outbox.assert_sent(sender="ACME", count=2)
            smskit_outbox.assert_sent(to="07911 123456", status="failed", count=1)
            assert len(smskit_outbox.sent_to("+447911123456")) == 1

        def test_wrong_count(smskit_outbox, smskit_client):
            smskit_client.send(to="+14155552671", body="hi")
            smskit_outbox.assert_sent(count=2)
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*expected 2 SMS at all, found 1*"])


def test_async_client_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture(params=["asyncio", "trio"])
        def anyio_backend(request):
            return request.param

        @pytest.mark.anyio
        async def test_async(smskit_async_client, smskit_outbox):
            await smskit_async_client.send(to="+14155552671", body="hi")
            smskit_outbox.assert_sent(to="+14155552671")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


@pytest.mark.parametrize("how", ["ini", "env"])
def test_real_sends_fail_loudly(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    if how == "ini":
        pytester.makeini("[pytest]\nsmskit_block_real_sends = true\n")
    else:
        monkeypatch.setenv("SMSKIT_BLOCK_REAL_SENDS", "1")
    pytester.makepyfile(
        """
        import httpx
        import pytest
        import smskit

        class RealProvider:
            name = "realco"
            transport = None
            rate_limit_key = "acct"

            def __init__(self, host):
                self.host = host

            def build_send(self, message):
                return httpx.Request("POST", f"https://{self.host}/send")

            def parse_send(self, message, response):
                raise AssertionError("never reached")

            def build_fetch(self, message_id):
                raise AssertionError("never reached")

            parse_fetch = build_fetch

        def test_blocked():
            with smskit.Client(RealProvider("api.realco.example")) as client:
                blocked = pytest.raises(smskit.ConfigurationError, match="are blocked")
                with blocked:
                    client.send(to="+14155552671", body="hi")

        def test_localhost_is_allowed():
            never = smskit.RetryPolicy.never()
            with smskit.Client(RealProvider("127.0.0.1:1"), retry=never) as client:
                with pytest.raises(smskit.ConnectError):
                    client.send(to="+14155552671", body="hi")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_guard_is_off_by_default(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from smskit._config import real_sends_blocked

        def test_off():
            assert not real_sends_blocked()
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
