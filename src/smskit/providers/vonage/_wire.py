"""Vonage's SMS, Account and Reports APIs on the wire (providers.md §2).

Plain data and pure functions; the driver, webhook parsing and the local
emulator all read them from here. Numbers go out as digits without ``+``
(`smskit.providers._common.digits_only`).
"""

from __future__ import annotations

import datetime as dt
import re

from smskit._models import Status
from smskit.providers._common import Throughput, utc

__all__ = [
    "API_KEY",
    "API_SECRET",
    "BALANCE_PATH",
    "CALLBACK",
    "CLIENT_REF",
    "CLIENT_REF_MAX",
    "COLLAPSED",
    "DLR_STATUSES",
    "ENV_API_KEY",
    "ENV_API_SECRET",
    "ENV_SIGNATURE_SECRET",
    "FROM",
    "MESSAGE_ID",
    "PRICE_CURRENCY",
    "MESSAGE_CLASS",
    "REPORTS_HOST",
    "REPORT_ACCOUNT_ID",
    "REPORT_ID",
    "REPORT_INCLUDE_MESSAGE",
    "REPORTS_PATH",
    "REPORT_DIRECTION",
    "REPORT_FILTERS",
    "REPORT_PRODUCT",
    "REST_HOST",
    "SEND_OK",
    "SEND_PATH",
    "SIGNATURE",
    "STATUS_REPORT_REQ",
    "TEXT",
    "TEXT_TYPES",
    "THROUGHPUT",
    "TIMESTAMP",
    "TO",
    "TTL",
    "TTL_RANGE_MS",
    "TYPE",
    "format_report_time",
    "format_scts",
    "format_timestamp",
    "parse_report_time",
]

# -- hosts and paths (§2.1, §2.4) ---------------------------------------------

REST_HOST = "rest.nexmo.com"
"""Sending and the balance; no regional host exists for the SMS API."""
REPORTS_HOST = "api.nexmo.com"
SEND_PATH = "/sms/json"
BALANCE_PATH = "/account/get-balance"
REPORTS_PATH = "/v2/reports/records"
"""The Reports API's synchronous lookup: the SMS API has no fetch or list."""

# -- send parameters (§2.1, §2.2) ---------------------------------------------

API_KEY = "api_key"
API_SECRET = "api_secret"  # noqa: S105 -- a parameter's name, not a secret
SIGNATURE = "sig"
TIMESTAMP = "timestamp"
FROM = "from"
TO = "to"
TEXT = "text"
TYPE = "type"
TEXT_TYPES = ("text", "unicode")
"""``type`` for SMS text: GSM-7 (``text``) or UCS-2 (``unicode``)."""
TTL = "ttl"
TTL_RANGE_MS = (20_000, 604_800_000)
"""``ttl`` is the delivery window in milliseconds, 20 s to 7 days (default 72 h)."""
STATUS_REPORT_REQ = "status-report-req"
CALLBACK = "callback"
CLIENT_REF = "client-ref"
CLIENT_REF_MAX = 40
"""``client-ref``'s documented length (the v4 SDK allows 100)."""
MESSAGE_CLASS = "message-class"

MESSAGE_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,63}")
"""A message (part) id: the SMS API's 16-17 hex characters or the Reports
API's UUIDs. No comma, so one id never turns into the Reports API's list."""

PRICE_CURRENCY = "EUR"
"""Vonage accounts are billed in euros: ``message-price``,
``remaining-balance`` and the balance's ``value`` carry no currency."""

SEND_OK = "0"
"""``messages[i].status`` of an accepted part; any other status is an error
(errors arrive with HTTP 200, see ``_errors``)."""

# -- Reports API filters (§2.4) -----------------------------------------------

REPORT_FILTERS = (
    "account_id",
    "product",
    "direction",
    "id",
    "date_start",
    "date_end",
    "status",
    "include_message",
)
"""``id`` may be a comma list; ``date_start``/``date_end`` span at most 24 h.
The synchronous lookup has no paging cursor and no ``to``/``from`` filter."""
REPORT_ACCOUNT_ID = "account_id"
REPORT_ID = "id"
REPORT_INCLUDE_MESSAGE = "include_message"
REPORT_PRODUCT = "SMS"
REPORT_DIRECTION = "outbound"

# -- status words (§2.5, §4) --------------------------------------------------

DLR_STATUSES: dict[str, Status] = {
    "buffered": Status.SENDING,  # queued by the carrier for later
    "accepted": Status.SENT,  # accepted by the carrier, not delivered yet
    "delivered": Status.DELIVERED,
    "failed": Status.UNDELIVERED,  # the carrier reports it was not delivered
    "rejected": Status.REJECTED,  # the carrier refused it
    "expired": Status.EXPIRED,  # the carrier's retry window ran out
    "unknown": Status.UNKNOWN,
}
"""A delivery receipt's ``status`` (one per part) -> smskit's `Status`."""

COLLAPSED: dict[Status, str] = {
    # The SMS API has no read receipts; the last news is the delivery.
    Status.READ: "delivered",
    # A message that never reached a carrier has no receipt word of its own;
    # it is refused at send time (a status other than "0") or reported failed.
    Status.FAILED: "failed",
    # A message Vonage holds has no receipt yet; the Reports API's word for
    # it is taken to be "accepted" [unverified].
    Status.QUEUED: "accepted",
}
"""States Vonage has no word of its own for, and the word it reports instead."""

# -- dates (§2.2, §2.4, §2.6) -------------------------------------------------


def format_timestamp(moment: dt.datetime) -> str:
    """``message-timestamp`` of webhooks: ``YYYY-MM-DD HH:MM:SS`` in UTC."""
    return utc(moment).strftime("%Y-%m-%d %H:%M:%S")


def format_scts(moment: dt.datetime) -> str:
    """A receipt's ``scts`` (the carrier's time stamp): ``YYMMDDhhmm``, UTC."""
    return utc(moment).strftime("%y%m%d%H%M")


def format_report_time(moment: dt.datetime) -> str:
    """A Reports API time: ISO 8601 in UTC with milliseconds and ``Z``."""
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def parse_report_time(text: str) -> dt.datetime:
    """A Reports API time (ISO 8601; UTC when it has no zone).

    Raises:
        ValueError: ``text`` is not ISO 8601.
    """
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


# -- configuration (§2.1, §2.6) -----------------------------------------------

ENV_API_KEY = "VONAGE_API_KEY"
ENV_API_SECRET = "VONAGE_API_SECRET"  # noqa: S105 -- a variable's name
ENV_SIGNATURE_SECRET = "VONAGE_SIGNATURE_SECRET"  # noqa: S105 -- a variable's name

THROUGHPUT: dict[str, Throughput] = {
    # 30 API requests per second per API key by default (S7); status 1
    # (throttled) beyond it.
    "vonage": Throughput(rate=30, burst=30, per="account", cost="message"),
}
"""``smskit.RateLimit.preset`` names -> Vonage's published sending rate."""
