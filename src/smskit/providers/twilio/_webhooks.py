"""Twilio's webhooks: verify ``X-Twilio-Signature``, and answer them.

Pure functions of the request and the secrets (providers.md §1.7):

* `verify` checks the signature the way Twilio's own validators accept it:
  HMAC-SHA1 with an Auth Token (or HMAC-SHA256 with a webhook shared key
  named by ``X-Twilio-Webhooks-Signature-Settings``) over the URL, followed
  for a form POST by the sorted parameters. The URL is tried without its
  port and with the scheme's default port, as the official validators do.
  A JSON body is signed through ``bodySHA256`` in the URL, and its SHA-256
  is always checked against it.
* `parse` (from `smskit.providers.twilio._webhook_payload`, where the
  payload is read) turns a status callback into a `StatusEvent` and an
  incoming message into an `InboundMessage`.
* `reply` is the answer Twilio expects: empty TwiML to an incoming message
  (Twilio would otherwise log a warning), 204 to a status callback.

Twilio's scheme has no timestamp or nonce: replays are caught by
`smskit.webhooks`' duplicate detection, not here.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple
from urllib.parse import SplitResult, urlsplit, urlunsplit

from smskit._exceptions import ConfigurationError, WebhookVerificationError
from smskit._models import InboundMessage, StatusEvent
from smskit.providers._common import b64_hmac
from smskit.providers._protocol import WebhookReply, WebhookRequest
from smskit.providers.twilio._signing import Algorithm, signature_base
from smskit.providers.twilio._webhook_payload import (
    form_pairs,
    is_form,
    media_type,
    parse,
    query_pairs,
)

__all__ = [
    "BODY_HASH_PARAM",
    "EMPTY_TWIML",
    "SETTINGS_HEADER",
    "SIGNATURE_HEADER",
    "WebhookSecrets",
    "parse",
    "reply",
    "verify",
]

SIGNATURE_HEADER = "X-Twilio-Signature"
SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"
"""Present when a webhook shared key signed the request:
``key=<key>,algorithm=HMAC_SHA256``; absent for the Auth Token (HMAC-SHA1)."""
BODY_HASH_PARAM = "bodySHA256"
EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
"""TwiML that tells Twilio to do nothing more (no reply message)."""

_ALGORITHMS: dict[str, Algorithm] = {
    "HMAC_SHA1": "HMAC_SHA1",
    "HMAC_SHA256": "HMAC_SHA256",
}
_DIGESTS: dict[Algorithm, str] = {"HMAC_SHA1": "sha1", "HMAC_SHA256": "sha256"}
_DEFAULT_PORTS = {"https": "443", "http": "80"}


class WebhookSecrets:
    """The secrets Twilio's webhooks may be signed with; never shown.

    Args:
        auth_tokens: Auth Tokens, tried in order (the primary, then the
            secondary while you rotate).
        shared_keys: Webhook shared keys: the key's name as Twilio's
            ``X-Twilio-Webhooks-Signature-Settings`` header gives it ->
            its secret.
    """

    __slots__ = ("_auth_tokens", "_shared_keys")

    def __init__(
        self,
        auth_tokens: Sequence[str] = (),
        shared_keys: Mapping[str, str] | None = None,
    ) -> None:
        self._auth_tokens = tuple(dict.fromkeys(auth_tokens))
        self._shared_keys = dict(shared_keys or {})

    @property
    def auth_tokens(self) -> tuple[str, ...]:
        """The Auth Tokens, in the order they are tried."""
        return self._auth_tokens

    @property
    def shared_keys(self) -> Mapping[str, str]:
        """Shared-key names -> secrets."""
        return self._shared_keys

    def __repr__(self) -> str:
        return (
            f"<WebhookSecrets auth_tokens={len(self._auth_tokens)} "
            f"shared_keys={sorted(self._shared_keys)!r}>"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # A pickle would carry the secrets in the clear.
        message = "Twilio webhook secrets cannot be pickled"
        raise TypeError(message)


# -- verification -----------------------------------------------------------------


def verify(request: WebhookRequest, secrets: WebhookSecrets) -> None:
    """Check that Twilio signed ``request``, or raise saying why not.

    ``request.url`` is taken as the URL Twilio signed (behind a proxy,
    `smskit.webhooks` rebuilds it first).

    Args:
        request: The webhook request, with its raw body.
        secrets: The Auth Tokens and shared keys to accept.

    Raises:
        WebhookVerificationError: No ``X-Twilio-Signature``; a signature that
            matches none of the secrets for any form of the URL; a body whose
            SHA-256 differs from the URL's ``bodySHA256``; a JSON body without
            ``bodySHA256``; a shared key that is not configured, or an
            algorithm Twilio does not sign with. The message names the URL
            checked, never a secret or the expected signature.
        WebhookPayloadError: A form body that is not UTF-8 text.
        ConfigurationError: No Auth Token to check an Auth Token signature
            with (the provider authenticates with an API key and was given no
            ``webhook_auth_tokens``).
    """
    shown = _ShownUrl(request.url)  # worked out only for a refusal
    received = request.header(SIGNATURE_HEADER)
    if not received:
        message = f"the {SIGNATURE_HEADER} header is missing (URL {shown})"
        raise WebhookVerificationError(message)
    keys, algorithm, described = _signing_keys(request, secrets, shown)
    suffix = signature_base("", _signed_params(request, shown))
    expected = received.strip().encode("utf-8")
    digest = _DIGESTS[algorithm]
    for url in _url_forms(request.url):
        for key in keys:
            computed = b64_hmac(key, url + suffix, digest).encode("ascii")
            if hmac.compare_digest(computed, expected):
                return
    message = (
        f"{SIGNATURE_HEADER} does not match for URL {shown} (tried with and "
        f"without :{_port_of(request.url)}, {described})"
    )
    raise WebhookVerificationError(message)


class _Keys(NamedTuple):
    keys: tuple[str, ...]
    algorithm: Algorithm
    described: str


def _signing_keys(
    request: WebhookRequest, secrets: WebhookSecrets, shown: _ShownUrl
) -> _Keys:
    """The secrets and algorithm the request claims it was signed with."""
    settings = request.header(SETTINGS_HEADER)
    if settings is None:
        tokens = secrets.auth_tokens
        if not tokens:
            message = (
                "Twilio signs webhooks with your Auth Token, and this Twilio "
                "provider has none (it authenticates with an API key): pass "
                "webhook_auth_tokens=[<Auth Token>]"
            )
            raise ConfigurationError(message)
        count = len(tokens)
        return _Keys(tokens, "HMAC_SHA1", f"{count} Auth Token{'s' * (count > 1)}")
    fields = _settings_fields(settings)
    word = fields.get("algorithm", "HMAC_SHA1")
    algorithm = _ALGORITHMS.get(word.upper())
    if algorithm is None:
        shown_word = word if len(word) <= 20 else word[:20] + "…"
        message = (
            f"{SETTINGS_HEADER} names algorithm {shown_word!r}, which Twilio "
            f"does not sign with (URL {shown})"
        )
        raise WebhookVerificationError(message)
    name = fields.get("key", "")
    if name:
        secret = secrets.shared_keys.get(name)
        if secret is None:
            message = (
                f"unknown key: {SETTINGS_HEADER} names shared key {name[:64]!r}, "
                f"which is not in webhook_shared_keys (URL {shown})"
            )
            raise WebhookVerificationError(message)
        return _Keys((secret,), algorithm, f"shared key {name[:64]!r}")
    if not secrets.shared_keys:
        message = (
            f"unknown key: {SETTINGS_HEADER} says a shared key signed the "
            f"request, and no webhook_shared_keys are configured (URL {shown})"
        )
        raise WebhookVerificationError(message)
    keys = tuple(secrets.shared_keys.values())
    return _Keys(keys, algorithm, f"{len(keys)} shared key(s)")


def _settings_fields(settings: str) -> dict[str, str]:
    """``key=KS…,algorithm=HMAC_SHA256`` as a dict (names in lower case)."""
    fields: dict[str, str] = {}
    for item in settings.split(","):
        name, _, value = item.partition("=")
        fields.setdefault(name.strip().lower(), value.strip())
    return fields


def _signed_params(request: WebhookRequest, shown: _ShownUrl) -> dict[str, list[str]]:
    """The parameters the signature covers after the URL (none for GET/JSON).

    A ``bodySHA256`` in the URL means Twilio signed the URL alone and the body
    through its hash, which is checked here whatever the content type says.
    """
    if request.method == "GET":
        return {}
    hashes = (
        [v for n, v in query_pairs(request.url) if n == BODY_HASH_PARAM]
        if BODY_HASH_PARAM in request.url
        else []
    )
    if hashes:
        actual = hashlib.sha256(request.body).hexdigest()
        if not hmac.compare_digest(actual.encode("ascii"), hashes[0].encode("utf-8")):
            message = (
                f"body hash mismatch: the body's SHA-256 is not the {BODY_HASH_PARAM} "
                f"of URL {shown}"
            )
            raise WebhookVerificationError(message)
        return {}
    if is_form(request):
        signed: dict[str, list[str]] = {}
        for name, value in form_pairs(request.body):
            signed.setdefault(name, []).append(value)
        return signed
    message = (
        f"a {media_type(request) or 'non-form'} body without {BODY_HASH_PARAM} in "
        f"URL {shown}: Twilio signs such bodies through that parameter, so this "
        "one cannot be verified"
    )
    raise WebhookVerificationError(message)


def _url_forms(url: str) -> Iterator[str]:
    """The forms of ``url`` a signature is accepted for, each once.

    As Twilio's validators: the URL without its port and with its port (the
    scheme's default when it has none), and the URL exactly as received,
    which is tried first as the cheapest (for most requests it is also the
    port-less form). Twilio drops any ``user:password@`` before signing, so
    it is dropped here. Lazy: the first form that matches ends the search.
    """
    parts = urlsplit(url)
    exact = _without_userinfo(url, parts)
    yield exact
    host, port = _host_and_port(parts.netloc.rpartition("@")[2])
    without = _unsplit(parts, host)
    if without != exact:
        yield without
    default = _DEFAULT_PORTS.get(parts.scheme.lower(), "80")
    with_port = _unsplit(parts, f"{host}:{port or default}")
    if with_port not in {exact, without}:
        yield with_port


def _unsplit(parts: SplitResult, netloc: str) -> str:
    return urlunsplit(parts._replace(netloc=netloc))


def _without_userinfo(url: str, parts: SplitResult) -> str:
    if "@" not in parts.netloc:
        return url
    return url.replace(parts.netloc, parts.netloc.rpartition("@")[2], 1)


def _host_and_port(hostport: str) -> tuple[str, str | None]:
    """Split ``host:port``, keeping an IPv6 literal's brackets and colons."""
    if hostport.startswith("["):
        end = hostport.find("]")
        if end != -1:
            rest = hostport[end + 1 :]
            port = rest[1:] if rest.startswith(":") else None
            return hostport[: end + 1], port or None
    host, _, port = hostport.partition(":")
    return host, port or None


