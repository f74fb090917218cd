"""Vonage's SMS, Account and Reports APIs: sans-I/O requests.

Every function here builds an `httpx.Request`; none performs I/O, sleeps or
reads the clock (the caller passes ``timestamp``). `_parse` reads the answers.

A send is a form POST to ``/sms/json``: either ``api_key`` + ``api_secret``
in the body, or ``api_key`` + ``timestamp`` + ``sig``, the signature computed
over exactly the parameters that go out.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from typing import Any, NamedTuple

import httpx

from smskit._exceptions import ArgumentTypeError, InvalidMessage, NotSupported
from smskit.encoding import Encoding
from smskit.providers._common import digits_only, parsed_url, path_id
from smskit.providers._protocol import OutgoingMessage
from smskit.providers.vonage import _signing as signing
from smskit.providers.vonage import _wire as wire

__all__ = [
    "NAME",
    "Account",
    "build_balance",
    "build_fetch",
    "build_send",
    "send_params",
]

NAME = "vonage"

# Parameters smskit sets itself; an option may not replace them, since a
# replaced credential or signature input would break signing, and a replaced
# recipient or text would send something other than what smskit checked.
_RESERVED = frozenset(
    {
        wire.API_KEY,
        wire.API_SECRET,
        wire.SIGNATURE,
        wire.TIMESTAMP,
        wire.FROM,
        wire.TO,
        wire.TEXT,
        wire.TYPE,
        wire.TTL,
        wire.CALLBACK,
        wire.CLIENT_REF,
    }
)


class Account(NamedTuple):
    """Where and as whom requests go: the configuration `_api` needs.

    Attributes:
        rest_url: The SMS and Account APIs' base URL (no trailing ``/``).
        reports_url: The Reports API's base URL (no trailing ``/``).
        api_key: The API key.
        api_secret: The API secret, or ``None`` (signed sends only).
        signature_secret: The signature secret, or ``None`` (unsigned sends).
        signature_method: How requests are signed.
    """

    rest_url: str
    reports_url: str
    api_key: str
    api_secret: str | None
    signature_secret: str | None
    signature_method: signing.SignatureMethod


# -- send ---------------------------------------------------------------------


def send_params(
    account: Account, message: OutgoingMessage, *, timestamp: int
) -> dict[str, str]:
    """The form parameters of a send, signed when the account signs.

    Args:
        account: The account sending it.
        message: The message.
        timestamp: Unix seconds for a signed request (ignored otherwise); a
            fresh one per attempt, so a retry is never refused as stale.

    Returns:
        The parameters, in the order they are sent.

    Raises:
        InvalidMessage: Vonage cannot send ``message`` as given (no sender,
            a validity outside 20 s to 7 days, a reference over 40
            characters, an option that names a parameter smskit sets).
        ArgumentTypeError: An option's value is not text, a number or a bool.
    """
    params = {wire.API_KEY: account.api_key}
    if account.signature_secret is None and account.api_secret is not None:
        params[wire.API_SECRET] = account.api_secret
    params.update(_message_params(message))
    params.update(_option_params(message.options))
    if account.signature_secret is not None:
        params[wire.TIMESTAMP] = str(timestamp)
        params[wire.SIGNATURE] = signing.signature(
            account.signature_secret, params, method=account.signature_method
        )
    return params


def _message_params(message: OutgoingMessage) -> dict[str, str]:
    if message.sender is None:
        raise InvalidMessage(
            "Vonage needs a sender: pass sender= to send() or to the Client"
        )
    if message.send_at is not None:
        # The client refuses send_at before building; this guards direct use.
        raise InvalidMessage("the Vonage SMS API cannot schedule a send")
    params = {
        wire.FROM: digits_only(message.sender),
        wire.TO: digits_only(message.to),
        wire.TEXT: message.body,
        # The text's own analysis decides: UCS-2 text sent as "text" would
        # arrive as question marks.
        wire.TYPE: "unicode" if message.encoding is Encoding.UCS2 else "text",
    }
    if message.validity is not None:
        params[wire.TTL] = str(_ttl_ms(message.validity))
    if message.status_callback is not None:
        params[wire.STATUS_REPORT_REQ] = "true"
        params[wire.CALLBACK] = message.status_callback
    if message.client_ref is not None:
        if len(message.client_ref) > wire.CLIENT_REF_MAX:
            raise InvalidMessage(
                f"Vonage takes a client_ref of at most {wire.CLIENT_REF_MAX} "
                f"characters, not {len(message.client_ref)}"
            )
        params[wire.CLIENT_REF] = message.client_ref
    return params


def _ttl_ms(validity: dt.timedelta) -> int:
    milliseconds = round(validity.total_seconds() * 1000)
    low, high = wire.TTL_RANGE_MS
    if not low <= milliseconds <= high:
        raise InvalidMessage(
            f"Vonage takes a validity from {low // 1000} seconds to "
            f"{high // 86_400_000} days, not {validity}"
        )
    return milliseconds


def _option_params(options: Mapping[str, Any]) -> dict[str, str]:
    params = {}
    for name, value in options.items():
        if name in _RESERVED:
            raise InvalidMessage(
                f"option {name!r} is set by smskit; use send()'s own argument"
            )
        params[name] = _option_text(name, value)
    return params


def _option_text(name: str, value: object) -> str:
    if isinstance(value, bool):  # before int: True is an int
        return "true" if value else "false"
    if isinstance(value, (str, int)):
        return str(value)
    raise ArgumentTypeError(
        f"option {name!r} must be a str, int or bool, not {type(value).__name__}"
    )


def build_send(
    account: Account, message: OutgoingMessage, *, timestamp: int
) -> httpx.Request:
    """Make the form ``POST /sms/json`` for ``message``.

    Args:
        account: The account sending it.
        message: The message.
        timestamp: Unix seconds, signed into a signed request.

    Returns:
        The request.
    """
    return httpx.Request(
        "POST",
        parsed_url(f"{account.rest_url}{wire.SEND_PATH}"),
        data=send_params(account, message, timestamp=timestamp),
        headers={"Accept": "application/json"},
    )


# -- Basic auth of the Account and Reports APIs -------------------------------


def _basic(account: Account, operation: str) -> dict[str, str]:
    """Basic auth headers, or `NotSupported` without an API secret."""
    if account.api_secret is None:
        raise NotSupported(
            f"Vonage's {operation} needs the API secret (api_secret= or "
            f"{wire.ENV_API_SECRET}); a signature secret alone only sends",
            provider=NAME,
            operation=operation,
        )
    pair = f"{account.api_key}:{account.api_secret}".encode()
    return {
        "Authorization": "Basic " + base64.b64encode(pair).decode("ascii"),
        "Accept": "application/json",
    }


# -- balance ------------------------------------------------------------------


def build_balance(account: Account) -> httpx.Request:
    """Make ``GET /account/get-balance`` (Basic auth: the secret stays out of the URL).

    Raises:
        NotSupported: The account has no API secret.
    """
    return httpx.Request(
        "GET",
        parsed_url(f"{account.rest_url}{wire.BALANCE_PATH}"),
        headers=_basic(account, "balance"),
    )


# -- status lookup (Reports API) --------------------------------------------------


def build_fetch(account: Account, message_id: str) -> httpx.Request:
    """Make the Reports API's synchronous lookup of one message (part) id.

    Raises:
        InvalidMessage: ``message_id`` cannot be a Vonage id (a comma would
            turn it into a list of ids).
        NotSupported: The account has no API secret.
    """
    checked = path_id(NAME, message_id, alphabet=wire.MESSAGE_ID)
    params = {
        wire.REPORT_ACCOUNT_ID: account.api_key,
        "product": wire.REPORT_PRODUCT,
        "direction": wire.REPORT_DIRECTION,
        wire.REPORT_ID: checked,
        wire.REPORT_INCLUDE_MESSAGE: "true",
    }
    return httpx.Request(
        "GET",
        f"{account.reports_url}{wire.REPORTS_PATH}",
        params=params,
        headers=_basic(account, "fetch"),
    )
