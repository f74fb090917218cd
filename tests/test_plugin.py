"""smskit's pytest plugin, exercised in throwaway pytest runs (pytester)."""

from __future__ import annotations

import subprocess
import sys

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


def test_a_misspelt_marker_stops_the_run_and_names_the_keyword(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_marked="""
        import pytest

        pytestmark = pytest.mark.smskit(regoin="US")

        @pytest.mark.smskit(seed=1, colour="red", size=2)
        def test_a(smskit_client):
            pass

        def test_without_fixtures():
            pass

        @pytest.mark.smskit("US")
        def test_positional():
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert pytest.ExitCode.USAGE_ERROR == result.ret
    known = "it accepts faults, outcomes, region, seed, sender"
    result.stderr.fnmatch_lines(
        [
            "ERROR: test_marked.py::test_a: @pytest.mark.smskit got unknown "
            f"keywords 'colour', 'size'; {known}",
            "ERROR: test_marked.py::test_a (and 2 more): @pytest.mark.smskit got "
            f"unknown keyword 'regoin'; {known}",
            "ERROR: test_marked.py::test_positional: @pytest.mark.smskit takes "
            "keyword arguments only (faults, outcomes, region, seed, sender)",
        ]
    )
    result.assert_outcomes()  # nothing ran


def test_a_marker_added_while_the_test_runs_is_checked_too(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def late_marker(request):
            request.applymarker(pytest.mark.smskit(sead=3))

        def test_late(late_marker, smskit_sandbox):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*@pytest.mark.smskit got unknown keyword 'sead'; it accepts faults*"]
    )


def test_outbox_reads_national_numbers_in_the_region_the_test_knows(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini("[pytest]\nsmskit_region = GB\n")
    pytester.makepyfile(
        """
        import pytest
        import smskit

        def app_sends(to, region):
            with smskit.Client(smskit.providers.Sandbox(), region=region) as client:
                client.send(to=to, body="hi")

        @pytest.mark.smskit(region="US")
        def test_the_marker_wins(smskit_outbox, smskit_client):
            app_sends("+447911123456", "GB")
            smskit_client.send(to="(415) 555-2671", body="hi")  # read in US
            smskit_outbox.assert_sent(to="415 555 2671")

        def test_the_ini_option_applies(smskit_outbox, smskit_client):
            smskit_client.send(to="07911 123456", body="hi")  # read in GB
            smskit_outbox.assert_sent(to="07911 123456")
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_outbox_uses_the_clients_region_or_says_why_it_cannot(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import smskit

        def app_sends(to, region):
            with smskit.Client(smskit.providers.Sandbox(), region=region) as client:
                client.send(to=to, body="hi")

        def test_one_region(smskit_outbox):
            app_sends("(415) 555-2671", "US")
            smskit_outbox.assert_sent(to="(415) 555-2671")

        def test_two_regions(smskit_outbox):
            app_sends("(415) 555-2671", "US")
            app_sends("07911 123456", "GB")
            smskit_outbox.assert_sent(to="(415) 555-2671")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E   *AssertionError: cannot read to='(415) 555-2671': it has no country "
            "code and the clients that sent used different regions (GB, US); "
            "write it in E.164 form*",
        ]
    )


def test_failures_point_at_the_test_not_at_smskit(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_wrong_number(smskit_outbox, smskit_client):
            smskit_client.send(to="+14155552671", body="hi")
            smskit_outbox.assert_sent(to="+14155550100")

        def test_unreadable_number(smskit_outbox):
            smskit_outbox.assert_sent(to="(415) 555-2671")

        def test_something_sent(smskit_outbox, smskit_client):
            smskit_client.send(to="+14155552671", body="hi")
            smskit_outbox.assert_nothing_sent()
        """
    )
    helper_frames = ["def assert_sent(", "def assert_nothing_sent(", "def _normalize("]
    result = pytester.runpytest("-p", "no:cacheprovider", "--tb=long")
    result.assert_outcomes(failed=3)
    output = result.stdout.str()
    assert "_outbox.py" not in output
    assert [] == [frame for frame in helper_frames if frame in output]
    # The frames are there to hide: --full-trace shows them.
    full = pytester.runpytest("-p", "no:cacheprovider", "--tb=long", "--full-trace")
    assert helper_frames == [
        frame for frame in helper_frames if frame in full.stdout.str()
    ]


# pytest imports the plugin in every project that has smskit installed, so
# importing it must not load the client, the providers or their dependencies.
# Checked by what a fresh interpreter has imported, not by timing.
LIGHT_SMSKIT_MODULES = {
    "smskit",
    "smskit._config",
    "smskit._exceptions",
    "smskit._guard_errors",
    "smskit.testing",
    "smskit.testing._outbox",
    "smskit.testing._plugin",
}
HEAVY_DEPENDENCIES = ("anyio", "attrs", "httpcore", "httpx", "phonenumbers", "redis")
# Stands in an empty module for smskit/__init__.py, to look at the testing
# package's own imports whatever the package's __init__ imports.
WITHOUT_SMSKIT_INIT = """
import importlib.util, sys, types
package = types.ModuleType("smskit")
package.__path__ = list(importlib.util.find_spec("smskit").submodule_search_locations)
sys.modules["smskit"] = package
"""


def _imported_by_the_plugin(prelude: str = "") -> set[str]:
    script = f"{prelude}\nimport sys, smskit.testing._plugin\nprint(*sys.modules)"
    run = subprocess.run(  # noqa: S603 -- this interpreter, a fixed script
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return set(run.stdout.split())


def _heavy(modules: set[str]) -> list[str]:
    return sorted(
        name
        for name in modules
        if (name.startswith("smskit.") and name not in LIGHT_SMSKIT_MODULES)
        or name.split(".")[0] in HEAVY_DEPENDENCIES
    )


def test_the_testing_package_imports_only_light_modules() -> None:
    modules = _imported_by_the_plugin(WITHOUT_SMSKIT_INIT)
    assert "smskit.testing._plugin" in modules
    assert [] == _heavy(modules)


def test_importing_the_plugin_loads_nothing_heavy() -> None:
    assert [] == _heavy(_imported_by_the_plugin())
