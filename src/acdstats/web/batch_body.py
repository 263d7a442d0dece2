"""The body of POST /events split into lines: NDJSON, or the elements of a JSON array.

Both forms give each event as its raw JSON text (bytes; the database checks it, as for JSON
Lines files), so a batch costs about its own size in memory whatever it holds: nothing is
turned into Python objects but one element at a time for its syntax check. Splitting stops
at the first event past the line limit (413), before the rest of the body is looked at.
CPU-bound and blocking: call it from a worker thread.
"""

from __future__ import annotations

import io
import re

import orjson

from acdstats.domain.events import InvalidRecord, Line
from acdstats.web.responses import TransportError

# Elements up to this size are parsed once (then dropped) so that a malformed array is a 400;
# a larger one is left to the database's check (no event is anywhere near this size).
CHECKED_ELEMENT_BYTES = 64 * 1024
MANY_BRACKETS = 1024

_WS = re.compile(rb"[ \t\r\n]*")
_STRING = rb'"[^"\\]*(?:\\.[^"\\]*)*"'
# One element of the array at depth 1 that holds no nested array or object (every event is
# one), with the comma or bracket after it: one regular-expression match per event.
_FLAT = re.compile(
    rb'[ \t\r\n]*(\{[^"{}\[\]]*(?:'
    + _STRING
    + rb'[^"{}\[\]]*)*\}|'
    + _STRING
    + rb'|[^,\[\]{}"\s]+)'
    rb"[ \t\r\n]*([,\]])"
)
# Inside a nested element: strings are skipped whole, brackets are counted.
_NESTED = re.compile(_STRING + rb'|["\[\]{}]')
_CLOSING = {ord("["): ord("]"), ord("{"): ord("}")}


def parse_batch(body: bytes, max_lines: int) -> list[Line]:
    """A JSON array of events, or NDJSON (one event per line); 400 if the body is neither."""
    start = _WS.match(body).end()  # type: ignore[union-attr]
    if body[start : start + 1] == b"[":
        return split_array(body, start, max_lines)
    return split_ndjson(body, max_lines)


def _too_many(max_lines: int) -> TransportError:
    return TransportError(413, f"Batch over the server's limit of {max_lines} events")


def split_ndjson(body: bytes, max_lines: int) -> list[Line]:
    lines: list[Line] = []
    for number, raw in enumerate(io.BytesIO(body), start=1):
        text = raw.strip()
        if text:
            if len(lines) == max_lines:
                raise _too_many(max_lines)
            lines.append((number, _too_deep(text) or text))
    if lines and not any(_maybe_json(raw) for _, raw in lines):  # type: ignore[arg-type]
        raise TransportError(400, "Body is neither NDJSON nor a JSON array of events")
    return lines


def _too_deep(raw: bytes) -> InvalidRecord | None:
    """A large element with many brackets is parsed here, where orjson stops at once at
    depth 1024, not by the database, whose parser took 390 MB for a 7 MB line nested a
    million deep. Events are flat objects: no real one gets here."""
    if len(raw) <= CHECKED_ELEMENT_BYTES or raw.count(b"[") + raw.count(b"{") <= MANY_BRACKETS:
        return None
    try:
        orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return InvalidRecord(f"not valid JSON: {exc}")
    return None


def _maybe_json(raw: bytes | InvalidRecord) -> bool:
    if isinstance(raw, InvalidRecord):
        return True  # JSON text, though not a valid one: the batch is NDJSON
    if len(raw) > CHECKED_ELEMENT_BYTES:
        return True  # the database's check decides
    try:
        orjson.loads(raw)
    except orjson.JSONDecodeError:
        return False
    return True


def split_array(body: bytes, start: int, max_lines: int) -> list[Line]:
    """The elements of the JSON array at body[start] as lines numbered from 1."""
    pos = _WS.match(body, start + 1).end()  # type: ignore[union-attr]
    lines: list[Line] = []
    if body[pos : pos + 1] == b"]":
        pos += 1
    else:
        while True:
            flat = _FLAT.match(body, pos)
            if flat is not None:
                first, end = flat.span(1)
                closing = flat.group(2)
                pos = flat.end()
            else:
                first = _WS.match(body, pos).end()  # type: ignore[union-attr]
                end = _nested_end(body, first)
                after = _WS.match(body, end).end()  # type: ignore[union-attr]
                closing = body[after : after + 1]
                if closing not in (b",", b"]"):
                    raise _malformed(f"expected ',' or ']' at byte {after}")
                pos = after + 1
            if len(lines) == max_lines:
                raise _too_many(max_lines)
            lines.append((len(lines) + 1, _element(body[first:end], first)))
            if closing == b"]":
                break
    if _WS.match(body, pos).end() != len(body):  # type: ignore[union-attr]
        raise _malformed(f"data after the array at byte {pos}")
    return lines


def _element(raw: bytes, offset: int) -> bytes | InvalidRecord:
    if len(raw) <= CHECKED_ELEMENT_BYTES:
        try:
            orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise _malformed(f"{exc} (in the element at byte {offset})") from None
    if raw[:1] != b"{":
        return InvalidRecord("not a JSON object")
    return _too_deep(raw) or raw


def _nested_end(body: bytes, first: int) -> int:
    """The end of the array or object that starts at body[first]."""
    if body[first : first + 1] not in (b"[", b"{"):
        raise _malformed(f"no JSON value at byte {first}")
    expected: list[int] = []
    for token in _NESTED.finditer(body, first):
        char = body[token.start()]
        if char == ord('"'):
            if token.end() - token.start() == 1:
                break  # a string that never ends
            continue
        if char in _CLOSING:
            expected.append(_CLOSING[char])
        elif not expected or expected.pop() != char:
            raise _malformed(f"unbalanced {chr(char)!r} at byte {token.start()}")
        if not expected:
            return token.end()
    raise _malformed("the array does not end")


def _malformed(detail: str) -> TransportError:
    return TransportError(400, f"Body is not a valid JSON array: {detail}")
