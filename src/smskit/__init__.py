"""smskit: typed SMS for Python.

Send and track SMS through Twilio, Vonage, Plivo or the built-in sandbox with
one API, sync or async; know the encoding and segments of any text; normalize
phone numbers; test all of it offline.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

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
    WebhookBodyTooLarge,
    WebhookError,
    WebhookPayloadError,
    WebhookStoreUnavailable,
    WebhookVerificationError,
)
from smskit._guard_errors import (
    FrequencyCapReached,
    GuardUnavailable,
    QuietHoursRefusal,
    RecipientOptedOut,
    Refused,
)

if TYPE_CHECKING:
    # The namespaces, so `import smskit` is enough for smskit.phone.to_e164(...) etc.
    from smskit import encoding as encoding
    from smskit import phone as phone
    from smskit import providers as providers
    from smskit import testing as testing
    from smskit import webhooks as webhooks
    from smskit._async_client import AsyncClient
    from smskit._bulk import AsyncBulkSend, BulkProgress, BulkResult
    from smskit._client import DEFAULT_LIMITS, DEFAULT_TIMEOUT, Client
    from smskit._core._hooks import GiveUpInfo, Hooks, RetryInfo
    from smskit._core._policy import RetryPolicy
    from smskit._core._ratelimit import LocalLimiter, RateLimit
    from smskit._core._redis import RedisLimiter
    from smskit._guard import CapUsage, Guard, GuardDecision, Reservation
    from smskit._guard_errors import MessageKind
    from smskit._guard_redis import RedisGuardStore
    from smskit._guard_rules import FrequencyCap, QuietHours, QuietState
    from smskit._guard_stores import GuardStore, MemoryGuardStore
    from smskit._guard_wiring import Preview
    from smskit._models import Balance, InboundMessage, Message, Status, StatusEvent
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

    __version__: str

__all__ = [
    "ArgumentTypeError",
    "AsyncBulkSend",
    "AsyncClient",
    "AuthenticationError",
    "Balance",
    "BulkProgress",
    "BulkResult",
    "CapUsage",
    "Client",
    "ClientClosed",
    "ConfigurationError",
    "ConnectError",
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_SEGMENTS",
    "DEFAULT_TIMEOUT",
    "DeliveryUnknown",
    "Encoding",
    "FrequencyCap",
    "FrequencyCapReached",
    "GiveUpInfo",
    "Guard",
    "GuardDecision",
    "GuardStore",
    "GuardUnavailable",
    "Hooks",
    "InboundMessage",
    "InsufficientFunds",
    "InvalidInput",
    "InvalidMessage",
    "InvalidPhoneNumber",
    "InvalidSenderId",
    "LimiterUnavailable",
    "LocalLimiter",
    "MemoryGuardStore",
    "Message",
    "MessageKind",
    "MessageTooLong",
    "NationalLanguage",
    "NotFound",
    "NotSupported",
    "NumberPolicy",
    "OptedOut",
    "OptionTypeError",
    "PhoneNumber",
    "Preview",
    "ProviderError",
    "ProviderUnavailable",
    "QuietHours",
    "QuietHoursRefusal",
    "QuietState",
    "RateLimit",
    "RateLimited",
    "RecipientOptedOut",
    "RedisGuardStore",
    "RedisLimiter",
    "Refused",
    "RejectedMessage",
    "Reservation",
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
    "WebhookBodyTooLarge",
    "WebhookError",
    "WebhookPayloadError",
    "WebhookStoreUnavailable",
    "WebhookVerificationError",
    "analyze",
    "check_length",
    "segment_count",
    "smart_encode",
    "to_e164",
]

# Where each name outside the exception tree lives. pytest imports smskit's
# plugin (a submodule, so this file runs first) in every project that has
# smskit installed, and `smskit --help` needs none of this either: they are
# imported on first use, all together (see _load).
_LAZY = {
    "AsyncClient": "smskit._async_client",
    **dict.fromkeys(["AsyncBulkSend", "BulkProgress", "BulkResult"], "smskit._bulk"),
    **dict.fromkeys(["Client", "DEFAULT_LIMITS", "DEFAULT_TIMEOUT"], "smskit._client"),
    **dict.fromkeys(["GiveUpInfo", "Hooks", "RetryInfo"], "smskit._core._hooks"),
    "RetryPolicy": "smskit._core._policy",
    **dict.fromkeys(["LocalLimiter", "RateLimit"], "smskit._core._ratelimit"),
    "RedisLimiter": "smskit._core._redis",
    **dict.fromkeys(
        ["CapUsage", "Guard", "GuardDecision", "Reservation"], "smskit._guard"
    ),
    **dict.fromkeys(
        ["FrequencyCap", "QuietHours", "QuietState"], "smskit._guard_rules"
    ),
    **dict.fromkeys(["GuardStore", "MemoryGuardStore"], "smskit._guard_stores"),
    **dict.fromkeys(["RedisGuardStore"], "smskit._guard_redis"),
    **dict.fromkeys(["Preview"], "smskit._guard_wiring"),
    "MessageKind": "smskit._guard_errors",
    **dict.fromkeys(
        ["Balance", "InboundMessage", "Message", "Status", "StatusEvent"],
        "smskit._models",
    ),
    **dict.fromkeys(
        [
            "DEFAULT_MAX_SEGMENTS",
            "Encoding",
            "NationalLanguage",
            "Segment",
            "SegmentInfo",
            "analyze",
            "check_length",
            "segment_count",
            "smart_encode",
        ],
        "smskit.encoding",
    ),
    **dict.fromkeys(
        ["NumberPolicy", "PhoneNumber", "SenderId", "to_e164"], "smskit.phone"
    ),
}
# `import smskit` is enough for smskit.phone.to_e164(...) etc.
_NAMESPACES = frozenset({"encoding", "phone", "providers", "testing", "webhooks"})

# A library leaves logging set-up to the application: without a handler of its
# own, Python's last-resort handler would print smskit's records on stderr.
logging.getLogger("smskit").addHandler(logging.NullHandler())


def _present_as_smskit(names: list[str]) -> None:
    """Make objects from private modules present as smskit.X.

    Reprs, tracebacks and the docs show smskit.X; names from public
    subpackages keep their home.
    """
    for name in names:
        obj = globals()[name]
        if getattr(obj, "__module__", "").startswith("smskit._"):
            obj.__module__ = __name__


# The exceptions are light and are what callers catch and see in tracebacks,
# so they are imported eagerly and present as smskit.X from the start.
_present_as_smskit([name for name in __all__ if name not in _LAZY])


def _load() -> None:
    """Import every lazy name at once, so all present as smskit.X together."""
    for name, home in _LAZY.items():
        globals()[name] = getattr(importlib.import_module(home), name)
    _present_as_smskit(list(_LAZY))


def __getattr__(name: str) -> Any:
    if name == "__version__":
        # Read lazily from the installed metadata (stamina does this).
        from smskit._version import installed_version  # noqa: PLC0415

        return installed_version()
    if name in _NAMESPACES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY:
        _load()
        return globals()[name]
    raise AttributeError(f"module 'smskit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_NAMESPACES})
