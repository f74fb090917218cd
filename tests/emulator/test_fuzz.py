"""Fuzz the emulator's HTTP parsing, provider APIs and control API.

Whatever a client sends, the emulator answers without a 500 (or hangs up on
a request it cannot read), logs no error, and afterwards still answers and
still moves time: a probe message is delivered by the running clock. Bounded
in examples so the whole module takes a few seconds.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from emulator_helpers import START, first_response, raw_exchange
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from smskit._emulator._config import Credentials
from smskit._emulator._server import Emulator
from smskit.providers.sandbox._state import SandboxState

CREDENTIALS = Credentials()
TWILIO_SID = CREDENTIALS.twilio_account_sid
PLIVO_ID = CREDENTIALS.plivo_auth_id
PATHS = [
    f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json",
    f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/SM00.json",
    f"/2010-04-01/Accounts/{TWILIO_SID}/Balance.json",
    f"/v1/Account/{PLIVO_ID}/",
    f"/v1/Account/{PLIVO_ID}/Message/",
    f"/v1/Account/{PLIVO_ID}/Message/x/",
    "/sms/json",
    "/account/get-balance",
    "/v2/reports/records",
    "/_sandbox",
    "/_sandbox/outbox",
    "/_sandbox/webhooks",
    "/_sandbox/advance",
    "/_sandbox/inbound",
    "/_sandbox/script",
    "/",
]
PROBE = "+14155550987"  # no strategy below draws it: its fate stays the default
SETTINGS = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


AUTHORIZATION = st.sampled_from(
    [
        None,
        _basic(TWILIO_SID, CREDENTIALS.twilio_auth_token),
        _basic(PLIVO_ID, CREDENTIALS.plivo_auth_token),
        _basic(CREDENTIALS.vonage_api_key, CREDENTIALS.vonage_api_secret),
        "Basic !!!",
        "Bearer x",
    ]
)
# Text that is hard on encoders: lone surrogates, controls, other scripts' digits.
HOSTILE_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["\ud800", "\udfff", "\x00", "\r", "\n", "²", "٣", "€"]),
    ),
    max_size=30,
)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, 1e12, 10**400, -1]),
)
NUMBERS_TEXT = st.sampled_from(["+14155550100", "14155550101", "447700900001", "Acme"])
URLS = st.one_of(
    st.sampled_from(
        [
            "http://hooks.invalid/cb",
            "http://hooks.invalid/cb?x=1",
            "http://[::1/x",
            "http://h:99999/",
            "javascript:alert(1)",
            "http://hooks.invalid/\ud800",
            "http://hooks.invalid/a b",
        ]
    ),
    HOSTILE_TEXT,
)
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), NUMBERS, HOSTILE_TEXT, NUMBERS_TEXT, URLS),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(HOSTILE_TEXT, children, max_size=3),
    ),
    max_leaves=5,
)


def _usually(good: object, hostile: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``good`` half of the time, so a request gets far enough to be stored."""
    return st.one_of(st.just(good), hostile)


