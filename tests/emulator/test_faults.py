"""Fault injection: each fault in each dialect, through smskit's own drivers."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import smskit
from smskit import _cli, providers
from smskit._emulator._server import Emulator
from smskit.providers._protocol import Provider

SENDER = "+15005550006"
TO = "+14155550100"
OTHER = "+14155550101"
FAST = smskit.RetryPolicy(initial_backoff=0.001, jitter=0)
# Also retries sends that may have reached the provider (duplicates possible).
RISKY = smskit.RetryPolicy(initial_backoff=0.001, jitter=0, retry_ambiguous_sends=True)
DIALECTS = ("twilio", "vonage", "plivo")


def driver(emulator: Emulator, name: str) -> Provider:
    """smskit's real driver for ``name``, pointed at the emulator."""
    credentials = emulator.credentials
    if name == "twilio":
        return providers.Twilio(
            account_sid=credentials.twilio_account_sid,
            auth_token=credentials.twilio_auth_token,
            base_url=emulator.url,
        )
    if name == "vonage":
        return providers.Vonage(
            api_key=credentials.vonage_api_key,
            api_secret=credentials.vonage_api_secret,
            base_url=emulator.url,
            environ={},
        )
    return providers.Plivo(
        auth_id=credentials.plivo_auth_id,
        auth_token=credentials.plivo_auth_token,
        base_url=emulator.url,
    )


@pytest.fixture
def client_for(
    emulator: Emulator,
) -> Iterator[Any]:
    """Builds smskit clients for a dialect; closes them after the test."""
    opened: list[smskit.Client | httpx.Client] = []

    def build(name: str, retry: smskit.RetryPolicy = FAST) -> smskit.Client:
        http = httpx.Client(timeout=5.0, verify=False)  # noqa: S501 -- plain http; skips loading CA certs
        client = smskit.Client(
            driver(emulator, name), sender=SENDER, retry=retry, http_client=http
        )
        opened.extend((client, http))  # smskit leaves a given http_client open
        return client

    yield build
    for item in opened:
        item.close()


def outbox(http: httpx.Client) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = http.get("/_sandbox/outbox").json()["messages"]
    return messages


def raw_send(http: httpx.Client, emulator: Emulator, name: str, to: str = TO) -> Any:
    """One send as plain HTTP in ``name``'s dialect: the response, or the error."""
    credentials = emulator.credentials
    try:
        if name == "twilio":
            sid = credentials.twilio_account_sid
            return http.post(
                f"/2010-04-01/Accounts/{sid}/Messages.json",
                data={"To": to, "From": SENDER, "Body": "hi"},
                auth=(sid, credentials.twilio_auth_token),
            )
        if name == "vonage":
            return http.post(
                "/sms/json",
                data={
                    "api_key": credentials.vonage_api_key,
                    "api_secret": credentials.vonage_api_secret,
                    "from": SENDER[1:],
                    "to": to[1:],
                    "text": "hi",
                },
            )
        auth_id = credentials.plivo_auth_id
        return http.post(
            f"/v1/Account/{auth_id}/Message/",
            json={"src": SENDER[1:], "dst": to[1:], "text": "hi"},
            auth=(auth_id, credentials.plivo_auth_token),
        )
    except httpx.TransportError as error:
        return error


# -- each fault, each dialect, through the drivers ---------------------------------


@pytest.mark.parametrize("name", DIALECTS)
def test_rate_limited_is_retried_and_sent_once(
    name: str, emulator: Emulator, http: httpx.Client, client_for: Any
) -> None:
    emulator.inject("rate_limited", times=2, retry_after=0)
    message = client_for(name).send(to=TO, body="hello")
    sent = outbox(http)
    assert [(name, TO, None)] == [(m["provider"], m["to"], m["fault"]) for m in sent]
    assert message.id in sent[0]["provider_ids"]
    assert 2 == emulator.faults.rules()[0]["hits"]


@pytest.mark.parametrize("name", DIALECTS)
def test_server_error_is_delivery_unknown_and_accepted(
    name: str, emulator: Emulator, http: httpx.Client, client_for: Any
) -> None:
    emulator.inject("server_error", provider=name)
    with pytest.raises(smskit.DeliveryUnknown) as caught:
        client_for(name).send(to=TO, body="hello")
    assert 1 == caught.value.attempts  # not sent again: it may be out
    assert [(TO, "server_error")] == [(m["to"], m["fault"]) for m in outbox(http)]


