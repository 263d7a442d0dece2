"""The records of a GetACDOperatorStatusStatistics answer: which bucket adds to which, and
each record's time fields (SPEC 7.3)."""

from __future__ import annotations

from typing import Any

from acdstats.domain.buckets import Bucket
from acdstats.domain.status_query import StatusQuery


def record_keys(query: StatusQuery, found: list[Bucket]) -> tuple[list[dict[str, Any]], list[int]]:
    """Per bucket the record it adds to: one key per label (hour_of_day: per hour), numbered
    in the order of the answer; and each key's time fields."""
    heads: list[dict[str, Any]] = []
    index: dict[Any, int] = {}
    keys = []
    for b in found:
        label = b.hour if query.aggregation == "hour_of_day" else b.label
        if label not in index:
            index[label] = len(heads)
            heads.append(_head(query, b))
        keys.append(index[label])
    if query.aggregation == "hour_of_day":  # records in the order 0..23
        order = sorted(range(len(heads)), key=lambda k: heads[k]["hour"])
        rank = {k: r for r, k in enumerate(order)}
        return [heads[k] for k in order], [rank[k] for k in keys]
    return heads, keys


def _head(query: StatusQuery, b: Bucket) -> dict[str, Any]:
    if query.aggregation in ("day", "week", "month"):
        return {"date": b.date}
    if query.aggregation == "hour":
        head: dict[str, Any] = {"date": b.date, "hour": b.hour}
        if query.zone is not None:
            head["utc_offset"] = b.utc_offset
        return head
    if query.aggregation == "hour_of_day":
        return {"hour": b.hour}
    return {}
