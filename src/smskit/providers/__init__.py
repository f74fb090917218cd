"""Providers: each turns smskit models into one service's HTTP API and back.

Providers never perform I/O; `smskit.Client` and `smskit.AsyncClient` send
what they build.
"""

from __future__ import annotations

import types

from smskit.providers._protocol import (
    CAPABILITIES,
    BatchResult,
    Capability,
    InProcessProvider,
    ListQuery,
    OutgoingBatch,
    OutgoingMessage,
    Page,
    Provider,
    SupportsBalance,
    SupportsBatch,
    SupportsCancel,
    SupportsList,
    SupportsSchedule,
    SupportsWebhooks,
    WebhookReply,
    WebhookRequest,
    capabilities,
)
from smskit.providers._routing import Failover, Router
from smskit.providers.plivo import Plivo
from smskit.providers.sandbox import Sandbox, SandboxFault
from smskit.providers.twilio import Twilio
from smskit.providers.vonage import Vonage

__all__ = [
    "BatchResult",
    "CAPABILITIES",
    "Capability",
    "Failover",
    "InProcessProvider",
    "ListQuery",
    "OutgoingBatch",
    "OutgoingMessage",
    "Page",
    "Plivo",
    "Provider",
    "Router",
    "Sandbox",
    "SandboxFault",
    "SupportsBalance",
    "SupportsBatch",
    "SupportsCancel",
    "SupportsList",
    "SupportsSchedule",
    "SupportsWebhooks",
    "Twilio",
    "Vonage",
    "WebhookReply",
    "WebhookRequest",
    "capabilities",
]

# Classes and functions present themselves as smskit.providers.X.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, (type, types.FunctionType)):
        _obj.__module__ = __name__
del _name, _obj
