"""Providers: each turns smskit models into one service's HTTP API and back.

Providers never perform I/O; `smskit.Client` and `smskit.AsyncClient` send
what they build.
"""

from __future__ import annotations

from smskit.providers._protocol import OutgoingMessage, Provider
from smskit.providers.sandbox import Sandbox, SandboxFault

__all__ = ["OutgoingMessage", "Provider", "Sandbox", "SandboxFault"]

for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
