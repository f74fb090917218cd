"""``smskit analyze``, ``normalize`` and ``send``: outputs and exit statuses.

``sandbox serve`` is covered by tests/emulator/test_cli.py and ``send-bulk``
by tests/test_cli_bulk.py.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import smskit
from smskit import _cli
from smskit._emulator import Emulator

NUMBER = "+14155552671"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """main() in process: (status, stdout, stderr)."""
    status = _cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without any provider credentials, plus ``extra``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TWILIO_", "VONAGE_", "PLIVO_"))
    }
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra)
    return env


def console(
    *argv: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed ``smskit`` console script, in a subprocess."""
    script = Path(sys.executable).with_name("smskit")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "smskit"]
    return subprocess.run(  # noqa: S603 -- our own script
        [*command, *argv],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env or clean_env(),
        timeout=60,
        check=False,
    )


# -- analyze -----------------------------------------------------------------


def test_analyze_names_what_forced_ucs2(capsys: pytest.CaptureFixture[str]) -> None:
    """The words say the encoding, the parts and which characters forced UCS-2."""
    status, out, _ = run(capsys, "analyze", "Meet me at 5 o\u2019clock \U0001f600")
    assert 0 == status
    assert out.startswith("UCS-2, 1 segment, 23 UTF-16 units (70 per segment, 47 left")
    assert "U+2019 RIGHT SINGLE QUOTATION MARK at index 14" in out
    assert "U+1F600 GRINNING FACE at index 21" in out
    assert "smart encoding: not worth it (UCS-2, 1 segment)" in out