def _port_of(url: str) -> str:
    parts = urlsplit(url)
    _, port = _host_and_port(parts.netloc.rpartition("@")[2])
    return port or _DEFAULT_PORTS.get(parts.scheme.lower(), "80")


class _ShownUrl:
    """The URL as a refusal shows it, worked out only if one is written."""

    __slots__ = ("_url",)

    def __init__(self, url: str) -> None:
        self._url = url

    def __format__(self, spec: str) -> str:
        return format(_shown_url(self._url), spec)

    def __str__(self) -> str:
        return _shown_url(self._url)


def _shown_url(url: str) -> str:
    """The URL for a message: no ``user:password@``, no query values.

    A GET callback carries the numbers and the text in its query, and these
    messages reach logs; the parameter names stay, to show what was signed.
    """
    parts = urlsplit(_without_userinfo(url, urlsplit(url)))
    if not parts.query:
        return parts.geturl()
    names = "&".join(
        f"{pair.partition('=')[0]}=…" for pair in parts.query.split("&") if pair
    )
    return parts._replace(query=names).geturl()


# -- replying ---------------------------------------------------------------------


def reply(items: Sequence[StatusEvent | InboundMessage]) -> WebhookReply:
    """What to answer Twilio once the request was accepted.

    An incoming message gets empty TwiML (200, ``text/xml``): Twilio reads
    the answer as instructions, and this one says to send nothing back. A
    status callback (or a request with nothing new) gets 204 No Content.
    """
    if any(isinstance(item, InboundMessage) for item in items):
        return WebhookReply(status=200, content_type="text/xml", body=EMPTY_TWIML)
    return WebhookReply(status=204)
