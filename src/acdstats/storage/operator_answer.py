"""GetACDOperatorStatistics on DuckDB: the statement run, the renderer chosen.

A small answer (at most `small_answer` records, by a bound computed before any SQL runs) is
shaped in Python from the grouped rows (statistics_shape); a big one is rendered as JSON
text from the rows as Arrow columns (statistics_arrow). CSV is always written from the rows.
"""

from __future__ import annotations

import duckdb
import orjson

from acdstats.domain.csv_answer import CsvBody
from acdstats.domain.extensions import NONE
from acdstats.domain.query import StatisticsQuery
from acdstats.errors import answer_too_large
from acdstats.storage.bucket_sql import Bucketing
from acdstats.storage.data_window import clip_to_data
from acdstats.storage.reader import SMALL_ANSWER, AnswerForm, Tuning
from acdstats.storage.statistics_arrow import answer_sql, render
from acdstats.storage.statistics_shape import csv, shape
from acdstats.storage.statistics_sql import operator_statistics_sql, query_bucketing, sort_rows

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
        sql, sql_params = operator_statistics_sql(query, tuning.use_rollups, ordered=False)
        sql_params["account"] = account_id
        rows = sort_rows(query, cur.execute(sql, sql_params).fetchall())
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
    """The answer rendered as JSON text from the rows as Arrow columns (big answers)."""
    sql, sql_params = answer_sql(query, form.max_records, use_rollups)
    sql_params["account"] = account_id
    rows = cur.sql(sql, params=sql_params).to_arrow_table()
    if rows.num_rows > form.max_records:
        raise answer_too_large(form.max_records)
    return render(rows, query, form.user_id_as_number, lookup).decode()


def _extended(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    query: StatisticsQuery,
    form: AnswerForm,
    tuning: Tuning,
) -> str | CsvBody:
    """A request with section-8 extensions: grouped rows, shaped (or written as CSV) here."""
    clipped = clip_to_data(
        cur, account_id, query, ("offers", "offered_at"), query.ext.zone, query.aggregation
    )
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
