"""What every text file reader needs: a UTF-8 byte-order mark skipped, CSV delimiters sniffed.

Spreadsheets save "CSV UTF-8" with a byte-order mark, and exports from many systems (and
spreadsheets in locales with a decimal comma) separate cells by semicolons or tabs.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

BOM = b"\xef\xbb\xbf"
DELIMITERS = (",", ";", "\t")


def skip_bom(stream: IO[bytes]) -> None:
    """Consume a leading UTF-8 byte-order mark of a stream that can peek (else do nothing)."""
    peek = getattr(stream, "peek", None)
    if peek is not None and peek(len(BOM))[: len(BOM)] == BOM:
        stream.read(len(BOM))


def sniff_delimiter(header: str) -> str:
    """The delimiter of a header row: the most frequent of `,` `;` tab outside quotes
    (`,` when the row has none of them, or on a tie)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])  # max keeps the first of equal counts
    return best if counts[best] else ","


@contextmanager
def csv_reader(stream: IO[bytes], errors: str = "strict") -> Iterator[Any]:
    """A csv.reader over the stream's UTF-8 text (a byte-order mark dropped), with the delimiter
    sniffed from the header row; `reader.line_num` numbers lines as in the file.

    The caller's stream stays open afterwards.
    """
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors=errors, newline="")
    try:
        header = text.readline()
        rows = itertools.chain([header], text) if header else iter(())
        yield csv.reader(rows, delimiter=sniff_delimiter(header))
    finally:
        text.detach()  # a dropped wrapper would close the caller's file (still read for tell())
