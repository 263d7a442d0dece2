"""Scenario tables for SPEC 8.1-8.4 over GetACDQueueStatistics, worked by hand.

Each caller enters a queue at a UTC instant and gives up after a wait (WT = AT), unless the
table says otherwise; the expected local labels are worked out from the tz rules by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from acdstats.services.ingest import ingest
from acdstats.services.methods import CallContext, find_method, respond
from acdstats.storage.db import Database
from tests import queue_oracle

METHOD = find_method("GetACDQueueStatistics")


def caller(n: int, entered: str, wait_ms: int = 10_000, queue: int = 5) -> list[Any]:
    """A caller who enters `queue` at `entered` (UTC) and abandons after `wait_ms`."""
    at = datetime.strptime(entered, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    end = at + timedelta(milliseconds=wait_ms)
    ended = end.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    return [
        {"type": "enqueued", "request_id": f"r{n}", "queue_id": queue, "at": entered},
        {"type": "abandoned", "request_id": f"r{n}", "at": ended},
    ]


def ask(db: Database, entries: list[str], **params: str) -> Any:
    lines = [line for n, at in enumerate(entries) for line in caller(n, at)]
    assert ingest(db, 1, enumerate(lines, 1)).rejected == []
    body = respond(METHOD, CallContext(db, 1), {"report": "TC", **params})
    return body if params.get("format") == "csv" else orjson.loads(body)["result"]


def keys(result: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Each element's time keys (and queue) with its TC."""
    return [tuple(v for k, v in e.items() if k != "TC") + (e["TC"],) for e in result]