ADDRESSES = st.one_of(
    st.sampled_from(["+14155550100", "+447700900001", "+15005550010", "Acme"]),
    HOSTILE_TEXT,
    JSON_VALUES,
)
PROVIDERS = st.sampled_from(["twilio", "vonage", "plivo", "sinch"])
FINALS = st.one_of(
    st.sampled_from(["delivered", "undelivered", "failed", "expired", "queued"]),
    JSON_VALUES,
)
ERROR_CODES = st.one_of(
    st.sampled_from(["30005", "²", "٣٠٠٠٥", "", 30005, -1]), JSON_VALUES
)
CONTROL = st.one_of(
    st.tuples(
        st.just("/_sandbox/advance"),
        st.fixed_dictionaries({}, optional={"seconds": NUMBERS}),
    ),
    st.tuples(
        st.just("/_sandbox/inbound"),
        st.fixed_dictionaries(
            {"from": ADDRESSES, "body": _usually("hi", JSON_VALUES)},
            optional={"to": ADDRESSES, "provider": PROVIDERS, "url": URLS},
        ),
    ),
    st.tuples(
        st.just("/_sandbox/script"),
        st.fixed_dictionaries(
            {"to": ADDRESSES, "final": FINALS},
            optional={
                "error_code": ERROR_CODES,
                "sent_after": NUMBERS,
                "final_after": NUMBERS,
            },
        ),
    ),
    st.tuples(
        st.sampled_from(["/_sandbox/advance", "/_sandbox/inbound", "/_sandbox/script"]),
        JSON_VALUES,
    ),
)
DESTINATIONS = st.sampled_from(
    ["14155550101", "447700900001", "14155550101<14155550102", "15005550013"]
)
PLIVO_SENDS = st.fixed_dictionaries(
    {
        "src": _usually("14155550100", JSON_VALUES),
        "dst": st.one_of(DESTINATIONS, JSON_VALUES),
        "text": _usually("Hi", JSON_VALUES),
    },
    optional={
        "url": URLS,
        "method": st.one_of(st.sampled_from(["GET", "POST", "get"]), JSON_VALUES),
        "type": JSON_VALUES,
    },
)
VONAGE_SENDS = st.fixed_dictionaries(
    {
        "from": _usually("Acme", JSON_VALUES),
        "to": st.one_of(DESTINATIONS, JSON_VALUES),
        "text": _usually("Hi", JSON_VALUES),
    },
    optional={
        "callback": URLS,
        "ttl": st.one_of(st.sampled_from(["30000", "²", "9" * 5000]), JSON_VALUES),
        "client-ref": JSON_VALUES,
        "status-report-req": JSON_VALUES,
        "type": JSON_VALUES,
    },
)
FORM_TEXT = st.one_of(HOSTILE_TEXT, URLS)
TWILIO_SENDS = st.fixed_dictionaries(
    {
        "To": _usually("+14155550100", FORM_TEXT),
        "From": _usually("+15005550006", FORM_TEXT),
        "Body": _usually("Hi", FORM_TEXT),
    },
    optional={
        "StatusCallback": URLS,
        "ScheduleType": _usually("fixed", FORM_TEXT),
        "SendAt": FORM_TEXT,
        "MessagingServiceSid": FORM_TEXT,
    },
)
SENDS = st.one_of(
    st.tuples(st.just("plivo"), PLIVO_SENDS),
    st.tuples(st.just("vonage"), VONAGE_SENDS),
    st.tuples(st.just("twilio"), TWILIO_SENDS),
)
HEADER_TEXT = st.text(
    alphabet=st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=20
)


def _json_bytes(value: object) -> bytes:
    return json.dumps(value).encode()


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# Built once: strategies made inside a draw are rebuilt (and described) each time.
METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "G\x00T"])
QUERY_NAMES = st.sampled_from(
    [
        "PageSize",
        "Page",
        "To",
        "DateSent",
        "DateSent>",
        "limit",
        "offset",
        "message_state",
        "message_time__gt",
        "error_code",
        "id",
        "date_start",
        "date_end",
        "status",
        "include_message",
        "api_key",
        "api_secret",
    ]
)
QUERY_VALUES = st.one_of(
    st.sampled_from(["0", "-1", "99999999999", "2025-06-01", "2025-13-45T99:00Z", ""]),
    HOSTILE_TEXT,
)


def _query(parts: tuple[str, list[tuple[str, str]]]) -> str:
    """A query string; values percent-encoded as bytes (surrogates and all)."""
    prefix, pairs = parts
    encoded = "&".join(
        f"{quote(name)}={quote(value.encode('utf-8', 'surrogatepass'))}"
        for name, value in pairs
    )
    return f"?{prefix}{encoded}"


