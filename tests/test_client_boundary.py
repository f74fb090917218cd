"""The client's public boundary: every bad value is refused before any I/O.

Each case runs through the sync and the async client, which share one set of
rules. A refused value must raise a specific smskit error and must not have
produced a request (the hooks count every request the engine builds).
"""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
import textwrap
from typing import Any

import httpx
import pytest

import smskit
from client_helpers import MakeClient, RecordingLimiter
from smskit._config import set_capture
from smskit.providers import Sandbox
from smskit.providers._common import path_id

T0 = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
TO = "+14155552671"


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(seed=3, start=T0)


@pytest.fixture(params=["sync", "async"])
def client_class(request: pytest.FixtureRequest) -> type[smskit.Client]:
    # Both classes take the same options; the async one is typed alike here.
    if request.param == "sync":
        return smskit.Client
    return smskit.AsyncClient  # type: ignore[return-value]


# status_callback ---------------------------------------------------------------

BAD_CALLBACKS = [
    pytest.param("javascript:alert(1)", smskit.InvalidMessage, "http", id="js"),
    pytest.param("/status", smskit.InvalidMessage, "absolute", id="relative"),
    pytest.param("ftp://files.example/s", smskit.InvalidMessage, "http", id="ftp"),
    pytest.param("https://", smskit.InvalidMessage, "no host", id="no-host"),
    pytest.param(
        "https://u:pw@hooks.example/s", smskit.InvalidMessage, "password", id="userinfo"
    ),
    pytest.param(
        "https://hooks.example/s\r\nX-Evil: 1",
        smskit.InvalidMessage,
        "control",
        id="crlf",
    ),
    pytest.param(
        "https://hooks.example/a b", smskit.InvalidMessage, "whitespace", id="space"
    ),
    pytest.param(
        "https://hooks.example:99999/", smskit.InvalidMessage, "port", id="port"
    ),
    pytest.param(
        "https://hooks.example/" + "a" * 2000, smskit.InvalidMessage, "2000", id="long"
    ),
    pytest.param(123, smskit.ArgumentTypeError, "not int", id="int"),
    pytest.param(
        b"https://hooks.example/s", smskit.ArgumentTypeError, "bytes", id="bytes"
    ),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("url", "error", "match"), BAD_CALLBACKS)
async def test_status_callback_is_checked_before_sending(
    sandbox: Sandbox,
    make_client: MakeClient,
    requests: list[httpx.Request],
    url: object,
    error: type[Exception],
    match: str,
) -> None:
    client = make_client(sandbox)
    with pytest.raises(error, match=match):
        await client.send(to=TO, body="hi", status_callback=url)
    assert [] == requests
    assert [] == sandbox.outbox
    await client.close()


@pytest.mark.anyio
async def test_a_good_status_callback_reaches_the_provider(
    sandbox: Sandbox, make_client: MakeClient
) -> None:
    client = make_client(sandbox)
    url = "HTTPS://hooks.example:8443/sms/status?tenant=7#x"
    await client.send(to=TO, body="hi", status_callback=url)
    assert url == sandbox.state.records()[0].status_callback
    await client.close()


def test_argument_type_errors_are_type_errors_too() -> None:
    assert issubclass(smskit.ArgumentTypeError, TypeError)
    assert issubclass(smskit.ArgumentTypeError, smskit.InvalidInput)
    assert issubclass(smskit.OptionTypeError, TypeError)
    assert issubclass(smskit.OptionTypeError, smskit.ConfigurationError)


# bodies ------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "match"),
    [
        (" \t\n ", "only whitespace"),
        ("\u3000\u00a0", "only whitespace"),
        ("a\x00b", "NUL U\\+0000 at index 1"),
        ("esc \x1b[31m", "U\\+001B at index 4"),
        ("bell\x07", "U\\+0007"),
        ("vt\x0b", "U\\+000B"),
        ("del\x7f", "U\\+007F"),
        ("c1\x85", "U\\+0085"),
    ],
)
async def test_bodies_without_text_or_with_control_codes_are_refused(
    sandbox: Sandbox,
    make_client: MakeClient,
    requests: list[httpx.Request],
    body: str,
    match: str,
) -> None:
    client = make_client(sandbox)
    with pytest.raises(smskit.InvalidMessage, match=match):
        await client.send(to=TO, body=body)
    assert [] == requests
    await client.close()


