"""Regenerate smskit's encoding data modules from their sources.

Not a test and not shipped: run it by hand when a source changes, with a Python
that has the (MIT-licensed) PyPI package ``gsmcodecs`` 1.0.0 installed, e.g.::

    python -m venv /tmp/gen && /tmp/gen/bin/pip install gsmcodecs==1.0.0
    /tmp/gen/bin/python tests/encoding/regenerate_data.py ../shared/design/encoding.md

It writes

* ``src/smskit/encoding/_smart_map.py`` from Appendix B of the design note
  (the 271-entry map of sms-segments-calculator 1.3.0), parsed from the
  Markdown table rather than typed by hand;
* ``src/smskit/encoding/_national_tables.py`` from ``gsmcodecs.charmaps``
  (3GPP TS 23.038 v18.0.0, Annex A).

smskit never imports gsmcodecs at run time; ``test_data.py`` checks the
generated map against the design note whenever the note is present.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "smskit" / "encoding"
ROW = re.compile(r"^\| U\+([0-9A-F]{4,6}) \|(.*)\|\s*$")
CELL_SPLIT = re.compile(r"(?<!\\)\|")
SPACES = re.compile(r"(\d+) \u00d7 SPACE")
LANGUAGES = (
    "Turkish",
    "Spanish",
    "Portuguese",
    "Bengali",
    "Gujarati",
    "Hindi",
    "Kannada",
    "Malayalam",
    "Oriya",
    "Punjabi",
    "Tamil",
    "Telugu",
    "Urdu",
)


def parse_replacement(cell: str) -> str:
    """Turn a "Replaced by" cell of Appendix B into the replacement text."""
    cell = cell.strip()
    if cell == "(removed)":
        return ""
    spaces = SPACES.fullmatch(cell)
    if spaces:
        return " " * int(spaces.group(1))
    if cell.startswith("`") and cell.endswith("`"):
        return cell[1:-1].replace("\\|", "|")
    raise ValueError(f"unexpected replacement cell {cell!r}")


def parse_smart_map(markdown: str) -> list[tuple[int, str, str, int]]:
    """Return (code point, name, replacement, septets) rows of Appendix B."""
    appendix = markdown.split("## Appendix B", 1)[1]
    rows = []
    for line in appendix.splitlines():
        match = ROW.match(line)
        if not match:
            continue
        cells = [cell.strip() for cell in CELL_SPLIT.split(match.group(2))]
        name, replaced, septets = cells[0], cells[1], cells[2]
        rows.append(
            (int(match.group(1), 16), name, parse_replacement(replaced), int(septets))
        )
    return rows


def literal(text: str) -> str:
    """Return a double-quoted ASCII-only Python literal for ``text``."""
    out = []
    for char in text:
        if " " <= char <= "~" and char not in '"\\':
            out.append(char)
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


def render_smart_map(rows: list[tuple[int, str, str, int]]) -> str:
    """Render the _smart_map module."""
    lines = [
        '"""Smart-encoding look-alike map (generated; do not edit by hand).',
        "",
        "Source: Appendix B of the smskit design note on encoding, which lists the",
        "271 entries of sms-segments-calculator 1.3.0 (src/libs/SmartEncodingMap.ts),",
        "the public calculator of Twilio's Smart Encoding. Regenerate with",
        "tests/encoding/regenerate_data.py.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Final",
        "",
        '__all__ = ["SMART_ENCODING_MAP"]',
        "",
        "# Code point -> replacement ('' deletes the character).",
        "SMART_ENCODING_MAP: Final[dict[str, str]] = {",
    ]
    for code, name, replacement, _ in rows:
        lines.append(f"    {literal(chr(code))}: {literal(replacement)},  # {name}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def table_chars(decode: dict[int, int]) -> str:
    """Characters of one shift table in septet order, without ESC (0x1B)."""
    return "".join(chr(decode[septet]) for septet in sorted(decode) if septet != 0x1B)


def render_table(name: str, tables: dict[int, str]) -> list[str]:
    """Render one dict of NLI -> characters."""
    lines = [f"{name}: Final[dict[int, str]] = {{"]
    for nli, chars in tables.items():
        lines.append(f"    # {nli} {LANGUAGES[nli - 1]}")
        lines.append(f"    {nli}: (")
        for start in range(0, len(chars), 8):
            lines.append(f"        {literal(chars[start : start + 8])}")
        lines.append("    ),")
    lines.append("}")
    return lines


def render_national_tables() -> str:
    """Render the _national_tables module from gsmcodecs' character maps."""
    from gsmcodecs.charmaps import GSMCHARMAPS  # type: ignore[import-not-found]

    locking = {
        nli: table_chars(maps["locking"]["decode"])
        for nli, maps in GSMCHARMAPS.items()
        if nli and "locking" in maps
    }
    single = {
        nli: table_chars(maps["singleShift"]["decode"])
        for nli, maps in GSMCHARMAPS.items()
        if nli and "singleShift" in maps
    }
    lines = [
        '"""National language shift tables (generated; do not edit by hand).',
        "",
        "3GPP TS 23.038 Annex A: locking shift tables (A.3.x, replacing the basic",
        "table) and single shift tables (A.2.x, replacing the extension table), by",
        "National Language Identifier. Each string holds a table's characters in",
        "septet order, without ESC (0x1B) and undefined positions.",
        "",
        "Provenance: generated from the character maps of the PyPI package",
        "gsmcodecs 1.0.0 (MIT, built from TS 23.038 v18.0.0 Release 18) by",
        "tests/encoding/regenerate_data.py; smskit does not depend on gsmcodecs.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Final",
        "",
        '__all__ = ["LOCKING_SHIFT", "SINGLE_SHIFT"]',
        "",
        *render_table("LOCKING_SHIFT", locking),
        "",
        *render_table("SINGLE_SHIFT", single),
    ]
    return "\n".join(lines) + "\n"


def main(design_note: str) -> None:
    """Write both data modules and format them with ruff."""
    rows = parse_smart_map(Path(design_note).read_text(encoding="utf-8"))
    if len(rows) != 271:
        raise SystemExit(f"expected 271 smart-encoding entries, parsed {len(rows)}")
    targets = {
        PACKAGE / "_smart_map.py": render_smart_map(rows),
        PACKAGE / "_national_tables.py": render_national_tables(),
    }
    for path, source in targets.items():
        path.write_text(source, encoding="utf-8")
    ruff = ROOT / ".venv" / "bin" / "ruff"
    subprocess.run([str(ruff), "format", *map(str, targets)], check=True)  # noqa: S603


if __name__ == "__main__":
    main(sys.argv[1])