# (zone, entries (UTC), aggregation, from_date, to_date (local), [(*keys, TC)], why)
TABLE = [
    ("Europe/Berlin", ["2026-03-28 23:30:00", "2026-03-29 00:59:59", "2026-03-29 01:00:00",
                       "2026-03-29 21:59:59", "2026-03-29 22:00:00"],
     "hour", "2026-03-29 00:00:00", "2026-03-30 01:00:00",
     [("2026-03-29", 0, "+01:00", 1), ("2026-03-29", 1, "+01:00", 1),
      ("2026-03-29", 3, "+02:00", 1), ("2026-03-29", 23, "+02:00", 1),
      ("2026-03-30", 0, "+02:00", 1)],
     "spring forward: 02:00-03:00 does not exist; 01:00 UTC is 03:00 +02:00"),
    ("Europe/Berlin", ["2026-03-28 22:59:59", "2026-03-28 23:00:00", "2026-03-29 21:59:59",
                       "2026-03-29 22:00:00"],
     "day", "2026-03-29 00:00:00", "2026-03-31 00:00:00",
     [("2026-03-29", 2), ("2026-03-30", 1)],
     "a 23-hour day: 23:00 UTC the day before to 22:00 UTC; 22:59:59 UTC is before the window"),
    ("Europe/Berlin", ["2026-10-25 00:30:00", "2026-10-25 00:45:00", "2026-10-25 01:30:00"],
     "hour", "2026-10-25 00:00:00", "2026-10-26 00:00:00",
     [("2026-10-25", 2, "+02:00", 2), ("2026-10-25", 2, "+01:00", 1)],
     "fall back: hour 2 twice, told apart by utc_offset, in time order"),
    ("Europe/Berlin", ["2026-10-25 00:30:00", "2026-10-25 01:30:00", "2026-10-25 09:00:00"],
     "hour_of_day", "2026-10-25 00:00:00", "2026-10-26 00:00:00",
     [(2, 2), (10, 1)], "hour_of_day merges both hour-2 pieces"),
    ("Europe/Berlin", ["2026-10-24 21:59:59", "2026-10-24 22:00:00", "2026-10-25 22:59:59",
                       "2026-10-25 23:00:00"],
     "day", "2026-10-24 00:00:00", "2026-10-27 00:00:00",
     [("2026-10-24", 1), ("2026-10-25", 2), ("2026-10-26", 1)],
     "a 25-hour day: 22:00 UTC to 23:00 UTC the next day"),
    ("Europe/Berlin", ["2026-10-25 00:30:00", "2026-10-25 01:20:00"],
     "none", "2026-10-25 02:30:00", "2026-10-25 02:45:00", [(1,)],
     "repeated times mean the earlier instants: 00:30-00:45 UTC (the later: 01:30-01:45)"),
    ("America/New_York", ["2026-03-08 06:59:59", "2026-03-08 07:00:00", "2026-03-08 07:59:59"],
     "hour", "2026-03-08 02:30:00", "2026-03-09 00:00:00",
     [("2026-03-08", 3, "-04:00", 2)],
     "from_date in the gap means its end (07:00 UTC): 06:59:59 UTC (01:59:59 EST) is out"),
    ("America/New_York", ["2026-11-01 05:45:00", "2026-11-01 06:45:00", "2026-11-01 04:59:59"],
     "hour", "2026-11-01 01:00:00", "2026-11-01 03:00:00",
     [("2026-11-01", 1, "-04:00", 1), ("2026-11-01", 1, "-05:00", 1)],
     "fall back: 01:00 repeated; from_date 01:00 is the first one (05:00 UTC)"),
    ("America/New_York", ["2026-03-08 04:59:59", "2026-03-08 05:00:00", "2026-03-09 03:59:59",
                          "2026-03-09 04:00:00"],
     "day", "2026-03-07 00:00:00", "2026-03-10 00:00:00",
     [("2026-03-07", 1), ("2026-03-08", 2), ("2026-03-09", 1)],
     "a 23-hour day: 05:00 UTC (EST) to 04:00 UTC the next day (EDT)"),
    ("Asia/Kolkata", ["2026-03-02 04:10:00", "2026-03-02 04:40:00", "2026-03-02 18:29:59",
                      "2026-03-02 18:30:00"],
     "hour", "2026-03-02 00:00:00", "2026-03-04 00:00:00",
     [("2026-03-02", 9, "+05:30", 1), ("2026-03-02", 10, "+05:30", 1),
      ("2026-03-02", 23, "+05:30", 1), ("2026-03-03", 0, "+05:30", 1)],
     "+05:30: hours start at :30 UTC; 18:30 UTC is midnight"),
    ("Asia/Kolkata", ["2026-03-01 18:29:59", "2026-03-01 18:30:00", "2026-03-02 18:29:59",
                      "2026-03-02 18:30:00"],
     "day", "2026-03-01 00:00:00", "2026-03-04 00:00:00",
     [("2026-03-01", 1), ("2026-03-02", 2), ("2026-03-03", 1)], "days from 18:30 UTC"),
    ("Asia/Kathmandu", ["2026-03-02 04:14:59", "2026-03-02 04:15:00", "2026-03-02 18:14:59",
                        "2026-03-02 18:15:00"],
     "hour", "2026-03-02 00:00:00", "2026-03-04 00:00:00",
     [("2026-03-02", 9, "+05:45", 1), ("2026-03-02", 10, "+05:45", 1),
      ("2026-03-02", 23, "+05:45", 1), ("2026-03-03", 0, "+05:45", 1)],
     "+05:45: hours start at :15 UTC; 18:15 UTC is midnight"),
    ("Asia/Kathmandu", ["2026-03-02 04:14:59", "2026-03-02 04:15:00", "2026-03-02 05:14:00"],
     "hour_of_day", "2026-03-02 00:00:00", "2026-03-03 00:00:00", [(9, 1), (10, 2)],
     "hour_of_day at +05:45"),
    ("", ["2026-03-29 23:59:59", "2026-03-30 00:00:00", "2026-03-25 10:00:00"],
     "week", "2026-03-25 00:00:00", "2026-04-06 00:00:00",
     [("2026-03-23", 2), ("2026-03-30", 1)],
     "ISO weeks: Sunday 29 March is in the week of Monday 23 March, kept though the window "
     "starts on the 25th"),
    ("Europe/Berlin", ["2026-03-29 21:59:59", "2026-03-29 22:00:00"],
     "week", "2026-03-23 00:00:00", "2026-04-06 00:00:00",
     [("2026-03-23", 1), ("2026-03-30", 1)], "Berlin's Monday starts at 22:00 UTC on Sunday"),
    ("America/New_York", ["2026-04-01 03:59:59", "2026-04-01 04:00:00", "2026-02-28 12:00:00"],
     "month", "2026-03-01 00:00:00", "2026-05-01 00:00:00",
     [("2026-03-01", 1), ("2026-04-01", 1)],
     "months in New York: 1 April 03:59:59 UTC is still 31 March (UTC-4); 28 February is out"),
    ("", ["2026-04-01 03:59:59", "2026-03-31 23:59:59", "2026-12-31 23:59:59",
          "2027-01-01 00:00:00"],
     "month", "2026-03-15 00:00:00", "2027-02-01 00:00:00",
     [("2026-03-01", 1), ("2026-04-01", 1), ("2026-12-01", 1), ("2027-01-01", 1)],
     "UTC months, a year edge, a month cut by the window keeps its first day"),
    ("UTC", ["2026-03-02 10:00:00"], "hour", "2026-03-02 00:00:00", "2026-03-03 00:00:00",
     [("2026-03-02", 10, "+00:00", 1)], "timezone=UTC: hour buckets carry +00:00"),
]  # fmt: skip


