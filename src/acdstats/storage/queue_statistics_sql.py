"""The one SQL statement behind GetACDQueueStatistics.

As for operators (statistics_sql): each bucket of the answer (UTC, or local with a timezone:
domain/buckets.py) is cut into whole UTC months, days and hours read from the queue rollups
and ragged edges read from queue calls; each source is read once, per (bucket[, queue]), and
the parts are merged (count/sum add, min/max compare). Service levels come from the per-hour
WT histogram for the rollup parts (exact for any threshold: a call's rounded WT is a whole
second) and from the calls for the edges, merged the same way; so the answer equals a GROUP
BY over queue calls alone (`use_rollups=False`). Percentiles need every sample: they read
queue calls only (exact nearest rank, SPEC 8.2: metrics.nearest_ranks_sql).
Without a timezone SQL labels the rows from the time; with one, a row's bucket is its index
into the labels (storage/bucket_sql.py).
"""

from __future__ import annotations

from typing import Any

from acdstats.domain.metrics import nearest_ranks_sql
from acdstats.domain.queue_query import QueueStatisticsQuery
from acdstats.storage.bucket_sql import Bucketing, bucketing, index_sql, join_sql, label_keys
from acdstats.storage.dialect import DUCKDB
from acdstats.storage.queue_rollups import FROM_CALLS, MERGED, SAMPLES
from acdstats.storage.statistics_sql import BUCKETS, ranges_by_source

# Where each kind of part comes from: items table, its time column, aggregates, histogram.
_SOURCES = {
    "offers": ("queue_calls", "entered_at", FROM_CALLS, None),
    "hours": ("queue_rollup_hour", "bucket", MERGED, "queue_wt_hour"),
    "days": ("queue_rollup_day", "bucket", MERGED, "queue_wt_day"),
    "months": ("queue_rollup_month", "bucket", MERGED, "queue_wt_month"),
}
# The row after the keys: tc, ac, uac, rc, then count/sum/min/max per sample, then SL counts,
# then p<N> per sample of percentile_samples and N ascending.
ITEM_COLUMNS = ["tc", "ac", "uac", "rc"] + [
    f"{s}_{a}" for s in SAMPLES for a in ("count", "sum", "min", "max")
]
_MERGE = {"count": "sum", "sum": "sum", "min": "min", "max": "max"}


def _merged_column(column: str) -> str:
    kind = column.rsplit("_", 1)[-1]
    return f"{_MERGE.get(kind, 'sum')}({column}) AS {column}"


def queue_bucketing(query: QueueStatisticsQuery) -> Bucketing | None:
    """The buckets looked up per row (with a timezone), or None when SQL labels the rows."""
    if query.zone is None or query.aggregation == "none":
        return None
    return bucketing(query.from_ms, query.to_ms, query.aggregation, query.zone)


def time_keys(query: QueueStatisticsQuery) -> tuple[str, ...]:
    """The time keys of an element: date, hour, utc_offset (with a timezone)."""
    return label_keys(query.aggregation, query.zone is not None)


def key_count(query: QueueStatisticsQuery, lookup: Bucketing | None) -> int:
    """The key columns a row starts with: the bucket (labels, or one index), the queue."""
    buckets = 1 if lookup is not None else len(BUCKETS[query.aggregation])
    return buckets + (1 if query.by_queue else 0)


def percentile_samples(query: QueueStatisticsQuery) -> tuple[str, ...]:
    """The samples whose percentiles the answer shows (those of its item objects)."""
    if not query.percentiles:
        return ()
    asked = {item.sample for item in query.items if item.kind == "object"}
    return tuple(s for s in SAMPLES if s in asked)


