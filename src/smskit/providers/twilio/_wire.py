"""Twilio's REST API 2010-04-01 on the wire: hosts, paths, names, words, dates.

Plain data and pure functions from providers.md §1 (sections cited inline);
the driver, webhook parsing and the local emulator all read them from here.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re

from smskit._models import Status
from smskit.providers._common import Throughput, utc

__all__ = [
    "ACCOUNT_PATH",
    "ACCOUNT_SID_PATTERN",
    "API_KEY_SID_PATTERN",
    "DATE_SENT_AFTER",
    "DATE_SENT_BEFORE",
    "ENV_API_KEY",
    "ENV_API_SECRET",
    "MAX_PAGE_SIZE",
    "MESSAGE_SID_PATTERN",
    "MESSAGING_SERVICE_SID_PATTERN",
    "REGION_EDGES",
    "REQUEST_ID_HEADER",
    "STATUS_CANCELED",
    "API_VERSION",
    "BALANCE_PATH",
    "BODY",
    "COLLAPSED",
    "DEFAULT_HOST",
    "DEFAULT_REGION",
    "EDGES",
    "EDGE_HOST",
    "ENV_ACCOUNT_SID",
    "ENV_AUTH_TOKEN",
    "ENV_EDGE",
    "ENV_REGION",
    "FROM",
    "LIST_FILTERS",
    "MAX_BODY_CHARACTERS",
    "MESSAGES_PATH",
    "MESSAGE_PATH",
    "MESSAGING_SERVICE_SID",
    "NEXT_PAGE_URI",
    "PAGE",
    "PAGE_SIZE",
    "PAGE_TOKEN",
    "REGIONS",
    "SCHEDULE_TYPE",
    "SCHEDULE_TYPE_FIXED",
    "SCHEDULE_WINDOW",
    "SEND_AT",
    "SMART_ENCODED",
    "STATUS",
    "STATUSES",
    "STATUS_CALLBACK",
    "THROUGHPUT",
    "TO",
    "VALIDITY_PERIOD",
    "VALIDITY_PERIOD_RANGE",
    "format_date",
    "format_dlr_done_date",
    "format_send_at",
    "parse_date",
    "parse_date_filter",
]

# -- hosts and paths (§1.1, §1.4) ---------------------------------------------

API_VERSION = "2010-04-01"
DEFAULT_HOST = "api.twilio.com"
DEFAULT_REGION = "us1"
REGIONS = ("us1", "ie1", "au1")
"""Processing regions; credentials and data are per region."""
EDGES = (
    "sydney",
    "sao-paulo",
    "dublin",
    "frankfurt",
    "tokyo",
    "singapore",
    "ashburn",
    "umatilla",
    "roaming",
)
EDGE_HOST = "api.{edge}.{region}.twilio.com"
"""The host for an edge and a region. The short form ``api.{region}.twilio.com``
is documented as stopping on 2026-04-28, so a non-US region needs an edge."""

REGION_EDGES = {"ie1": "dublin", "au1": "sydney"}
"""The one edge each non-US region is reached through for the REST API
(``api.dublin.ie1.twilio.com``, ``api.sydney.au1.twilio.com``); ``us1``
takes any edge of `EDGES`, or none (``api.twilio.com``)."""

ACCOUNT_PATH = f"/{API_VERSION}/Accounts/{{account_sid}}"
MESSAGES_PATH = f"{ACCOUNT_PATH}/Messages.json"
"""Create (POST, form) and list (GET)."""
MESSAGE_PATH = f"{ACCOUNT_PATH}/Messages/{{sid}}.json"
"""Fetch (GET), update: cancel or redact (POST), delete (DELETE)."""
BALANCE_PATH = f"{ACCOUNT_PATH}/Balance.json"
REQUEST_ID_HEADER = "Twilio-Request-Id"
"""The response header naming the request (``RQ…``), for support tickets."""

# -- ids (§1.2, §1.3) ---------------------------------------------------------

ACCOUNT_SID_PATTERN = re.compile(r"AC[0-9a-fA-F]{32}")
API_KEY_SID_PATTERN = re.compile(r"SK[0-9a-fA-F]{32}")
MESSAGE_SID_PATTERN = re.compile(r"(?:SM|MM)[0-9a-fA-F]{32}")
"""``SM`` + 32 hex for an SMS, ``MM`` for an MMS."""
MESSAGING_SERVICE_SID_PATTERN = re.compile(r"MG[0-9a-fA-F]{32}")

# -- parameters (§1.3, §1.4) --------------------------------------------------

TO = "To"
FROM = "From"
MESSAGING_SERVICE_SID = "MessagingServiceSid"
BODY = "Body"
STATUS_CALLBACK = "StatusCallback"
VALIDITY_PERIOD = "ValidityPeriod"
"""Seconds a message may wait in Twilio's queue, `VALIDITY_PERIOD_RANGE`."""
VALIDITY_PERIOD_RANGE = (1, 36_000)
SMART_ENCODED = "SmartEncoded"
"""``"true"`` or ``"false"``, lower case."""
SCHEDULE_TYPE = "ScheduleType"
SCHEDULE_TYPE_FIXED = "fixed"
"""The only ``ScheduleType`` (anything else is error 35126)."""
SEND_AT = "SendAt"
SCHEDULE_WINDOW = (dt.timedelta(minutes=5), dt.timedelta(days=35))
"""How far ahead ``SendAt`` may be (error 35115 outside it). Older docs said
15 minutes at the least."""
STATUS = "Status"
"""Updating a scheduled message with ``Status=canceled`` cancels it."""
STATUS_CANCELED = "canceled"
MAX_BODY_CHARACTERS = 1600
"""Longer bodies are refused with 21617."""

