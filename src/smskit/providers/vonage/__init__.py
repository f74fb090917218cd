"""Vonage's SMS API (``rest.nexmo.com/sms/json``): the `Vonage` provider.

``_wire`` (hosts, paths, parameter names, status words, dates, environment
variables, throughput), ``_errors`` (send statuses, DLR error codes, the
throttle hint) and ``_signing`` (``sig``) are plain data and pure functions,
shared by the driver, webhook verification and the local emulator.
``_api`` builds the requests and ``_parse`` reads the answers; ``_webhooks``
verifies and reads the webhooks Vonage sends. `Vonage` holds the
configuration and hands them to smskit's clients and `smskit.webhooks`.
"""

from __future__ import annotations

import datetime as dt
import os
import urllib.parse
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, NoReturn, get_args

from smskit._exceptions import ConfigurationError, OptionTypeError
from smskit.providers.vonage import _api, _parse, _webhooks
from smskit.providers.vonage import _wire as wire
from smskit.providers.vonage._signing import SignatureMethod

if TYPE_CHECKING:
    import httpx

    from smskit._models import Balance, InboundMessage, Message, StatusEvent
    from smskit.providers._protocol import (
        OutgoingMessage,
        WebhookReply,
        WebhookRequest,
    )

__all__ = ["Vonage"]

Clock = Callable[[], dt.datetime]
"""Returns the current moment, timezone-aware."""


