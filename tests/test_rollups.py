"""The rollup path answers exactly what a GROUP BY over offers alone answers."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acdstats.services.ingest import ingest
from acdstats.services.statistics import operator_statistics_json
from acdstats.storage.db import Database
from acdstats.storage.derive import rebuild
from acdstats.storage.duckdb_reader import DuckDBReader
from acdstats.storage.reader import Tuning
from acdstats.storage.statistics_sql import plan
from tests.webkit import seed_events

USERS = (3, 7, 8, 11)
ORIGIN = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """Seeded calls over several days, arriving shuffled in batches, some of them late."""
    db = Database(Path(tmp_path_factory.mktemp("rollups")) / "r.duckdb")
    events = seed_events(5, USERS, queues=(5, 6), calls=300)
    events += [
        {k: v for k, v in e.items() if k != "queue_id"} | {"request_id": "n" + str(i)}
        for i, e in enumerate(events[:40])
        if e["type"] == "offered"
    ]  # no queue
    random.Random(5).shuffle(events)
    for start in range(0, len(events), 97):
        ingest(db, 1, enumerate(events[start : start + 97], 1))
    yield db
    db.close()


def stamp(offset_ms: int) -> str:
    return (ORIGIN + timedelta(milliseconds=offset_ms)).strftime("%Y-%m-%d %H:%M:%S")


windows = st.tuples(
    st.integers(0, 5 * 86_400).map(lambda s: s * 1000),
    st.sampled_from(
        [1, 59, 3600, 3599, 3601, 7200, 86_400, 86_399, 86_401, 2 * 86_400 + 61, 5 * 86_400]
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    window=windows,
    aggregation=st.sampled_from(["day", "hour", "hour_of_day", "none"]),
    group=st.sampled_from(["user", "aggregation"]),
    users=st.sampled_from(["all", "3", "7;8", "8;11;99"]),
    queues=st.sampled_from([None, "5", "6", "5;6", "77"]),
    align=st.sampled_from(["second", "hour", "day"]),
)
def test_rollups_equal_raw_offers(
    loaded: Database,
    window: tuple[int, int],
    aggregation: str,
    group: str,
    users: str,
    queues: str | None,
    align: str,
) -> None:
    start, length = window
    unit = {"second": 1000, "hour": 3_600_000, "day": 86_400_000}[align]
    start = start // unit * unit
    params = {
        "from_date": stamp(start),
        "to_date": stamp(start + length * 1000),
        "user_id": users,
        "aggregation": aggregation,
        "group": group,
    }
    if queues is not None:
        params["acd_queue_id"] = queues
    cur = loaded.reader()
    fast = operator_statistics_json(DuckDBReader(cur), 1, params)
    raw = DuckDBReader(cur, Tuning(use_rollups=False))
    assert fast == operator_statistics_json(raw, 1, params)


def test_the_year_query_uses_rollups_and_equals_raw_after_rebuild(loaded: Database) -> None:
    params = {
        "from_date": "2026-01-01 00:00:00",
        "to_date": "2027-01-01 00:00:00",
        "user_id": "all",
    }
    before = operator_statistics_json(DuckDBReader(loaded), 1, params)
    assert before != "[]" and before == operator_statistics_json(
        DuckDBReader(loaded, Tuning(use_rollups=False)), 1, params
    )
    with loaded.writer() as cur:
        rebuild(cur, 1)
    assert operator_statistics_json(DuckDBReader(loaded), 1, params) == before


@pytest.mark.parametrize(
    "from_ms, to_ms, aggregation, parts",
    [
        (0, 1000, "none", [("offers", 0, 1000)]),
        (
            500,
            7_200_500,
            "hour",
            [
                ("offers", 500, 3_600_000),
                ("offers", 7_200_000, 7_200_500),
                ("hours", 3_600_000, 7_200_000),
            ],
        ),
        (
            3_600_000,
            2 * 86_400_000 + 1,
            "day",
            [
                ("offers", 2 * 86_400_000, 2 * 86_400_000 + 1),
                ("hours", 3_600_000, 86_400_000),
                ("days", 86_400_000, 2 * 86_400_000),
            ],
        ),
        (0, 2 * 86_400_000, "hour_of_day", [("hours", 0, 2 * 86_400_000)]),
        # 2025-12-31 00:00 .. 2026-03-01 12:00, no buckets: months, then days, then hours
        (
            1_767_139_200_000,
            1_772_366_400_000,
            "none",
            [
                ("hours", 1_772_323_200_000, 1_772_366_400_000),
                ("days", 1_767_139_200_000, 1_767_225_600_000),
                ("months", 1_767_225_600_000, 1_772_323_200_000),
            ],
        ),
    ],
)
def test_plan_cuts_the_window(
    from_ms: int, to_ms: int, aggregation: str, parts: list[tuple[str, int, int]]
) -> None:
    assert plan(from_ms, to_ms, aggregation) == sorted(parts, key=lambda p: p[1])


def _months_of_calls() -> list[dict[str, object]]:
    """Calls every day from late January to early March, some answered, some not."""
    rng = random.Random(11)
    events: list[dict[str, object]] = []
    for day in range(40):
        for n in range(6):
            start = datetime(2026, 1, 25, tzinfo=UTC) + timedelta(
                days=day, seconds=rng.randrange(86_400), milliseconds=rng.randrange(1000)
            )
            request, user = f"m{day}-{n}", rng.choice(USERS)

            def at(seconds: float, start: datetime = start) -> str:
                return (start + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]

            events += [{"type": "offered", "request_id": request, "user_id": user,
                        "queue_id": rng.choice([5, 6]), "at": at(0)}]  # fmt: skip
            if rng.random() < 0.7:
                events += [{"type": "answered", "request_id": request, "user_id": user,
                            "at": at(rng.uniform(1, 20))},
                           {"type": "hangup", "request_id": request, "at": at(60 + n)}]  # fmt: skip
            else:
                events += [{"type": "abandoned", "request_id": request, "at": at(25)}]
    return events


@pytest.fixture(scope="module")
def months(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """Two months of calls arriving in two shuffled halves (the second revises old months)."""
    db = Database(Path(tmp_path_factory.mktemp("months")) / "m.duckdb")
    events = _months_of_calls()
    random.Random(3).shuffle(events)
    for half in (events[: len(events) // 2], events[len(events) // 2 :]):
        ingest(db, 1, enumerate(half, 1))
    yield db
    db.close()


@settings(max_examples=60, deadline=None)
@given(
    start=st.integers(0, 50 * 86_400),
    days=st.integers(1, 60),
    aggregation=st.sampled_from(["none", "day"]),
    queues=st.sampled_from([None, "5", "6;5"]),
    users=st.sampled_from(["all", "3;8"]),
)
def test_month_rollup_equals_raw_offers(months: Database, start: int, days: int,
                                        aggregation: str, queues: str | None,
                                        users: str) -> None:  # fmt: skip
    origin = datetime(2026, 1, 20, tzinfo=UTC)
    window = {
        "from_date": (origin + timedelta(seconds=start)).strftime("%Y-%m-%d %H:%M:%S"),
        "to_date": (origin + timedelta(seconds=start, days=days)).strftime("%Y-%m-%d %H:%M:%S"),
    }
    params = {**window, "user_id": users, "aggregation": aggregation}
    if queues is not None:
        params["acd_queue_id"] = queues
    cur = months.reader()
    assert operator_statistics_json(DuckDBReader(cur), 1, params) == operator_statistics_json(
        DuckDBReader(cur, Tuning(use_rollups=False)), 1, params
    )


@pytest.mark.parametrize("aggregation", ["day", "week", "month", "none", "hour"])
def test_plan_of_a_whole_calendar_is_a_few_parts(aggregation: str) -> None:
    # Without a timezone no bucket list is made: 0001-01-01 .. 9999-12-31 plans at once.
    lo, hi = -62_135_596_800_000, 253_402_214_400_000
    parts = plan(lo, hi, aggregation)
    assert 1 <= len(parts) <= 5 and parts[0][1] == lo and parts[-1][2] == hi


# Every rollup table: (its key columns besides the bucket, its unit).
ROLLUP_TABLES = {
    "rollup_hour": ("user_id, queue_id", "hour"),
    "rollup_day": ("user_id, queue_id", "day"),
    "rollup_month": ("user_id, queue_id", "month"),
    "rollup_all_hour": ("user_id", "hour"),
    "rollup_all_day": ("user_id", "day"),
    "rollup_all_month": ("user_id", "month"),
}
_AGGREGATES = (
    ", ".join(
        f"count({s}), coalesce(sum({s}), 0), min({s}), max({s})" for s in ("sa", "tt", "acw", "ht")
    )
    + ", count(*) - count(sa)"
)


def rollup_rows(db: Database, table: str) -> list[tuple[object, ...]]:
    """A rollup table's rows of account 1, keys first, sorted."""
    keys, _ = ROLLUP_TABLES[table]
    return sorted(
        db.reader()
        .execute(
            f"SELECT {keys}, bucket, * EXCLUDE (account_id, {keys}, bucket) FROM {table} "
            "WHERE account_id = 1"
        )
        .fetchall(),
        key=repr,
    )


