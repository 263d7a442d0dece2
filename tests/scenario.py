"""Readable scenario tables: events written as short rows, answers as per-operator numbers."""

from __future__ import annotations

from typing import Any

from acdstats.services.ingest import IngestReport, ingest
from acdstats.services.methods import CallContext, call, find_method
from acdstats.storage.db import Database

DAY = "2026-03-02"
_FIELDS = {"r": "request_id", "u": "user_id", "q": "queue_id", "s": "status", "id": "event_id"}


def ev(kind: str, clock: str, **fields: Any) -> dict[str, Any]:
    """ev("offered", "10:00:00.5", r="r1", u=7) -> a SPEC event at DAY 10:00:00.5 UTC."""
    at = clock if "-" in clock else f"{DAY} {clock}"
    return {"type": kind, "at": at, **{_FIELDS.get(k, k): v for k, v in fields.items()}}


def load(db: Database, events: list[dict[str, Any]], account_id: int = 1) -> IngestReport:
    return ingest(db, account_id, enumerate(events, start=1))


def statistics(db: Database, account_id: int = 1, **params: str) -> Any:
    """The `result` (or the error) of GetACDOperatorStatistics over the whole of DAY."""
    query = {"from_date": f"{DAY} 00:00:00", "to_date": "2026-03-03 00:00:00", "user_id": "all"}
    query.update(params)
    answer = call(find_method("GetACDOperatorStatistics"), CallContext(db, account_id), query)
    return answer.get("result", answer)


def per_user(db: Database, **params: str) -> dict[int, dict[str, Any]]:
    """{user_id: items} for aggregation=none, with item objects as (min, avg, max, count, sum)."""
    out: dict[int, dict[str, Any]] = {}
    for group in statistics(db, 1, **params):
        (items,) = group["statistics"]
        out[int(group["user_id"])] = {  # a JSON string (SPEC 4.3), keyed as its integer
            name: tuple(v.values()) if isinstance(v, dict) else v for name, v in items.items()
        }
    return out
