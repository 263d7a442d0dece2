"""GetACDOperatorStatistics: validated parameters in, the `result` JSON text out."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

from acdstats import errors
from acdstats.domain.query import parse_operator_statistics
from acdstats.errors import ApiError
from acdstats.storage.statistics_json import answer_sql

DEFAULT_MAX_RECORDS = 1_000_000


def operator_statistics_json(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    params: Mapping[str, str],
    max_records: int = DEFAULT_MAX_RECORDS,
    user_id_as_string: bool = False,
    now_ms: int | None = None,
    use_rollups: bool = True,
) -> str:
    """The `result` of GetACDOperatorStatistics for one account, as JSON text."""
    query = parse_operator_statistics(params, now_ms)
    sql, sql_params = answer_sql(query, max_records, use_rollups, user_id_as_string)
    sql_params["account"] = account_id
    rows = cur.execute(sql, sql_params).fetchall()
    text, records = rows[0]
    if records > max_records:
        raise ApiError(
            errors.ANSWER_TOO_LARGE,
            f"The answer has more than {max_records} statistics records (the server's "
            "max_records limit): narrow the window, the operators or the aggregation",
        )
    return str(text)
