"""Status spans and their rollups: every write keeps them equal to the reference's spans.

Histories are ingested shuffled and split into batches (late events split a span and shorten
its neighbour); the stored spans, open spans and hourly and daily rollups must equal what
tests/status_oracle.py derives from the whole event set, and `rebuild` must give the same.
"""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acdstats.storage.db import Database
from acdstats.storage.derive import rebuild
from acdstats.storage.schema import MIGRATIONS
from tests import status_oracle
from tests.scenario import ev, load

ORDER = status_oracle.ORDER
HOUR, DAY = 3_600_000, 86_400_000
BASE = status_oracle.to_ms("2026-03-02 23:00:00")
_TABLES = ("status_spans", "status_open", "status_rollup_hour", "status_rollup_day")
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def at(ms: int) -> str:
    return status_oracle._utc(ms).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


# Offsets from BASE: equal times, hour and day edges (00:00 is BASE + 1 h), long gaps.
OFFSETS = st.one_of(
    st.sampled_from([0, 0, 1, 499, 500, HOUR - 1, HOUR, HOUR + 1, 2 * HOUR, DAY, DAY + 250]),
    st.integers(-2 * HOUR, 2 * DAY),
)
STATUS_EVENT = st.builds(
    lambda u, t, s, with_id: {
        "type": "status",
        "user_id": u,
        "status": s,
        "at": at(BASE + t),
        **({"event_id": f"e{u}-{t}-{s}"} if with_id else {}),
    },
    st.sampled_from([1, 2, 3]),
    OFFSETS,
    st.sampled_from(ORDER),
    st.booleans(),
)
HISTORY = st.lists(STATUS_EVENT, min_size=1, max_size=25)


def snapshot(db: Database, account_id: int = 1) -> dict[str, list[tuple[Any, ...]]]:
    cur = db.reader()
    columns = {
        "status_spans": "user_id, status, start_ms, end_ms",
        "status_open": "user_id, status, start_ms",
        "status_rollup_hour": "user_id, status, bucket, n, total, low, high",
        "status_rollup_day": "user_id, status, bucket, n, total, low, high",
    }
    return {
        table: cur.execute(
            f"SELECT {cols} FROM {table} WHERE account_id = ? ORDER BY ALL", [account_id]
        ).fetchall()
        for table, cols in columns.items()
    }


