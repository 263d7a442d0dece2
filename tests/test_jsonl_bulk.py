"""The bulk JSON Lines reader gives exactly the lines of the line-by-line reader.

Same numbers, same text, same "not valid UTF-8", blank lines left out, byte-order marks and
ASCII whitespace as read_jsonl treats them, whatever the chunk boundaries.
"""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from acdstats.importers.jsonl_bulk import read_jsonl_chunks, rechunk, split_lines
from acdstats.importers.jsonl_csv import read_jsonl
from acdstats.importers.text import BOM, skip_bom
from acdstats.services.ingest import _document

PIECES = [
    b"",
    b" ",
    b"\t",
    b"\r",
    b"\x0b",
    b"\x0c",
    b"\n",
    b"\r\n",
    BOM,
    b"\xc2\xa0",  # a non-ASCII space: kept (bytes.strip strips ASCII only)
    b"\xe2\x80\xa8",
    b'{"type":"status","at":"2026-01-05 10:00:00","user_id":1,"status":"READY"}',
    b'{"a":"\xc3\xa9"}',
    b"\xff",  # never UTF-8
    b"\xed\xa0\x80",  # a surrogate: not UTF-8
    b"\xc0\xaf",  # overlong
    b"\xf4\x90\x80\x80",  # past U+10FFFF
    b"\xe2\x82",  # truncated
    b"[1]",
    b"x",
    b"\x00",
]


def old_lines(data: bytes) -> list[tuple[int, str | None, str | None]]:
    stream = io.BufferedReader(io.BytesIO(data))
    skip_bom(stream)
    out = []
    for number, raw in read_jsonl(stream):
        assert isinstance(raw, bytes)
        doc, error = _document(raw)
        out.append((number, doc, error))
    return out


def bulk_lines(data: bytes, chunk: int) -> list[tuple[int, str | None, str | None]]:
    stream = io.BufferedReader(io.BytesIO(data))
    skip_bom(stream)
    out = []
    for docs in read_jsonl_chunks(stream, chunk):
        numbers = docs.numbers.to_pylist()
        texts = docs.docs.to_pylist()
        errors = docs.errors.to_pylist()
        assert numbers, "no empty chunks"
        out += list(zip(numbers, texts, errors, strict=True))
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40), st.integers(1, 64))
def test_bulk_reader_equals_the_line_reader(pieces: list[bytes], chunk: int) -> None:
    data = b"".join(pieces)
    assert bulk_lines(data, chunk) == old_lines(data)


def test_worked_cases() -> None:
    data = BOM + BOM + b' {"a":1} \r\n\n\n\xff\n  \n{"b":2}'
    expected = [(1, '{"a":1}', None), (4, None, "not valid UTF-8"), (6, '{"b":2}', None)]
    assert old_lines(data) == expected
    for chunk in (1, 3, 7, 1 << 20):
        assert bulk_lines(data, chunk) == expected
    assert bulk_lines(b"", 8) == [] == bulk_lines(b"\n \n", 8)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 9), max_size=8), st.integers(1, 7))
def test_rechunk_keeps_every_line_in_order(sizes: list[int], lines: int) -> None:
    pieces, number = [], 1
    for size in sizes:
        docs, count = split_lines(b"".join(b'{"n":%d}\n' % i for i in range(size)), number)
        assert count == size == len(docs.numbers)
        pieces.append(docs)
        number += count
    chunks = list(rechunk(pieces, lines))
    assert all(len(c.numbers) == lines for c in chunks[:-1])
    assert all(0 < len(c.numbers) <= lines for c in chunks)
    numbers = [n for c in chunks for n in c.numbers.to_pylist()]
    assert numbers == list(range(1, number))