@pytest.mark.parametrize("name", DIALECTS)
def test_unavailable_accepts_nothing(
    name: str, emulator: Emulator, http: httpx.Client, client_for: Any
) -> None:
    # smskit's drivers read every 5xx on a send as "may be out" (no provider
    # documents a 503 as not processed), so the caller hears DeliveryUnknown;
    # the outbox shows that, here, nothing went out.
    emulator.inject("unavailable")
    with pytest.raises(smskit.DeliveryUnknown) as caught:
        client_for(name).send(to=TO, body="hello")
    assert 503 == caught.value.__cause__.http_status  # type: ignore[union-attr]
    assert [] == outbox(http)


@pytest.mark.parametrize("name", DIALECTS)
def test_connect_error_accepts_nothing(
    name: str, emulator: Emulator, http: httpx.Client, client_for: Any
) -> None:
    # The connection is reset after the request left, so no client can tell
    # it from a lost answer: DeliveryUnknown, with nothing in the outbox.
    emulator.inject("connect_error")
    with pytest.raises(smskit.DeliveryUnknown):
        client_for(name).send(to=TO, body="hello")
    assert [] == outbox(http)
    # A client that accepts duplicates retries, and the message goes out once.
    emulator.inject("connect_error")
    message = client_for(name, RISKY).send(to=TO, body="hello")
    assert [[message.id]] == [m["provider_ids"][:1] for m in outbox(http)]


@pytest.mark.parametrize("name", DIALECTS)
def test_read_timeout_is_delivery_unknown_and_accepted_once(
    name: str, emulator: Emulator, http: httpx.Client, client_for: Any
) -> None:
    emulator.inject("read_timeout")
    with pytest.raises(smskit.DeliveryUnknown) as caught:
        client_for(name).send(to=TO, body="hello")
    assert isinstance(caught.value.__cause__, smskit.TransportError)
    assert [(TO, "read_timeout")] == [(m["to"], m["fault"]) for m in outbox(http)]
    # Unlike connect_error, retrying this one sends the message twice.
    emulator.inject("read_timeout")
    client_for(name, RISKY).send(to=OTHER, body="again")
    assert 2 == sum(1 for m in outbox(http) if m["to"] == OTHER)


def test_latency_longer_than_the_read_timeout(
    emulator: Emulator, http: httpx.Client
) -> None:
    emulator.inject("latency", latency=1.0)
    with (
        httpx.Client(timeout=0.2, verify=False) as slow,  # noqa: S501 -- plain http; skips loading CA certs
        smskit.Client(
            driver(emulator, "twilio"), sender=SENDER, retry=FAST, http_client=slow
        ) as client,
        pytest.raises(smskit.DeliveryUnknown) as caught,
    ):
        client.send(to=TO, body="slow")
    assert isinstance(caught.value.__cause__, smskit.TransportTimeout)
    assert [(TO, "latency")] == [(m["to"], m["fault"]) for m in outbox(http)]


def test_a_short_latency_still_answers(emulator: Emulator, client_for: Any) -> None:
    emulator.inject("latency", latency=0.05)
    message = client_for("twilio").send(to=TO, body="slow")
    assert smskit.Status.QUEUED is message.status


# -- each dialect's answer ---------------------------------------------------------


def test_twilio_answers(emulator: Emulator, http: httpx.Client) -> None:
    emulator.inject("rate_limited", retry_after=2.5)
    throttled = raw_send(http, emulator, "twilio")
    assert (429, "3") == (throttled.status_code, throttled.headers["Retry-After"])
    assert {
        "code": 20429,
        "message": "Too Many Requests",
        "more_info": "https://www.twilio.com/docs/errors/20429",
        "status": 429,
    } == throttled.json()
    emulator.inject("unavailable")
    emulator.inject("server_error")
    answers = [raw_send(http, emulator, "twilio") for _ in range(2)]
    assert [(503, 20503), (500, 20500)] == [
        (a.status_code, a.json()["code"]) for a in answers
    ]


