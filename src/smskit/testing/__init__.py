"""Test support: testing mode, the outbox helper and smskit's pytest plugin.

The plugin registers itself when smskit is installed (``pytest11`` entry
point); its fixtures are ``smskit_sandbox``, ``smskit_client``,
``smskit_async_client`` and ``smskit_outbox``.
"""

from __future__ import annotations

from smskit._config import block_real_sends, is_testing, set_testing
from smskit.testing._outbox import Outbox

__all__ = ["Outbox", "block_real_sends", "is_testing", "set_testing"]
