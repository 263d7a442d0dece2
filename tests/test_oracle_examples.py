"""The reference oracle reproduces every worked example of shared/examples exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES
from tests.oracle import answer, to_ms

CASES = sorted(p for p in EXAMPLES.iterdir() if p.is_dir()) if EXAMPLES.is_dir() else []


def _records(example: Path) -> list[dict[str, Any]]:
    lines = (example / "events.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.parametrize("example", CASES, ids=lambda p: p.name)
def test_oracle_matches_example(example: Path) -> None:
    params = json.loads((example / "query.json").read_text())
    expected = json.loads((example / "expected.json").read_text())
    got = answer(_records(example), params)
    # Key order too: the examples fix it, and a client may print it.
    assert json.dumps(got) == json.dumps(expected)


def test_all_examples_checked() -> None:
    assert len(CASES) == 8


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("1970-01-01 00:00:00", 0),
        ("1970-01-01 00:00:01.9999", 1999),
        ("1970-01-01T00:00:00.000999Z", 0),
        ("1970-01-01T03:00:01.5+03:00", 1500),
        ("1969-12-31T23:30:00-00:30", 0),
        ("2026-03-02 10:00:00.4", to_ms("2026-03-02T10:00:00.400Z")),
    ],
)
def test_timestamp_forms(text: str, ms: int) -> None:
    assert to_ms(text) == ms


# Rules the examples do not show, checked on the oracle by hand.
WIDE = {"from_date": "2026-03-01 00:00:00", "to_date": "2026-03-05 00:00:00", "user_id": "all"}


def _ev(kind: str, at: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "at": f"2026-03-02 {at}", **fields}


def _cell(records: list[dict[str, Any]], **params: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = answer(records, {**WIDE, **params})["result"]
    return result


def test_queue_falls_back_to_the_earliest_enqueued_after_the_offer() -> None:
    records = [
        _ev("offered", "10:00:00", request_id="r", user_id=7),
        _ev("enqueued", "10:00:05", request_id="r", queue_id=6),
        _ev("enqueued", "10:00:09", request_id="r", queue_id=5),
        _ev("unanswered", "10:00:10", request_id="r", user_id=7),
    ]
    assert _cell(records, acd_queue_id="5") == []
    assert _cell(records, acd_queue_id="6", report="UAC") == [
        {"user_id": "7", "statistics": [{"UAC": 1}]}
    ]


def test_offer_without_any_queue_counts_only_without_a_queue_filter() -> None:
    records = [
        _ev("offered", "10:00:00", request_id="r", user_id=7),
        _ev("abandoned", "10:00:03", request_id="r"),
    ]
    assert _cell(records, report="UAC") == [{"user_id": "7", "statistics": [{"UAC": 1}]}]
    assert _cell(records, acd_queue_id="all", report="UAC") == _cell(records, report="UAC")
    assert _cell(records, acd_queue_id="1;2") == []


def test_hangup_with_user_ends_only_that_call() -> None:
    records = [
        _ev("offered", "10:00:00", request_id="r", user_id=7, queue_id=1),
        _ev("answered", "10:00:02", request_id="r", user_id=7),
        _ev("offered", "10:01:00", request_id="r", user_id=8, queue_id=1),
        _ev("answered", "10:01:01", request_id="r", user_id=8),
        _ev("hangup", "10:02:00", request_id="r", user_id=7),
        _ev("hangup", "10:05:00", request_id="r"),
        _ev("hangup", "10:09:00", request_id="r"),  # nothing left to end
    ]
    got = _cell(records, report="TT", group="aggregation")
    assert got == [
        {
            "statistics": [
                {
                    "user_id": "7",
                    "TT": {"min": 118, "avg": 118, "max": 118, "count": 1, "sum": 118},
                },
                {
                    "user_id": "8",
                    "TT": {"min": 239, "avg": 239, "max": 239, "count": 1, "sum": 239},
                },
            ]
        }
    ]


def test_event_id_conflict_keeps_the_first_and_offer_records_keep_the_last() -> None:
    records = [
        _ev("offered", "10:00:00", request_id="r", user_id=7, queue_id=1, event_id="x"),
        _ev("offered", "10:00:01", request_id="r", user_id=7, queue_id=1, event_id="x"),
        _ev("answered", "10:00:04", request_id="r", user_id=7),
        {
            "type": "offer",
            "request_id": "h",
            "queue_id": 1,
            "user_id": "8",
            "offered_at": "2026-03-02 11:00:00",
        },
        {
            "type": "offer",
            "request_id": "h",
            "queue_id": 1,
            "user_id": "8",
            "offered_at": "2026-03-02T11:00:00Z",
            "answered_at": "2026-03-02 11:00:02.500",
            "ended_at": "2026-03-02 11:01:00",
            "acw_ended_at": "2026-03-02 11:01:00",
        },
    ]
    got = _cell(records, report="AC;UAC;SA;ACW")
    assert got == [
        {
            "user_id": "7",
            "statistics": [
                {
                    "AC": 1,
                    "UAC": 0,
                    "SA": {"min": 4, "avg": 4, "max": 4, "count": 1, "sum": 4},
                    "ACW": {"min": 0, "avg": 0, "max": 0, "count": 0, "sum": 0},
                }
            ],
        },
        {
            "user_id": "8",
            "statistics": [
                {
                    "AC": 1,
                    "UAC": 0,
                    "SA": {"min": 3, "avg": 3, "max": 3, "count": 1, "sum": 3},
                    # acw_ended_at == ended_at: a record's ACW of 0 s is a sample
                    "ACW": {"min": 0, "avg": 0, "max": 0, "count": 1, "sum": 0},
                }
            ],
        },
    ]
