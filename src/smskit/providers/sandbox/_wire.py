"""Reading the sandbox API's requests: JSON bodies and query strings.

Every function here either returns `SandboxState`'s arguments or raises
`Invalid`, which the server answers with a 400 before touching its state.
Nothing here knows about routes or faults (that is `_server.py`).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import re
from typing import TYPE_CHECKING, Any

import httpx

from smskit.providers.sandbox._record import Listing, Position

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "MAX_BATCH",
    "MAX_PAGE_SIZE",
    "MESSAGE_ID",
    "Invalid",
    "batch_recipients",
    "error_response",
    "json_object",
    "list_query",
    "page_token",
    "send_fields",
    "text",
]

MESSAGE_ID = re.compile(r"[A-Za-z0-9]+")
MAX_PAGE_SIZE = 1000
MAX_BATCH = 100
_OPTIONS = frozenset({"tag", "parts"})
# Optional string fields of a send, each with the code a non-string gets.
_OPTIONAL_TEXT = {
    "from": "invalid_from",
    "client_ref": "invalid_client_ref",
    "status_callback": "invalid_status_callback",
}


class Invalid(Exception):
    """A request the sandbox refuses with a 400 before touching its state."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def response(self) -> httpx.Response:
        """The 400 answer naming this problem."""
        return error_response(400, self.code, self.message)


def error_response(status: int, code: str, message: str) -> httpx.Response:
    """The sandbox API's error answer: ``{"error": {"code", "message", ...}}``."""
    return httpx.Response(
        status, json={"error": {"code": code, "message": message, "status": status}}
    )


def json_object(content: bytes) -> dict[str, Any]:
    """A request body that must be a JSON object.

    Raises:
        Invalid: It is not JSON, or not an object.
    """
    try:
        payload = json.loads(content)
    except ValueError:  # UnicodeDecodeError too
        raise Invalid("invalid_json", "request body is not JSON") from None
    if not isinstance(payload, dict):
        raise Invalid("invalid_json", "request body must be a JSON object")
    return payload


def send_fields(payload: Mapping[str, Any]) -> dict[str, Any]:
    """`SandboxState.submit`'s keyword arguments from a send, all but ``to``.

    The body is passed on as given (a non-string as ``""``) so the state
    refuses it with its own code; the state also checks the sender's number.

    Raises:
        Invalid: ``from``, ``client_ref``, ``status_callback``, ``validity``,
            ``send_at``, ``options`` or ``smart_encoded`` is malformed, or
            ``options`` names a key the sandbox lacks.
    """
    for name, code in _OPTIONAL_TEXT.items():
        if not isinstance(payload.get(name), (str, type(None))):
            raise Invalid(code, f"{name!r} must be a string")
    validity = payload.get("validity")
    if validity is not None and _seconds(validity) is None:
        raise Invalid("invalid_validity", "'validity' must be seconds > 0")
    send_at = payload.get("send_at")
    moment = None if send_at is None else _moment(send_at)
    if send_at is not None and moment is None:
        raise Invalid(
            "invalid_send_at", "'send_at' must be an ISO 8601 time with an offset"
        )
    smart = payload.get("smart_encoded", False)
    if not isinstance(smart, bool):
        raise Invalid("invalid_smart_encoded", "'smart_encoded' must be a boolean")
    return {
        "body": text(payload.get("body")),
        "sender": payload.get("from"),
        "client_ref": payload.get("client_ref"),
        "status_callback": payload.get("status_callback"),
        "validity": _seconds(validity),
        "send_at": moment,
        "smart_encoded": smart,
        **_options(payload.get("options")),
    }


def batch_recipients(payload: Mapping[str, Any]) -> list[str]:
    """A batch's recipients, as given: 1 to `MAX_BATCH` strings.

    Each string is checked later, on its own: a bad number refuses only its
    own recipient, while a ``to`` that is not such a list refuses the batch.

    Raises:
        Invalid: ``to`` is missing, empty, too long or not a list of strings.
    """
    to = payload.get("to")
    if to is None or to == []:
        raise Invalid("missing_to", "'to' must list at least one recipient")
    if not isinstance(to, list):
        raise Invalid("invalid_to", "'to' must be a list of E.164 strings")
    if len(to) > MAX_BATCH:
        raise Invalid(
            "too_many_recipients",
            f"'to' lists {len(to)} recipients; a batch takes at most {MAX_BATCH}",
        )
    for index, item in enumerate(to):
        if not isinstance(item, str):
            # The item's type, not its value: it may be someone's number.
            kind = type(item).__name__
            raise Invalid("invalid_to", f"'to'[{index}] must be a string, not {kind}")
    return to


