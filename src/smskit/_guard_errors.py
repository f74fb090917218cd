"""The compliance guard's errors: a refused send, and a store that failed.

They belong in `smskit._exceptions`, under these parents:

```
SmsKitError
├── InvalidInput (+ ValueError)
│   └── Refused                      the guard refused the send; nothing was sent
│       ├── RecipientOptedOut        .since: the recipient replied STOP
│       ├── QuietHoursRefusal        .until .zones: marketing in quiet hours
│       └── FrequencyCapReached      .until .max_messages .per
└── GuardUnavailable                 the guard's store failed; nothing was sent
```

A refusal is raised before any request, like every other `InvalidInput`, so
the provider never sees the message. Each error keeps the full recipient on
``.to`` for your code, and shows it masked in its text, as logs do.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from smskit._exceptions import InvalidInput, SmsKitError

__all__ = [
    "FrequencyCapReached",
    "GuardUnavailable",
    "MessageKind",
    "QuietHoursRefusal",
    "RecipientOptedOut",
    "RefusalReason",
    "Refused",
]

MessageKind = Literal["transactional", "marketing"]
"""What a message is for: quiet hours hold back ``"marketing"`` only."""

RefusalReason = Literal["opted_out", "quiet_hours", "frequency_cap"]
"""Why the guard refused a send."""


_UNITS = (
    ("day", dt.timedelta(days=1)),
    ("hour", dt.timedelta(hours=1)),
    ("minute", dt.timedelta(minutes=1)),
    ("second", dt.timedelta(seconds=1)),
)


def _duration(span: dt.timedelta) -> str:
    """``"24 hours"`` rather than timedelta's ``"1 day, 0:00:00"``."""
    for name, unit in _UNITS:
        count, rest = divmod(span, unit)
        if not rest and count:
            return f"{count} {name}{'s' if count != 1 else ''}"
    return f"{span.total_seconds():g} seconds"


def mask_phone(number: str) -> str:
    """The masked number for an error's text.

    Imported late: the package face imports the errors eagerly, and the
    masking module brings httpx.
    """
    from smskit._redact import mask_phone as mask  # noqa: PLC0415

    return mask(number)


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


class Refused(InvalidInput):
    """The compliance guard refused a send; nothing reached the provider.

    Attributes:
        to: The recipient (E.164).
        kind: The message's kind, ``"transactional"`` or ``"marketing"``.
        reason: ``"opted_out"``, ``"quiet_hours"`` or ``"frequency_cap"``.
        until: When the same send would be allowed (UTC), or ``None`` when
            no time will do (an opt-out lasts until the recipient opts in).
    """

    reason: RefusalReason

    def __init__(
        self,
        message: str,
        *,
        to: str,
        kind: MessageKind,
        until: dt.datetime | None = None,
    ) -> None:
        super().__init__(message)
        self.to = to
        self.kind = kind
        self.until = until


class RecipientOptedOut(Refused):
    """The recipient opted out (replied STOP, or the provider said so).

    Every kind of message is refused until the recipient opts in again
    (replies START), as carriers require.

    Attributes:
        since: When the opt-out was recorded, when known.
    """

    reason = "opted_out"

    def __init__(
        self, *, to: str, kind: MessageKind, since: dt.datetime | None = None
    ) -> None:
        when = f" at {_when(since)}" if since is not None else ""
        message = (
            f"{mask_phone(to)} opted out{when}; the guard refused this {kind} "
            "message and nothing was sent (it is allowed again after the "
            "recipient opts in, for example by replying START)"
        )
        super().__init__(message, to=to, kind=kind)
        self.since = since


class QuietHoursRefusal(Refused):
    """A marketing message fell in the recipient's local quiet hours.

    Attributes:
        zones: The recipient's time zones that were in quiet hours; empty
            when the number's zone is unknown, which counts as quiet.
    """

    reason = "quiet_hours"

    def __init__(
        self,
        *,
        to: str,
        kind: MessageKind,
        until: dt.datetime | None,
        zones: tuple[str, ...],
    ) -> None:
        where = ", ".join(zones) if zones else "an unknown time zone, counted as quiet"
        after = f"send after {_when(until)}" if until is not None else "no end known"
        message = (
            f"it is quiet hours for {mask_phone(to)} ({where}); the guard refused "
            f"this {kind} message and nothing was sent ({after})"
        )
        super().__init__(message, to=to, kind=kind, until=until)
        self.zones = zones


class FrequencyCapReached(Refused):
    """The recipient already had as many messages as the cap allows.

    Attributes:
        max_messages: The cap's limit.
        per: The cap's sliding window.
    """

    reason = "frequency_cap"

    def __init__(
        self,
        *,
        to: str,
        kind: MessageKind,
        until: dt.datetime,
        max_messages: int,
        per: dt.timedelta,
    ) -> None:
        message = (
            f"{mask_phone(to)} already had {max_messages} message(s) in the last "
            f"{_duration(per)}; the guard refused this {kind} message and nothing "
            f"was sent (send after {_when(until)})"
        )
        super().__init__(message, to=to, kind=kind, until=until)
        self.max_messages = max_messages
        self.per = per


class GuardUnavailable(SmsKitError):
    """The guard's store (such as Redis) could not be asked.

    The guard fails closed: without its answer nothing is sent, so the
    message can be sent again later. The store's own error is kept on
    ``__cause__``.
    """
