"""GetACDOffers (SPEC 8.5): rows, order, pages, outcome filter, local times, CSV, errors."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from acdstats.services.ingest import ingest
from acdstats.services.methods import CallContext, find_method, respond
from acdstats.storage.db import Database

METHOD = find_method("GetACDOffers")
WINDOW = {"from_date": "2026-10-24 00:00:00", "to_date": "2026-10-26 00:00:00", "user_id": "all"}


def rec(rid: str, user: int, offered: str, answered: str | None = None, **more: str) -> Any:
    r = {"type": "offer", "request_id": rid, "user_id": user, "queue_id": 5,
         "offered_at": offered, **more}  # fmt: skip
    if answered:
        r["answered_at"] = answered
    return r


LINES = [
    rec("b", 7, "2026-10-25 00:30:00", "2026-10-25 00:30:04.500", ended_at="2026-10-25 00:31:00"),
    rec("a", 7, "2026-10-25 00:30:00"),  # same instant: request_id orders
    rec("a", 8, "2026-10-25 00:30:00"),  # same request: user_id orders
    rec("\u00e9", 7, "2026-10-25 00:30:00"),  # code point order: after 'b'
    rec(
        "c",
        8,
        "2026-10-25 01:30:00",
        "2026-10-25 01:30:01",
        ended_at="2026-10-25 01:32:00",
        acw_ended_at="2026-10-25 01:32:30",
    ),  # fmt: skip
    rec("d", 9, "2026-10-26 00:00:00"),  # at to_date: out
]


@pytest.fixture
def loaded(db: Database) -> Database:
    assert ingest(db, 1, enumerate(LINES, 1)).rejected == []
    return db


def answer(db: Database, **params: str) -> Any:
    body = respond(METHOD, CallContext(db, 1), {**WINDOW, **params})
    return (
        body if params.get("format") == "csv" and not body.startswith(b"{") else orjson.loads(body)
    )


def test_rows_in_order_with_their_samples(loaded: Database) -> None:
    doc = answer(loaded)
    assert list(doc) == ["result", "total_count", "count"]
    assert [(r["request_id"], r["user_id"]) for r in doc["result"]] == [
        ("a", "7"), ("a", "8"), ("b", "7"), ("\u00e9", "7"), ("c", "8")
    ]  # fmt: skip
    assert (doc["total_count"], doc["count"]) == (5, 5)
    b = doc["result"][2]
    assert (b["SA"], b["TT"], b["ACW"], b["HT"]) == (5, 56, None, 56)  # 4.5 s -> 5 (half up)
    assert b["answered_at"] == "2026-10-25 00:30:04.500" and b["acw_ended_at"] is None
    c = doc["result"][4]
    assert (c["SA"], c["TT"], c["ACW"], c["HT"]) == (1, 119, 30, 149)


@pytest.mark.parametrize(
    "count, offset, ids",
    [("2", "0", ["a", "a"]), ("2", "2", ["b", "\u00e9"]), ("2", "4", ["c"]), ("2", "5", []),
     ("1000", "999", []), ("1", "3", ["\u00e9"])],
)  # fmt: skip
def test_pages(loaded: Database, count: str, offset: str, ids: list[str]) -> None:
    doc = answer(loaded, count=count, offset=offset)
    assert [r["request_id"] for r in doc["result"]] == ids
    assert (doc["total_count"], doc["count"]) == (5, len(ids))


def test_outcome_filter(loaded: Database) -> None:
    assert answer(loaded, outcome="answered")["total_count"] == 2
    assert answer(loaded, outcome="unanswered")["total_count"] == 3
    assert answer(loaded, outcome="unanswered;answered")["total_count"] == 5
    assert answer(loaded, outcome="ALL")["total_count"] == 5


def test_local_times_with_their_offset_across_the_fall_back(loaded: Database) -> None:
    doc = answer(loaded, timezone="Europe/Berlin", from_date="2026-10-25 02:00:00",
                 to_date="2026-10-25 03:00:00")  # fmt: skip
    # 02:00 local is the earlier instant (00:00 UTC); 03:00 is 02:00 UTC: both 02:30s are in.
    times = [r["offered_at"] for r in doc["result"]]
    assert times[0] == "2026-10-25 02:30:00.000+02:00"
    assert times[-1] == "2026-10-25 02:30:00.000+01:00"
    assert doc["result"][-1]["acw_ended_at"] == "2026-10-25 02:32:30.000+01:00"
    assert doc["total_count"] == 5


def test_csv(loaded: Database) -> None:
    body = answer(loaded, format="csv", count="2", offset="3")
    assert body == (
        b"request_id,user_id,acd_queue_id,offered_at,answered_at,ended_at,acw_ended_at,"
        b"SA,TT,ACW,HT\r\n"
        + "\u00e9,7,5,2026-10-25 00:30:00.000,,,,,,,\r\n".encode()
        + b"c,8,5,2026-10-25 01:30:00.000,2026-10-25 01:30:01.000,2026-10-25 01:32:00.000,"
        b"2026-10-25 01:32:30.000,1,119,30,149\r\n"
    )
    empty = answer(loaded, format="csv", offset="9")
    assert empty.count(b"\r\n") == 1  # the header, even with no rows


@pytest.mark.parametrize(
    "change, code, named",
    [({"from_date": ""}, 134, "from_date"), ({"from_date": "2026-10-24"}, 111, "from_date"),
     ({"to_date": "x"}, 111, "to_date"), ({"user_id": None}, 134, "user_id"),
     ({"user_id": "x"}, 117, "user_id"), ({"acd_queue_id": "x"}, 218, "acd_queue_id"),
     ({"timezone": "berlin"}, 101, "timezone"), ({"format": "xml"}, 101, "format"),
     ({"outcome": "abandoned"}, 101, "outcome"), ({"outcome": "answered;"}, 101, "outcome"),
     ({"count": "0"}, 101, "count"), ({"count": "1001"}, 101, "count"),
     ({"count": "+5"}, 101, "count"), ({"offset": "-1"}, 101, "offset"),
     ({"to_date": "2026-10-23 00:00:00"}, 123, "from_date"),
     # the order: timezone before format before outcome before count before offset, 123 last
     ({"timezone": "x", "format": "x"}, 101, "timezone"),
     ({"format": "x", "outcome": "x"}, 101, "format"),
     ({"outcome": "x", "count": "x"}, 101, "outcome"),
     ({"count": "x", "offset": "x"}, 101, "count"),
     ({"offset": "x", "to_date": "2026-10-23 00:00:00"}, 101, "offset"),
     ({"user_id": "x", "acd_queue_id": "x"}, 117, "user_id")],
)  # fmt: skip
def test_errors(db: Database, change: dict[str, str | None], code: int, named: str) -> None:
    params = {k: v for k, v in {**WINDOW, "format": "csv", **change}.items() if v is not None}
    body = respond(METHOD, CallContext(db, 1), params)
    error = orjson.loads(body)["error"]  # errors stay JSON, also with format=csv
    assert error["code"] == code and named in error["msg"]
