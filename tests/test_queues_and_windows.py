"""Queue resolution, filters, windows and buckets (SPEC 3.1 queue rule, 4.1, 4.3)."""

from __future__ import annotations

import pytest

from acdstats.storage.db import Database
from tests.scenario import ev, load, per_user, statistics

QUEUE_EVENTS = [
    # r1: own queue_id on the offer wins over the enqueued one.
    ev("enqueued", "09:00:00", r="r1", q=5),
    ev("offered", "09:00:01", r="r1", u=7, q=9),
    ev("unanswered", "09:00:05", r="r1", u=7),
    # r2: latest enqueued at or before the offer (6), not the later one (7).
    ev("enqueued", "09:10:00", r="r2", q=5),
    ev("enqueued", "09:10:05", r="r2", q=6),
    ev("offered", "09:10:05", r="r2", u=7),
    ev("enqueued", "09:10:30", r="r2", q=7),
    ev("unanswered", "09:10:20", r="r2", u=7),
    # r3: offered before any enqueued: the earliest enqueued (8).
    ev("offered", "09:20:00", r="r3", u=7),
    ev("enqueued", "09:20:01", r="r3", q=8),
    ev("enqueued", "09:20:02", r="r3", q=5),
    ev("unanswered", "09:20:05", r="r3", u=7),
    # r4: no enqueued at all: no queue, counts only without a queue filter.
    ev("offered", "09:30:00", r="r4", u=7),
    ev("unanswered", "09:30:05", r="r4", u=7),
]


@pytest.mark.parametrize(
    "queues, unanswered",
    [
        ("all", 4),
        ("9", 1),
        ("5", None),
        ("6", 1),
        ("7", None),
        ("8", 1),
        ("5;6;7;8;9", 3),
        ("99", None),
    ],
)
def test_queue_of_an_offer(db: Database, queues: str, unanswered: int | None) -> None:
    load(db, QUEUE_EVENTS)
    answer = per_user(db, report="UAC", acd_queue_id=queues)
    assert answer == ({} if unanswered is None else {7: {"UAC": unanswered}})


EDGE_EVENTS = [
    ev("offered", "2026-03-01 23:59:59.999", r="a", u=7, q=5),
    ev("unanswered", "2026-03-02 00:00:10", r="a", u=7),
    ev("offered", "00:00:00", r="b", u=7, q=5),
    ev("unanswered", "00:00:10", r="b", u=7),
    ev("offered", "23:59:59.999", r="c", u=8, q=5),
    ev("unanswered", "2026-03-03 00:00:05", r="c", u=8),
    ev("offered", "2026-03-03 00:00:00", r="d", u=8, q=5),
    ev("unanswered", "2026-03-03 00:00:05", r="d", u=8),
]


def test_window_is_inclusive_start_exclusive_end(db: Database) -> None:
    load(db, EDGE_EVENTS)
    assert per_user(db, report="UAC") == {7: {"UAC": 1}, 8: {"UAC": 1}}
    one_ms = per_user(
        db, report="UAC", from_date="2026-03-01 23:59:59", to_date="2026-03-02 00:00:01"
    )
    assert one_ms == {7: {"UAC": 2}}


def test_day_buckets_by_offered_at(db: Database) -> None:
    load(db, EDGE_EVENTS)
    answer = statistics(
        db,
        report="UAC",
        aggregation="day",
        from_date="2026-03-01 00:00:00",
        to_date="2026-03-04 00:00:00",
        group="aggregation",
    )
    assert answer == [
        {"date": "2026-03-01", "statistics": [{"user_id": "7", "UAC": 1}]},
        {
            "date": "2026-03-02",
            "statistics": [
                {"user_id": "7", "UAC": 1},
                {"user_id": "8", "UAC": 1},
            ],
        },
        {"date": "2026-03-03", "statistics": [{"user_id": "8", "UAC": 1}]},
    ]


@pytest.mark.parametrize("aggregation", ["day", "hour", "hour_of_day", "none"])
@pytest.mark.parametrize("group", ["user", "aggregation"])
def test_nothing_is_an_empty_list_in_every_shape(
    db: Database, aggregation: str, group: str
) -> None:
    load(db, EDGE_EVENTS)
    assert statistics(db, aggregation=aggregation, group=group, user_id="1;2;3") == []
    assert statistics(db, aggregation=aggregation, group=group, acd_queue_id="6") == []
    assert (
        statistics(
            db,
            aggregation=aggregation,
            group=group,
            from_date="2020-01-01 00:00:00",
            to_date="2020-01-02 00:00:00",
        )
        == []
    )


def test_user_filter_and_ids_without_data(db: Database) -> None:
    load(db, EDGE_EVENTS)
    assert per_user(db, report="UAC", user_id="8;12345") == {8: {"UAC": 1}}


def test_hour_shapes_and_order(db: Database) -> None:
    load(
        db,
        [
            ev("offered", "13:10:00", r="a", u=9, q=5),
            ev("unanswered", "13:10:01", r="a", u=9),
            ev("offered", "09:10:00", r="b", u=9, q=5),
            ev("unanswered", "09:10:01", r="b", u=9),
            ev("offered", "09:59:59.999", r="c", u=3, q=5),
            ev("unanswered", "10:00:01", r="c", u=3),
        ],
    )
    by_user = statistics(db, report="UAC", aggregation="hour")
    assert by_user == [
        {"user_id": "3", "statistics": [{"date": "2026-03-02", "hour": 9, "UAC": 1}]},
        {
            "user_id": "9",
            "statistics": [
                {"date": "2026-03-02", "hour": 9, "UAC": 1},
                {"date": "2026-03-02", "hour": 13, "UAC": 1},
            ],
        },
    ]
    by_time = statistics(db, report="UAC", aggregation="hour_of_day", group="aggregation")
    assert by_time == [
        {"hour": 9, "statistics": [{"user_id": "3", "UAC": 1}, {"user_id": "9", "UAC": 1}]},
        {"hour": 13, "statistics": [{"user_id": "9", "UAC": 1}]},
    ]
    by_time_hour = statistics(db, report="UAC", aggregation="hour", group="aggregation")
    assert [(g["date"], g["hour"]) for g in by_time_hour] == [("2026-03-02", 9), ("2026-03-02", 13)]


def test_report_names_repeat_and_mix_and_long_names(db: Database) -> None:
    load(db, EDGE_EVENTS)
    answer = statistics(db, report="uac;UnansweredCalls;tdt;AC", user_id="7", abbreviation="FALSE")
    assert answer == [
        {
            "user_id": "7",
            "statistics": [{"UnansweredCalls": 1, "TotalDialingTime": 0, "AnsweredCalls": 0}],
        }
    ]
