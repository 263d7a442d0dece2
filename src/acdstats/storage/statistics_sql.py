"""The one SQL statement behind GetACDOperatorStatistics.

The window is cut into parts: whole months from the monthly rollup (when no buckets are
asked for), whole days from the daily rollup (when no hour buckets are asked for), whole
hours from the hourly rollup, and the ragged edges from offers. Each part
is aggregated per (operator, bucket) and the parts are merged (count/sum add, min/max
compare), so the answer equals a GROUP BY over offers alone (`use_rollups=False`).
Kept apart from the shaping so that another engine only needs another version of this file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from acdstats.domain.query import StatisticsQuery
from acdstats.storage.rollups import FROM_OFFERS, MERGED

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS

# Bucket columns per aggregation: SQL over a time column {t}, and the output names.
BUCKETS: dict[str, list[tuple[str, str]]] = {
    "day": [("strftime({t}, '%Y-%m-%d')", "date")],
    "hour": [("strftime({t}, '%Y-%m-%d')", "date"), ("hour({t})", "hour")],
    "hour_of_day": [("hour({t})", "hour")],
    "none": [],
}
# Where each kind of part comes from: table, its time column, its aggregate columns.
_SOURCES = {
    "offers": ("offers", "offered_at", FROM_OFFERS),
    "hours": ("rollup_hour", "bucket", MERGED),
    "days": ("rollup_day", "bucket", MERGED),
    "months": ("rollup_month", "bucket", MERGED),
}


def plan(from_ms: int, to_ms: int, aggregation: str) -> list[tuple[str, int, int]]:
    """[(source, lo_ms, hi_ms)]: non-overlapping parts that cover [from_ms, to_ms)."""
    first_hour, last_hour = -(-from_ms // HOUR_MS) * HOUR_MS, to_ms // HOUR_MS * HOUR_MS
    if first_hour >= last_hour:
        return [("offers", from_ms, to_ms)]
    parts = [("offers", from_ms, first_hour), ("offers", last_hour, to_ms)]
    first_day, last_day = -(-from_ms // DAY_MS) * DAY_MS, to_ms // DAY_MS * DAY_MS
    if aggregation not in ("day", "none") or first_day >= last_day:
        parts.append(("hours", first_hour, last_hour))
    else:
        parts += [("hours", first_hour, first_day), ("hours", last_day, last_hour)]
        first_month, last_month = _month_ceil(first_day), _month_floor(last_day)
        if aggregation == "none" and first_month < last_month:
            parts += [
                ("days", first_day, first_month),
                ("months", first_month, last_month),
                ("days", last_month, last_day),
            ]
        else:
            parts.append(("days", first_day, last_day))
    return [(source, lo, hi) for source, lo, hi in parts if lo < hi]


def _month_floor(ms: int) -> int:
    day = datetime.fromtimestamp(ms / 1000, UTC)
    return int(datetime(day.year, day.month, 1, tzinfo=UTC).timestamp()) * 1000


def _month_ceil(ms: int) -> int:
    floor = _month_floor(ms)
    if floor == ms:
        return ms
    day = datetime.fromtimestamp(floor / 1000, UTC)
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return int(datetime(year, month, 1, tzinfo=UTC).timestamp()) * 1000


def operator_statistics_sql(
    query: StatisticsQuery, use_rollups: bool = True
) -> tuple[str, dict[str, Any]]:
    """SQL whose rows are (user_id, *bucket, count/sum/min/max per sample..., uac)."""
    params: dict[str, Any] = {}
    filters = []
    # Ids are validated integers, written as literals: a constant IN list plans faster than a
    # join with a list parameter, and lets DuckDB prune with zone maps.
    if query.user_ids is not None:
        filters.append(f"user_id IN ({', '.join(map(str, map(int, query.user_ids)))})")
    if query.queue_ids is not None:
        filters.append(f"queue_id IN ({', '.join(map(str, map(int, query.queue_ids)))})")
    parts = (
        plan(query.from_ms, query.to_ms, query.aggregation)
        if use_rollups
        else [("offers", query.from_ms, query.to_ms)]
    )
    selects = []
    for n, (source, lo, hi) in enumerate(parts):
        table, column, aggregates = _SOURCES[source]
        buckets = [expr.format(t=column) for expr, _ in BUCKETS[query.aggregation]]
        where = [
            "account_id = $account",
            f"{column} >= make_timestamp_ms($lo{n})",
            f"{column} < make_timestamp_ms($hi{n})",
            *filters,
        ]
        params[f"lo{n}"], params[f"hi{n}"] = lo, hi
        keys = ", ".join(["user_id", *(f"{b} AS b{i}" for i, b in enumerate(buckets))])
        selects.append(
            f"SELECT {keys}, {aggregates} FROM {table} WHERE {' AND '.join(where)} GROUP BY ALL"
        )
    n_keys = 1 + len(BUCKETS[query.aggregation])
    outer_keys = ["user_id", *(f"b{i}" for i in range(n_keys - 1))]
    positions = list(range(1, n_keys + 1))
    order = positions[1:] + positions[:1] if query.group == "aggregation" else positions
    # Both aggregate lists give (count, sum, min, max) per sample, then uac: the row layout.
    merged = (
        selects[0]  # one part is already grouped by the answer's keys
        if len(selects) == 1
        else f"SELECT {', '.join(outer_keys)}, {MERGED} FROM ({' UNION ALL '.join(selects)}) "
        f"GROUP BY {', '.join(map(str, positions))}"
    )
    return f"{merged} ORDER BY {', '.join(map(str, order))}", params