QUERIES = st.one_of(
    st.sampled_from(["", "?", "?a=1&a=2", "?PageSize=0", "?limit=99&offset=-1"]),
    st.tuples(
        st.sampled_from(["", "account_id=emulator1&product=SMS&direction=outbound&"]),
        st.lists(st.tuples(QUERY_NAMES, QUERY_VALUES), max_size=4),
    ).map(_query),
)
TARGETS = st.tuples(st.sampled_from(PATHS), QUERIES)
VERSIONS = st.sampled_from(["HTTP/1.1", "HTTP/1.0", "X"])
BODIES = st.one_of(
    st.binary(max_size=200),
    JSON_VALUES.map(_json_bytes),
    st.integers(1, 3000).map(_nested),
)
LENGTHS = st.one_of(st.integers(-5, 10**12).map(str), HEADER_TEXT, st.none())
HEADERS = st.lists(
    st.tuples(
        st.sampled_from(
            ["Content-Type", "Transfer-Encoding", "Expect", "Connection", "X-Any"]
        ),
        st.one_of(
            st.sampled_from(
                ["application/json", "application/x-www-form-urlencoded", "chunked"]
            ),
            HEADER_TEXT,
        ),
    ),
    max_size=3,
)


@st.composite
def raw_requests(draw: st.DrawFn) -> bytes:
    """A request as bytes: odd methods, paths, framing, headers and bodies."""
    path, query = draw(TARGETS)
    body = draw(BODIES)
    lines = [f"{draw(METHODS)} {path}{query} {draw(VERSIONS)}"]
    length = str(len(body)) if draw(st.booleans()) else draw(LENGTHS)
    if length is not None:
        lines += [f"Content-Length: {length}"] * draw(st.integers(1, 2))
    lines += [f"{name}: {value}" for name, value in draw(HEADERS)]
    authorization = draw(AUTHORIZATION)
    if authorization:
        lines.append(f"Authorization: {authorization}")
    head = "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n"
    return head + body


@pytest.fixture
def fuzzed() -> Iterator[tuple[Emulator, list[httpx.Request]]]:
    """An emulator whose clock runs fast; webhooks go to memory, not the network."""
    sent: list[httpx.Request] = []
    lock = threading.Lock()

    def record(request: httpx.Request) -> httpx.Response:
        with lock:
            sent.append(request)
        return httpx.Response(204)

    with Emulator(
        port=0,
        state=SandboxState(start=START),
        speed=1000.0,
        tick=0.01,
        request_timeout=1.0,
        webhook_transport=httpx.MockTransport(record),
        inbound_urls={"twilio": "http://hooks.invalid/in"},
    ) as emulator:
        yield emulator, sent


