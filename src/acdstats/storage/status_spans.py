"""Status spans (SPEC 7.1), derived from the status events and kept current by every write.

Per operator, the status events in the order of SPEC 3.1 (`status_events.ord` = time in ms * 8
+ the status's alphabetical rank) each start a span that lasts until the operator's next
status event. A closed span is a row of `status_spans`, [start_ms, end_ms) in UTC epoch ms;
the last span of an operator is open (`status_open`) and a query ends it at its own E. Spans
of zero ms (equal-time events) give only zero-ms pieces, which SPEC 7.1 drops: they are not
stored. Statuses are stored as their index in SPEC 7.2's order (domain.statuses).

Rollups (an optimisation, never a second truth): the pieces of closed spans cut at every UTC
hour start (`status_rollup_hour`) and every UTC day start (`status_rollup_day`), aggregated
per (operator, status, bucket) as count, sum, min and max of the rounded samples. The count,
min and max depend on where pieces are cut, so each level is computed from the spans, never
from the other level.

A batch's new status events change the spans of their operators from P, the latest stored
span that starts before the earliest new event, to the latest new event (hi): those spans are
deleted and derived again; spans that start after hi keep their ends (their next event is
unchanged). Then the rollup buckets that the old and new spans cover are recomputed.
"""

from __future__ import annotations

import duckdb

from acdstats.domain.metrics import seconds_sql
from acdstats.domain.statuses import STATUS_CODE_SQL
from acdstats.storage.eventstore import STATUS_RANK
from acdstats.storage.slices import slices

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
# Rollup level -> (table, bucket width in ms).
ROLLUPS: dict[str, tuple[str, int]] = {
    "hour": ("status_rollup_hour", HOUR_MS),
    "day": ("status_rollup_day", DAY_MS),
}
_NONE = -(2**62)  # "no bound" for ords and times
_RANK = "CASE status " + " ".join(f"WHEN '{s}' THEN {r}" for s, r in STATUS_RANK.items()) + " END"


def floor_sql(ms: str, width: int) -> str:
    """SQL: the start of the width-aligned bucket that holds instant `ms` (also before 1970)."""
    return f"(({ms}) - ((({ms}) % {width}) + {width}) % {width})"


def _spans_sql(scope_join: str, where: str) -> str:
    """Spans (with their account) of the events that match: lead() finds each next event.

    Events with the same ord (the same status at the same ms, stored twice under different
    event_ids) are one change for the spans: the first of them would last zero ms.
    """
    return f"""
    SELECT account_id, user_id, status, ord AS start_ord, at_ms AS start_ms,
        lead(at_ms) OVER (PARTITION BY account_id, user_id ORDER BY ord) AS end_ms
    FROM (
        SELECT DISTINCT e.account_id, e.user_id, e.ord, {STATUS_CODE_SQL} AS status,
            epoch_ms(e.event_at) AS at_ms
        FROM status_events e {scope_join}
        WHERE {where}
    )
    """


def _rollup_sql(width: int, scope_join: str, where: str, lo: str, hi: str) -> str:
    """Rollup rows of closed spans (alias sp) for the buckets in [lo, hi) (aligned bounds)."""
    start = floor_sql(f"greatest(sp.start_ms, {lo})", width)
    piece = seconds_sql(f"least(sp.end_ms, b + {width})", "greatest(sp.start_ms, b)")
    return f"""
    SELECT account_id, user_id, status, b, count(*), sum(x), min(x), max(x)
    FROM (
        SELECT account_id, user_id, status, b, {piece} AS x
        FROM (
            SELECT sp.*, unnest(range({start}, least(sp.end_ms, {hi}), {width})) AS b
            FROM status_spans sp {scope_join}
            WHERE {where} AND sp.end_ms > {lo} AND sp.start_ms < {hi}
        ) sp
    )
    GROUP BY ALL
    """


def refresh_status_spans(cur: duckdb.DuckDBPyConnection, account_id: int) -> None:
    """Bring spans and their rollups up to date with the batch's new status events.

    Reads temp table `batch_events` (storage.eventstore); its own temp tables are dropped.
    """
    params = {"account": account_id}
    ord_sql = f"at_ms * 8 + ({_RANK})"
    cur.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE span_dirty AS
        SELECT user_id, min(at_ms) AS lo_ms, min({ord_sql}) AS lo_ord, max({ord_sql}) AS hi_ord
        FROM batch_events WHERE outcome = 'new' AND type = 'status' GROUP BY user_id
        """
    )
    (lo_ms,) = cur.execute("SELECT min(lo_ms) FROM span_dirty").fetchall()[0]
    if lo_ms is not None:
        # P: the latest stored span that starts before the earliest new event. It ends at or
        # after that event's time, so spans that end earlier need not be read (zone maps).
        cur.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE span_scope AS
            SELECT d.user_id, coalesce(max(s.start_ord), any_value(d.lo_ord)) AS from_ord,
                any_value(d.hi_ord) AS hi_ord
            FROM span_dirty d LEFT JOIN (
                SELECT user_id, start_ord FROM status_spans
                WHERE account_id = $account AND end_ms >= {lo_ms:d}
                UNION ALL
                SELECT user_id, start_ord FROM status_open WHERE account_id = $account
            ) s ON s.user_id = d.user_id AND s.start_ord < d.lo_ord
            GROUP BY d.user_id
            """,
            params,
        )
        _rederive(cur, account_id, replace=True)
    cur.execute("DROP TABLE span_dirty")


