"""GetACDOperatorStatusStatistics on DuckDB: the buckets' pieces, the renderer chosen.

A small answer is shaped in Python from the aggregated rows; a big one is rendered as JSON
text by the database (status_statistics.status_answer_json).
"""

from __future__ import annotations

from typing import Any

import duckdb
import orjson

from acdstats.domain.buckets import buckets
from acdstats.domain.metrics import floored_average
from acdstats.domain.status_query import StatusQuery
from acdstats.domain.status_records import record_keys
from acdstats.domain.statuses import STATUS_ORDER
from acdstats.errors import answer_too_large
from acdstats.storage.reader import AnswerForm, Tuning
from acdstats.storage.status_statistics import (
    first_span_ms,
    parts,
    status_answer_json,
    status_rows,
)

LONG_WINDOW_MS = 400 * 86_400_000


def status_statistics(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    query: StatusQuery,
    form: AnswerForm,
    tuning: Tuning,
    values: bool = False,
) -> Any:
    """The `result`: Python values for a small answer (or when `values`), else the JSON text
    rendered by the database (an orjson.Fragment)."""
    start = query.from_ms
    if query.end_ms - start > LONG_WINDOW_MS:
        # A window reaching far back (from_date 0001-01-01 by hour): no bucket before the
        # account's first span can hold a piece, so none is made.
        first = first_span_ms(cur, account_id)
        start = query.end_ms if first is None else max(start, first)
    found = buckets(start, query.end_ms, query.aggregation, query.zone)
    heads, keys = record_keys(query, found)
    pieces = parts(query, found, keys, tuning.use_rollups)
    most = float("inf") if query.user_ids is None else len(query.user_ids) * len(heads)
    if values or tuning.small(most, form.max_records):
        rows = status_rows(cur, account_id, query, pieces)
        return _shape(query, rows, heads, form)
    head_texts = [orjson.dumps(h).decode()[1:-1] for h in heads]
    text, records = status_answer_json(
        cur, account_id, query, pieces, head_texts, form.max_records, form.user_id_as_number,
        form.status_detail_as_object,
    )  # fmt: skip
    if records > form.max_records:
        raise answer_too_large(form.max_records)
    return orjson.Fragment(text)


def _shape(
    query: StatusQuery, rows: list[tuple[Any, ...]], heads: list[dict[str, Any]], form: AnswerForm
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
            if records > form.max_records:
                raise answer_too_large(form.max_records)
            uid: Any = int(user) if form.user_id_as_number else str(user)
            detail = {}
            record_detail: Any = detail if form.status_detail_as_object else [detail]
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
