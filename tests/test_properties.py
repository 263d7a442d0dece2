"""Property tests: the engine answers GetACDOperatorStatistics exactly as the oracle does.

Random histories (tests/strategies.py) go through the real ingest into a fresh DuckDB file,
in shuffled order and several batches; every query answer must equal tests/oracle.py.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acdstats.services.ingest import ingest
from acdstats.services.methods import CallContext, call, find_method
from acdstats.storage.db import Database
from acdstats.storage.derive import rebuild
from tests import oracle
from tests.strategies import History, history, query

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
    queries = draw(st.lists(query(hist.offer_times), min_size=1, max_size=4))
    return hist, queries


@SETTINGS
@given(case())
def test_engine_equals_oracle(data: tuple[History, list[dict[str, str]]]) -> None:
    hist, queries = data
    with fresh_db() as db:
        load(db, 1, hist)
        for params in queries:
            assert engine(db, 1, params) == oracle.answer(hist.lines, params)


@SETTINGS
@given(case())
def test_rebuild_equals_incremental(data: tuple[History, list[dict[str, str]]]) -> None:
    hist, queries = data
    with fresh_db() as db:
        load(db, 1, hist)
        before = [engine(db, 1, params) for params in queries]
        with db.writer() as cur:
            rebuild(cur, 1)
        after = [engine(db, 1, params) for params in queries]
    assert after == before
    assert after == [oracle.answer(hist.lines, params) for params in queries]


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
