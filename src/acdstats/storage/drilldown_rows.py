"""GetACDOffers and GetACDQueueCalls on DuckDB: one page of the derived rows, and their count."""

from __future__ import annotations

from typing import Any

import duckdb

from acdstats.domain.drilldown import (
    OFFER_KEYS,
    QUEUE_CALL_KEYS,
    QUEUE_CALL_OUTCOMES,
    DrillDownQuery,
)
from acdstats.storage.dialect import DUCKDB
from acdstats.storage.reader import Rows

_D = DUCKDB


def _ids(column: str, ids: tuple[int, ...]) -> str:
    return f"{column} IN ({', '.join(map(str, map(int, ids)))})"


def _window(column: str, query: DrillDownQuery, params: dict[str, Any]) -> list[str]:
    params["lo"], params["hi"] = query.from_ms, query.to_ms
    return [
        f"account_id = {_D.param('account')}",
        f"{column} >= {_D.timestamp_ms(_D.param('lo'))}",
        f"{column} < {_D.timestamp_ms(_D.param('hi'))}",
    ]


def _page(
    cur: duckdb.DuckDBPyConnection,
    query: DrillDownQuery,
    params: dict[str, Any],
    select: str,
    where: list[str],
    order: str,
    keys: tuple[str, ...],
) -> Rows:
    """All matching rows' count, and this page of `select ... WHERE where ORDER BY order`."""
    condition = " AND ".join(where)
    count_sql = f"SELECT count(*) FROM ({select} WHERE {condition})"
    total = int(cur.execute(count_sql, params).fetchall()[0][0])
    page = f"LIMIT {int(query.count)} OFFSET {int(query.offset)}"
    sql = f"{select} WHERE {condition} ORDER BY {order} {page}"
    rows = [dict(zip(keys, row, strict=True)) for row in cur.execute(sql, params).fetchall()]
    return Rows(rows, total)


def offers(cur: duckdb.DuckDBPyConnection, account_id: int, query: DrillDownQuery) -> Rows:
    params: dict[str, Any] = {"account": account_id}
    where = _window("offered_at", query, params)
    if query.user_ids is not None:
        where.append(_ids("user_id", query.user_ids))
    if query.queue_ids is not None:
        where.append(_ids("queue_id", query.queue_ids))
    if query.outcomes == ("answered",):
        where.append("answered_at IS NOT NULL")
    elif query.outcomes == ("unanswered",):
        where.append("answered_at IS NULL")
    times = ", ".join(
        _D.epoch_ms(c) for c in ("offered_at", "answered_at", "ended_at", "acw_ended_at")
    )
    # SPEC 8.5's order: offered_at, request_id (code points: DuckDB compares bytes of UTF-8,
    # which orders as code points), user_id, records before events, then first in first out
    # (the earlier answer, then the earlier end, closes the earlier of two same-instant rings).
    return _page(
        cur,
        query,
        params,
        f"SELECT request_id, user_id, queue_id, {times}, sa, tt, acw, ht FROM offers",
        where,
        "offered_at, request_id, user_id, source = 'e', answered_at NULLS LAST, "
        "ended_at NULLS LAST",
        OFFER_KEYS,
    )


def queue_calls(cur: duckdb.DuckDBPyConnection, account_id: int, query: DrillDownQuery) -> Rows:
    """The queue calls GetACDQueueStatistics counts for the same filters."""
    params: dict[str, Any] = {"account": account_id}
    where = _window("entered_at", query, params)
    if query.queue_ids is not None:
        where.append(_ids("queue_id", query.queue_ids))
    if set(query.outcomes) != set(QUEUE_CALL_OUTCOMES):
        where.append(f"outcome IN ({', '.join(repr(o) for o in query.outcomes)})")
    times = f"{_D.epoch_ms('entered_at')}, {_D.epoch_ms('wait_ended_at')}"
    # SPEC 8.5's order: entered_at, request_id, then the request's event order (seq).
    return _page(
        cur,
        query,
        params,
        f"SELECT request_id, queue_id, {times}, outcome, user_id, wt, sa, abt, tt, acw, ht, ql "
        "FROM queue_calls",
        where,
        "entered_at, request_id, seq",
        QUEUE_CALL_KEYS,
    )
