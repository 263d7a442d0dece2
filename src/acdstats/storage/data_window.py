"""A long local-time window narrowed to the rows it holds, before its buckets are made."""

from __future__ import annotations

import dataclasses
from typing import Protocol, TypeVar

import duckdb

from acdstats.domain.buckets import Zone
from acdstats.storage.dialect import DUCKDB

_HOUR_MS = 3_600_000
# Beyond this many local buckets, the window is first narrowed to the rows it holds.
_MANY_BUCKETS = 20_000
_UNIT_MS = {"hour": _HOUR_MS, "hour_of_day": _HOUR_MS, "day": 24 * _HOUR_MS}


class _Windowed(Protocol):
    @property
    def from_ms(self) -> int: ...
    @property
    def to_ms(self) -> int: ...


Q = TypeVar("Q", bound=_Windowed)


def clip_to_data(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    query: Q,
    rows: tuple[str, str],
    zone: Zone | None,
    aggregation: str,
) -> Q | None:
    """The query over the part of its window that holds rows (table, time column): the
    same answer, fewer buckets to compute; None when it holds none (a long window with a
    time zone only)."""
    unit = _UNIT_MS.get(aggregation, 7 * 24 * _HOUR_MS)
    if zone is None or (query.to_ms - query.from_ms) // unit < _MANY_BUCKETS:
        return query
    table, column = rows
    d = DUCKDB
    first, last = cur.execute(
        f"SELECT {d.epoch_ms(f'min({column})')}, {d.epoch_ms(f'max({column})')} FROM {table} "
        f"WHERE account_id = $a AND {column} >= {d.timestamp_ms('$lo')} "
        f"AND {column} < {d.timestamp_ms('$hi')}",
        {"a": account_id, "lo": query.from_ms, "hi": query.to_ms},
    ).fetchall()[0]
    if first is None:
        return None
    return dataclasses.replace(query, from_ms=int(first), to_ms=int(last) + 1)  # type: ignore[type-var]
