"""``smskit analyze`` and ``smskit normalize``: the offline commands.

Neither touches the network; both answer in words or, with ``--json``, in one
JSON document on stdout.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from smskit import encoding, phone
from smskit._cli_output import USAGE_ERROR, emit_json, fail
from smskit._exceptions import InvalidPhoneNumber

if TYPE_CHECKING:
    import argparse

__all__ = ["add_analyze", "add_normalize", "run_analyze", "run_normalize"]

# InvalidPhoneNumber reasons that are the caller's option, not the number.
_USAGE_REASONS = frozenset({"unknown_region"})


def add_analyze(commands: Any, formatter: type[argparse.HelpFormatter]) -> None:
    """Register ``smskit analyze`` on the ``commands`` subparsers."""
    parser = commands.add_parser(
        "analyze",
        help="how a text is encoded and how many SMS parts it costs",
        description=(
            "Show a text's encoding (GSM-7 or UCS-2), its parts, which characters "
            "forced UCS-2, and what smart encoding (look-alike characters "
            "replaced) would save. Nothing is sent."
        ),
        formatter_class=formatter,
    )
    parser.add_argument("text", metavar="TEXT", help="the message body; - reads stdin")
    parser.add_argument(
        "--national-language",
        dest="languages",
        metavar="CODE",
        action="append",
        choices=[language.value for language in encoding.NationalLanguage],
        default=[],
        help="a national language shift table the recipients support, such as "
        "tr or pt; repeatable (default: none, the GSM default alphabet)",
    )
    parser.add_argument(
        "--json", action="store_true", help="one JSON document on stdout"
    )
    parser.set_defaults(run=run_analyze)


def add_normalize(commands: Any, formatter: type[argparse.HelpFormatter]) -> None:
    """Register ``smskit normalize`` on the ``commands`` subparsers."""
    parser = commands.add_parser(
        "normalize",
        help="turn a phone number as typed into E.164",
        description=(
            "Print a phone number in E.164 form (+14155552671), or say why it is "
            "not a valid number. Exit status 1 for an invalid number."
        ),
        formatter_class=formatter,
    )
    parser.add_argument("number", metavar="NUMBER", help="the number as typed")
    parser.add_argument(
        "--region",
        metavar="XX",
        help="ISO country code to read numbers without + in, such as GB "
        "(default: none, only international numbers)",
    )
    parser.add_argument(
        "--json", action="store_true", help="one JSON document on stdout"
    )
    parser.set_defaults(run=run_normalize)


def run_analyze(args: argparse.Namespace) -> int:
    """Analyze ``args.text``; always exit status 0 (every text has an answer)."""
    text = sys.stdin.read() if args.text == "-" else args.text
    languages = [encoding.NationalLanguage(code) for code in args.languages]
    info = encoding.analyze(text, national_languages=languages or None)
    # The suggestion is worked out separately, so the main answer is always
    # what the text costs as given.
    smart = encoding.analyze(
        text, smart_encoding=True, national_languages=languages or None
    ).smart_encoding
    report = _analysis(info, smart)
    if args.json:
        emit_json(report)
    else:
        print(_analysis_text(report))
    return 0


def _analysis(
    info: encoding.SegmentInfo, smart: encoding.SmartEncodingResult | None
) -> dict[str, Any]:
    return {
        "encoding": info.encoding.value,
        "segments": info.segment_count,
        "characters": len(info.text),
        "units": info.total_units,
        "units_per_segment": info.units_per_segment,
        "units_remaining": info.units_remaining,
        "locking_shift": _language(info.locking_shift),
        "single_shift": _language(info.single_shift),
        "forced_ucs2_by": [
            {
                "char": item.char,
                "codepoint": f"U+{ord(item.char):04X}",
                "index": item.index,
                "name": item.name,
            }
            for item in info.non_gsm_characters
        ],
        "parts": [{"text": part.text, "units": part.units} for part in info.segments],
        "smart_encoding": None
        if smart is None
        else {
            "text": smart.text,
            "encoding": smart.encoding.value,
            "segments": smart.segment_count,
            "worth_it": smart.applied,
        },
    }


def _language(language: encoding.NationalLanguage | None) -> str | None:
    return None if language is None else language.value


def _analysis_text(report: dict[str, Any]) -> str:
    segments = report["segments"]
    lines = [
        f"{report['encoding']}, {segments} {_plural(segments, 'segment')}, "
        f"{report['units']} {_unit_word(report['encoding'])} "
        f"({report['units_per_segment']} per segment, "
        f"{report['units_remaining']} left in the last)"
    ]
    for table in ("locking_shift", "single_shift"):
        if report[table]:
            lines.append(
                f"national language {table.replace('_', ' ')}: {report[table]}"
            )
    forced = report["forced_ucs2_by"]
    if forced:
        lines.append("UCS-2 because of:")
        lines.extend(
            f"  {item['char']!r} {item['codepoint']} {item['name']} "
            f"at index {item['index']}"
            for item in forced
        )
    lines.append(_suggestion(report))
    return "\n".join(lines)


def _suggestion(report: dict[str, Any]) -> str:
    smart = report["smart_encoding"]
    if smart is None:
        return "smart encoding: nothing to replace"
    if smart["worth_it"]:
        return (
            f"smart encoding: {smart['encoding']}, {smart['segments']} "
            f"{_plural(smart['segments'], 'segment')} instead of "
            f"{report['encoding']}, {report['segments']} "
            f"(send with smart_encoding=True): {smart['text']!r}"
        )
    return (
        f"smart encoding: not worth it ({smart['encoding']}, {smart['segments']} "
        f"{_plural(smart['segments'], 'segment')})"
    )


def _unit_word(encoding_name: str) -> str:
    return (
        "septets" if encoding_name == encoding.Encoding.GSM7.value else "UTF-16 units"
    )


def _plural(count: int, word: str) -> str:
    return word if count == 1 else word + "s"


def run_normalize(args: argparse.Namespace) -> int:
    """Normalize ``args.number``: 0 valid, 1 invalid, 2 a bad ``--region``."""
    try:
        number = phone.parse(args.number, args.region)
    except InvalidPhoneNumber as error:
        status = USAGE_ERROR if error.reason in _USAGE_REASONS else 1
        if args.json:
            emit_json({"valid": False, "reason": error.reason, "error": str(error)})
            return status
        return fail(str(error), status)
    if args.json:
        emit_json(
            {
                "valid": True,
                "e164": number.e164,
                "country_code": number.country_code,
                "region": number.region,
                "national_number": number.national_number,
                "number_type": number.number_type.value,
                "can_receive_sms": number.can_receive_sms,
                "international": number.international,
                "national": number.national,
                "time_zones": list(number.time_zones),
                "carrier": number.carrier,
            }
        )
    else:
        print(number.e164)
    return 0
