"""The one SQL statement behind GetACDOperatorStatistics.

Each bucket of the answer (domain/buckets.py: UTC or local, DST included) is cut into parts:
whole UTC months from the monthly rollup, whole UTC days from the daily rollup, whole UTC
hours from the hourly rollup (those over all queues when the request neither filters nor
splits by queue), and the ragged edges from offers; neighbouring parts of one
source are read together. Each part is aggregated per (operator, bucket[, queue]) and the
parts are merged (count/sum add, min/max compare), so the answer equals a GROUP BY over
offers alone (`use_rollups=False`). A zone whose bucket edges are not whole UTC hours
(Asia/Kolkata, +05:30) therefore reads offers. Percentiles need every sample: they read
offers only (exact nearest rank, SPEC 8.2: metrics.nearest_ranks_sql).
Without a timezone the labels are computed by SQL from the time (as before); with one, each
row looks its bucket up among the bucket starts (storage/bucket_sql.py).
Kept apart from the shaping so that another engine only needs another version of this file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from acdstats.domain.metrics import nearest_ranks_sql
from acdstats.domain.query import StatisticsQuery
from acdstats.storage.bucket_sql import (
    Bucketing,
    bucketing,
    index_sql,
    join_sql,
    label_keys,
)
from acdstats.storage.dialect import DUCKDB
from acdstats.storage.rollups import FROM_OFFERS, MERGED, SAMPLES

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS

# Bucket columns per aggregation: SQL over a time column {t}, and the output names.
BUCKETS: dict[str, list[tuple[str, str]]] = {
    "day": [("strftime({t}, '%Y-%m-%d')", "date")],
    "hour": [("strftime({t}, '%Y-%m-%d')", "date"), ("hour({t})", "hour")],
    "hour_of_day": [("hour({t})", "hour")],
    "week": [(f"strftime({DUCKDB.date_trunc('week', '{t}')}, '%Y-%m-%d')", "date")],
    "month": [(f"strftime({DUCKDB.date_trunc('month', '{t}')}, '%Y-%m-%d')", "date")],
    "none": [],
}
# Bucket columns per aggregation as the bucket's start (or hour of day), for callers that
# label the buckets themselves (statistics_arrow): cheaper to compute and to sort than text.
BUCKET_STARTS: dict[str, list[str]] = {
    "day": ["date_trunc('day', {t})"],
    "hour": ["date_trunc('hour', {t})"],
    "hour_of_day": ["hour({t})"],
    "week": ["date_trunc('week', {t})"],
    "month": ["date_trunc('month', {t})"],
    "none": [],
}
# The aggregate columns of every row, in order (the layout of FROM_OFFERS and MERGED).
AGGREGATE_COLUMNS = [f"{s}_{k}" for s in SAMPLES for k in ("count", "sum", "min", "max")] + ["uac"]
# Where each kind of part comes from: table, its time column, its aggregate columns.
_SOURCES = {
    "offers": ("offers", "offered_at", FROM_OFFERS),
    "hours": ("rollup_hour", "bucket", MERGED),
    "days": ("rollup_day", "bucket", MERGED),
    "months": ("rollup_month", "bucket", MERGED),
}
# A request that neither filters nor splits by queue reads the rollups over all queues.
_ALL_QUEUES = {"hours": "rollup_all_hour", "days": "rollup_all_day", "months": "rollup_all_month"}
# The rollup whose rows are each one bucket of an aggregation (without a timezone).
_ONE_ROW_PER_BUCKET = {"hour": "hours", "day": "days", "month": "months"}
_AS_STORED = ", ".join(f"s.{c} AS {c}" for c in AGGREGATE_COLUMNS)


def label_names(query: StatisticsQuery) -> tuple[str, ...]:
    """The time keys of a record: date, hour, utc_offset (with a timezone), as the shape has."""
    return label_keys(query.aggregation, query.ext.zone is not None)


def query_bucketing(query: StatisticsQuery) -> Bucketing | None:
    """The buckets looked up per row (with a timezone), or None when SQL labels the rows."""
    if query.ext.zone is None:
        return None
    return bucketing(query.from_ms, query.to_ms, query.aggregation, query.ext.zone)


def plan(
    from_ms: int, to_ms: int, aggregation: str, lookup: Bucketing | None = None
) -> list[tuple[str, int, int]]:
    """The parts of a window without a timezone (or with the given buckets), in time order."""
    if aggregation in ("hour", "hour_of_day"):
        coarsest = "hours"
    elif lookup is None and aggregation in ("day", "week"):
        coarsest = "days"  # UTC days and weeks are made of whole UTC days
    else:
        coarsest = "months"
    # Without a timezone, every UTC hour, day and month lies within one bucket of its
    # aggregation or a coarser one: the window is one piece, cut by `coarsest` alone.
    pieces = (
        [(b.start_ms, b.end_ms) for b in lookup.pieces]
        if lookup is not None
        else [(from_ms, to_ms)]
    )
    return plan_pieces(pieces, coarsest)


def ranges_by_source(
    from_ms: int, to_ms: int, aggregation: str, lookup: Bucketing | None, use_rollups: bool
) -> dict[str, list[tuple[int, int]]]:
    """source -> its (lo_ms, hi_ms) ranges of the window: the plan's parts, or the whole
    window from the raw rows ("offers") when rollups cannot answer (or are not wanted)."""
    if use_rollups:
        parts = plan(from_ms, to_ms, aggregation, lookup)
    else:
        parts = [("offers", from_ms, to_ms)]
    by_source: dict[str, list[tuple[int, int]]] = {}
    for source, lo, hi in parts:
        by_source.setdefault(source, []).append((lo, hi))
    return by_source


def plan_pieces(
    pieces: list[tuple[int, int]], coarsest: str = "months"
) -> list[tuple[str, int, int]]:
    """[(source, lo_ms, hi_ms)]: non-overlapping parts that cover the pieces, each part
    within one piece, neighbouring parts of one source merged; no part reads a rollup
    coarser than `coarsest` (hours, days or months)."""
    parts: list[tuple[str, int, int]] = []
    for lo, hi in pieces:
        for source, a, b in _cover(lo, hi, coarsest):
            if parts and parts[-1][0] == source and parts[-1][2] == a:
                parts[-1] = (source, parts[-1][1], b)
            else:
                parts.append((source, a, b))
    return parts


def _cover(lo: int, hi: int, coarsest: str) -> list[tuple[str, int, int]]:
    first_hour, last_hour = -(-lo // HOUR_MS) * HOUR_MS, hi // HOUR_MS * HOUR_MS
    if first_hour >= last_hour:
        return [("offers", lo, hi)]
    parts = [("offers", lo, first_hour)]
    first_day, last_day = -(-first_hour // DAY_MS) * DAY_MS, last_hour // DAY_MS * DAY_MS
    if first_day >= last_day or coarsest == "hours":
        parts.append(("hours", first_hour, last_hour))
    else:
        parts.append(("hours", first_hour, first_day))
        first_month, last_month = _month_ceil(first_day), _month_floor(last_day)
        if first_month < last_month and coarsest == "months":
            parts += [
                ("days", first_day, first_month),
                ("months", first_month, last_month),
                ("days", last_month, last_day),
            ]
        else:
            parts.append(("days", first_day, last_day))
        parts.append(("hours", last_day, last_hour))
    parts.append(("offers", last_hour, hi))
    return [(source, a, b) for source, a, b in parts if a < b]


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


def percentile_samples(query: StatisticsQuery) -> tuple[str, ...]:
    """The samples whose percentiles the answer shows (those of its item objects)."""
    if not query.ext.percentiles:
        return ()
    asked = {item.sample for item in query.items if item.kind == "object"}
    return tuple(s for s in SAMPLES if s in asked)


def _percentile_columns(query: StatisticsQuery) -> str:
    """The p<N> aggregates of the offers part (SPEC 8.2, metrics.nearest_ranks_sql)."""
    columns = []
    for s in percentile_samples(query):
        ranks = nearest_ranks_sql(s, query.ext.percentiles)
        columns += [f"{r} AS {s}_p{n}" for r, n in zip(ranks, query.ext.percentiles, strict=True)]
    return "".join(", " + c for c in columns)


def _percentile_select(query: StatisticsQuery) -> str:
    names = [f"{s}_p{n}" for s in percentile_samples(query) for n in query.ext.percentiles]
    return "".join(", " + c for c in names)


def key_count(query: StatisticsQuery) -> int:
    """How many key columns a row starts with: user_id, the bucket, the queue."""
    buckets = (
        1
        if query.ext.zone is not None and query.aggregation != "none"
        else len(BUCKETS[query.aggregation])
    )
    return 1 + buckets + (1 if query.ext.by_queue else 0)


def _arithmetic(query: StatisticsQuery, lookup: Bucketing, column: str) -> str | None:
    """The bucket index as arithmetic on the time where it can be (bucket_sql.index_sql)."""
    return index_sql(lookup, query.ext.zone, query.from_ms, query.to_ms, column)


def _span(params: dict[str, Any], column: str, lo: int, hi: int) -> str:
    """`lo <= column < hi`, the bounds as new parameters."""
    n = len(params)
    params[f"lo{n}"], params[f"hi{n}"] = lo, hi
    lo_ts, hi_ts = (DUCKDB.timestamp_ms(DUCKDB.param(f"{b}{n}")) for b in ("lo", "hi"))
    return f"{column} >= {lo_ts} AND {column} < {hi_ts}"


def operator_statistics_sql(
    query: StatisticsQuery, use_rollups: bool = True, labels: bool = True, ordered: bool = True
) -> tuple[str, dict[str, Any]]:
    """SQL whose rows are (user_id, *bucket, [queue_id], count/sum/min/max per sample..., uac,
    [<sample>_p<N>...]): the bucket is its label columns without a timezone (or with
    `labels=False` its start, BUCKET_STARTS), else its index; in the answer's order unless
    `ordered=False`."""
    params: dict[str, Any] = {}
    filters = []
    # Ids are validated integers, written as literals: a constant IN list plans faster than a
    # join with a list parameter, and lets DuckDB prune with zone maps.
    if query.user_ids is not None:
        filters.append(f"user_id IN ({', '.join(map(str, map(int, query.user_ids)))})")
    if query.queue_ids is not None:
        filters.append(f"queue_id IN ({', '.join(map(str, map(int, query.queue_ids)))})")
    lookup = query_bucketing(query) if query.aggregation != "none" else None
    pct_samples = percentile_samples(query)
    by_source = ranges_by_source(
        query.from_ms, query.to_ms, query.aggregation, lookup, use_rollups and not pct_samples
    )
    queue_key = ["queue_id"] if query.ext.by_queue else []
    selects = []
    all_queues = query.queue_ids is None and not query.ext.by_queue
    for source, ranges in by_source.items():
        table, column, aggregates = _SOURCES[source]
        if all_queues:
            table = _ALL_QUEUES.get(source, table)
        # One source whose rows have the answer's keys already (a rollup of the bucket's
        # unit, over all queues or split by queue as the answer is): read them as stored.
        as_stored = (
            len(by_source) == 1
            and lookup is None
            and _ONE_ROW_PER_BUCKET.get(query.aggregation) == source
            and (all_queues or (query.ext.by_queue and query.queue_ids is None))
        )
        arithmetic = _arithmetic(query, lookup, f"s.{column}") if lookup is not None else None
        if arithmetic is not None:
            buckets, join = [arithmetic], ""
        elif lookup is not None:
            buckets, join = ["bk.bi"], " " + join_sql(f"s.{column}")
            params.update(lookup.params())
        else:
            exprs = (
                [e for e, _ in BUCKETS[query.aggregation]]
                if labels
                else BUCKET_STARTS[query.aggregation]
            )
            buckets = [expr.format(t=f"s.{column}") for expr in exprs]
            join = ""

        where = ["s.account_id = $account", *(f"s.{f}" for f in filters)]
        # The whole span first, so that zone maps prune; then the parts within it.
        t = f"s.{column}"
        where.append(_span(params, t, ranges[0][0], ranges[-1][1]))
        if len(ranges) > 1:
            where.append("(" + " OR ".join(f"({_span(params, t, *r)})" for r in ranges) + ")")
        keys = ", ".join(
            ["s.user_id AS user_id", *(f"{b} AS b{i}" for i, b in enumerate(buckets)),
             *(f"s.{k} AS {k}" for k in queue_key)]
        )  # fmt: skip
        extra = _percentile_columns(query) if source == "offers" and pct_samples else ""
        selects.append(
            f"SELECT {keys}, {_AS_STORED} FROM {table} s WHERE {' AND '.join(where)}"
            if as_stored
            else f"SELECT {keys}, {aggregates}{extra} FROM {table} s{join} "
            f"WHERE {' AND '.join(where)} GROUP BY ALL"
        )
    outer_keys = key_names(query, labels)
    positions = list(range(1, len(outer_keys) + 1))
    # Both aggregate lists give (count, sum, min, max) per sample, then uac: the row layout.
    if len(selects) == 1:
        merged = selects[0]  # one part is already grouped by the answer's keys
        if pct_samples:
            merged = (
                f"SELECT {', '.join(outer_keys)}, "
                f"{', '.join(AGGREGATE_COLUMNS)}"
                f"{_percentile_select(query)} FROM ({merged})"
            )
    else:
        merged = (
            f"SELECT {', '.join(outer_keys)}, {MERGED} FROM ({' UNION ALL '.join(selects)}) "
            f"GROUP BY {', '.join(map(str, positions))}"
        )
    if not ordered:
        return merged, params
    return f"{merged} ORDER BY {order_by(query, labels)}", params


def _bucket_columns(query: StatisticsQuery, labels: bool) -> int:
    if labels or query.ext.zone is not None:
        return key_count(query) - 1 - (1 if query.ext.by_queue else 0)
    return len(BUCKET_STARTS[query.aggregation])


def key_names(query: StatisticsQuery, labels: bool = True) -> list[str]:
    """The key columns of a row: user_id, the bucket's (b0, ...), [queue_id]."""
    n_buckets = _bucket_columns(query, labels)
    return ["user_id", *(f"b{i}" for i in range(n_buckets))] + (
        ["queue_id"] if query.ext.by_queue else []
    )


def _order(query: StatisticsQuery, labels: bool) -> list[int]:
    """The answer's order of the rows: key column positions (1-based), the queue's (NULLs
    last) at the end when there is one."""
    n_buckets = _bucket_columns(query, labels)
    times = list(range(2, 2 + n_buckets))
    order = [*times, 1] if query.group == "aggregation" else [1, *times]
    return order + ([2 + n_buckets] if query.ext.by_queue else [])


def order_by(query: StatisticsQuery, labels: bool = True) -> str:
    """The answer's order as an ORDER BY list."""
    order = [str(p) for p in _order(query, labels)]
    if query.ext.by_queue:
        order[-1] += " NULLS LAST"
    return ", ".join(order)


def sort_rows(query: StatisticsQuery, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows of `ordered=False` in the answer's order (as `order_by` sorts them: keys are
    integers, ASCII labels, and the queue with NULLs last). For small answers, whose
    statement plans ~2 ms faster without its ORDER BY."""
    positions = [p - 1 for p in _order(query, True)]
    queue = positions[-1] if query.ext.by_queue else None
    return sorted(
        rows,
        key=lambda row: tuple(
            (row[p] is None, row[p] or 0) if p == queue else row[p] for p in positions
        ),
    )
