"""Twilio Programmable Messaging (REST API 2010-04-01).

`Twilio` is the provider a client is given. The facts it works from are in
``_wire`` (paths, parameter names, status words, dates, environment
variables, throughput), ``_errors`` (error codes) and ``_signing``
(``X-Twilio-Signature``): plain data and pure functions, shared with webhook
verification and the local emulator. ``_api`` builds the requests,
``_parse`` reads the answers and ``_config`` resolves credentials and hosts.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn

from smskit._exceptions import ConfigurationError, OptionTypeError
from smskit.providers.twilio import _api, _parse, _webhooks
from smskit.providers.twilio import _wire as wire
from smskit.providers.twilio._config import (
    api_base_url,
    credentials,
    mask_sid,
    text_option,
    webhook_secrets,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import httpx

    from smskit._balance import Balance
    from smskit._models import InboundMessage, Message, StatusEvent
    from smskit.providers._protocol import (
        ListQuery,
        OutgoingMessage,
        Page,
        WebhookReply,
        WebhookRequest,
    )

__all__ = ["Twilio"]

Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Twilio:
    """Twilio's Messages API: send, fetch, list, cancel, schedule, balance, webhooks.

    Authenticate with the Account SID and its Auth Token, or with an API Key
    (SID and secret; the Account SID still names the account). Each credential
    comes from its argument or, when that is omitted, from the environment
    variable the official SDK and CLI read.

    Args:
        account_sid: ``AC…``; default ``$TWILIO_ACCOUNT_SID``.
        auth_token: The Auth Token; default ``$TWILIO_AUTH_TOKEN``.
        api_key_sid: ``SK…``, instead of the Auth Token; default
            ``$TWILIO_API_KEY``.
        api_key_secret: The API Key's secret; default ``$TWILIO_API_SECRET``.
        messaging_service_sid: ``MG…``: send through this Messaging Service
            (needed to schedule; Twilio picks the sender when none is given).
        region: ``us1`` (default), ``ie1`` or ``au1``; default
            ``$TWILIO_REGION``.
        edge: The edge location; ``ie1`` takes only ``dublin`` and ``au1``
            only ``sydney`` (filled in when omitted); default ``$TWILIO_EDGE``.
        base_url: Another API root, such as the local emulator's
            ``http://127.0.0.1:8787``; excludes ``region``/``edge``.
        clock: Returns the current time (aware, UTC) for the schedule
            window; the system clock by default.
        webhook_auth_tokens: Further Auth Tokens webhooks may be signed with
            (one or a sequence), tried after ``auth_token``: the secondary
            token while you rotate, or the Auth Token itself when requests
            authenticate with an API key (which cannot verify webhooks).
        webhook_shared_keys: Webhook shared keys, each key's name as Twilio's
            ``X-Twilio-Webhooks-Signature-Settings`` header gives it -> its
            secret, for URLs whose webhooks Twilio signs with a shared key.

    Raises:
        ConfigurationError: A credential is missing (the message names the
            argument and its environment variable) or malformed, or the
            region/edge pair or the base URL is invalid.
        OptionTypeError: An argument has the wrong type.

    Example:
        ```python
        twilio = smskit.providers.Twilio()  # TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN
        with smskit.Client(twilio, sender="+15005550006") as client:
            client.send(to="+14155552671", body="Hi")
        ```
    """

    def __init__(
        self,
        *,
        account_sid: str | None = None,
        auth_token: str | None = None,
        api_key_sid: str | None = None,
        api_key_secret: str | None = None,
        messaging_service_sid: str | None = None,
        region: str | None = None,
        edge: str | None = None,
        base_url: str | None = None,
        clock: Clock | None = None,
        webhook_auth_tokens: str | Sequence[str] | None = None,
        webhook_shared_keys: Mapping[str, str] | None = None,
    ) -> None:
        environ = os.environ
        found = credentials(
            account_sid=text_option("account_sid", account_sid),
            auth_token=text_option("auth_token", auth_token),
            api_key_sid=text_option("api_key_sid", api_key_sid),
            api_key_secret=text_option("api_key_secret", api_key_secret),
            environ=environ,
        )
        service = text_option("messaging_service_sid", messaging_service_sid)
        if service is not None and not wire.MESSAGING_SERVICE_SID_PATTERN.fullmatch(
            service
        ):
            raise ConfigurationError(
                "messaging_service_sid must be 'MG' followed by 32 hexadecimal digits"
            )
        if clock is not None and not callable(clock):
            raise OptionTypeError(f"clock must be callable, not {type(clock).__name__}")
        self._clock: Clock = clock or _utc_now
        self._username = found.username
        self._kind = found.kind
        self._webhook_secrets = webhook_secrets(
            auth_token=found.auth_token,
            webhook_auth_tokens=webhook_auth_tokens,
            webhook_shared_keys=webhook_shared_keys,
        )
        self._endpoint = _api.Endpoint(
            base_url=api_base_url(
                base_url=text_option("base_url", base_url),
                region=text_option("region", region),
                edge=text_option("edge", edge),
                environ=environ,
            ),
            account_sid=found.account_sid,
            authorization=found.authorization,
            messaging_service_sid=service,
        )

    def __repr__(self) -> str:
        endpoint = self._endpoint
        key = (
            f" api_key_sid={mask_sid(self._username)!r}"
            if self._kind == "api_key"
            else ""
        )
        return (
            f"<Twilio account_sid={mask_sid(endpoint.account_sid)!r}{key} "
            f"base_url={endpoint.base_url!r}>"
        )

    def __reduce__(self) -> NoReturn:
        # A pickle would carry the Auth Token or API secret in the clear.
        message = (
            "a Twilio provider cannot be pickled (it holds credentials): create "
            "one in each process, from the environment or your secret store"
        )
        raise TypeError(message)

    @property
    def name(self) -> str:
        """Always ``"twilio"``."""
        return _api.NAME

    @property
    def rate_limit_key(self) -> str:
        """The Account SID: Twilio's limits apply per account."""
        return self._endpoint.account_sid

    @property
    def account_sid(self) -> str:
        """The account every request names."""
        return self._endpoint.account_sid

    @property
    def base_url(self) -> str:
        """The API root requests go to (``https://api.twilio.com`` by default)."""
        return self._endpoint.base_url

    @property
    def messaging_service_sid(self) -> str | None:
        """The configured Messaging Service, if any."""
        return self._endpoint.messaging_service_sid

    def build_send(self, message: OutgoingMessage) -> httpx.Request:
        """Make the ``POST …/Messages.json`` request that sends ``message``."""
        return _api.build_send(self._endpoint, message)

    def parse_send(self, message: OutgoingMessage, response: httpx.Response) -> Message:
        """Read the answer to a send."""
        return _parse.parse_send(message, response)

    def build_fetch(self, message_id: str) -> httpx.Request:
        """Make the request that looks up a message by its SID (``SM…``)."""
        return _api.build_fetch(self._endpoint, message_id)

    def parse_fetch(self, response: httpx.Response) -> Message:
        """Read the answer to a lookup."""
        return _parse.parse_fetch(response)

    def build_list(self, query: ListQuery, cursor: str | None) -> httpx.Request:
        """Make the request for the first page, or the page at ``next_page_uri``."""
        return _api.build_list(self._endpoint, query, cursor)

    def parse_list(self, response: httpx.Response) -> Page:
        """Read one page of sent messages, newest first."""
        return _parse.parse_list(response)

    def build_cancel(self, message_id: str) -> httpx.Request:
        """Make the request that cancels a scheduled message."""
        return _api.build_cancel(self._endpoint, message_id)

    def parse_cancel(self, response: httpx.Response) -> Message:
        """Read the canceled message."""
        return _parse.parse_cancel(response)

    def build_balance(self) -> httpx.Request:
        """Make the ``GET …/Balance.json`` request."""
        return _api.build_balance(self._endpoint)

    def parse_balance(self, response: httpx.Response) -> Balance:
        """Read the account balance."""
        return _parse.parse_balance(response)

    def check_send_at(self, send_at: dt.datetime) -> None:
        """Refuse a time outside Twilio's window: 5 minutes to 35 days ahead.

        Raises:
            InvalidMessage: ``send_at`` is outside the window, by the clock.
            ConfigurationError: The clock returned a naive datetime.
        """
        now = self._clock()
        if now.utcoffset() is None:
            raise ConfigurationError("the Twilio clock must return an aware datetime")
        _api.check_send_at(send_at, now=now)

    def verify_webhook(self, request: WebhookRequest, *, now: dt.datetime) -> None:
        """Check ``X-Twilio-Signature`` (Twilio's scheme has no timestamp).

        Accepted: HMAC-SHA1 with the Auth Token or a ``webhook_auth_tokens``
        token, or HMAC-SHA256 with the ``webhook_shared_keys`` key the
        ``X-Twilio-Webhooks-Signature-Settings`` header names; over
        ``request.url`` without its port or with it (the default port when
        none), as Twilio's validators accept; a JSON body through the URL's
        ``bodySHA256``, whose hash is always checked.

        Raises:
            WebhookVerificationError: Missing header, bad signature (the
                message names the URL), body hash mismatch, a JSON body
                without ``bodySHA256``, or an unknown shared key.
            WebhookPayloadError: A form body that is not UTF-8.
            ConfigurationError: No Auth Token to verify with (API-key auth
                without ``webhook_auth_tokens``).
        """
        del now  # nothing in Twilio's signature says when it was made
        _webhooks.verify(request, self._webhook_secrets)

    def parse_webhook(
        self, request: WebhookRequest
    ) -> tuple[StatusEvent | InboundMessage, ...]:
        """Read a status callback or an incoming message (form, GET or JSON).

        Raises:
            WebhookPayloadError: The payload cannot be read or lacks a field
                it needs (named in the message).
        """
        return _webhooks.parse(request)

    def webhook_nonce(self, request: WebhookRequest) -> str | None:
        """Always ``None``: Twilio signs no nonce.

        ``I-Twilio-Idempotency-Token`` is not one: Twilio repeats it on its
        own retries, which must still be answered.
        """
        del request
        return None

    def webhook_reply(
        self, items: tuple[StatusEvent | InboundMessage, ...]
    ) -> WebhookReply:
        """Empty TwiML (200 ``text/xml``) for a message, else 204 No Content."""
        return _webhooks.reply(items)
