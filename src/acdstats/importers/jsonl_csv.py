"""JSON Lines and CSV files of events and offer records (SPEC 3.3), line by line."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from acdstats.domain.events import InvalidRecord, Line
from acdstats.importers.text import BOM, csv_reader


def read_jsonl(stream: IO[bytes]) -> Iterator[Line]:
    """Each non-blank line's text; the database checks that it is a JSON object."""
    for number, raw in enumerate(stream, start=1):
        text = (raw.removeprefix(BOM) if number == 1 else raw).strip()
        if text:
            yield number, text


def read_csv(stream: IO[bytes]) -> Iterator[Line]:
    """CSV with a header row of SPEC field names; an empty cell is an absent field.

    A byte-order mark is skipped; cells are separated by `,`, `;` or tabs (as the header is).
    """
    # Bytes that are not UTF-8 come through as lone surrogates, so that the line holding them
    # is reported with its number instead of the whole import failing.
    with csv_reader(stream, errors="surrogateescape") as reader:
        yield from _csv_rows(reader)


def _is_utf8(cells: list[str]) -> bool:
    try:
        "".join(cells).encode()
    except UnicodeEncodeError:
        return False
    return True


def _csv_rows(reader: Iterator[list[str]]) -> Iterator[Line]:
    header = next(reader, None)
    if header is None:
        return
    header = [name.strip() for name in header]
    header_ok = _is_utf8(header)
    for row in reader:
        number = reader.line_num  # type: ignore[attr-defined]
        if not any(cell.strip() for cell in row):
            continue
        if not header_ok:
            yield number, InvalidRecord("the header row is not valid UTF-8")
            continue
        if not _is_utf8(row):
            yield number, InvalidRecord("not valid UTF-8")
            continue
        if len(row) > len(header):
            yield number, InvalidRecord(f"{len(row)} cells but the header has {len(header)}")
            continue
        yield number, {name: cell for name, cell in zip(header, row, strict=False) if cell != ""}