@pytest.mark.parametrize(
    "zone, entries, aggregation, lo, hi, expected, why", TABLE, ids=[row[-1][:40] for row in TABLE]
)
def test_local_buckets(
    db: Database,
    zone: str,
    entries: list[str],
    aggregation: str,
    lo: str,
    hi: str,
    expected: list[tuple[Any, ...]],
    why: str,
) -> None:
    params = {"from_date": lo, "to_date": hi, "aggregation": aggregation}
    if zone:
        params["timezone"] = zone
    assert keys(ask(db, entries, **params)) == expected, why
    lines = [line for n, at in enumerate(entries) for line in caller(n, at)]
    reference = queue_oracle.answer(lines, {"report": "TC", **params})
    assert isinstance(reference, dict) and keys(reference["result"]) == expected, why


def test_by_queue_in_local_hours(db: Database) -> None:
    lines = [*caller(1, "2026-10-25 00:30:00", queue=6), *caller(2, "2026-10-25 00:40:00"),
             *caller(3, "2026-10-25 01:30:00", queue=6)]  # fmt: skip
    assert ingest(db, 1, enumerate(lines, 1)).rejected == []
    params = {"from_date": "2026-10-25 00:00:00", "to_date": "2026-10-26 00:00:00",
              "timezone": "Europe/Berlin", "aggregation": "hour", "by_queue": "true",
              "report": "TC"}  # fmt: skip
    result = orjson.loads(respond(METHOD, CallContext(db, 1), params))["result"]
    assert result == [
        {"date": "2026-10-25", "hour": 2, "utc_offset": "+02:00", "acd_queue_id": 5, "TC": 1},
        {"date": "2026-10-25", "hour": 2, "utc_offset": "+02:00", "acd_queue_id": 6, "TC": 1},
        {"date": "2026-10-25", "hour": 2, "utc_offset": "+01:00", "acd_queue_id": 6, "TC": 1},
    ]


# N callers waiting 1..N seconds: (N, p1, p50, p99), the 1-based position (p * N + 99) div 100.
POSITIONS = [(1, 1, 1, 1), (2, 1, 1, 2), (3, 1, 2, 3), (10, 1, 5, 10), (100, 1, 50, 99),
             (101, 2, 51, 100), (199, 2, 100, 198)]  # fmt: skip


@pytest.mark.parametrize("n, p1, p50, p99", POSITIONS)
def test_percentile_positions(db: Database, n: int, p1: int, p50: int, p99: int) -> None:
    # Entered 200 s apart, longer than any wait (QL 1 each); waits in reverse order of entry.
    start = datetime(2026, 3, 2, 1, tzinfo=UTC)
    lines = [
        line
        for i in range(n)
        for line in caller(
            i, f"{start + timedelta(seconds=200 * i):%Y-%m-%d %H:%M:%S}", (n - i) * 1000
        )
    ]
    assert ingest(db, 1, enumerate(lines, 1)).rejected == []
    params = {"from_date": "2026-03-02 00:00:00", "to_date": "2026-03-03 00:00:00",
              "report": "WT;AT;QL", "percentiles": "99;1;50;50"}  # fmt: skip
    (element,) = orjson.loads(respond(METHOD, CallContext(db, 1), params))["result"]
    for name in ("WT", "AT"):
        item = element[name]
        assert list(item) == ["min", "avg", "max", "count", "sum", "p1", "p50", "p99"]
        assert (item["p1"], item["p50"], item["p99"]) == (p1, p50, p99)
    assert element["QL"]["p99"] == 1


def test_percentiles_of_rounded_waits_queue_lengths_and_no_samples(db: Database) -> None:
    # Waits 0.499 -> 0, 0.5 -> 1, 1.5 -> 2 s (half up), each entered (and ended) within the
    # first caller's wait of 70 s: QL 1, 2, 2, 2. No call is answered: SA has no samples.
    lines = [
        *caller(1, "2026-03-02 10:00:00", 70_000),
        *caller(2, "2026-03-02 10:00:01", 499),
        *caller(3, "2026-03-02 10:00:02", 500),
        *caller(4, "2026-03-02 10:00:03", 1500),
    ]
    assert ingest(db, 1, enumerate(lines, 1)).rejected == []
    params = {"from_date": "2026-03-02 00:00:00", "to_date": "2026-03-03 00:00:00",
              "report": "WT;SA;QL", "percentiles": "25;50;75;99"}  # fmt: skip
    (element,) = orjson.loads(respond(METHOD, CallContext(db, 1), params))["result"]
    assert element["WT"] == {"min": 0, "avg": 18, "max": 70, "count": 4, "sum": 73,
                             "p25": 0, "p50": 1, "p75": 2, "p99": 70}  # fmt: skip
    assert element["SA"] == {"min": 0, "avg": 0, "max": 0, "count": 0, "sum": 0,
                             "p25": 0, "p50": 0, "p75": 0, "p99": 0}  # fmt: skip
    assert element["QL"] == {"min": 1, "avg": 1, "max": 2, "count": 4, "sum": 7,
                             "p25": 1, "p50": 2, "p75": 2, "p99": 2}  # fmt: skip


