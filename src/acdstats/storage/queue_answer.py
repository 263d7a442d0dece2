"""GetACDQueueStatistics on DuckDB: the statement run, its rows shaped (SPEC 6.3).

An answer has one element per (bucket[, queue]): few enough to shape in Python always.
"""

from __future__ import annotations

from typing import Any

import duckdb

from acdstats.domain.metrics import floored_average
from acdstats.domain.queue_metrics import fraction, percent
from acdstats.domain.queue_query import QueueStatisticsQuery
from acdstats.errors import answer_too_large
from acdstats.storage.bucket_sql import Bucketing
from acdstats.storage.data_window import clip_to_data
from acdstats.storage.queue_statistics_sql import (
    ITEM_COLUMNS,
    key_count,
    percentile_samples,
    queue_bucketing,
    queue_statistics_sql,
    time_keys,
)
from acdstats.storage.reader import AnswerForm, Tuning
from acdstats.storage.statistics_sql import BUCKETS


def queue_statistics(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    query: QueueStatisticsQuery,
    form: AnswerForm,
    tuning: Tuning,
) -> list[dict[str, Any]]:
    """The `result` of GetACDQueueStatistics for one account, as Python values."""
    rows: list[tuple[Any, ...]] = []
    lookup = None
    clipped = clip_to_data(
        cur, account_id, query, ("queue_calls", "entered_at"), query.zone, query.aggregation
    )
    if clipped is not None:
        query = clipped
        lookup = queue_bucketing(query)
        sql, sql_params = queue_statistics_sql(query, tuning.use_rollups, lookup=lookup)
        sql_params["account"] = account_id
        limit = f" LIMIT {int(form.max_records) + 1}"
        rows = cur.execute(sql + limit, sql_params).fetchall()
    if len(rows) > form.max_records:
        raise answer_too_large(form.max_records, "the queues")
    return shape(query, rows, form.service_level_as_fraction, lookup)


def shape(
    query: QueueStatisticsQuery,
    rows: list[tuple[Any, ...]],
    as_fraction: bool = False,
    lookup: Bucketing | None = None,
) -> list[dict[str, Any]]:
    """One element per (bucket[, queue]) row: time keys, acd_queue_id, then the items."""
    bucket_names = [name for _, name in BUCKETS[query.aggregation]]
    times = time_keys(query)
    n_keys = key_count(query, lookup)
    pct_samples = percentile_samples(query)
    n_levels = len(query.thresholds) if any(i.kind == "service_level" for i in query.items) else 0
    pct_at = n_keys + len(ITEM_COLUMNS) + n_levels
    names = [item.short if query.abbreviation else item.long for item in query.items]
    level = fraction if as_fraction else percent
    result = []
    for row in rows:
        if lookup is not None:
            label = dict(zip(("date", "hour", "utc_offset"), lookup.labels[row[0]], strict=True))
            element: dict[str, Any] = {name: label[name] for name in times}
        else:
            element = dict(zip(bucket_names, row, strict=False))
        if query.by_queue:
            element["acd_queue_id"] = row[n_keys - 1]
        values = dict(zip(ITEM_COLUMNS, row[n_keys:], strict=False))
        levels = row[n_keys + len(ITEM_COLUMNS) : pct_at]
        pcts = {
            s: dict(
                zip(query.percentiles, row[pct_at + i * len(query.percentiles) :], strict=False)
            )
            for i, s in enumerate(pct_samples)
        }
        total = int(values["tc"])
        for item, name in zip(query.items, names, strict=True):
            if item.kind == "object":
                count = int(values[f"{item.sample}_count"])
                total_s = int(values[f"{item.sample}_sum"])
                element[name] = {
                    "min": values[f"{item.sample}_min"] or 0,
                    "avg": floored_average(total_s, count),
                    "max": values[f"{item.sample}_max"] or 0,
                    "count": count,
                    "sum": total_s,
                    **{f"p{n}": p for n, p in pcts.get(item.sample, {}).items()},
                }
            elif item.kind == "sum":
                element[name] = int(values[f"{item.sample}_sum"])
            elif item.kind == "count":
                element[name] = total
            elif item.kind == "calls":
                n = int(values[item.sample])
                element[name] = [{"count": n, "percent": percent(n, total)}]
            else:
                element[name] = [
                    {
                        "acceptable_waiting_time": threshold,
                        "call_count": int(n),
                        "service_level": level(int(n), total),
                    }
                    for threshold, n in zip(query.thresholds, levels, strict=True)
                ]
        result.append(element)
    return result
