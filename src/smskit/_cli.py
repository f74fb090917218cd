"""The ``smskit`` command line.

``analyze`` and ``normalize`` work offline, ``send`` and ``send-bulk`` send
through a provider (``_cli_text``, ``_cli_send``, ``_cli_bulk``), and
``sandbox serve`` runs the local emulator (here).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import logging
import math
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any, get_args

from smskit._cli_bulk import add_send_bulk
from smskit._cli_output import INTERRUPTED
from smskit._cli_send import add_send
from smskit._cli_text import add_analyze, add_normalize
from smskit._emulator import DEFAULT_HOST, DEFAULT_PORT, Credentials, Emulator
from smskit._emulator._common import url_problem
from smskit._emulator._config import (
    ENVIRONMENT,
    SIGNATURE_METHOD_VARIABLE,
    VonageSignatureMethod,
)
from smskit._emulator._server import MAX_SPEED
from smskit._exceptions import ConfigurationError
from smskit._version import installed_version
from smskit.providers.sandbox._magic import SandboxFault

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["main"]

_PROVIDERS = ("twilio", "vonage", "plivo")
_LABELS = {
    "twilio_account_sid": "Twilio Account SID",
    "twilio_auth_token": "Twilio Auth Token",
    "twilio_api_key": "Twilio API Key SID (SK…), also accepted for the account",
    "twilio_api_secret": "Twilio API Key secret",
    "vonage_api_key": "Vonage API key",
    "vonage_api_secret": "Vonage API secret",
    "vonage_signature_secret": "Vonage signature secret",
    "plivo_auth_id": "Plivo Auth ID",
    "plivo_auth_token": "Plivo Auth Token",
}
# Faults --fault takes; "latency" needs a duration, which the control API gives.
_CLI_FAULTS = tuple(f.value for f in SandboxFault if f is not SandboxFault.LATENCY)
# Signals that stop the server the way Ctrl-C does (SIGTERM: docker, systemd, kill).
_STOP_SIGNALS = ("SIGINT", "SIGTERM")


class _Formatter(argparse.HelpFormatter):
    """Help that shows every option's default (unless its text already does)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.default in {None, False, argparse.SUPPRESS}:
            return text
        return f"{text} (default: %(default)s)"


class _VersionAction(argparse.Action):
    """``--version``: print smskit's installed version and exit."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.setdefault("help", "show smskit's version and exit")
        super().__init__(
            option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        print(f"smskit {_version()}")
        parser.exit()


def _version() -> str:
    """The installed version (read from the package metadata when asked)."""
    try:
        return installed_version()
    except importlib.metadata.PackageNotFoundError:  # a bare source tree
        return "(version unknown: smskit is not installed)"


def _port(text: str) -> int:
    """An argparse type: a TCP port, 0 to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be from 0 to 65535, not {port}")
    return port


def _speed(text: str) -> float:
    """An argparse type: a clock speed, > 0 and finite."""
    try:
        speed = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(speed) and 0 < speed <= MAX_SPEED):
        raise argparse.ArgumentTypeError(
            f"must be > 0 and at most {MAX_SPEED:g} (use --no-clock to freeze time), "
            f"not {text}"
        )
    return speed


def _webhook_url(text: str) -> str:
    """An argparse type: a URL the emulator can send webhooks to."""
    problem = url_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(f"{text!r} {problem}")
    return text


def _fault(text: str) -> tuple[str, float]:
    """An argparse type: ``NAME`` or ``NAME:RATE``, a fault and its rate."""
    name, _, rate_text = text.partition(":")
    if name not in _CLI_FAULTS:
        raise argparse.ArgumentTypeError(
            f"unknown fault {name!r}; one of: {', '.join(_CLI_FAULTS)}"
        )
    try:
        rate = float(rate_text) if rate_text else 1.0
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a rate: {rate_text!r}") from None
    if not 0 < rate <= 1:  # false for NaN too
        raise argparse.ArgumentTypeError(f"the rate must be in (0, 1], not {rate_text}")
    return name, rate


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smskit", description="smskit tools.", formatter_class=_Formatter
    )
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", required=True)
    add_analyze(commands, _Formatter)
    add_normalize(commands, _Formatter)
    add_send(commands, _Formatter)
    add_send_bulk(commands, _Formatter)
    sandbox = commands.add_parser(
        "sandbox",
        help="the offline sandbox",
        description="The offline sandbox.",
        formatter_class=_Formatter,
    )
    actions = sandbox.add_subparsers(dest="action", required=True)
    serve = actions.add_parser(
        "serve",
        help="run the local emulator of the Twilio, Vonage and Plivo SMS APIs",
        formatter_class=_Formatter,
        description=(
            "Serve the Twilio Messages, Vonage SMS and Plivo Message APIs on a "
            "local port, backed by the sandbox. Credentials come from the flags, "
            "else from the variables the official SDKs read, else from documented "
            "defaults. SIGINT (Ctrl-C) and SIGTERM stop it cleanly."
        ),
    )
    _serve_options(serve)
    serve.set_defaults(run=_serve)
    return parser


