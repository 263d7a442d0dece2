"""Rollups: offers pre-aggregated per (operator, queue, hour) and per (operator, queue, day).

They are an optimisation, never a second truth: every change to offers marks the hours it
touches, and `refresh` recomputes exactly those hours (and their days) from offers before
the write transaction commits. min/max/sum/count merge, so any hour- or day-aligned part of
a window can be answered from them.
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

_KEY_MATCH = (
    "r.user_id = t.user_id AND r.queue_id IS NOT DISTINCT FROM t.queue_id AND r.bucket = t.bucket"
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
# the aggregate columns that compute it).
_LEVELS = (
    ("rollup_hour", "offers", "offered_at", "hour", FROM_OFFERS),
    ("rollup_day", "rollup_hour", "bucket", "day", MERGED),
    ("rollup_month", "rollup_day", "bucket", "month", MERGED),
)


def refresh(cur: duckdb.DuckDBPyConnection, account_id: int) -> None:
    """Recompute the marked hours, then their days, from offers."""
    exists = cur.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'touched_hours' AND temporary"
    ).fetchall()[0][0]
    if not exists:
        return
    params = {"account": account_id}
    cur.execute("CREATE OR REPLACE TEMP TABLE touched AS SELECT DISTINCT * FROM touched_hours")
    cur.execute("DROP TABLE touched_hours")
    for table, source, column, unit, aggregates in _LEVELS:
        cur.execute(
            "CREATE OR REPLACE TEMP TABLE touched AS SELECT DISTINCT user_id, queue_id, "
            f"date_trunc('{unit}', bucket) AS bucket FROM touched"
        )
        first, last = cur.execute(
            "SELECT epoch_ms(min(bucket)), epoch_ms(max(bucket)) FROM touched"
        ).fetchall()[0]
        if first is None:  # the marked offers turned out to be none
            break
        cur.execute(
            f"DELETE FROM {table} r USING touched t WHERE r.account_id = $account AND {_KEY_MATCH}",
            params,
        )
        # The touched span as constants, so that zone maps skip the rest of the source.
        cur.execute(
            f"""
            INSERT INTO {table}
            SELECT $account, s.user_id, s.queue_id, date_trunc('{unit}', s.{column}), {aggregates}
            FROM {source} s SEMI JOIN touched t ON s.user_id = t.user_id
                AND s.queue_id IS NOT DISTINCT FROM t.queue_id
                AND date_trunc('{unit}', s.{column}) = t.bucket
            WHERE s.account_id = $account
              AND s.{column} >= make_timestamp_ms({first:d})
              AND s.{column} < make_timestamp_ms({last:d}) + INTERVAL 1 {unit}
            GROUP BY ALL
            """,
            params,
        )
    cur.execute("DROP TABLE touched")


def rebuild(cur: duckdb.DuckDBPyConnection, account_id: int) -> None:
    """Recompute every rollup of the account from its offers."""
    params = {"account": account_id}
    for table, source, column, unit, aggregates in _LEVELS:
        cur.execute(f"DELETE FROM {table} WHERE account_id = $account", params)
        cur.execute(
            f"INSERT INTO {table} SELECT $account, user_id, queue_id, "
            f"date_trunc('{unit}', {column}), {aggregates} "
            f"FROM {source} WHERE account_id = $account GROUP BY ALL",
            params,
        )
