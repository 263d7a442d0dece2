"""The write pipeline: one batch of ingest lines, one transaction, one report per part.

Every write goes through `write_batch`. Its steps run in this order, each named below and
each handing on what it produces:

0. names        named events (queue_log: queues and agents still names) -> JSON text with
                the account's persistent ids (new names get new ids; storage/names.py)
1. check        lines -> temp table `checked` (every field classified, first failing rule)
2. store        `checked` -> raw events appended; temp table `batch_events` (new, duplicate
                or conflict per line)
3. records      offer records of `checked` upserted by identity, materialised as offers;
                temp table `record_lines` (new, duplicate or replaced per line)
4. offers       the touched requests' offers re-derived; temp tables `dirty` (the touched
                requests) and `orphans`
5. acw          after-call work refreshed where the re-derived calls ended and where the new
                status events can change it (one pass)
6. queues       the touched requests' queue calls re-derived, the QL of the calls that their
                waits overlap recomputed, new ACW copied to the calls it answered; their
                queue rollups recomputed (storage/queue_calls.py)
7. status spans the operators' spans re-derived from the span before their earliest new
                status event, and the hourly and daily status rollups they cover
8. rollups      the hours (and days, months) of every offer changed above recomputed
9. report       per part: stored, duplicates, replaced, orphaned, rejected (from the temp
                tables)

A step that the batch has nothing for reads nothing: without new request events no request
is re-derived, without new status events no ACW scope or span is looked for, without offer
records none is compared (each statement costs DuckDB a plan, even over no rows).

The temp tables are the pipeline's own: it drops them after the report (a failed batch rolls
them back with everything else). Adding a derivation is adding one step here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from acdstats.domain.names import NamedEvent
from acdstats.storage import queue_calls, rollups
from acdstats.storage.db import Database
from acdstats.storage.derive import (
    rederive_requests,
    refresh_acw,
    status_scope,
    store_offer_records,
)
from acdstats.storage.eventstore import PartReport, batch_report, store_checked_events
from acdstats.storage.incoming import check_batch
from acdstats.storage.names import name_documents
from acdstats.storage.status_spans import refresh_status_spans

if TYPE_CHECKING:
    import pyarrow as pa

# The intermediate tables the steps pass on (created and dropped inside one batch).
_BATCH_TABLES = ("checked", "batch_events", "record_lines", "dirty", "orphans", "touched_hours")


@dataclass(frozen=True)
class Documents:
    """A batch's lines: number (part in the high bits), JSON text or the reason it is
    unreadable, or (by position; its doc and error None) an event whose ids are names.

    Python sequences, or Arrow arrays (the bulk readers build those without a loop per line).
    """

    numbers: Sequence[int] | pa.Array
    docs: Sequence[str | None] | pa.Array
    errors: Sequence[str | None] | pa.Array
    named: Mapping[int, NamedEvent] = field(default_factory=dict)


def write_batch(
    db: Database, account_id: int, lines: Documents, write_timeout: float | None = None
) -> dict[int, PartReport]:
    """Check, store and derive one batch in one write transaction (all of it, or nothing)."""
    with db.writer(write_timeout) as cur:
        docs = _column(lines.docs)
        if lines.named:
            docs = list(docs)
            for at, doc in name_documents(cur, account_id, dict(lines.named)).items():
                docs[at] = doc
        check_batch(cur, account_id, _column(lines.numbers), docs, _column(lines.errors))
        new = store_checked_events(cur, account_id)
        store_offer_records(cur, account_id)
        span, call_ends = rederive_requests(cur, account_id, new.requests > 0)
        acw_scope = status_scope(cur, account_id) if new.statuses else []
        refresh_acw(cur, account_id, call_ends + acw_scope)
        queue_calls.refresh(cur, account_id, acw_scope, span)
        if new.statuses:
            refresh_status_spans(cur, account_id)
        rollups.refresh(cur, account_id)
        reports = batch_report(cur)
        # On failure the rollback takes the temp tables with it.
        for table in _BATCH_TABLES:
            cur.execute(f"DROP TABLE IF EXISTS {table}")
        return reports


def _column(values: Sequence[Any] | pa.Array) -> Any:
    """A column as check_batch registers it: an Arrow array as it is, else a list."""
    return values if hasattr(values, "to_pylist") else list(values)
