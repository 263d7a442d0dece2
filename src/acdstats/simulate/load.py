"""Loading a simulation straight into a database, through the normal ingest path."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from acdstats.domain.events import LineChunk
from acdstats.importers.jsonl_bulk import rechunk, split_lines
from acdstats.services.ingest import IngestReport, ingest_chunks
from acdstats.simulate.config import SimulationConfig
from acdstats.simulate.runner import DayResult, Summary, simulate_days
from acdstats.storage.db import Database

# Events per transaction: each derivation then runs over many requests at once.
LOAD_BATCH_LINES = 500_000


def load_into_db(
    db: Database,
    account_id: int,
    config: SimulationConfig,
    workers: int = 1,
    batch_lines: int = LOAD_BATCH_LINES,
    on_day: Callable[[DayResult], None] | None = None,
) -> tuple[Summary, IngestReport]:
    """Simulate and ingest; on_day is called once a day's events have all been handed over.

    Days are rendered to JSON Lines in the workers and split into Arrow arrays here (the bulk
    path: no Python per line), which leaves the ingesting process only the writes.
    """
    summary = Summary()

    def days() -> Iterator[LineChunk]:
        number = 1
        for result in simulate_days(config, workers, jsonl=True):
            assert result.jsonl is not None
            docs, count = split_lines(result.jsonl, number)
            number += count
            yield docs
            summary.add(result)
            if on_day is not None:
                on_day(result)

    report = ingest_chunks(db, account_id, rechunk(days(), batch_lines))
    return summary, report
