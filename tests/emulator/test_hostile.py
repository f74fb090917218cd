"""The emulator against hostile clients: each test holds a defect it once had."""

from __future__ import annotations

import base64
import json
import logging
import pickle
import socket
import struct
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from emulator_helpers import START, Receiver, first_response, raw_exchange

from smskit import ConfigurationError, OptionTypeError, Status
from smskit._emulator import _common, _server
from smskit._emulator._config import Credentials
from smskit._emulator._server import MAX_BODY_BYTES, Emulator
from smskit.providers.sandbox._magic import Fate
from smskit.providers.sandbox._state import SandboxState

CREDENTIALS = Credentials()
TWILIO = (CREDENTIALS.twilio_account_sid, CREDENTIALS.twilio_auth_token)
TWILIO_MESSAGES = f"/2010-04-01/Accounts/{TWILIO[0]}/Messages.json"
PLIVO = (CREDENTIALS.plivo_auth_id, CREDENTIALS.plivo_auth_token)
PLIVO_MESSAGES = f"/v1/Account/{PLIVO[0]}/Message/"
VONAGE = (CREDENTIALS.vonage_api_key, CREDENTIALS.vonage_api_secret)


def plivo_send(http: httpx.Client, **fields: object) -> httpx.Response:
    payload = {"src": "14155550100", "dst": "14155550101", "text": "Hi", **fields}
    return http.post(
        PLIVO_MESSAGES,
        content=json.dumps(payload).encode(),  # ensure_ascii: "\ud800" → \\ud800
        headers={"Content-Type": "application/json"},
        auth=PLIVO,
    )


def vonage_json(http: httpx.Client, **fields: object) -> httpx.Response:
    payload = {"from": "Acme", "to": "447700900001", "text": "Hi", **fields}
    payload |= {"api_key": VONAGE[0], "api_secret": VONAGE[1]}
    return http.post(
        "/sms/json",
        content=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )


