"""smskit: typed SMS for Python.

Send and track SMS through Twilio, Vonage, Plivo or the built-in sandbox with
one API, sync or async; know the encoding and segments of any text; normalize
phone numbers; test all of it offline.
"""

from __future__ import annotations

from typing import Any

from smskit._client import DEFAULT_TIMEOUT, AsyncClient, Client
from smskit._core._policy import RetryPolicy
from smskit._exceptions import (
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    DeliveryUnknown,
    InsufficientFunds,
    InvalidInput,
    InvalidMessage,
    InvalidPhoneNumber,
    InvalidSenderId,
    MessageTooLong,
    NotFound,
    NotSupported,
    OptedOut,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    RejectedMessage,
    SmsKitError,
    TransportError,
    TransportTimeout,
    UnknownStatus,
    WebhookError,
    WebhookPayloadError,
    WebhookVerificationError,
)
from smskit._models import InboundMessage, Message, Status, StatusEvent
from smskit.encoding import Encoding

__all__ = [
    "AsyncClient",
    "AuthenticationError",
    "Client",
    "ConfigurationError",
    "ConnectError",
    "DEFAULT_TIMEOUT",
    "DeliveryUnknown",
    "Encoding",
    "InboundMessage",
    "InsufficientFunds",
    "InvalidInput",
    "InvalidMessage",
    "InvalidPhoneNumber",
    "InvalidSenderId",
    "Message",
    "MessageTooLong",
    "NotFound",
    "NotSupported",
    "OptedOut",
    "ProviderError",
    "ProviderUnavailable",
    "RateLimited",
    "RejectedMessage",
    "RetryPolicy",
    "SmsKitError",
    "Status",
    "StatusEvent",
    "TransportError",
    "TransportTimeout",
    "UnknownStatus",
    "WebhookError",
    "WebhookPayloadError",
    "WebhookVerificationError",
]

# Objects defined in private modules present themselves as smskit.X in reprs,
# tracebacks and the docs; names from public subpackages keep their home.
for _name in __all__:
    _obj = globals()[_name]
    if getattr(_obj, "__module__", "").startswith("smskit._"):
        _obj.__module__ = __name__
del _name, _obj


def __getattr__(name: str) -> Any:
    # Read the version lazily from the installed metadata (stamina does this).
    if name == "__version__":
        from importlib.metadata import version  # noqa: PLC0415 -- only on demand

        return version("smskit")
    raise AttributeError(f"module 'smskit' has no attribute {name!r}")
