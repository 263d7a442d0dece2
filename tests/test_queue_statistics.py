"""GetACDQueueStatistics against the SPEC 6 reference (tests/queue_oracle.py) and hand tables."""

from __future__ import annotations

import json
import random
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acdstats.services.ingest import ingest_batch
from acdstats.services.methods import CallContext, call, find_method
from acdstats.services.rebuild import rebuild_account
from acdstats.storage.db import Database
from tests import queue_oracle
from tests.conftest import MORE_EXAMPLES
from tests.oracle import to_ms

METHOD = find_method("GetACDQueueStatistics")
BASE = to_ms("2026-03-02 10:59:30")  # calls on both sides of an hour edge
WINDOW = {"from_date": "2026-03-01 00:00:00", "to_date": "2026-03-05 00:00:00"}


def _at(ms: int) -> str:
    t = datetime(1970, 1, 1) + timedelta(milliseconds=ms)
    return t.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d}"


def ask(db: Database, account_id: int = 1, **params: str) -> Any:
    answer = call(METHOD, CallContext(db, account_id), {**WINDOW, **params})
    return answer.get("result", answer)


def store(db: Database, records: list[dict[str, Any]], account_id: int = 1) -> None:
    report = ingest_batch(db, account_id, list(enumerate(records, start=1)))
    assert report.rejected == []


# --- the worked examples, through the reference ---------------------------------------------

QUEUE_EXAMPLES = sorted(
    p
    for p in MORE_EXAMPLES.iterdir()
    if p.is_dir() and "GetACDQueueStatistics" in (p / "request.json").read_text()
)


@pytest.mark.parametrize("folder", QUEUE_EXAMPLES, ids=lambda p: p.name)
def test_the_reference_reproduces_the_worked_examples(folder: Path) -> None:
    records = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
    request = json.loads((folder / "request.json").read_text())
    got = queue_oracle.answer(records, request["params"], now_ms=to_ms(request["now"]))
    if (folder / "expected.csv").exists():
        assert got == (folder / "expected.csv").read_bytes()
    else:
        expected = json.loads((folder / "expected.json").read_text())
        assert json.dumps(got) == json.dumps(expected)


# --- random histories: engine == reference, in any batching, and after a rebuild ----------

_KINDS = ["enqueued", "enqueued", "offered", "offered", "answered", "unanswered", "hangup",
          "abandoned", "rejected"]  # fmt: skip
DELTA = st.one_of(st.sampled_from([0, 1, 499, 500, 1500, 20_000, 30_000]), st.integers(0, 70_000))


@st.composite
def requests(draw: st.DrawFn, n: int) -> list[dict[str, Any]]:
    t = BASE + draw(st.integers(-60_000, 60_000))
    events: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 8))):
        t += draw(DELTA)
        kind = draw(st.sampled_from(_KINDS))
        event: dict[str, Any] = {"type": kind, "request_id": f"r{n}", "at": _at(t)}
        if kind == "enqueued":
            event["queue_id"] = draw(st.sampled_from([1, 2, 3]))
        if kind in ("offered", "answered", "unanswered") or (
            kind == "hangup" and draw(st.booleans())
        ):
            event["user_id"] = draw(st.sampled_from([7, 8]))
        if kind == "offered" and draw(st.integers(0, 3)) == 0:
            event["queue_id"] = draw(st.sampled_from([1, 2, 3]))
        events.append(event)
        if kind == "hangup" and "user_id" in event and draw(st.booleans()):  # after-call work
            for status, gap in (("AFTER_SERVICE", draw(st.integers(-900, 9_000))), ("READY", 0)):
                t += max(gap, 1)
                events.append(
                    {"type": "status", "user_id": event["user_id"], "status": status,
                     "at": _at(t)}
                )  # fmt: skip
    return events


