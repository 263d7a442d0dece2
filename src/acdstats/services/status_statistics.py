"""GetACDOperatorStatusStatistics (SPEC 7): parameters in, the `result` value out."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import duckdb
import orjson

from acdstats.domain.buckets import Bucket, buckets
from acdstats.domain.metrics import floored_average
from acdstats.domain.status_query import StatusQuery, parse_status_statistics
from acdstats.domain.statuses import STATUS_ORDER
from acdstats.errors import answer_too_large
from acdstats.storage.status_statistics import (
    first_span_ms,
    parts,
    status_answer_json,
    status_rows,
)

# Answers that cannot have more records than this are shaped in Python (faster for a few
# records: the rendering statement costs milliseconds to plan); bigger ones in the database.
SMALL_ANSWER = 2_000
LONG_WINDOW_MS = 400 * 86_400_000


def now_ms() -> int:
    return int(time.time() * 1000)


def operator_status_statistics(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    params: Mapping[str, str],
    now: int | None = None,
    max_records: int = 1_000_000,
    user_id_as_number: bool = False,
    status_detail_as_object: bool = False,
    use_rollups: bool = True,
    in_database: bool | None = None,
) -> Any:
    """The `result` of GetACDOperatorStatusStatistics for one account: Python values for a
    small answer, else the JSON text rendered by the database (an orjson.Fragment).
    in_database forces one of the two (tests hold them to the same bytes)."""
    query = parse_status_statistics(params, now_ms() if now is None else now)
    start = query.from_ms
    if query.end_ms - start > LONG_WINDOW_MS:
        # A window reaching far back (from_date 0001-01-01 by hour): no bucket before the
        # account's first span can hold a piece, so none is made.
        first = first_span_ms(cur, account_id)
        start = query.end_ms if first is None else max(start, first)
    found = buckets(start, query.end_ms, query.aggregation, query.zone)
    heads, keys = _record_keys(query, found)
    pieces = parts(query, found, keys, use_rollups)
    most = float("inf") if query.user_ids is None else len(query.user_ids) * len(heads)
    if not in_database if in_database is not None else most <= min(SMALL_ANSWER, max_records):
        rows = status_rows(cur, account_id, query, pieces)
        return _shape(query, rows, heads, max_records, user_id_as_number, status_detail_as_object)
    head_texts = [orjson.dumps(h).decode()[1:-1] for h in heads]
    text, records = status_answer_json(
        cur, account_id, query, pieces, head_texts, max_records, user_id_as_number,
        status_detail_as_object,
    )  # fmt: skip
    if records > max_records:
        raise answer_too_large(max_records)
    return orjson.Fragment(text)


def _record_keys(query: StatusQuery, found: list[Bucket]) -> tuple[list[dict[str, Any]], list[int]]:
    """Per bucket the record it adds to: one key per label (hour_of_day: per hour), numbered
    in the order of the answer; and each key's time fields."""
    heads: list[dict[str, Any]] = []
    index: dict[Any, int] = {}
    keys = []
    for b in found:
        label = b.hour if query.aggregation == "hour_of_day" else b.label
        if label not in index:
            index[label] = len(heads)
            heads.append(_head(query, b))
        keys.append(index[label])
    if query.aggregation == "hour_of_day":  # records in the order 0..23
        order = sorted(range(len(heads)), key=lambda k: heads[k]["hour"])
        rank = {k: r for r, k in enumerate(order)}
        return [heads[k] for k in order], [rank[k] for k in keys]
    return heads, keys


def _head(query: StatusQuery, b: Bucket) -> dict[str, Any]:
    if query.aggregation in ("day", "week", "month"):
        return {"date": b.date}
    if query.aggregation == "hour":
        head: dict[str, Any] = {"date": b.date, "hour": b.hour}
        if query.zone is not None:
            head["utc_offset"] = b.utc_offset
        return head
    if query.aggregation == "hour_of_day":
        return {"hour": b.hour}
    return {}


def _shape(
    query: StatusQuery,
    rows: list[tuple[Any, ...]],
    heads: list[dict[str, Any]],
    max_records: int,
    user_id_as_number: bool,
    as_object: bool,
) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    records = 0
    current: tuple[int, int] | None = None
    group_key: Any = object()
    detail: dict[str, Any] = {}
    names = [f"p{p}" for p in query.percentiles]
    for user, key, status, n, total, low, high, *pcts in rows:
        if (user, key) != current:
            current = (user, key)
            records += 1
            if records > max_records:
                raise answer_too_large(max_records)
            uid: Any = int(user) if user_id_as_number else str(user)
            detail = {}
            record_detail: Any = detail if as_object else [detail]
            if query.group == "user":
                this_group: Any = user
                head, record = {"user_id": uid}, {**heads[key], "acd_status": record_detail}
            else:
                this_group = key
                head, record = dict(heads[key]), {"user_id": uid, "acd_status": record_detail}
            if this_group != group_key:
                group_key = this_group
                result.append({**head, "statistics": []})
            result[-1]["statistics"].append(record)
        item = {
            "min": int(low),
            "avg": floored_average(int(total), int(n)),
            "max": int(high),
            "count": int(n),
            "sum": int(total),
        }
        item.update(zip(names, (int(p) for p in pcts), strict=True))
        detail[STATUS_ORDER[status]] = item
    return result
