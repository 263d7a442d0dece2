"""Invariants of the simulator, checked on its output events alone (never on its internals)."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

import numpy as np
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acdstats.simulate import SimulationConfig, simulate, simulate_days
from acdstats.simulate.daylog import STATUS, STATUS_NAMES
from acdstats.simulate.engine import _Day
from acdstats.simulate.render import iter_dicts, to_jsonl
from acdstats.simulate.roster import Shift, build_roster
from tests.reference_validation import Event, parse_record

# A calm center, and an overloaded one that exercises every path: long queues, a full queue,
# missed offers and re-offers, callers who give up while waiting and while it rings.
CALM = SimulationConfig(operators=14, queues=3, days=3, seed=7, start_date=date(2026, 3, 1))
STRESSED = SimulationConfig(
    operators=6,
    queues=2,
    days=2,
    seed=3,
    calls_per_day=450,
    queue_capacity=3,
    miss_rate=0.3,
    patience_median_s=40,
    start_date=date(2026, 3, 2),
    id_prefix="s.",
)
CONFIGS = {"calm": CALM, "stressed": STRESSED}
END_TYPES = ("hangup", "abandoned", "rejected")


def utc_day(ms: int) -> date:
    return datetime.fromtimestamp(ms // 1000, tz=UTC).date()


@cache
def events_of(name: str) -> list[Event]:
    """The config's events, each validated by the ingest parser."""
    return [parse_record(raw, 1) for raw in simulate(CONFIGS[name])]  # type: ignore[misc]


@dataclass
class Call:
    request_id: str
    user_id: int
    offered: int
    answered: int | None = None
    closed: int | None = None  # answered, or the end of ringing without answer
    hangup: int | None = None


@dataclass
class Journey:
    events: list[Event] = field(default_factory=list)
    offers: list[Call] = field(default_factory=list)


def journeys(events: list[Event]) -> dict[str, Journey]:
    """Replay each request: pair every offered with the event that closes it."""
    out: dict[str, Journey] = defaultdict(Journey)
    for e in events:
        if e.request_id is None:
            continue
        j = out[e.request_id]
        j.events.append(e)
        ringing = [o for o in j.offers if o.closed is None]
        if e.type == "offered":
            assert not ringing, f"{e.request_id}: offered while another offer rings"
            assert e.user_id is not None
            j.offers.append(Call(e.request_id, e.user_id, e.at))
        elif e.type in ("answered", "unanswered"):
            assert [o.user_id for o in ringing] == [e.user_id], f"{e}: closes no ringing offer"
            ringing[0].closed = e.at
            if e.type == "answered":
                ringing[0].answered = e.at
        elif e.type == "hangup":
            talking = [o for o in j.offers if o.answered is not None and o.hangup is None]
            assert [o.user_id for o in talking] == [e.user_id]
            talking[0].hangup = e.at
        if e.type in END_TYPES:
            assert not ringing, f"{e.request_id}: ends with an offer still ringing"
    return out


@pytest.mark.parametrize("name", CONFIGS)
def test_events_parse_and_come_in_time_order(name: str) -> None:
    events = events_of(name)
    assert len(events) > 1000
    times = [e.at for e in events]
    assert times == sorted(times)
    days = {CONFIGS[name].day(i) for i in range(CONFIGS[name].days)}
    assert {utc_day(e.at) for e in events} <= days


@pytest.mark.parametrize("name", CONFIGS)
def test_every_request_ends_exactly_one_way(name: str) -> None:
    ways = check_endings(events_of(name))
    assert all(ways[t] > 0 for t in END_TYPES), ways


def check_endings(events: list[Event]) -> Counter[str]:
    """Each request: enqueued first, then exactly one end, last; every offer closed."""
    ways: Counter[str] = Counter()
    for rid, j in journeys(events).items():
        types = [e.type for e in j.events]
        assert types[0] == "enqueued" and types.count("enqueued") == 1, rid
        ends = [t for t in types if t in END_TYPES]
        assert len(ends) == 1 and types[-1] == ends[0], f"{rid}: {types}"
        answered = [o for o in j.offers if o.answered is not None]
        if ends[0] == "hangup":
            assert len(answered) == 1 and answered[0].hangup == j.events[-1].at, rid
        elif ends[0] == "abandoned":
            assert not answered, rid
        else:
            assert not j.offers, f"{rid}: rejected after an offer"
        assert all(o.closed is not None for o in j.offers), f"{rid}: offer never closed"
        ways[ends[0]] += 1
    return ways


@pytest.mark.parametrize("name", CONFIGS)
def test_operator_is_never_offered_while_busy(name: str) -> None:
    check_never_double_booked(events_of(name))


