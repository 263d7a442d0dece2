"""Shaping grouped rows into the answer in Python: the path for small answers.

For a few records this is faster than rendering in the database (whose statement costs
milliseconds to plan); for many records the database path wins. Both must give the same
bytes; tests/test_rendering.py holds them to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from acdstats.domain import csv_answer
from acdstats.domain.metrics import Item, floored_average
from acdstats.domain.query import StatisticsQuery
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
    """The answer as CSV (SPEC 8.4): one line per record, columns from the request alone.

    Written straight from the rows (no record objects): the same values as `records`."""
    times = label_names(query)
    level = ["user_id", *times, *(["acd_queue_id"] if query.ext.by_queue else [])]
    header = list(level)
    n_keys = key_count(query)
    sample_at = {s: n_keys + 4 * i for i, s in enumerate(SAMPLES)}
    uac_at = n_keys + 4 * len(SAMPLES)
    pct_samples = percentile_samples(query)
    n_pct = len(query.ext.percentiles)
    pct_at = {s: uac_at + 1 + i * n_pct for i, s in enumerate(pct_samples)}
    getters: list[Any] = []  # per item: a function of the row giving its fields
    for item in query.items:
        name = item.short if query.abbreviation else item.long
        if item.kind == "object":
            header += csv_answer.item_columns(name, "object", query.ext.percentiles)
            getters.append(_object_fields(sample_at[item.sample], pct_at.get(item.sample), n_pct))
        else:
            header.append(name)
            at = {"sum": sample_at.get(item.sample, 0) + 1, "answered": sample_at["sa"],
                  "unanswered": uac_at}[item.kind]  # fmt: skip
            getters.append(lambda row, at=at: [int(row[at] or 0)])
    column = {"date": 0, "hour": 1, "utc_offset": 2}
    field = csv_answer.field
    lines = [",".join(field(h) for h in header)]
    for row in rows:
        if lookup is not None:
            label = lookup.labels[row[1]]
            keys = [label[column[t]] for t in times]
        else:
            keys = list(row[1 : 1 + len(times)])
        if query.ext.by_queue:
            keys.append(row[n_keys - 1])
        values: list[Any] = [row[0], *keys]
        for get in getters:
            values += get(row)
        lines.append(",".join(map(field, values)))
    return csv_answer.CsvBody(("\r\n".join(lines) + "\r\n").encode("utf-8"))


def _object_fields(at: int, pct_at: int | None, n_pct: int) -> Any:
    """min, avg, max, count, sum (and the percentiles) of one sample, from a row."""

    def fields(row: tuple[Any, ...]) -> list[Any]:
        count, total, low, high = row[at : at + 4]
        total = int(total or 0)
        out = [low or 0, floored_average(total, count), high or 0, count, total]
        if pct_at is not None:
            out += row[pct_at : pct_at + n_pct]
        elif n_pct:
            out += [0] * n_pct
        return out

    return fields


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
