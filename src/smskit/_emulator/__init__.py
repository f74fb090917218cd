"""The local emulator: Twilio, Vonage and Plivo SMS APIs over the sandbox state.

Run it with ``smskit sandbox serve`` (see ``docs/emulator.md``), or in-process
with `Emulator`.
"""

from __future__ import annotations

from smskit._emulator._config import Credentials
from smskit._emulator._server import DEFAULT_HOST, DEFAULT_PORT, Emulator

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "Credentials", "Emulator"]
