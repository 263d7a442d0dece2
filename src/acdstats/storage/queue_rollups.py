"""Queue rollups: queue calls pre-aggregated per (queue, hour), (queue, day) and (queue, month).

An optimisation over queue_calls, never a second truth. Every change to queue calls marks the
(queue, hour) of the calls it touches, and `refresh` recomputes exactly those hours, then their
days and months, before the write transaction commits. Two families:
- the items: counts by outcome and count/sum/min/max of every sample (QL included: each sample
  belongs to one call, so they merge);
- the service-level histogram: answered calls per whole-second WT (clamped above the largest
  threshold a request may name), which answers any threshold exactly and merges too.
"""

from __future__ import annotations

from typing import Any

import duckdb

SAMPLES = ("wt", "sa", "abt", "tt", "acw", "ht", "ql")
# A WT above every threshold (1..3600, SPEC 8) is kept as this value in the histogram.
WT_CAP = 3601

FROM_CALLS = (
    "count(*) AS tc, count(*) FILTER (WHERE outcome = 'answered') AS ac, "
    "count(*) FILTER (WHERE outcome IN ('abandoned', 'moved')) AS uac, "
    "count(*) FILTER (WHERE outcome = 'rejected') AS rc, "
    + ", ".join(
        f"count({s}) AS {s}_count, coalesce(sum({s}), 0) AS {s}_sum, "
        f"min({s}) AS {s}_min, max({s}) AS {s}_max"
        for s in SAMPLES
    )
)
MERGED = "sum(tc) AS tc, sum(ac) AS ac, sum(uac) AS uac, sum(rc) AS rc, " + ", ".join(
    f"sum({s}_count) AS {s}_count, sum({s}_sum) AS {s}_sum, "
    f"min({s}_min) AS {s}_min, max({s}_max) AS {s}_max"
    for s in SAMPLES
)
# (The tables: schema.py, migration 4.)

# Per level: (table, source, source time column, unit, extra key, aggregates, source filter).
_HISTOGRAM_FROM_CALLS = f"least(s.wt, {WT_CAP})"
_LEVELS = (
    ("queue_rollup_hour", "queue_calls", "entered_at", "hour", "", FROM_CALLS, "true"),
    ("queue_rollup_day", "queue_rollup_hour", "bucket", "day", "", MERGED, "true"),
    ("queue_rollup_month", "queue_rollup_day", "bucket", "month", "", MERGED, "true"),
    (
        "queue_wt_hour",
        "queue_calls",
        "entered_at",
        "hour",
        f"{_HISTOGRAM_FROM_CALLS}, ",
        "count(*)",
        "s.outcome = 'answered'",
    ),
    ("queue_wt_day", "queue_wt_hour", "bucket", "day", "s.wt, ", "sum(s.n)", "true"),
    ("queue_wt_month", "queue_wt_day", "bucket", "month", "s.wt, ", "sum(s.n)", "true"),
)


def mark(
    cur: duckdb.DuckDBPyConnection, where: str, params: dict[str, Any], source: str = ""
) -> None:
    """Remember the (queue, hour) of the queue calls `q` that match (before and after a change).

    source: a FROM clause that defines `q` (default: the account's queue_calls).
    """
    cur.execute(
        "CREATE TEMP TABLE IF NOT EXISTS queue_touched_hours (queue_id BIGINT, bucket TIMESTAMP)"
    )
    cur.execute(
        "INSERT INTO queue_touched_hours SELECT DISTINCT q.queue_id, "
        f"date_trunc('hour', q.entered_at) FROM {source or 'queue_calls q'} "
        f"WHERE {'q.account_id = $account AND ' if not source else ''}{where}",
        params,
    )


def refresh(cur: duckdb.DuckDBPyConnection, account_id: int) -> None:
    """Recompute the marked hours, then their days and months, from queue_calls."""
    exists = cur.execute(
        "SELECT count(*) FROM duckdb_tables() "
        "WHERE table_name = 'queue_touched_hours' AND temporary"
    ).fetchall()[0][0]
    if not exists:
        return
    params = {"account": account_id}
    first, last = cur.execute(
        "SELECT epoch_ms(min(bucket)), epoch_ms(max(bucket)) FROM queue_touched_hours"
    ).fetchall()[0]
    for table, source, column, unit, extra, aggregates, only in _LEVELS:
        if first is None:  # the marked calls turned out to be none
            break
        # The level's touched buckets, and the touched span as constants (so that zone maps
        # skip the rest of the source): the hours' span truncated to the unit covers it.
        touched = (
            f"(SELECT DISTINCT queue_id, date_trunc('{unit}', bucket) AS bucket "
            "FROM queue_touched_hours) t"
        )
        cur.execute(
            f"DELETE FROM {table} r USING {touched} WHERE r.account_id = $account "
            "AND r.queue_id = t.queue_id AND r.bucket = t.bucket",
            params,
        )
        cur.execute(
            f"""
            INSERT INTO {table}
            SELECT $account, s.queue_id, date_trunc('{unit}', s.{column}), {extra}{aggregates}
            FROM {source} s SEMI JOIN {touched} ON s.queue_id = t.queue_id
                AND date_trunc('{unit}', s.{column}) = t.bucket
            WHERE s.account_id = $account AND {only}
              AND s.{column} >= date_trunc('{unit}', make_timestamp_ms({first:d}))
              AND s.{column} < date_trunc('{unit}', make_timestamp_ms({last:d})) + INTERVAL 1 {unit}
            GROUP BY ALL
            """,
            params,
        )
    cur.execute("DROP TABLE queue_touched_hours")


def rebuild(cur: duckdb.DuckDBPyConnection, account_id: int) -> None:
    """Recompute every queue rollup of the account from its queue calls."""
    cur.execute("DROP TABLE IF EXISTS queue_touched_hours")
    params = {"account": account_id}
    for table, source, column, unit, extra, aggregates, only in _LEVELS:
        cur.execute(f"DELETE FROM {table} WHERE account_id = $account", params)
        cur.execute(
            f"INSERT INTO {table} SELECT $account, s.queue_id, "
            f"date_trunc('{unit}', s.{column}), {extra}{aggregates} "
            f"FROM {source} s WHERE s.account_id = $account AND {only} GROUP BY ALL",
            params,
        )
