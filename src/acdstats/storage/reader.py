"""The read side's seam: one entry point per statistics method.

Services parse a request into a typed domain query and hand it to a `StatisticsReader`;
the reader binds the parameters, runs the statement, picks the renderer (Python shaping for
small answers, JSON rendered by the engine for big ones) and answers in the method's form.
DuckDB's reader is storage/duckdb_reader.py; another engine implements this protocol (with
its own storage/dialect.py Dialect) and services and web do not change. Readers raise
ApiError 569 for an answer over the limit and StorageUnavailable when the engine fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from acdstats.domain.csv_answer import CsvBody
from acdstats.domain.drilldown import DrillDownQuery
from acdstats.domain.query import StatisticsQuery
from acdstats.domain.queue_query import QueueStatisticsQuery
from acdstats.domain.status_query import StatusQuery

DEFAULT_MAX_RECORDS = 1_000_000
# Answers that cannot have more records than this are shaped in Python (faster for a few
# records: a rendering statement costs milliseconds to plan); bigger ones by the engine.
SMALL_ANSWER = 2_000
# Which renderer: chosen by the answer's size, or forced (tests hold both to the same bytes).
Renderer = Literal["auto", "python", "database"]


@dataclass(frozen=True)
class Tuning:
    """How a reader answers: the same answer either way (tests compare them)."""

    use_rollups: bool = True  # False: every part from the derived rows
    renderer: Renderer = "auto"

    def small(self, most: float, max_records: int) -> bool:
        """Whether an answer of at most `most` records is shaped in Python."""
        if self.renderer != "auto":
            return self.renderer == "python"
        return most <= min(SMALL_ANSWER, max_records)


@dataclass(frozen=True)
class AnswerForm:
    """The server's settings that shape an answer (not the request's parameters)."""

    max_records: int = DEFAULT_MAX_RECORDS  # more statistics records: error 569
    user_id_as_number: bool = False
    status_detail_as_object: bool = False  # acd_status as the bare object, not [object]
    service_level_as_fraction: bool = False  # SL as Voximplant's documented fraction


@dataclass(frozen=True)
class Rows:
    """A page of drill-down rows (dicts in the method's key order, times in epoch ms) and
    how many rows match in all."""

    rows: list[dict[str, Any]]
    total: int


class StatisticsReader(Protocol):
    def operator_statistics(
        self, account_id: int, query: StatisticsQuery, form: AnswerForm
    ) -> str | CsvBody:
        """GetACDOperatorStatistics' `result` as JSON text, or its CSV answer."""
        ...

    def status_statistics(
        self, account_id: int, query: StatusQuery, form: AnswerForm, values: bool = False
    ) -> Any:
        """GetACDOperatorStatusStatistics' `result`: Python values, or (a big answer, unless
        `values`) the engine's JSON text as an orjson.Fragment."""
        ...

    def queue_statistics(
        self, account_id: int, query: QueueStatisticsQuery, form: AnswerForm
    ) -> list[dict[str, Any]]:
        """GetACDQueueStatistics' `result`, as Python values."""
        ...

    def offers(self, account_id: int, query: DrillDownQuery) -> Rows:
        """GetACDOffers' page of offers, in SPEC 8.5's order."""
        ...

    def queue_calls(self, account_id: int, query: DrillDownQuery) -> Rows:
        """GetACDQueueCalls' page of queue calls, in SPEC 8.5's order."""
        ...
