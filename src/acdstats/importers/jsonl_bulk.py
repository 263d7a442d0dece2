"""JSON Lines in large chunks, split and decoded as Arrow arrays (no Python per line).

The same lines as importers.jsonl_csv.read_jsonl: the file split at b"\\n", a byte-order
mark dropped from the first line, ASCII whitespace stripped, blank lines left out, each
line numbered as in the file; a line that is not UTF-8 is "not valid UTF-8". The database
checks the rest (storage.incoming).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING

from acdstats.domain.events import LineChunk
from acdstats.importers.text import BOM

if TYPE_CHECKING:
    import pyarrow as pa

# About 0.6M lines of the simulator's events: large enough that each derivation runs over
# many requests at once, small enough that a chunk's temp tables stay well under 1 GB.
CHUNK_BYTES = 64 << 20
_ASCII_SPACE = " \t\n\r\x0b\x0c"  # what bytes.strip() strips
_FIELDS = ("numbers", "docs", "errors")


def read_jsonl_chunks(stream: IO[bytes], chunk_bytes: int = CHUNK_BYTES) -> Iterator[LineChunk]:
    """The file's non-blank lines, a chunk of whole lines at a time."""
    first_line = 1
    rest = b""
    first = True
    while True:
        block = stream.read(chunk_bytes)
        data = rest + block if rest else block
        if not data:
            return
        if block:
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                rest = data  # one very long line: read on until it ends
                continue
            data, rest = data[:cut], data[cut:]
        else:
            rest = b""
        if first:  # data holds the whole first line now
            data = data.removeprefix(BOM)
            first = False
        docs, lines = split_lines(data, first_line)
        first_line += lines
        if len(docs.numbers):
            yield docs
        if not block:
            return


def split_lines(data: bytes, first_line: int) -> tuple[LineChunk, int]:
    """LineChunk of the lines in data (whole lines), and how many lines data holds."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if not data:
        empty = pa.array([], pa.large_string())
        return LineChunk(pa.array([], pa.int64()), empty, empty), 0
    view = np.frombuffer(data, np.uint8)
    ends = np.flatnonzero(view == 10) + 1
    if not len(ends) or ends[-1] != len(data):
        ends = np.append(ends, len(data))
    offsets = np.concatenate(([0], ends)).astype(np.int64)
    count = len(ends)
    raw = pa.Array.from_buffers(
        pa.large_binary(), count, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    numbers = pa.array(np.arange(first_line, first_line + count, dtype=np.int64))
    try:
        text = raw.cast(pa.large_string())
    except pa.ArrowInvalid:  # some line is not UTF-8: find which, line by line
        return _with_invalid(raw, numbers), count
    text = pc.utf8_trim(text, characters=_ASCII_SPACE)
    keep = pc.greater(pc.binary_length(text), 0)
    docs = text.filter(keep)
    return LineChunk(numbers.filter(keep), docs, pa.nulls(len(docs), pa.large_string())), count


def rechunk(pieces: Iterable[LineChunk], lines: int) -> Iterator[LineChunk]:
    """The same documents in chunks of exactly `lines` (the last one may be shorter)."""
    import pyarrow as pa

    pending: list[LineChunk] = []
    held = 0
    for piece in pieces:
        pending.append(piece)
        held += len(piece.numbers)
        while held >= lines:
            whole = LineChunk(
                *(pa.concat_arrays([getattr(p, f) for p in pending]) for f in _FIELDS)
            )
            take = min(lines, held)
            yield LineChunk(*(getattr(whole, f).slice(0, take) for f in _FIELDS))
            rest = LineChunk(*(getattr(whole, f).slice(take) for f in _FIELDS))
            pending, held = [rest], held - take
    if held:
        yield LineChunk(*(pa.concat_arrays([getattr(p, f) for p in pending]) for f in _FIELDS))


def _with_invalid(raw: pa.Array, numbers: pa.Array) -> LineChunk:
    import pyarrow as pa

    kept_numbers: list[int] = []
    docs: list[str | None] = []
    errors: list[str | None] = []
    for number, line in zip(numbers.to_pylist(), raw.to_pylist(), strict=True):
        stripped = line.strip()
        if not stripped:
            continue
        kept_numbers.append(number)
        try:
            docs.append(stripped.decode("utf-8"))
            errors.append(None)
        except UnicodeDecodeError:
            docs.append(None)
            errors.append("not valid UTF-8")
    return LineChunk(
        pa.array(kept_numbers, pa.int64()),
        pa.array(docs, pa.large_string()),
        pa.array(errors, pa.large_string()),
    )
