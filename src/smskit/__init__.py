"""smskit: typed SMS for Python.

Send and track SMS through Twilio, Vonage, Plivo or the built-in sandbox with
one API, sync or async; know the encoding and segments of any text; normalize
phone numbers; test all of it offline.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

# The namespaces, so `import smskit` is enough for smskit.phone.to_e164(...) etc.
from smskit import encoding as encoding
from smskit import phone as phone
from smskit import providers as providers
from smskit import testing as testing
from smskit._client import DEFAULT_LIMITS, DEFAULT_TIMEOUT, AsyncClient, Client
from smskit._core._hooks import GiveUpInfo, Hooks, RetryInfo
from smskit._core._policy import RetryPolicy
from smskit._core._ratelimit import LocalLimiter, RateLimit
from smskit._core._redis import RedisLimiter
from smskit._exceptions import (
    ArgumentTypeError,
    AuthenticationError,
    ClientClosed,
    ConfigurationError,
    ConnectError,
    DeliveryUnknown,
    InsufficientFunds,
    InvalidInput,
    InvalidMessage,
    InvalidPhoneNumber,
    InvalidSenderId,
    LimiterUnavailable,
    MessageTooLong,
    NotFound,
    NotSupported,
    OptedOut,
    OptionTypeError,
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
from smskit.encoding import (
    DEFAULT_MAX_SEGMENTS,
    Encoding,
    NationalLanguage,
    Segment,
    SegmentInfo,
    analyze,
    check_length,
    segment_count,
    smart_encode,
)
from smskit.phone import NumberPolicy, PhoneNumber, SenderId, to_e164

__all__ = [
    "ArgumentTypeError",
    "AsyncClient",
    "AuthenticationError",
    "Client",
    "ClientClosed",
    "ConfigurationError",
    "ConnectError",
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_SEGMENTS",
    "DEFAULT_TIMEOUT",
    "DeliveryUnknown",
    "Encoding",
    "GiveUpInfo",
    "Hooks",
    "InboundMessage",
    "InsufficientFunds",
    "InvalidInput",
    "InvalidMessage",
    "InvalidPhoneNumber",
    "InvalidSenderId",
    "LimiterUnavailable",
    "LocalLimiter",
    "Message",
    "MessageTooLong",
    "NationalLanguage",
    "NotFound",
    "NotSupported",
    "NumberPolicy",
    "OptedOut",
    "OptionTypeError",
    "PhoneNumber",
    "ProviderError",
    "ProviderUnavailable",
    "RateLimit",
    "RateLimited",
    "RedisLimiter",
    "RejectedMessage",
    "RetryInfo",
    "RetryPolicy",
    "Segment",
    "SegmentInfo",
    "SenderId",
    "SmsKitError",
    "Status",
    "StatusEvent",
    "TransportError",
    "TransportTimeout",
    "UnknownStatus",
    "WebhookError",
    "WebhookPayloadError",
    "WebhookVerificationError",
    "analyze",
    "check_length",
    "segment_count",
    "smart_encode",
    "to_e164",
]

# A library leaves logging set-up to the application: without a handler of its
# own, Python's last-resort handler would print smskit's records on stderr.
logging.getLogger("smskit").addHandler(logging.NullHandler())

# Objects defined in private modules present themselves as smskit.X in reprs,
# tracebacks and the docs; names from public subpackages keep their home.
for _name in __all__:
    _obj = globals()[_name]
    if getattr(_obj, "__module__", "").startswith("smskit._"):
        _obj.__module__ = __name__
del _name, _obj


_DISTRIBUTION = "smskit-sdk"
"""smskit's name on the package index (``pip install smskit-sdk``)."""

if TYPE_CHECKING:
    __version__: str


def __getattr__(name: str) -> Any:
    # Read the version lazily from the installed metadata (stamina does this).
    if name == "__version__":
        from importlib.metadata import version  # noqa: PLC0415 -- only on demand

        return version(_DISTRIBUTION)
    raise AttributeError(f"module 'smskit' has no attribute {name!r}")
