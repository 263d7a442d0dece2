"""Rows to time buckets in SQL: the one fragment every statistics method uses (SPEC 8.1).

The buckets come from domain/buckets.py (Python computes every edge, DST and :30/:45 offsets
included); SQL only looks each row's time up among the bucket starts, with an ASOF JOIN
against a small list passed as a parameter, so every method uses the same edges.

A bucket's *index* numbers its label (date, hour, utc_offset): pieces with the same label
(the pieces of `hour_of_day`, a day that a fall-back across midnight splits) share it, and
ordering by index is the answer's order (hour_of_day: the hour itself, 0..23).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from acdstats.domain.buckets import Bucket, Zone, buckets, offset_s, transitions
from acdstats.storage.dialect import DUCKDB

Label = tuple[str | None, int | None, str | None]  # date, hour, utc_offset
# The label keys each aggregation's records carry (utc_offset only with a timezone).
LABEL_KEYS: dict[str, tuple[str, ...]] = {
    "day": ("date",),
    "hour": ("date", "hour", "utc_offset"),
    "hour_of_day": ("hour",),
    "week": ("date",),
    "month": ("date",),
    "none": (),
}
_HOUR_MS = 3_600_000
_UNIT_MS = {"hour": _HOUR_MS, "day": 24 * _HOUR_MS, "week": 7 * 24 * _HOUR_MS}


def label_keys(aggregation: str, zoned: bool) -> tuple[str, ...]:
    """The time keys of a record: date, hour, utc_offset (with a timezone), as the shape has."""
    return tuple(n for n in LABEL_KEYS[aggregation] if n != "utc_offset" or zoned)


@dataclass(frozen=True)
class Bucketing:
    aggregation: str
    pieces: tuple[Bucket, ...]  # in time order, contiguous over the window
    labels: tuple[Label, ...]  # by index
    index: tuple[int, ...]  # the label index of each piece

    def params(self, prefix: str = "bk") -> dict[str, Any]:
        """The list parameters that `join_sql` reads."""
        return {
            f"{prefix}_start": [b.start_ms for b in self.pieces],
            f"{prefix}_index": list(self.index),
        }


def bucketing(from_ms: int, to_ms: int, aggregation: str, zone: Zone | None) -> Bucketing:
    pieces = tuple(buckets(from_ms, to_ms, aggregation, zone))
    if aggregation == "hour_of_day":
        labels: list[Label] = [(None, h, None) for h in range(24)]
        return Bucketing(aggregation, pieces, tuple(labels), tuple(b.hour or 0 for b in pieces))
    numbers: dict[Label, int] = {}
    index = tuple(numbers.setdefault(b.label, len(numbers)) for b in pieces)
    return Bucketing(aggregation, pieces, tuple(numbers), index)


def join_sql(time_column: str, alias: str = "bk", prefix: str = "bk") -> str:
    """An ASOF JOIN giving `{alias}.bi`, the bucket index of a row's time (TIMESTAMP)."""
    d = DUCKDB
    starts = f"unnest({d.param(prefix + '_start')})"
    table = (
        f"(SELECT {d.timestamp_ms(starts)} AS start, unnest({d.param(prefix + '_index')}) AS bi)"
    )
    return d.asof_join(f"{table} {alias}", f"{time_column} >= {alias}.start")


def index_sql(
    lookup: Bucketing, zone: Zone | None, from_ms: int, to_ms: int, column: str
) -> str | None:
    """The bucket index as arithmetic on the time (TIMESTAMP `column`), where the window has
    one UTC offset and equal units (hour, day, week; hour_of_day): the same index as the
    lookup, cheaper. None where only the lookup (join_sql) gives it."""
    if zone is None or transitions(zone, from_ms, to_ms):
        return None
    t = DUCKDB.epoch_ms(column)
    if lookup.aggregation == "hour_of_day":
        offset = offset_s(zone, from_ms // 1000) * 1000
        return f"((({t} + ({offset})) // {_HOUR_MS}) % 24 + 24) % 24"
    unit = _UNIT_MS.get(lookup.aggregation)
    pieces = lookup.pieces
    if unit is None or lookup.index != tuple(range(len(pieces))):
        return None
    if len(pieces) == 1:
        return "0"
    base = pieces[1].start_ms - unit
    if any(p.start_ms != base + i * unit for i, p in enumerate(pieces) if i):
        return None
    return f"({t} - ({base})) // {unit}"
