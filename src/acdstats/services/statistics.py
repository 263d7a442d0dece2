"""GetACDOperatorStatistics: validated parameters in, the `result` JSON text out."""

from __future__ import annotations

from collections.abc import Mapping

from acdstats.domain.csv_answer import CsvBody
from acdstats.domain.query import parse_operator_statistics
from acdstats.storage.reader import DEFAULT_MAX_RECORDS, AnswerForm, StatisticsReader


def operator_statistics_json(
    reader: StatisticsReader,
    account_id: int,
    params: Mapping[str, str],
    max_records: int = DEFAULT_MAX_RECORDS,
    user_id_as_number: bool = False,
    now_ms: int | None = None,
) -> str:
    """The `result` of GetACDOperatorStatistics for one account, as JSON text."""
    answer = operator_statistics(reader, account_id, params, max_records, user_id_as_number, now_ms)
    return answer.decode() if isinstance(answer, bytes) else answer


def operator_statistics(
    reader: StatisticsReader,
    account_id: int,
    params: Mapping[str, str],
    max_records: int = DEFAULT_MAX_RECORDS,
    user_id_as_number: bool = False,
    now_ms: int | None = None,
) -> str | CsvBody:
    """The `result` of GetACDOperatorStatistics as JSON text, or the CSV answer."""
    query = parse_operator_statistics(params, now_ms)
    form = AnswerForm(max_records, user_id_as_number)
    return reader.operator_statistics(account_id, query, form)
