"""Property tests: the engine answers GetACDOperatorStatistics exactly as the oracle does.

Random histories (tests/strategies.py) go through the real ingest into a fresh DuckDB file,
in shuffled order and several batches; every query answer must equal tests/oracle.py.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acdstats.services.ingest import ingest
from acdstats.services.methods import CallContext, call, find_method
from acdstats.storage.db import Database
from acdstats.storage.derive import rebuild
from tests import oracle
from tests.oracle import to_ms
from tests.strategies import WIDE_FROM, History, acw_history, fmt_ms, history, query

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
METHOD = find_method("GetACDOperatorStatistics")


@contextmanager
def fresh_db() -> Iterator[Database]:
    # Not the function-scoped fixture: hypothesis needs a new database per example.
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "props.duckdb")
        try:
            yield db
        finally:
            db.close()


def load(db: Database, account_id: int, hist: History) -> None:
    for batch in hist.batches:
        ingest(db, account_id, enumerate(batch, 1))


def engine(db: Database, account_id: int, params: dict[str, str]) -> dict[str, Any]:
    answer: dict[str, Any] = call(METHOD, CallContext(db, account_id), params)
    return answer


@st.composite
def case(draw: st.DrawFn) -> tuple[History, list[dict[str, str]]]:
    hist = draw(history())
    queries = draw(st.lists(query(hist.offer_times), min_size=1, max_size=3))
    return hist, queries


@SETTINGS
@given(case())
def test_engine_equals_oracle_incremental_and_rebuilt(
    data: tuple[History, list[dict[str, str]]],
) -> None:
    # One property for both, so that the 200 examples are ingested once: the incremental
    # answer must equal the oracle, and re-deriving everything from the raw store must give
    # the same answer again (rebuild == incremental).
    hist, queries = data
    expected = [oracle.answer(hist.lines, params) for params in queries]
    with fresh_db() as db:
        load(db, 1, hist)
        incremental = [engine(db, 1, params) for params in queries]
        assert incremental == expected, "incremental ingest differs from the oracle"
        # Key order as in the worked examples (date/hour or user_id first, items in report order).
        assert json.dumps(incremental) == json.dumps(expected), "same values, other key order"
        with db.writer() as cur:
            rebuild(cur, 1)
        rebuilt = [engine(db, 1, params) for params in queries]
    assert rebuilt == incremental, "rebuild differs from incremental ingest"


@settings(SETTINGS, max_examples=100)
@given(acw_history())
def test_after_call_work_edges(hist: History) -> None:
    # Status changes packed at end - 1 s, end, end + 10 s: the cases the broad history hits rarely.
    params = {"from_date": WIDE_FROM, "user_id": "all", "report": "ACW;HT;TT;SA;TACW;THT"}
    with fresh_db() as db:
        load(db, 1, hist)
        assert engine(db, 1, params) == oracle.answer(hist.lines, params)


@settings(SETTINGS, max_examples=30)
@given(history(account_id=1), history(account_id=2), st.data())
def test_accounts_are_isolated(mine: History, theirs: History, data: st.DataObject) -> None:
    params = data.draw(query(mine.offer_times + theirs.offer_times))
    with fresh_db() as db:
        # Interleave the two accounts' batches: neither may leak into the other's answer.
        for n in range(max(len(mine.batches), len(theirs.batches))):
            for account_id, hist in ((1, mine), (2, theirs)):
                if n < len(hist.batches):
                    ingest(db, account_id, enumerate(hist.batches[n], 1))
        assert engine(db, 1, params) == oracle.answer(mine.lines, params)
        assert engine(db, 2, params) == oracle.answer(theirs.lines, params)


# Every edge of the ACW rule, one call each: the AFTER_SERVICE that starts it at end - 1001 ms
# .. end + 10 001 ms, and the READY that stops it at the call's end, 0.5 s later, at the very
# instant of the AFTER_SERVICE (which then sorts first: "AFTER_SERVICE" < "READY"), or later.
ACW_CASES = sorted(
    {
        (first, stop)
        for first in (-1001, -1000, -999, 0, 9_999, 10_000, 10_001)
        for stop in (0, 500, first, first + 20_500)
        if stop >= first
    }
)


@pytest.mark.parametrize(("first", "stop"), ACW_CASES)
def test_after_call_work_grid(first: int, stop: int) -> None:
    end = to_ms("2026-03-02 10:01:02.500")
    lines: list[dict[str, Any]] = [
        {
            "type": "offered",
            "request_id": "r",
            "user_id": 7,
            "queue_id": 1,
            "at": fmt_ms(end - 62_500),
        },
        {"type": "answered", "request_id": "r", "user_id": 7, "at": fmt_ms(end - 60_500)},
        {"type": "hangup", "request_id": "r", "at": fmt_ms(end)},
        {"type": "status", "user_id": 7, "status": "AFTER_SERVICE", "at": fmt_ms(end + first)},
        {"type": "status", "user_id": 7, "status": "READY", "at": fmt_ms(end + stop)},
    ]
    # SPEC 4.2, by hand: the AFTER_SERVICE must be the first status at or after end - 1 s, no
    # later than end + 10 s, and the ACW must end after the call's end. TT = 60.5 s -> 61.
    counts = -1000 <= first <= 10_000 and stop > 0
    acw = (stop + 500) // 1000 if counts else 0
    expected_acw = {"min": acw, "avg": acw, "max": acw, "count": int(counts), "sum": acw}
    params = {"from_date": WIDE_FROM, "user_id": "all", "report": "ACW;HT"}
    with fresh_db() as db:
        ingest(db, 1, enumerate(lines, 1))
        answer = engine(db, 1, params)
    assert answer == oracle.answer(lines, params)
    stats = answer["result"][0]["statistics"][0]
    assert stats["ACW"] == expected_acw
    assert stats["HT"]["sum"] == 61 + acw
