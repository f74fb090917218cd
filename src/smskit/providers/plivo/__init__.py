"""Plivo's Message API (v1): the `Plivo` provider.

``_wire`` (paths, parameter names, message states, dates, environment
variables, throughput), ``_errors`` (HTTP statuses and delivery error codes)
and ``_signing`` (V3 and V2 signatures) are plain data and pure functions,
shared by the driver, webhook verification and the local emulator; ``_api``
builds the requests, ``_parse`` reads the answers and ``_webhooks`` verifies
and reads Plivo's callbacks.
"""

from __future__ import annotations

import datetime as dt
import os
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, NoReturn

from smskit._exceptions import ConfigurationError, OptionTypeError
from smskit.providers.plivo import _api, _parse, _webhooks
from smskit.providers.plivo import _wire as wire

if TYPE_CHECKING:
    from collections.abc import Callable

    import httpx

    from smskit._models import Balance, InboundMessage, Message, StatusEvent
    from smskit.providers._protocol import (
        BatchResult,
        ListQuery,
        OutgoingBatch,
        OutgoingMessage,
        Page,
        WebhookReply,
        WebhookRequest,
    )

__all__ = ["Plivo"]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _credential(argument: str, value: object, variable: str) -> str:
    """An argument, else its environment variable; neither is an error."""
    if value is None:
        value = os.environ.get(variable) or None
    if value is None:
        message = f"plivo needs {argument}=... or the {variable} environment variable"
        raise ConfigurationError(message)
    if not isinstance(value, str):
        message = f"{argument} must be a str, not {type(value).__name__}"
        raise OptionTypeError(message)
    if not value.strip():
        raise ConfigurationError(f"{argument} is empty")
    return value


def _auth_id(value: str) -> str:
    if wire.AUTH_ID.fullmatch(value) is None:
        # Its shape only: an Auth ID is no secret (it is in every URL).
        message = (
            f"auth_id {value[:24]!r} is not a Plivo Auth ID: 20 letters or "
            "digits starting with MA (account) or SA (subaccount)"
        )
        raise ConfigurationError(message)
    return value


def _base_url(value: object) -> str:
    """``scheme://host[:port]``; a trailing ``/v1/Account`` is dropped."""
    if not isinstance(value, str):
        message = f"base_url must be a str, not {type(value).__name__}"
        raise OptionTypeError(message)
    parts = urllib.parse.urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigurationError(f"base_url {value!r} is not an http(s) URL")
    if parts.query or parts.fragment or parts.username or parts.password:
        message = "base_url must not hold a query, a fragment or credentials"
        raise ConfigurationError(message)
    path = parts.path.rstrip("/")
    # The SDKs' "base URI" (and the emulator's banner) ends in /v1/Account.
    path = path.removesuffix("/v1/Account")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _webhook_tokens(token: str, more: object) -> tuple[str, ...]:
    """The Auth Token and ``more``: every token a webhook may be signed with."""
    if isinstance(more, (str, bytes, Mapping)) or not isinstance(more, Iterable):
        kind = type(more).__name__
        message = f"webhook_auth_tokens must be a list of str, not {kind}"
        raise OptionTypeError(message)
    tokens = [token]
    for extra in more:
        if not isinstance(extra, str):
            kind = type(extra).__name__
            message = f"webhook_auth_tokens must hold str tokens, not {kind}"
            raise OptionTypeError(message)
        if not extra.strip():
            raise ConfigurationError("webhook_auth_tokens holds an empty token")
        if extra not in tokens:
            tokens.append(extra)
    return tuple(tokens)


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise OptionTypeError(f"{name} must be a bool, not {type(value).__name__}")
    return value


def _check_clock(clock: object) -> None:
    if clock is not None and not callable(clock):
        message = f"clock must be callable, not {type(clock).__name__}"
        raise OptionTypeError(message)


