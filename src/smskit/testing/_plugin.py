"""smskit's pytest plugin (registered through the ``pytest11`` entry point).

Fixtures: ``smskit_sandbox``, ``smskit_client``, ``smskit_async_client``,
``smskit_outbox``. While one of them is active every smskit client in the
process sends through the test's sandbox, and testing mode skips all waits.
The ``smskit`` marker scripts the sandbox; the ``smskit_region`` ini option
sets the fixtures' default region; the ``smskit_block_real_sends`` ini option
(or ``SMSKIT_BLOCK_REAL_SENDS=1``) makes a request to a real provider fail the
test loudly.

pytest imports this module in every project that has smskit installed, used or
not, so at module level it imports only pytest and the standard library; the
client, the sandbox and the outbox are imported by the fixtures that need them.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from smskit._async_client import AsyncClient
    from smskit._client import Client
    from smskit.providers import Sandbox
    from smskit.testing._outbox import Outbox

MARKER_OPTIONS = ("faults", "outcomes", "region", "seed", "sender")
"""The keyword arguments the ``smskit`` marker accepts."""

MARKER_HELP = (
    "smskit(seed=0, region=None, sender=None, outcomes={}, faults=[]): script the "
    "sandbox of smskit fixtures; outcomes maps a number to a final status or to "
    "Sandbox.script keyword arguments, faults lists fault names or "
    "Sandbox.inject keyword arguments"
)
_TRUE = frozenset({"1", "true", "yes", "on"})
# Whether real sends were blocked before this session blocked them, so that a
# nested session (pytester) restores the outer session's guard, not "off".
_GUARD_BEFORE = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``smskit_region`` and ``smskit_block_real_sends`` ini options."""
    parser.addini(
        "smskit_region",
        type="string",
        default="",
        help="default region of the smskit fixtures' clients and of "
        "smskit_outbox, for numbers written without '+'; the smskit marker's "
        "region= overrides it",
    )
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
        from smskit._config import (  # noqa: PLC0415 -- only when asked for
            block_real_sends,
            real_sends_blocked,
        )

        config.stash[_GUARD_BEFORE] = real_sends_blocked()
        block_real_sends(True)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Restore the guard this session changed (pytester nests sessions)."""
    if _GUARD_BEFORE in config.stash:
        from smskit._config import block_real_sends  # noqa: PLC0415 -- loaded

        block_real_sends(config.stash[_GUARD_BEFORE])


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Refuse a misspelt ``smskit`` marker before any test runs.

    Raises:
        pytest.UsageError: A ``smskit`` marker has positional arguments or a
            keyword it does not know; the message names each one.
    """
    problems: dict[str, list[str]] = {}
    for item in items:
        for mark in item.iter_markers("smskit"):
            problem = _marker_problem(mark)
            if problem is not None:
                problems.setdefault(problem, []).append(item.nodeid)
    if problems:
        raise pytest.UsageError(
            *(_where(nodeids) + problem for problem, nodeids in problems.items())
        )


def _marker_problem(mark: pytest.Mark) -> str | None:
    """What is wrong with a ``smskit`` marker's arguments, if anything."""
    unknown = sorted(set(mark.kwargs) - set(MARKER_OPTIONS))
    known = ", ".join(MARKER_OPTIONS)
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        plural = "s" if len(unknown) > 1 else ""
        return (
            f"@pytest.mark.smskit got unknown keyword{plural} {names}; "
            f"it accepts {known}"
        )
    if mark.args:
        return f"@pytest.mark.smskit takes keyword arguments only ({known})"
    return None


def _where(nodeids: Iterable[str]) -> str:
    """Name the first test a problem was found in, and how many more."""
    first, *rest = nodeids
    more = f" (and {len(rest)} more)" if rest else ""
    return f"{first}{more}: "


def _marker_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The closest ``smskit`` marker's options, checked again.

    A marker added while the test runs escapes the collection-time check.
    """
    marker = request.node.get_closest_marker("smskit")
    if marker is None:
        return {}
    problem = _marker_problem(marker)
    if problem is not None:
        pytest.fail(problem, pytrace=False)
    return dict(marker.kwargs)


def _region(request: pytest.FixtureRequest) -> str | None:
    """The region the test asked for: the marker's, else the ini option's."""
    # Passed on as given: the client refuses a region that is not a code.
    region: str | None = _marker_options(request).get("region")
    if region is not None:
        return region
    return str(request.config.getini("smskit_region")) or None


@pytest.fixture
def smskit_sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """A fresh sandbox that captures every smskit send during the test."""
    from smskit._config import (  # noqa: PLC0415 -- lazy, see the module docstring
        is_testing,
        set_capture,
        set_testing,
    )
    from smskit.providers import Sandbox  # noqa: PLC0415

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
) -> Iterator[Client]:
    """A `smskit.Client` on the test's sandbox."""
    from smskit._client import Client  # noqa: PLC0415 -- lazy, see the module docstring

    sender = _marker_options(request).get("sender")
    with Client(smskit_sandbox, region=_region(request), sender=sender) as client:
        yield client


@pytest.fixture
def smskit_async_client(
    smskit_sandbox: Sandbox, request: pytest.FixtureRequest
) -> Iterator[AsyncClient]:
    """A `smskit.AsyncClient` on the test's sandbox (asyncio or trio)."""
    import anyio  # noqa: PLC0415 -- lazy, see the module docstring

    from smskit._async_client import AsyncClient  # noqa: PLC0415

    sender = _marker_options(request).get("sender")
    client = AsyncClient(smskit_sandbox, region=_region(request), sender=sender)
    yield client
    # A sync fixture works with any async test runner; the sandbox transport
    # has no sockets, so closing it in a fresh event loop is safe.
    anyio.run(client.aclose)


@pytest.fixture
def smskit_outbox(smskit_sandbox: Sandbox, request: pytest.FixtureRequest) -> Outbox:
    """What the test's sandbox sent, with `assert_sent` and friends."""
    from smskit.testing._outbox import Outbox  # noqa: PLC0415 -- lazy

    return Outbox(smskit_sandbox, region=_region(request))
