"""Fixtures: an in-process emulator on a free port and a webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from emulator_helpers import START, Receiver

from smskit._emulator._config import Credentials
from smskit._emulator._server import Emulator
from smskit.providers.sandbox._state import SandboxState


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A running webhook receiver on 127.0.0.1."""
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def credentials() -> Credentials:
    """The emulator's default credentials (independent of the environment)."""
    return Credentials()


@pytest.fixture
def emulator(credentials: Credentials, receiver: Receiver) -> Iterator[Emulator]:
    """An emulator on a free port; its clock moves only when a test says so."""
    state = SandboxState(start=START)
    inbound = {
        name: f"{receiver.url}/{name}/inbound" for name in ("twilio", "vonage", "plivo")
    }
    with Emulator(
        port=0,
        credentials=credentials,
        state=state,
        realtime=False,
        inbound_urls=inbound,
        webhook_timeout=2.0,
    ) as emulator:
        yield emulator


@pytest.fixture
def http(emulator: Emulator) -> Iterator[httpx.Client]:
    """An httpx client pointed at the emulator."""
    with httpx.Client(base_url=emulator.url, timeout=5.0, verify=False) as client:  # noqa: S501 -- plain http; skips loading CA certs
        yield client