def _serve_options(serve: argparse.ArgumentParser) -> None:
    serve.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help="interface to bind; anything but loopback exposes the control API, "
        "which has no authentication",
    )
    serve.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help="TCP port (0 picks a free one)"
    )
    defaults = Credentials()
    for field, variable in ENVIRONMENT.items():
        default = getattr(defaults, field)
        serve.add_argument(
            "--" + field.replace("_", "-"),
            dest=field,
            metavar="VALUE",
            help=f"{_LABELS[field]} (default: ${variable}, "
            f"else {'none' if default is None else default})",
        )
    serve.add_argument(
        "--vonage-signature-method",
        choices=get_args(VonageSignatureMethod),
        help=f"Vonage signing (default: ${SIGNATURE_METHOD_VARIABLE}, else md5hash)",
    )
    for provider in _PROVIDERS:
        serve.add_argument(
            f"--inbound-url-{provider}",
            metavar="URL",
            type=_webhook_url,
            help=f"where {provider.title()} inbound-SMS webhooks go "
            "(default: none, no inbound webhooks)",
        )
    serve.add_argument(
        "--speed",
        type=_speed,
        default=1.0,
        help="sandbox seconds per real second",
    )
    serve.add_argument(
        "--no-clock",
        action="store_true",
        help="freeze sandbox time; move it with POST /_sandbox/advance "
        "(default: time runs)",
    )
    serve.add_argument(
        "--fault",
        dest="faults",
        metavar="NAME[:RATE]",
        type=_fault,
        action="append",
        default=[],
        help="inject a fault into that share of all sends, for as long as it runs: "
        + ", ".join(_CLI_FAULTS)
        + "; repeatable, e.g. server_error:0.05 "
        "(default: none; change them with /_sandbox/faults)",
    )
    serve.add_argument(
        "--fault-seed",
        type=int,
        metavar="N",
        help="seed the fault dice, so a run repeats (default: random)",
    )
    serve.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="log every request, query values left out (default: startup only)",
    )


def _block(stop: threading.Event) -> None:
    """Wait until ``stop`` is set (by SIGTERM) or Ctrl-C interrupts."""
    # A timeout keeps the main thread responsive to signals on every platform.
    while not stop.wait(1.0):
        pass


def _on_stop_signals(stop: threading.Event) -> Callable[[], None]:
    """Make SIGINT and SIGTERM set ``stop``; return what restores the old handlers.

    Only the main thread may set signal handlers; elsewhere (an embedding
    program) nothing changes and Ctrl-C still raises KeyboardInterrupt.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {}
    for name in _STOP_SIGNALS:
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, lambda *_: stop.set())

    def restore() -> None:
        for number, handler in previous.items():
            signal.signal(number, handler)

    return restore


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
    for rule in emulator.faults.rules():
        lines.append(f"fault {rule['fault']}: {rule['rate']:.2%} of sends")
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
    for index, (fault, rate) in enumerate(args.faults):
        seed = args.fault_seed if index == 0 else None
        emulator.inject(fault, rate=rate, times=None, seed=seed)
    try:
        emulator.start()
    except OSError as problem:
        print(
            f"smskit: cannot listen on {args.host}:{args.port}: {problem}",
            file=sys.stderr,
        )
        return 1
    stop = threading.Event()
    restore = _on_stop_signals(stop)
    try:
        print(_banner(emulator), flush=True)
        _block(stop)
    except KeyboardInterrupt:  # Ctrl-C where no handler could be installed
        pass
    finally:
        restore()
        print("stopping…", flush=True)
        emulator.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``smskit`` command.

    Args:
        argv: The arguments (without the program name); ``sys.argv[1:]`` by
            default.

    Returns:
        The exit status: 0 success, 1 something failed (or may not have
        been sent), 2 bad options, configuration or input, 130 interrupted.
    """
    args = _parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except KeyboardInterrupt:  # Ctrl-C outside send-bulk's own handling
        return INTERRUPTED
    return status
