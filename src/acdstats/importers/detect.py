"""Pick the reader for a file: JSON Lines, CSV, or Asterisk queue_log."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

from acdstats.domain.buckets import load_zone
from acdstats.domain.events import InvalidRecord, Line, LineChunk
from acdstats.importers.jsonl_bulk import read_jsonl_chunks
from acdstats.importers.jsonl_csv import read_csv, read_jsonl
from acdstats.importers.localtime import localized
from acdstats.importers.text import BOM, skip_bom

_QUEUE_LOG_LINE = re.compile(rb"^\d{9,}(\.\d+)?\|")
# The realtime queue_log table exported as CSV: its header names these columns.
_REALTIME_HEADER = re.compile(
    rb"^(?=[^\n]*\btime\b)(?=[^\n]*\bcallid\b)(?=[^\n]*\bqueuename\b)(?=[^\n]*\bevent\b)",
    re.IGNORECASE,
)
# PBXware's normalised queue_log CSV (importers.pbxware).
_PBXWARE_HEADER = re.compile(
    rb"^(?=[^\n]*\bdate_time\b)(?=[^\n]*\bcallid\b)(?=[^\n]*\bqueue_name\b)"
    rb"(?=[^\n]*\bevent\b)",
    re.IGNORECASE,
)


def open_reader(stream: IO[bytes], fmt: str, timezone: str = "UTC") -> Iterator[Line]:
    """Lines of the file as dicts; `events`/`offers` restrict what the lines may be.

    timezone: the zone of local times (queue_log realtime CSV; event and offer-record times
    without an offset). It must be a zone of the shipped tz database (the command line checks it
    first).
    """
    skip_bom(stream)
    head = stream.peek(4096) if hasattr(stream, "peek") else b""
    first = head.lstrip()[:1]
    if fmt == "queue_log" or (fmt == "auto" and _is_queue_log(head.lstrip())):
        from acdstats.importers.queue_log import read_queue_log

        queue_log_lines: Iterator[Line] = read_queue_log(stream, timezone)
        return queue_log_lines
    lines = read_jsonl(stream) if first in (b"{", b"[") else read_csv(stream)
    if timezone != "UTC":
        zone = load_zone(timezone)
        if zone is None:
            raise ValueError(f"unknown time zone {timezone!r}")
        lines = localized(lines, zone)
    if fmt == "events":
        return _only(lines, lambda t: t != "offer", "an offer record in an events import")
    if fmt == "offers":
        return _offers(lines)
    return lines


def open_bulk(stream: IO[bytes], fmt: str, timezone: str = "UTC") -> Iterator[LineChunk] | None:
    """The file in large chunks of documents where a bulk reader gives exactly the lines
    open_reader would (JSON Lines in UTC); None where it does not (then use open_reader)."""
    if timezone != "UTC" or fmt == "queue_log" or not hasattr(stream, "peek"):
        return None
    head = stream.peek(4096 + len(BOM)).removeprefix(BOM).lstrip()  # as open_reader sees it
    if head[:1] not in (b"{", b"[") or (fmt == "auto" and _is_queue_log(head)):
        return None  # CSV or queue_log; `events`/`offers` change nothing in JSON Lines text
    skip_bom(stream)  # as open_reader does (and the reader drops one more, as read_jsonl)
    return read_jsonl_chunks(stream)


def _is_queue_log(head: bytes) -> bool:
    return bool(
        _QUEUE_LOG_LINE.match(head) or _REALTIME_HEADER.match(head) or _PBXWARE_HEADER.match(head)
    )


def _only(lines: Iterator[Line], allowed: Any, reason: str) -> Iterator[Line]:
    for number, raw in lines:
        if isinstance(raw, dict) and not allowed(raw.get("type")):
            yield number, InvalidRecord(reason)
        else:
            yield number, raw


def _offers(lines: Iterator[Line]) -> Iterator[Line]:
    """Offer records; the `type` column may be left out."""
    for number, raw in lines:
        if isinstance(raw, dict):
            raw.setdefault("type", "offer")
            if raw["type"] != "offer":
                raw = InvalidRecord(f"type {raw['type']!r} in an offers import")
        yield number, raw