def check_never_double_booked(events: list[Event]) -> None:
    """Per operator, offers and calls never overlap: a new offer comes only after the last
    one stopped ringing unanswered, or after the last call and its after-call work."""
    calls = [o for j in journeys(events).values() for o in j.offers]
    status_times: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for e in events:
        if e.type == "status":
            assert e.user_id is not None and e.status is not None
            status_times[e.user_id].append((e.at, e.status))
    by_user: dict[int, list[Call]] = defaultdict(list)
    for c in calls:
        by_user[c.user_id].append(c)
    for user, offers in by_user.items():
        offers.sort(key=lambda c: c.offered)
        for before, after in zip(offers, offers[1:], strict=False):
            assert before.closed is not None
            busy_until = before.closed if before.hangup is None else before.hangup
            assert after.offered >= busy_until, f"{user}: offered while on a call"
            if before.hangup is not None:  # and after the ACW that followed
                nxt = next(t for t, s in status_times[user] if t > before.hangup)
                assert after.offered >= nxt
    # And at every offer the operator's latest status is READY.
    for c in calls:
        latest = [s for t, s in status_times[c.user_id] if t <= c.offered]
        assert latest and latest[-1] == "READY", f"{c}: status {latest[-1:]}"


@pytest.mark.parametrize("name", CONFIGS)
def test_statuses_agree_with_calls(name: str) -> None:
    per_user = check_statuses(events_of(name))
    assert any("DND" in seq for seq in per_user.values())


def check_statuses(events: list[Event]) -> dict[int, list[str]]:
    """IN_SERVICE at each answer, AFTER_SERVICE at each hangup, shifts READY..OFFLINE."""
    status_at = {(e.user_id, e.at, e.status) for e in events if e.type == "status"}
    answers = [e for e in events if e.type == "answered"]
    hangups = [e for e in events if e.type == "hangup"]
    for e in answers:
        assert (e.user_id, e.at, "IN_SERVICE") in status_at, e
    for e in hangups:
        assert (e.user_id, e.at, "AFTER_SERVICE") in status_at, e
    in_service = [s for s in status_at if s[2] == "IN_SERVICE"]
    after = [s for s in status_at if s[2] == "AFTER_SERVICE"]
    assert len(in_service) == len(answers) and len(after) == len(hangups)
    stamps = [(e.user_id, e.at) for e in events if e.type == "status"]
    assert len(set(stamps)) == len(stamps), "two statuses of one operator in the same ms"
    per_user: dict[int, list[str]] = defaultdict(list)
    last_day: dict[int, date] = {}
    for e in events:
        if e.type != "status":
            continue
        assert e.user_id is not None and e.status is not None
        seq = per_user[e.user_id]
        day = utc_day(e.at)
        if last_day.get(e.user_id) != day:  # a new shift starts READY after being OFFLINE
            assert not seq or seq[-1] == "OFFLINE", (e.user_id, seq[-3:])
            assert e.status == "READY"
            last_day[e.user_id] = day
        else:
            assert seq[-1] != e.status, f"{e.user_id}: {e.status} repeated"
            allowed = NEXT_STATUS[seq[-1]]
            assert e.status in allowed, f"{e.user_id}: {seq[-1]} -> {e.status}"
        seq.append(e.status)
    assert all(seq[-1] == "OFFLINE" for seq in per_user.values())
    return per_user


# How a shift moves between statuses (a call: IN_SERVICE at answer, AFTER_SERVICE at hangup,
# then READY, or DND for a break that came due, or OFFLINE at the end of the shift).
NEXT_STATUS = {
    "READY": {"IN_SERVICE", "DND", "OFFLINE"},
    "IN_SERVICE": {"AFTER_SERVICE"},
    "AFTER_SERVICE": {"READY", "DND", "OFFLINE"},
    "DND": {"READY", "OFFLINE"},
    "OFFLINE": set(),
}


def test_rings_time_out_and_are_offered_to_the_next_operator() -> None:
    timeout = int(STRESSED.ring_timeout_s * 1000)
    reoffered = 0
    for j in journeys(events_of("stressed")).values():
        ended = {e.at for e in j.events if e.type == "abandoned"}
        for o in j.offers:
            assert o.closed is not None
            if o.answered is None and o.closed not in ended:  # rang out: exactly the timeout
                assert o.closed - o.offered == timeout
            else:
                assert o.closed - o.offered < timeout
        users = [o.user_id for o in j.offers]
        reoffered += len(users) > 1 and users[0] != users[1]
    assert reoffered > 10


def test_simulated_durations_follow_the_config() -> None:
    """Talk times of queue 1 are lognormal with the configured median (factor 1.0)."""
    talk = []
    for j in journeys(events_of("calm")).values():
        queue = j.events[0].queue_id
        talk += [o.hangup - o.answered for o in j.offers if o.hangup and o.answered and queue == 1]
    assert len(talk) > 300
    median_s = statistics.median(talk) / 1000
    assert abs(median_s - CALM.talk_median_s) < 0.1 * CALM.talk_median_s
    assert min(talk) >= 3000 and max(talk) <= 3_600_000


