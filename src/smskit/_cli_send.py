"""``smskit send``, and the provider options it shares with ``send-bulk``.

Credentials come from the environment: each provider's configuration class
reads the variables its official SDK reads (``TWILIO_ACCOUNT_SID`` and so on),
so no secret ever has to appear on a command line or in shell history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smskit._cli_output import (
    FAILED,
    OK,
    USAGE_ERROR,
    emit_json,
    error_facts,
    fail,
    outcome_of,
)
from smskit._client import Client
from smskit._exceptions import ConfigurationError, InvalidInput, SmsKitError
from smskit._redact import mask_phone
from smskit.providers import Plivo, Sandbox, Twilio, Vonage

if TYPE_CHECKING:
    import argparse

    from smskit._models import Message
    from smskit.providers import Provider

__all__ = ["PROVIDERS", "add_provider_options", "add_send", "open_client", "run_send"]

PROVIDERS = ("sandbox", "twilio", "vonage", "plivo")


def add_provider_options(parser: argparse.ArgumentParser) -> None:
    """The options that choose and configure the provider and the client."""
    parser.add_argument(
        "--provider",
        required=True,
        choices=PROVIDERS,
        help="where messages go; credentials come from the provider's environment "
        "variables (TWILIO_*, VONAGE_*, PLIVO_*); sandbox sends nothing "
        "(default: none, required)",
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="the provider API's base URL, such as a local emulator's "
        "(default: the provider's own)",
    )
    parser.add_argument(
        "--sender",
        metavar="FROM",
        help="the sender ID, short code or number (default: none, the provider's)",
    )
    parser.add_argument(
        "--region",
        metavar="XX",
        help="ISO country code to read numbers without + in, such as GB "
        "(default: none, only international numbers)",
    )


def add_send(commands: Any, formatter: type[argparse.HelpFormatter]) -> None:
    """Register ``smskit send`` on the ``commands`` subparsers."""
    parser = commands.add_parser(
        "send",
        help="send one SMS",
        description=(
            "Send one SMS. Exit status 0 when the provider accepted it, 1 when it "
            "was refused or may or may not have been accepted, 2 for bad options, "
            "credentials or input."
        ),
        formatter_class=formatter,
    )
    add_provider_options(parser)
    parser.add_argument("--to", required=True, help="the recipient (default: required)")
    parser.add_argument("--body", required=True, help="the text (default: required)")
    parser.add_argument(
        "--client-ref",
        metavar="REF",
        help="your reference, echoed where the provider supports it (default: none)",
    )
    parser.add_argument(
        "--smart-encoding",
        action="store_true",
        help="replace look-alike characters when that makes the message cheaper",
    )
    parser.add_argument(
        "--json", action="store_true", help="one JSON document on stdout"
    )
    parser.set_defaults(run=run_send)


def build_provider(args: argparse.Namespace) -> Provider:
    """The provider ``--provider`` names, configured from the environment.

    Raises:
        ConfigurationError: Credentials are missing or an option is wrong.
    """
    base_url: str | None = args.base_url
    name: str = args.provider
    if name == "sandbox":
        if base_url is not None:
            raise ConfigurationError("--base-url does not apply to the sandbox")
        return Sandbox()
    if name == "twilio":
        return Twilio(base_url=base_url)
    if name == "vonage":
        return Vonage(base_url=base_url)
    return Plivo() if base_url is None else Plivo(base_url=base_url)


def open_client(args: argparse.Namespace) -> Client:
    """A client for the chosen provider.

    Raises:
        ConfigurationError: Credentials are missing or an option is wrong.
        InvalidSenderId: ``--sender`` is not a valid sender.
    """
    return Client(build_provider(args), sender=args.sender, region=args.region)


def run_send(args: argparse.Namespace) -> int:
    """Send one SMS; see `add_send` for the exit statuses."""
    try:
        client = open_client(args)
    except SmsKitError as error:
        return fail(str(error), USAGE_ERROR)
    with client:
        try:
            message = client.send(
                to=args.to,
                body=args.body,
                client_ref=args.client_ref,
                smart_encoding=args.smart_encoding,
            )
        except SmsKitError as error:
            return _report_error(args, error)
    if args.json:
        emit_json({"outcome": "sent", "message": message_facts(message)})
    else:
        print(_sent_line(message))
    return OK


def message_facts(message: Message) -> dict[str, Any]:
    """What a script needs about a sent message; the number masked, no body."""
    return {
        "id": message.id,
        "provider": message.provider,
        "to": mask_phone(message.to),
        "status": message.status.value,
        "encoding": None if message.encoding is None else message.encoding.value,
        "segments": message.segments,
        "client_ref": message.client_ref,
        "price": None if message.price is None else str(message.price),
        "currency": message.currency,
    }


def _sent_line(message: Message) -> str:
    details = [message.status.value]
    if message.segments is not None:
        plural = "" if message.segments == 1 else "s"
        details.append(f"{message.segments} segment{plural}")
    if message.encoding is not None:
        details.append(message.encoding.value)
    return f"sent {message.id} to {mask_phone(message.to)}: {', '.join(details)}"


def _report_error(args: argparse.Namespace, error: SmsKitError) -> int:
    outcome = outcome_of(error)
    status = USAGE_ERROR if isinstance(error, InvalidInput) else FAILED
    if args.json:
        emit_json({"outcome": outcome, "error": error_facts(error)})
        return status
    if outcome == "unknown":
        return fail(
            f"{error} (it may have been sent: check before sending again)", status
        )
    return fail(f"{type(error).__name__}: {error}", status)
