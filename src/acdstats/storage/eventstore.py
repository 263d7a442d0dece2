"""Raw event writes from a checked batch: deduplication by event key, then bulk inserts.

Reads temp table `checked` (storage.incoming); leaves temp table `batch_events` (every
accepted event line with its key, content and outcome: new, duplicate or conflict).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from acdstats.domain.events import STATUSES

# Alphabetical rank of each status: at equal times, status events are taken in this order.
STATUS_RANK = {s: i for i, s in enumerate(sorted(STATUSES))}
_RANK_SQL = (
    "CASE status " + " ".join(f"WHEN '{s}' THEN {r}" for s, r in STATUS_RANK.items()) + " END"
)

# Canonical content (SPEC 3.1): type, time in ms, and the fields the type defines.
_CONTENT = (
    "type || '|' || at_ms || '|' || coalesce(request_id, '') || '|' "
    "|| coalesce(user_id::VARCHAR, '') || '|' || coalesce(queue_id::VARCHAR, '') || '|' "
    "|| coalesce(status, '')"
)

_CLASSIFY = f"""
CREATE OR REPLACE TEMP TABLE batch_events AS
WITH keyed AS (
    SELECT *,
        CASE WHEN event_id IS NULL THEN 'c:' || content ELSE 'id:' || event_id END AS event_key
    FROM (
        SELECT line, type, at_ms, request_id, user_id, queue_id, status, event_id,
            {_CONTENT} AS content
        FROM checked WHERE reason IS NULL AND type <> 'offer'
    )
),
ranked AS (
    SELECT *, first_value(content) OVER w AS first_content, row_number() OVER w AS nth
    FROM keyed WINDOW w AS (PARTITION BY event_key ORDER BY line)
),
stored AS (
    SELECT event_key, content FROM request_events
    WHERE account_id = $account AND {{bounds}} AND event_key IN (SELECT event_key FROM keyed)
    UNION ALL
    SELECT event_key, content FROM status_events
    WHERE account_id = $account AND {{bounds}} AND event_key IN (SELECT event_key FROM keyed)
)
SELECT r.*,
    CASE WHEN s.content IS NOT NULL AND s.content <> r.content THEN 'conflict'
         WHEN s.content IS NOT NULL THEN 'duplicate'
         WHEN r.nth > 1 AND r.content <> r.first_content THEN 'conflict'
         WHEN r.nth > 1 THEN 'duplicate'
         ELSE 'new' END AS outcome,
    s.content IS NOT NULL AS was_stored
FROM ranked r LEFT JOIN stored s USING (event_key)
"""


@dataclass(frozen=True)
class NewEvents:
    """How many events a batch added: the later steps skip what has nothing to do."""

    requests: int
    statuses: int


def store_checked_events(cur: duckdb.DuckDBPyConnection, account_id: int) -> NewEvents:
    """Append the batch's new events; classify the others as duplicates or conflicts."""
    params = {"account": account_id}
    # An event stored before with the same content has the same time: when every event of
    # the batch is keyed by content, only the batch's time span can hold its duplicates.
    with_id, first, last = cur.execute(
        "SELECT count(event_id), min(at_ms), max(at_ms) FROM checked "
        "WHERE reason IS NULL AND type <> 'offer'"
    ).fetchall()[0]
    bounds = (
        "true"
        if with_id or first is None
        else f"event_at BETWEEN make_timestamp_ms({first:d}) AND make_timestamp_ms({last:d})"
    )
    cur.execute(_CLASSIFY.format(bounds=bounds), params)
    (requests,) = cur.execute(
        """
        INSERT INTO request_events
        SELECT $account, event_key, content, type, make_timestamp_ms(at_ms), request_id,
            user_id, queue_id
        FROM batch_events WHERE outcome = 'new' AND type <> 'status'
        """,
        params,
    ).fetchall()[0]
    (statuses,) = cur.execute(
        f"""
        INSERT INTO status_events
        SELECT $account, event_key, content, make_timestamp_ms(at_ms), user_id, status,
            at_ms * 8 + {_RANK_SQL}
        FROM batch_events WHERE outcome = 'new' AND type = 'status'
        """,
        params,
    ).fetchall()[0]
    return NewEvents(int(requests), int(statuses))