@pytest.mark.anyio
@pytest.mark.parametrize("body", ["a\tb", "line\nline", "crlf\r\n", "page\fbreak"])
async def test_layout_controls_are_text(
    sandbox: Sandbox, make_client: MakeClient, body: str
) -> None:
    client = make_client(sandbox)
    assert body == (await client.send(to=TO, body=body)).body
    await client.close()


# send arguments ----------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"validity": 30.0}, smskit.ArgumentTypeError, "timedelta"),
        ({"validity": dt.timedelta(0)}, smskit.InvalidMessage, "positive"),
        ({"validity": dt.timedelta(seconds=-5)}, smskit.InvalidMessage, "positive"),
        ({"client_ref": "r" * 41}, smskit.InvalidMessage, "1 to 40 characters"),
        ({"client_ref": ""}, smskit.InvalidMessage, "1 to 40 characters"),
        ({"client_ref": 7}, smskit.ArgumentTypeError, "client_ref must be a str"),
        ({"client_ref": "a\nb"}, smskit.InvalidMessage, "control"),
        ({"sender": "TooLongSender1"}, smskit.InvalidSenderId, "TooLongSender1"),
        ({"to": b"+14155552671"}, smskit.InvalidPhoneNumber, "bytes"),
        ({"body": b"hi"}, smskit.ArgumentTypeError, "body must be a str, not bytes"),
    ],
)
async def test_send_arguments_are_checked_before_sending(
    sandbox: Sandbox,
    make_client: MakeClient,
    requests: list[httpx.Request],
    options: dict[str, Any],
    error: type[Exception],
    match: str,
) -> None:
    client = make_client(sandbox)
    arguments: dict[str, Any] = {"to": TO, "body": "hi", **options}
    with pytest.raises(error, match=match):
        await client.send(**arguments)
    assert [] == requests
    await client.close()


@pytest.mark.anyio
async def test_a_client_ref_of_the_maximum_length_is_sent(
    sandbox: Sandbox, make_client: MakeClient
) -> None:
    client = make_client(sandbox)
    ref = "r" * smskit.Client.MAX_CLIENT_REF_LENGTH
    assert ref == (await client.send(to=TO, body="hi", client_ref=ref)).client_ref
    await client.close()


# client options ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"region": 1}, smskit.OptionTypeError, "region must be"),
        ({"region": ["US"]}, smskit.OptionTypeError, "not list"),
        ({"region": "XX"}, smskit.ConfigurationError, "not a known region"),
        ({"region": "UK"}, smskit.ConfigurationError, "did you mean 'GB'"),
        ({"sender": "TooLongSender1"}, smskit.InvalidSenderId, "TooLongSender1"),
        ({"sender": 5}, smskit.InvalidSenderId, "int"),
        ({"max_segments": 0}, smskit.ConfigurationError, ">= 1"),
        ({"max_segments": 1.5}, smskit.OptionTypeError, "an int"),
        ({"max_segments": True}, smskit.OptionTypeError, "an int"),
        ({"max_segments": "3"}, smskit.OptionTypeError, "an int"),
        ({"timeout": 0}, smskit.ConfigurationError, "> 0"),
        ({"timeout": -1.0}, smskit.ConfigurationError, "> 0"),
        ({"timeout": float("nan")}, smskit.ConfigurationError, "finite"),
        ({"timeout": "5"}, smskit.OptionTypeError, "timeout must be a number"),
        ({"timeout": None}, smskit.OptionTypeError, "timeout must be a number"),
        ({"retry": 3}, smskit.OptionTypeError, "retry must be RetryPolicy"),
        ({"rate_limit": 10}, smskit.OptionTypeError, "rate_limit must be"),
        ({"rate_limit": object()}, smskit.OptionTypeError, "rate_limit must be"),
        ({"number_policy": "x"}, smskit.OptionTypeError, "number_policy must be"),
        ({"hooks": print}, smskit.OptionTypeError, "hooks must be Hooks"),
        ({"http2": "yes"}, smskit.OptionTypeError, "http2 must be bool"),
        ({"log_sensitive": "no"}, smskit.OptionTypeError, "log_sensitive must be"),
        ({"limits": 10}, smskit.OptionTypeError, "limits must be Limits"),
    ],
)
def test_options_are_checked_at_construction(
    client_class: type[smskit.Client],
    options: dict[str, Any],
    error: type[Exception],
    match: str,
) -> None:
    with pytest.raises(error, match=match):
        client_class(Sandbox(), **options)


