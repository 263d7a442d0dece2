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


@dataclass
class EventOutcome:
    stored: int = 0
    duplicates: int = 0
    conflicts: list[tuple[int, str]] = field(default_factory=list)


def store_checked_events(cur: duckdb.DuckDBPyConnection, account_id: int) -> EventOutcome:
    """Append the batch's new events; count duplicates; report conflicting event_ids."""
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
    cur.execute(
        """
        INSERT INTO request_events
        SELECT $account, event_key, content, type, make_timestamp_ms(at_ms), request_id,
            user_id, queue_id
        FROM batch_events WHERE outcome = 'new' AND type <> 'status'
        """,
        params,
    )
    cur.execute(
        f"""
        INSERT INTO status_events
        SELECT $account, event_key, content, make_timestamp_ms(at_ms), user_id, status,
            at_ms * 8 + {_RANK_SQL}
        FROM batch_events WHERE outcome = 'new' AND type = 'status'
        """,
        params,
    )
    counts = dict(cur.execute("SELECT outcome, count(*) FROM batch_events GROUP BY ALL").fetchall())
    conflicts = cur.execute(
        """
        SELECT line, 'conflict: event_id ' || event_id || CASE WHEN was_stored
            THEN ' is already stored with different content'
            ELSE ' appears earlier in this batch with different content' END
        FROM batch_events WHERE outcome = 'conflict' ORDER BY line
        """
    ).fetchall()
    return EventOutcome(counts.get("new", 0), counts.get("duplicate", 0), conflicts)
