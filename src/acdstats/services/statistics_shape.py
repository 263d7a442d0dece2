"""Shaping grouped rows into the answer in Python: the path for small answers.

For a few records this is faster than rendering in the database (whose statement costs
milliseconds to plan); for many records the database path wins. Both must give the same
bytes; tests/test_rendering.py holds them to it.
"""

from __future__ import annotations

from typing import Any

from acdstats.domain.metrics import Item, floored_average
from acdstats.domain.query import StatisticsQuery
from acdstats.storage.rollups import SAMPLES
from acdstats.storage.statistics_sql import BUCKETS


def shape(
    query: StatisticsQuery, rows: list[tuple[Any, ...]], user_id_as_number: bool = False
) -> list[dict[str, Any]]:
    """Nest grouped rows as SPEC 4.3: by user, or by time bucket, with the asked items."""
    bucket_names = [name for _, name in BUCKETS[query.aggregation]]
    n_keys = 1 + len(bucket_names)
    names = [item.short if query.abbreviation else item.long for item in query.items]
    result: list[dict[str, Any]] = []
    current_key: Any = object()
    for row in rows:
        user = row[0] if user_id_as_number else str(row[0])
        bucket = dict(zip(bucket_names, row[1:n_keys], strict=True))
        record = _items(query.items, names, row[n_keys:])
        if query.group == "user":
            group_key, group_head, record = user, {"user_id": user}, {**bucket, **record}
        else:
            group_key, group_head, record = (
                tuple(row[1:n_keys]),
                bucket,
                {"user_id": user, **record},
            )
        if group_key != current_key:
            current_key = group_key
            result.append({**group_head, "statistics": []})
        result[-1]["statistics"].append(record)
    return result


def _items(
    items: tuple[Item, ...], names: list[str], aggregates: tuple[Any, ...]
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
            out[name] = {"min": low, "avg": avg, "max": high, "count": count, "sum": int(total)}
        elif item.kind == "sum":
            out[name] = int(stats[item.sample][1])
        elif item.kind == "answered":
            out[name] = stats["sa"][0]
        else:
            out[name] = unanswered
    return out