def test_a_provider_that_is_not_one_is_refused() -> None:
    with pytest.raises(smskit.OptionTypeError, match="provider must be"):
        smskit.Client("twilio")  # type: ignore[arg-type]


def test_the_http_client_must_match_the_client_kind() -> None:
    class Remote(Sandbox):
        """A provider that, unlike the sandbox, accepts an HTTP client."""

        @property
        def transport(self) -> None:  # type: ignore[override]
            return None

    with pytest.raises(smskit.OptionTypeError, match="http_client must be Client"):
        smskit.Client(Remote(), http_client=httpx.AsyncClient())  # type: ignore[arg-type]
    with pytest.raises(smskit.OptionTypeError, match="must be AsyncClient"):
        smskit.AsyncClient(Remote(), http_client=httpx.Client())  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_lower_case_regions_are_read(
    sandbox: Sandbox, make_client: MakeClient
) -> None:
    client = make_client(sandbox, region="gb")
    assert "+447400123456" == (await client.send(to="07400 123456", body="hi")).to
    await client.close()


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"max_attempts": 0}, smskit.ConfigurationError, ">= 1"),
        ({"max_attempts": 2.0}, smskit.OptionTypeError, "an int"),
        ({"initial_backoff": float("inf")}, smskit.ConfigurationError, "finite"),
        ({"max_backoff": "8"}, smskit.OptionTypeError, "a number"),
        ({"jitter": 1.0}, smskit.ConfigurationError, r"\[0, 1\)"),
        ({"deadline": float("nan")}, smskit.ConfigurationError, "finite"),
        ({"max_retry_after": -1}, smskit.ConfigurationError, ">= 0"),
        ({"retry_ambiguous_sends": "yes"}, smskit.OptionTypeError, "bool"),
    ],
)
def test_retry_policy_values_are_checked(
    options: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        smskit.RetryPolicy(**options)


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"rate": "1"}, smskit.OptionTypeError, "a number"),
        ({"rate": float("inf")}, smskit.ConfigurationError, "finite"),
        ({"rate": 1, "burst": 0.5}, smskit.ConfigurationError, ">= 1"),
        ({"rate": 1, "per": "host"}, smskit.ConfigurationError, "'account' or"),
        ({"rate": 1, "cost": "byte"}, smskit.ConfigurationError, "'message' or"),
    ],
)
def test_rate_limit_values_are_checked(
    options: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        smskit.RateLimit(**options)


def test_unknown_presets_are_refused_whatever_their_type() -> None:
    with pytest.raises(smskit.ConfigurationError, match="one of: plivo"):
        smskit.RateLimit.preset(["vonage"])  # type: ignore[arg-type]


# closed clients ----------------------------------------------------------------


@pytest.mark.anyio
async def test_a_closed_client_refuses_to_send_or_fetch(
    sandbox: Sandbox, make_client: MakeClient, requests: list[httpx.Request]
) -> None:
    client = make_client(sandbox)
    message = await client.send(to=TO, body="hi")
    await client.close()
    await client.close()  # closing twice is harmless
    requests.clear()
    with pytest.raises(smskit.ClientClosed, match="is closed"):
        await client.send(to=TO, body="again")
    with pytest.raises(smskit.ClientClosed):
        await client.fetch(message.id)
    assert [] == requests
    assert 1 == len(sandbox.outbox)


@pytest.mark.anyio
async def test_a_closed_client_stays_closed_under_a_test_capture(
    make_client: MakeClient,
) -> None:
    capture = Sandbox(seed=1, start=T0)
    client = make_client(Sandbox(seed=2, start=T0))
    await client.close()
    set_capture(capture)
    try:
        with pytest.raises(smskit.ClientClosed):
            await client.send(to=TO, body="hi")
    finally:
        set_capture(None)
    assert [] == capture.outbox


# ids in URLs -------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("message_id", "error", "match"),
    [
        ("SB1?admin=1", smskit.InvalidMessage, "not a sandbox message id"),
        ("../../x", smskit.InvalidMessage, "not a sandbox message id"),
        ("..", smskit.InvalidMessage, "not a sandbox message id"),
        ("SB1/../x", smskit.InvalidMessage, "not a sandbox message id"),
        ("SB1#frag", smskit.InvalidMessage, "not a sandbox message id"),
        ("%2e%2e", smskit.InvalidMessage, "not a sandbox message id"),
        ("SB 1", smskit.InvalidMessage, "not a sandbox message id"),
        ("S" * 129, smskit.InvalidMessage, "129 characters long"),
        ("", smskit.InvalidMessage, "empty"),
        (7, smskit.ArgumentTypeError, "a Message or an id \\(str\\), not int"),
        (None, smskit.ArgumentTypeError, "not NoneType"),
    ],
)
async def test_ids_never_shape_a_url(
    sandbox: Sandbox,
    make_client: MakeClient,
    requests: list[httpx.Request],
    message_id: object,
    error: type[Exception],
    match: str,
) -> None:
    client = make_client(sandbox)
    with pytest.raises(error, match=match):
        await client.fetch(message_id)
    assert [] == requests
    await client.close()