def grouped_offers(db: Database, table: str) -> list[tuple[object, ...]]:
    """What the table must hold: the same GROUP BY straight over the offers."""
    keys, unit = ROLLUP_TABLES[table]
    return sorted(
        db.reader()
        .execute(
            f"SELECT {keys}, date_trunc('{unit}', offered_at), {_AGGREGATES} FROM offers "
            f"WHERE account_id = 1 GROUP BY ALL"
        )
        .fetchall(),
        key=repr,
    )


def _records(rng: random.Random, n: int) -> list[dict[str, object]]:
    """Offer records, some of them sent again with other times (a later line replaces)."""
    out: list[dict[str, object]] = []
    for i in range(n):
        offered = ORIGIN + timedelta(days=rng.randrange(3), seconds=rng.randrange(86_400))
        record: dict[str, object] = {
            "type": "offer",
            "request_id": f"rec{i % (n // 2 + 1)}",
            "user_id": rng.choice(USERS),
            "queue_id": rng.choice([5, 6]),
            "offered_at": offered.strftime("%Y-%m-%d %H:%M:%S"),
        }
        if rng.random() < 0.7:
            answered = offered + timedelta(seconds=rng.randrange(1, 30))
            record["answered_at"] = answered.strftime("%Y-%m-%d %H:%M:%S")
            record["ended_at"] = (answered + timedelta(seconds=rng.randrange(5, 500))).strftime(
                "%Y-%m-%d %H:%M:%S"
            )
        out.append(record)
    return out


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), batches=st.integers(1, 6))
def test_every_rollup_table_equals_offers_incrementally_and_after_rebuild(
    tmp_path_factory: pytest.TempPathFactory, seed: int, batches: int
) -> None:
    """Shuffled, duplicated and revised lines in random batches: each table (per queue and
    over all queues) holds exactly the GROUP BY over offers, and rebuild changes nothing."""
    rng = random.Random(seed)
    events: list[dict[str, object]] = seed_events(seed, USERS, queues=(5, 6), calls=40)
    events += [
        {k: v for k, v in e.items() if k != "queue_id"} | {"request_id": f"nq{i}"}
        for i, e in enumerate(events[:30])
        if e["type"] == "offered"
    ]  # offers without a queue
    events += _records(rng, 10)
    events += rng.sample(events, k=len(events) // 5)  # sent twice
    rng.shuffle(events)
    db = Database(tmp_path_factory.mktemp("tables") / "t.duckdb")
    try:
        cuts = sorted(rng.sample(range(1, len(events)), k=batches - 1))
        for lo, hi in zip([0, *cuts], [*cuts, len(events)], strict=True):
            ingest(db, 1, enumerate(events[lo:hi], 1))
        incremental = {table: rollup_rows(db, table) for table in ROLLUP_TABLES}
        for table in ROLLUP_TABLES:
            assert incremental[table] == grouped_offers(db, table), table
        with db.writer() as cur:
            rebuild(cur, 1)
        for table in ROLLUP_TABLES:
            assert rollup_rows(db, table) == incremental[table], table
    finally:
        db.close()


def test_migration_fills_the_rollups_over_all_queues(tmp_path: Path) -> None:
    """A database of schema 5 (rollups per queue only) gains the all-queue rollups, equal to
    the offers, when it is opened."""
    path = tmp_path / "old.duckdb"
    db = Database(path)
    ingest(db, 1, enumerate(_months_of_calls(), 1))
    with db.writer() as cur:
        for table in ("rollup_all_hour", "rollup_all_day", "rollup_all_month"):
            cur.execute(f"DROP TABLE {table}")
        cur.execute("DELETE FROM schema_version WHERE version = 6")
    db.close()
    db = Database(path)
    try:
        for table in ("rollup_all_hour", "rollup_all_day", "rollup_all_month"):
            assert rollup_rows(db, table) == grouped_offers(db, table) != []
    finally:
        db.close()