def _system_clock() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Vonage:
    """Vonage's SMS API: send, look up through the Reports API, balance, webhooks.

    Each credential comes from its argument or, when the argument is
    ``None``, from its environment variable. Sends are signed when a
    signature secret is given (the API secret then never goes out with a
    send); otherwise ``api_key`` and ``api_secret`` travel in the form body.
    Looking a message up and the balance need the API secret (Basic auth);
    without it they raise `smskit.NotSupported`.

    Webhooks (delivery receipts, inbound SMS) are verified with the
    signature secret: the SMS API's ``sig`` and ``timestamp``, or an HS256
    JWT in ``Authorization: Bearer``. Without a signature secret every
    webhook is refused, since an unsigned one proves nothing.

    Vonage cannot list, schedule or cancel SMS.

    Args:
        api_key: The API key (``VONAGE_API_KEY``).
        api_secret: The API secret (``VONAGE_API_SECRET``).
        signature_secret: The signature secret for signed requests
            (``VONAGE_SIGNATURE_SECRET``); signing must be enabled on the
            account.
        signature_method: The account's signing method: ``"md5hash"`` (the
            dashboard's default "MD5 hash"), or an HMAC: ``"md5"``,
            ``"sha1"``, ``"sha256"``, ``"sha512"``.
        webhook_window: How far, in seconds (or a ``timedelta``), a
            webhook's signed ``timestamp`` (or its token's ``iat``) may be
            from now, in the past or the future; 300 by default. Older
            webhooks are refused as replays.
        base_url: The SMS and Account APIs' base URL (the local emulator's,
            say); ``https://rest.nexmo.com`` by default.
        reports_base_url: The Reports API's base URL; ``base_url`` when that
            is given, else ``https://api.nexmo.com``.
        clock: Returns the current time (timezone-aware) for signed requests'
            ``timestamp``; the system clock by default.
        environ: Where to read the variables; ``os.environ`` by default.

    Raises:
        ConfigurationError: The API key is missing, or both secrets are; a
            URL is not an absolute ``http``/``https`` URL; an unknown
            signature method; a ``webhook_window`` that is not positive.
        OptionTypeError: An argument of the wrong type.

    Example:
        ```python
        provider = smskit.providers.Vonage(api_key="abcd1234", api_secret="...")
        with smskit.Client(provider, sender="AcmeInc") as client:
            client.send(to="+447700900001", body="Your code is 123456")
        ```
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        api_secret: str | None = None,
        signature_secret: str | None = None,
        signature_method: SignatureMethod = "md5hash",
        webhook_window: float | dt.timedelta = _webhooks.DEFAULT_WINDOW,
        base_url: str | None = None,
        reports_base_url: str | None = None,
        clock: Clock | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        source = os.environ if environ is None else environ
        key = _credential("api_key", api_key, wire.ENV_API_KEY, source)
        secret = _credential("api_secret", api_secret, wire.ENV_API_SECRET, source)
        signature_key = _credential(
            "signature_secret", signature_secret, wire.ENV_SIGNATURE_SECRET, source
        )
        if key is None:
            raise ConfigurationError(
                f"Vonage needs an API key: pass api_key= or set {wire.ENV_API_KEY}"
            )
        if secret is None and signature_key is None:
            raise ConfigurationError(
                "Vonage needs a secret: pass api_secret= or set "
                f"{wire.ENV_API_SECRET} (or signature_secret= / "
                f"{wire.ENV_SIGNATURE_SECRET} to sign requests)"
            )
        if signature_method not in get_args(SignatureMethod):
            choices = ", ".join(get_args(SignatureMethod))
            raise ConfigurationError(f"signature_method must be one of {choices}")
        if clock is not None and not callable(clock):
            raise ConfigurationError("clock must be a callable returning a datetime")
        rest_url = _url("base_url", base_url, f"https://{wire.REST_HOST}")
        reports_default = rest_url if base_url is not None else None
        reports_url = _url(
            "reports_base_url",
            reports_base_url,
            reports_default or f"https://{wire.REPORTS_HOST}",
        )
        self._account = _api.Account(
            rest_url=rest_url,
            reports_url=reports_url,
            api_key=key,
            api_secret=secret,
            signature_secret=signature_key,
            signature_method=signature_method,
        )
        self._clock = clock or _system_clock
        self._webhook_window = _window(webhook_window)

    def __repr__(self) -> str:
        # The key names the account and is no secret; the secrets never show.
        auth = (
            f"signed ({self._account.signature_method})" if self.signs else "api_secret"
        )
        return f"<Vonage api_key={self._account.api_key!r} auth={auth}>"

    def __reduce__(self) -> NoReturn:
        # A pickle would carry the secrets in clear.
        raise TypeError(
            "a Vonage provider holds secrets and cannot be pickled: create one "
            "in each process (from the environment, say)"
        )

    @property
    def name(self) -> str:
        """Always ``"vonage"``."""
        return _api.NAME

    @property
    def rate_limit_key(self) -> str:
        """``vonage:<api_key>``: Vonage's throughput is per API key."""
        return f"vonage:{self._account.api_key}"

    @property
    def api_key(self) -> str:
        """The API key (the account's id, not a secret)."""
        return self._account.api_key

    @property
    def signs(self) -> bool:
        """Whether sends are signed with the signature secret."""
        return self._account.signature_secret is not None

    def _timestamp(self) -> int:
        now: object = self._clock()  # a user's callable: trust no annotation
        if not isinstance(now, dt.datetime) or now.utcoffset() is None:
            raise ConfigurationError("clock must return a timezone-aware datetime")
        return int(now.timestamp())

    def build_send(self, message: OutgoingMessage) -> httpx.Request:
        """Make the form POST that sends ``message``, signed afresh if signing.

        The client calls this once per attempt, so each retry carries a new
        ``timestamp`` and signature.
        """
        timestamp = self._timestamp() if self.signs else 0
        return _api.build_send(self._account, message, timestamp=timestamp)

    def parse_send(self, message: OutgoingMessage, response: httpx.Response) -> Message:
        """Read the answer to a send (see the Vonage guide for a partly refused one)."""
        return _parse.parse_send(message, response)

    def build_fetch(self, message_id: str) -> httpx.Request:
        """Make the Reports API lookup of one message (part) id."""
        return _api.build_fetch(self._account, message_id)

    def parse_fetch(self, response: httpx.Response) -> Message:
        """Read the Reports API's record."""
        return _parse.parse_fetch(response)

    def build_balance(self) -> httpx.Request:
        """Make the request for the account balance."""
        return _api.build_balance(self._account)

    def parse_balance(self, response: httpx.Response) -> Balance:
        """Read the account balance, in euros."""
        return _parse.parse_balance(response)

    @property
    def webhook_window(self) -> float:
        """Seconds a webhook's signed time may be from now, either way."""
        return self._webhook_window

    def verify_webhook(self, request: WebhookRequest, *, now: dt.datetime) -> None:
        """Check a webhook's signature and age, or raise.

        A request with ``Authorization: Bearer`` is checked as an HS256 JWT
        (signature, ``payload_hash`` against the body, ``iat``); any other as
        the SMS API's signed parameters (``sig``, ``timestamp``).

        Raises:
            WebhookVerificationError: No signature secret is configured, or
                the request is unsigned, wrongly signed or outside
                `webhook_window`; the message says which and names the URL.
            WebhookPayloadError: The body cannot be read for its parameters.
            ConfigurationError: ``now`` is naive.
        """
        _webhooks.verify(
            request,
            signature_secret=self._account.signature_secret,
            signature_method=self._account.signature_method,
            api_key=self._account.api_key,
            now=now,
            window=self._webhook_window,
        )

    def parse_webhook(
        self, request: WebhookRequest
    ) -> tuple[StatusEvent | InboundMessage, ...]:
        """Read a delivery receipt (one per part) or an inbound SMS (one part).

        Raises:
            WebhookPayloadError: A field is missing or malformed.
        """
        return _webhooks.parse(request)

    def webhook_nonce(self, request: WebhookRequest) -> str | None:
        """The signed ``nonce`` parameter, or the JWT's ``jti``."""
        return _webhooks.nonce(request)

    def webhook_reply(
        self, items: tuple[StatusEvent | InboundMessage, ...]
    ) -> WebhookReply:
        """``204 No Content`` for any accepted webhook (Vonage takes 200 or 204)."""
        return _webhooks.reply()


def _credential(
    name: str, value: object, variable: str, environ: Mapping[str, str]
) -> str | None:
    """The argument, else the environment variable; empty counts as missing."""
    if value is None:
        value = environ.get(variable) or None
        return None if value is None else str(value).strip() or None
    text = _text(name, value)
    if not text.strip():
        raise ConfigurationError(f"{name} is empty; pass it or set {variable}")
    return text.strip()


def _window(value: object) -> float:
    if isinstance(value, dt.timedelta):
        value = value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        kind = type(value).__name__
        raise OptionTypeError(
            f"webhook_window must be seconds or a timedelta, not {kind}"
        )
    if not 0 < value < float("inf"):
        raise ConfigurationError(f"webhook_window must be positive, not {value!r}")
    return float(value)


def _text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise OptionTypeError(f"{name} must be a str, not {type(value).__name__}")
    return value


def _url(name: str, value: object, default: str) -> str:
    if value is None:
        return default
    value = _text(name, value)
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigurationError(
            f"{name} must be an absolute http or https URL, not {value[:60]!r}"
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(f"{name} must have no query or fragment")
    return value.rstrip("/")