HISTORY = st.integers(1, 8).flatmap(
    lambda k: st.tuples(*(requests(n) for n in range(k))).map(lambda rs: [e for r in rs for e in r])
)
QUESTION = st.fixed_dictionaries(
    {
        "aggregation": st.sampled_from(["none", "day", "hour", "hour_of_day"]),
        "by_queue": st.sampled_from(["", "true", "false"]),
        "acd_queue_id": st.sampled_from(["", "all", "1", "2;3"]),
        "service_level": st.sampled_from(["", "1;20", "5;30;60"]),
        "from_date": st.sampled_from(["2026-03-01 00:00:00", "2026-03-02 11:00:00"]),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=HISTORY, questions=st.lists(QUESTION, min_size=1, max_size=3), seed=st.integers())
def test_answers_equal_the_reference(
    events: list[dict[str, Any]], questions: list[dict[str, str]], seed: int
) -> None:
    rng = random.Random(seed)
    arrival = events + rng.sample(events, k=len(events) // 3)  # duplicates too
    rng.shuffle(arrival)
    with tempfile.TemporaryDirectory() as folder:
        db = Database(Path(folder) / "q.duckdb")
        try:
            cut = sorted(rng.sample(range(len(arrival) + 1), k=min(3, len(arrival) + 1)))
            for lo, hi in zip([0, *cut], [*cut, len(arrival)], strict=True):
                if lo < hi:
                    store(db, arrival[lo:hi])
            store(db, events, account_id=2)  # another account's data changes nothing
            answers = []
            for q in questions:
                params = {**WINDOW, **q}
                expected = queue_oracle.answer(events, params)
                got = call(METHOD, CallContext(db, 1), params)
                assert json.dumps(got) == json.dumps(expected), params
                answers.append(got)
            rebuild_account(db, 1)
            for q, before in zip(questions, answers, strict=True):
                assert call(METHOD, CallContext(db, 1), {**WINDOW, **q}) == before
        finally:
            db.close()


# --- hand-worked tables, one rule each ------------------------------------------------------


def ev(kind: str, clock: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "at": f"2026-03-02 {clock}", **fields}


def test_fall_over_is_a_moved_call_in_the_first_queue(db: Database) -> None:
    store(db, [
        ev("enqueued", "10:00:00", request_id="f", queue_id=5),
        ev("offered", "10:00:01", request_id="f", user_id=7),
        ev("unanswered", "10:00:16", request_id="f", user_id=7),
        ev("enqueued", "10:00:21", request_id="f", queue_id=6),
        ev("offered", "10:00:30", request_id="f", user_id=8),
        ev("answered", "10:00:33", request_id="f", user_id=8),
        ev("hangup", "10:02:33", request_id="f"),
    ])  # fmt: skip
    by_queue = ask(db, by_queue="true", report="TC;AC;UAC;WT;SA;TT")
    assert [(e["acd_queue_id"], e["TC"], e["AC"][0]["count"], e["UAC"][0]["count"],
             e["WT"]["sum"], e["SA"]["sum"], e["TT"]["sum"]) for e in by_queue] == [
        (5, 1, 0, 1, 21, 0, 0),  # moved after 21 s: unanswered there
        (6, 1, 1, 0, 12, 3, 120),  # answered after 12 s of waiting, SA 3 s
    ]  # fmt: skip


def test_hangup_before_any_answer_and_an_orphaned_answer_are_abandons(db: Database) -> None:
    store(db, [
        ev("enqueued", "10:00:00", request_id="h", queue_id=5),
        ev("hangup", "10:00:07.500", request_id="h"),  # caller gone: AT 7.5 -> 8
        ev("enqueued", "10:01:00", request_id="o", queue_id=5),
        ev("answered", "10:01:04", request_id="o", user_id=7),  # rings nothing: orphaned
        ev("abandoned", "10:01:40.499", request_id="o"),  # AT 40.499 -> 40
    ])  # fmt: skip
    (answer,) = ask(db, report="TC;AC;UAC;AT;TAT;SA")
    assert answer["TC"] == 2 and answer["AC"] == [{"count": 0, "percent": 0}]
    assert answer["UAC"] == [{"count": 2, "percent": 100}]
    assert answer["AT"] == {"min": 8, "avg": 24, "max": 40, "count": 2, "sum": 48}
    assert answer["TAT"] == 48 and answer["SA"]["count"] == 0


def test_simultaneous_entries_count_each_other_and_calls_in_progress_count_nowhere(
    db: Database,
) -> None:
    store(db, [
        ev("enqueued", "10:00:00", request_id="a", queue_id=5),
        ev("enqueued", "10:00:05", request_id="b", queue_id=5),
        ev("enqueued", "10:00:05", request_id="c", queue_id=5),
        ev("enqueued", "10:00:06", request_id="open", queue_id=5),  # never ends
        ev("rejected", "10:00:10", request_id="a"),
        ev("abandoned", "10:00:20", request_id="b"),
        ev("abandoned", "10:00:20", request_id="c"),
    ])  # fmt: skip
    (answer,) = ask(db, report="TC;QL;RC")
    assert answer["TC"] == 3  # the open call counts nowhere, in no QL either
    assert answer["QL"] == {"min": 1, "avg": 2, "max": 3, "count": 3, "sum": 7}
    assert answer["RC"] == [{"count": 1, "percent": 33}]


@pytest.mark.parametrize(
    ("answered", "total", "percent", "fraction"),
    [(1, 8, 13, 0.125), (1, 3, 33, 0.3333), (2, 3, 67, 0.6667), (1, 2, 50, 0.5), (0, 1, 0, 0)],
)
def test_percents_and_service_levels_round_half_up_in_integers(
    db: Database, answered: int, total: int, percent: int, fraction: float
) -> None:
    records = []
    for n in range(total):
        r = f"c{n}"
        records.append(ev("enqueued", f"10:0{n}:00", request_id=r, queue_id=5))
        if n < answered:
            records += [ev("offered", f"10:0{n}:01", request_id=r, user_id=7),
                        ev("answered", f"10:0{n}:19.500", request_id=r, user_id=7)]  # fmt: skip
        else:
            records.append(ev("abandoned", f"10:0{n}:30", request_id=r))
    store(db, records)
    (answer,) = ask(db, report="AC;SL", service_level="19;20")
    assert answer["AC"] == [{"count": answered, "percent": percent}]
    # WT 19.5 s rounds to 20: within 20 s, not within 19
    assert answer["SL"] == [
        {"acceptable_waiting_time": 19, "call_count": 0, "service_level": 0},
        {"acceptable_waiting_time": 20, "call_count": answered, "service_level": percent},
    ]
    ctx = CallContext(db, 1, service_level_as_fraction=True)
    (as_fraction,) = call(METHOD, ctx, {**WINDOW, "report": "SL", "service_level": "20"})["result"]
    assert as_fraction["SL"][0]["service_level"] == fraction


def test_offer_records_make_no_queue_calls(db: Database) -> None:
    times = {"offered_at": "2026-03-02 10:00:00", "answered_at": "2026-03-02 10:00:05"}
    record = {"type": "offer", "request_id": "x", "queue_id": 5, "user_id": 7, **times}
    store(db, [record])
    assert ask(db) == []


def test_queue_calls_drill_down_pages_and_filters(db: Database) -> None:
    store(db, [
        ev("enqueued", "10:00:00", request_id="f", queue_id=5),
        ev("enqueued", "10:00:21", request_id="f", queue_id=6),  # f moves to queue 6
        ev("offered", "10:00:30", request_id="f", user_id=8),
        ev("answered", "10:00:33", request_id="f", user_id=8),
        ev("enqueued", "10:01:00", request_id="g", queue_id=5),
        ev("rejected", "10:01:00.400", request_id="g"),
    ])  # fmt: skip
    method = find_method("GetACDQueueCalls")

    def page(**params: str) -> Any:
        return call(method, CallContext(db, 1), {**WINDOW, **params})

    everything = page()
    assert [(r["request_id"], r["acd_queue_id"], r["outcome"], r["user_id"], r["WT"])
            for r in everything["result"]] == [
        ("f", 5, "moved", None, 21), ("f", 6, "answered", "8", 12), ("g", 5, "rejected", None, 0),
    ]  # fmt: skip
    assert (everything["total_count"], everything["count"]) == (3, 3)
    second = page(count="1", offset="1")
    assert second["result"] == everything["result"][1:2] and second["total_count"] == 3
    assert page(offset="3")["result"] == []
    assert [r["outcome"] for r in page(outcome="rejected;moved")["result"]] == ["moved", "rejected"]
    assert page(acd_queue_id="6", user_id="garbage")["total_count"] == 1  # no user_id here
    assert page(outcome="unanswered")["error"]["code"] == 101
    assert page(count="0")["error"]["code"] == 101