def expected(events: list[dict[str, Any]]) -> dict[str, list[tuple[Any, ...]]]:
    """The four tables as the reference's spans give them, cut and rolled up in Python."""
    closed, opened = [], []
    for user, spans in status_oracle.spans(events).items():
        for status, start, end in spans:
            if end is None:
                opened.append((user, ORDER.index(status), start))
            elif end > start:
                closed.append((user, ORDER.index(status), start, end))
    out: dict[str, list[tuple[Any, ...]]] = {
        "status_spans": sorted(closed),
        "status_open": sorted(opened),
    }
    for table, width in (("status_rollup_hour", HOUR), ("status_rollup_day", DAY)):
        samples: dict[tuple[int, int, int], list[int]] = defaultdict(list)
        for user, rank, start, end in closed:
            bucket = start - start % width
            while bucket < end:
                length = min(end, bucket + width) - max(start, bucket)
                samples[(user, rank, bucket)].append((length + 500) // 1000)
                bucket += width
        out[table] = sorted((*key, len(v), sum(v), min(v), max(v)) for key, v in samples.items())
    return out


def split(events: list[dict[str, Any]], rnd: random.Random) -> list[list[dict[str, Any]]]:
    shuffled = events[:]
    rnd.shuffle(shuffled)
    cuts = sorted(rnd.sample(range(1, len(shuffled)), k=min(3, len(shuffled) - 1)))
    return [shuffled[a:b] for a, b in zip([0, *cuts], [*cuts, len(shuffled)], strict=True)]


@SETTINGS
@given(events=HISTORY, seed=st.integers(0, 2**32 - 1))
def test_shuffled_batches_equal_the_reference_and_rebuild(
    tmp_path_factory: Any, events: list[dict[str, Any]], seed: int
) -> None:
    db = Database(tmp_path_factory.mktemp("spans") / "t.duckdb")
    try:
        rnd = random.Random(seed)
        other = [dict(e, user_id=e["user_id"], status="DND") for e in events[::2]]
        for batch in split(events, rnd):
            assert load(db, batch).rejected == []
        if other:
            load(db, other, account_id=2)  # another tenant with the same operator ids
        want = expected(events)
        assert snapshot(db) == want
        with db.writer() as cur:
            rebuild(cur, 1)
        assert snapshot(db) == want
        if other:
            assert snapshot(db, 2) == expected(other)
    finally:
        db.close()


def test_late_event_splits_one_span_and_shortens_its_neighbour(db: Database) -> None:
    load(db, [ev("status", "09:00:00", u=7, s="READY"), ev("status", "11:00:00", u=7, s="DND")])
    load(db, [ev("status", "10:00:00.250", u=7, s="IN_SERVICE")])
    cur = db.reader()
    rows = cur.execute(
        "SELECT status, make_timestamp_ms(start_ms)::VARCHAR, make_timestamp_ms(end_ms)::VARCHAR "
        "FROM status_spans ORDER BY start_ms"
    ).fetchall()
    assert rows == [
        (ORDER.index("READY"), "2026-03-02 09:00:00", "2026-03-02 10:00:00.25"),
        (ORDER.index("IN_SERVICE"), "2026-03-02 10:00:00.25", "2026-03-02 11:00:00"),
    ]
    assert cur.execute("SELECT status FROM status_open").fetchall() == [(ORDER.index("DND"),)]
    # The hour 10:00 now holds a READY piece of 0.25 s (a sample of 0) and IN_SERVICE.
    hour = cur.execute(
        "SELECT status, n, total, low, high FROM status_rollup_hour "
        "WHERE bucket = epoch_ms(TIMESTAMP '2026-03-02 10:00:00') ORDER BY status"
    ).fetchall()
    assert hour == [
        (ORDER.index("READY"), 1, 0, 0, 0),
        (ORDER.index("IN_SERVICE"), 1, 3600, 3600, 3600),
    ]


def test_equal_time_events_take_alphabetical_order(db: Database) -> None:
    # READY and AFTER_SERVICE at the same instant: AFTER_SERVICE first (0 ms, not stored).
    load(
        db,
        [
            ev("status", "10:00:00", u=7, s="READY"),
            ev("status", "10:00:00", u=7, s="AFTER_SERVICE"),
        ],
    )
    cur = db.reader()
    assert cur.execute("SELECT count(*) FROM status_spans").fetchall() == [(0,)]
    assert cur.execute("SELECT status FROM status_open").fetchall() == [(ORDER.index("READY"),)]


def test_the_migration_derives_the_same_tables(db: Database, tmp_path: Path) -> None:
    events = [
        ev("status", "08:59:30.5", u=7, s="READY"),
        ev("status", "2026-03-03 01:00:00", u=7, s="OFFLINE"),
        ev("status", "10:00:00", u=8, s="DND"),
        ev("status", "10:00:00", u=8, s="BANNED"),
        ev("status", "12:00:00", u=8, s="DND"),
    ]
    load(db, events)
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    mine = next(i for i, m in enumerate(MIGRATIONS) if "CREATE TABLE status_spans" in m)
    for step in MIGRATIONS[:mine]:
        con.execute(step)
    rows = db.reader().execute("SELECT * FROM status_events").fetchall()
    con.executemany(f"INSERT INTO status_events VALUES ({', '.join('?' * 7)})", rows)
    con.execute(MIGRATIONS[mine])
    for table in _TABLES:
        derived = db.reader().execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
        assert con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall() == derived, table
    con.close()