def eventually(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Poll ``check`` until it holds or ``seconds`` pass (no timing asserted)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture
def running(receiver: Receiver) -> Iterator[Emulator]:
    """An emulator whose clock runs fast, as `smskit sandbox serve --speed` does."""
    with Emulator(
        port=0,
        state=SandboxState(start=START),
        speed=1000.0,
        tick=0.01,
        webhook_timeout=2.0,
    ) as emulator:
        yield emulator


def delivered_to(receiver: Receiver, path: str) -> bool:
    """Whether the receiver got a "delivered" Plivo status callback at ``path``."""
    found = receiver.wait_for(
        1, lambda item: item.path == path and item.form.get("Status") == "delivered"
    )
    return bool(found)


# -- one request must not stop time ---------------------------------------------


class TestTimeGoesOn:
    def test_lone_surrogate_url_is_refused_and_time_moves(
        self, running: Emulator, receiver: Receiver
    ) -> None:
        """A Plivo url with a lone surrogate is a 400; later messages still move.

        It was answered 202 and then killed the clock thread when its status
        callback was signed, so no message ever moved again.
        """
        with httpx.Client(base_url=running.url) as http:
            refused = plivo_send(http, url="http://127.0.0.1:9/\ud800")
            assert 400 == refused.status_code
            assert {"api_id", "error"} == set(refused.json())
            assert 202 == plivo_send(http, url=f"{receiver.url}/ok").status_code
        assert delivered_to(receiver, "/ok")

    def test_a_failing_dialect_does_not_stop_the_others(
        self,
        running: Emulator,
        receiver: Receiver,
        monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """A webhook that cannot be built is logged; the others and the clock go on."""

        def broken(event: object) -> list[object]:
            raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")

        monkeypatch.setattr(running.dialect("vonage"), "on_event", broken)
        with httpx.Client(base_url=running.url) as http:
            assert 202 == plivo_send(http, url=f"{receiver.url}/a").status_code
            assert delivered_to(receiver, "/a")
            assert 202 == plivo_send(http, url=f"{receiver.url}/b").status_code
            assert delivered_to(receiver, "/b")
        assert any("vonage webhook" in r.getMessage() for r in caplog.records)

    def test_a_failing_tick_does_not_stop_the_clock(
        self, running: Emulator, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An exception in one tick is logged and the next tick runs."""
        real = running.advance
        failures = []

        def flaky(seconds: float | None = None) -> Any:
            if not failures:
                failures.append(seconds)
                raise RuntimeError("one bad tick")
            return real(seconds)

        monkeypatch.setattr(running, "advance", flaky)
        before = running.state.now
        assert eventually(lambda: bool(failures) and running.state.now > before)

    def test_a_failing_listener_does_not_silence_the_others(self) -> None:
        """SandboxState tells every listener even when one raises."""
        state = SandboxState(start=START)
        heard: list[object] = []

        def broken(item: object) -> None:
            raise ValueError("listener bug")

        state.listeners += [broken, heard.append]
        state.submit(to="+14155550100", body="hi")
        assert 2 == len(state.advance())
        assert 2 == len(heard)


class TestUnencodableText:
    def test_plivo_text(self, http: httpx.Client) -> None:
        """Plivo answers 400 in its own shape."""
        response = plivo_send(http, text="hi \udfff")
        assert 400 == response.status_code
        assert "surrogate" in response.json()["error"]

    def test_vonage_text(self, http: httpx.Client) -> None:
        """Vonage answers 400 with its SMS API's message list (status 3)."""
        response = vonage_json(http, text="\ud83d")
        assert 400 == response.status_code
        assert "3" == response.json()["messages"][0]["status"]

    @pytest.mark.parametrize(
        "payload",
        [
            {"from": "+14155550199", "body": "\ud800"},
            {
                "from": "+14155550199",
                "body": "x",
                "provider": "twilio",
                "url": "\ud800",
            },
        ],
    )
    def test_control_inbound(self, http: httpx.Client, payload: dict[str, str]) -> None:
        """The control API answers 400 ``{"error"}`` and sends nothing."""
        response = http.post("/_sandbox/inbound", content=json.dumps(payload))
        assert 400 == response.status_code
        assert response.json()["error"]
        assert [] == http.get("/_sandbox/inbox").json()["messages"]


class TestBadUrls:
    @pytest.mark.parametrize(
        "url",
        ["http://[::1/x", "javascript:alert(1)", "http://a b/", "http://h:99999/"],
    )
    def test_twilio(self, http: httpx.Client, url: str) -> None:
        """A StatusCallback no webhook could reach is refused at send time."""
        data = {"To": "+14155550100", "From": "+15005550006", "Body": "Hi"}
        response = http.post(
            TWILIO_MESSAGES, data={**data, "StatusCallback": url}, auth=TWILIO
        )
        assert (400, 21609) == (response.status_code, response.json()["code"])

    @pytest.mark.parametrize("url", ["http://[::1/x", "/status", 12, "http://x/\x00"])
    def test_plivo(self, http: httpx.Client, url: object) -> None:
        """Plivo refuses the url with 400."""
        response = plivo_send(http, url=url)
        assert 400 == response.status_code
        assert "url" in response.json()["error"]

    def test_vonage(self, http: httpx.Client) -> None:
        """Vonage refuses the callback with its status 23."""
        response = vonage_json(http, callback="http://[::1/x")
        assert "23" == response.json()["messages"][0]["status"]

    def test_control_inbound(self, http: httpx.Client) -> None:
        """An inbound url must be an http(s) URL."""
        payload = {"from": "+1415", "body": "x", "provider": "plivo", "url": "ftp://x"}
        response = http.post("/_sandbox/inbound", json=payload)
        assert 400 == response.status_code


class TestRendering:
    def test_twilio_error_code_that_is_no_number(
        self, emulator: Emulator, http: httpx.Client
    ) -> None:
        """A record whose error code is not ASCII digits still renders (as null)."""
        emulator.state.script(
            "+14155550123", Fate(final=Status.UNDELIVERED, error_code="²")
        )
        sid = http.post(
            TWILIO_MESSAGES,
            data={"To": "+14155550123", "From": "+15005550006", "Body": "Hi"},
            auth=TWILIO,
        ).json()["sid"]
        emulator.advance()
        message = http.get(
            TWILIO_MESSAGES.replace(".json", f"/{sid}.json"), auth=TWILIO
        )
        assert (200, None) == (message.status_code, message.json()["error_code"])

    @pytest.mark.parametrize("ttl", ["²", "9" * 5000])
    def test_vonage_ttl_that_is_no_number(self, http: httpx.Client, ttl: str) -> None:
        """A ttl int() cannot read is status 3, not a 500."""
        response = vonage_json(http, ttl=ttl)
        assert (200, "3") == (
            response.status_code,
            response.json()["messages"][0]["status"],
        )

    def test_plivo_bulk_limit(self, http: httpx.Client) -> None:
        """More than 1,000 destinations in one request is a 400."""
        many = "<".join(f"1415555{n:04d}" for n in range(1001))
        response = plivo_send(http, dst=many)
        assert 400 == response.status_code
        assert "1000" in response.json()["error"]


# -- the HTTP layer --------------------------------------------------------------

SHAPES: dict[str, Callable[[Any], bool]] = {
    TWILIO_MESSAGES: lambda body: body["code"] == 21000,
    PLIVO_MESSAGES: lambda body: {"api_id", "error"} == set(body),
    "/sms/json": lambda body: body["messages"][0]["status"] == "3",
    "/_sandbox/advance": lambda body: bool(body["error"]),
}


def post(path: str, headers: bytes, body: bytes = b"") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: emulator\r\n".encode()
        + headers
        + b"\r\n"
        + body
    )


class TestFraming:
    @pytest.mark.parametrize("path", list(SHAPES))
    @pytest.mark.parametrize(
        ("headers", "status"),
        [
            pytest.param(b"Content-Length: -1\r\n", 400, id="negative"),
            pytest.param(b"Content-Length: 1e3\r\n", 400, id="not-a-number"),
            pytest.param(b"Content-Length: \xb2\r\n", 400, id="superscript-two"),
            pytest.param(
                b"Content-Length: 2\r\nContent-Length: 2\r\n", 400, id="twice"
            ),
            pytest.param(
                f"Content-Length: {MAX_BODY_BYTES + 1}\r\n".encode(), 413, id="too-big"
            ),
            pytest.param(b"Content-Length: " + b"9" * 40 + b"\r\n", 413, id="absurd"),
            pytest.param(b"Transfer-Encoding: chunked\r\n", 411, id="chunked"),
        ],
    )
    def test_unreadable_bodies(
        self, emulator: Emulator, path: str, headers: bytes, status: int
    ) -> None:
        """Framing the server cannot trust: refused in its owner's shape, closed."""
        response = first_response(
            raw_exchange(emulator.port, post(path, headers, b"{}"))
        )
        assert response is not None
        assert status == response.status
        assert "close" == response.headers["connection"]
        assert SHAPES[path](response.json())

    def test_a_client_that_stops_mid_body_gets_no_answer(
        self, emulator: Emulator
    ) -> None:
        """A body shorter than its Content-Length is never handled as a request."""
        raw = raw_exchange(
            emulator.port, post("/_sandbox/advance", b"Content-Length: 50\r\n", b"{}")
        )
        assert b"" == raw

    @pytest.mark.parametrize("path", list(SHAPES)[1:])  # Twilio takes forms only
    @pytest.mark.parametrize("depth", [32, 100_000])
    def test_deeply_nested_json(
        self, emulator: Emulator, path: str, depth: int
    ) -> None:
        """JSON nested deeper than 32 levels is a 400 (100,000 used to be a 500)."""
        body = b'{"seconds": ' + b"[" * depth + b"]" * depth + b"}"
        token = base64.b64encode(":".join(PLIVO).encode()).decode()
        headers = (
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nAuthorization: Basic {token}\r\n"
        )
        raw = raw_exchange(emulator.port, post(path, headers.encode(), body))
        response = first_response(raw)
        assert response is not None
        assert 400 == response.status
        assert SHAPES[path](response.json())

    def test_nesting_up_to_the_limit_is_read(self, http: httpx.Client) -> None:
        """An object holding 31 nested arrays (32 levels) is still a send."""
        deep: list[object] = []
        for _ in range(30):
            deep = [deep]
        assert 202 == plivo_send(http, extra=deep).status_code
        assert 400 == plivo_send(http, extra=[deep]).status_code


class TestConnections:
    def test_slow_headers_are_cut_off(self) -> None:
        """A client that trickles its headers is disconnected at the deadline."""
        with (
            Emulator(port=0, realtime=False, request_timeout=0.2) as emulator,
            socket.create_connection(("127.0.0.1", emulator.port)) as sock,
        ):
            sock.sendall(b"GET /_sandbox HTTP/1.1\r\nX-Slow: ")
            sock.settimeout(0.05)
            assert _closed_while_trickling(sock)
            assert _answers(emulator, b"GET /_sandbox HTTP/1.1\r\nHost: e\r\n\r\n")

    def test_connections_are_capped(self) -> None:
        """Past max_connections a client gets 503 (or a close), never a thread."""
        request = b"GET /_sandbox HTTP/1.1\r\nHost: emulator\r\n\r\n"
        with Emulator(port=0, realtime=False, max_connections=2) as emulator:
            idle = [
                socket.create_connection(("127.0.0.1", emulator.port)) for _ in "ab"
            ]
            try:
                assert eventually(lambda: emulator.connections == 2)
                response = first_response(raw_exchange(emulator.port, request))
                assert response is None or 503 == response.status
            finally:
                for sock in idle:
                    sock.close()
            assert eventually(lambda: _answers(emulator, request))

    def test_a_vanishing_client_leaves_no_traceback(
        self, emulator: Emulator, capfd: pytest.CaptureFixture[str]
    ) -> None:
        """A client that resets mid-exchange is logged quietly, not printed."""
        request = b"GET /_sandbox/outbox HTTP/1.1\r\nHost: emulator\r\n\r\n"
        sock = socket.create_connection(("127.0.0.1", emulator.port))
        sock.sendall(request * 300)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # linger 0: a reset, not a polite close
        assert eventually(lambda: emulator.connections == 0)
        assert _answers(emulator, request)
        err = capfd.readouterr().err
        assert "Traceback" not in err
        assert "Exception occurred" not in err

    def test_handle_error_is_quiet_for_disconnects(
        self, emulator: Emulator, capfd: pytest.CaptureFixture[str]
    ) -> None:
        """The server's error hook prints nothing for a client that went away."""
        httpd = emulator._httpd
        assert httpd is not None
        for problem in (BrokenPipeError(), ConnectionResetError(), TimeoutError()):
            try:
                raise problem
            except OSError:
                httpd.handle_error(None, ("127.0.0.1", 1))
        assert "" == capfd.readouterr().err


def _closed_while_trickling(sock: socket.socket) -> bool:
    """Send a byte at a time (for up to ~5 s) until the server hangs up."""
    for _ in range(100):
        try:
            sock.sendall(b"a")
            data = sock.recv(1024)
        except TimeoutError:
            continue
        except OSError:  # reset or broken pipe: closed by the server
            return True
        return not data
    return False


def _answers(emulator: Emulator, request: bytes) -> bool:
    response = first_response(raw_exchange(emulator.port, request))
    return response is not None and 200 == response.status


# -- the control API ---------------------------------------------------------------


class TestControlNumbers:
    @pytest.mark.parametrize(
        "seconds",
        [b"NaN", b"Infinity", b"-Infinity", b"1e400", b"1" + b"0" * 400, b"1e12"],
    )
    def test_advance(self, http: httpx.Client, seconds: bytes) -> None:
        """NaN, infinite and absurd advances are 400 (some were 500s)."""
        response = http.post(
            "/_sandbox/advance", content=b'{"seconds": ' + seconds + b"}"
        )
        assert 400 == response.status_code
        assert 200 == http.post("/_sandbox/advance", json={"seconds": 1}).status_code

    @pytest.mark.parametrize(
        "fields",
        [
            {"error_code": "²"},
            {"error_code": "30005x"},
            {"error_code": ["30005"]},
            {"sent_after": float("nan")},
            {"final_after": float("inf")},
            {"final_after": 1e12},
            {"to": "+1٤١٥٥٥٥٠١٢٣"},
            {"to": "14155550123"},
        ],
    )
    def test_script(self, http: httpx.Client, fields: dict[str, object]) -> None:
        """Scripted values no API could render, or absurd delays, are 400."""
        body = {"to": "+14155550123", "final": "undelivered", **fields}
        response = http.post("/_sandbox/script", content=json.dumps(body))
        assert 400 == response.status_code

    def test_script_takes_a_numeric_error_code(self, http: httpx.Client) -> None:
        """An integer error code is as good as its digits."""
        body = {"to": "+14155550123", "final": "undelivered", "error_code": 30005}
        assert 200 == http.post("/_sandbox/script", json=body).status_code

    def test_inbound_body_length(self, http: httpx.Client) -> None:
        """An inbound text longer than 1,600 characters is refused."""
        body = {"from": "+14155550199", "body": "x" * 1601}
        assert 400 == http.post("/_sandbox/inbound", json=body).status_code


# -- secrets -------------------------------------------------------------------------


class TestSecrets:
    def test_credentials_repr_hides_secrets(self) -> None:
        """repr() names the accounts, never the tokens."""
        credentials = Credentials(
            twilio_auth_token="tok-1",
            vonage_api_secret="sec-2",
            vonage_signature_secret="sig-3",
            plivo_auth_token="tok-4",
        )
        text = repr(credentials)
        assert CREDENTIALS.twilio_account_sid in text
        for secret in ("tok-1", "sec-2", "sig-3", "tok-4"):
            assert secret not in text

    def test_credentials_refuse_pickling(self) -> None:
        """A pickle would carry every secret in clear."""
        with pytest.raises(TypeError, match="secrets"):
            pickle.dumps(Credentials(twilio_auth_token="tok-1"))

    def test_request_log_leaves_out_query_values(
        self, emulator: Emulator, http: httpx.Client, caplog: pytest.LogCaptureFixture
    ) -> None:
        """-v logs requests without api_secret, numbers or text from the query."""
        caplog.set_level(logging.DEBUG, logger="smskit.emulator")
        query = {
            "api_key": VONAGE[0],
            "api_secret": "query-secret",
            "from": "Acme",
            "to": "447700900001",
            "text": "hello-there",
        }
        http.get("/sms/json", params=query)
        for line in (b"HTTP/9", b"HTTP/1.1 extra-word"):  # two error paths
            request = b"GET /sms/json?api_secret=query-secret " + line + b"\r\n\r\n"
            assert raw_exchange(emulator.port, request)  # answered (an error)
        text = "\n".join(record.getMessage() for record in caplog.records)
        assert "/sms/json?api_key=…&api_secret=…" in text
        for value in ("query-secret", "447700900001", "hello-there"):
            assert value not in text

    def test_webhook_failure_log_leaves_out_the_query(
        self, emulator: Emulator, http: httpx.Client, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A failed GET webhook is logged without its query (numbers, tokens)."""
        url = "http://user:pw-secret@127.0.0.1:9/cb?token=url-token"
        assert 202 == plivo_send(http, url=url, method="GET").status_code
        emulator.advance()
        assert emulator.dispatcher.wait_idle()
        lines = [r.getMessage() for r in caplog.records if "webhook" in r.getMessage()]
        assert lines
        for value in ("url-token", "14155550101", "pw-secret"):
            assert not any(value in line for line in lines)

    @pytest.mark.parametrize("dialect", ["twilio", "vonage", "plivo"])
    def test_credentials_are_compared_in_constant_time(
        self, http: httpx.Client, monkeypatch: pytest.MonkeyPatch, dialect: str
    ) -> None:
        """Every dialect checks its secret with hmac.compare_digest on bytes."""
        compared: list[tuple[bytes, bytes]] = []
        real = _common.hmac.compare_digest

        def spy(a: bytes, b: bytes) -> bool:
            compared.append((a, b))
            return real(a, b)

        monkeypatch.setattr(_common.hmac, "compare_digest", spy)
        if dialect == "twilio":
            http.get(TWILIO_MESSAGES, auth=(TWILIO[0], "wrong-token"))
            secret = TWILIO[1]
        elif dialect == "vonage":
            http.get("/account/get-balance", auth=(VONAGE[0], "wrong-token"))
            secret = VONAGE[1]
        else:
            http.get(PLIVO_MESSAGES, auth=(PLIVO[0], "wrong-token"))
            secret = PLIVO[1]
        assert (b"wrong-token", secret.encode()) in compared


# -- options ---------------------------------------------------------------------------


class TestOptions:
    @pytest.mark.parametrize(
        "options",
        [
            {"port": 70000},
            {"port": -1},
            {"speed": -1.0},
            {"speed": 0},
            {"speed": float("nan")},
            {"speed": float("inf")},
            {"speed": 10**400},
            {"tick": 0},
            {"request_timeout": float("nan")},
            {"max_connections": 0},
        ],
    )
    def test_out_of_range(self, options: dict[str, Any]) -> None:
        """Options that could never work fail at construction."""
        with pytest.raises(ConfigurationError):
            Emulator(realtime=False, **options)

    @pytest.mark.parametrize(
        "options", [{"port": "8787"}, {"speed": "fast"}, {"max_connections": 2.0}]
    )
    def test_wrong_type(self, options: dict[str, Any]) -> None:
        """An option of the wrong type is an OptionTypeError."""
        with pytest.raises(OptionTypeError):
            Emulator(realtime=False, **options)

    @pytest.mark.parametrize(
        ("host", "loopback"),
        [
            ("127.0.0.1", True),
            ("127.8.9.10", True),
            ("::1", True),
            ("localhost", True),
            ("0.0.0.0", False),  # noqa: S104 -- the address under test, not bound
            ("", False),
            ("::", False),
            ("192.168.1.20", False),
            ("emulator.example", False),
        ],
    )
    def test_loopback(self, host: str, loopback: bool) -> None:
        """Only loopback addresses count as private."""
        assert loopback is _server._is_loopback(host)

    def test_exposed_host_warns(
        self, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Binding beyond loopback warns that the control API is open (never bound)."""

        def refuse(*args: object) -> None:
            raise OSError("not binding in a test")

        monkeypatch.setattr(_server, "_Server", refuse)
        with pytest.raises(OSError, match="not binding"):
            Emulator(host="0.0.0.0", port=0, realtime=False).start()  # noqa: S104
        assert any(
            "no authentication" in r.getMessage() and r.levelno == logging.WARNING
            for r in caplog.records
        )


@pytest.mark.parametrize("field", ["from", "to"])
def test_control_inbound_blank_text(http: httpx.Client, field: str) -> None:
    """Numbers the message model refuses (only spaces) are a 400, not a 500."""
    body = {"from": "+14155550199", "body": "hi", field: " "}
    response = http.post("/_sandbox/inbound", json=body)
    assert 400 == response.status_code
    assert response.json()["error"]


@pytest.mark.parametrize(
    "urls", [{"sinch": "http://127.0.0.1:9/in"}, {"twilio": "ftp://127.0.0.1/in"}]
)
def test_inbound_urls_are_checked_at_construction(urls: dict[str, str]) -> None:
    """An inbound URL no webhook could reach fails before the server starts."""
    with pytest.raises(ConfigurationError, match="inbound URL"):
        Emulator(port=0, realtime=False, inbound_urls=urls)


def test_receive_checks_its_url(emulator: Emulator) -> None:
    """Emulator.receive refuses a URL its webhook could never be sent to."""
    with pytest.raises(ValueError, match="not a valid URL"):
        emulator.receive(
            from_="+14155550199", body="x", provider="plivo", url="http://[::1/x"
        )


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (123, "must be a string"),
        ("http://h/" + "a" * 2000, "at most 2000"),
        ("http://h/\ud800", "UTF-8"),
        ("http://h/\u2028", "whitespace or control"),
        ("http://h:99999/", "not a valid URL"),
        ("http:///path", "absolute http or https"),
        ("https://user:pw@h:8443/cb?x=1", None),
    ],
)
def test_url_problem(url: object, problem: str | None) -> None:
    """Every reason a webhook URL is refused, and one that is fine."""
    found = _common.url_problem(url)
    assert found is None if problem is None else problem in (found or "")


@pytest.mark.parametrize(
    ("url", "logged"),
    [
        ("https://u:pw@h:8443/cb?token=t&To=%2B1415", "https://h:8443/cb?token=…&To=…"),
        ("http://h/cb", "http://h/cb"),
        ("http://[::1/x?a=1", "<unparsable URL>"),
    ],
)
def test_redact_url(url: str, logged: str) -> None:
    """Log lines keep where a webhook went, not who it was about."""
    assert logged == _common.redact_url(url)