def _no_errors_logged(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """Nothing was logged as an error (a 500, a webhook that could not be
    built, a failed tick) and no traceback reached stderr (a dropped request)."""
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert [] == logged
    assert "Traceback" not in capfd.readouterr().err


def _still_alive(emulator: Emulator, sent: list[httpx.Request]) -> None:
    """The server answers and the clock still delivers a fresh message."""
    before = emulator.state.now
    callback = "http://hooks.invalid/probe"
    with httpx.Client(base_url=emulator.url, timeout=5.0) as http:
        assert 200 == http.get("/_sandbox").status_code
        response = http.post(
            f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json",
            data={
                "To": PROBE,
                "From": "+15005550006",
                "Body": "probe",
                "StatusCallback": callback,
            },
            auth=(TWILIO_SID, CREDENTIALS.twilio_auth_token),
        )
        assert 201 == response.status_code

    def delivered() -> bool:
        return any(
            str(request.url) == callback
            and b"MessageStatus=delivered" in request.content
            and f"To={PROBE}".replace("+", "%2B").encode() in request.content
            for request in list(sent)
        )

    deadline = time.monotonic() + 10
    while not delivered() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert delivered()
    assert emulator.state.now > before


def _settle(emulator: Emulator) -> None:
    """Give the clock a tick so a failure it hits shows up before the checks."""
    time.sleep(emulator.tick * 5)


def test_raw_http(
    fuzzed: tuple[Emulator, list[httpx.Request]],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Raw requests: never a 500, and the server survives them all."""
    emulator, sent = fuzzed

    @SETTINGS
    @given(raw_requests())
    @example(b"POST /_sandbox/advance HTTP/1.1\r\nContent-Length: abc\r\n\r\n{}")
    @example(b"POST /sms/json HTTP/1.1\r\nContent-Length: 2\r\n" * 2 + b"\r\n{}")
    def exchange(request: bytes) -> None:
        response = first_response(raw_exchange(emulator.port, request))
        assert response is None or response.status != 500, request

    exchange()
    _settle(emulator)
    _still_alive(emulator, sent)
    _no_errors_logged(caplog, capfd)


def test_control_api(
    fuzzed: tuple[Emulator, list[httpx.Request]],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Control requests with hostile JSON: 200 or 400, nothing that breaks later."""
    emulator, sent = fuzzed
    with httpx.Client(base_url=emulator.url, timeout=5.0) as http:

        @SETTINGS
        @given(CONTROL)
        @example(("/_sandbox/advance", {"seconds": math.nan}))
        @example(
            (
                "/_sandbox/script",
                {"to": "+14155550100", "final": "failed", "error_code": "²"},
            )
        )
        def control(case: tuple[str, dict[str, Any]]) -> None:
            path, payload = case
            content = json.dumps(payload).encode()  # \\ud800 escapes, NaN, Infinity
            response = http.post(path, content=content)
            assert response.status_code in {200, 400}, (path, payload)

        control()
    _settle(emulator)
    _still_alive(emulator, sent)
    _no_errors_logged(caplog, capfd)


def test_provider_sends(
    fuzzed: tuple[Emulator, list[httpx.Request]],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Sends with hostile fields in every dialect: never a 500, time goes on."""
    emulator, sent = fuzzed
    with httpx.Client(base_url=emulator.url, timeout=5.0) as http:

        @SETTINGS
        @given(SENDS)
        @example(
            (
                "plivo",
                {
                    "src": "14155550100",
                    "dst": "14155550101",
                    "text": "x",
                    "url": "http://hooks.invalid/\ud800",
                },
            )
        )
        @example(
            (
                "twilio",
                {
                    "To": "+14155550100",
                    "From": "+15005550006",
                    "Body": "x",
                    "StatusCallback": "http://[::1/x",
                },
            )
        )
        def send(case: tuple[str, dict[str, Any]]) -> None:
            provider, payload = case
            response = _send(http, provider, payload)
            assert response.status_code != 500, (provider, payload)

        send()
    emulator.advance(None)  # every accepted message to its end, webhooks and all
    _settle(emulator)
    _still_alive(emulator, sent)
    _no_errors_logged(caplog, capfd)


def _send(http: httpx.Client, provider: str, payload: dict[str, Any]) -> httpx.Response:
    if provider == "twilio":
        # Percent-encoded by hand: a lone surrogate becomes bytes no UTF-8
        # decoder accepts, which is what a broken client would send.
        form = "&".join(
            f"{quote(name)}={quote(value.encode('utf-8', 'surrogatepass'))}"
            for name, value in payload.items()
        )
        return http.post(
            f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json",
            content=form.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            auth=(TWILIO_SID, CREDENTIALS.twilio_auth_token),
        )
    headers = {"Content-Type": "application/json"}
    if provider == "plivo":
        return http.post(
            f"/v1/Account/{PLIVO_ID}/Message/",
            content=json.dumps(payload).encode(),
            headers=headers,
            auth=(PLIVO_ID, CREDENTIALS.plivo_auth_token),
        )
    payload = {
        **payload,
        "api_key": CREDENTIALS.vonage_api_key,
        "api_secret": CREDENTIALS.vonage_api_secret,
    }
    return http.post("/sms/json", content=json.dumps(payload).encode(), headers=headers)
