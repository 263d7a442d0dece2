"""GetACDQueueStatistics: validated parameters in, the `result` list out (SPEC 6.3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from acdstats.domain import csv_answer
from acdstats.domain.csv_answer import CsvBody
from acdstats.domain.queue_metrics import DEFAULT_THRESHOLDS
from acdstats.domain.queue_query import QueueStatisticsQuery, parse_queue_statistics
from acdstats.storage.queue_statistics_sql import time_keys
from acdstats.storage.reader import DEFAULT_MAX_RECORDS, AnswerForm, StatisticsReader


def queue_statistics(
    reader: StatisticsReader,
    account_id: int,
    params: Mapping[str, str],
    max_records: int = DEFAULT_MAX_RECORDS,
    now_ms: int | None = None,
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS,
    as_fraction: bool = False,
) -> list[dict[str, Any]] | CsvBody:
    """The `result` of GetACDQueueStatistics for one account (or its CSV answer)."""
    query = parse_queue_statistics(params, now_ms, thresholds)
    form = AnswerForm(max_records, service_level_as_fraction=as_fraction)
    result = reader.queue_statistics(account_id, query, form)
    return as_csv(query, result) if query.format == "csv" else result


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