# A batch may join the lines of several requests: line numbers carry the part in their high
# 32 bits (`line >> 32`), so every count below is per part.
PART_BITS = 32


@dataclass
class DataSpan:
    """What accepted lines hold: their earliest and latest time (UTC epoch ms), and the
    operators and queues they name."""

    first_ms: int | None = None
    last_ms: int | None = None
    users: set[int] = field(default_factory=set)
    queues: set[int] = field(default_factory=set)

    def add(self, other: DataSpan) -> None:
        if other.first_ms is not None:
            first = self.first_ms
            self.first_ms = other.first_ms if first is None else min(first, other.first_ms)
        if other.last_ms is not None:
            last = self.last_ms
            self.last_ms = other.last_ms if last is None else max(last, other.last_ms)
        self.users |= other.users
        self.queues |= other.queues


@dataclass
class PartReport:
    stored: int = 0
    duplicates: int = 0
    replaced: int = 0  # offer records that replaced a stored record of the same identity
    orphaned: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    span: DataSpan = field(default_factory=DataSpan)


def batch_report(cur: duckdb.DuckDBPyConnection) -> dict[int, PartReport]:
    """Per part: what the temp tables checked, batch_events, record_lines and orphans say."""
    reports: dict[int, PartReport] = {}
    # Counted in the database, per part; only the rejected lines come back one by one.
    counts = cur.execute(
        f"""
        SELECT line >> {PART_BITS} AS part, count(*) FILTER (WHERE outcome = 'new'),
            count(*) FILTER (WHERE outcome = 'duplicate'),
            count(*) FILTER (WHERE outcome = 'replaced'),
            count(*) FILTER (WHERE outcome = 'new' AND is_orphan),
            list((line & {(1 << PART_BITS) - 1}, reason) ORDER BY line)
                FILTER (WHERE reason IS NOT NULL)
        FROM (
            SELECT line, outcome, event_key IN (SELECT event_key FROM orphans) AS is_orphan,
                CASE WHEN outcome = 'conflict' THEN 'conflict: event_id ' || event_id ||
                    CASE WHEN was_stored THEN ' is already stored with different content'
                    ELSE ' appears earlier in this batch with different content' END
                END AS reason
            FROM batch_events
            UNION ALL
            SELECT line, outcome, false, NULL FROM record_lines
            UNION ALL
            SELECT line, NULL, false, reason FROM checked WHERE reason IS NOT NULL
        )
        GROUP BY part
        """
    ).fetchall()
    for index, stored, duplicates, replaced, orphaned, rejected in counts:
        report = reports.setdefault(index, PartReport())
        report.stored += stored
        report.duplicates += duplicates
        report.replaced += replaced
        report.orphaned += orphaned
        report.rejected.extend((line, reason) for line, reason in rejected or ())
    spans = cur.execute(
        f"""
        SELECT line >> {PART_BITS} AS part, min(first_ms), max(last_ms),
            list(DISTINCT user_id) FILTER (WHERE user_id IS NOT NULL),
            list(DISTINCT queue_id) FILTER (WHERE queue_id IS NOT NULL)
        FROM (
            SELECT line, user_id, queue_id,
                CASE WHEN type = 'offer' THEN offered_ms ELSE at_ms END AS first_ms,
                CASE WHEN type = 'offer' THEN greatest(offered_ms, answered_ms, ended_ms, acw_ms)
                     ELSE at_ms END AS last_ms
            FROM checked WHERE reason IS NULL
        )
        GROUP BY part
        """
    ).fetchall()
    for index, first, last, users, queues in spans:
        span = reports.setdefault(index, PartReport()).span
        span.add(DataSpan(first, last, set(users or ()), set(queues or ())))
    return reports
