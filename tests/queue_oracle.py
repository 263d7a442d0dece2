"""Reference GetACDQueueStatistics, written from SPEC 6 (with 3.1 and 4.2) and 8 alone.

Naive on purpose: each request's events are replayed one by one in the order of 3.1, queue
calls are Python objects, QL is counted by comparing every pair of calls, each call's bucket
label is computed by itself (local with `timezone`), percentiles by sorting the samples. It
reuses only the 4.2 reference's event identity and ACW rule (tests/oracle.py) and the section-8
reference's local time (tests/oracle_extensions.py). Parameters are assumed valid.
`answer(records, params)` returns the exact `{"result": [...]}` document, or the CSV bytes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tests.oracle import _acw, round_s, unique_events
from tests.oracle_extensions import _field, instant, label, zone

ITEMS = [
    ("WT", "WaitingTime"), ("SA", "SpeedOfAnswer"), ("AT", "AbandonmentTime"),
    ("TT", "TalkTime"), ("ACW", "AfterCallWork"), ("HT", "HandlingTime"),
    ("QL", "QueueLength"), ("TC", "TotalCalls"), ("AC", "AnsweredCalls"),
    ("UAC", "UnansweredCalls"), ("RC", "RejectedCalls"), ("SL", "ServiceLevel"),
    ("TWT", "TotalWaitingTime"), ("TST", "TotalSubmissionTime"),
    ("TAT", "TotalAbandonmentTime"), ("THT", "TotalHandlingTime"),
    ("TTT", "TotalTalkTime"), ("TACW", "TotalAfterCallWork"),
]  # fmt: skip
LONG = dict(ITEMS)
BY_NAME = {name.lower(): short for short, long in ITEMS for name in (short, long)}
# SPEC 3.1: the order of event types at equal times.
RANK = {"enqueued": 0, "offered": 1, "answered": 2, "unanswered": 3, "rejected": 4,
        "abandoned": 5, "hangup": 6}  # fmt: skip
_OBJECTS = ("WT", "SA", "AT", "TT", "ACW", "HT", "QL")
_TOTALS = {"TWT": "WT", "TST": "SA", "TAT": "AT", "THT": "HT", "TTT": "TT", "TACW": "ACW"}


@dataclass
class Ring:
    user: int
    offered: int
    answered: int | None = None
    ended: int | None = None


@dataclass
class QueueCall:
    queue: int
    entered: int
    wait_end: int | None = None
    outcome: str | None = None
    answer: Ring | None = None


def _order(ev: tuple[Any, ...]) -> tuple[Any, ...]:
    """SPEC 3.1: time, type, then user_id, then queue_id (absent before present)."""
    kind = ev[0]
    user = ev[3] if kind in ("offered", "answered", "unanswered", "hangup") else None
    queue = ev[3] if kind == "enqueued" else ev[4] if kind == "offered" else None
    return (ev[1], RANK[kind], user is not None, user or 0, queue is not None, queue or 0)


def _replay(events: list[tuple[Any, ...]]) -> list[QueueCall]:
    """The queue calls of one request (its events in any order)."""
    calls: list[QueueCall] = []
    rings: list[Ring] = []
    ringing: list[Ring] = []
    current: list[QueueCall] = []  # the open queue call, if any

    def end(outcome: str, at: int) -> None:
        if current:
            call = current.pop()
            call.wait_end, call.outcome = at, outcome

    for ev in sorted(events, key=_order):
        kind, at = ev[0], ev[1]
        if kind == "enqueued":
            if current and (current[0].queue, current[0].entered) == (ev[3], at):
                continue  # the same enqueued again: a repeated line
            end("moved", at)
            current.append(QueueCall(queue=ev[3], entered=at))
            calls.append(current[0])
        elif kind == "offered":
            ring = Ring(user=ev[3], offered=at)
            rings.append(ring)
            ringing.append(ring)
        elif kind in ("answered", "unanswered"):
            match = next((r for r in ringing if r.user == ev[3] and r.offered <= at), None)
            if match is None:
                continue  # orphaned: it ends no queue call either
            ringing.remove(match)
            if kind == "answered":
                match.answered = at
                if current:
                    current[0].answer = match
                    end("answered", at)
        else:  # rejected, abandoned, hangup
            ringing = []
            end("rejected" if kind == "rejected" else "abandoned", at)
            if kind == "hangup":
                for ring in rings:
                    talking = ring.answered is not None and ring.ended is None
                    if talking and (ev[3] is None or ring.user == ev[3]):
                        ring.ended = at
    return calls


@dataclass
class Sampled:
    queue: int
    entered: int
    outcome: str
    samples: dict[str, int | None]


def queue_calls(records: Sequence[Mapping[str, Any]]) -> list[Sampled]:
    """Every ended queue call of the records, with its samples (SPEC 6.1, 6.2)."""
    per_request: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    statuses: dict[int, set[tuple[int, str]]] = defaultdict(set)
    for ev in unique_events(records):
        if ev[0] == "status":
            statuses[ev[2]].add((ev[1], ev[3]))
        else:
            per_request[ev[2]].append(ev)
    ordered = {user: sorted(s) for user, s in statuses.items()}
    ended = [c for evs in per_request.values() for c in _replay(evs) if c.wait_end is not None]
    out = []
    for call in ended:
        assert call.wait_end is not None and call.outcome is not None
        wt = round_s(call.wait_end - call.entered)
        s: dict[str, int | None] = {"WT": wt, "SA": None, "TT": None, "ACW": None}
        s["AT"] = wt if call.outcome == "abandoned" else None
        ring = call.answer
        if ring is not None and ring.answered is not None:
            s["SA"] = round_s(ring.answered - ring.offered)
            if ring.ended is not None:
                s["TT"] = round_s(ring.ended - ring.answered)
                acw = _acw(ordered.get(ring.user, []), ring.ended)
                s["ACW"] = None if acw is None else round_s(acw)
        tt, acw_s = s["TT"], s["ACW"]
        s["HT"] = None if tt is None else tt + (acw_s or 0)
        # QL: 1 + the other ended calls of the queue waiting when this one entered.
        s["QL"] = 1 + sum(
            1
            for other in ended
            if other is not call
            and other.queue == call.queue
            and other.entered <= call.entered < (other.wait_end or 0)
        )
        out.append(Sampled(call.queue, call.entered, call.outcome, s))
    return out


def _item(samples: list[int], pcts: list[int]) -> dict[str, int]:
    s = sorted(samples)
    n = len(s)
    out = {"min": s[0] if s else 0, "avg": sum(s) // n if n else 0, "max": s[-1] if s else 0,
           "count": n, "sum": sum(s)}  # fmt: skip
    for p in pcts:  # SPEC 8.2: nearest rank, the 1-based position (p * n + 99) div 100
        out[f"p{p}"] = s[(p * n + 99) // 100 - 1] if n else 0
    return out


def _percent(n: int, total: int) -> int:
    return (200 * n + total) // (2 * total)


def _values(
    calls: list[Sampled], shorts: list[str], long: bool, thresholds: list[int], pcts: list[int]
) -> dict[str, Any]:
    total = len(calls)

    def of(name: str) -> list[int]:
        return [v for c in calls if (v := c.samples[name]) is not None]

    answered = [c for c in calls if c.outcome == "answered"]
    counts = {
        "AC": len(answered),
        "UAC": sum(c.outcome in ("abandoned", "moved") for c in calls),
        "RC": sum(c.outcome == "rejected" for c in calls),
    }
    out: dict[str, Any] = {}
    for short in shorts:
        name = LONG[short] if long else short
        if short in _OBJECTS:
            out[name] = _item(of(short), pcts)
        elif short == "TC":
            out[name] = total
        elif short in counts:
            out[name] = [{"count": counts[short], "percent": _percent(counts[short], total)}]
        elif short == "SL":
            levels = []
            for t in thresholds:
                n = sum(1 for c in answered if (c.samples["WT"] or 0) <= t)
                levels.append(
                    {"acceptable_waiting_time": t, "call_count": n,
                     "service_level": _percent(n, total)}
                )  # fmt: skip
            out[name] = levels
        else:
            out[name] = sum(of(_TOTALS[short]))
    return out


def answer(
    records: Sequence[Mapping[str, Any]],
    params: Mapping[str, str],
    thresholds: Sequence[int] = (20, 30, 60),
    now_ms: int | None = None,
) -> dict[str, Any] | bytes:
    """The `{"result": [...]}` of GetACDQueueStatistics, or its CSV bytes (format=csv)."""
    z = zone(params["timezone"]) if params.get("timezone") else None
    start = instant(params["from_date"], z)
    stop = instant(params["to_date"], z) if params.get("to_date") else now_ms
    assert stop is not None
    queues_param = params.get("acd_queue_id") or "all"
    queues = None if queues_param.lower() == "all" else {int(q) for q in queues_param.split(";")}
    report = params.get("report") or "all"
    shorts: list[str] = []
    for name in [s for s, _ in ITEMS] if report.lower() == "all" else report.split(";"):
        short = BY_NAME[name.strip().lower()]
        if short not in shorts:
            shorts.append(short)
    long = (params.get("abbreviation") or "true").lower() in ("false", "0")
    aggregation = params.get("aggregation") or "none"
    by_queue = (params.get("by_queue") or "false").lower() in ("true", "1")
    given = params.get("service_level")
    levels = sorted({int(t) for t in given.split(";")} if given else set(thresholds))
    pcts = sorted({int(p) for p in params["percentiles"].split(";")}) if params.get(
        "percentiles"
    ) else []  # fmt: skip
    cells: dict[tuple[Any, ...], list[Sampled]] = defaultdict(list)
    first_seen: dict[tuple[Any, ...], int] = {}
    for call in queue_calls(records):
        if not start <= call.entered < stop or (queues is not None and call.queue not in queues):
            continue
        key = label(call.entered, aggregation, z)
        first_seen[key] = min(first_seen.get(key, call.entered), call.entered)
        cells[(key, call.queue if by_queue else 0)].append(call)

    def order(cell: tuple[Any, ...]) -> Any:
        key, queue = cell
        if aggregation == "hour_of_day":
            return (key[0][1], queue)
        # Dates sort as the calendar; the two hours of a fall-back by their instants.
        return (tuple(v for _, v in key[:2]), first_seen[key], queue)

    result = []
    for bucket, queue in sorted(cells, key=order):
        element: dict[str, Any] = dict(bucket)
        if by_queue:
            element["acd_queue_id"] = queue
        element.update(_values(cells[(bucket, queue)], shorts, long, levels, pcts))
        result.append(element)
    if params.get("format") == "csv":
        return to_csv(result, aggregation, z is not None, by_queue, shorts, long, levels, pcts)
    return {"result": result}


def to_csv(
    result: list[dict[str, Any]],
    aggregation: str,
    zoned: bool,
    by_queue: bool,
    shorts: list[str],
    long: bool,
    levels: list[int],
    pcts: list[int],
) -> bytes:
    """SPEC 8.4, from the JSON answer: one line per element, columns from the request."""
    times = {"day": ["date"], "week": ["date"], "month": ["date"], "hour_of_day": ["hour"],
             "hour": ["date", "hour", *(["utc_offset"] if zoned else [])], "none": []}  # fmt: skip
    keys = [*times[aggregation], *(["acd_queue_id"] if by_queue else [])]
    header = list(keys)
    for short in shorts:
        name = LONG[short] if long else short
        if short in _OBJECTS:
            header += [f"{name}_{k}" for k in ("min", "avg", "max", "count", "sum")]
            header += [f"{name}_p{p}" for p in pcts]
        elif short in ("AC", "UAC", "RC"):
            header += [f"{name}_count", f"{name}_percent"]
        elif short == "SL":
            header += [f"{name}_{t}_{k}" for t in levels for k in ("count", "level")]
        else:
            header.append(name)
    lines: list[list[Any]] = [header]
    for element in result:
        line = [element.get(k) for k in keys]
        for short in shorts:
            v = element[LONG[short] if long else short]
            if short in _OBJECTS:
                line += list(v.values())
            elif short in ("AC", "UAC", "RC"):
                line += [v[0]["count"], v[0]["percent"]]
            elif short == "SL":
                line += [x for level in v for x in (level["call_count"], level["service_level"])]
            else:
                line.append(v)
        lines.append(line)
    return "".join(",".join(_field(v) for v in line) + "\r\n" for line in lines).encode()