class Plivo:
    """Plivo's Message API v1: send, batch, fetch, list, balance and webhooks.

    Credentials come from the arguments, else from ``PLIVO_AUTH_ID`` and
    ``PLIVO_AUTH_TOKEN``. The Auth Token never appears in a ``repr``, a log
    or an error, and a `Plivo` refuses to be pickled (create one per
    process).

    Args:
        auth_id: The Auth ID (``MA…`` or ``SA…``, 20 characters).
        auth_token: The Auth Token.
        base_url: Where the API lives (``https://api.plivo.com``); the local
            emulator's URL in tests.
        clock: Returns the current time (timezone-aware); reads a
            ``Retry-After`` date. For tests.
        webhook_auth_tokens: More Auth Tokens whose webhook signatures are
            accepted besides ``auth_token``'s: the main account's when
            ``auth_id`` is a subaccount (Plivo signs
            ``X-Plivo-Signature-Ma-V3`` with it), or the previous token while
            you rotate it.
        accept_v2: Accept webhooks signed with V2 only. V2 covers the URL and
            a nonce but not the parameters, so a V2-signed request can be
            replayed with other parameters; off by default (V3 is checked
            whenever a request carries it).

    Raises:
        ConfigurationError: A credential is missing or malformed, or the base
            URL is not an http(s) URL.
        OptionTypeError: An argument has the wrong type.

    Example:
        ```python
        plivo = smskit.providers.Plivo(auth_id="MA...", auth_token="...")
        with smskit.Client(plivo, sender="+14155550100") as client:
            client.send(to="+14155552671", body="Hi")
        ```
    """

    def __init__(
        self,
        *,
        auth_id: str | None = None,
        auth_token: str | None = None,
        base_url: str = wire.BASE_URL,
        clock: Callable[[], dt.datetime] | None = None,
        webhook_auth_tokens: Iterable[str] = (),
        accept_v2: bool = False,
    ) -> None:
        _check_clock(clock)
        identity = _auth_id(_credential("auth_id", auth_id, wire.ENV_AUTH_ID))
        token = _credential("auth_token", auth_token, wire.ENV_AUTH_TOKEN)
        self._webhook_tokens = _webhook_tokens(token, webhook_auth_tokens)
        self._accept_v2 = _flag("accept_v2", accept_v2)
        self._account = _api.Account.create(
            base_url=_base_url(base_url),
            auth_id=identity,
            auth_token=token,
            clock=clock or _utc_now,
        )

    def __repr__(self) -> str:
        return f"<Plivo auth_id={self.auth_id!r} base_url={self.base_url!r}>"

    def __reduce__(self) -> NoReturn:
        # A pickle would carry the Auth Token in clear.
        message = (
            "a Plivo provider cannot be pickled (it holds the Auth Token): "
            "create one in each process"
        )
        raise TypeError(message)

    @property
    def name(self) -> str:
        """Always ``"plivo"``."""
        return _api.NAME

    @property
    def auth_id(self) -> str:
        """The Auth ID (not a secret: it is in every request's path)."""
        return self._account.auth_id

    @property
    def base_url(self) -> str:
        """Where requests go, such as ``https://api.plivo.com``."""
        return self._account.base_url

    @property
    def accept_v2(self) -> bool:
        """Whether webhooks signed with V2 only are accepted."""
        return self._accept_v2

    @property
    def rate_limit_key(self) -> str:
        """Plivo limits requests per account: ``plivo:<auth_id>``."""
        return f"plivo:{self._account.auth_id}"

    @property
    def max_batch_size(self) -> int:
        """Plivo takes up to 1,000 unique destinations in one request."""
        return wire.MAX_DESTINATIONS

    def build_send(self, message: OutgoingMessage) -> httpx.Request:
        """Make the JSON ``POST …/Message/`` request for ``message``."""
        return _api.build_send(self._account, message)

    def parse_send(self, message: OutgoingMessage, response: httpx.Response) -> Message:
        """Read the answer to a send (202 and its ``message_uuid``)."""
        return _parse.parse_send(self._account, message, response)

    def build_send_batch(self, batch: OutgoingBatch) -> httpx.Request:
        """Make one request for every recipient (``dst`` joined with ``<``)."""
        return _api.build_send_batch(self._account, batch)

    def parse_send_batch(
        self, batch: OutgoingBatch, response: httpx.Response
    ) -> tuple[BatchResult, ...]:
        """One result per recipient; Plivo's ``invalid_number`` ones are errors."""
        return _parse.parse_send_batch(self._account, batch, response)

    def build_fetch(self, message_id: str) -> httpx.Request:
        """Make the ``GET …/Message/{message_uuid}/`` request."""
        return _api.build_fetch(self._account, message_id)

    def parse_fetch(self, response: httpx.Response) -> Message:
        """Read a message detail record."""
        return _parse.parse_fetch(self._account, response)

    def build_list(self, query: ListQuery, cursor: str | None) -> httpx.Request:
        """Make the request for one page of outbound messages (at most 20)."""
        return _api.build_list(self._account, query, cursor)

    def parse_list(self, response: httpx.Response) -> Page:
        """Read one page, with ``meta.next`` as the next cursor."""
        return _parse.parse_list(self._account, response)

    def build_balance(self) -> httpx.Request:
        """Make the request for the Account object."""
        return _api.build_balance(self._account)

    def parse_balance(self, response: httpx.Response) -> Balance:
        """Read ``cash_credits``, in US dollars."""
        return _parse.parse_balance(self._account, response)

    def verify_webhook(self, request: WebhookRequest, *, now: dt.datetime) -> None:
        """Check the V3 signature (or V2, if accepted) of a Plivo webhook.

        Any of the configured Auth Tokens may have signed it. Plivo's nonce is
        random, not a time, so ``now`` plays no part; `smskit.webhooks`
        refuses a repeated nonce when it has a nonce store.

        Raises:
            WebhookVerificationError: A signature or nonce header is missing,
                the request is V2-signed and V2 is not accepted, or no
                signature matches (the message names the URL checked).
            WebhookPayloadError: The body cannot be read to check it.
        """
        del now  # the scheme has no timestamp
        _webhooks.verify(request, self._webhook_tokens, accept_v2=self._accept_v2)

    def parse_webhook(
        self, request: WebhookRequest
    ) -> tuple[StatusEvent | InboundMessage, ...]:
        """Read a status callback or an inbound message (form, query or JSON)."""
        return _webhooks.parse(request)

    def webhook_nonce(self, request: WebhookRequest) -> str | None:
        """The ``X-Plivo-Signature-V3-Nonce`` (or V2) header."""
        return _webhooks.nonce(request)

    def webhook_reply(
        self, items: tuple[StatusEvent | InboundMessage, ...]
    ) -> WebhookReply:
        """An empty 200, which Plivo expects for callbacks and inbound messages."""
        return _webhooks.reply(items)