def rebuild_status_spans(
    cur: duckdb.DuckDBPyConnection, account_id: int, chunks: int | None = None
) -> None:
    """Derive every span and rollup of the account again from its status events (chunks:
    slices of operators; by default by the account's size)."""
    if chunks is None:
        chunks = slices(cur, "status_events", account_id, 8)
    params = {"account": account_id}
    for table in ("status_spans", "status_open", *(t for t, _ in ROLLUPS.values())):
        cur.execute(f"DELETE FROM {table} WHERE account_id = $account", params)
    for chunk in range(chunks):  # in slices of operators, to bound memory
        cur.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE span_scope AS
            SELECT user_id, min(ord) AS from_ord, max(ord) AS hi_ord FROM status_events
            WHERE account_id = $account AND hash(user_id) % {chunks} = {chunk}
            GROUP BY user_id
            """,
            params,
        )
        _rederive(cur, account_id, replace=False)


def _rederive(cur: duckdb.DuckDBPyConnection, account_id: int, replace: bool) -> None:
    """Replace the spans of temp table `span_scope` (user_id, from_ord, hi_ord), then the
    rollup buckets they cover. Drops span_scope."""
    params = {"account": account_id}
    (first_ord,) = cur.execute("SELECT min(from_ord) FROM span_scope").fetchall()[0]
    if first_ord is None:
        cur.execute("DROP TABLE span_scope")
        return
    # Constant bounds (zone maps skip older rows); ord // 8 is the time for times after 1970.
    bound = f"{first_ord:d}" if first_ord >= 0 else f"{_NONE:d}"
    time_bound = f"{first_ord // 8:d}" if first_ord >= 0 else f"{_NONE:d}"
    in_scope = (
        "s.account_id = $account AND s.user_id = c.user_id "
        f"AND s.start_ord BETWEEN c.from_ord AND c.hi_ord AND s.start_ms >= {time_bound}"
    )
    if replace:
        for table in ("status_spans", "status_open"):
            cur.execute(f"DELETE FROM {table} s USING span_scope c WHERE {in_scope}", params)
    spans = _spans_sql(
        "JOIN span_scope c ON e.user_id = c.user_id AND e.ord >= c.from_ord",
        f"e.account_id = $account AND e.ord >= {bound}",
    )
    cur.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE span_new AS
        SELECT n.* FROM ({spans}) n
        JOIN span_scope c ON n.user_id = c.user_id AND n.start_ord <= c.hi_ord
        """,
        params,
    )
    cur.execute("INSERT INTO status_spans SELECT * FROM span_new WHERE end_ms > start_ms")
    cur.execute(
        "INSERT INTO status_open SELECT * EXCLUDE (end_ms) FROM span_new WHERE end_ms IS NULL"
    )
    # The old spans replaced lay within [first new start, last new end or start): the span
    # after hi was not touched, and an old span ending at the next event ends there now too.
    cur.execute(
        """
        CREATE OR REPLACE TEMP TABLE span_touched AS
        SELECT user_id, min(start_ms) AS lo, max(coalesce(end_ms, start_ms)) AS hi
        FROM span_new GROUP BY user_id
        """
    )
    bounds = cur.execute("SELECT min(lo), max(lo), max(hi) FROM span_touched").fetchall()[0]
    for table, width in ROLLUPS.values():
        _refresh_rollup(cur, account_id, table, width, bounds, delete=replace)
    for table in ("span_scope", "span_new", "span_touched"):
        cur.execute(f"DROP TABLE {table}")


def _floor(ms: int, width: int) -> int:
    """floor_sql in Python (Python's % is already the floored one)."""
    return ms - ms % width


def _refresh_rollup(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    table: str,
    width: int,
    bounds: tuple[int, int, int],
    delete: bool,
) -> None:
    """Recompute the buckets of `table` that overlap each operator's touched time range.

    bounds: the least and greatest `lo` and the greatest `hi` of span_touched.
    """
    params = {"account": account_id}
    lo, hi = floor_sql("lo", width), floor_sql(f"hi + {width - 1}", width)
    # Per operator, the aligned buckets [lo, hi) to recompute; first and last bound them all
    # (as constants, for the zone maps): the floor is monotonic, so they follow from bounds.
    scope = f"(SELECT user_id, {lo} AS lo, greatest({hi}, {lo} + {width}) AS hi FROM span_touched)"
    least_lo, greatest_lo, greatest_hi = bounds
    first = _floor(least_lo, width)
    last = max(_floor(greatest_hi + width - 1, width), _floor(greatest_lo, width) + width)
    if delete:
        cur.execute(
            f"DELETE FROM {table} r USING {scope} t WHERE r.account_id = $account "
            f"AND r.user_id = t.user_id AND r.bucket >= t.lo AND r.bucket < t.hi "
            f"AND r.bucket >= {first:d} AND r.bucket < {last:d}",
            params,
        )
    rows = _rollup_sql(
        width,
        f"JOIN {scope} t ON sp.user_id = t.user_id AND sp.end_ms > t.lo AND sp.start_ms < t.hi",
        f"sp.account_id = $account AND sp.end_ms > {first:d} AND sp.start_ms < {last:d}",
        "t.lo",
        "t.hi",
    )
    cur.execute(f"INSERT INTO {table} {rows}", params)
