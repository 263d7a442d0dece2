"""Scenario tables for SPEC 8.2 and 8.3 through the API, worked by hand."""

from __future__ import annotations

from typing import Any

import duckdb
import orjson
import pytest

from acdstats.domain.metrics import nearest_ranks_sql
from acdstats.services.ingest import ingest
from acdstats.services.methods import CallContext, find_method, respond
from acdstats.storage.db import Database

METHOD = find_method("GetACDOperatorStatistics")
DAY = {"from_date": "2026-03-02 00:00:00", "to_date": "2026-03-03 00:00:00"}


def offer(n: int, user: int, queue: int | None, sa_ms: int, at: str = "10:00:00") -> Any:
    if queue is None:  # a queueless offer: events without enqueued or queue_id
        rid = f"q{n}"
        return [
            {"type": "offered", "request_id": rid, "user_id": user, "at": f"2026-03-02 {at}"},
            {
                "type": "answered",
                "request_id": rid,
                "user_id": user,
                "at": f"2026-03-02 {at}.{sa_ms:03d}",
            },  # fmt: skip
        ]
    seconds, ms = divmod(sa_ms, 1000)
    answered = f"2026-03-02 10:{seconds // 60:02d}:{seconds % 60:02d}.{ms:03d}"
    return [{"type": "offer", "request_id": f"r{n}", "user_id": user, "queue_id": queue,
             "offered_at": "2026-03-02 10:00:00", "answered_at": answered}]  # fmt: skip


def answer(db: Database, lines: list[Any], **params: str) -> Any:
    assert ingest(db, 1, enumerate(lines, 1)).rejected == []
    return orjson.loads(respond(METHOD, CallContext(db, 1), {**DAY, **params}))["result"]


# N samples 1..N seconds: (N, p1, p50, p99), the 1-based position (p * N + 99) div 100.
POSITIONS = [(1, 1, 1, 1), (2, 1, 1, 2), (3, 1, 2, 3), (10, 1, 5, 10), (100, 1, 50, 99),
             (101, 2, 51, 100), (199, 2, 100, 198)]  # fmt: skip


@pytest.mark.parametrize("n, p1, p50, p99", POSITIONS)
def test_percentile_positions(db: Database, n: int, p1: int, p50: int, p99: int) -> None:
    lines = [line for i in range(n) for line in offer(i, 7, 5, (n - i) * 1000)]  # unsorted
    got = answer(db, lines, user_id="7", report="SA", percentiles="99;1;50;50")
    sa = got[0]["statistics"][0]["SA"]
    assert list(sa) == ["min", "avg", "max", "count", "sum", "p1", "p50", "p99"]
    assert (sa["p1"], sa["p50"], sa["p99"]) == (p1, p50, p99)


def test_percentiles_of_rounded_samples_and_of_none(db: Database) -> None:
    # 0.499 s -> 0, 0.5 s -> 1, 1.5 s -> 2 (half up); no talk time at all: p50 is 0.
    lines = [*offer(1, 7, 5, 499), *offer(2, 7, 5, 500), *offer(3, 7, 5, 1500)]
    got = answer(db, lines, user_id="7", report="SA;TT", percentiles="1;50;99")
    record = got[0]["statistics"][0]
    assert record["SA"] == {"min": 0, "avg": 1, "max": 2, "count": 3, "sum": 3,
                            "p1": 0, "p50": 1, "p99": 2}  # fmt: skip
    assert record["TT"] == {"min": 0, "avg": 0, "max": 0, "count": 0, "sum": 0,
                            "p1": 0, "p50": 0, "p99": 0}  # fmt: skip


