"""What every ``smskit`` command shares: exit statuses, JSON, error facts."""

from __future__ import annotations

import json
import sys
from typing import Any, Final, Literal

from smskit._exceptions import (
    DeliveryUnknown,
    InvalidPhoneNumber,
    InvalidSenderId,
    ProviderError,
    SmsKitError,
)

__all__ = [
    "FAILED",
    "INTERRUPTED",
    "OK",
    "USAGE_ERROR",
    "Outcome",
    "emit_json",
    "error_code",
    "error_facts",
    "fail",
    "outcome_of",
]

OK: Final = 0
FAILED: Final = 1
"""Something was refused, failed or may not have been sent."""
USAGE_ERROR: Final = 2
"""Bad options or configuration: the status argparse uses for its own errors."""
INTERRUPTED: Final = 130
"""Stopped by Ctrl-C (128 + SIGINT), the shells' convention."""

Outcome = Literal["sent", "failed", "unknown"]


def emit_json(document: object) -> None:
    """Print one JSON document on stdout."""
    print(json.dumps(document, ensure_ascii=False, indent=2))


def fail(message: str, status: int) -> int:
    """Say what went wrong on stderr and return ``status``."""
    print(f"smskit: {message}", file=sys.stderr)
    return status


def outcome_of(error: SmsKitError | None) -> Outcome:
    """``sent`` without an error; ``unknown`` when it may have been sent."""
    if error is None:
        return "sent"
    return "unknown" if isinstance(error, DeliveryUnknown) else "failed"


def error_code(error: SmsKitError) -> str:
    """The most specific code an error carries: the provider's, else a reason."""
    if isinstance(error, ProviderError):
        return error.provider_code or ""
    if isinstance(error, (InvalidPhoneNumber, InvalidSenderId)):
        return error.reason
    return ""


def error_facts(error: SmsKitError) -> dict[str, Any]:
    """The error as JSON: its class, code and text (no credentials ever)."""
    return {
        "type": type(error).__name__,
        "code": error_code(error) or None,
        "message": str(error),
    }
