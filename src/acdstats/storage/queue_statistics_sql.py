"""The one SQL statement behind GetACDQueueStatistics.

As for operators (statistics_sql): the window is cut into whole months, days and hours read
from the queue rollups and ragged edges read from queue calls; each part is aggregated per
(bucket[, queue]) and the parts are merged (count/sum add, min/max compare). Service levels
come from the per-hour WT histogram for the rollup parts (exact for any threshold: a call's
rounded WT is a whole second) and from the calls for the edges, merged the same way; so the
answer equals a GROUP BY over queue calls alone (`use_rollups=False`).
"""

from __future__ import annotations

from typing import Any

from acdstats.domain.queue_query import QueueStatisticsQuery
from acdstats.storage.queue_rollups import FROM_CALLS, MERGED, SAMPLES
from acdstats.storage.statistics_sql import BUCKETS, plan

# Where each kind of part comes from: items table, its time column, aggregates, histogram.
_SOURCES = {
    "offers": ("queue_calls", "entered_at", FROM_CALLS, None),
    "hours": ("queue_rollup_hour", "bucket", MERGED, "queue_wt_hour"),
    "days": ("queue_rollup_day", "bucket", MERGED, "queue_wt_day"),
    "months": ("queue_rollup_month", "bucket", MERGED, "queue_wt_month"),
}
# The row after the keys: tc, ac, uac, rc, then count/sum/min/max per sample, then SL counts.
ITEM_COLUMNS = ["tc", "ac", "uac", "rc"] + [
    f"{s}_{a}" for s in SAMPLES for a in ("count", "sum", "min", "max")
]
_MERGE = {"count": "sum", "sum": "sum", "min": "min", "max": "max"}


def _merged_column(column: str) -> str:
    kind = column.rsplit("_", 1)[-1]
    return f"{_MERGE.get(kind, 'sum')}({column}) AS {column}"


def queue_statistics_sql(
    query: QueueStatisticsQuery, use_rollups: bool = True, sl_from_calls: bool = False
) -> tuple[str, dict[str, Any]]:
    """SQL whose rows are (*bucket, [queue_id], *ITEM_COLUMNS, one count per threshold).

    sl_from_calls: count service levels over the calls even where the items come from
    rollups (the alternative to the histogram, kept for measurement).
    """
    params: dict[str, Any] = {}
    filters = []
    if query.queue_ids is not None:
        filters.append(f"queue_id IN ({', '.join(map(str, map(int, query.queue_ids)))})")
    with_sl = any(item.kind == "service_level" for item in query.items)
    thresholds = [int(t) for t in query.thresholds] if with_sl else []
    sl_calls = [
        f"count(*) FILTER (WHERE outcome = 'answered' AND wt <= {t}) AS sl{i}"
        for i, t in enumerate(thresholds)
    ]
    sl_histogram = [
        f"coalesce(sum(n) FILTER (WHERE wt <= {t}), 0) AS sl{i}" for i, t in enumerate(thresholds)
    ]
    sl_none = [f"NULL::BIGINT AS sl{i}" for i in range(len(thresholds))]
    parts = (
        plan(query.from_ms, query.to_ms, query.aggregation)
        if use_rollups
        else [("offers", query.from_ms, query.to_ms)]
    )
    selects = []
    for n, (source, lo, hi) in enumerate(parts):
        table, column, aggregates, histogram = _SOURCES[source]
        buckets = [expr.format(t=column) for expr, _ in BUCKETS[query.aggregation]]
        keys = [f"{b} AS b{i}" for i, b in enumerate(buckets)]
        if query.by_queue:
            keys.append("queue_id")
        params[f"lo{n}"], params[f"hi{n}"] = lo, hi

        def where(time_column: str, n: int = n) -> str:
            return " AND ".join(
                [
                    "account_id = $account",
                    f"{time_column} >= make_timestamp_ms($lo{n})",
                    f"{time_column} < make_timestamp_ms($hi{n})",
                    *filters,
                ]
            )

        head = ", ".join(keys) + ", " if keys else ""
        group = " GROUP BY ALL" if keys else ""
        if histogram is None:
            sl = sl_calls
        elif sl_from_calls:
            sl = sl_none
            if thresholds:  # the same range's calls, for their SL counts only
                selects.append(
                    f"SELECT {head}{', '.join(f'NULL::BIGINT AS {c}' for c in ITEM_COLUMNS)}, "
                    f"{', '.join(sl_calls)} FROM queue_calls WHERE {where('entered_at')}{group}"
                )
        else:
            sl = sl_none
            if thresholds:  # (thresholds are at most 3600: a capped WT never counts)
                selects.append(
                    f"SELECT {head}{', '.join(f'NULL::BIGINT AS {c}' for c in ITEM_COLUMNS)}, "
                    f"{', '.join(sl_histogram)} FROM {histogram} WHERE {where(column)}{group}"
                )
        selects.append(
            f"SELECT {head}{aggregates}{''.join(', ' + s for s in sl)} "
            f"FROM {table} WHERE {where(column)}{group}"
        )
    n_keys = len(BUCKETS[query.aggregation]) + (1 if query.by_queue else 0)
    outer = [f"b{i}" for i in range(len(BUCKETS[query.aggregation]))]
    if query.by_queue:
        outer.append("queue_id")
    merged_columns = [_merged_column(c) for c in ITEM_COLUMNS] + [
        f"coalesce(sum(sl{i}), 0) AS sl{i}" for i in range(len(thresholds))
    ]
    body = " UNION ALL ".join(selects)
    group_by = f" GROUP BY {', '.join(map(str, range(1, n_keys + 1)))}" if n_keys else ""
    order = f" ORDER BY {', '.join(map(str, range(1, n_keys + 1)))}" if n_keys else ""
    # Buckets without queue calls have no rows in any part; a merged group with tc = 0 can
    # only be an empty window (no rows at all, without keys): left out.
    sql = (
        f"SELECT {', '.join(outer) + ', ' if outer else ''}{', '.join(merged_columns)} "
        f"FROM ({body}){group_by} HAVING sum(tc) > 0{order}"
    )
    return sql, params