LIST_FILTERS = ("To", "From", "DateSent", "DateSent<", "DateSent>")
"""List filters. ``DateSent`` is one day; the ``<``/``>`` are part of the
names (percent-encoded on the wire) and include the bound."""
DATE_SENT_BEFORE = "DateSent<"
"""Sent on or before this moment (``DateSent<=…`` in Twilio's examples)."""
DATE_SENT_AFTER = "DateSent>"
"""Sent on or after this moment (``DateSent>=…`` in Twilio's examples)."""
PAGE_SIZE = "PageSize"
MAX_PAGE_SIZE = 1000
PAGE = "Page"
PAGE_TOKEN = "PageToken"  # noqa: S105 -- a parameter's name
NEXT_PAGE_URI = "next_page_uri"
"""Where the next page is (a path on the API host), ``null`` on the last."""

# -- status words (§1.6, §4) --------------------------------------------------

STATUSES: dict[str, Status] = {
    # A Messaging Service has it and has not picked a sender yet.
    "accepted": Status.QUEUED,
    "scheduled": Status.SCHEDULED,
    "queued": Status.QUEUED,
    "sending": Status.SENDING,
    "sent": Status.SENT,
    "delivered": Status.DELIVERED,
    "read": Status.READ,
    "undelivered": Status.UNDELIVERED,
    "failed": Status.FAILED,
    "canceled": Status.CANCELED,
    # Inbound: being received (long messages are reassembled) and received.
    "receiving": Status.RECEIVED,
    "received": Status.RECEIVED,
    # In the 9.13 SDK's enum; its meaning is not documented.
    "partially_delivered": Status.UNKNOWN,
}
"""Twilio's ``status`` / ``MessageStatus`` word -> smskit's `Status`."""

COLLAPSED: dict[Status, str] = {
    # Carrier filtering shows as undelivered with error 30007.
    Status.REJECTED: "undelivered",
    # A ValidityPeriod that runs out shows as failed.
    Status.EXPIRED: "failed",
    # Without a delivery receipt a message stays sent.
    Status.UNKNOWN: "sent",
}
"""States Twilio has no word of its own for, and the word it reports instead.

Reading that word gives `STATUSES`' answer, not the state itself."""

# -- dates (§1.3, §1.4, §1.7) -------------------------------------------------


def format_date(moment: dt.datetime) -> str:
    """A resource date as Twilio writes it: ``Sun, 01 Jun 2025 12:00:00 +0000``."""
    return email.utils.format_datetime(utc(moment))


def parse_date(text: str) -> dt.datetime:
    """A resource date (RFC 2822), timezone-aware.

    Raises:
        ValueError: ``text`` is not an RFC 2822 date with a zone.
    """
    moment = email.utils.parsedate_to_datetime(text)
    if moment.tzinfo is None:
        raise ValueError(f"not a Twilio date (no zone): {text!r}")
    return moment


def format_send_at(moment: dt.datetime) -> str:
    """``SendAt``: ISO 8601 in UTC with ``Z``.

    The moment is converted to UTC first: twilio-python formats an aware
    datetime without converting it, which sends a ``+02:00`` time two hours
    late (§1.3).
    """
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date_filter(text: str) -> dt.date | dt.datetime:
    """A ``DateSent`` filter value: ``YYYY-MM-DD``, or ISO 8601 (UTC when bare).

    Raises:
        ValueError: ``text`` is neither.
    """
    if len(text) == 10:
        return dt.date.fromisoformat(text)
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def format_dlr_done_date(moment: dt.datetime) -> str:
    """``RawDlrDoneDate`` of a status callback: ``YYMMDDhhmm`` in UTC."""
    return utc(moment).strftime("%y%m%d%H%M")


# -- configuration (§1.1) -----------------------------------------------------

ENV_ACCOUNT_SID = "TWILIO_ACCOUNT_SID"
ENV_AUTH_TOKEN = "TWILIO_AUTH_TOKEN"  # noqa: S105 -- a variable's name, not a secret
ENV_REGION = "TWILIO_REGION"
ENV_EDGE = "TWILIO_EDGE"
ENV_API_KEY = "TWILIO_API_KEY"
ENV_API_SECRET = "TWILIO_API_SECRET"  # noqa: S105 -- a variable's name

# Per-sender throughput, in segments per second. Twilio queues what exceeds
# it (error 30001 when the queue overflows) rather than refusing it.
THROUGHPUT: dict[str, Throughput] = {
    # US long codes: 1 message segment per second.
    "twilio-long-code": Throughput(rate=1, burst=1, per="sender", cost="segment"),
    # Toll-free numbers: 3 segments per second by default.
    "twilio-toll-free": Throughput(rate=3, burst=3, per="sender", cost="segment"),
    # Short codes: 100 segments per second.
    "twilio-short-code": Throughput(rate=100, burst=100, per="sender", cost="segment"),
}
"""``smskit.RateLimit.preset`` names -> Twilio's published sending rates."""
