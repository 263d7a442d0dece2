"""Ingest reports, validation, conflicts, offer records, CSV, and rebuild (SPEC 3)."""

from __future__ import annotations

import io
from typing import Any

import pytest

from acdstats.importers.jsonl_csv import read_csv, read_jsonl
from acdstats.services.ingest import ingest
from acdstats.storage.db import Database
from acdstats.storage.derive import rebuild
from tests.scenario import ev, load, per_user, statistics


def _count(db: Database, table: str) -> int:
    row = db.reader().execute(f"SELECT count(*) FROM {table}").fetchall()
    return int(row[0][0])


BAD_LINES = [
    (b'{"type": "offered", "request_id": "r1", "user_id": 7, "at": "2026-03-02 10:00:00"}', None),
    (b'{"type": "ringing", "request_id": "r1", "at": "2026-03-02 10:00:00"}', "unknown type"),
    (b'{"type": "offered", "request_id": "r1", "at": "2026-03-02 10:00:00"}', "'user_id'"),
    (
        b'{"type": "offered", "request_id": "r1", "user_id": 0, "at": "2026-03-02 10:00:00"}',
        "user_id",
    ),
    (
        b'{"type": "offered", "request_id": "r1", "user_id": "7a", "at": "2026-03-02 10:00:00"}',
        "user_id",
    ),
    (
        b'{"type": "answered", "request_id": "r1", "user_id": 7, "at": "2026-03-02T10:00:05"}',
        "bad at",
    ),
    (
        b'{"type": "answered", "request_id": "r1", "user_id": 7, '
        b'"at": "2026-03-02 10:00:05+01:00"}',
        "bad at",
    ),
    (b'{"type": "answered", "request_id": "r1", "user_id": 7, "at": 1772445600}', "bad at"),
    (
        b'{"type": "status", "user_id": 7, "status": "BUSY", "at": "2026-03-02 10:00:00"}',
        "bad status",
    ),
    (
        b'{"type": "hangup", "request_id": "r1", "at": "2026-03-02 10:01:00", "account_id": 2}',
        "account_id",
    ),
    (b"not json at all", "not valid JSON"),
    (b"[1, 2]", "not a JSON object"),
    (
        b'{"type": "answered", "request_id": "r1", "user_id": 7, '
        b'"at": "2026-03-02 10:00:05.1234567"}',
        "bad at",
    ),
    (b'{"type": "answered", "request_id": "r1", "user_id": 7, "at": "2026-03-02 10:00:05"}', None),
]


def test_bad_lines_are_rejected_with_line_numbers_and_good_ones_stored(db: Database) -> None:
    data = b"\n".join(line for line, _ in BAD_LINES) + b"\n"
    report = ingest(db, 1, read_jsonl(io.BytesIO(data)))
    assert report.stored == 2
    expected = [(n, reason) for n, (_, reason) in enumerate(BAD_LINES, 1) if reason]
    assert [line for line, _ in report.rejected] == [n for n, _ in expected]
    for (_, got), (_, want) in zip(report.rejected, expected, strict=True):
        assert want in got
    assert per_user(db, report="AC;SA") == {7: {"AC": 1, "SA": (5, 5, 5, 1, 5)}}


def test_conflicting_event_id_is_rejected_and_the_stored_one_kept(db: Database) -> None:
    first = [
        ev("offered", "10:00:00", r="r1", u=7, q=5, id="e1"),
        ev("answered", "10:00:03", r="r1", u=7, id="e2"),
    ]
    assert load(db, first).stored == 2
    again = [
        ev("answered", "10:00:03", r="r1", u=7, id="e2"),  # same content: duplicate
        ev("answered", "10:00:09", r="r1", u=7, id="e2"),  # same id, new content
        ev("hangup", "10:01:03", r="r1", id="e3"),
        ev("hangup", "10:01:03", r="r1", id="e3", extra="ignored"),
    ]
    report = load(db, again)
    assert (report.stored, report.duplicates) == (1, 2)
    assert len(report.rejected) == 1 and report.rejected[0][0] == 2
    assert "conflict" in report.rejected[0][1] and "e2" in report.rejected[0][1]
    assert per_user(db, report="SA;TT") == {7: {"SA": (3, 3, 3, 1, 3), "TT": (60, 60, 60, 1, 60)}}


def test_importing_twice_changes_nothing(db: Database) -> None:
    events = [
        ev("offered", "10:00:00", r="r1", u=7, q=5),
        ev("answered", "10:00:03", r="r1", u=7),
        ev("hangup", "10:01:03", r="r1"),
        ev("status", "10:01:03", u=7, s="AFTER_SERVICE"),
        ev("status", "10:01:13", u=7, s="READY"),
    ]
    load(db, events)
    before = statistics(db)
    report = load(db, events)
    assert (report.stored, report.duplicates) == (0, 5)
    assert statistics(db) == before
    assert _count(db, "request_events") == 3 and _count(db, "status_events") == 2


def test_orphans_are_stored_and_counted(db: Database) -> None:
    report = load(
        db, [ev("answered", "10:00:03", r="r1", u=7), ev("unanswered", "10:00:04", r="r1", u=8)]
    )
    assert (report.stored, report.orphaned) == (2, 2)
    # The offer arrives late: the stored answer now pairs with it.
    report = load(db, [ev("offered", "10:00:00", r="r1", u=7, q=5)])
    assert (report.stored, report.orphaned) == (1, 0)
    assert per_user(db, report="AC;SA") == {7: {"AC": 1, "SA": (3, 3, 3, 1, 3)}}