def test_vonage_answers(emulator: Emulator, http: httpx.Client) -> None:
    emulator.inject("rate_limited", retry_after=0.25)
    throttled = raw_send(http, emulator, "vonage")
    assert 200 == throttled.status_code
    assert {
        "message-count": "1",
        "messages": [
            {
                "status": "1",
                "error-text": (
                    "Throughput Rate Exceeded - please wait [ 250 ] and retry"
                ),
            }
        ],
    } == throttled.json()
    emulator.inject("unavailable")
    emulator.inject("server_error")
    unavailable, failed = (raw_send(http, emulator, "vonage") for _ in range(2))
    assert 503 == unavailable.status_code
    assert (500, "5") == (failed.status_code, failed.json()["messages"][0]["status"])


def test_vonage_throttle_hint_reaches_the_client(
    emulator: Emulator, client_for: Any
) -> None:
    emulator.inject("rate_limited", retry_after=90)  # over max_retry_after (60 s)
    with pytest.raises(smskit.RateLimited) as caught:
        client_for("vonage").send(to=TO, body="hello")
    assert 90.0 == caught.value.retry_after


def test_plivo_answers(emulator: Emulator, http: httpx.Client) -> None:
    emulator.inject("rate_limited", retry_after=0)
    throttled = raw_send(http, emulator, "plivo")
    assert (429, "0") == (throttled.status_code, throttled.headers["Retry-After"])
    assert {"api_id", "error"} == set(throttled.json())
    emulator.inject("unavailable")
    emulator.inject("server_error")
    answers = [raw_send(http, emulator, "plivo") for _ in range(2)]
    assert [503, 500] == [a.status_code for a in answers]
    assert all({"api_id", "error"} == set(a.json()) for a in answers)


def test_connect_error_resets_and_read_timeout_closes(
    emulator: Emulator, http: httpx.Client
) -> None:
    emulator.inject("connect_error")
    emulator.inject("read_timeout")
    reset, closed = (raw_send(http, emulator, "twilio") for _ in range(2))
    assert isinstance(reset, httpx.ReadError)
    assert isinstance(closed, httpx.RemoteProtocolError)
    assert 201 == raw_send(http, emulator, "twilio").status_code  # still serving


# -- which sends a rule hits ---------------------------------------------------------


def test_provider_and_to_filters(emulator: Emulator, http: httpx.Client) -> None:
    emulator.inject("unavailable", provider="vonage", times=None)
    emulator.inject("server_error", to=OTHER, times=None)
    statuses = {
        (name, to): raw_send(http, emulator, name, to).status_code
        for name in DIALECTS
        for to in (TO, OTHER)
    }
    assert {
        ("twilio", TO): 201,
        ("twilio", OTHER): 500,
        ("vonage", TO): 503,
        ("vonage", OTHER): 503,  # the earlier rule comes first
        ("plivo", TO): 202,
        ("plivo", OTHER): 500,
    } == statuses


def test_times_counts_down_and_none_never_ends(
    emulator: Emulator, http: httpx.Client
) -> None:
    emulator.inject("unavailable", times=2)
    codes = [raw_send(http, emulator, "twilio").status_code for _ in range(3)]
    assert [503, 503, 201] == codes
    emulator.inject("unavailable", times=None)
    codes = [raw_send(http, emulator, "twilio").status_code for _ in range(5)]
    assert [503] * 5 == codes
    rules = emulator.faults.rules()
    assert [(0, 2), (None, 5)] == [(rule["times"], rule["hits"]) for rule in rules]


def test_only_authenticated_sends_are_hit(
    emulator: Emulator, http: httpx.Client
) -> None:
    emulator.inject("unavailable", times=None)
    sid = emulator.credentials.twilio_account_sid
    base = f"/2010-04-01/Accounts/{sid}"
    wrong = http.post(
        f"{base}/Messages.json", data={"To": TO, "Body": "x"}, auth=(sid, "nope")
    )
    balance = http.get(
        f"{base}/Balance.json", auth=(sid, emulator.credentials.twilio_auth_token)
    )
    assert (401, 200) == (wrong.status_code, balance.status_code)
    assert 0 == emulator.faults.rules()[0]["hits"]


def test_plivo_bulk_send_is_hit_by_rules_without_to(
    emulator: Emulator, http: httpx.Client, client_for: Any
) -> None:
    client = client_for("plivo")
    emulator.inject("server_error", to=TO)  # a single-recipient rule: not a batch
    results = client.send_batch(to=[TO, OTHER], body="all")
    assert all(result.ok for result in results)
    emulator.inject("server_error")
    results = client.send_batch(to=[TO, OTHER], body="all")
    assert all(isinstance(r.error, smskit.DeliveryUnknown) for r in results)
    faults = [m["fault"] for m in outbox(http)]
    assert [None, None, "server_error", "server_error"] == faults


