"""smskit's pytest plugin (registered through the ``pytest11`` entry point).

Fixtures: ``smskit_sandbox``, ``smskit_client``, ``smskit_async_client``,
``smskit_outbox``. While one of them is active every smskit client in the
process sends through the test's sandbox, and testing mode skips all waits.
The ``smskit`` marker scripts the sandbox; the ``smskit_block_real_sends`` ini
option (or ``SMSKIT_BLOCK_REAL_SENDS=1``) makes a request to a real provider
fail the test loudly.

"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import anyio
import pytest

import smskit
from smskit._config import block_real_sends, is_testing, set_capture, set_testing
from smskit.providers import Sandbox
from smskit.testing._outbox import Outbox

if TYPE_CHECKING:
    from collections.abc import Iterator

MARKER_HELP = (
    "smskit(seed=0, region=None, sender=None, outcomes={}, faults=[]): script the "
    "sandbox of smskit fixtures; outcomes maps a number to a final status or to "
    "Sandbox.script keyword arguments, faults lists fault names or "
    "Sandbox.inject keyword arguments"
)
_TRUE = frozenset({"1", "true", "yes", "on"})


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``smskit_block_real_sends`` ini option."""
    parser.addini(
        "smskit_block_real_sends",
        type="bool",
        default=False,
        help="fail any smskit request to a real provider (not the sandbox, not "
        "localhost); also SMSKIT_BLOCK_REAL_SENDS=1",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Declare the marker and apply the real-send guard."""
    config.addinivalue_line("markers", MARKER_HELP)
    from_env = os.environ.get("SMSKIT_BLOCK_REAL_SENDS", "").strip().lower() in _TRUE
    if from_env or config.getini("smskit_block_real_sends"):
        block_real_sends(True)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Lift the guard again (pytester runs several sessions in one process)."""
    block_real_sends(False)


def _marker_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("smskit")
    return dict(marker.kwargs) if marker is not None else {}


@pytest.fixture
def smskit_sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """A fresh sandbox that captures every smskit send during the test."""
    options = _marker_options(request)
    sandbox = Sandbox(seed=int(options.get("seed", 0)))
    for number, outcome in dict(options.get("outcomes", {})).items():
        if isinstance(outcome, dict):
            sandbox.script(number, **outcome)
        else:
            sandbox.script(number, final=outcome)
    for fault in list(options.get("faults", [])):
        if isinstance(fault, dict):
            sandbox.inject(**fault)
        else:
            sandbox.inject(fault)
    was_testing = is_testing()
    set_testing(True)
    set_capture(sandbox)
    try:
        yield sandbox
    finally:
        set_capture(None)
        set_testing(was_testing)


@pytest.fixture
def smskit_client(
    smskit_sandbox: Sandbox, request: pytest.FixtureRequest
) -> Iterator[smskit.Client]:
    """A `smskit.Client` on the test's sandbox."""
    options = _marker_options(request)
    with smskit.Client(
        smskit_sandbox, region=options.get("region"), sender=options.get("sender")
    ) as client:
        yield client


@pytest.fixture
def smskit_async_client(
    smskit_sandbox: Sandbox, request: pytest.FixtureRequest
) -> Iterator[smskit.AsyncClient]:
    """A `smskit.AsyncClient` on the test's sandbox (asyncio or trio)."""
    options = _marker_options(request)
    client = smskit.AsyncClient(
        smskit_sandbox, region=options.get("region"), sender=options.get("sender")
    )
    yield client
    # A sync fixture works with any async test runner; the sandbox transport
    # has no sockets, so closing it in a fresh event loop is safe.
    anyio.run(client.aclose)


@pytest.fixture
def smskit_outbox(smskit_sandbox: Sandbox, request: pytest.FixtureRequest) -> Outbox:
    """What the test's sandbox sent, with `assert_sent` and friends."""
    return Outbox(smskit_sandbox, region=_marker_options(request).get("region"))
