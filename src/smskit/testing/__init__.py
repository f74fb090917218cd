"""Test support: testing mode, the outbox helper and smskit's pytest plugin.

The plugin registers itself when smskit is installed (``pytest11`` entry
point); its fixtures are ``smskit_sandbox``, ``smskit_client``,
``smskit_async_client`` and ``smskit_outbox``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smskit._config import block_real_sends, is_testing, set_testing

if TYPE_CHECKING:
    from smskit.testing._outbox import Outbox

__all__ = ["Outbox", "block_real_sends", "is_testing", "set_testing"]


def __getattr__(name: str) -> Any:
    # Outbox needs smskit.phone (and phonenumbers): load it on first use, so
    # importing the pytest plugin, which lives in this package, stays cheap.
    if name == "Outbox":
        from smskit.testing._outbox import Outbox  # noqa: PLC0415 -- on demand

        return Outbox
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "Outbox"])