def test_magic_fault_recipients(emulator: Emulator, http: httpx.Client) -> None:
    throttled = [
        raw_send(http, emulator, "twilio", "+15005550020").status_code for _ in range(3)
    ]
    assert [429, 201, 429] == throttled  # every other send, so a retry passes
    lost = raw_send(http, emulator, "vonage", "+15005550024")
    assert isinstance(lost, httpx.RemoteProtocolError)
    assert ["+15005550024"] == [
        m["to"] for m in outbox(http) if m["fault"] == "read_timeout"
    ]


# -- reproducible rates ------------------------------------------------------------


def _run(http: httpx.Client, emulator: Emulator, sends: int) -> list[str]:
    outcomes = []
    for _ in range(sends):
        answer = raw_send(http, emulator, "twilio")
        code = answer.status_code if isinstance(answer, httpx.Response) else None
        outcomes.append(type(answer).__name__ if code is None else str(code))
    return outcomes


def _inject_mix(emulator: Emulator, seed: int) -> None:
    emulator.clear_faults()
    emulator.inject("server_error", rate=0.2, times=None, seed=seed)
    emulator.inject("rate_limited", rate=0.2, times=None)
    emulator.inject("connect_error", rate=0.1, times=None)


def test_a_seed_repeats_the_same_faults(emulator: Emulator, http: httpx.Client) -> None:
    _inject_mix(emulator, seed=7)
    first = _run(http, emulator, 200)
    _inject_mix(emulator, seed=7)
    again = _run(http, emulator, 200)
    _inject_mix(emulator, seed=8)
    other = _run(http, emulator, 200)
    assert first == again
    assert first != other
    counts = {outcome: first.count(outcome) for outcome in set(first)}
    # Each rule takes its own share of one draw: about 20 %, 20 % and 10 %.
    assert 20 <= counts["500"] <= 60
    assert 20 <= counts["429"] <= 60
    assert 5 <= counts["ReadError"] <= 35
    assert 200 == sum(counts.values())


def test_every_send_has_one_outcome_and_none_is_sent_twice(
    emulator: Emulator, http: httpx.Client, client_for: Any
) -> None:
    """The bulk-send check in small: outcomes match the outbox exactly."""
    emulator.inject("server_error", rate=0.1, times=None, seed=3)
    emulator.inject("rate_limited", rate=0.1, times=None, retry_after=0)
    emulator.inject("connect_error", rate=0.05, times=None)
    emulator.inject("read_timeout", rate=0.05, times=None)
    client = client_for("twilio", FAST)
    sent, unknown = {}, []
    recipients = [f"+1415555{n:04d}" for n in range(120)]
    for to in recipients:
        try:
            sent[to] = client.send(to=to, body="bulk").id
        except smskit.DeliveryUnknown:
            unknown.append(to)
    accepted = outbox(http)
    assert len(recipients) == len(sent) + len(unknown)
    assert len(accepted) == len({m["to"] for m in accepted})  # none twice
    clean = {m["to"]: m["provider_ids"][0] for m in accepted if m["fault"] is None}
    assert sent == clean  # every success is in the outbox, answered normally
    lost = {m["to"] for m in accepted if m["fault"] is not None}
    assert lost <= set(unknown)  # accepted but unanswered: DeliveryUnknown
    assert unknown
    assert lost != set(unknown)  # some were never accepted (connect_error)


# -- the control API ---------------------------------------------------------------


