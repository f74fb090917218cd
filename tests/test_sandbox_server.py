"""The sandbox's HTTP API, spoken directly: every route, its errors and faults.

These tests talk to the in-process server through the sandbox's own transport
with a plain `httpx.Client`, so they pin the wire format the sandbox provider's
client side is written against.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smskit.providers import Sandbox
from smskit.providers.sandbox._server import API_KEY, BASE_URL
from smskit.providers.sandbox._state import (
    PRICE_PER_SEGMENT,
    Listing,
    SandboxRejected,
    SandboxState,
)

T0 = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
TO = "+14155552671"
OTHER = "+14155552672"
SENDER = "+15005550006"
OTHER_SENDER = "+14155550100"
LATER = "2026-06-01T13:00:00+00:00"
TWO_SEGMENTS = "x" * 200  # GSM-7: 153 characters a segment once split


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(seed=5, start=T0)


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    with httpx.Client(
        transport=sandbox.transport, base_url=BASE_URL, headers=headers
    ) as client:
        yield client


def send(http: httpx.Client, **fields: Any) -> dict[str, Any]:
    """POST /messages and return the created message, which must be a 201."""
    payload = {"to": TO, "body": "hi", **fields}
    response = http.post("/messages", json=payload)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def error_of(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def page_ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [message["id"] for message in response.json()["messages"]]


def list_all(http: httpx.Client, **params: Any) -> list[str]:
    """Every id a listing yields, following page tokens to the end."""
    ids: list[str] = []
    token = None
    while True:
        query = {**params, **({} if token is None else {"page_token": token})}
        response = http.get("/messages", params=query)
        ids += page_ids(response)
        token = response.json()["next_page_token"]
        if token is None:
            return ids


def token_for(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


class TestRoutes:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/messages"),
            ("GET", "/balance"),
            ("POST", "/messages/SB1/cancel"),
            ("POST", "/messages/batch"),
        ],
    )
    def test_every_new_route_wants_the_key(
        self, sandbox: Sandbox, method: str, path: str
    ) -> None:
        with httpx.Client(transport=sandbox.transport, base_url=BASE_URL) as bare:
            missing = bare.request(method, path)
            wrong = bare.request(method, path, headers={"Authorization": "Bearer x"})
        assert (401, "unauthorized") == error_of(missing) == error_of(wrong)

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/messages/SB1/cancel"),
            ("DELETE", "/messages"),
            ("POST", "/balance"),
            ("POST", "/messages/SB1/cancel/again"),
            ("POST", "/messages//cancel"),
            ("GET", "/balance/"),
            ("GET", "/messages/batch"),
            ("PUT", "/messages/batch"),
            ("POST", "/messages/batch/"),
        ],
    )
    def test_other_routes_are_not_found(
        self, http: httpx.Client, method: str, path: str
    ) -> None:
        assert (404, "not_found") == error_of(http.request(method, path))


class TestMessageJson:
    def test_send_and_fetch_answer_every_field(self, http: httpx.Client) -> None:
        created = send(http, options={"tag": "t", "parts": True}, send_at=LATER)
        fetched = http.get(f"/messages/{created['id']}")
        assert 200 == fetched.status_code
        assert created == fetched.json()
        assert {
            "id": created["id"],
            "to": TO,
            "from": SENDER,
            "body": "hi",
            "status": "scheduled",
            "encoding": "GSM-7",
            "segments": 1,
            "created_at": T0.isoformat(),
            "updated_at": T0.isoformat(),
            "client_ref": None,
            "price": None,
            "currency": "USD",
            "error_code": None,
            "scheduled_at": LATER,
            "part_ids": [f"{created['id']}-1"],
            "tag": "t",
            "smart_encoded": False,
        } == created

    def test_fetching_an_unknown_message(self, http: httpx.Client) -> None:
        assert (404, "not_found") == error_of(http.get("/messages/SBnope"))


class TestScheduledSend:
    def test_send_at_schedules_the_message(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        created = send(http, send_at=LATER)
        assert ("scheduled", LATER) == (created["status"], created["scheduled_at"])
        sandbox.advance(3599)
        assert "scheduled" == http.get(f"/messages/{created['id']}").json()["status"]
        sandbox.advance(1)
        assert "queued" == http.get(f"/messages/{created['id']}").json()["status"]

    @pytest.mark.parametrize(
        "send_at", ["2026-06-01T15:00:00+02:00", "2026-06-01T13:00:00Z"]
    )
    def test_any_offset_is_read_and_answered_in_utc(
        self, http: httpx.Client, send_at: str
    ) -> None:
        assert LATER == send(http, send_at=send_at)["scheduled_at"]

    def test_without_send_at_scheduled_at_is_null(self, http: httpx.Client) -> None:
        created = send(http)
        assert ("queued", None) == (created["status"], created["scheduled_at"])

    @pytest.mark.parametrize(
        "send_at",
        [
            "2026-06-01T13:00:00",  # no offset
            "tomorrow",
            "",
            1780318800,
            True,
            ["2026-06-01T13:00:00+00:00"],
            "0001-01-01T00:00:00+01:00",  # before the first representable UTC time
        ],
    )
    def test_unreadable_send_at_is_refused_and_nothing_is_sent(
        self, http: httpx.Client, sandbox: Sandbox, send_at: object
    ) -> None:
        response = http.post(
            "/messages", json={"to": TO, "body": "hi", "send_at": send_at}
        )
        assert (400, "invalid_send_at") == error_of(response)
        assert [] == sandbox.state.records()


class TestOptions:
    def test_tag_is_echoed(self, http: httpx.Client) -> None:
        created = send(http, options={"tag": "campaign-7"})
        assert "campaign-7" == created["tag"]
        assert "campaign-7" == http.get(f"/messages/{created['id']}").json()["tag"]

    def test_parts_gives_one_id_per_segment(self, http: httpx.Client) -> None:
        created = send(http, body=TWO_SEGMENTS, options={"parts": True})
        message_id = created["id"]
        assert 2 == created["segments"]
        assert [f"{message_id}-1", f"{message_id}-2"] == created["part_ids"]

    def test_a_single_segment_in_parts_has_one_part(self, http: httpx.Client) -> None:
        created = send(http, options={"parts": True})
        assert [f"{created['id']}-1"] == created["part_ids"]

    @pytest.mark.parametrize("options", [None, {}, {"parts": False}, {"tag": None}])
    def test_without_parts_there_are_no_part_ids(
        self, http: httpx.Client, options: object
    ) -> None:
        created = send(http, body=TWO_SEGMENTS, options=options)
        assert (None, None) == (created["part_ids"], created["tag"])

    def test_events_of_a_message_in_parts_are_about_the_whole_message(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        created = send(http, body=TWO_SEGMENTS, options={"parts": True})
        events = sandbox.advance()
        assert [("sent", created["id"]), ("delivered", created["id"])] == [
            (event.status.value, event.message_id) for event in events
        ]

    def test_an_unknown_option_is_refused_by_name(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        options = {"tag": "a", "priority": "high"}
        response = http.post(
            "/messages", json={"to": TO, "body": "hi", "options": options}
        )
        assert (400, "unknown_option") == error_of(response)
        assert "'priority'" in response.json()["error"]["message"]
        assert [] == sandbox.state.records()

    @pytest.mark.parametrize(
        "options",
        [
            ["tag"],
            "tag=a",
            1,
            {"tag": 7},
            {"tag": ["a"]},
            {"parts": "yes"},
            {"parts": 1},
        ],
    )
    def test_malformed_options_are_refused(
        self, http: httpx.Client, options: object
    ) -> None:
        response = http.post(
            "/messages", json={"to": TO, "body": "hi", "options": options}
        )
        assert (400, "invalid_option") == error_of(response)


class TestSmartEncoded:
    def test_echoed_and_false_by_default(self, http: httpx.Client) -> None:
        assert send(http, smart_encoded=True)["smart_encoded"] is True
        assert send(http)["smart_encoded"] is False

    @pytest.mark.parametrize("value", ["true", 1, 0, {}])
    def test_not_a_boolean_is_refused(self, http: httpx.Client, value: object) -> None:
        response = http.post(
            "/messages", json={"to": TO, "body": "hi", "smart_encoded": value}
        )
        assert (400, "invalid_smart_encoded") == error_of(response)


class TestList:
    def test_empty(self, http: httpx.Client) -> None:
        response = http.get("/messages")
        assert 200 == response.status_code
        assert {"messages": [], "next_page_token": None} == response.json()

    def test_newest_first_with_the_fetch_representation(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        first = send(http)
        sandbox.advance(1)
        second = send(http, options={"tag": "t"})
        third = send(http)  # same instant as the second: created later, listed first
        listed = http.get("/messages").json()["messages"]
        assert [third["id"], second["id"], first["id"]] == [m["id"] for m in listed]
        assert http.get(f"/messages/{second['id']}").json() == listed[1]

    def test_filters_by_recipient_and_sender(self, http: httpx.Client) -> None:
        mine = send(http, to=TO, **{"from": OTHER_SENDER})["id"]
        send(http, to=OTHER, **{"from": OTHER_SENDER})
        send(http, to=TO)
        assert [mine] == list_all(http, to=TO, **{"from": OTHER_SENDER})
        assert 2 == len(list_all(http, to=TO))
        assert 2 == len(list_all(http, **{"from": OTHER_SENDER}))
        assert [] == list_all(http, to="+19999999999")

    def test_time_window_includes_its_start_and_excludes_its_end(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        ids = []
        for _ in range(4):  # created at T0, T0+60s, T0+120s, T0+180s
            ids.append(send(http)["id"])
            sandbox.advance(60)
        window = {
            "sent_after": (T0 + dt.timedelta(seconds=60)).isoformat(),
            "sent_before": (T0 + dt.timedelta(seconds=180)).isoformat(),
        }
        assert [ids[2], ids[1]] == list_all(http, **window)
        other_offset = "2026-06-01T14:01:00+02:00"  # T0 + 60s
        assert [ids[3], ids[2], ids[1]] == list_all(http, sent_after=other_offset)

    def test_empty_parameters_count_as_absent(self, http: httpx.Client) -> None:
        sent = send(http)["id"]
        params = dict.fromkeys(
            ("to", "from", "sent_after", "sent_before", "page_size", "page_token"), ""
        )
        assert [sent] == page_ids(http.get("/messages", params=params))

    def test_the_default_page_holds_fifty(self, http: httpx.Client) -> None:
        for _ in range(51):
            send(http)
        response = http.get("/messages")
        assert 50 == len(page_ids(response))
        assert response.json()["next_page_token"] is not None
        assert 51 == len(list_all(http, page_size="1000"))

    def test_pages_follow_each_other_to_the_end(self, http: httpx.Client) -> None:
        sent = [send(http)["id"] for _ in range(5)]
        pages = []
        token = None
        while True:
            params = {
                "page_size": 2,
                **({} if token is None else {"page_token": token}),
            }
            response = http.get("/messages", params=params)
            pages.append(page_ids(response))
            token = response.json()["next_page_token"]
            if token is None:
                break
        assert [sent[4:2:-1], sent[2:0:-1], sent[:1]] == pages

    def test_an_exactly_full_last_page_has_no_token(self, http: httpx.Client) -> None:
        for _ in range(2):
            send(http)
        response = http.get("/messages", params={"page_size": 2})
        assert (2, None) == (
            len(page_ids(response)),
            response.json()["next_page_token"],
        )

    def test_messages_sent_between_pages_do_not_shift_later_pages(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        before = [send(http)["id"] for _ in range(3)]
        sandbox.advance(1)
        before += [send(http)["id"] for _ in range(3)]
        first = http.get("/messages", params={"page_size": 2})
        send(http)  # same instant as the newest listed message
        sandbox.advance(1)
        send(http)
        token = first.json()["next_page_token"]
        rest = list_all(http, page_size=2, page_token=token)
        assert before[::-1] == page_ids(first) + rest

    def test_the_filters_apply_to_every_page(self, http: httpx.Client) -> None:
        mine = []
        for n in range(6):
            created = send(http, to=TO if n % 2 else OTHER)
            if n % 2:
                mine.append(created["id"])
        assert mine[::-1] == list_all(http, to=TO, page_size=1)

    @pytest.mark.parametrize(
        "size",
        ["0", "1001", "-1", "1.5", "abc", " 5", "+5", "1_0", "\u0663", "9" * 5000],
    )
    def test_bad_page_sizes_are_refused(self, http: httpx.Client, size: str) -> None:
        response = http.get("/messages", params={"page_size": size})
        assert (400, "invalid_page_size") == error_of(response)

    @pytest.mark.parametrize(
        "token",
        [
            "!!!",
            "not base64",
            token_for("nonsense"),
            token_for("2026-06-01T12:00:00|SB1"),  # no offset
            token_for("2026-06-01T12:00:00+00:00|../x"),
            token_for("2026-06-01T12:00:00+00:00|"),
            base64.urlsafe_b64encode(b"\xff\xfe|SB1").decode(),
        ],
    )
    def test_bad_page_tokens_are_refused(self, http: httpx.Client, token: str) -> None:
        response = http.get("/messages", params={"page_token": token})
        assert (400, "invalid_page_token") == error_of(response)

    @pytest.mark.parametrize("name", ["sent_after", "sent_before"])
    @pytest.mark.parametrize(
        "value", ["2026-06-01T12:00:00", "yesterday", "1780318800"]
    )
    def test_bad_times_are_refused(
        self, http: httpx.Client, name: str, value: str
    ) -> None:
        response = http.get("/messages", params={name: value})
        assert (400, f"invalid_{name}") == error_of(response)


@settings(max_examples=40, deadline=None)
@given(
    plan=st.lists(
        st.tuples(st.integers(0, 3), st.booleans()),
        min_size=1,
        max_size=8,
    ),
    size=st.integers(1, 4),
)
def test_paging_yields_each_earlier_message_exactly_once(
    plan: list[tuple[int, bool]], size: int
) -> None:
    """Whatever is sent between pages, a listing yields what existed when it began.

    Each step of ``plan`` sends some messages, maybe moves time, then reads a
    page; messages sent after the first page never appear.
    """
    sandbox = Sandbox(seed=1, start=T0)
    headers = {"Authorization": f"Bearer {API_KEY}"}
    with httpx.Client(
        transport=sandbox.transport, base_url=BASE_URL, headers=headers
    ) as http:
        existing = [send(http)["id"] for _ in range(7)]
        seen: list[str] = []
        token: str | None = None
        # Seven messages need at most eight pages: pad the plan to reach the end.
        for new, tick in [*plan, *[(0, False)] * 8]:
            params: dict[str, str | int] = {
                "page_size": size,
                **({} if token is None else {"page_token": token}),
            }
            response = http.get("/messages", params=params)
            seen += page_ids(response)
            token = response.json()["next_page_token"]
            if token is None:
                break
            for _ in range(new):
                send(http)
            if tick:
                sandbox.advance(1)
    assert existing[::-1] == seen


class TestCancel:
    def test_cancels_a_scheduled_message(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        created = send(http, send_at=LATER)
        response = http.post(f"/messages/{created['id']}/cancel")
        assert (200, "canceled") == (response.status_code, response.json()["status"])
        sandbox.advance()
        assert "canceled" == http.get(f"/messages/{created['id']}").json()["status"]

    def test_a_second_cancel_answers_the_message_as_it_is(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        created = send(http, send_at=LATER)
        first = http.post(f"/messages/{created['id']}/cancel")
        sandbox.advance(5)
        again = http.post(f"/messages/{created['id']}/cancel")
        assert 200 == again.status_code
        assert first.json() == again.json()  # updated_at did not move
        assert ["canceled"] == [event.status.value for event in sandbox.events]

    def test_unknown_message(self, http: httpx.Client) -> None:
        response = http.post("/messages/SBnope/cancel")
        assert (404, "not_found") == error_of(response)

    @pytest.mark.parametrize(
        ("seconds", "status"), [(0, "queued"), (1, "sent"), (3, "delivered")]
    )
    def test_a_message_past_scheduling_is_not_cancelable(
        self, http: httpx.Client, sandbox: Sandbox, seconds: float, status: str
    ) -> None:
        created = send(http)
        sandbox.advance(seconds)
        response = http.post(f"/messages/{created['id']}/cancel")
        assert (409, "not_cancelable") == error_of(response)
        assert f"is {status}" in response.json()["error"]["message"]
        assert status == http.get(f"/messages/{created['id']}").json()["status"]

    def test_the_state_still_refuses_a_second_cancel_unless_asked(self) -> None:
        # The emulator's dialects rely on the strict default.
        state = SandboxState(start=T0)
        record = state.submit(to=TO, body="hi", send_at=T0 + dt.timedelta(hours=1))
        state.cancel(record.id)
        with pytest.raises(SandboxRejected):
            state.cancel(record.id)
        assert record is state.cancel(record.id, idempotent=True)


class TestBalance:
    def test_starts_full(self, http: httpx.Client) -> None:
        response = http.get("/balance")
        assert 200 == response.status_code
        assert {"balance": "100.00", "currency": "USD"} == response.json()

    def test_each_sent_segment_is_charged(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        send(http)
        send(http, body=TWO_SEGMENTS)
        assert "100.00" == http.get("/balance").json()["balance"]  # not yet sent
        sandbox.advance()
        expected = Decimal("100.00") - 3 * PRICE_PER_SEGMENT
        assert str(expected) == http.get("/balance").json()["balance"] == "99.9775"

    def test_failed_and_canceled_messages_cost_nothing(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        send(http, to="+15005550011")  # fails before reaching a carrier
        canceled = send(http, send_at=LATER)
        http.post(f"/messages/{canceled['id']}/cancel")
        sandbox.advance()
        assert "100.00" == http.get("/balance").json()["balance"]


class TestFaults:
    @pytest.mark.parametrize(
        ("method", "path"), [("GET", "/messages"), ("GET", "/balance")]
    )
    def test_refusals_on_reads(
        self, http: httpx.Client, sandbox: Sandbox, method: str, path: str
    ) -> None:
        sandbox.inject("rate_limited", retry_after=7)
        limited = http.request(method, path)
        assert (429, "rate_limited") == error_of(limited)
        assert "7" == limited.headers["Retry-After"]
        sandbox.inject("unavailable")
        assert (503, "unavailable") == error_of(http.request(method, path))
        sandbox.inject("server_error")
        assert (500, "internal") == error_of(http.request(method, path))
        assert 200 == http.request(method, path).status_code

    @pytest.mark.parametrize(
        ("fault", "raised"),
        [("connect_error", httpx.ConnectError), ("read_timeout", httpx.ReadTimeout)],
    )
    @pytest.mark.parametrize("path", ["/messages", "/balance"])
    def test_transport_failures_on_reads(
        self,
        http: httpx.Client,
        sandbox: Sandbox,
        fault: str,
        raised: type[Exception],
        path: str,
    ) -> None:
        sandbox.inject(fault)
        with pytest.raises(raised):
            http.get(path)

    @pytest.mark.parametrize("path", ["/messages", "/balance"])
    def test_a_rule_for_one_recipient_spares_reads(
        self, http: httpx.Client, sandbox: Sandbox, path: str
    ) -> None:
        sandbox.inject("unavailable", to=TO)
        assert 200 == http.get(path).status_code
        assert (503, "unavailable") == error_of(
            http.post("/messages", json={"to": TO, "body": "hi"})
        )

    def test_a_cancel_refused_by_a_fault_leaves_the_message_scheduled(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        created = send(http, send_at=LATER)
        sandbox.inject("rate_limited", to=TO)
        assert 429 == http.post(f"/messages/{created['id']}/cancel").status_code
        assert "scheduled" == http.get(f"/messages/{created['id']}").json()["status"]

    @pytest.mark.parametrize("fault", ["server_error", "read_timeout"])
    def test_a_retried_cancel_whose_first_attempt_worked_succeeds(
        self, http: httpx.Client, sandbox: Sandbox, fault: str
    ) -> None:
        created = send(http, send_at=LATER)
        sandbox.inject(fault, to=TO)
        try:
            lost = http.post(f"/messages/{created['id']}/cancel")
        except httpx.ReadTimeout:
            pass
        else:
            assert 500 == lost.status_code
        retried = http.post(f"/messages/{created['id']}/cancel")
        assert (200, "canceled") == (retried.status_code, retried.json()["status"])

    def test_a_cancel_rule_matches_the_message_recipient(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        other = send(http, to=OTHER, send_at=LATER)
        mine = send(http, send_at=LATER)
        sandbox.inject("unavailable", to=TO)
        assert 200 == http.post(f"/messages/{other['id']}/cancel").status_code
        assert 503 == http.post(f"/messages/{mine['id']}/cancel").status_code

    def test_a_magic_recipient_fault_hits_its_cancels_too(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        flaky = "+15005550021"  # every other request to it is a 503
        refused = http.post("/messages", json={"to": flaky, "body": "hi"})
        assert 503 == refused.status_code
        created = send(http, to=flaky, send_at=LATER)
        first = http.post(f"/messages/{created['id']}/cancel")
        second = http.post(f"/messages/{created['id']}/cancel")
        assert (503, 200) == (first.status_code, second.status_code)

    def test_latency_within_the_timeout_answers_after_it(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        sandbox.inject("latency", latency=2)
        assert 200 == http.get("/balance", timeout=5).status_code
        assert T0 + dt.timedelta(seconds=2) == sandbox.now


class TestStatePage:
    def test_page_size_below_one_is_a_programming_error(self) -> None:
        with pytest.raises(ValueError, match="at least 1"):
            Listing(page_size=0)

    def test_paging_changes_nothing(self) -> None:
        state = SandboxState(start=T0)
        for _ in range(3):
            state.submit(to=TO, body="hi")
        before = [(r.id, r.status, r.updated_at) for r in state.records()]
        page = state.page(Listing(page_size=1))
        assert page.next_after == page.records[0].position
        assert before == [(r.id, r.status, r.updated_at) for r in state.records()]

    def test_ids_sort_in_the_order_they_were_issued(self) -> None:
        state = SandboxState(seed=9, start=T0)
        ids = [state.submit(to=TO, body="hi").id for _ in range(20)]
        assert sorted(ids) == ids
        again = SandboxState(seed=9, start=T0)
        assert ids == [again.submit(to=TO, body="hi").id for _ in range(20)]


class TestSendFieldTypes:
    @pytest.mark.parametrize(
        ("field", "code"),
        [
            ("from", "invalid_from"),
            ("client_ref", "invalid_client_ref"),
            ("status_callback", "invalid_status_callback"),
        ],
    )
    @pytest.mark.parametrize("value", [["+14155550100"], 5, {"a": 1}, True])
    def test_a_non_string_is_refused_and_nothing_is_sent(
        self, http: httpx.Client, sandbox: Sandbox, field: str, code: str, value: object
    ) -> None:
        response = http.post("/messages", json={"to": TO, "body": "hi", field: value})
        assert (400, code) == error_of(response)
        assert [] == sandbox.state.records()

    def test_null_counts_as_absent(self, http: httpx.Client) -> None:
        created = send(http, **{"from": None, "client_ref": None})
        assert (SENDER, None) == (created["from"], created["client_ref"])


def batch(http: httpx.Client, to: object, **fields: Any) -> httpx.Response:
    """POST /messages/batch with a body of "hi" unless ``fields`` say otherwise."""
    return http.post("/messages/batch", json={"to": to, "body": "hi", **fields})


def results_of(response: httpx.Response) -> list[dict[str, Any]]:
    assert 200 == response.status_code, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


OPTED_OUT = "+15005550004"  # a magic recipient: refused as opted out
UNROUTABLE = "+15005550002"  # a magic recipient: refused as unreachable


class TestBatch:
    def test_one_message_per_recipient_in_order(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        results = results_of(batch(http, [OTHER, TO]))
        assert [OTHER, TO] == [entry["to"] for entry in results]
        assert [OTHER, TO] == [entry["message"]["to"] for entry in results]
        for entry in results:
            assert {"to", "message"} == set(entry)
            fetched = http.get(f"/messages/{entry['message']['id']}")
            assert entry["message"] == fetched.json()
        assert 2 == len(sandbox.state.records())

    def test_mixed_accepted_and_refused_recipients(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        stopped = "+14155552673"
        sandbox.receive(from_=stopped, body="STOP")
        to = [TO, OPTED_OUT, "0044 20 7946", UNROUTABLE, stopped, OTHER]
        results = results_of(batch(http, to))
        assert to == [entry["to"] for entry in results]
        outcomes = [
            entry["message"]["status"] if "message" in entry else entry["error"]["code"]
            for entry in results
        ]
        assert [
            "queued",
            "opted_out",
            "invalid_to",
            "cannot_route",
            "opted_out",
            "queued",
        ] == outcomes
        for entry in results:
            if "error" in entry:
                assert {"to", "error"} == set(entry)
                assert {"code", "message"} == set(entry["error"])
                assert entry["error"]["message"]
        sent = {record.to for record in sandbox.state.records()}
        assert {TO, OTHER} == sent

    def test_each_refusal_matches_the_single_send(self, http: httpx.Client) -> None:
        for number in (OPTED_OUT, "12345", UNROUTABLE, "+15005550003"):
            single = http.post("/messages", json={"to": number, "body": "hi"})
            (entry,) = results_of(batch(http, [number]))
            assert single.json()["error"]["code"] == entry["error"]["code"]
            assert single.json()["error"]["message"] == entry["error"]["message"]

    def test_every_recipient_refused_is_still_a_200(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        results = results_of(batch(http, [OPTED_OUT, UNROUTABLE]))
        assert all("error" in entry for entry in results)
        assert [] == sandbox.state.records()

    def test_a_recipient_given_twice_gets_two_messages(
        self, http: httpx.Client
    ) -> None:
        results = results_of(batch(http, [TO, TO]))
        first, second = (entry["message"]["id"] for entry in results)
        assert first != second

    def test_every_field_reaches_every_message(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        fields = {
            "body": TWO_SEGMENTS,
            "from": OTHER_SENDER,
            "client_ref": "order-7",
            "status_callback": "https://example.com/status",
            "send_at": "2026-06-01T15:00:00+02:00",
            "options": {"tag": "campaign", "parts": True},
            "smart_encoded": True,
        }
        results = results_of(batch(http, [TO, OTHER], **fields))
        for entry in results:
            message = entry["message"]
            assert (
                TWO_SEGMENTS,
                OTHER_SENDER,
                "order-7",
                "scheduled",
                LATER,
                "campaign",
                True,
                2,
            ) == (
                message["body"],
                message["from"],
                message["client_ref"],
                message["status"],
                message["scheduled_at"],
                message["tag"],
                message["smart_encoded"],
                message["segments"],
            )
            assert [f"{message['id']}-1", f"{message['id']}-2"] == message["part_ids"]
            record = sandbox.state.get(message["id"])
            assert record is not None
            assert "https://example.com/status" == record.status_callback

    def test_validity_applies_to_every_message(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        slow = "+15005550014"  # delivered after 120 s
        results_of(batch(http, [slow, slow], validity=60))
        sandbox.advance()
        assert ["expired", "expired"] == [
            record.status.value for record in sandbox.state.records()
        ]

    def test_every_message_of_a_batch_is_created_at_one_moment(
        self, http: httpx.Client
    ) -> None:
        results = results_of(batch(http, [TO, OTHER, TO]))
        assert {T0.isoformat()} == {entry["message"]["created_at"] for entry in results}

    def test_a_hundred_recipients_fit(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        to = [f"+1415555{n:04d}" for n in range(100)]
        results = results_of(batch(http, to))
        assert to == [entry["message"]["to"] for entry in results]
        assert 100 == len(sandbox.state.records())

    def test_a_hundred_and_one_are_too_many(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        response = batch(http, [TO] * 101)
        assert (400, "too_many_recipients") == error_of(response)
        assert "101" in response.json()["error"]["message"]
        assert [] == sandbox.state.records()

    @pytest.mark.parametrize("to", [None, []])
    def test_no_recipient_is_missing_to(
        self, http: httpx.Client, sandbox: Sandbox, to: object
    ) -> None:
        assert (400, "missing_to") == error_of(batch(http, to))
        response = http.post("/messages/batch", json={"body": "hi"})
        assert (400, "missing_to") == error_of(response)
        assert [] == sandbox.state.records()

    @pytest.mark.parametrize(
        "to", [TO, "", {"to": TO}, 5, [TO, 5], [TO, None], [[TO]], [TO] * 99 + [1]]
    )
    def test_to_that_is_not_a_list_of_strings_refuses_the_batch(
        self, http: httpx.Client, sandbox: Sandbox, to: object
    ) -> None:
        response = batch(http, to)
        assert (400, "invalid_to") == error_of(response)
        assert [] == sandbox.state.records()

    def test_a_non_string_recipient_is_named_by_position_not_value(
        self, http: httpx.Client
    ) -> None:
        response = batch(http, [TO, 14155552672])
        message = response.json()["error"]["message"]
        assert "'to'[1]" in message
        assert "14155552672" not in message

    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            ({"body": ""}, (400, "missing_body")),
            ({"body": None}, (400, "missing_body")),
            ({"body": "x" * 1601}, (400, "body_too_long")),
            ({"from": "+15005550001"}, (400, "invalid_from")),
            ({"from": "+15005550007"}, (400, "sender_not_owned")),
            ({"from": 7}, (400, "invalid_from")),
            ({"client_ref": 7}, (400, "invalid_client_ref")),
            ({"validity": -1}, (400, "invalid_validity")),
            ({"send_at": "2026-06-01T13:00:00"}, (400, "invalid_send_at")),
            ({"options": {"priority": "high"}}, (400, "unknown_option")),
            ({"options": {"parts": "yes"}}, (400, "invalid_option")),
            ({"smart_encoded": "yes"}, (400, "invalid_smart_encoded")),
        ],
    )
    def test_a_problem_of_the_whole_request_sends_nothing(
        self,
        http: httpx.Client,
        sandbox: Sandbox,
        fields: dict[str, Any],
        expected: tuple[int, str],
    ) -> None:
        # A refused recipient in the list does not change the answer's shape.
        response = batch(http, [TO, OPTED_OUT], **fields)
        assert expected == error_of(response)
        assert [] == sandbox.state.records()

    @pytest.mark.parametrize("content", [b"not json", b"[]", b'"+14155552671"'])
    def test_a_body_that_is_not_a_json_object(
        self, http: httpx.Client, sandbox: Sandbox, content: bytes
    ) -> None:
        response = http.post("/messages/batch", content=content)
        assert (400, "invalid_json") == error_of(response)
        assert [] == sandbox.state.records()

    def test_the_state_checks_body_and_sender_once_for_all(self) -> None:
        state = SandboxState(start=T0)
        with pytest.raises(SandboxRejected) as refused:
            state.submit_batch(to=[TO, "bad"], body="hi", sender="+15005550008")
        assert "queue_full" == refused.value.rejection.code
        assert [] == state.records()


class TestBatchFaults:
    @pytest.mark.parametrize(
        ("fault", "expected"),
        [
            ("rate_limited", (429, "rate_limited")),
            ("unavailable", (503, "unavailable")),
        ],
    )
    def test_a_refused_batch_sends_nothing(
        self,
        http: httpx.Client,
        sandbox: Sandbox,
        fault: str,
        expected: tuple[int, str],
    ) -> None:
        sandbox.inject(fault)
        assert expected == error_of(batch(http, [TO, OTHER]))
        assert [] == sandbox.state.records()
        assert 2 == len(results_of(batch(http, [TO, OTHER])))  # the rule is spent

    def test_a_connect_error_sends_nothing(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        sandbox.inject("connect_error")
        with pytest.raises(httpx.ConnectError):
            batch(http, [TO, OTHER])
        assert [] == sandbox.state.records()

    def test_a_server_error_comes_after_every_recipient_was_processed(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        sandbox.inject("server_error")
        assert (500, "internal") == error_of(batch(http, [TO, OPTED_OUT, OTHER]))
        assert [TO, OTHER] == [record.to for record in sandbox.state.records()]

    def test_a_read_timeout_comes_after_every_recipient_was_processed(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        sandbox.inject("read_timeout")
        with pytest.raises(httpx.ReadTimeout):
            batch(http, [TO, OPTED_OUT, OTHER])
        assert [TO, OTHER] == [record.to for record in sandbox.state.records()]

    def test_latency_past_the_timeout_is_a_read_timeout_after_sending(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        sandbox.inject("latency", latency=10)
        with pytest.raises(httpx.ReadTimeout):
            http.post("/messages/batch", json={"to": [TO], "body": "hi"}, timeout=5)
        assert [TO] == [record.to for record in sandbox.state.records()]

    def test_a_fault_hits_a_malformed_batch_before_it_is_read(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        sandbox.inject("unavailable")
        assert (503, "unavailable") == error_of(batch(http, []))

    def test_a_rule_for_one_recipient_spares_batches(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        sandbox.inject("unavailable", to=TO)
        assert 1 == len(results_of(batch(http, [TO])))
        assert (503, "unavailable") == error_of(
            http.post("/messages", json={"to": TO, "body": "hi"})
        )


class TestOutboxMessage:
    def test_a_message_in_parts_carries_every_part_id(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        created = send(http, body=TWO_SEGMENTS, options={"parts": True})
        sandbox.advance()
        (message,) = sandbox.outbox
        assert tuple(created["part_ids"]) == message.part_ids
        assert ("delivered",) * 2 == tuple(s.value for s in message.part_statuses)

    def test_a_message_not_in_parts_has_none(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        send(http, body=TWO_SEGMENTS)
        assert () == sandbox.outbox[0].part_ids

    def test_smart_encoded_is_carried(
        self, http: httpx.Client, sandbox: Sandbox
    ) -> None:
        send(http, smart_encoded=True)
        send(http)
        assert [True, False] == [message.smart_encoded for message in sandbox.outbox]
