"""GetACDQueueStatistics: validated parameters in, the `result` list out (SPEC 6.3)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import duckdb

from acdstats.domain import csv_answer
from acdstats.domain.csv_answer import CsvBody
from acdstats.domain.metrics import floored_average
from acdstats.domain.queue_metrics import DEFAULT_THRESHOLDS, fraction, percent
from acdstats.domain.queue_query import QueueStatisticsQuery, parse_queue_statistics
from acdstats.errors import answer_too_large
from acdstats.storage.bucket_sql import Bucketing
from acdstats.storage.queue_statistics_sql import (
    ITEM_COLUMNS,
    key_count,
    percentile_samples,
    queue_bucketing,
    queue_statistics_sql,
    time_keys,
)
from acdstats.storage.statistics_sql import BUCKETS

DEFAULT_MAX_RECORDS = 1_000_000


def queue_statistics(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    params: Mapping[str, str],
    max_records: int = DEFAULT_MAX_RECORDS,
    now_ms: int | None = None,
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS,
    as_fraction: bool = False,
    use_rollups: bool = True,
) -> list[dict[str, Any]] | CsvBody:
    """The `result` of GetACDQueueStatistics for one account (or its CSV answer)."""
    query = parse_queue_statistics(params, now_ms, thresholds)
    rows: list[tuple[Any, ...]] = []
    lookup = None
    clipped = _clip_to_data(cur, account_id, query)
    if clipped is not None:
        query = clipped
        lookup = queue_bucketing(query)
        sql, sql_params = queue_statistics_sql(query, use_rollups, lookup=lookup)
        sql_params["account"] = account_id
        rows = cur.execute(f"{sql} LIMIT {int(max_records) + 1}", sql_params).fetchall()
    if len(rows) > max_records:
        raise answer_too_large(max_records, "the queues")
    result = shape(query, rows, as_fraction, lookup)
    return as_csv(query, result) if query.format == "csv" else result


# Beyond this many local buckets, the window is first narrowed to the calls it holds.
_MANY_BUCKETS = 20_000
_UNIT_MS = {"hour": 3_600_000, "hour_of_day": 3_600_000, "day": 86_400_000}


def _clip_to_data(
    cur: duckdb.DuckDBPyConnection, account_id: int, query: QueueStatisticsQuery
) -> QueueStatisticsQuery | None:
    """The query over the part of its window that holds queue calls (the same answer, fewer
    buckets to compute); None when it holds none (a long window with a time zone only)."""
    unit = _UNIT_MS.get(query.aggregation, 7 * 86_400_000)
    if query.zone is None or (query.to_ms - query.from_ms) // unit < _MANY_BUCKETS:
        return query
    first, last = cur.execute(
        "SELECT epoch_ms(min(entered_at)), epoch_ms(max(entered_at)) FROM queue_calls "
        "WHERE account_id = $a AND entered_at >= make_timestamp_ms($lo) "
        "AND entered_at < make_timestamp_ms($hi)",
        {"a": account_id, "lo": query.from_ms, "hi": query.to_ms},
    ).fetchall()[0]
    if first is None:
        return None
    return dataclasses.replace(query, from_ms=int(first), to_ms=int(last) + 1)


def as_csv(query: QueueStatisticsQuery, result: list[dict[str, Any]]) -> CsvBody:
    """SPEC 8.4: the level keys, then each item's columns in report order."""
    level = [*time_keys(query), *(["acd_queue_id"] if query.by_queue else [])]
    names = [item.short if query.abbreviation else item.long for item in query.items]
    header = list(level)
    for item, name in zip(query.items, names, strict=True):
        pcts = query.percentiles if item.kind == "object" else ()
        header += csv_answer.item_columns(name, _CSV_KIND[item.kind], pcts, query.thresholds)
    lines = []
    for element in result:
        line: list[Any] = [element.get(k) for k in level]
        for item, name in zip(query.items, names, strict=True):
            pcts = query.percentiles if item.kind == "object" else ()
            line += csv_answer.item_values(element[name], _CSV_KIND[item.kind], pcts)
        lines.append(line)
    return csv_answer.render(header, lines)


# Item kinds as CSV columns: counts and sums are plain numbers.
_CSV_KIND = {"object": "object", "sum": "number", "count": "number", "calls": "calls",
             "service_level": "service_level"}  # fmt: skip


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
