"""Process-wide switches: testing mode and the guard against real sends."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smskit.providers._protocol import Provider

__all__ = [
    "block_real_sends",
    "capture_regions",
    "captured_by",
    "is_testing",
    "note_capture_region",
    "real_sends_blocked",
    "set_capture",
    "set_testing",
]

_switches = {"testing": False, "block_real_sends": False}
_capture: list[Provider] = []
# The default regions of the clients that sent while a capture was active, so
# test helpers can read numbers the way the application's clients did.
_capture_regions: set[str | None] = set()


def set_testing(on: bool) -> None:
    """Turn testing mode on or off for the whole process.

    In testing mode smskit never sleeps: backoff between retries and waits for
    the rate limiter are skipped. The retry and rate-limit *decisions* still
    run, so tests see the same errors and the same number of attempts.

    Args:
        on: ``True`` to skip every wait, ``False`` to restore them.
    """
    _switches["testing"] = bool(on)


def is_testing() -> bool:
    """Whether testing mode is on."""
    return _switches["testing"]


def block_real_sends(on: bool) -> None:
    """Make every request to a real provider fail loudly (for test suites).

    The sandbox and anything on this machine (127.0.0.1, ``localhost``, such
    as the local emulator) stay allowed.

    Args:
        on: ``True`` to block, ``False`` to allow again.
    """
    _switches["block_real_sends"] = bool(on)


def real_sends_blocked() -> bool:
    """Whether requests to real providers are blocked."""
    return _switches["block_real_sends"]


def set_capture(provider: Provider | None) -> None:
    """Route every client's requests to ``provider`` (``None`` to stop).

    The pytest plugin's fixtures use this so that application code sending
    through any smskit client lands in the test's sandbox.
    """
    _capture.clear()
    _capture_regions.clear()
    if provider is not None:
        _capture.append(provider)


def captured_by() -> Provider | None:
    """The provider every client currently sends to instead of its own."""
    return _capture[0] if _capture else None


def note_capture_region(region: str | None) -> None:
    """Remember the default region of a client that sent into the capture."""
    _capture_regions.add(region)


def capture_regions() -> frozenset[str | None]:
    """The default regions of every client that sent into the current capture."""
    return frozenset(_capture_regions)
