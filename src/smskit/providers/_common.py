"""Helpers every provider shares: ids, JSON, Retry-After, times, numbers, signing.

Everything here is plain data or a pure function. Drivers, webhook verifiers
and the local emulator all import it; it imports neither the engine
(``smskit._core``) nor the emulator.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import functools
import hmac
import json
import math
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple

import httpx

from smskit._exceptions import (
    ArgumentTypeError,
    AuthenticationError,
    InvalidMessage,
    NotFound,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
)

__all__ = [
    "MAX_ID_LENGTH",
    "SAFE_ID",
    "ErrorRule",
    "RetryCategory",
    "SignatureParams",
    "Throughput",
    "b64_hmac",
    "digits_only",
    "from_digits",
    "http_error_rule",
    "param_values",
    "parsed_url",
    "parse_retry_after",
    "path_id",
    "read_json",
    "retry_after_seconds",
    "utc",
]

MAX_ID_LENGTH = 128
"""The longest id any provider path takes; longer ones are refused unsent."""

SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")
"""Letters, digits and ``. _ ~ -``, starting with a letter or digit: no id
drawn from it can add a path segment, a query or a fragment, or be ``..``."""


def path_id(
    provider: str,
    value: object,
    *,
    what: str = "message id",
    alphabet: re.Pattern[str] = SAFE_ID,
    max_length: int = MAX_ID_LENGTH,
) -> str:
    """Check an id that goes into a URL path, and return it ready to paste.

    Every provider puts ids into URL paths through this function, so an id can
    never shape the URL: ``"SM1?admin=1"`` or ``"../../Accounts"`` are refused
    before any request is built. ``alphabet`` is the provider's id pattern
    (matched in full); the result is also percent-encoded, so a looser
    alphabet still cannot leave its path segment.

    Args:
        provider: The provider's name, for the error.
        value: The id as the caller gave it.
        what: What the id names, for the error.
        alphabet: The provider's id pattern.
        max_length: The longest id accepted.

    Returns:
        The id, percent-encoded for one path segment.

    Raises:
        ArgumentTypeError: The id is not a string.
        InvalidMessage: The id is empty, too long or outside the alphabet.
    """
    if not isinstance(value, str):
        message = f"{what} must be a str, not {type(value).__name__}"
        raise ArgumentTypeError(message)
    if not value.strip():
        raise InvalidMessage(f"{what} is empty")
    if len(value) > max_length:
        message = (
            f"{what} is {len(value)} characters long; "
            f"{provider} ids have at most {max_length}"
        )
        raise InvalidMessage(message)
    if alphabet.fullmatch(value) is None or value in {".", ".."}:
        shown = value if len(value) <= 40 else f"{value[:36]}…"
        message = (
            f"{shown!r} is not a {provider} {what}: it holds characters "
            f"{provider} ids never hold"
        )
        raise InvalidMessage(message)
    return urllib.parse.quote(value, safe="")


@functools.lru_cache(maxsize=64)
def parsed_url(url: str) -> httpx.URL:
    """``url`` as an `httpx.URL`, parsed once per distinct URL.

    `httpx.Request` parses a URL given as text on every request (about a
    third of building a send), but keeps an `httpx.URL` as it is; a URL is
    immutable, so one parsed copy can serve every request to it. Only fixed
    URLs (no ids, no query) belong here, so the memo stays small.

    Raises:
        httpx.InvalidURL: ``url`` is not a URL (not remembered).
    """
    return httpx.URL(url)


def read_json(provider: str, response: httpx.Response) -> dict[str, Any]:
    """Decode a JSON object answer, or raise a provider error that says why.

    Args:
        provider: The provider's name, for the error.
        response: The HTTP response.

    Returns:
        The decoded object (empty for an empty body).

    Raises:
        ProviderUnavailable: A 5xx answer that is not JSON (a proxy's page).
        ProviderError: Any other answer that is not a JSON object.
    """
    if not response.content:
        return {}
    try:
        data = json.loads(response.content)
    except ValueError:
        data = None
    if isinstance(data, dict):
        return data
    text = (
        f"{provider}: expected a JSON object from the API, got "
        f"{response.headers.get('content-type', 'no content type')} "
        f"(HTTP {response.status_code})"
    )
    error = ProviderUnavailable if response.status_code >= 500 else ProviderError
    raise error(text, provider=provider, http_status=response.status_code)


# -- Retry-After ----------------------------------------------------------------


def parse_retry_after(value: str | None, *, now: dt.datetime) -> float | None:
    """Read a ``Retry-After`` value as seconds from ``now``.

    Accepts delta-seconds (``"120"``, fractions allowed) and HTTP-dates
    (``"Wed, 21 Oct 2026 07:28:00 GMT"``); a date in the past means 0.

    Args:
        value: The header value, or ``None`` when absent.
        now: The current time (timezone-aware).

    Returns:
        Seconds to wait, or ``None`` when absent or unreadable.
    """
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        return _seconds_until_http_date(text, now)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _seconds_until_http_date(text: str, now: dt.datetime) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT even when unmarked
        when = when.replace(tzinfo=dt.timezone.utc)
    return max((when - now).total_seconds(), 0.0)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Seconds from the response's ``Retry-After`` header, if it has one."""
    return parse_retry_after(
        response.headers.get("retry-after"), now=dt.datetime.now(dt.timezone.utc)
    )


# -- error tables -----------------------------------------------------------------

RetryCategory = Literal["never", "throttled", "not_processed", "ambiguous", "later"]
"""What sending the same request again can achieve.

* ``never``: nothing, until something changes (credentials, the request,
  the account's credit or permissions, the recipient's consent).
* ``throttled``: the request was not processed because of its rate; repeat
  it after a backoff (or the provider's hint).
* ``not_processed``: the provider failed and documents that it did nothing;
  any request can be repeated.
* ``ambiguous``: the provider failed and may have acted; a read can be
  repeated, a send only if the caller accepts a possible duplicate.
* ``later``: refused for now, without anything to fix; an immediate retry
  is unlikely to help, a later one may (a full sender queue, a handset out
  of coverage).
"""


class ErrorRule(NamedTuple):
    """What one provider error code means to smskit.

    Attributes:
        error: The smskit exception class a driver raises for it.
        retry: What repeating the request can achieve.
    """

    error: type[ProviderError]
    retry: RetryCategory


def http_error_rule(http_status: int) -> ErrorRule:
    """The meaning of an HTTP error status when the provider's code says no more.

    Providers override this per code (and Plivo per status); it is the answer
    for a code their tables do not list.

    Args:
        http_status: The response's HTTP status.

    Returns:
        The exception class and retry category the status alone implies.
    """
    if http_status == 401:
        return ErrorRule(AuthenticationError, "never")
    if http_status == 404:
        return ErrorRule(NotFound, "never")
    if http_status == 429:
        return ErrorRule(RateLimited, "throttled")
    if http_status >= 500:
        # Without the provider documenting otherwise, a 5xx may have been
        # processed: a send that got one may be out.
        return ErrorRule(ProviderUnavailable, "ambiguous")
    return ErrorRule(ProviderError, "never")


# -- throughput -----------------------------------------------------------------


class Throughput(NamedTuple):
    """A provider's documented sending rate, as plain numbers.

    ``smskit.RateLimit.preset`` turns each provider's table of these into a
    `smskit.RateLimit` (same field names and meanings).

    Attributes:
        rate: Tokens per second.
        burst: The bucket's size.
        per: ``"account"`` or ``"sender"``: who shares one bucket.
        cost: ``"message"`` or ``"segment"``: what one token pays for.
    """

    rate: float
    burst: float
    per: Literal["account", "sender"]
    cost: Literal["message", "segment"]


# -- times and numbers ----------------------------------------------------------


def utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` converted to UTC (a naive ``moment`` is taken as local time)."""
    return moment.astimezone(dt.timezone.utc)


def _ascii_digits(text: str) -> bool:
    # str.isdigit() is also true for "²" and "٣", which int() or E.164 refuse.
    return text.isascii() and text.isdigit()


def digits_only(number: str) -> str:
    """An E.164 number the way Vonage and Plivo write it: without the ``+``.

    Anything else (an alphanumeric sender, a short code) is returned as it is.
    """
    return number[1:] if number.startswith("+") else number


def from_digits(number: str) -> str:
    """A number written as Vonage and Plivo write it, back in E.164.

    ``"14155550100"`` and ``"0014155550100"`` become ``"+14155550100"``;
    spaces are ignored. Anything that is not all ASCII digits (an alphanumeric
    sender, a typo) is returned without its spaces and otherwise unchanged,
    for the caller to judge.
    """
    text = number.strip().replace(" ", "")
    if text.startswith("+"):
        return text
    if text.startswith("00") and _ascii_digits(text[2:]):
        return "+" + text[2:]
    return "+" + text if _ascii_digits(text) else text


# -- signing --------------------------------------------------------------------

SignatureParams = Mapping[str, "str | Sequence[str]"]
"""Request parameters: each name with one value or a sequence of values."""


def param_values(value: str | Sequence[str]) -> list[str]:
    """The values of one parameter, as a list (one value or several)."""
    return [value] if isinstance(value, str) else list(value)


def b64_hmac(key: str, message: str, digest: str) -> str:
    """``base64(HMAC-<digest>(key, message))``, both texts taken as UTF-8."""
    mac = hmac.new(key.encode("utf-8"), message.encode("utf-8"), digest)
    return base64.b64encode(mac.digest()).decode("ascii")
