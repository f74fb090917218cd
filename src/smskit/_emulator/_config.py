"""The emulator's credentials: flags, the SDKs' environment variables, defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, get_args

import attrs

from smskit._exceptions import ConfigurationError
from smskit.providers.plivo import _wire as plivo
from smskit.providers.twilio import _wire as twilio
from smskit.providers.vonage import _wire as vonage
from smskit.providers.vonage._signing import SignatureMethod as VonageSignatureMethod

__all__ = ["ENVIRONMENT", "Credentials", "VonageSignatureMethod"]

# Each credential field and the environment variable the official SDK reads.
ENVIRONMENT: dict[str, str] = {
    "twilio_account_sid": twilio.ENV_ACCOUNT_SID,
    "twilio_auth_token": twilio.ENV_AUTH_TOKEN,
    "twilio_api_key": twilio.ENV_API_KEY,
    "twilio_api_secret": twilio.ENV_API_SECRET,
    "vonage_api_key": vonage.ENV_API_KEY,
    "vonage_api_secret": vonage.ENV_API_SECRET,
    "vonage_signature_secret": vonage.ENV_SIGNATURE_SECRET,
    "plivo_auth_id": plivo.ENV_AUTH_ID,
    "plivo_auth_token": plivo.ENV_AUTH_TOKEN,
}
# smskit's own: how the Vonage account signs (the dashboard setting).
SIGNATURE_METHOD_VARIABLE = "VONAGE_SIGNATURE_METHOD"
_SECRETS = frozenset(
    {
        "twilio_auth_token",
        "twilio_api_secret",
        "vonage_api_secret",
        "vonage_signature_secret",
        "plivo_auth_token",
    }
)


def _signature_method(value: str) -> VonageSignatureMethod:
    if value not in get_args(VonageSignatureMethod):
        choices = ", ".join(get_args(VonageSignatureMethod))
        raise ConfigurationError(f"Vonage signature method must be one of {choices}")
    return value  # type: ignore[return-value]  # checked against the Literal above


def _api_key_sid(
    instance: Credentials, attribute: attrs.Attribute[str | None], value: str | None
) -> None:
    if value is not None and twilio.API_KEY_SID_PATTERN.fullmatch(value) is None:
        raise ConfigurationError(
            "the Twilio API Key SID must be 'SK' followed by 32 hexadecimal digits"
        )


def _api_key_pair(
    instance: Credentials, attribute: attrs.Attribute[str | None], value: str | None
) -> None:
    # Checked on the secret, the later field, so both are set by now.
    if (instance.twilio_api_key is None) != (value is None):
        raise ConfigurationError(
            "a Twilio API key needs both its SID (twilio_api_key, $TWILIO_API_KEY) "
            "and its secret (twilio_api_secret, $TWILIO_API_SECRET)"
        )


@attrs.frozen(kw_only=True)
class Credentials:
    """The accounts the emulator accepts, one per provider.

    The defaults are fixed, documented values (not secrets), so a test suite
    and a server started without configuration agree. Their shapes pass the
    official SDKs' own checks (Plivo's SDK insists on ``MA`` + 18 characters).

    Attributes:
        twilio_account_sid: The Account SID (``AC`` + 32 hex).
        twilio_auth_token: The Auth Token; it also signs Twilio webhooks.
        twilio_api_key: An API Key SID (``SK`` + 32 hex) accepted, with
            `twilio_api_secret`, as Basic auth for the same account; ``None``
            (the default) accepts the Auth Token only.
        twilio_api_secret: The API Key's secret.
        vonage_api_key: The API key.
        vonage_api_secret: The API secret.
        vonage_signature_secret: Signs Vonage webhooks and checks signed requests.
        vonage_signature_method: ``md5hash`` (the dashboard default),
            ``md5``, ``sha1``, ``sha256`` or ``sha512`` (HMACs).
        plivo_auth_id: The Auth ID (``MA``/``SA`` + 18 upper-case letters/digits).
        plivo_auth_token: The Auth Token; it also signs Plivo webhooks.

    ``repr()`` shows the account ids but none of the secrets, and a
    `Credentials` cannot be pickled.

    Raises:
        ConfigurationError: An API Key SID that is not ``SK`` + 32 hex, or
            only one half of an API key.
    """

    # Secrets are left out of repr(): a Credentials in a log or a traceback
    # shows which accounts, never their tokens. The defaults are documented
    # test values, not secrets.
    twilio_account_sid: str = "AC0123456789abcdef0123456789abcdef"
    twilio_auth_token: str = attrs.field(
        default="emulator-twilio-auth-token",
        repr=False,
    )
    twilio_api_key: str | None = attrs.field(default=None, validator=_api_key_sid)
    twilio_api_secret: str | None = attrs.field(
        default=None, repr=False, validator=_api_key_pair
    )
    vonage_api_key: str = "emulator1"
    vonage_api_secret: str = attrs.field(
        default="emulator-vonage-secret",
        repr=False,
    )
    vonage_signature_secret: str = attrs.field(
        default="emulator-vonage-signature-secret",
        repr=False,
    )
    vonage_signature_method: VonageSignatureMethod = attrs.field(
        default="md5hash", converter=_signature_method
    )
    plivo_auth_id: str = "MAEMULATOR0000000000"
    plivo_auth_token: str = attrs.field(
        default="emulator-plivo-auth-token",
        repr=False,
    )

    def __reduce__(self) -> Any:
        """Refuse to pickle: a pickle would carry every secret in clear."""
        raise TypeError(
            "smskit emulator Credentials hold secrets and cannot be pickled; "
            "build them in each process (Credentials.from_env())"
        )

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **overrides: Any
    ) -> Credentials:
        """Credentials from the environment, with explicit values winning.

        Args:
            environ: Where to read variables (``os.environ`` by default).
            **overrides: Field values (``None`` values are ignored), e.g. from
                command-line flags.

        Returns:
            The credentials; unset ones keep their documented defaults.
        """
        source = os.environ if environ is None else environ
        values: dict[str, Any] = {
            field: source[variable]
            for field, variable in ENVIRONMENT.items()
            if source.get(variable)
        }
        if source.get(SIGNATURE_METHOD_VARIABLE):
            values["vonage_signature_method"] = source[SIGNATURE_METHOD_VARIABLE]
        values.update(
            {key: value for key, value in overrides.items() if value is not None}
        )
        return cls(**values)

    def describe(self) -> list[str]:
        """One line per credential for a startup banner, secrets masked."""
        lines = []
        defaults = Credentials()
        for field in attrs.fields(Credentials):
            given = getattr(self, field.name)
            value = "(not set)" if given is None else str(given)
            if field.name in _SECRETS and given != getattr(defaults, field.name):
                value = "(given, not shown)"
            lines.append(f"{field.name} = {value}")
        return lines