def test_csv_columns_for_the_new_fields(db: Database) -> None:
    body = ask(
        db, ["2026-10-25 00:30:00", "2026-10-25 01:30:00"], from_date="2026-10-25 00:00:00",
        to_date="2026-10-26 00:00:00", timezone="Europe/Berlin", aggregation="hour",
        by_queue="true", report="QL;TC;AC;SL", percentiles="90;50", service_level="20",
        abbreviation="false", format="csv",
    )  # fmt: skip
    assert body == (
        b"date,hour,utc_offset,acd_queue_id,QueueLength_min,QueueLength_avg,QueueLength_max,"
        b"QueueLength_count,QueueLength_sum,QueueLength_p50,QueueLength_p90,TotalCalls,"
        b"AnsweredCalls_count,AnsweredCalls_percent,ServiceLevel_20_count,ServiceLevel_20_level"
        b"\r\n2026-10-25,2,+02:00,5,1,1,1,1,1,1,1,1,0,0,0,0"
        b"\r\n2026-10-25,2,+01:00,5,1,1,1,1,1,1,1,1,0,0,0,0\r\n"
    )
    empty = respond(METHOD, CallContext(db, 1), {"from_date": "2027-01-04 00:00:00",
                    "to_date": "2027-01-05 00:00:00", "aggregation": "week", "report": "WT",
                    "timezone": "Asia/Kolkata", "percentiles": "5", "format": "csv"})  # fmt: skip
    assert empty == b"date,WT_min,WT_avg,WT_max,WT_count,WT_sum,WT_p5\r\n"


DAY = {"from_date": "2026-03-02 00:00:00", "to_date": "2026-03-03 00:00:00"}


@pytest.mark.parametrize(
    "params, code, named",
    [({"timezone": "europe/berlin"}, 101, "timezone"), ({"timezone": "+05:30"}, 101, "timezone"),
     ({"percentiles": "0"}, 101, "percentiles"), ({"percentiles": "100"}, 101, "percentiles"),
     ({"percentiles": "5.0"}, 101, "percentiles"), ({"percentiles": "+5"}, 101, "percentiles"),
     ({"percentiles": "5;"}, 101, "percentiles"), ({"aggregation": "Week"}, 228, "aggregation"),
     # the method's own table first, then section 8 in its order, then the date range
     ({"aggregation": "year", "timezone": "x"}, 228, "aggregation"),
     ({"timezone": "x", "percentiles": "x"}, 101, "timezone"),
     ({"percentiles": "x", "by_queue": "x"}, 101, "percentiles"),
     ({"by_queue": "x", "service_level": "x"}, 101, "by_queue"),
     ({"service_level": "0", "format": "x"}, 101, "service_level"),
     ({"format": "x", "to_date": "2026-03-01 00:00:00"}, 101, "format"),
     ({"timezone": "x", "from_date": "2026-03-02 25:00:00"}, 111, "from_date"),
     # the same wall times, compared as instants: 02:30 local is 00:30 UTC, before 01:00
     ({"timezone": "Europe/Berlin", "from_date": "2026-10-25 02:30:00",
       "to_date": "2026-10-25 02:00:00"}, 123, "from_date"),
     # a window inside New York's gap: both ends mean 07:00 UTC
     ({"timezone": "America/New_York", "from_date": "2026-03-08 02:10:00",
       "to_date": "2026-03-08 02:50:00"}, 123, "from_date"),
     ({"percentiles": "05;5;50", "timezone": "", "aggregation": "week"}, None, "")],
)  # fmt: skip
def test_check_order(db: Database, params: dict[str, str], code: int | None, named: str) -> None:
    body = orjson.loads(respond(METHOD, CallContext(db, 1), {**DAY, **params}))
    if code is None:
        assert body == {"result": []}
    else:
        assert body["error"]["code"] == code and named in body["error"]["msg"]
