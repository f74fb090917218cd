"""Twilio's configuration: credentials from arguments or the environment, hosts.

Pure functions of their inputs (the environment is passed in), so the public
`Twilio` class stays small and every rule here is tested on its own.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from typing import Literal, NamedTuple

import httpx

from smskit._exceptions import ConfigurationError, OptionTypeError
from smskit.providers.twilio import _wire as wire
from smskit.providers.twilio._webhooks import WebhookSecrets

__all__ = [
    "Credentials",
    "api_base_url",
    "credentials",
    "mask_sid",
    "text_option",
    "webhook_secrets",
]

AuthKind = Literal["auth_token", "api_key"]


class Credentials(NamedTuple):
    """Who a request authenticates as (the secret only inside ``authorization``).

    Attributes:
        account_sid: The account in every path.
        kind: ``"auth_token"`` or ``"api_key"``.
        username: The Basic-auth user: the Account SID or the API Key SID.
        authorization: The ``Authorization`` header value.
        auth_token: The Auth Token when that is how requests authenticate
            (it also verifies webhooks), else ``None``.
    """

    account_sid: str
    kind: AuthKind
    username: str
    authorization: str
    auth_token: str | None = None

    def __repr__(self) -> str:
        shown = mask_sid(self.account_sid)
        return f"Credentials(account_sid={shown!r}, kind={self.kind!r})"


def text_option(name: str, value: object) -> str | None:
    """An optional text argument: ``None``, or a str (stripped; empty is ``None``).

    Raises:
        OptionTypeError: ``value`` is neither.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise OptionTypeError(f"{name} must be a str, not {type(value).__name__}")
    return value.strip() or None


def mask_sid(sid: str) -> str:
    """A SID shown in part: its prefix and last four characters."""
    return f"{sid[:2]}…{sid[-4:]}" if len(sid) > 8 else "…"


def _from_env(environ: Mapping[str, str], name: str) -> str | None:
    return (environ.get(name) or "").strip() or None


def _missing(argument: str, variable: str) -> ConfigurationError:
    return ConfigurationError(
        f"Twilio needs {argument}= or the {variable} environment variable"
    )


def _checked_sid(value: str, pattern: re.Pattern[str], what: str, prefix: str) -> str:
    # The value is never echoed: a secret pasted in the wrong place would leak.
    if pattern.fullmatch(value) is None:
        raise ConfigurationError(
            f"the Twilio {what} must be {prefix!r} followed by 32 hexadecimal digits"
        )
    return value


def _basic(username: str, password: str) -> str:
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def credentials(
    *,
    account_sid: str | None,
    auth_token: str | None,
    api_key_sid: str | None,
    api_key_secret: str | None,
    environ: Mapping[str, str],
) -> Credentials:
    """Resolve the credentials: arguments first, then the environment.

    An API key given as arguments (either half) selects API-key auth, the
    other half may come from ``TWILIO_API_KEY``/``TWILIO_API_SECRET``; an
    ``auth_token`` argument selects the Auth Token. With neither, the
    environment decides: an API key when ``TWILIO_API_KEY`` or
    ``TWILIO_API_SECRET`` is set, else ``TWILIO_AUTH_TOKEN``.

    Raises:
        ConfigurationError: A value is missing (naming the argument and its
            variable), malformed, or both kinds are given as arguments.
    """
    account = account_sid or _from_env(environ, wire.ENV_ACCOUNT_SID)
    if account is None:
        raise _missing("account_sid", wire.ENV_ACCOUNT_SID)
    account = _checked_sid(account, wire.ACCOUNT_SID_PATTERN, "Account SID", "AC")
    key_given = api_key_sid is not None or api_key_secret is not None
    if auth_token is not None and key_given:
        raise ConfigurationError(
            "give Twilio either auth_token= or api_key_sid= and api_key_secret=, "
            "not both"
        )
    env_key = _from_env(environ, wire.ENV_API_KEY)
    env_secret = _from_env(environ, wire.ENV_API_SECRET)
    if key_given or (auth_token is None and (env_key or env_secret)):
        return _api_key(account, api_key_sid or env_key, api_key_secret or env_secret)
    token = auth_token or _from_env(environ, wire.ENV_AUTH_TOKEN)
    if token is None:
        raise ConfigurationError(
            "Twilio needs auth_token= (or the TWILIO_AUTH_TOKEN environment "
            "variable), or api_key_sid= and api_key_secret= (or TWILIO_API_KEY "
            "and TWILIO_API_SECRET)"
        )
    return Credentials(
        account, "auth_token", account, _basic(account, token), auth_token=token
    )


def _api_key(account: str, key_sid: str | None, secret: str | None) -> Credentials:
    if key_sid is None:
        raise _missing("api_key_sid", wire.ENV_API_KEY)
    if secret is None:
        raise _missing("api_key_secret", wire.ENV_API_SECRET)
    key_sid = _checked_sid(key_sid, wire.API_KEY_SID_PATTERN, "API Key SID", "SK")
    return Credentials(account, "api_key", key_sid, _basic(key_sid, secret))


