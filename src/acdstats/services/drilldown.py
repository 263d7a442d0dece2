"""GetACDOffers and GetACDQueueCalls (SPEC 8.5): the rows behind the numbers, paged, in UTC or
local time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb

from acdstats.domain.buckets import Zone, format_offset, local_date, offset_s
from acdstats.domain.drilldown import (
    OFFER_OUTCOMES,
    QUEUE_CALL_OUTCOMES,
    DrillDownQuery,
    parse_drilldown,
)
from acdstats.services import csv_answer
from acdstats.services.csv_answer import CsvBody

OFFER_KEYS = ("request_id", "user_id", "acd_queue_id", "offered_at", "answered_at", "ended_at",
              "acw_ended_at", "SA", "TT", "ACW", "HT")  # fmt: skip
_TIMES = ("offered_at", "answered_at", "ended_at", "acw_ended_at")
QUEUE_CALL_KEYS = ("request_id", "acd_queue_id", "entered_at", "wait_ended_at", "outcome",
                   "user_id", "WT", "SA", "AT", "TT", "ACW", "HT", "QL")  # fmt: skip


class Page:
    """A paged answer: `result`, then `total_count` and `count` (Voximplant's paged form)."""

    def __init__(self, rows: list[dict[str, Any]], total: int) -> None:
        self.rows, self.total = rows, total

    def document(self) -> dict[str, Any]:
        return {"result": self.rows, "total_count": self.total, "count": len(self.rows)}


def time_text(ms: int | None, zone: Zone | None) -> str | None:
    """`YYYY-MM-DD HH:mm:ss.SSS` in UTC, or local with its offset appended (SPEC 8.5)."""
    if ms is None:
        return None
    offset = 0 if zone is None else offset_s(zone, ms // 1000) * 1000
    local = ms + offset
    day = local_date(local).isoformat()
    in_day = local % 86_400_000
    h, rest = divmod(in_day, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    text = f"{day} {h:02d}:{m:02d}:{s:02d}.{milli:03d}"
    return text if zone is None else text + format_offset(offset)


def _filters(query: DrillDownQuery, params: dict[str, Any]) -> str:
    where = [
        "account_id = $account",
        "offered_at >= make_timestamp_ms($lo)",
        "offered_at < make_timestamp_ms($hi)",
    ]
    params["lo"], params["hi"] = query.from_ms, query.to_ms
    if query.user_ids is not None:
        where.append(f"user_id IN ({', '.join(map(str, map(int, query.user_ids)))})")
    if query.queue_ids is not None:
        where.append(f"queue_id IN ({', '.join(map(str, map(int, query.queue_ids)))})")
    if query.outcomes == ("answered",):
        where.append("answered_at IS NOT NULL")
    elif query.outcomes == ("unanswered",):
        where.append("answered_at IS NULL")
    return " AND ".join(where)


def _page(
    cur: duckdb.DuckDBPyConnection,
    query: DrillDownQuery,
    sql_params: dict[str, Any],
    select: str,
    where: str,
    order: str,
) -> tuple[int, list[tuple[Any, ...]]]:
    """(all matching rows, this page's rows) of `select ... WHERE where ORDER BY order`."""
    count_sql = f"SELECT count(*) FROM ({select} WHERE {where})"
    total = int(cur.execute(count_sql, sql_params).fetchall()[0][0])
    page = f"LIMIT {int(query.count)} OFFSET {int(query.offset)}"
    rows = cur.execute(f"{select} WHERE {where} ORDER BY {order} {page}", sql_params).fetchall()
    return total, rows


def offers(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    params: Mapping[str, str],
    now_ms: int | None = None,
    user_id_as_number: bool = False,
) -> Page | CsvBody:
    query = parse_drilldown(params, OFFER_OUTCOMES, True, now_ms)
    sql_params: dict[str, Any] = {"account": account_id}
    where = _filters(query, sql_params)
    # SPEC 8.5's order: offered_at, request_id (code points: DuckDB compares bytes of UTF-8,
    # which orders as code points), user_id, records before events, then first in first out
    # (the earlier answer, then the earlier end, closes the earlier of two same-instant rings).
    total, rows = _page(
        cur,
        query,
        sql_params,
        "SELECT request_id, user_id, queue_id, epoch_ms(offered_at), epoch_ms(answered_at), "
        "epoch_ms(ended_at), epoch_ms(acw_ended_at), sa, tt, acw, ht FROM offers",
        where,
        "offered_at, request_id, user_id, source = 'e', answered_at NULLS LAST, "
        "ended_at NULLS LAST",
    )
    zone = query.ext.zone
    records = []
    for row in rows:
        record = dict(zip(OFFER_KEYS, row, strict=True))
        record["user_id"] = row[1] if user_id_as_number else str(row[1])
        for key in _TIMES:
            record[key] = time_text(record[key], zone)
        records.append(record)
    if query.ext.format == "csv":
        return csv_answer.render(OFFER_KEYS, ([r[k] for k in OFFER_KEYS] for r in records))
    return Page(records, total)


def queue_calls(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    params: Mapping[str, str],
    now_ms: int | None = None,
    user_id_as_number: bool = False,
) -> Page | CsvBody:
    """GetACDQueueCalls: the queue calls GetACDQueueStatistics counts for the same filters."""
    query = parse_drilldown(params, QUEUE_CALL_OUTCOMES, False, now_ms)
    sql_params: dict[str, Any] = {"account": account_id, "lo": query.from_ms, "hi": query.to_ms}
    where = [
        "account_id = $account",
        "entered_at >= make_timestamp_ms($lo)",
        "entered_at < make_timestamp_ms($hi)",
    ]
    if query.queue_ids is not None:
        where.append(f"queue_id IN ({', '.join(map(str, map(int, query.queue_ids)))})")
    if set(query.outcomes) != set(QUEUE_CALL_OUTCOMES):
        where.append(f"outcome IN ({', '.join(repr(o) for o in query.outcomes)})")
    # SPEC 8.5's order: entered_at, request_id, then the request's event order (seq).
    total, rows = _page(
        cur,
        query,
        sql_params,
        "SELECT request_id, queue_id, epoch_ms(entered_at), epoch_ms(wait_ended_at), outcome, "
        "user_id, wt, sa, abt, tt, acw, ht, ql FROM queue_calls",
        " AND ".join(where),
        "entered_at, request_id, seq",
    )
    zone = query.ext.zone
    records = []
    for row in rows:
        record = dict(zip(QUEUE_CALL_KEYS, row, strict=True))
        user = record["user_id"]  # the answering offer's operator, answered calls only
        record["user_id"] = None if user is None else user if user_id_as_number else str(user)
        for key in ("entered_at", "wait_ended_at"):
            record[key] = time_text(record[key], zone)
        records.append(record)
    if query.ext.format == "csv":
        return csv_answer.render(
            QUEUE_CALL_KEYS, ([r[k] for k in QUEUE_CALL_KEYS] for r in records)
        )
    return Page(records, total)