def _options(options: object) -> dict[str, Any]:
    """The provider-specific ``options`` as `SandboxState.submit` arguments."""
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise Invalid("invalid_option", "'options' must be a JSON object")
    unknown = sorted(set(options) - _OPTIONS)
    if unknown:
        known = ", ".join(sorted(_OPTIONS))
        raise Invalid(
            "unknown_option",
            f"unknown option {unknown[0]!r}; the sandbox knows {known}",
        )
    tag, parts = options.get("tag"), options.get("parts", False)
    if tag is not None and not isinstance(tag, str):
        raise Invalid("invalid_option", "option 'tag' must be a string")
    if not isinstance(parts, bool):
        raise Invalid("invalid_option", "option 'parts' must be a boolean")
    return {"tag": tag, "parts": parts}


def list_query(params: httpx.QueryParams) -> Listing:
    """The listing a query string asks for; an empty parameter counts as absent.

    Raises:
        Invalid: A time, the page size or the page token is malformed.
    """
    token = params.get("page_token") or None
    return Listing(
        to=params.get("to") or None,
        sender=params.get("from") or None,
        sent_after=_time_param(params, "sent_after"),
        sent_before=_time_param(params, "sent_before"),
        page_size=_page_size(params.get("page_size") or None),
        after=None if token is None else _position(token),
    )


def _time_param(params: httpx.QueryParams, name: str) -> dt.datetime | None:
    given = params.get(name) or None
    if given is None:
        return None
    moment = _moment(given)
    if moment is None:
        raise Invalid(
            f"invalid_{name}", f"{name!r} must be an ISO 8601 time with an offset"
        )
    return moment


def _page_size(given: str | None) -> int:
    if given is None:
        return Listing().page_size
    # ASCII digits only (int() would also take " 7", "+7", "1_0" and "٣"), and
    # few of them, so a huge number is refused before int() works on it.
    size = int(given) if re.fullmatch(r"[0-9]{1,7}", given) else 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise Invalid(
            "invalid_page_size",
            f"'page_size' must be a whole number from 1 to {MAX_PAGE_SIZE}",
        )
    return size


def page_token(position: Position) -> str:
    """An opaque page token for a listing's position."""
    created_at, message_id = position
    plain = f"{created_at.isoformat()}|{message_id}"
    return base64.urlsafe_b64encode(plain.encode()).decode().rstrip("=")


def _position(token: str) -> Position:
    """The position a page token stands for.

    Raises:
        Invalid: The token was not made by `page_token`.
    """
    try:
        padded = token + "=" * (-len(token) % 4)
        plain = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        plain = ""
    created, _, message_id = plain.partition("|")
    moment = _moment(created)
    if moment is None or MESSAGE_ID.fullmatch(message_id) is None:
        raise Invalid("invalid_page_token", "'page_token' is not one this API gave")
    return (moment, message_id)


def _moment(value: object) -> dt.datetime | None:
    """An ISO 8601 time with an offset, in UTC; ``None`` if it is not one."""
    if not isinstance(value, str):
        return None
    iso = value[:-1] + "+00:00" if value[-1:] in {"Z", "z"} else value
    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return None
    if moment.utcoffset() is None:
        return None
    try:
        return moment.astimezone(dt.timezone.utc)
    except OverflowError:  # e.g. year 1 at +01:00 is before datetime.min
        return None


def _seconds(value: object) -> float | None:
    """A finite, positive number of seconds, or ``None``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        seconds = float(value)
    except OverflowError:  # an integer beyond any float
        return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def text(value: object) -> str:
    """``value`` if it is a string, else ``""`` (which no check accepts)."""
    return value if isinstance(value, str) else ""
