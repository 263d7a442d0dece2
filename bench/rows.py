"""One canonical row shape for every engine's answer, so that the numbers can be compared.

A row is (user_id, *bucket, then count/sum/min/max of sa, tt, acw, ht, then unanswered),
with min and max 0 where there is no sample (as the API shows them), dates as YYYY-MM-DD.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bench.sizes import Query

SAMPLES = ("sa", "tt", "acw", "ht")
ITEMS = ("SA", "TT", "ACW", "HT")
Row = tuple[Any, ...]


def bucket_names(aggregation: str) -> list[str]:
    return {"day": ["date"], "hour": ["date", "hour"], "hour_of_day": ["hour"], "none": []}[
        aggregation
    ]


def from_api(query: Query, result: list[dict[str, Any]]) -> list[Row]:
    """Rows of a GetACDOperatorStatistics `result` (report=all, abbreviation=true)."""
    names = bucket_names(query.aggregation)
    rows = []
    for group in result:
        for record in group["statistics"]:
            both = {**group, **record}
            numbers: list[int] = []
            for item in ITEMS:
                o = both[item]
                numbers += [o["count"], o["sum"], o["min"], o["max"]]
            rows.append((int(both["user_id"]), *(both[n] for n in names), *numbers, both["UAC"]))
    return sorted(rows)


def normalise(rows: list[Row], aggregation: str) -> list[Row]:
    """Engine rows (user_id, *bucket, 16 aggregates, uac) as canonical rows."""
    n_keys = 1 + len(bucket_names(aggregation))
    out = []
    for row in rows:
        keys: list[Any] = [int(row[0])]
        for value in row[1:n_keys]:
            if isinstance(value, datetime):
                value = value.date()
            keys.append(value.isoformat() if isinstance(value, date) else int(value))
        numbers = [0 if v is None else int(v) for v in row[n_keys:]]
        out.append((*keys, *numbers))
    return sorted(out)


def summary(rows: list[Row], aggregation: str) -> dict[str, int]:
    """Totals that a reader can check at a glance: offers, answered, sums of the samples."""
    n_keys = 1 + len(bucket_names(aggregation))
    totals = {"records": len(rows), "answered": 0, "unanswered": 0}
    for row in rows:
        numbers = row[n_keys:]
        totals["answered"] += numbers[0]
        totals["unanswered"] += numbers[-1]
        for i, sample in enumerate(SAMPLES):
            totals[f"{sample}_sum"] = totals.get(f"{sample}_sum", 0) + numbers[4 * i + 1]
    return totals


def sql(query: Query, dialect: str, account_id: int) -> tuple[str, list[Any]]:
    """The hand-written GROUP BY over offers, for DuckDB or PostgreSQL (%s parameters)."""
    mark = "?" if dialect == "duckdb" else "%s"
    day = "CAST(offered_at AS DATE)" if dialect == "duckdb" else "offered_at::date"
    hour = "hour(offered_at)" if dialect == "duckdb" else "extract(hour FROM offered_at)::int"
    buckets = {"day": [day], "hour": [day, hour], "hour_of_day": [hour], "none": []}[
        query.aggregation
    ]
    aggregates = ", ".join(
        f"count({s}), coalesce(sum({s}), 0), min({s}), max({s})" for s in SAMPLES
    )
    where = [f"account_id = {mark}", f"offered_at >= {mark}", f"offered_at < {mark}"]
    if query.user_ids is not None:
        where.append(f"user_id IN ({', '.join(map(str, query.user_ids))})")
    if query.queue_ids is not None:
        where.append(f"queue_id IN ({', '.join(map(str, query.queue_ids))})")
    keys = ["user_id", *buckets]
    positions = list(range(1, len(keys) + 1))
    order = positions[1:] + positions[:1] if query.group == "aggregation" else positions
    text = (
        f"SELECT {', '.join(keys)}, {aggregates}, count(*) - count(sa) FROM offers "
        f"WHERE {' AND '.join(where)} GROUP BY {', '.join(map(str, positions))} "
        f"ORDER BY {', '.join(map(str, order))}"
    )
    lo = datetime.combine(query.lo, datetime.min.time())
    hi = datetime.combine(query.hi, datetime.min.time())
    return text, [account_id, lo, hi]