def test_path_id_percent_encodes_what_a_looser_alphabet_lets_through() -> None:
    import re

    anything = re.compile(r".+")
    assert "a%2Fb%3Fc%3Dd%23e" == path_id("p", "a/b?c=d#e", alphabet=anything)
    assert "SMabc" == path_id("p", "SMabc")
    with pytest.raises(smskit.InvalidMessage, match="'SM1' is not a p message id"):
        path_id("p", "SM1", alphabet=re.compile(r"SM[0-9a-f]{32}"))
    with pytest.raises(smskit.InvalidMessage, match="at most 10"):
        path_id("p", "x" * 11, max_length=10)


# ambiguity across attempts -----------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("second", ["connect_error", "rate_limited", "unavailable"])
async def test_an_ambiguous_attempt_is_remembered(
    sandbox: Sandbox, make_client: MakeClient, second: str
) -> None:
    retry = smskit.RetryPolicy(max_attempts=2, retry_ambiguous_sends=True)
    client = make_client(sandbox, retry=retry)
    sandbox.inject("read_timeout", times=1)
    sandbox.inject(second, times=1, retry_after=0.0)
    smskit.testing.set_testing(True)
    try:
        with pytest.raises(smskit.DeliveryUnknown) as info:
            await client.send(to=TO, body="hi")
    finally:
        smskit.testing.set_testing(False)
    assert 2 == info.value.attempts
    assert isinstance(info.value.__cause__, smskit.SmsKitError)
    assert not isinstance(info.value.__cause__, smskit.DeliveryUnknown)
    assert "an earlier attempt may have reached it" in str(info.value)
    # The first attempt was accepted: the SMS did go out.
    assert 1 == len(sandbox.outbox)
    await client.close()


@pytest.mark.anyio
async def test_clean_failures_alone_stay_what_they_are(
    sandbox: Sandbox, make_client: MakeClient
) -> None:
    client = make_client(sandbox, retry=smskit.RetryPolicy(max_attempts=2))
    sandbox.inject("connect_error", times=2)
    smskit.testing.set_testing(True)
    try:
        with pytest.raises(smskit.ConnectError):
            await client.send(to=TO, body="hi")
    finally:
        smskit.testing.set_testing(False)
    await client.close()


# logging -----------------------------------------------------------------------


def test_the_smskit_logger_has_a_null_handler() -> None:
    handlers = logging.getLogger("smskit").handlers
    assert any(isinstance(handler, logging.NullHandler) for handler in handlers)


