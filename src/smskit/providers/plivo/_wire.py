"""Plivo's Message API v1 on the wire (providers.md §3).

Plain data and pure functions; the driver, webhook parsing and the local
emulator all read them from here. Numbers go out as digits without ``+``
(`smskit.providers._common.digits_only`); every path ends with ``/``.
"""

from __future__ import annotations

import datetime as dt
import re

from smskit._models import Status
from smskit.providers._common import Throughput, utc

__all__ = [
    "ACCOUNT_PATH",
    "AUTH_ID",
    "BASE_URL",
    "CASH_CREDITS",
    "COLLAPSED",
    "DESTINATION_SEPARATOR",
    "DST",
    "ENV_AUTH_ID",
    "ENV_AUTH_TOKEN",
    "HOST",
    "INVALID_NUMBER",
    "LIMIT",
    "LIST_FILTERS",
    "LOG",
    "MAX_DESTINATIONS",
    "MAX_LIST_LIMIT",
    "MAX_TEXT_CHARACTERS",
    "MESSAGES_PATH",
    "MESSAGE_EXPIRY",
    "MESSAGE_PATH",
    "MESSAGE_UUID",
    "MESSAGE_UUIDS",
    "METHOD",
    "NO_ERROR",
    "NEXT",
    "OBJECTS",
    "OFFSET",
    "POWERPACK_UUID",
    "SRC",
    "STATUSES",
    "TEXT",
    "TRACKABLE",
    "THROUGHPUT",
    "TIME_FILTERS",
    "TYPE",
    "TYPE_SMS",
    "URL",
    "USD",
    "format_callback_time",
    "format_message_time",
    "parse_time",
]

# -- host and paths (§3.1, §3.3) ----------------------------------------------

HOST = "api.plivo.com"
BASE_URL = f"https://{HOST}"
AUTH_ID = re.compile(r"[MS]A[A-Za-z0-9]{18}")
"""An Auth ID: ``MA`` (main account) or ``SA`` (subaccount) and 18 more
letters or digits, 20 in all; the SDK refuses other shapes before sending."""
MESSAGE_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
"""A ``message_uuid``: a UUID in its 36-character form."""
ACCOUNT_PATH = "/v1/Account/{auth_id}/"
"""The Account object (``cash_credits`` is the balance)."""
MESSAGES_PATH = "/v1/Account/{auth_id}/Message/"
"""Send (POST, JSON) and list (GET)."""
MESSAGE_PATH = "/v1/Account/{auth_id}/Message/{message_uuid}/"

# -- send parameters (§3.2) ---------------------------------------------------

SRC = "src"
DST = "dst"
TEXT = "text"
TYPE = "type"
TYPE_SMS = "sms"
URL = "url"
METHOD = "method"
"""The status callback's method, ``GET`` or ``POST`` (the default)."""
LOG = "log"
"""``"true"`` / ``"false"`` as a string: false keeps no content and masks dst."""
POWERPACK_UUID = "powerpack_uuid"
MESSAGE_EXPIRY = "message_expiry"
"""Seconds the message may wait before it is dropped."""
DESTINATION_SEPARATOR = "<"
"""Several destinations go in one ``dst``, joined with ``<``."""
MAX_DESTINATIONS = 1000
"""Unique destinations one request may carry."""
MAX_TEXT_CHARACTERS = 1600
TRACKABLE = "trackable"
"""A boolean; the official SDK always sends ``false``."""

# -- the answer to a send (§3.2) ------------------------------------------------

MESSAGE_UUIDS = "message_uuid"
"""A list: one UUID per accepted destination, in the order of ``dst``."""
INVALID_NUMBER = "invalid_number"
"""A list of the destinations of a bulk send Plivo refused (absent when none)."""

# -- list (§3.3) --------------------------------------------------------------

LIMIT = "limit"
OFFSET = "offset"
MAX_LIST_LIMIT = 20
OBJECTS = "objects"
NEXT = "next"
"""``meta.next``: the next page's path and query, ``null`` on the last page."""
TIME_FILTERS = (
    "message_time__gt",
    "message_time__gte",
    "message_time__lt",
    "message_time__lte",
)
LIST_FILTERS = (
    "message_direction",
    "message_state",
    "message_type",
    "error_code",
    "powerpack_id",
    "from_number",
    "to_number",
    "subaccount",
    *TIME_FILTERS,
)
"""List filters; ``meta.next`` is the next page's path (it may carry an
opaque ``cursor`` instead of an offset), ``null`` on the last page."""

CASH_CREDITS = "cash_credits"
"""The Account object's balance: a decimal string."""
USD = "USD"
"""Plivo bills, prices and reports credit in US dollars."""

NO_ERROR = "000"
"""``error_code`` of a message that has not failed."""

# -- message states (§3.5, §4) ------------------------------------------------

STATUSES: dict[str, Status] = {
    "queued": Status.QUEUED,
    "sent": Status.SENT,  # passed to the carrier
    "delivered": Status.DELIVERED,
    "undelivered": Status.UNDELIVERED,
    "failed": Status.FAILED,  # never reached a carrier
    "rejected": Status.REJECTED,  # in the SDK's filter and older docs
    "read": Status.READ,  # WhatsApp
    "received": Status.RECEIVED,  # inbound
}
"""``message_state`` / a status callback's ``Status`` -> smskit's `Status`."""

COLLAPSED: dict[Status, str] = {
    # Plivo has no word between queued and sent.
    Status.SENDING: "queued",
    # Expiry is reported as an error code on an undelivered message.
    Status.EXPIRED: "undelivered",
    # Where no delivery receipts exist a message stays sent forever.
    Status.UNKNOWN: "sent",
}
"""States Plivo has no word of its own for, and the word it reports instead."""

# -- dates (§3.3, §3.6) -------------------------------------------------------


def format_callback_time(moment: dt.datetime) -> str:
    """A status callback's times: ``YYYY-mm-dd HH:MM:SS.ffffff`` in UTC."""
    return utc(moment).strftime("%Y-%m-%d %H:%M:%S.%f")


def format_message_time(moment: dt.datetime) -> str:
    """An MDR's ``message_time`` (and a ``message_time__*`` filter), in UTC."""
    return utc(moment).strftime("%Y-%m-%d %H:%M:%S+00:00")


def parse_time(text: str) -> dt.datetime:
    """A Plivo time: ``YYYY-MM-DD HH:MM[:SS[.ffffff]]``, UTC unless it says.

    Raises:
        ValueError: ``text`` is not such a time.
    """
    moment = dt.datetime.fromisoformat(text.replace("T", " "))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


# -- configuration (§3.1, §3.4) -----------------------------------------------

ENV_AUTH_ID = "PLIVO_AUTH_ID"
ENV_AUTH_TOKEN = "PLIVO_AUTH_TOKEN"  # noqa: S105 -- a variable's name, not a secret

THROUGHPUT: dict[str, Throughput] = {
    # 300 API requests per 5 seconds per account (and at most 100 at once):
    # 60 per second, with bursts of 300. Messages beyond a number's own rate
    # are queued, not refused.
    "plivo": Throughput(rate=60, burst=300, per="account", cost="message"),
}
"""``smskit.RateLimit.preset`` names -> Plivo's published API rate."""
