"""The Outbox test helper on its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import smskit
from smskit import InvalidPhoneNumber
from smskit._config import set_capture
from smskit.testing import Outbox


@pytest.fixture
def outbox() -> Outbox:
    sandbox = smskit.providers.Sandbox()
    with smskit.Client(sandbox) as client:
        client.send(to="+14155552671", body="one")
        client.send(to="+14155552671", body="two")
    return Outbox(sandbox, region="US")


def test_queries(outbox: Outbox) -> None:
    assert 2 == len(outbox)
    assert ["one", "two"] == [m.body for m in outbox.sent_to("(415) 555-2671")]
    assert 2 == len(outbox.assert_sent(to="415-555-2671", count=2))
    assert 1 == len(outbox.assert_sent(body="two"))


def test_unparseable_number_simply_matches_nothing(outbox: Outbox) -> None:
    assert [] == outbox.sent_to("not a number")
    with pytest.raises(AssertionError, match="to='not a number'"):
        outbox.assert_sent(to="not a number")


def test_empty_outbox_says_so() -> None:
    empty = Outbox(smskit.providers.Sandbox())
    with pytest.raises(AssertionError, match="the outbox is empty"):
        empty.assert_sent()
    empty.assert_nothing_sent()


def test_nothing_sent_fails_with_the_list(outbox: Outbox) -> None:
    with pytest.raises(
        AssertionError, match=r"expected no SMS; the outbox holds:\n  1\."
    ):
        outbox.assert_nothing_sent()


# Reading numbers written without "+": the outbox's region, else the one
# region of the clients that sent into the capturing sandbox, else a failure
# that says why.


@pytest.fixture
def captured() -> Iterator[smskit.providers.Sandbox]:
    sandbox = smskit.providers.Sandbox()
    set_capture(sandbox)
    try:
        yield sandbox
    finally:
        set_capture(None)


def _send(to: str, *, region: str | None) -> None:
    # Any provider will do: the capture routes the request to the sandbox.
    with smskit.Client(smskit.providers.Sandbox(), region=region) as client:
        client.send(to=to, body="hi")


def test_the_region_of_the_clients_that_sent_reads_national_numbers(
    captured: smskit.providers.Sandbox,
) -> None:
    _send("(415) 555-2671", region="US")
    _send("+447911123456", region=None)  # a client without a region adds none
    outbox = Outbox(captured)
    assert 1 == len(outbox.assert_sent(to="(415) 555-2671"))
    assert 1 == len(outbox.sent_to("415.555.2671"))


def test_the_outbox_region_wins_over_the_clients(
    captured: smskit.providers.Sandbox,
) -> None:
    _send("+14155552671", region="GB")
    _send("+447911123456", region="FR")
    # Read in GB (a client's region) "(415) 555-2671" would be no number.
    assert 1 == len(Outbox(captured, region="US").assert_sent(to="(415) 555-2671"))
    assert 1 == len(Outbox(captured, region="gb").sent_to("07911 123456"))


def test_clients_with_different_regions_are_named(
    captured: smskit.providers.Sandbox,
) -> None:
    _send("(415) 555-2671", region="US")
    _send("07911 123456", region="GB")
    outbox = Outbox(captured)
    message = (
        r"cannot read to='\(415\) 555-2671': it has no country code and the "
        r"clients that sent used different regions \(GB, US\); write it in "
        r"E\.164 form .*region=.*the outbox holds:\n  1\. to=\+14155552671"
    )
    with pytest.raises(AssertionError, match=message):
        outbox.assert_sent(to="(415) 555-2671")
    with pytest.raises(AssertionError, match="different regions"):
        outbox.sent_to("(415) 555-2671")
    # A number with its country code needs no region.
    assert 1 == len(outbox.assert_sent(to="+44 7911 123456"))


def test_clients_without_a_region_leave_none_to_use(
    captured: smskit.providers.Sandbox,
) -> None:
    _send("+14155552671", region=None)
    with pytest.raises(
        AssertionError, match="no client that sent into this test's sandbox had a"
    ):
        Outbox(captured).assert_sent(to="(415) 555-2671", count=1)


def test_an_empty_capture_says_so_alongside_the_missing_region(
    captured: smskit.providers.Sandbox,
) -> None:
    with pytest.raises(AssertionError, match=r"had a region.*the outbox is empty"):
        Outbox(captured).assert_sent(to="(415) 555-2671")


def test_a_sandbox_outside_a_capture_knows_no_client_region() -> None:
    sandbox = smskit.providers.Sandbox()
    with smskit.Client(sandbox, region="US") as client:
        client.send(to="(415) 555-2671", body="hi")
    with pytest.raises(AssertionError, match="not capturing a test's sends"):
        Outbox(sandbox).assert_sent(to="(415) 555-2671")
    assert 1 == len(Outbox(sandbox).assert_sent(to="tel:+1-415-555-2671"))


def test_an_unknown_outbox_region_is_reported_not_matched(outbox: Outbox) -> None:
    with pytest.raises(InvalidPhoneNumber, match="unknown region 'XX'") as caught:
        Outbox(outbox.sandbox, region="XX").assert_sent(to="(415) 555-2671")
    assert "unknown_region" == caught.value.reason
