"""The input and results files of ``smskit send-bulk``.

The input is a CSV file with a header row: ``to`` and ``body`` are required,
``sender`` and ``client_ref`` optional (matched case-insensitively), any
other column is carried through to the results. Blank lines are skipped; a
row's number counts the data rows from 1, the header not included.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from typing import TYPE_CHECKING

import attrs

from smskit._exceptions import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from smskit._cli_journal import ResultRow

__all__ = [
    "RESULT_COLUMNS",
    "BulkInput",
    "InputRow",
    "default_results_path",
    "read_input",
    "write_results",
]

RESULT_COLUMNS = (
    "row",
    "to",
    "client_ref",
    "outcome",
    "message_id",
    "status",
    "error_type",
    "error_code",
    "error",
)
_REQUIRED = ("to", "body")
_KNOWN = (*_REQUIRED, "sender", "client_ref")
_REF_PREFIX = "bulk"


@attrs.frozen(kw_only=True)
class InputRow:
    """One data row of the input.

    Attributes:
        row: Its number, 1 for the first data row.
        to: The recipient as written.
        body: The text.
        sender: The row's sender, or ``None`` for the command's.
        client_ref: The row's reference, or one derived from the file and
            row, so the provider's records can be searched for it later.
        extra: The other columns' values, by column name.
    """

    row: int
    to: str
    body: str = attrs.field(repr=False)
    sender: str | None
    client_ref: str
    extra: dict[str, str] = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class BulkInput:
    """A parsed input file.

    Attributes:
        digest: The file's SHA-256 (hex): its identity in the journal.
        extra_columns: The columns carried through, in the input's order.
        rows: The data rows, in order.
    """

    digest: str
    extra_columns: tuple[str, ...]
    rows: tuple[InputRow, ...]


def default_results_path(source: Path) -> Path:
    """``contacts.csv`` → ``contacts.results.csv`` beside it."""
    stem = source.stem if source.suffix.lower() == ".csv" else source.name
    return source.with_name(f"{stem}.results.csv")


def read_input(source: Path) -> BulkInput:
    """Read and check the input file.

    Raises:
        OSError: The file cannot be read.
        ConfigurationError: It is not UTF-8 CSV with ``to`` and ``body`` columns.
    """
    data = source.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")  # a spreadsheet's byte-order mark is fine
    except UnicodeDecodeError as error:
        raise ConfigurationError(
            f"{source} is not UTF-8 text (byte {error.start}); save it as UTF-8 CSV"
        ) from None
    try:
        records = [
            record
            for record in csv.reader(io.StringIO(text, newline=""), strict=True)
            if record
        ]
    except csv.Error as error:
        raise ConfigurationError(f"{source} is not valid CSV: {error}") from None
    if not records:
        raise ConfigurationError(f"{source} is empty: it needs a header row")
    header = [name.strip() for name in records[0]]
    columns = _columns(source, header)
    extra = tuple(name for name in header if name.lower() not in _KNOWN)
    rows = tuple(
        _row(number, dict(zip(header, record, strict=False)), columns, extra, digest)
        for number, record in enumerate(records[1:], start=1)
    )
    return BulkInput(digest=digest, extra_columns=extra, rows=rows)


def _columns(source: Path, header: list[str]) -> dict[str, str]:
    """The header name of each known column, checked."""
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise ConfigurationError(f"{source} has two columns named {name!r}")
        seen.add(name)
    found = {name.lower(): name for name in header if name.lower() in _KNOWN}
    if len(found) != sum(name.lower() in _KNOWN for name in header):
        raise ConfigurationError(
            f"{source} names a column twice (in upper and lower case)"
        )
    missing = [name for name in _REQUIRED if name not in found]
    if missing:
        raise ConfigurationError(
            f"{source} has no {' or '.join(repr(name) for name in missing)} column; "
            "the header row needs 'to' and 'body' (and may have 'sender', "
            "'client_ref' and any other columns)"
        )
    return found


def _row(
    number: int,
    cells: dict[str, str],
    columns: dict[str, str],
    extra: tuple[str, ...],
    digest: str,
) -> InputRow:
    def cell(name: str) -> str:
        return cells.get(columns.get(name, ""), "")

    sender = cell("sender").strip() or None
    client_ref = cell("client_ref").strip() or f"{_REF_PREFIX}-{digest[:12]}-{number}"
    return InputRow(
        row=number,
        to=cell("to"),
        body=cell("body"),
        sender=sender,
        client_ref=client_ref,
        extra={name: cells.get(name, "") for name in extra},
    )


def write_results(path: Path, bulk: BulkInput, done: Mapping[int, ResultRow]) -> None:
    """Write the results file: one row per input row done, in input order.

    Written to a temporary file and renamed over ``path``, so a reader never
    sees half a file. Carried columns whose names clash with a result column
    get an ``input_`` prefix.
    """
    carried = [
        f"input_{name}" if name in RESULT_COLUMNS else name
        for name in bulk.extra_columns
    ]
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow([*RESULT_COLUMNS, *carried])
        for item in bulk.rows:
            result = done.get(item.row)
            if result is None:
                continue
            values = result.to_json()
            writer.writerow(
                [
                    *(values[name] for name in RESULT_COLUMNS),
                    *(item.extra[name] for name in bulk.extra_columns),
                ]
            )
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)