def test_a_caught_error_prints_nothing() -> None:
    script = textwrap.dedent(
        """
        import smskit
        sandbox = smskit.providers.Sandbox()
        with smskit.Client(sandbox) as client:
            try:
                client.fetch("SBnope")
            except smskit.NotFound:
                pass
            try:
                client.send(to="+14155552671", body="x" * 2000)
            except smskit.MessageTooLong:
                pass
        """
    )
    result = subprocess.run(  # noqa: S603 -- this interpreter, a fixed script
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "" == result.stderr
    assert "" == result.stdout


class FailingLimiter:
    """A limiter that answers ``answers`` reservations, then cannot be reached."""

    def __init__(self, answers: int) -> None:
        self.limit = smskit.RateLimit(rate=1000)
        self.answers = answers

    def reserve(self, key: str, cost: float) -> float:
        if self.answers <= 0:
            raise smskit.LimiterUnavailable("the shared rate limiter is down")
        self.answers -= 1
        return 0.0

    async def areserve(self, key: str, cost: float) -> float:
        return self.reserve(key, cost)

    def pause(self, key: str, seconds: float) -> None:
        raise smskit.LimiterUnavailable("the shared rate limiter is down")

    async def apause(self, key: str, seconds: float) -> None:
        self.pause(key, seconds)


@pytest.mark.anyio
async def test_a_limiter_failure_sends_nothing(
    sandbox: Sandbox, make_client: MakeClient, requests: list[httpx.Request]
) -> None:
    client = make_client(sandbox, rate_limit=FailingLimiter(answers=0))
    with pytest.raises(smskit.LimiterUnavailable):
        await client.send(to=TO, body="hi")
    assert [] == requests
    await client.close()


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("fault", "answers"), [("read_timeout", 1), ("rate_limited", 5)]
)
async def test_a_limiter_failure_after_an_ambiguous_attempt_is_unknown(
    sandbox: Sandbox, make_client: MakeClient, fault: str, answers: int
) -> None:
    """The second reservation (or the pause after a 429) fails: was it sent?"""
    retry = smskit.RetryPolicy(max_attempts=3, retry_ambiguous_sends=True)
    client = make_client(sandbox, retry=retry, rate_limit=FailingLimiter(answers))
    if fault == "rate_limited":
        sandbox.inject("read_timeout", times=1)
    sandbox.inject(fault, times=1, retry_after=0.0)
    smskit.testing.set_testing(True)
    try:
        with pytest.raises(smskit.DeliveryUnknown) as info:
            await client.send(to=TO, body="hi")
    finally:
        smskit.testing.set_testing(False)
    assert isinstance(info.value.__cause__, smskit.LimiterUnavailable)
    assert 1 == len(sandbox.outbox)
    await client.close()


@pytest.mark.anyio
async def test_a_send_the_provider_cannot_build_takes_no_rate_limit_token(
    sandbox: Sandbox, make_client: MakeClient
) -> None:
    class Picky(Sandbox):
        def build_send(self, message: Any) -> httpx.Request:
            raise smskit.InvalidMessage("this provider needs a sender")

    limiter = RecordingLimiter(smskit.RateLimit(rate=1))
    client = make_client(Picky(), rate_limit=limiter)
    with pytest.raises(smskit.InvalidMessage, match="needs a sender"):
        await client.send(to=TO, body="hi")
    assert [] == limiter.reserved
    await client.close()


@pytest.mark.anyio
async def test_each_attempt_builds_its_request_once(
    sandbox: Sandbox, make_client: MakeClient
) -> None:
    """The request built up front serves the first attempt; a retry gets a new one."""
    builds: list[str] = []

    class Counting(Sandbox):
        def build_send(self, message: Any) -> httpx.Request:
            builds.append(message.to)
            return super().build_send(message)

    counting = Counting(seed=3, start=T0)
    client = make_client(counting)
    await client.send(to=TO, body="hi")
    assert 1 == len(builds)
    counting.inject("rate_limited", times=1, retry_after=0.0)
    smskit.testing.set_testing(True)
    try:
        await client.send(to=TO, body="again")
    finally:
        smskit.testing.set_testing(False)
    assert 3 == len(builds)
    await client.close()


def test_a_provider_without_a_transport_skips_the_protocol_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Asked on every send: the full protocol check (every Provider member)
    # runs only for a provider that has a ``transport`` at all.
    import smskit._client_support as support
    from smskit.providers import Sandbox
    from smskit.providers.twilio import Twilio

    sandbox = Sandbox()
    assert sandbox.transport is support.in_process_transport(sandbox)

    class Refusing(type):
        def __instancecheck__(cls, instance: object) -> bool:
            raise AssertionError("protocol checked")

    monkeypatch.setattr(support, "InProcessProvider", Refusing("P", (), {}))
    twilio = Twilio(account_sid="AC" + "1" * 32, auth_token="t")
    assert support.in_process_transport(twilio) is None
    with pytest.raises(AssertionError, match="protocol checked"):
        support.in_process_transport(sandbox)
