"""GetACDOperatorStatistics on DuckDB: the statement run, the renderer chosen.

A small answer (at most `small_answer` records, by a bound computed before any SQL runs) is
shaped in Python from the grouped rows (statistics_shape); a big one is rendered as JSON
text by the database (statistics_json). CSV is always written from the rows.
"""

from __future__ import annotations

import dataclasses

import duckdb
import orjson

from acdstats.domain.csv_answer import CsvBody
from acdstats.domain.extensions import NONE
from acdstats.domain.query import StatisticsQuery
from acdstats.errors import answer_too_large
from acdstats.storage.bucket_sql import Bucketing
from acdstats.storage.dialect import DUCKDB
from acdstats.storage.reader import SMALL_ANSWER, AnswerForm, Tuning
from acdstats.storage.statistics_json import answer_sql
from acdstats.storage.statistics_shape import csv, shape
from acdstats.storage.statistics_sql import operator_statistics_sql, query_bucketing

_HOUR_MS = 3_600_000


def operator_statistics(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    query: StatisticsQuery,
    form: AnswerForm,
    tuning: Tuning,
) -> str | CsvBody:
    """The `result` of GetACDOperatorStatistics as JSON text, or the CSV answer."""
    if query.ext != NONE or query.aggregation in ("week", "month"):
        return _extended(cur, account_id, query, form, tuning)
    if tuning.small(most_records(query), form.max_records):
        rows = _rows(cur, account_id, query, tuning.use_rollups)
        return orjson.dumps(shape(query, rows, form.user_id_as_number)).decode()
    return _rendered(cur, account_id, query, form, tuning.use_rollups)


def _rows(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    query: StatisticsQuery,
    use_rollups: bool,
    limit: str = "",
) -> list[tuple[object, ...]]:
    sql, sql_params = operator_statistics_sql(query, use_rollups)
    sql_params["account"] = account_id
    return cur.execute(sql + limit, sql_params).fetchall()


def _rendered(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    query: StatisticsQuery,
    form: AnswerForm,
    use_rollups: bool,
    lookup: Bucketing | None = None,
) -> str:
    """The answer rendered as JSON text by the database (big answers)."""
    sql, sql_params = answer_sql(
        query, form.max_records, use_rollups, form.user_id_as_number, lookup
    )
    sql_params["account"] = account_id
    text, records = cur.execute(sql, sql_params).fetchall()[0]
    if records > form.max_records:
        raise answer_too_large(form.max_records)
    return str(text)


def _extended(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    query: StatisticsQuery,
    form: AnswerForm,
    tuning: Tuning,
) -> str | CsvBody:
    """A request with section-8 extensions: grouped rows, shaped (or written as CSV) here."""
    clipped = _clip_to_data(cur, account_id, query)
    rows: list[tuple[object, ...]] = []
    lookup = None
    if clipped is not None:
        query = clipped
        lookup = query_bucketing(query) if query.aggregation != "none" else None
        if query.ext.format == "json" and not tuning.small(most_records(query), SMALL_ANSWER):
            return _rendered(cur, account_id, query, form, tuning.use_rollups, lookup)
        limit = f" LIMIT {int(form.max_records) + 1}"
        rows = _rows(cur, account_id, query, tuning.use_rollups, limit)
    if len(rows) > form.max_records:
        raise answer_too_large(form.max_records)
    if query.ext.format == "csv":
        return csv(query, rows, lookup)
    return orjson.dumps(shape(query, rows, form.user_id_as_number, lookup)).decode()


# Beyond this many local buckets, the window is first narrowed to the offers it holds.
_MANY_BUCKETS = 20_000
_UNIT_MS = {"hour": _HOUR_MS, "hour_of_day": _HOUR_MS, "day": 24 * _HOUR_MS}


def _clip_to_data(
    cur: duckdb.DuckDBPyConnection, account_id: int, query: StatisticsQuery
) -> StatisticsQuery | None:
    """The query over the part of its window that holds offers (the same answer, fewer
    buckets to compute); None when it holds none (a long window with a time zone only)."""
    unit = _UNIT_MS.get(query.aggregation, 7 * 24 * _HOUR_MS)
    if query.ext.zone is None or (query.to_ms - query.from_ms) // unit < _MANY_BUCKETS:
        return query
    d = DUCKDB
    first, last = cur.execute(
        f"SELECT {d.epoch_ms('min(offered_at)')}, {d.epoch_ms('max(offered_at)')} FROM offers "
        f"WHERE account_id = $a AND offered_at >= {d.timestamp_ms('$lo')} "
        f"AND offered_at < {d.timestamp_ms('$hi')}",
        {"a": account_id, "lo": query.from_ms, "hi": query.to_ms},
    ).fetchall()[0]
    if first is None:
        return None
    return dataclasses.replace(query, from_ms=int(first), to_ms=int(last) + 1)


def most_records(query: StatisticsQuery) -> float:
    """An upper bound of the answer's statistics records (infinite when all operators)."""
    if query.user_ids is None:
        return float("inf")
    hours = -(-(query.to_ms - query.from_ms) // _HOUR_MS) + 1  # partial hours at both ends
    if query.ext.by_queue:
        return float("inf")  # as many queues as there are
    buckets = {
        "none": 1,
        "hour_of_day": min(24, hours),
        # With a timezone an hour can be cut in two (at a change of offset).
        "hour": 2 * hours if query.ext.zone is not None else hours,
        "day": hours // 24 + 2,
        "week": hours // (7 * 24) + 2,
        "month": hours // (28 * 24) + 2,
    }
    return len(query.user_ids) * buckets[query.aggregation]
