"""The ``smskit`` command line: ``smskit sandbox serve`` runs the local emulator."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from typing import TYPE_CHECKING, get_args

from smskit._emulator import DEFAULT_HOST, DEFAULT_PORT, Credentials, Emulator
from smskit._emulator._config import ENVIRONMENT, SIGNATURE_METHOD_VARIABLE
from smskit._emulator._signing import VonageSignatureMethod
from smskit._exceptions import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]

_PROVIDERS = ("twilio", "vonage", "plivo")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="smskit", description="smskit tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    sandbox = commands.add_parser("sandbox", help="the offline sandbox")
    actions = sandbox.add_subparsers(dest="action", required=True)
    serve = actions.add_parser(
        "serve",
        help="run the local emulator of the Twilio, Vonage and Plivo SMS APIs",
        description=(
            "Serve the Twilio Messages, Vonage SMS and Plivo Message APIs on a "
            "local port, backed by the sandbox. Credentials come from the flags, "
            "else from the variables the official SDKs read, else from documented "
            "defaults."
        ),
    )
    serve.add_argument("--host", default=DEFAULT_HOST, help="interface to bind")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port")
    for field, variable in ENVIRONMENT.items():
        flag = "--" + field.replace("_", "-")
        serve.add_argument(
            flag, dest=field, metavar="VALUE", help=f"default: ${variable}"
        )
    serve.add_argument(
        "--vonage-signature-method",
        choices=get_args(VonageSignatureMethod),
        help=f"Vonage signing (default: ${SIGNATURE_METHOD_VARIABLE} or md5hash)",
    )
    for provider in _PROVIDERS:
        serve.add_argument(
            f"--inbound-url-{provider}",
            metavar="URL",
            help=f"where {provider.title()} inbound-SMS webhooks go",
        )
    serve.add_argument(
        "--speed", type=float, default=1.0, help="sandbox seconds per real second"
    )
    serve.add_argument(
        "--no-clock",
        action="store_true",
        help="freeze sandbox time; move it with POST /_sandbox/advance",
    )
    serve.add_argument("--verbose", "-v", action="store_true", help="log every request")
    return parser


def _block(emulator: Emulator) -> None:
    """Wait until interrupted (Ctrl-C)."""
    threading.Event().wait()


def _banner(emulator: Emulator) -> str:
    lines = [
        f"smskit emulator on {emulator.url}  (Ctrl-C stops it)",
        f"  Twilio  base URL {emulator.url}  (/2010-04-01/Accounts/…)",
        f"  Vonage  rest host {emulator.host}:{emulator.port}  (/sms/json, /account/…)",
        f"  Plivo   base URI {emulator.url}/v1/Account",
        f"  control {emulator.url}/_sandbox  (outbox, webhooks, advance, inbound, …)",
        "credentials:",
        *(f"  {line}" for line in emulator.credentials.describe()),
    ]
    for provider, url in sorted(emulator.inbound_urls.items()):
        lines.append(f"inbound {provider}: {url}")
    return "\n".join(lines)


def _serve(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    overrides = {field: getattr(args, field) for field in ENVIRONMENT}
    overrides["vonage_signature_method"] = args.vonage_signature_method
    try:
        credentials = Credentials.from_env(**overrides)
    except ConfigurationError as problem:
        print(f"smskit: {problem}", file=sys.stderr)
        return 2
    inbound = {
        provider: url
        for provider in _PROVIDERS
        if (url := getattr(args, f"inbound_url_{provider}"))
    }
    emulator = Emulator(
        host=args.host,
        port=args.port,
        credentials=credentials,
        inbound_urls=inbound,
        realtime=not args.no_clock,
        speed=args.speed,
    )
    try:
        emulator.start()
    except OSError as problem:
        print(
            f"smskit: cannot listen on {args.host}:{args.port}: {problem}",
            file=sys.stderr,
        )
        return 1
    print(_banner(emulator), flush=True)
    try:
        _block(emulator)
    except KeyboardInterrupt:
        print("stopping…", flush=True)
    finally:
        emulator.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``smskit`` command.

    Args:
        argv: The arguments (without the program name); ``sys.argv[1:]`` by
            default.

    Returns:
        The exit status.
    """
    args = _parser().parse_args(argv)
    # Only one command exists so far: ``sandbox serve`` (argparse enforces it).
    return _serve(args)
