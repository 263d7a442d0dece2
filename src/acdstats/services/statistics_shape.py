"""Shaping grouped rows into the answer in Python: the path for small answers.

For a few records this is faster than rendering in the database (whose statement costs
milliseconds to plan); for many records the database path wins. Both must give the same
bytes; tests/test_rendering.py holds them to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from acdstats.domain.metrics import Item, floored_average
from acdstats.domain.query import StatisticsQuery
from acdstats.services import csv_answer
from acdstats.storage.bucket_sql import Bucketing
from acdstats.storage.rollups import SAMPLES
from acdstats.storage.statistics_sql import (
    BUCKETS,
    key_count,
    label_names,
    percentile_samples,
)

Record = tuple[Any, dict[str, Any], dict[str, Any]]  # user_id, time keys (+ queue), items


def records(
    query: StatisticsQuery,
    rows: list[tuple[Any, ...]],
    user_id_as_number: bool = False,
    lookup: Bucketing | None = None,
) -> Iterator[Record]:
    """Each row as (user_id, its time keys and acd_queue_id, its items), in row order."""
    names = [item.short if query.abbreviation else item.long for item in query.items]
    n_keys = key_count(query)
    times = label_names(query)
    bucket_names = [name for _, name in BUCKETS[query.aggregation]]
    pct_samples = percentile_samples(query)
    n_aggregates = 4 * len(SAMPLES) + 1
    for row in rows:
        user = row[0] if user_id_as_number else str(row[0])
        if lookup is not None:
            label = lookup.labels[row[1]]
            full = {"date": label[0], "hour": label[1], "utc_offset": label[2]}
            keys = {name: full[name] for name in times}
        else:
            keys = dict(zip(bucket_names, row[1 : 1 + len(bucket_names)], strict=True))
        if query.ext.by_queue:
            keys["acd_queue_id"] = row[n_keys - 1]
        aggregates = row[n_keys : n_keys + n_aggregates]
        pcts = row[n_keys + n_aggregates :]
        by_sample = {
            s: dict(
                zip(query.ext.percentiles, pcts[i * len(query.ext.percentiles) :], strict=False)
            )
            for i, s in enumerate(pct_samples)
        }
        yield user, keys, _items(query.items, names, aggregates, by_sample)


def shape(
    query: StatisticsQuery,
    rows: list[tuple[Any, ...]],
    user_id_as_number: bool = False,
    lookup: Bucketing | None = None,
) -> list[dict[str, Any]]:
    """Nest grouped rows as SPEC 4.3: by user, or by time bucket, with the asked items."""
    result: list[dict[str, Any]] = []
    current_key: Any = object()
    for user, keys, items in records(query, rows, user_id_as_number, lookup):
        times = {k: v for k, v in keys.items() if k != "acd_queue_id"}
        queue = {"acd_queue_id": keys["acd_queue_id"]} if "acd_queue_id" in keys else {}
        if query.group == "user":
            group_key, group_head, record = user, {"user_id": user}, {**keys, **items}
        else:
            group_key = tuple(times.values())
            group_head, record = times, {"user_id": user, **queue, **items}
        if group_key != current_key:
            current_key = group_key
            result.append({**group_head, "statistics": []})
        result[-1]["statistics"].append(record)
    return result


def csv(
    query: StatisticsQuery,
    rows: list[tuple[Any, ...]],
    lookup: Bucketing | None = None,
) -> csv_answer.CsvBody:
    """The answer as CSV (SPEC 8.4): one line per record, columns from the request alone."""
    level = ["user_id", *label_names(query), *(["acd_queue_id"] if query.ext.by_queue else [])]
    header = list(level)
    kinds = []
    for item in query.items:
        name = item.short if query.abbreviation else item.long
        kind = "object" if item.kind == "object" else "number"
        kinds.append((name, kind))
        header += csv_answer.item_columns(name, kind, query.ext.percentiles)
    lines = []
    for user, keys, items in records(query, rows, False, lookup):
        line = [user, *(keys[k] for k in level[1:])]
        for name, kind in kinds:
            line += csv_answer.item_values(items[name], kind, query.ext.percentiles)
        lines.append(line)
    return csv_answer.render(header, lines)


def _items(
    items: tuple[Item, ...],
    names: list[str],
    aggregates: tuple[Any, ...],
    percentiles: dict[str, dict[int, int]],
) -> dict[str, Any]:
    stats: dict[str, tuple[int, int, int, int]] = {}
    for i, sample in enumerate(SAMPLES):
        count, total, low, high = aggregates[4 * i : 4 * i + 4]
        stats[sample] = (count, total or 0, low or 0, high or 0)
    unanswered = aggregates[4 * len(SAMPLES)]
    out: dict[str, Any] = {}
    for item, name in zip(items, names, strict=True):
        if item.kind == "object":
            count, total, low, high = stats[item.sample]
            avg = floored_average(int(total), count)
            value = {"min": low, "avg": avg, "max": high, "count": count, "sum": int(total)}
            for n, p in percentiles.get(item.sample, {}).items():
                value[f"p{n}"] = p
            out[name] = value
        elif item.kind == "sum":
            out[name] = int(stats[item.sample][1])
        elif item.kind == "answered":
            out[name] = stats["sa"][0]
        else:
            out[name] = unanswered
    return out
