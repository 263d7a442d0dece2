"""Reading queue_log lines: the classic file, the realtime table exported as CSV, and
PBXware's normalised CSV (importers.pbxware).

Classic: `epoch|callid|queue|agent|VERB|data1|...`, epoch in UTC seconds (a fraction allowed).
Realtime CSV: a header with `time,callid,queuename,agent,event` and `data1..data5` (or one
`data` column holding `|`-separated fields); `time` is local time in the given zone unless it
carries its own offset or is an epoch.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import IO, Any, cast

from acdstats.domain.buckets import load_zone
from acdstats.domain.events import InvalidRecord
from acdstats.importers.pbxware import is_pbxware, pbxware_rows
from acdstats.importers.queue_log_verbs import QueueLogLine
from acdstats.importers.text import BOM, csv_reader, skip_bom

ParsedLine = tuple[int, QueueLogLine | InvalidRecord]

_CLASSIC_HEAD = re.compile(rb"\s*\d+(\.\d+)?\|")
_EPOCH = re.compile(r"(\d{1,12})(?:\.(\d{1,9}))?")
_LOCAL = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?"
)
_REALTIME_COLUMNS = ("time", "callid", "queuename", "agent", "event")
# After this much backwards jump inside a repeated (DST fall-back) hour, take the second pass.
_FOLD_JUMP_MS = 5 * 60 * 1000


def queue_log_lines(stream: IO[bytes], zone_name: str) -> Iterator[ParsedLine]:
    """Every non-blank line of either form, numbered as in the file."""
    if hasattr(stream, "peek"):
        return _lines(stream, zone_name)
    return _lines_of_unbuffered(stream, zone_name)


def _lines(stream: Any, zone_name: str) -> Iterator[ParsedLine]:
    skip_bom(stream)
    head = stream.peek(4096)
    if _CLASSIC_HEAD.match(head) or not head.strip():
        return classic_lines(stream)
    return realtime_lines(stream, zone_name)


def _lines_of_unbuffered(stream: IO[bytes], zone_name: str) -> Iterator[ParsedLine]:
    buffered = io.BufferedReader(cast(Any, stream))  # for peek()
    try:
        yield from _lines(buffered, zone_name)
    finally:
        buffered.detach()  # leave the caller's stream open


def classic_lines(stream: IO[bytes]) -> Iterator[ParsedLine]:
    for number, raw in enumerate(stream, start=1):
        if number == 1:
            raw = raw.removeprefix(BOM)
        text = raw.decode("utf-8", "replace").rstrip("\r\n")
        if not text.strip():
            continue
        fields = text.split("|")
        if len(fields) < 5:
            yield (
                number,
                InvalidRecord(
                    f"{len(fields)} field(s); a queue_log line is epoch|callid|queue|agent|VERB|..."
                ),
            )
            continue
        at = epoch_ms(fields[0].strip())
        if at is None:
            yield number, InvalidRecord(f"bad epoch {fields[0][:40]!r}")
            continue
        yield number, _line(at, fields[1:5], fields[5:])


def realtime_lines(stream: IO[bytes], zone_name: str) -> Iterator[ParsedLine]:
    """The realtime table's CSV export (a byte-order mark skipped, `,` `;` or tab separated)."""
    with csv_reader(stream, errors="replace") as reader:
        yield from _realtime_rows(reader, zone_name)


def _realtime_rows(reader: Any, zone_name: str) -> Iterator[ParsedLine]:
    header = [h.strip().lower() for h in next(reader, [])]
    if is_pbxware(header):
        yield from pbxware_rows(header, reader, LocalClock(UTC).to_ms)
        return
    missing = [c for c in _REALTIME_COLUMNS if c not in header]
    if missing:
        yield (
            1,
            InvalidRecord(
                "neither a queue_log file (epoch|callid|...) nor a realtime or PBXware CSV "
                f"export: the header lacks {', '.join(missing)}"
            ),
        )
        return
    zone = load_zone(zone_name)  # the pinned tz database, as for every local time
    if zone is None:
        yield 1, InvalidRecord(f"unknown time zone {zone_name!r}")
        return
    clock = LocalClock(zone)
    at_col, call_col, queue_col, agent_col, verb_col = (header.index(c) for c in _REALTIME_COLUMNS)
    data_cols = [header.index(f"data{i}") for i in range(1, 6) if f"data{i}" in header]
    joined_col = header.index("data") if not data_cols and "data" in header else None
    for row in reader:
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            yield number, InvalidRecord(f"{len(row)} cells but the header has {len(header)}")
            continue
        try:
            at = clock.to_ms(row[at_col].strip())
        except ValueError as exc:
            yield number, InvalidRecord(str(exc))
            continue
        data = [row[i] for i in data_cols]
        if joined_col is not None and row[joined_col]:
            data = row[joined_col].split("|")
        fields = [row[call_col], row[queue_col], row[agent_col], row[verb_col]]
        yield number, _line(at, fields, data)


def _line(at: int, fields: list[str], data: list[str]) -> QueueLogLine:
    callid, queue, agent, verb = fields
    return QueueLogLine(
        at,
        callid.strip(),
        queue.strip(),
        agent.strip(),
        verb.strip().upper(),
        tuple([d.strip() for d in data]),
    )


def epoch_ms(text: str) -> int | None:
    """UTC epoch milliseconds of `seconds[.fraction]` (sub-millisecond digits dropped)."""
    m = _EPOCH.fullmatch(text)
    if m is None:
        return None
    return int(m.group(1)) * 1000 + int((m.group(2) or "0").ljust(3, "0")[:3])


class LocalClock:
    """Local wall-clock times of one zone to UTC milliseconds.

    A wall time that occurs twice (the hour repeated when DST ends) is read as its first
    occurrence, unless the previous line was already later than that: then the log, written
    in time order, has reached the second pass.
    """

    def __init__(self, zone: tzinfo) -> None:
        self._zone = zone
        self._last: int | None = None

    def to_ms(self, text: str) -> int:
        if text.isdigit() or _EPOCH.fullmatch(text):
            ms = epoch_ms(text)
            assert ms is not None
            return self._seen(ms)
        m = _LOCAL.fullmatch(text)
        if m is None:
            raise ValueError(f"bad time {text[:40]!r}")
        year, month, day, hh, mi, ss, frac, offset = m.groups()
        try:
            wall = datetime(int(year), int(month), int(day), int(hh), int(mi), int(ss))
        except ValueError:
            raise ValueError(f"bad time {text[:40]!r}: not a real time") from None
        millis = int((frac or "0").ljust(3, "0")[:3])
        if offset is not None:
            zone = UTC if offset == "Z" else _fixed(offset)
            return self._seen(_ms(wall.replace(tzinfo=zone)) + millis)
        first = _ms(wall.replace(tzinfo=self._zone, fold=0))
        second = _ms(wall.replace(tzinfo=self._zone, fold=1))
        if first != second and self._last is not None and self._last > first + _FOLD_JUMP_MS:
            first = second
        return self._seen(first + millis)

    def _seen(self, ms: int) -> int:
        self._last = ms if self._last is None else max(self._last, ms)
        return ms


def _fixed(offset: str) -> timezone:
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0)
    return timezone(sign * timedelta(minutes=minutes))


def _ms(dt: datetime) -> int:
    return int(dt.timestamp()) * 1000
