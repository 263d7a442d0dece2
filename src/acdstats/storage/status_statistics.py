"""The one statement behind GetACDOperatorStatusStatistics: pieces of spans, aggregated.

Every bucket of the answer (domain.buckets, already clipped to [from, E)) is a row of a small
registered table `status_buckets` (key, start_ms, end_ms, rollup). A span's piece in a bucket
is its overlap with it, so cutting at the window's start, at E and at every bucket start is
one range join; zero-ms pieces cannot occur (the join asks for a positive overlap).

Fast path (UTC, aggregation hour, hour_of_day or day, no percentiles): a bucket that is a
whole UTC hour or day is read from status_rollup_hour / status_rollup_day, which hold exactly
the pieces of closed spans cut at those edges; the other buckets (the window's ragged ends)
are cut from the closed spans, and the open spans (one per operator, ended at E) always are.
The parts cover disjoint pieces, so count and sum add and min and max compare.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from acdstats.domain.buckets import Bucket
from acdstats.domain.metrics import floored_average_sql, nearest_ranks_sql, seconds_sql
from acdstats.domain.status_query import StatusQuery
from acdstats.domain.statuses import STATUS_ORDER
from acdstats.storage.bulk import int64, registered
from acdstats.storage.status_spans import ROLLUPS, floor_sql

_WIDTH = {"hour": ("hour", ROLLUPS["hour"][1]), "hour_of_day": ("hour", ROLLUPS["hour"][1]),
          "day": ("day", ROLLUPS["day"][1])}  # fmt: skip


# Below this window the spans themselves answer faster (measured on the medium benchmark:
# one operator's day from the spans ~1.4 ms, from the hourly rollup ~14 ms).
ROLLUP_MIN_WINDOW_MS = 2 * ROLLUPS["day"][1]


@dataclass(frozen=True)
class Part:
    """A bucket of the answer: where it is in time, and the record key it adds to."""

    key: int
    start_ms: int
    end_ms: int
    rollup: bool  # a whole rollup bucket: read from the rollup table


def parts(
    query: StatusQuery, buckets: list[Bucket], keys: list[int], use_rollups: bool
) -> list[Part]:
    level = _WIDTH.get(query.aggregation)
    fast = (
        use_rollups
        and level is not None
        and query.zone is None
        and not query.percentiles
        and query.end_ms - query.from_ms >= ROLLUP_MIN_WINDOW_MS
    )
    width = level[1] if level else 0
    return [
        Part(
            key,
            b.start_ms,
            b.end_ms,
            fast and b.start_ms % width == 0 and b.end_ms - b.start_ms == width,
        )
        for b, key in zip(buckets, keys, strict=True)
    ]


def uniform(query: StatusQuery) -> bool:
    """UTC buckets of one width (hour, hour_of_day, day) or the one bucket of none: spans are
    cut by arithmetic, and no bucket table is needed."""
    return query.zone is None and (query.aggregation in _WIDTH or query.aggregation == "none")


def aggregate_sql(query: StatusQuery, pieces: list[Part]) -> str:
    """SQL of rows (user_id, key, status, n, total, low, high, *percentiles), unordered;
    with local buckets it reads the registered table status_buckets."""
    filters = []
    if query.user_ids is not None:
        filters.append(f"user_id IN ({', '.join(str(int(u)) for u in query.user_ids)})")
    if len(query.statuses) < len(STATUS_ORDER):
        filters.append(f"status IN ({', '.join(str(int(s)) for s in query.statuses)})")
    where = " AND ".join(["account_id = $account", *filters])
    end = int(query.end_ms)
    cut = [p for p in pieces if not p.rollup]
    level = _WIDTH.get(query.aggregation) if query.zone is None else None
    window = (pieces[0].start_ms, pieces[-1].end_ms)
    open_spans = (
        f"SELECT user_id, status, start_ms, {end} AS end_ms FROM status_open "
        f"WHERE {where} AND start_ms < {end}"
    )

    def closed_spans(lo: int, hi: int) -> str:
        return (
            "SELECT user_id, status, start_ms, end_ms FROM status_spans "
            f"WHERE {where} AND start_ms < {hi} AND end_ms > {lo}"
        )

    if uniform(query):
        # UTC buckets of one width (or the one bucket of none): each span is cut by
        # arithmetic, no join; the key of an aligned bucket start b is keymap[b's index].
        width = level[1] if level is not None else 0
        keymap = "[" + ", ".join(str(int(p.key)) for p in pieces) + "]"
        base = pieces[0].start_ms - pieces[0].start_ms % width if width else 0

        def cut_sql(source: str, lo: int, hi: int) -> str:
            if not width:
                piece = seconds_sql(f"least(end_ms, {hi})", f"greatest(start_ms, {lo})")
                return f"SELECT user_id, 0 AS key, status, {piece} AS x FROM ({source})"
            start = floor_sql(f"greatest(start_ms, {lo})", width)
            piece = seconds_sql(f"least(end_ms, b + {width}, {hi})", f"greatest(start_ms, b, {lo})")
            return f"""SELECT user_id, {keymap}[(b - {base}) // {width} + 1] AS key, status,
                {piece} AS x
            FROM (SELECT *, unnest(range({start}, least(end_ms, {hi}), {width})) AS b
                  FROM ({source}))"""

        selects = [cut_sql(open_spans, *window)]
        selects += [cut_sql(closed_spans(lo, hi), lo, hi) for lo, hi in _runs(cut)]
        rollup_key = f"{keymap}[(r.bucket - {base}) // {width} + 1]" if width else "0"
        rollup_join = ""
    else:
        # Local buckets: one range join with the registered table status_buckets.
        def join_sql(source: str, which: str) -> str:
            piece = seconds_sql("least(sp.end_ms, b.end_ms)", "greatest(sp.start_ms, b.start_ms)")
            return f"""SELECT sp.user_id, b.key, sp.status, {piece} AS x FROM ({source}) sp
            JOIN status_buckets b ON {which} sp.start_ms < b.end_ms AND sp.end_ms > b.start_ms"""

        # The open spans, ended at E, in every bucket; the closed ones in the buckets not read
        # from a rollup, per run of adjacent buckets with its bounds as constants (zone maps).
        selects = [join_sql(open_spans, "")]
        selects += [join_sql(closed_spans(lo, hi), "NOT b.rollup AND") for lo, hi in _runs(cut)]
        rollup_key = "b.key"
        rollup_join = "JOIN status_buckets b ON b.rollup AND r.bucket = b.start_ms"
    pcts = "".join(", " + rank for rank in nearest_ranks_sql("x", query.percentiles))
    pieces_sql = " UNION ALL ".join(selects)
    aggregate = (
        "SELECT user_id, key, status, count(*) AS n, sum(x) AS total, min(x) AS low, "
        f"max(x) AS high{pcts} FROM ({pieces_sql}) GROUP BY ALL"
    )
    rolled = [p for p in pieces if p.rollup]
    if rolled:
        table = ROLLUPS[_WIDTH[query.aggregation][0]][0]
        lo, hi = min(p.start_ms for p in rolled), max(p.end_ms for p in rolled)
        aggregate = f"""
        SELECT user_id, key, status, sum(n)::BIGINT, sum(total)::BIGINT, min(low), max(high)
        FROM (
            {aggregate}
            UNION ALL
            SELECT r.user_id, {rollup_key}, r.status, r.n, r.total, r.low, r.high
            FROM (SELECT * FROM {table} WHERE {where} AND bucket >= {lo} AND bucket < {hi}) r
            {rollup_join}
        ) GROUP BY ALL"""
    return aggregate


def _bucket_table(pieces: list[Part]) -> dict[str, Any]:
    return {
        "key": int64([p.key for p in pieces]),
        "start_ms": int64([p.start_ms for p in pieces]),
        "end_ms": int64([p.end_ms for p in pieces]),
        "rollup": pa.array([p.rollup for p in pieces], pa.bool_()),
    }


def status_rows(
    cur: duckdb.DuckDBPyConnection, account_id: int, query: StatusQuery, pieces: list[Part]
) -> list[tuple[Any, ...]]:
    """Rows (user_id, key, status, count, sum, min, max, *percentiles), ordered by
    (user_id, key, status) for group=user, by (key, user_id, status) for group=aggregation."""
    if not pieces:
        return []
    order = "user_id, key, status" if query.group == "user" else "key, user_id, status"
    sql = f"{aggregate_sql(query, pieces)} ORDER BY {order}"
    if uniform(query):  # (registering a table costs milliseconds)
        return cur.execute(sql, {"account": account_id}).fetchall()
    with registered(cur, "status_buckets", _bucket_table(pieces)):
        return cur.execute(sql, {"account": account_id}).fetchall()


def status_answer_json(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    query: StatusQuery,
    pieces: list[Part],
    heads: list[str],
    limit: int,
    user_id_as_number: bool,
    as_object: bool,
) -> tuple[str, int]:
    """(the `result` JSON text, its number of records), rendered inside the database: the
    path for big answers (no Python object per row). heads[key] is the JSON text of a key's
    time fields without braces ('"date":"2026-03-02"', or '' for none). At most limit + 1
    records are rendered: one more tells the caller that the answer is too big."""
    if not pieces:
        return "[]", 0
    names = "[" + ", ".join(f"'\"{s}\":'" for s in STATUS_ORDER) + "]"
    item = (
        "'{\"min\":' || low || ',\"avg\":' || "
        + floored_average_sql("total", "n")
        + " || ',\"max\":' || high || ',\"count\":' || n || ',\"sum\":' || total"
        + "".join(f" || ',\"p{int(p)}\":' || p{int(p)}" for p in query.percentiles)
        + " || '}'"
    )
    detail = f"'{{' || string_agg({names}[status + 1] || {item}, ',' ORDER BY status) || '}}'"
    if not as_object:
        detail = f"'[' || {detail} || ']'"
    user = "user_id::VARCHAR" if user_id_as_number else "'\"' || user_id || '\"'"
    if query.group == "user":
        record = "'{' || head || CASE WHEN head = '' THEN '' ELSE ',' END"
        group_key, inner, group_head = "user_id", "key", f"'{{\"user_id\":' || {user} || ','"
    else:
        record = f"'{{\"user_id\":' || {user} || ','"
        group_key, inner = "key", "user_id"
        group_head = "'{' || any_value(head) || CASE WHEN any_value(head) = '' THEN '' ELSE ',' END"
    pcts = "".join(f", p{int(p)}" for p in query.percentiles)
    # The keys' time fields as one list literal (SQL strings: quotes doubled).
    head_list = "([" + ", ".join("'" + h.replace("'", "''") + "'" for h in heads) + "]::VARCHAR[])"
    aggregate = aggregate_sql(query, pieces)
    # Column names for the aggregate's percentile columns.
    sql = f"""
    WITH agg AS (
        SELECT * FROM ({aggregate}) AS a(user_id, key, status, n, total, low, high{pcts})
    ),
    records AS (
        SELECT user_id, key, {record} || '"acd_status":' || {detail} || '}}' AS doc
        FROM (SELECT *, {head_list}[key + 1] AS head FROM agg)
        GROUP BY user_id, key, head
        ORDER BY {group_key}, {inner} LIMIT {int(limit) + 1}
    ),
    groups AS (
        SELECT {group_key}, {group_head} || '"statistics":['
            || string_agg(doc, ',' ORDER BY {inner}) || ']}}' AS doc, count(*) AS n
        FROM (SELECT *, {head_list}[key + 1] AS head FROM records)
        GROUP BY {group_key}
    )
    SELECT '[' || coalesce(string_agg(doc, ',' ORDER BY {group_key}), '') || ']',
        coalesce(sum(n), 0)::BIGINT
    FROM groups
    """
    if uniform(query):
        text, records = cur.execute(sql, {"account": account_id}).fetchall()[0]
    else:
        with registered(cur, "status_buckets", _bucket_table(pieces)):
            text, records = cur.execute(sql, {"account": account_id}).fetchall()[0]
    return str(text), int(records)


def _runs(pieces: list[Part]) -> list[tuple[int, int]]:
    """[(start, end)]: the pieces' time ranges, adjacent ones joined."""
    runs: list[tuple[int, int]] = []
    for p in sorted(pieces, key=lambda p: p.start_ms):
        if runs and runs[-1][1] == p.start_ms:
            runs[-1] = (runs[-1][0], p.end_ms)
        else:
            runs.append((p.start_ms, p.end_ms))
    return runs


def first_span_ms(cur: duckdb.DuckDBPyConnection, account_id: int) -> int | None:
    """When the account's first span starts (None: it has none): no piece lies before it."""
    row = cur.execute(
        "SELECT least((SELECT min(start_ms) FROM status_spans WHERE account_id = $account), "
        "(SELECT min(start_ms) FROM status_open WHERE account_id = $account))",
        {"account": account_id},
    ).fetchall()[0]
    return None if row[0] is None else int(row[0])