def _api_host(region: str | None, edge: str | None) -> str:
    """The API host for a region and an edge, refusing pairs Twilio does not serve."""
    if region is None and edge is None:
        return wire.DEFAULT_HOST
    region = (region or wire.DEFAULT_REGION).lower()
    if region not in wire.REGIONS:
        raise ConfigurationError(
            f"unknown Twilio region {region!r}; one of: {', '.join(wire.REGIONS)}"
        )
    edge = None if edge is None else edge.lower()
    if edge is not None and edge not in wire.EDGES:
        raise ConfigurationError(
            f"unknown Twilio edge {edge!r}; one of: {', '.join(wire.EDGES)}"
        )
    needed = wire.REGION_EDGES.get(region)
    if needed is not None and edge not in {None, needed}:
        raise ConfigurationError(
            f"Twilio's {region} region is reached through the {needed!r} edge, "
            f"not {edge!r} (api.{needed}.{region}.twilio.com)"
        )
    # The short api.{region}.twilio.com form stops working on 2026-04-28, so a
    # non-US region always gets its edge.
    edge = edge or needed
    if edge is None:
        return wire.DEFAULT_HOST
    return wire.EDGE_HOST.format(edge=edge, region=region)


def _checked_base_url(base_url: str) -> str:
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise ConfigurationError("base_url is not a URL") from None
    if url.scheme not in {"http", "https"} or not url.host:
        raise ConfigurationError("base_url must be an http:// or https:// URL")
    if url.userinfo or url.query or url.fragment:
        raise ConfigurationError(
            "base_url takes no user, password, query or fragment "
            "(credentials go in account_sid= and auth_token=)"
        )
    return base_url.rstrip("/")


def api_base_url(
    *,
    base_url: str | None,
    region: str | None,
    edge: str | None,
    environ: Mapping[str, str],
) -> str:
    """The URL every path is appended to.

    ``base_url`` (the local emulator, a proxy) wins and ignores
    ``TWILIO_REGION``/``TWILIO_EDGE``; otherwise the region and edge (the
    arguments, else those variables) choose the host.

    Raises:
        ConfigurationError: ``base_url`` together with ``region``/``edge``
            arguments, a malformed URL, or an unknown or invalid region/edge.
    """
    if base_url is not None:
        if region is not None or edge is not None:
            raise ConfigurationError(
                "pass base_url= or region=/edge=, not both: base_url names the host"
            )
        return _checked_base_url(base_url)
    host = _api_host(
        region or _from_env(environ, wire.ENV_REGION),
        edge or _from_env(environ, wire.ENV_EDGE),
    )
    return f"https://{host}"


def _secret_text(name: str, value: object) -> str:
    # The value is never echoed: it is a secret.
    if not isinstance(value, str):
        raise OptionTypeError(
            f"{name} must hold str values, not {type(value).__name__}"
        )
    text = value.strip()
    if not text:
        raise ConfigurationError(f"{name} holds an empty secret")
    return text


def webhook_secrets(
    *,
    auth_token: str | None,
    webhook_auth_tokens: object,
    webhook_shared_keys: object,
) -> WebhookSecrets:
    """The secrets webhooks are verified with.

    Args:
        auth_token: The Auth Token requests authenticate with, if any; it is
            tried first.
        webhook_auth_tokens: Further Auth Tokens (one str or a sequence): the
            secondary token while you rotate, or the Auth Token itself when
            requests authenticate with an API key.
        webhook_shared_keys: Webhook shared keys, name -> secret.

    Raises:
        OptionTypeError: An argument or a value has the wrong type.
        ConfigurationError: A token, key name or secret is empty.
    """
    tokens: list[str] = [] if auth_token is None else [auth_token]
    if isinstance(webhook_auth_tokens, str):
        webhook_auth_tokens = [webhook_auth_tokens]
    if webhook_auth_tokens is not None:
        if not isinstance(webhook_auth_tokens, Sequence):
            kind = type(webhook_auth_tokens).__name__
            message = (
                f"webhook_auth_tokens must be a str or a sequence of str, not {kind}"
            )
            raise OptionTypeError(message)
        tokens.extend(
            _secret_text("webhook_auth_tokens", token) for token in webhook_auth_tokens
        )
    keys: dict[str, str] = {}
    if webhook_shared_keys is not None:
        if not isinstance(webhook_shared_keys, Mapping):
            kind = type(webhook_shared_keys).__name__
            message = f"webhook_shared_keys must map key names to secrets, not {kind}"
            raise OptionTypeError(message)
        for name, secret in webhook_shared_keys.items():
            if not isinstance(name, str):
                message = (
                    f"webhook_shared_keys names must be str, not {type(name).__name__}"
                )
                raise OptionTypeError(message)
            if not name.strip():
                raise ConfigurationError("webhook_shared_keys has an empty key name")
            keys[name.strip()] = _secret_text("webhook_shared_keys", secret)
    return WebhookSecrets(tokens, keys)