def test_analyze_json_suggests_smart_encoding(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--json gives every fact, and the smart-encoding suggestion when it pays."""
    text = "Meet at 5 o\u2019clock \u2013 " + "x" * 60
    status, out, _ = run(capsys, "analyze", "--json", text)
    assert 0 == status
    report = json.loads(out)
    assert "UCS-2" == report["encoding"]
    assert 2 == report["segments"]
    assert [
        ("\u2019", "U+2019", 11, "RIGHT SINGLE QUOTATION MARK"),
        ("\u2013", "U+2013", 18, "EN DASH"),
    ] == [
        (c["char"], c["codepoint"], c["index"], c["name"])
        for c in report["forced_ucs2_by"]
    ]
    assert text == "".join(part["text"] for part in report["parts"])
    assert {
        "text": "Meet at 5 o'clock - " + "x" * 60,
        "encoding": "GSM-7",
        "segments": 1,
        "worth_it": True,
    } == report["smart_encoding"]


def test_analyze_plain_gsm_text(capsys: pytest.CaptureFixture[str]) -> None:
    """A GSM-7 text: septets, no forcing characters, nothing to replace."""
    status, out, _ = run(capsys, "analyze", "Hello {name}")
    assert 0 == status
    assert "GSM-7, 1 segment, 14 septets (160 per segment, 146 left in the last)" in out
    assert "UCS-2 because of" not in out
    assert "smart encoding: nothing to replace" in out


def test_analyze_suggests_smart_encoding_in_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The words say what smart encoding gives and how to ask for it."""
    _, out, _ = run(capsys, "analyze", "It\u2019s " + "y" * 70)
    assert "smart encoding: GSM-7, 1 segment instead of UCS-2, 2 " in out
    assert "smart_encoding=True" in out


def test_analyze_reads_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """TEXT - reads the body from stdin (a long one, several parts)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("a" * 161))
    status, out, _ = run(capsys, "analyze", "--json", "-")
    assert 0 == status
    report = json.loads(out)
    assert (2, 153) == (report["segments"], report["units_per_segment"])
    assert [153, 8] == [part["units"] for part in report["parts"]]


def test_analyze_national_language(capsys: pytest.CaptureFixture[str]) -> None:
    """A shift table the recipients support keeps Turkish text in GSM-7."""
    text = "Ğ" * 10
    assert "UCS-2" == json.loads(run(capsys, "analyze", "--json", text)[1])["encoding"]
    status, out, _ = run(capsys, "analyze", "--json", "--national-language", "tr", text)
    report = json.loads(out)
    assert (0, "GSM-7") == (status, report["encoding"])
    assert "tr" in (report["locking_shift"], report["single_shift"])
    _, words, _ = run(capsys, "analyze", "--national-language", "tr", text)
    assert "national language" in words


def test_analyze_unknown_language_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _cli.main(["analyze", "--national-language", "xx", "hi"])
    assert 2 == exit_info.value.code
    assert "--national-language" in capsys.readouterr().err


# -- normalize ---------------------------------------------------------------


def test_normalize_prints_e164(capsys: pytest.CaptureFixture[str]) -> None:
    assert (0, "+442079460958\n", "") == run(
        capsys, "normalize", "020 7946 0958", "--region", "gb"
    )


def test_normalize_json_facts(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "normalize", "--json", "+44 7400 123456")
    facts = json.loads(out)
    assert 0 == status
    assert facts["valid"] is True
    assert "+447400123456" == facts["e164"]
    assert (44, "GB", "mobile") == (
        facts["country_code"],
        facts["region"],
        facts["number_type"],
    )
    assert facts["can_receive_sms"] is True
    assert "+44 7400 123456" == facts["international"]


def test_normalize_invalid_number_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    """An invalid number is the answer, not a usage error: status 1 and why."""
    status, out, err = run(capsys, "normalize", "123", "--region", "US")
    assert (1, "") == (status, out)
    assert "too short" in err
    status, out, _ = run(capsys, "normalize", "--json", "123", "--region", "US")
    assert 1 == status
    assert {"valid": False, "reason": "too_short"} == {
        k: v for k, v in json.loads(out).items() if k != "error"
    }


def test_normalize_needs_a_region_for_national_numbers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, _, err = run(capsys, "normalize", "020 7946 0958")
    assert 1 == status
    assert "region" in err


def test_normalize_unknown_region_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A region that is no country is the caller's mistake: status 2, and a hint."""
    status, _, err = run(capsys, "normalize", "07400 123456", "--region", "UK")
    assert 2 == status
    assert "did you mean 'GB'" in err
    status, out, _ = run(capsys, "normalize", "--json", "1", "--region", "XX")
    assert 2 == status
    assert "unknown_region" == json.loads(out)["reason"]


# -- send --------------------------------------------------------------------


def test_send_through_the_sandbox(
    capsys: pytest.CaptureFixture[str], smskit_sandbox: smskit.providers.Sandbox
) -> None:
    """send sends, and says so with the number masked."""
    status, out, err = run(
        capsys, "send", "--provider", "sandbox", "--to", NUMBER, "--body", "Hi there"
    )
    assert (0, "") == (status, err)
    [record] = smskit_sandbox.state.records()
    assert (NUMBER, "Hi there") == (record.to, record.body)
    assert f"sent {record.id} to +1•••2671: queued, 1 segment, GSM-7\n" == out
    assert NUMBER not in out


def test_send_json(
    capsys: pytest.CaptureFixture[str], smskit_sandbox: smskit.providers.Sandbox
) -> None:
    status, out, _ = run(
        capsys,
        "send",
        "--provider",
        "sandbox",
        "--json",
        "--to",
        "(415) 555-2671",
        "--region",
        "US",
        "--body",
        "It\u2019s on",
        "--smart-encoding",
        "--client-ref",
        "order-7",
        "--sender",
        "Acme",
    )
    assert 0 == status
    document = json.loads(out)
    [record] = smskit_sandbox.state.records()
    assert "sent" == document["outcome"]
    message = document["message"]
    assert (record.id, "+1•••2671", "order-7") == (
        message["id"],
        message["to"],
        message["client_ref"],
    )
    assert ("GSM-7", 1, "queued") == (
        message["encoding"],
        message["segments"],
        message["status"],
    )
    assert ("It's on", "Acme") == (record.body, record.sender)


def test_send_refused_exits_1(
    capsys: pytest.CaptureFixture[str], smskit_sandbox: smskit.providers.Sandbox
) -> None:
    """The provider's refusal: status 1, the error's class and text."""
    status, out, err = run(
        capsys, "send", "--provider", "sandbox", "--to", "+15005550004", "--body", "x"
    )
    assert (1, "") == (status, out)
    assert err.startswith("smskit: OptedOut: ")
    status, out, _ = run(
        capsys,
        "send",
        "--json",
        "--provider",
        "sandbox",
        "--to",
        "+15005550001",
        "--body",
        "x",
    )
    assert 1 == status
    assert {"type": "RejectedMessage", "code": "invalid_to"} == {
        k: v for k, v in json.loads(out)["error"].items() if k != "message"
    }


def test_send_in_doubt_exits_1_and_says_check(
    capsys: pytest.CaptureFixture[str], smskit_sandbox: smskit.providers.Sandbox
) -> None:
    """A send that may have been accepted is ``unknown``, never "failed"."""
    smskit_sandbox.inject("server_error")
    status, _, err = run(
        capsys, "send", "--provider", "sandbox", "--to", NUMBER, "--body", "x"
    )
    assert 1 == status
    assert "may have been sent: check before sending again" in err
    smskit_sandbox.inject("read_timeout")
    status, out, _ = run(
        capsys, "send", "--json", "--provider", "sandbox", "--to", NUMBER, "--body", "x"
    )
    assert (1, "unknown") == (status, json.loads(out)["outcome"])
    assert "DeliveryUnknown" == json.loads(out)["error"]["type"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--to", "12", "--body", "x"], "12"),
        (["--to", NUMBER, "--body", " "], "body"),
        (["--to", NUMBER, "--body", "x", "--client-ref", "r" * 41], "client_ref"),
    ],
)
def test_send_bad_input_exits_2(
    capsys: pytest.CaptureFixture[str],
    smskit_sandbox: smskit.providers.Sandbox,
    argv: list[str],
    message: str,
) -> None:
    """Input smskit refuses before any request: status 2, nothing sent."""
    status, _, err = run(capsys, "send", "--provider", "sandbox", *argv)
    assert 2 == status
    assert message in err
    assert [] == smskit_sandbox.state.records()


