"""Property tests for SPEC 8 over GetACDOperatorStatistics: the engine equals the reference
(tests/oracle_extensions.py), and its fast path (rollups) equals the raw path (offers).

Offers are placed around DST changes (Berlin, New York), Santiago's skipped midnight, week
and month edges; zones include :30 and :45 offsets; some offers have no queue.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acdstats.services.ingest import ingest
from acdstats.services.methods import CallContext, find_method, respond
from acdstats.services.statistics import operator_statistics
from acdstats.storage.db import Database
from acdstats.storage.duckdb_reader import DuckDBReader
from acdstats.storage.reader import Tuning
from tests import oracle_extensions
from tests.oracle import to_ms

METHOD = find_method("GetACDOperatorStatistics")
NOW = to_ms("2027-06-01 00:00:00")
ANCHORS = [
    "2026-03-29 01:00:00",  # Berlin spring forward
    "2026-10-25 01:00:00",  # Berlin fall back
    "2026-03-08 07:00:00",  # New York spring forward
    "2026-11-01 06:00:00",  # New York fall back
    "2026-09-06 04:00:00",  # Santiago skips midnight
    "2026-03-31 22:00:00",  # a month edge in Berlin (summer time)
    "2026-12-31 23:30:00",  # a year and month edge
]
ZONES = ["", "UTC", "Europe/Berlin", "America/New_York", "America/Santiago", "Asia/Kolkata",
         "Asia/Kathmandu", "Australia/Lord_Howe"]  # fmt: skip
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def stamp(ms: int, fraction: bool = True) -> str:
    at = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
    return at.strftime("%Y-%m-%d %H:%M:%S") + (f".{ms % 1000:03d}" if fraction else "")


@st.composite
def offer(draw: st.DrawFn, n: int) -> list[dict[str, Any]]:
    base = to_ms(draw(st.sampled_from(ANCHORS)))
    near = st.integers(-3 * 3_600_000, 3 * 3_600_000)
    at = base + draw(st.one_of(near, st.integers(-30 * 3_600_000, 30 * 3_600_000)))
    user = draw(st.sampled_from([7, 8, 9]))
    sa = draw(st.integers(0, 40_000))
    tt = draw(st.integers(0, 400_000))
    kind = draw(st.sampled_from(["answered", "answered", "unanswered", "queueless"]))
    rid = f"r{n}"
    if kind == "queueless":  # events: no enqueued, no queue_id
        return [
            {"type": "offered", "at": stamp(at), "request_id": rid, "user_id": user},
            {"type": "answered", "at": stamp(at + sa), "request_id": rid, "user_id": user},
            {"type": "hangup", "at": stamp(at + sa + tt), "request_id": rid},
        ]
    queue = draw(st.sampled_from([5, 6]))
    record: dict[str, Any] = {
        "type": "offer", "request_id": rid, "user_id": user, "queue_id": queue,
        "offered_at": stamp(at),
    }  # fmt: skip
    if kind == "answered":
        record["answered_at"] = stamp(at + sa)
        if draw(st.booleans()):
            record["ended_at"] = stamp(at + sa + tt)
            if draw(st.booleans()):
                record["acw_ended_at"] = stamp(at + sa + tt + draw(st.integers(0, 90_000)))
    return [record]


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(1, 25))
    return [line for n in range(count) for line in draw(offer(n))]


@st.composite
def queries(draw: st.DrawFn) -> dict[str, str]:
    anchor = to_ms(draw(st.sampled_from(ANCHORS)))
    # Whole local-looking times near the anchor, some in gaps and folds.
    lo = anchor + draw(st.one_of(st.integers(-4, 4), st.integers(-40, 10))) * 1_800_000
    hi = lo + draw(st.integers(1, 80)) * 1_800_000 + draw(st.sampled_from([0, 1000, 59_000]))
    params = {"from_date": stamp(lo, False), "to_date": stamp(hi, False)}
    params["user_id"] = draw(st.sampled_from(["all", "7;8;9", "8"]))  # both rendering paths
    if draw(st.booleans()):
        params["from_date"] = stamp(anchor - 40 * 3_600_000, False)
    zone = draw(st.sampled_from(ZONES))
    if zone:
        params["timezone"] = zone
    params["aggregation"] = draw(
        st.sampled_from(["none", "day", "hour", "hour_of_day", "week", "month"])
    )
    params["group"] = draw(st.sampled_from(["user", "aggregation"]))
    if draw(st.booleans()):
        params["by_queue"] = draw(st.sampled_from(["true", "false", "1"]))
    if draw(st.booleans()):
        params["percentiles"] = ";".join(
            map(str, draw(st.lists(st.integers(1, 99), min_size=1, max_size=3)))
        )
    if draw(st.booleans()):
        params["acd_queue_id"] = draw(st.sampled_from(["all", "5", "5;6", "6"]))
    params["report"] = draw(st.sampled_from(["all", "SA;AC;UAC", "HT;TT;ACW;THT", "UAC;SA"]))
    if draw(st.booleans()):
        params["format"] = "csv"
    return params


@contextmanager
def fresh_db() -> Iterator[Database]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "ext.duckdb")
        try:
            yield db
        finally:
            db.close()


def engine(db: Database, params: dict[str, str]) -> bytes:
    return bytes(respond(METHOD, CallContext(db, 1, now_ms=NOW), params))


@SETTINGS
@given(histories(), st.lists(queries(), min_size=1, max_size=4))
def test_engine_equals_reference_and_fast_path_equals_raw(
    lines: list[dict[str, Any]], asked: list[dict[str, str]]
) -> None:
    with fresh_db() as db:
        report = ingest(db, 1, enumerate(lines, 1))
        assert report.rejected == []
        for params in asked:
            if oracle_extensions.instant(params["from_date"], _zone(params)) >= (
                oracle_extensions.instant(params["to_date"], _zone(params))
            ):
                continue  # a window that local time folds shut: error 123, not a property
            expected = oracle_extensions.answer(lines, params, NOW)
            body = engine(db, params)
            if isinstance(expected, bytes):
                assert body == expected, params
            else:
                assert json.dumps(json.loads(body)) == json.dumps(expected), params
            cur = db.reader()
            fast = operator_statistics(DuckDBReader(cur), 1, params, now_ms=NOW)
            raw = operator_statistics(
                DuckDBReader(cur, Tuning(use_rollups=False)), 1, params, now_ms=NOW
            )
            assert fast == raw, params
            # Rendered by the database (big answers) or shaped in Python: the same bytes.
            in_database = DuckDBReader(cur, Tuning(renderer="database"))
            assert operator_statistics(in_database, 1, params, now_ms=NOW) == fast


def _zone(params: dict[str, str]) -> Any:
    name = params.get("timezone")
    return oracle_extensions.zone(name) if name else None
