"""The Outbox test helper on its own."""

from __future__ import annotations

import pytest

import smskit
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