def queue_statistics_sql(
    query: QueueStatisticsQuery,
    use_rollups: bool = True,
    sl_from_calls: bool = False,
    lookup: Bucketing | None = None,
) -> tuple[str, dict[str, Any]]:
    """SQL whose rows are (*bucket, [queue_id], *ITEM_COLUMNS, one count per threshold,
    *percentiles); the bucket is its label columns, or with `lookup` (queue_bucketing) the
    index of its label.

    sl_from_calls: count service levels over the calls even where the items come from
    rollups (the alternative to the histogram, kept for measurement).
    """
    params: dict[str, Any] = {}
    filters = []
    if query.queue_ids is not None:
        filters.append(f"s.queue_id IN ({', '.join(map(str, map(int, query.queue_ids)))})")
    with_sl = any(item.kind == "service_level" for item in query.items)
    thresholds = [int(t) for t in query.thresholds] if with_sl else []
    sl_calls = [
        f"count(*) FILTER (WHERE s.outcome = 'answered' AND s.wt <= {t}) AS sl{i}"
        for i, t in enumerate(thresholds)
    ]
    sl_histogram = [
        f"coalesce(sum(s.n) FILTER (WHERE s.wt <= {t}), 0) AS sl{i}"
        for i, t in enumerate(thresholds)
    ]
    sl_none = [f"NULL::BIGINT AS sl{i}" for i in range(len(thresholds))]
    pct_samples = percentile_samples(query)
    by_source = ranges_by_source(
        query.from_ms, query.to_ms, query.aggregation, lookup, use_rollups and not pct_samples
    )
    n_buckets = key_count(query, lookup) - (1 if query.by_queue else 0)
    selects = []
    for source, ranges in by_source.items():
        table, column, aggregates, histogram = _SOURCES[source]
        head, join = _keys(query, lookup, params, column)
        # The whole span first, so that zone maps prune; then the parts within it.
        bounds = [_bounds(params, ranges[0][0], ranges[-1][1])]
        bounds += [_bounds(params, *r) for r in ranges] if len(ranges) > 1 else []

        def where(time_column: str, bounds: list[tuple[str, str]] = bounds) -> str:
            t = f"s.{time_column}"
            ts = DUCKDB.timestamp_ms
            spans = [f"{t} >= {ts(DUCKDB.param(a))} AND {t} < {ts(DUCKDB.param(b))}"
                     for a, b in bounds]  # fmt: skip
            within = spans[:1]
            if len(spans) > 1:
                within.append("(" + " OR ".join(f"({s})" for s in spans[1:]) + ")")
            return " AND ".join(["s.account_id = $account", *filters, *within])

        group = " GROUP BY ALL" if head else ""
        nulls = ", ".join(f"NULL::BIGINT AS {c}" for c in ITEM_COLUMNS)
        if histogram is None:
            sl = sl_calls
        else:
            sl = sl_none
            if thresholds:  # the same ranges' SL counts only (a capped WT never counts)
                counted, counted_column, counts = (
                    ("queue_calls", "entered_at", sl_calls)
                    if sl_from_calls
                    else (histogram, column, sl_histogram)
                )
                counted_head, counted_join = _keys(query, lookup, params, counted_column)
                selects.append(
                    f"SELECT {counted_head}{nulls}, {', '.join(counts)} FROM {counted} s"
                    f"{counted_join} WHERE {where(counted_column)}{group}"
                )
        percentile_columns = "".join(
            f", {rank} AS {p}_p{n}"
            for p in pct_samples
            for rank, n in zip(
                nearest_ranks_sql(f"s.{p}", query.percentiles), query.percentiles, strict=True
            )
        )
        selects.append(
            f"SELECT {head}{aggregates}{''.join(', ' + c for c in sl)}{percentile_columns} "
            f"FROM {table} s{join} WHERE {where(column)}{group}"
        )
    n_keys = n_buckets + (1 if query.by_queue else 0)
    outer = [f"b{i}" for i in range(n_buckets)] + (["queue_id"] if query.by_queue else [])
    order = f" ORDER BY {', '.join(map(str, range(1, n_keys + 1)))}" if n_keys else ""
    head = ", ".join(outer) + ", " if outer else ""
    if pct_samples:  # one part, already grouped by the answer's keys
        (body,) = selects
        pcts = [f"{s}_p{n}" for s in pct_samples for n in query.percentiles]
        levels = [f"sl{i}" for i in range(len(thresholds))]
        columns = ", ".join([*ITEM_COLUMNS, *levels, *pcts])
        return f"SELECT {head}{columns} FROM ({body}) WHERE tc > 0{order}", params
    merged_columns = [_merged_column(c) for c in ITEM_COLUMNS] + [
        f"coalesce(sum(sl{i}), 0) AS sl{i}" for i in range(len(thresholds))
    ]
    body = " UNION ALL ".join(selects)
    group_by = f" GROUP BY {', '.join(map(str, range(1, n_keys + 1)))}" if n_keys else ""
    # Buckets without queue calls have no rows in any part; a merged group with tc = 0 can
    # only be an empty window (no rows at all, without keys): left out.
    sql = (
        f"SELECT {head}{', '.join(merged_columns)} "
        f"FROM ({body}){group_by} HAVING sum(tc) > 0{order}"
    )
    return sql, params


def _keys(
    query: QueueStatisticsQuery, lookup: Bucketing | None, params: dict[str, Any], column: str
) -> tuple[str, str]:
    """(the key columns of a part's select with a trailing ', ' or '', its bucket join)."""
    t = f"s.{column}"
    join = ""
    if lookup is None:
        buckets = [expr.format(t=t) for expr, _ in BUCKETS[query.aggregation]]
    else:
        arithmetic = index_sql(lookup, query.zone, query.from_ms, query.to_ms, t)
        if arithmetic is None:
            buckets, join = ["bk.bi"], " " + join_sql(t)
            params.update(lookup.params())
        else:
            buckets = [arithmetic]
    keys = [f"{b} AS b{i}" for i, b in enumerate(buckets)]
    if query.by_queue:
        keys.append("s.queue_id AS queue_id")
    return (", ".join(keys) + ", " if keys else ""), join


def _bounds(params: dict[str, Any], lo: int, hi: int) -> tuple[str, str]:
    """The names of two new parameters holding lo and hi."""
    n = len(params)
    params[f"lo{n}"], params[f"hi{n}"] = lo, hi
    return f"lo{n}", f"hi{n}"
