"""GetACDOperatorStatistics: validated parameters in, the `result` JSON text out."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import duckdb
import orjson

from acdstats.domain.extensions import NONE
from acdstats.domain.query import StatisticsQuery, parse_operator_statistics
from acdstats.errors import answer_too_large
from acdstats.services.csv_answer import CsvBody
from acdstats.services.statistics_shape import csv, shape
from acdstats.storage.bucket_sql import Bucketing
from acdstats.storage.statistics_json import answer_sql
from acdstats.storage.statistics_sql import operator_statistics_sql, query_bucketing

DEFAULT_MAX_RECORDS = 1_000_000
# Answers that cannot have more records than this are shaped in Python (see statistics_shape).
SMALL_ANSWER = 2_000
_HOUR_MS = 3_600_000


def operator_statistics_json(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    params: Mapping[str, str],
    max_records: int = DEFAULT_MAX_RECORDS,
    user_id_as_number: bool = False,
    now_ms: int | None = None,
    use_rollups: bool = True,
    small_answer: int = SMALL_ANSWER,
) -> str:
    """The `result` of GetACDOperatorStatistics for one account, as JSON text."""
    answer = operator_statistics(
        cur,
        account_id,
        params,
        max_records,
        user_id_as_number,
        now_ms,
        use_rollups,
        small_answer,
    )
    return answer.decode() if isinstance(answer, bytes) else answer


def operator_statistics(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    params: Mapping[str, str],
    max_records: int = DEFAULT_MAX_RECORDS,
    user_id_as_number: bool = False,
    now_ms: int | None = None,
    use_rollups: bool = True,
    small_answer: int = SMALL_ANSWER,
) -> str | CsvBody:
    """The `result` of GetACDOperatorStatistics as JSON text, or the CSV answer."""
    query = parse_operator_statistics(params, now_ms)
    if query.ext != NONE or query.aggregation in ("week", "month"):
        return _extended(
            cur, account_id, query, max_records, user_id_as_number, use_rollups, small_answer
        )
    if most_records(query) <= min(small_answer, max_records):
        sql, sql_params = operator_statistics_sql(query, use_rollups)
        sql_params["account"] = account_id
        rows = cur.execute(sql, sql_params).fetchall()
        return orjson.dumps(shape(query, rows, user_id_as_number)).decode()
    return _rendered(cur, account_id, query, max_records, use_rollups, user_id_as_number)


def _rendered(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    query: StatisticsQuery,
    max_records: int,
    use_rollups: bool,
    user_id_as_number: bool,
    lookup: Bucketing | None = None,
) -> str:
    """The answer rendered as JSON text by the database (big answers)."""
    sql, sql_params = answer_sql(query, max_records, use_rollups, user_id_as_number, lookup)
    sql_params["account"] = account_id
    text, records = cur.execute(sql, sql_params).fetchall()[0]
    if records > max_records:
        raise answer_too_large(max_records)
    return str(text)


def _extended(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    query: StatisticsQuery,
    max_records: int,
    user_id_as_number: bool,
    use_rollups: bool,
    small_answer: int,
) -> str | CsvBody:
    """A request with section-8 extensions: grouped rows, shaped (or written as CSV) here."""
    clipped = _clip_to_data(cur, account_id, query)
    rows: list[tuple[object, ...]] = []
    lookup = None
    if clipped is not None:
        query = clipped
        lookup = query_bucketing(query) if query.aggregation != "none" else None
        if query.ext.format == "json" and most_records(query) > small_answer:
            return _rendered(
                cur, account_id, query, max_records, use_rollups, user_id_as_number, lookup
            )
        sql, sql_params = operator_statistics_sql(query, use_rollups)
        sql_params["account"] = account_id
        rows = cur.execute(f"{sql} LIMIT {int(max_records) + 1}", sql_params).fetchall()
    if len(rows) > max_records:
        raise answer_too_large(max_records)
    if query.ext.format == "csv":
        return csv(query, rows, lookup)
    return orjson.dumps(shape(query, rows, user_id_as_number, lookup)).decode()


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
    first, last = cur.execute(
        "SELECT epoch_ms(min(offered_at)), epoch_ms(max(offered_at)) FROM offers "
        "WHERE account_id = $a AND offered_at >= make_timestamp_ms($lo) "
        "AND offered_at < make_timestamp_ms($hi)",
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
