"""Rollups: offers pre-aggregated per (operator, queue) and per operator over all queues, by
hour, day and month.

They are an optimisation, never a second truth: every change to offers marks the hours it
touches, and `refresh` recomputes exactly those hours (and their days and months, per queue
and over all queues) from offers before the write transaction commits. min/max/sum/count
merge, so any hour- or day-aligned part of a window can be answered from them.
"""

from __future__ import annotations

from typing import Any

import duckdb

SAMPLES = ("sa", "tt", "acw", "ht")

# The rollup columns computed from offers, and the same columns merged from rollups.
FROM_OFFERS = (
    ", ".join(
        f"count({s}) AS {s}_count, coalesce(sum({s}), 0) AS {s}_sum, "
        f"min({s}) AS {s}_min, max({s}) AS {s}_max"
        for s in SAMPLES
    )
    + ", count(*) - count(sa) AS uac"
)
MERGED = (
    ", ".join(
        f"sum({s}_count) AS {s}_count, sum({s}_sum) AS {s}_sum, "
        f"min({s}_min) AS {s}_min, max({s}_max) AS {s}_max"
        for s in SAMPLES
    )
    + ", sum(uac) AS uac"
)


def mark(
    cur: duckdb.DuckDBPyConnection, where: str, params: dict[str, Any], joins: str = ""
) -> None:
    """Remember the hours of the offers `o` that match (call before and after changing them)."""
    cur.execute(
        "CREATE TEMP TABLE IF NOT EXISTS touched_hours "
        "(user_id BIGINT, queue_id BIGINT, bucket TIMESTAMP)"
    )
    cur.execute(
        f"INSERT INTO touched_hours SELECT DISTINCT o.user_id, o.queue_id, "
        f"date_trunc('hour', o.offered_at) FROM offers o {joins} "
        f"WHERE o.account_id = $account AND {where}",
        params,
    )


# Each level: (rollup table, what it is computed from, that source's time column, unit,
# the aggregate columns that compute it, its key columns besides the bucket). The levels
# over all queues (no queue key) merge the per-queue hours: what requests without a queue
# filter or split read.
_QUEUE_KEYS = ("user_id", "queue_id")
_USER_KEYS = ("user_id",)
_LEVELS = (
    ("rollup_hour", "offers", "offered_at", "hour", FROM_OFFERS, _QUEUE_KEYS),
    ("rollup_day", "rollup_hour", "bucket", "day", MERGED, _QUEUE_KEYS),
    ("rollup_month", "rollup_day", "bucket", "month", MERGED, _QUEUE_KEYS),
    ("rollup_all_hour", "rollup_hour", "bucket", "hour", MERGED, _USER_KEYS),
    ("rollup_all_day", "rollup_all_hour", "bucket", "day", MERGED, _USER_KEYS),
    ("rollup_all_month", "rollup_all_day", "bucket", "month", MERGED, _USER_KEYS),
)


def _match(a: str, b: str, keys: tuple[str, ...]) -> str:
    """Equal keys (offers without a queue have a NULL queue_id, a key like any other)."""
    return " AND ".join(
        f"{a}.{k} = {b}.{k}" if k == "user_id" else f"{a}.{k} IS NOT DISTINCT FROM {b}.{k}"
        for k in keys
    )


def refresh(cur: duckdb.DuckDBPyConnection, account_id: int) -> None:
    """Recompute the marked hours, then their days and months, from offers."""
    exists = cur.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'touched_hours' AND temporary"
    ).fetchall()[0][0]
    if not exists:
        return
    params = {"account": account_id}
    first, last = cur.execute(
        "SELECT epoch_ms(min(bucket)), epoch_ms(max(bucket)) FROM touched_hours"
    ).fetchall()[0]
    if first is not None:  # else the marked offers turned out to be none
        for table, source, column, unit, aggregates, keys in _LEVELS:
            _refresh_level(cur, params, table, source, column, unit, aggregates, keys, first, last)
    cur.execute("DROP TABLE touched_hours")


def _refresh_level(
    cur: duckdb.DuckDBPyConnection,
    params: dict[str, Any],
    table: str,
    source: str,
    column: str,
    unit: str,
    aggregates: str,
    keys: tuple[str, ...],
    first: int,
    last: int,
) -> None:
    # The level's touched keys, inline (a temp table per level cost a statement per batch).
    touched = (
        f"(SELECT DISTINCT {', '.join(keys)}, date_trunc('{unit}', bucket) AS bucket "
        "FROM touched_hours)"
    )
    cur.execute(
        f"DELETE FROM {table} r USING {touched} t WHERE r.account_id = $account "
        f"AND {_match('r', 't', keys)} AND r.bucket = t.bucket",
        params,
    )
    # The touched span as constants, so that zone maps skip the rest of the source (the
    # hours' span covers their days' and months' once truncated).
    lo = f"date_trunc('{unit}', make_timestamp_ms({first:d}))"
    hi = f"date_trunc('{unit}', make_timestamp_ms({last:d})) + INTERVAL 1 {unit}"
    s_keys = ", ".join(f"s.{k}" for k in keys)
    cur.execute(
        f"""
        INSERT INTO {table}
        SELECT $account, {s_keys}, date_trunc('{unit}', s.{column}), {aggregates}
        FROM {source} s SEMI JOIN {touched} t ON {_match("s", "t", keys)}
            AND date_trunc('{unit}', s.{column}) = t.bucket
        WHERE s.account_id = $account AND s.{column} >= {lo} AND s.{column} < {hi}
        GROUP BY ALL
        """,
        params,
    )


def rebuild(cur: duckdb.DuckDBPyConnection, account_id: int) -> None:
    """Recompute every rollup of the account from its offers."""
    params = {"account": account_id}
    for table, source, column, unit, aggregates, keys in _LEVELS:
        key_list = ", ".join(keys)
        cur.execute(f"DELETE FROM {table} WHERE account_id = $account", params)
        cur.execute(
            f"INSERT INTO {table} SELECT $account, {key_list}, "
            f"date_trunc('{unit}', {column}) AS b, {aggregates} "
            f"FROM {source} WHERE account_id = $account GROUP BY ALL ORDER BY b",
            params,
        )
