"""GetACDOperatorStatistics: validated parameters in, the `result` JSON text out."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import orjson

from acdstats import errors
from acdstats.domain.query import StatisticsQuery, parse_operator_statistics
from acdstats.errors import ApiError
from acdstats.services.statistics_shape import shape
from acdstats.storage.statistics_json import answer_sql
from acdstats.storage.statistics_sql import operator_statistics_sql

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
    query = parse_operator_statistics(params, now_ms)
    if most_records(query) <= min(small_answer, max_records):
        sql, sql_params = operator_statistics_sql(query, use_rollups)
        sql_params["account"] = account_id
        rows = cur.execute(sql, sql_params).fetchall()
        return orjson.dumps(shape(query, rows, user_id_as_number)).decode()
    sql, sql_params = answer_sql(query, max_records, use_rollups, user_id_as_number)
    sql_params["account"] = account_id
    text, records = cur.execute(sql, sql_params).fetchall()[0]
    if records > max_records:
        raise ApiError(
            errors.ANSWER_TOO_LARGE,
            f"The answer has more than {max_records} statistics records (the server's "
            "max_records limit): narrow the window, the operators or the aggregation",
        )
    return str(text)


def most_records(query: StatisticsQuery) -> float:
    """An upper bound of the answer's statistics records (infinite when all operators)."""
    if query.user_ids is None:
        return float("inf")
    hours = -(-(query.to_ms - query.from_ms) // _HOUR_MS) + 1  # partial hours at both ends
    buckets = {"none": 1, "hour_of_day": min(24, hours), "hour": hours, "day": hours // 24 + 2}
    return len(query.user_ids) * buckets[query.aggregation]
