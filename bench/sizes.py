"""Dataset sizes and the five queries of issue 6, with windows inside the simulated period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

START = date(2026, 1, 5)  # a Monday, the simulator's default first day


@dataclass(frozen=True)
class Size:
    name: str
    operators: int
    queues: int
    days: int
    ingest_operators: int  # the JSONL that `acdstats import` and POST /events load
    ingest_days: int

    @property
    def end(self) -> date:
        return START + timedelta(days=self.days)


SIZES = {
    "small": Size("small", 200, 50, 30, 200, 7),
    "medium": Size("medium", 500, 50, 90, 200, 30),
    # The full size's operators and queues over a quarter: Q1, Q2, Q4 and Q5 as at full size.
    "large": Size("large", 2000, 50, 90, 200, 30),
    "full": Size("full", 2000, 50, 365, 200, 30),
}


@dataclass(frozen=True)
class Query:
    name: str
    label: str
    params: dict[str, str]
    user_ids: tuple[int, ...] | None  # None = all operators
    queue_ids: tuple[int, ...] | None
    aggregation: str
    group: str
    lo: date
    hi: date


def _stamp(d: date) -> str:
    return f"{d.isoformat()} 00:00:00"


def queries(size: Size, busiest_operator: int) -> list[Query]:
    """Q1..Q5 of issue 6; busiest_operator = the one with the most offers on Q1's day."""
    day = q1_day(size)
    month = START if size.days < 60 else START + timedelta(days=30)
    quarter_end = START + timedelta(days=min(91, size.days))
    week = START + timedelta(days=7)
    specs = [
        ("Q1", "one operator, one day, hour", (busiest_operator,), None, "hour", "user",
         day, day + timedelta(days=1)),
        ("Q2", "all operators, one month (30 days), day", None, None, "day", "user",
         month, month + timedelta(days=30)),
        ("Q3", f"all operators, whole period ({size.days} days), none", None, None, "none",
         "user", START, size.end),
        ("Q4", "10 operators, 3 queues, a quarter, hour_of_day", tuple(range(1001, 1011)),
         (1, 2, 3), "hour_of_day", "user", START, quarter_end),
        ("Q5", "all operators, one week, hour, group=aggregation", None, None, "hour",
         "aggregation", week, week + timedelta(days=7)),
    ]  # fmt: skip
    out = []
    for name, label, users, queues, aggregation, group, lo, hi in specs:
        params = {
            "from_date": _stamp(lo),
            "to_date": _stamp(hi),
            "user_id": "all" if users is None else ";".join(map(str, users)),
            "aggregation": aggregation,
            "group": group,
        }
        if queues is not None:
            params["acd_queue_id"] = ";".join(map(str, queues))
        out.append(Query(name, label, params, users, queues, aggregation, group, lo, hi))
    return out


def q1_day(size: Size) -> date:
    return START + timedelta(days=2)  # a Wednesday: a full working day
