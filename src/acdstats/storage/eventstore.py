"""Raw event writes: deduplication by event key and bulk inserts (never a row at a time)."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from acdstats.domain.events import Event
from acdstats.storage.bulk import int64, registered

# Alphabetical rank of each status: at equal times, status events are taken in this order.
STATUS_RANK = {
    s: i
    for i, s in enumerate(
        sorted(
            [
                "OFFLINE",
                "ONLINE",
                "READY",
                "BANNED",
                "IN_SERVICE",
                "AFTER_SERVICE",
                "TIMEOUT",
                "DND",
            ]
        )
    )
}


@dataclass
class StoreResult:
    stored: list[Event] = field(default_factory=list)
    duplicates: int = 0
    conflicts: list[int] = field(default_factory=list)  # positions in the input batch


def store_events(
    cur: duckdb.DuckDBPyConnection, account_id: int, events: list[Event]
) -> StoreResult:
    """Append the events that are new; count duplicates; report conflicting event_ids."""
    result = StoreResult()
    fresh: dict[str, tuple[int, Event]] = {}
    for pos, event in enumerate(events):
        seen = fresh.get(event.key)
        if seen is None:
            fresh[event.key] = (pos, event)
        elif seen[1].content == event.content:
            result.duplicates += 1
        else:
            result.conflicts.append(pos)
    if not fresh:
        return result
    existing = _existing_contents(cur, account_id, list(fresh))
    new: list[Event] = []
    for key, (pos, event) in fresh.items():
        stored_content = existing.get(key)
        if stored_content is None:
            new.append(event)
        elif stored_content == event.content:
            result.duplicates += 1
        else:
            result.conflicts.append(pos)
    _insert(cur, account_id, new)
    result.stored = new
    result.conflicts.sort()
    return result


def _existing_contents(
    cur: duckdb.DuckDBPyConnection, account_id: int, keys: list[str]
) -> dict[str, str]:
    with registered(cur, "batch_keys", {"event_key": keys}):
        rows = cur.execute(
            """
            SELECT e.event_key, e.content FROM request_events e
            SEMI JOIN batch_keys b ON e.event_key = b.event_key WHERE e.account_id = $account
            UNION ALL
            SELECT e.event_key, e.content FROM status_events e
            SEMI JOIN batch_keys b ON e.event_key = b.event_key WHERE e.account_id = $account
            """,
            {"account": account_id},
        ).fetchall()
    return dict(rows)


def _insert(cur: duckdb.DuckDBPyConnection, account_id: int, events: list[Event]) -> None:
    requests = [e for e in events if e.type != "status"]
    statuses = [e for e in events if e.type == "status"]
    if requests:
        columns = {
            "event_key": [e.key for e in requests],
            "content": [e.content for e in requests],
            "type": [e.type for e in requests],
            "at_ms": int64([e.at for e in requests]),
            "request_id": [e.request_id for e in requests],
            "user_id": int64([e.user_id for e in requests]),
            "queue_id": int64([e.queue_id for e in requests]),
        }
        with registered(cur, "batch", columns):
            cur.execute(
                "INSERT INTO request_events SELECT $account, event_key, content, type, "
                "make_timestamp_ms(at_ms), request_id, user_id, queue_id FROM batch",
                {"account": account_id},
            )
    if statuses:
        columns = {
            "event_key": [e.key for e in statuses],
            "content": [e.content for e in statuses],
            "at_ms": int64([e.at for e in statuses]),
            "user_id": int64([e.user_id for e in statuses]),
            "status": [e.status for e in statuses],
            "ord": int64([e.at * 8 + STATUS_RANK[e.status or ""] for e in statuses]),
        }
        with registered(cur, "batch", columns):
            cur.execute(
                "INSERT INTO status_events SELECT $account, event_key, content, "
                "make_timestamp_ms(at_ms), user_id, status, ord FROM batch",
                {"account": account_id},
            )
