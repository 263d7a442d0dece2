"""Loading a simulation straight into a database, through the normal ingest path."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from acdstats.domain.events import Line
from acdstats.services.ingest import IngestReport, ingest
from acdstats.simulate.config import SimulationConfig
from acdstats.simulate.runner import DayResult, Summary, simulate_days
from acdstats.storage.db import Database

# Larger than ingest's default: fewer transactions and fewer re-derivation passes.
LOAD_BATCH_LINES = 200_000


def load_into_db(
    db: Database,
    account_id: int,
    config: SimulationConfig,
    workers: int = 1,
    batch_lines: int = LOAD_BATCH_LINES,
    on_day: Callable[[DayResult], None] | None = None,
) -> tuple[Summary, IngestReport]:
    """Simulate and ingest; on_day is called once a day's events have all been handed over.

    Days are rendered to JSON Lines in the workers and handed to ingest as raw lines (its
    fast path, checked in the database), which leaves the ingesting process only the writes.
    """
    summary = Summary()

    def lines() -> Iterator[Line]:
        number = 0
        for result in simulate_days(config, workers, jsonl=True):
            assert result.jsonl is not None
            for line in result.jsonl.splitlines():
                number += 1
                yield number, line
            summary.add(result)
            if on_day is not None:
                on_day(result)

    report = ingest(db, account_id, lines(), batch_lines=batch_lines)
    return summary, report
