"""The one SQL statement behind GetACDOperatorStatistics: a GROUP BY over derived offers.

Kept apart from the shaping so that another engine only needs another version of this file.
"""

from __future__ import annotations

from typing import Any

import duckdb

from acdstats.domain.query import StatisticsQuery

# Bucket columns per aggregation: SQL expression over offered_at, and the output names.
BUCKETS: dict[str, list[tuple[str, str]]] = {
    "day": [("strftime(offered_at, '%Y-%m-%d')", "date")],
    "hour": [("strftime(offered_at, '%Y-%m-%d')", "date"), ("hour(offered_at)", "hour")],
    "hour_of_day": [("hour(offered_at)", "hour")],
    "none": [],
}
SAMPLES = ("sa", "tt", "acw", "ht")


def operator_statistics_sql(query: StatisticsQuery) -> tuple[str, dict[str, Any]]:
    """SQL whose rows are (user_id, *bucket, count/sum/min/max per sample..., uac)."""
    buckets = [expr for expr, _ in BUCKETS[query.aggregation]]
    aggregates = []
    for sample in SAMPLES:
        aggregates += [f"count({sample})", f"sum({sample})", f"min({sample})", f"max({sample})"]
    aggregates.append("count(*) - count(sa)")
    where = [
        "account_id = $account",
        "offered_at >= make_timestamp_ms($from_ms)",
        "offered_at < make_timestamp_ms($to_ms)",
    ]
    params: dict[str, Any] = {"from_ms": query.from_ms, "to_ms": query.to_ms}
    if query.user_ids is not None:
        where.append("user_id IN (SELECT unnest($users))")
        params["users"] = list(query.user_ids)
    if query.queue_ids is not None:
        where.append("queue_id IN (SELECT unnest($queues))")
        params["queues"] = list(query.queue_ids)
    keys = ["user_id", *buckets]
    positions = list(range(1, len(keys) + 1))
    if query.group == "aggregation":
        order = positions[1:] + positions[:1]
    else:
        order = positions
    sql = (
        f"SELECT {', '.join(keys + aggregates)} FROM offers WHERE {' AND '.join(where)} "
        f"GROUP BY {', '.join(map(str, positions))} ORDER BY {', '.join(map(str, order))}"
    )
    return sql, params


def fetch_operator_statistics(
    cur: duckdb.DuckDBPyConnection, account_id: int, query: StatisticsQuery, limit: int
) -> list[tuple[Any, ...]]:
    """The grouped rows, at most limit + 1 of them (one more tells the caller it is over)."""
    sql, params = operator_statistics_sql(query)
    params["account"] = account_id
    return cur.execute(f"{sql} LIMIT {int(limit) + 1}", params).fetchall()
