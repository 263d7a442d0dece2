"""GetACDOperatorStatistics: validated parameters in, the response document out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb

from acdstats import errors
from acdstats.domain.metrics import Item
from acdstats.domain.query import StatisticsQuery, parse_operator_statistics
from acdstats.errors import ApiError
from acdstats.storage.rollups import SAMPLES
from acdstats.storage.statistics_sql import BUCKETS, fetch_operator_statistics

DEFAULT_MAX_RECORDS = 1_000_000
_ZERO = {"min": 0, "avg": 0, "max": 0, "count": 0, "sum": 0}


def get_operator_statistics(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    params: Mapping[str, str],
    max_records: int = DEFAULT_MAX_RECORDS,
    user_id_as_string: bool = False,
    now_ms: int | None = None,
    use_rollups: bool = True,
) -> list[dict[str, Any]]:
    """The `result` of GetACDOperatorStatistics for one account."""
    query = parse_operator_statistics(params, now_ms)
    rows = fetch_operator_statistics(cur, account_id, query, max_records, use_rollups)
    if len(rows) > max_records:
        raise ApiError(
            errors.ANSWER_TOO_LARGE,
            f"The answer has more than {max_records} statistics records (the server's "
            "max_records limit): narrow the window, the operators or the aggregation",
        )
    return shape(query, rows, user_id_as_string)


def shape(
    query: StatisticsQuery, rows: list[tuple[Any, ...]], user_id_as_string: bool = False
) -> list[dict[str, Any]]:
    """Nest grouped rows as SPEC 4.3: by user, or by time bucket, with the asked items."""
    bucket_names = [name for _, name in BUCKETS[query.aggregation]]
    n_keys = 1 + len(bucket_names)
    names = [item.short if query.abbreviation else item.long for item in query.items]
    result: list[dict[str, Any]] = []
    current_key: Any = object()
    for row in rows:
        user = str(row[0]) if user_id_as_string else row[0]
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
            out[name] = (
                {"min": low, "avg": total // count, "max": high, "count": count, "sum": int(total)}
                if count
                else dict(_ZERO)
            )
        elif item.kind == "sum":
            out[name] = int(stats[item.sample][1])
        elif item.kind == "answered":
            out[name] = stats["sa"][0]
        else:
            out[name] = unanswered
    return out