def test_control_api_adds_lists_and_clears(
    emulator: Emulator, http: httpx.Client
) -> None:
    body = {
        "fault": "rate_limited",
        "rate": 0.5,
        "times": None,
        "provider": "twilio",
        "to": TO,
        "retry_after": 1,
        "seed": 1,
    }
    added = http.post("/_sandbox/faults", json=body)
    assert 200 == added.status_code
    expected = {**body, "latency": 0.0, "hits": 0, "retry_after": 1.0}
    del expected["seed"]
    assert [expected] == added.json()["faults"]
    assert [expected] == http.get("/_sandbox/faults").json()["faults"]
    assert 1 == http.get("/_sandbox").json()["faults"]
    http.post("/_sandbox/faults", json={"fault": "unavailable"})
    listed = http.get("/_sandbox/faults").json()["faults"]
    assert [1.0, 1] == [listed[1]["rate"], listed[1]["times"]]  # the defaults
    assert {"cleared": 2} == http.delete("/_sandbox/faults").json()
    assert [] == http.get("/_sandbox/faults").json()["faults"]
    assert 201 == raw_send(http, emulator, "twilio").status_code


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({}, "'fault' must be a string"),
        ({"fault": "meltdown"}, "unknown fault 'meltdown'"),
        ({"fault": "server_error", "rate": 0}, r"rate must be in \(0, 1\]"),
        ({"fault": "server_error", "rate": 1.5}, r"rate must be in \(0, 1\]"),
        ({"fault": "server_error", "rate": "half"}, "rate must be a number"),
        ({"fault": "server_error", "rate": True}, "rate must be a number"),
        ({"fault": "server_error", "times": 0}, "times must be from 1"),
        ({"fault": "server_error", "times": 1.5}, "times must be an integer"),
        ({"fault": "server_error", "provider": "sinch"}, "unknown provider 'sinch'"),
        ({"fault": "server_error", "to": "4155550100"}, "E.164"),
        ({"fault": "server_error", "to": 14155550100}, "E.164"),
        ({"fault": "rate_limited", "retry_after": -1}, "retry_after must be in"),
        ({"fault": "rate_limited", "retry_after": 10**400}, "retry_after must be in"),
        ({"fault": "latency", "latency": 61}, "latency must be in"),
        ({"fault": "server_error", "seed": "x"}, "'seed' must be an integer"),
        ({"fault": "server_error", "seed": 2**64}, "'seed' must be an integer"),
        ({"fault": "server_error", "rat": 0.5}, "unknown field 'rat'"),
    ],
)
def test_control_api_refuses_bad_rules(
    http: httpx.Client, emulator: Emulator, body: dict[str, Any], reason: str
) -> None:
    answer = http.post("/_sandbox/faults", json=body)
    assert 400 == answer.status_code
    assert re.search(reason, answer.json()["error"])
    assert [] == emulator.faults.rules()


def test_control_api_refuses_a_body_that_is_no_object(http: httpx.Client) -> None:
    for content in (b"[1]", b"not json"):
        answer = http.post("/_sandbox/faults", content=content)
        assert 400 == answer.status_code
        assert "JSON" in answer.json()["error"]


def test_inject_refuses_bad_values(emulator: Emulator) -> None:
    with pytest.raises(smskit.ConfigurationError, match="unknown fault"):
        emulator.inject("meltdown")
    with pytest.raises(smskit.ConfigurationError, match="rate"):
        emulator.inject("server_error", rate=float("nan"))
    with pytest.raises(smskit.OptionTypeError, match="seed"):
        emulator.inject("server_error", seed="7")  # type: ignore[arg-type]
    with pytest.raises(smskit.OptionTypeError, match="times"):
        emulator.inject("server_error", times=True)
    assert [] == emulator.faults.rules()


# -- the command line ----------------------------------------------------------------


def test_cli_fault_options(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: dict[str, Any] = {}

    def block(stop: threading.Event) -> None:
        banner = capsys.readouterr().out
        url = re.search(r"smskit emulator on (\S+)", banner)
        assert url is not None
        seen["banner"] = banner
        with httpx.Client(base_url=url[1]) as control:
            seen["faults"] = control.get("/_sandbox/faults").json()["faults"]

    monkeypatch.setattr(_cli, "_block", block)
    status = _cli.main(
        [
            "sandbox",
            "serve",
            "--port",
            "0",
            "--no-clock",
            "--fault",
            "server_error:0.05",
            "--fault",
            "rate_limited",
            "--fault-seed",
            "9",
        ]
    )
    assert 0 == status
    rules = [(r["fault"], r["rate"], r["times"]) for r in seen["faults"]]
    assert [("server_error", 0.05, None), ("rate_limited", 1.0, None)] == rules
    assert "fault server_error: 5.00% of sends" in seen["banner"]


@pytest.mark.parametrize("value", ["meltdown", "server_error:0", "latency:0.5", "x:y"])
def test_cli_refuses_bad_faults(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        _cli.main(["sandbox", "serve", "--fault", value])
    assert 2 == exited.value.code
    assert "--fault" in capsys.readouterr().err
