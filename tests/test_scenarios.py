"""Scenario tables for the rules of SPEC sections 3 and 4: events in, exact numbers out.

Each row: a rule, its events, and the expected items per operator (object items are
(min, avg, max, count, sum)). Worked by hand from SPEC, independently of the engine.
"""

from __future__ import annotations

from typing import Any

import pytest

from acdstats.storage.db import Database
from tests.scenario import ev, load, per_user

Z = (0, 0, 0, 0, 0)
REPORT = "AC;UAC;SA;TT;ACW;HT"


def one(v: int) -> tuple[int, int, int, int, int]:
    return (v, v, v, 1, v)


SCENARIOS: list[tuple[str, list[dict[str, Any]], dict[int, dict[str, Any]]]] = [
    (
        "parallel ringing: the hangup ends the other operator's ringing offer unanswered",
        [
            ev("enqueued", "10:00:00", r="r1", q=5),
            ev("offered", "10:00:00", r="r1", u=7),
            ev("offered", "10:00:00", r="r1", u=8),
            ev("answered", "10:00:04", r="r1", u=7),
            ev("hangup", "10:01:04", r="r1"),
        ],
        {
            7: {"AC": 1, "UAC": 0, "SA": one(4), "TT": one(60), "ACW": Z, "HT": one(60)},
            8: {"AC": 0, "UAC": 1, "SA": Z, "TT": Z, "ACW": Z, "HT": Z},
        },
    ),
    (
        "hangup with user_id ends only that operator's call; the other is still in progress",
        [
            ev("offered", "10:00:00", r="r1", u=7, q=5),
            ev("answered", "10:00:02", r="r1", u=7),
            ev("offered", "10:00:30", r="r1", u=8, q=5),
            ev("answered", "10:00:31", r="r1", u=8),
            ev("hangup", "10:01:00", r="r1", u=7),
        ],
        {
            7: {"AC": 1, "UAC": 0, "SA": one(2), "TT": one(58), "ACW": Z, "HT": one(58)},
            8: {"AC": 1, "UAC": 0, "SA": one(1), "TT": Z, "ACW": Z, "HT": Z},
        },
    ),
    (
        "hangup without user_id ends every answered call of the request",
        [
            ev("offered", "10:00:00", r="r1", u=7, q=5),
            ev("answered", "10:00:02", r="r1", u=7),
            ev("offered", "10:00:30", r="r1", u=8, q=5),
            ev("answered", "10:00:31", r="r1", u=8),
            ev("hangup", "10:01:00", r="r1"),
        ],
        {
            7: {"AC": 1, "UAC": 0, "SA": one(2), "TT": one(58), "ACW": Z, "HT": one(58)},
            8: {"AC": 1, "UAC": 0, "SA": one(1), "TT": one(29), "ACW": Z, "HT": one(29)},
        },
    ),
    (
        "an answer with nothing ringing creates nothing (orphan)",
        [
            ev("answered", "10:00:02", r="r1", u=7),
            ev("unanswered", "10:00:03", r="r2", u=7),
            ev("hangup", "10:01:00", r="r1"),
        ],
        {},
    ),
    (
        "an answer closes the earliest ringing offer of the pair, not a later one",
        [
            ev("offered", "10:00:00", r="r1", u=7, q=5),
            ev("offered", "10:00:10", r="r1", u=7, q=5),
            ev("answered", "10:00:12", r="r1", u=7),
            ev("abandoned", "10:00:20", r="r1"),
        ],
        {7: {"AC": 1, "UAC": 1, "SA": one(12), "TT": Z, "ACW": Z, "HT": Z}},
    ),
    (
        "rejected and abandoned end every ringing offer of the request",
        [
            ev("offered", "10:00:00", r="r1", u=7, q=5),
            ev("offered", "10:00:00", r="r1", u=8, q=5),
            ev("rejected", "10:00:05", r="r1"),
            ev("offered", "11:00:00", r="r2", u=7, q=5),
            ev("abandoned", "11:00:09", r="r2"),
        ],
        {
            7: {"AC": 0, "UAC": 2, "SA": Z, "TT": Z, "ACW": Z, "HT": Z},
            8: {"AC": 0, "UAC": 1, "SA": Z, "TT": Z, "ACW": Z, "HT": Z},
        },
    ),
    (
        "each sample is rounded half up before it is summed: 2.5 -> 3, 2.499 -> 2, 0.5 -> 1",
        [
            ev("offered", "10:00:00", r="r1", u=7, q=5),
            ev("answered", "10:00:02.500", r="r1", u=7),
            ev("hangup", "10:00:03.000", r="r1"),
            ev("offered", "10:10:00", r="r2", u=7, q=5),
            ev("answered", "10:10:02.499", r="r2", u=7),
            ev("hangup", "10:10:04.999", r="r2"),
        ],
        {
            7: {
                "AC": 2,
                "UAC": 0,
                "SA": (2, 2, 3, 2, 5),
                "TT": (1, 2, 3, 2, 4),
                "ACW": Z,
                "HT": (1, 2, 3, 2, 4),
            }
        },
    ),
    (
        "times are truncated to the millisecond: .9999 is .999",
        [
            ev("offered", "10:00:00.0009", r="r1", u=7, q=5),
            ev("answered", "10:00:00.4999", r="r1", u=7),
            ev("hangup", "10:00:01.4999", r="r1"),
        ],
        {7: {"AC": 1, "UAC": 0, "SA": one(0), "TT": one(1), "ACW": Z, "HT": one(1)}},
    ),
    (
        "ACW: AFTER_SERVICE and DND at the same time: AFTER_SERVICE comes first (alphabetical)",
        [
            ev("offered", "10:00:00", r="r1", u=7, q=5),
            ev("answered", "10:00:01", r="r1", u=7),
            ev("hangup", "10:01:01", r="r1"),
            ev("status", "10:01:03", u=7, s="DND"),
            ev("status", "10:01:03", u=7, s="AFTER_SERVICE"),
        ],
        {7: {"AC": 1, "UAC": 0, "SA": one(1), "TT": one(60), "ACW": one(2), "HT": one(62)}},
    ),
    (
        "ACW: the after-call work must end after the call's end",
        [
            ev("offered", "10:00:00", r="r1", u=7, q=5),
            ev("answered", "10:00:01", r="r1", u=7),
            ev("status", "10:01:00.500", u=7, s="AFTER_SERVICE"),
            ev("status", "10:01:00.800", u=7, s="READY"),
            ev("hangup", "10:01:01", r="r1"),
        ],
        {7: {"AC": 1, "UAC": 0, "SA": one(1), "TT": one(60), "ACW": Z, "HT": one(60)}},
    ),
    (
        "ACW: AFTER_SERVICE exactly 10 s after the end still counts; repeated AFTER_SERVICE "
        "events do not end it",
        [
            ev("offered", "10:00:00", r="r1", u=7, q=5),
            ev("answered", "10:00:01", r="r1", u=7),
            ev("hangup", "10:01:01", r="r1"),
            ev("status", "10:01:11", u=7, s="AFTER_SERVICE"),
            ev("status", "10:01:20", u=7, s="AFTER_SERVICE"),
            ev("status", "10:01:31.500", u=7, s="READY"),
        ],
        {7: {"AC": 1, "UAC": 0, "SA": one(1), "TT": one(60), "ACW": one(31), "HT": one(91)}},
    ),
    (
        "ACW: a short after-call work rounds to 0 s but is still a sample",
        [
            ev("offered", "10:00:00", r="r1", u=7, q=5),
            ev("answered", "10:00:01", r="r1", u=7),
            ev("hangup", "10:01:01", r="r1"),
            ev("status", "10:01:01", u=7, s="AFTER_SERVICE"),
            ev("status", "10:01:01.400", u=7, s="READY"),
        ],
        {7: {"AC": 1, "UAC": 0, "SA": one(1), "TT": one(60), "ACW": one(0), "HT": one(60)}},
    ),
    (
        "ACW belongs to the operator: another operator's statuses do not count",
        [
            ev("offered", "10:00:00", r="r1", u=7, q=5),
            ev("answered", "10:00:01", r="r1", u=7),
            ev("hangup", "10:01:01", r="r1"),
            ev("status", "10:01:02", u=8, s="AFTER_SERVICE"),
            ev("status", "10:01:30", u=8, s="READY"),
        ],
        {7: {"AC": 1, "UAC": 0, "SA": one(1), "TT": one(60), "ACW": Z, "HT": one(60)}},
    ),
]


@pytest.mark.parametrize(
    "events, expected", [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS]
)
def test_scenario(db: Database, events: list[dict[str, Any]], expected: dict[int, Any]) -> None:
    report = load(db, events)
    assert report.rejected == []
    assert per_user(db, report=REPORT) == expected


@pytest.mark.parametrize(
    "events, expected", [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS]
)
def test_scenario_in_reverse_arrival_one_batch_per_event(
    db: Database, events: list[dict[str, Any]], expected: dict[int, Any]
) -> None:
    """Order independence: the same events arriving backwards, each in its own batch."""
    for event in reversed(events):
        load(db, [event])
    assert per_user(db, report=REPORT) == expected