def test_by_queue_orders_queues_then_the_queueless_last(db: Database) -> None:
    lines = [*offer(1, 7, 6, 1000), *offer(2, 7, None, 2000), *offer(3, 7, 5, 3000),
             *offer(4, 8, 5, 4000), *offer(5, 8, 5, 6000)]  # fmt: skip
    by_user = answer(db, lines, user_id="all", report="AC", by_queue="true")
    assert by_user == [
        {"user_id": "7", "statistics": [{"acd_queue_id": 5, "AC": 1}, {"acd_queue_id": 6, "AC": 1},
                                        {"acd_queue_id": None, "AC": 1}]},
        {"user_id": "8", "statistics": [{"acd_queue_id": 5, "AC": 2}]},
    ]  # fmt: skip
    by_time = orjson.loads(
        respond(
            METHOD,
            CallContext(db, 1),
            {
                **DAY,
                "user_id": "all",
                "report": "AC",
                "by_queue": "true",
                "group": "aggregation",
                "aggregation": "day",
            },
        )  # fmt: skip
    )["result"]
    assert [(r["user_id"], r["acd_queue_id"]) for r in by_time[0]["statistics"]] == [
        ("7", 5), ("7", 6), ("7", None), ("8", 5)
    ]  # fmt: skip
    assert list(by_time[0]["statistics"][0]) == ["user_id", "acd_queue_id", "AC"]
    # A queue filter leaves the queueless offer out (SPEC 3.1).
    filtered = orjson.loads(
        respond(
            METHOD,
            CallContext(db, 1),
            {**DAY, "user_id": "7", "report": "AC", "by_queue": "true", "acd_queue_id": "all"},
        )  # fmt: skip
    )["result"]
    assert [r["acd_queue_id"] for r in filtered[0]["statistics"]] == [5, 6, None]
    only = orjson.loads(
        respond(
            METHOD,
            CallContext(db, 1),
            {**DAY, "user_id": "7", "report": "AC", "by_queue": "true", "acd_queue_id": "5;6"},
        )  # fmt: skip
    )["result"]
    assert [r["acd_queue_id"] for r in only[0]["statistics"]] == [5, 6]


@pytest.mark.parametrize(
    "params, code, named",
    [({"timezone": "europe/berlin"}, 101, "timezone"), ({"percentiles": "0"}, 101, "percentiles"),
     ({"by_queue": "yes"}, 101, "by_queue"), ({"format": "json;csv"}, 101, "format"),
     ({"aggregation": "year"}, 228, "aggregation"),
     # the method's own table first, then section 8 in its order, then the date range
     ({"aggregation": "year", "timezone": "x"}, 228, "aggregation"),
     ({"timezone": "x", "percentiles": "x"}, 101, "timezone"),
     ({"percentiles": "x", "by_queue": "x"}, 101, "percentiles"),
     ({"by_queue": "x", "format": "x"}, 101, "by_queue"),
     ({"format": "x", "to_date": "2026-03-01 00:00:00"}, 101, "format"),
     # the same wall times, compared as instants: 02:30 local is 00:30 UTC, before 01:00
     ({"timezone": "Europe/Berlin", "from_date": "2026-10-25 02:30:00",
       "to_date": "2026-10-25 02:00:00"}, 123, "from_date"),
     ({"service_level": "x"}, None, "")],  # not a parameter of this method: ignored
)  # fmt: skip
def test_check_order(db: Database, params: dict[str, str], code: int | None, named: str) -> None:
    body = orjson.loads(respond(METHOD, CallContext(db, 1), {**DAY, "user_id": "all", **params}))
    if code is None:
        assert body == {"result": []}
    else:
        assert body["error"]["code"] == code and named in body["error"]["msg"]


def test_nearest_rank_sql_is_the_spec_position_for_every_count_and_percentile() -> None:
    # metrics.nearest_ranks_sql relies on DuckDB's integer arithmetic for DECIMAL fractions:
    # every N of 1..99, groups of 1..400 samples in shuffled order with NULLs among them, and
    # a group of NULLs only (0).
    pcts = list(range(1, 100))
    samples = """SELECT n, CASE WHEN v % 7 = 3 THEN NULL ELSE v END AS v FROM (
        SELECT n, unnest(range(1, n + 1)) AS v FROM range(1, 401) t(n)
        UNION ALL SELECT 0, 3) ORDER BY hash(n, v)"""
    with duckdb.connect() as con:
        got = con.sql(
            f"SELECT n, {', '.join(nearest_ranks_sql('v', pcts))} FROM ({samples}) GROUP BY n"
        ).fetchall()
    assert len(got) == 401
    for n, *ranks in got:
        values = [v for v in range(1, n + 1) if v % 7 != 3]
        expected = [values[(p * len(values) + 99) // 100 - 1] if values else 0 for p in pcts]
        assert ranks == expected, n
