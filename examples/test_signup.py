"""An example test module: how an application's tests use smskit's fixtures.

It runs in smskit's own test suite, exactly as it would in yours.
"""

from __future__ import annotations

import pytest

import smskit
from smskit.testing import Outbox


def send_welcome(phone: str) -> smskit.Message:
    """Application code: it builds its own client, as real code does."""
    with smskit.Client(smskit.providers.Sandbox(), region="US") as client:
        return client.send(to=phone, body="Welcome aboard! Reply STOP to opt out.")


def test_signup_sends_a_welcome(smskit_outbox: Outbox) -> None:
    send_welcome("(415) 555-2671")
    smskit_outbox.assert_sent(to="+14155552671", body_contains="Welcome", count=1)


@pytest.mark.smskit(outcomes={"+14155552671": "undelivered"})
def test_undelivered_welcome_is_visible(
    smskit_client: smskit.Client, smskit_sandbox: smskit.providers.Sandbox
) -> None:
    message = smskit_client.send(to="+14155552671", body="Welcome!")
    smskit_sandbox.advance()
    assert smskit.Status.UNDELIVERED is smskit_client.fetch(message.id).status


@pytest.mark.smskit(faults=["rate_limited"])
def test_a_429_is_retried_without_waiting(
    smskit_client: smskit.Client, smskit_outbox: Outbox
) -> None:
    smskit_client.send(to="+14155552671", body="hi")
    smskit_outbox.assert_sent(to="+14155552671")
