"""GetACDQueueStatistics: validated parameters in, the `result` list out (SPEC 6.3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb

from acdstats.domain.metrics import floored_average
from acdstats.domain.queue_metrics import DEFAULT_THRESHOLDS, fraction, percent
from acdstats.domain.queue_query import QueueStatisticsQuery, parse_queue_statistics
from acdstats.errors import answer_too_large
from acdstats.services import csv_answer
from acdstats.services.csv_answer import CsvBody
from acdstats.storage.queue_statistics_sql import ITEM_COLUMNS, queue_statistics_sql
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
    sql, sql_params = queue_statistics_sql(query, use_rollups)
    sql_params["account"] = account_id
    rows = cur.execute(f"{sql} LIMIT {int(max_records) + 1}", sql_params).fetchall()
    if len(rows) > max_records:
        raise answer_too_large(max_records, "the queues")
    result = shape(query, rows, as_fraction)
    return as_csv(query, result) if query.format == "csv" else result


def as_csv(query: QueueStatisticsQuery, result: list[dict[str, Any]]) -> CsvBody:
    """SPEC 8.4: the level keys, then each item's columns in report order."""
    level = [name for _, name in BUCKETS[query.aggregation]]
    level += ["acd_queue_id"] if query.by_queue else []
    names = [item.short if query.abbreviation else item.long for item in query.items]
    header = list(level)
    for item, name in zip(query.items, names, strict=True):
        header += csv_answer.item_columns(name, _CSV_KIND[item.kind], (), query.thresholds)
    lines = []
    for element in result:
        line: list[Any] = [element.get(k) for k in level]
        for item, name in zip(query.items, names, strict=True):
            line += csv_answer.item_values(element[name], _CSV_KIND[item.kind])
        lines.append(line)
    return csv_answer.render(header, lines)


# Item kinds as CSV columns: counts and sums are plain numbers.
_CSV_KIND = {"object": "object", "sum": "number", "count": "number", "calls": "calls",
             "service_level": "service_level"}  # fmt: skip


def shape(
    query: QueueStatisticsQuery, rows: list[tuple[Any, ...]], as_fraction: bool = False
) -> list[dict[str, Any]]:
    """One element per (bucket[, queue]) row: time keys, acd_queue_id, then the items."""
    bucket_names = [name for _, name in BUCKETS[query.aggregation]]
    n_keys = len(bucket_names) + (1 if query.by_queue else 0)
    names = [item.short if query.abbreviation else item.long for item in query.items]
    level = fraction if as_fraction else percent
    result = []
    for row in rows:
        element: dict[str, Any] = dict(zip(bucket_names, row, strict=False))
        if query.by_queue:
            element["acd_queue_id"] = row[n_keys - 1]
        values = dict(zip(ITEM_COLUMNS, row[n_keys:], strict=False))
        levels = row[n_keys + len(ITEM_COLUMNS) :]
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
