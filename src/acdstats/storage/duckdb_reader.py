"""The DuckDB StatisticsReader (storage/reader.py): each entry point on a cursor of the
calling thread, DuckDB's failures raised as StorageUnavailable."""

from __future__ import annotations

from typing import Any

import duckdb

from acdstats.domain.csv_answer import CsvBody
from acdstats.domain.drilldown import DrillDownQuery
from acdstats.domain.query import StatisticsQuery
from acdstats.domain.queue_query import QueueStatisticsQuery
from acdstats.domain.status_query import StatusQuery
from acdstats.storage import drilldown_rows, operator_answer, queue_answer, status_answer
from acdstats.storage.db import Database, engine_errors
from acdstats.storage.reader import AnswerForm, Rows, StatisticsReader, Tuning

DEFAULT_TUNING = Tuning()


class DuckDBReader:
    def __init__(
        self, source: Database | duckdb.DuckDBPyConnection, tuning: Tuning = DEFAULT_TUNING
    ) -> None:
        self._source = source
        self.tuning = tuning

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        source = self._source
        return source.reader() if isinstance(source, Database) else source

    def operator_statistics(
        self, account_id: int, query: StatisticsQuery, form: AnswerForm
    ) -> str | CsvBody:
        with engine_errors():
            return operator_answer.operator_statistics(
                self._cursor(), account_id, query, form, self.tuning
            )

    def status_statistics(
        self, account_id: int, query: StatusQuery, form: AnswerForm, values: bool = False
    ) -> Any:
        with engine_errors():
            return status_answer.status_statistics(
                self._cursor(), account_id, query, form, self.tuning, values
            )

    def queue_statistics(
        self, account_id: int, query: QueueStatisticsQuery, form: AnswerForm
    ) -> list[dict[str, Any]]:
        with engine_errors():
            return queue_answer.queue_statistics(
                self._cursor(), account_id, query, form, self.tuning
            )

    def offers(self, account_id: int, query: DrillDownQuery) -> Rows:
        with engine_errors():
            return drilldown_rows.offers(self._cursor(), account_id, query)

    def queue_calls(self, account_id: int, query: DrillDownQuery) -> Rows:
        with engine_errors():
            return drilldown_rows.queue_calls(self._cursor(), account_id, query)


def reader_of(db: Database) -> StatisticsReader:
    """The reader of a database (the one place that picks the engine that answers)."""
    return DuckDBReader(db)
