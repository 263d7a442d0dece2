"""Ingest: batches of lines checked and stored in one transaction each, with an exact report."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import orjson

from acdstats.domain.events import InvalidRecord, Line, LineChunk
from acdstats.domain.names import NamedEvent
from acdstats.storage.batch import Documents, write_batch
from acdstats.storage.db import Database
from acdstats.storage.eventstore import PART_BITS, DataSpan, PartReport

BATCH_LINES = 50_000


@dataclass
class IngestReport:
    stored: int = 0
    duplicates: int = 0
    replaced: int = 0  # offer records that replaced a stored one of the same identity
    orphaned: int = 0
    skipped: int = 0  # lines that carry nothing for statistics (e.g. queue_log QUEUESTART)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    span: DataSpan = field(default_factory=DataSpan)  # not part of as_dict (POST /events)

    def add(self, other: IngestReport) -> None:
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.replaced += other.replaced
        self.orphaned += other.orphaned
        self.skipped += other.skipped
        self.rejected.extend(other.rejected)
        self.span.add(other.span)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stored": self.stored,
            "duplicates": self.duplicates,
            "replaced": self.replaced,
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


def ingest_chunks(
    db: Database,
    account_id: int,
    chunks: Iterable[LineChunk],
    on_batch: Callable[[IngestReport], None] | None = None,
) -> IngestReport:
    """The bulk path: chunks a reader built (many lines each) through the same write pipeline,
    one transaction per chunk. Line numbers are the file's (part 0)."""
    report = IngestReport()
    for chunk in chunks:
        part = IngestReport()
        documents = Documents(chunk.numbers, chunk.docs, chunk.errors)
        _fill(part, write_batch(db, account_id, documents).get(0))
        report.add(part)
        if on_batch is not None:
            on_batch(part)
    return report


def ingest_batch(
    db: Database, account_id: int, batch: list[Line], write_timeout: float | None = None
) -> IngestReport:
    """Check and store one batch in one write transaction (all of it, or nothing)."""
    return ingest_parts(db, account_id, [batch], write_timeout)[0]


def ingest_parts(
    db: Database, account_id: int, parts: list[list[Line]], write_timeout: float | None = None
) -> list[IngestReport]:
    """Several batches (for example concurrent HTTP requests) in one write transaction.

    Each part gets its own report, with its own line numbers; the per-transaction work
    (checking, deriving, rollups) is paid once for all of them.
    """
    reports = [IngestReport() for _ in parts]
    numbers: list[int] = []
    docs: list[str | None] = []
    errors: list[str | None] = []
    named: dict[int, NamedEvent] = {}
    for index, (part, report) in enumerate(zip(parts, reports, strict=True)):
        for number, raw in part:
            if raw is None:
                report.skipped += 1
                continue
            if isinstance(raw, NamedEvent):  # its names get ids in the pipeline
                named[len(docs)] = raw
                doc, error = None, None
            else:
                doc, error = _document(raw)
            numbers.append((index << PART_BITS) | number)
            docs.append(doc)
            errors.append(error)
    lines = Documents(numbers, docs, errors, named)
    counted = write_batch(db, account_id, lines, write_timeout)
    for index, report in enumerate(reports):
        _fill(report, counted.get(index))
    return reports


def _fill(report: IngestReport, part_report: PartReport | None) -> None:
    if part_report is not None:
        report.stored = part_report.stored
        report.duplicates = part_report.duplicates
        report.replaced = part_report.replaced
        report.orphaned = part_report.orphaned
        report.rejected = part_report.rejected
        report.span = part_report.span


def _document(raw: dict[str, Any] | bytes | InvalidRecord) -> tuple[str | None, str | None]:
    """(JSON text, None) to check in the database, or (None, the reason it is unreadable)."""
    if isinstance(raw, InvalidRecord):
        return None, str(raw)
    if isinstance(raw, bytes):
        try:
            return raw.decode("utf-8"), None
        except UnicodeDecodeError:
            return None, "not valid UTF-8"
    try:
        return orjson.dumps(raw).decode(), None
    except TypeError as exc:  # a value JSON cannot hold (only from programmatic callers)
        return None, f"not representable as JSON: {exc}"