def _offer(**fields: Any) -> dict[str, Any]:
    base = {
        "type": "offer",
        "request_id": "x1",
        "queue_id": 5,
        "user_id": 7,
        "offered_at": "2026-03-02 10:00:00",
    }
    return {**base, **fields}


def test_offer_records_and_their_correction(db: Database) -> None:
    report = load(
        db,
        [
            _offer(
                answered_at="2026-03-02 10:00:04",
                ended_at="2026-03-02 10:02:04",
                acw_ended_at="2026-03-02 10:02:34.5",
            ),
            _offer(request_id="x2"),
            _offer(request_id="x3", ended_at="2026-03-02 10:00:09"),
            _offer(request_id="x4", answered_at="2026-03-02 09:59:00"),
            _offer(
                request_id="x5", answered_at="2026-03-02 10:00:01", acw_ended_at="2026-03-02 10:09"
            ),
        ],
    )
    assert report.stored == 2
    assert [line for line, _ in report.rejected] == [3, 4, 5]
    assert per_user(db, report="AC;UAC;SA;TT;ACW;HT") == {
        7: {
            "AC": 1,
            "UAC": 1,
            "SA": (4, 4, 4, 1, 4),
            "TT": (120, 120, 120, 1, 120),
            "ACW": (31, 31, 31, 1, 31),
            "HT": (151, 151, 151, 1, 151),
        }
    }
    # The same identity again replaces the record (history correction).
    load(db, [_offer(answered_at="2026-03-02 10:00:02")])
    assert per_user(db, report="AC;UAC;SA;TT") == {
        7: {"AC": 1, "UAC": 1, "SA": (2, 2, 2, 1, 2), "TT": (0, 0, 0, 0, 0)}
    }
    assert _count(db, "offer_records") == 2


def test_csv_events_and_offers(db: Database) -> None:
    data = (
        b"type,at,request_id,user_id,queue_id,status,offered_at,answered_at\n"
        b"offered,2026-03-02 10:00:00,r1,7,5,,,\n"
        b"answered,2026-03-02 10:00:06,r1,7,,,,\n"
        b"status,2026-03-02 10:00:06,,7,,IN_SERVICE,,\n"
        b"offer,,x1,8,5,,2026-03-02 11:00:00,2026-03-02 11:00:02\n"
        b"answered,2026-03-02 10:00:06,r1,seven,,,,\n"
    )
    report = ingest(db, 1, read_csv(io.BytesIO(data)))
    assert report.stored == 4
    assert report.rejected[0][0] == 6 and "user_id" in report.rejected[0][1]
    assert per_user(db, report="AC;SA") == {
        7: {"AC": 1, "SA": (6, 6, 6, 1, 6)},
        8: {"AC": 1, "SA": (2, 2, 2, 1, 2)},
    }


def test_accounts_are_isolated(db: Database) -> None:
    load(
        db,
        [ev("offered", "10:00:00", r="r1", u=7, q=5), ev("unanswered", "10:00:01", r="r1", u=7)],
        account_id=2,
    )
    load(db, [ev("offered", "10:00:00", r="r1", u=8, q=5)], account_id=1)
    assert statistics(db) == []
    assert per_user(db, report="UAC", user_id="7") == {}


@pytest.mark.parametrize("seed", range(3))
def test_rebuild_equals_incremental(db: Database, seed: int) -> None:
    import random

    rng = random.Random(seed)
    events = []
    for r in range(30):
        user = rng.choice([7, 8, 9])
        start = 36000 + r * 97
        clock = [
            f"{(start + d) // 3600:02d}:{(start + d) // 60 % 60:02d}:{(start + d) % 60:02d}"
            for d in (0, 3, 40, 41, 55)
        ]
        events += [
            ev("enqueued", clock[0], r=f"r{r}", q=rng.choice([5, 6])),
            ev("offered", clock[0], r=f"r{r}", u=user),
            ev(rng.choice(["answered", "unanswered"]), clock[1], r=f"r{r}", u=user),
            ev("hangup", clock[2], r=f"r{r}"),
            ev("status", clock[3], u=user, s="AFTER_SERVICE"),
            ev("status", clock[4], u=user, s="READY"),
        ]
    rng.shuffle(events)
    for i in range(0, len(events), 17):
        load(db, events[i : i + 17] + events[i : i + 2])
    incremental = statistics(db, aggregation="hour")
    assert incremental != []
    with db.writer() as cur:
        rebuild(cur, 1)
    assert statistics(db, aggregation="hour") == incremental


def test_parts_of_one_transaction_are_reported_apart(db: Database) -> None:
    from acdstats.services.ingest import ingest_parts

    first = [ev("offered", "10:00:00", r="r1", u=7, q=5), {"type": "nope"},
             ev("answered", "10:00:04", r="r1", u=7)]  # fmt: skip
    second = [ev("answered", "10:00:04", r="r1", u=7), None,
              ev("unanswered", "10:00:09", r="r2", u=8), {"type": "offered"}]  # fmt: skip
    a, b = ingest_parts(db, 1, [list(enumerate(first, 1)), list(enumerate(second, 1))])
    assert (a.stored, a.duplicates, a.orphaned, a.skipped) == (2, 0, 0, 0)
    assert [line for line, _ in a.rejected] == [2]
    # The second part repeats the first part's answer and has an orphan no-answer.
    assert (b.stored, b.duplicates, b.orphaned, b.skipped) == (1, 1, 1, 1)
    assert [line for line, _ in b.rejected] == [4]
    assert per_user(db, report="AC;SA") == {7: {"AC": 1, "SA": (4, 4, 4, 1, 4)}}
