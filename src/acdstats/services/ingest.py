"""Ingest: validated records in batches, each batch one transaction, with an exact report."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from acdstats.domain.events import Event, InvalidRecord, OfferRecord, parse_record
from acdstats.storage import rollups
from acdstats.storage.db import Database
from acdstats.storage.derive import (
    rederive_requests,
    refresh_acw,
    status_scope,
    store_offer_records,
)
from acdstats.storage.eventstore import store_events

BATCH_LINES = 50_000

# What importers yield: (line number, the record as a dict), (line number, a reason it could
# not be read at all), or (line number, None) for a line that carries nothing to store.
Line = tuple[int, dict[str, Any] | InvalidRecord | None]


@dataclass
class IngestReport:
    stored: int = 0
    duplicates: int = 0
    orphaned: int = 0
    skipped: int = 0  # lines that carry nothing for statistics (e.g. queue_log QUEUESTART)
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def add(self, other: IngestReport) -> None:
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.orphaned += other.orphaned
        self.skipped += other.skipped
        self.rejected.extend(other.rejected)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stored": self.stored,
            "duplicates": self.duplicates,
            "orphaned": self.orphaned,
            "skipped": self.skipped,
            "rejected": [{"line": line, "reason": reason} for line, reason in self.rejected],
        }


def ingest(
    db: Database,
    account_id: int,
    lines: Iterable[Line],
    batch_lines: int = BATCH_LINES,
    on_batch: Callable[[IngestReport], None] | None = None,
) -> IngestReport:
    """Store every valid line; each batch is committed before the next is read."""
    report = IngestReport()
    it = iter(lines)
    while batch := list(islice(it, batch_lines)):
        part = ingest_batch(db, account_id, batch)
        report.add(part)
        if on_batch is not None:
            on_batch(part)
    return report


def ingest_batch(
    db: Database, account_id: int, batch: list[Line], write_timeout: float | None = None
) -> IngestReport:
    """Validate and store one batch in one write transaction (all of it, or nothing)."""
    report = IngestReport()
    events: list[Event] = []
    event_lines: list[int] = []
    records: list[OfferRecord] = []
    for line, raw in batch:
        if raw is None:
            report.skipped += 1
            continue
        try:
            if isinstance(raw, InvalidRecord):
                raise raw
            record = parse_record(raw, account_id)
        except InvalidRecord as exc:
            report.rejected.append((line, str(exc)))
            continue
        if isinstance(record, Event):
            events.append(record)
            event_lines.append(line)
        else:
            records.append(record)
    with db.writer(write_timeout) as cur:
        result = store_events(cur, account_id, events)
        store_offer_records(cur, account_id, records)
        requests = {e.request_id for e in result.stored if e.request_id is not None}
        orphans = rederive_requests(cur, account_id, requests)
        statuses = [e for e in result.stored if e.type == "status"]
        refresh_acw(cur, account_id, status_scope(cur, account_id, statuses))
        rollups.refresh(cur, account_id)
    for pos in result.conflicts:
        event = events[pos]
        report.rejected.append(
            (
                event_lines[pos],
                f"conflict: event_id {event.event_id!r} is already stored with different content",
            )
        )
    report.rejected.sort()
    report.stored = len(result.stored) + len(records)
    report.duplicates = result.duplicates
    report.orphaned = sum(1 for e in result.stored if e.key in orphans)
    return report