def test_weekdays_are_busier_than_sundays() -> None:
    config = SimulationConfig(operators=20, queues=2, days=7, start_date=date(2026, 3, 2))
    per_day = [r.counts[0] for r in simulate_days(config)]  # enqueued = requests
    monday, sunday = per_day[0], per_day[6]
    assert monday > 2.5 * sunday


def test_same_seed_same_events_other_seed_other_events() -> None:
    first = list(simulate(CALM))
    assert list(simulate(CALM)) == first
    other = list(simulate(replace(CALM, seed=8)))
    assert other != first
    assert len({e["request_id"] for e in other if "request_id" in e}) > 100


def test_worker_processes_give_the_same_events() -> None:
    config = SimulationConfig(operators=8, queues=2, days=3, seed=5)
    assert list(simulate(config, workers=2)) == list(simulate(config))


def test_jsonl_has_the_same_records_as_the_dicts() -> None:
    for result in simulate_days(STRESSED):
        assert result.log is not None
        lines = to_jsonl(result.log).splitlines()
        records: list[dict[str, Any]] = list(iter_dicts(result.log))
        assert [orjson.loads(line) for line in lines] == records


def test_night_calls_are_rejected_when_nobody_is_logged_in() -> None:
    events = events_of("calm")
    night = [e for e in events if e.type == "rejected" and (e.at // 3_600_000) % 24 < 5]
    assert night
    online: set[int] = set()
    logged_in_at: dict[int, int] = {}
    for e in events:
        if e.type == "status" and e.user_id is not None:
            if e.status == "OFFLINE":
                online.discard(e.user_id)
            else:
                online.add(e.user_id)
        logged_in_at[e.at] = len(online)
    assert all(logged_in_at[e.at] == 0 for e in night)


def test_request_ids_are_unique_per_day_and_carry_the_prefix() -> None:
    ids = {e.request_id for e in events_of("stressed") if e.request_id is not None}
    enqueued = [e for e in events_of("stressed") if e.type == "enqueued"]
    assert len(ids) == len(enqueued)
    assert all(i.startswith(("s.20260302-", "s.20260303-")) for i in ids)


@pytest.mark.parametrize(
    "bad",
    [
        {"operators": 0},
        {"ring_timeout_s": 900},
        {"miss_rate": 1.0},
        {"id_prefix": 'a"b'},
        {"talk_median_s": 0},
    ],
)
def test_config_refuses_values_that_break_the_model(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        SimulationConfig(**bad)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    operators=st.integers(1, 8),
    queues=st.integers(1, 3),
    days=st.integers(1, 2),
    seed=st.integers(0, 2**32),
    calls=st.integers(0, 400),
    capacity=st.none() | st.integers(1, 5),
    miss=st.floats(0, 0.5),
    patience=st.floats(5, 120),
    breaks=st.booleans(),
)
def test_invariants_hold_for_any_small_center(
    operators: int,
    queues: int,
    days: int,
    seed: int,
    calls: int,
    capacity: int | None,
    miss: float,
    patience: float,
    breaks: bool,
) -> None:
    config = SimulationConfig(
        operators=operators,
        queues=queues,
        days=days,
        seed=seed,
        calls_per_day=calls,
        queue_capacity=capacity,
        miss_rate=miss,
        patience_median_s=patience,
        breaks=breaks,
    )
    records = list(simulate(config))
    events = [parse_record(raw, 1) for raw in records]
    assert all(isinstance(e, Event) for e in events)
    typed = [e for e in events if isinstance(e, Event)]
    assert [e.at for e in typed] == sorted(e.at for e in typed)
    check_endings(typed)
    check_never_double_booked(typed)
    check_statuses(typed)
    assert list(simulate(config)) == records


@pytest.mark.parametrize(
    ("shift", "expected"),
    [
        (Shift(0, 1000, 1000, ()), [(1000, "READY"), (1001, "OFFLINE")]),
        (
            Shift(0, 1000, 5000, ((1000, 60_000),)),
            [(1000, "READY"), (1001, "DND"), (5000, "OFFLINE")],
        ),
    ],
)
def test_status_changes_due_in_the_same_ms_are_kept_apart(
    shift: Shift, expected: list[tuple[int, str]]
) -> None:
    """SPEC 3.1 orders one operator's same-ms statuses alphabetically (OFFLINE < READY), which
    would undo the change; the engine moves the later change 1 ms instead."""
    config = SimulationConfig(operators=1, queues=1, days=1, calls_per_day=0)
    day = _Day(config, build_roster(config), 0, np.random.default_rng(0))
    day.shifts = [shift]
    rows = day.run().rows
    assert [(at, STATUS_NAMES[x]) for at, code, _, _, x in rows if code == STATUS] == expected