def test_send_bad_sender_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(
        capsys,
        "send",
        "--provider",
        "sandbox",
        "--sender",
        "A very long brand",
        "--to",
        NUMBER,
        "--body",
        "x",
    )
    assert 2 == status
    assert "sender" in err.lower()


def test_send_base_url_with_the_sandbox_exits_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, _, err = run(
        capsys,
        "send",
        "--provider",
        "sandbox",
        "--base-url",
        "http://127.0.0.1:1",
        "--to",
        NUMBER,
        "--body",
        "x",
    )
    assert 2 == status
    assert "--base-url does not apply to the sandbox" in err


@pytest.mark.parametrize("provider", ["twilio", "vonage", "plivo"])
def test_send_without_credentials_exits_2(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    provider: str,
) -> None:
    """Credentials come from the environment; none there is a usage error."""
    for name in list(os.environ):
        if name.startswith(("TWILIO_", "VONAGE_", "PLIVO_")):
            monkeypatch.delenv(name)
    status, out, err = run(
        capsys, "send", "--provider", provider, "--to", NUMBER, "--body", "x"
    )
    assert (2, "") == (status, out)
    assert f"{provider.upper()}_" in err


def test_ctrl_c_exits_130(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C in any command ends with 130, without a traceback."""

    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    class Parser:
        def parse_args(self, argv: object) -> argparse.Namespace:
            return argparse.Namespace(run=interrupted)

    monkeypatch.setattr(_cli, "_parser", Parser)
    assert 130 == _cli.main(["normalize", "1"])


@pytest.mark.parametrize("command", ["analyze", "normalize", "send", "send-bulk"])
def test_every_help_shows_defaults(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """Every option of every new command's --help says its default."""
    with pytest.raises(SystemExit):
        _cli.main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    section = text.split("options:", 1)[1]
    options = re.findall(r"(?:^| )(--[a-z-]+)(?=[ ,])", section)
    assert options
    # Flags (store_true) are off unless given, as the serve command's are.
    for option in set(options) - {"--help", "--json", "--smart-encoding"}:
        after = section.split(f" {option}", 1)[1]
        help_text = re.split(r" --[a-z]", after, maxsplit=1)[0]
        assert "default" in help_text, option


# -- through the local emulator, as a user runs it ---------------------------


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(port=0, realtime=False) as running:
        yield running


def provider_env(emulator: Emulator) -> dict[str, str]:
    """The emulator's accounts in the variables each provider reads."""
    credentials = emulator.credentials
    return clean_env(
        TWILIO_ACCOUNT_SID=credentials.twilio_account_sid,
        TWILIO_AUTH_TOKEN=credentials.twilio_auth_token,
        VONAGE_API_KEY=credentials.vonage_api_key,
        VONAGE_API_SECRET=credentials.vonage_api_secret,
        PLIVO_AUTH_ID=credentials.plivo_auth_id,
        PLIVO_AUTH_TOKEN=credentials.plivo_auth_token,
    )


@pytest.mark.parametrize("provider", ["twilio", "vonage", "plivo"])
def test_console_script_sends_through_the_emulator(
    emulator: Emulator, provider: str
) -> None:
    """The installed script, credentials from the environment, --base-url."""
    base_url = emulator.url
    if provider == "plivo":
        base_url += "/v1/Account"
    done = console(
        "send",
        "--json",
        "--provider",
        provider,
        "--base-url",
        base_url,
        "--sender",
        "+15005550006",
        "--to",
        NUMBER,
        "--body",
        f"via {provider}",
        env=provider_env(emulator),
    )
    assert 0 == done.returncode, done.stderr
    [record] = emulator.state.records()
    assert (NUMBER, f"via {provider}") == (record.to, record.body)
    message = json.loads(done.stdout)["message"]
    assert provider == message["provider"]
    assert "+1•••2671" == message["to"]
    assert NUMBER not in done.stdout + done.stderr


def test_console_script_refused_by_the_emulator(emulator: Emulator) -> None:
    """A provider's error code comes through the real API and the script."""
    done = console(
        "send",
        "--json",
        "--provider",
        "twilio",
        "--base-url",
        emulator.url,
        "--sender",
        "+15005550006",
        "--to",
        "+15005550004",
        "--body",
        "x",
        env=provider_env(emulator),
    )
    assert 1 == done.returncode
    error = json.loads(done.stdout)["error"]
    assert ("OptedOut", "21610") == (error["type"], error["code"])


def test_console_script_analyze_and_normalize() -> None:
    done = console("analyze", "--json", "Caf\u00e9 \u20ac5")
    assert (0, "GSM-7") == (done.returncode, json.loads(done.stdout)["encoding"])
    done = console("normalize", "abc")
    assert (1, "") == (done.returncode, done.stdout)
    assert done.stderr.startswith("smskit: ")
