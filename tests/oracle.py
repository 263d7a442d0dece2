"""Reference GetACDOperatorStatistics, written from SPEC 3.1, 3.2 and 4 alone.

Deliberately naive and independent of the engine (it imports nothing from acdstats): it
replays every request's events in memory and aggregates plain Python lists. Parameters are
assumed valid. `answer(records, params)` takes SPEC-shaped records in arrival order (arrival
order matters only for event_id conflicts and offer-record corrections) and returns the exact
`{"result": [...]}` document.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

# (short, long) in the order of the SPEC 4.2 table, which is the order of report=all.
ITEMS = [
    ("SA", "SpeedOfAnswer"),
    ("TT", "TalkTime"),
    ("ACW", "AfterCallWork"),
    ("HT", "HandlingTime"),
    ("TDT", "TotalDialingTime"),
    ("TTT", "TotalTalkTime"),
    ("TACW", "TotalAfterCallWork"),
    ("THT", "TotalHandlingTime"),
    ("AC", "AnsweredCalls"),
    ("UAC", "UnansweredCalls"),
]
LONG = dict(ITEMS)
BY_NAME = {name.lower(): short for short, long in ITEMS for name in (short, long)}

_SPACE = re.compile(r"(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?")
_RFC = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(Z|([+-])(\d\d):(\d\d))"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_END_RANK = 4
_RANK = {"enqueued": 0, "offered": 1, "answered": 2, "unanswered": 3}  # the rest: 4
_AS = "AFTER_SERVICE"


def to_ms(text: str) -> int:
    """UTC milliseconds since the epoch; digits below the millisecond are dropped."""
    m = _SPACE.fullmatch(text)
    offset_min = 0
    if m is None:
        m = _RFC.fullmatch(text)
        if m is None:
            raise ValueError(f"bad timestamp {text!r}")
        if m.group(8) != "Z":
            sign = 1 if m.group(9) == "+" else -1
            offset_min = sign * (int(m.group(10)) * 60 + int(m.group(11)))
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    ms = int((m.group(7) or "").ljust(3, "0")[:3])
    local = datetime(y, mo, d, h, mi, s, tzinfo=UTC)
    delta = local - _EPOCH - timedelta(minutes=offset_min)
    return (delta.days * 86400 + delta.seconds) * 1000 + ms


def _utc(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


def round_s(ms: int) -> int:
    """A sample in whole seconds, half up."""
    return (ms + 500) // 1000


def canonical(rec: Mapping[str, Any]) -> tuple[Any, ...]:
    """The identity of an event without event_id (SPEC 3.1): type, UTC ms, its own fields."""
    kind = rec["type"]
    key: tuple[Any, ...] = (kind, to_ms(rec["at"]))
    if kind == "status":
        return (*key, int(rec["user_id"]), rec["status"])
    key = (*key, str(rec["request_id"]))
    if kind == "enqueued":
        return (*key, int(rec["queue_id"]))
    if kind == "offered":
        queue = rec.get("queue_id")
        return (*key, int(rec["user_id"]), None if queue is None else int(queue))
    if kind in ("answered", "unanswered"):
        return (*key, int(rec["user_id"]))
    if kind == "hangup":
        user = rec.get("user_id")
        return (*key, None if user is None else int(user))
    return key  # abandoned, rejected


@dataclass
class Offer:
    user: int
    offered: int
    queue: int | None
    answered: int | None = None
    ended: int | None = None
    unanswered: bool = False  # closed without answer
    acw_ms: int | None = None

    @property
    def closed(self) -> bool:
        return self.unanswered or self.answered is not None


def unique_events(records: Iterable[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """Canonical events after dedup: first arrival of an event_id wins, content dedup else."""
    by_id: set[str] = set()
    by_content: set[tuple[Any, ...]] = set()
    out = []
    for rec in records:
        if rec["type"] == "offer":
            continue
        key = canonical(rec)
        if "event_id" in rec:
            if rec["event_id"] in by_id:
                continue  # a duplicate, or a conflict that is rejected
            by_id.add(rec["event_id"])
        else:
            if key in by_content:
                continue
            by_content.add(key)
        out.append(key)
    return out


def _replay(events: list[tuple[Any, ...]]) -> list[Offer]:
    """All offers of one request (its events in any order)."""
    # The last key only makes ties SPEC leaves open (two rings of one pair at one instant)
    # independent of arrival order; tests do not generate such ties.
    events = sorted(events, key=lambda e: (e[1], _RANK.get(e[0], _END_RANK), repr(e)))
    enqueued = [(e[1], e[3]) for e in events if e[0] == "enqueued"]
    offers: list[Offer] = []
    ringing: list[Offer] = []
    for ev in events:
        kind, at = ev[0], ev[1]
        if kind == "offered":
            offer = Offer(user=ev[3], offered=at, queue=ev[4])
            offers.append(offer)
            ringing.append(offer)
        elif kind in ("answered", "unanswered"):
            match = next((o for o in ringing if o.user == ev[3] and o.offered <= at), None)
            if match is None:
                continue  # orphaned
            ringing.remove(match)
            if kind == "answered":
                match.answered = at
            else:
                match.unanswered = True
        elif kind in ("hangup", "abandoned", "rejected"):
            for offer in ringing:
                offer.unanswered = True
            ringing = []
            if kind == "hangup":
                user = ev[3]
                for offer in offers:
                    talking = offer.answered is not None and offer.ended is None
                    if talking and (user is None or offer.user == user):
                        offer.ended = at
    for offer in offers:
        if offer.queue is None and enqueued:
            before = [q for t, q in sorted(enqueued) if t <= offer.offered]
            offer.queue = before[-1] if before else min(enqueued)[1]
    return offers


def _acw(statuses: list[tuple[int, str]], end: int) -> int | None:
    """ACW in ms of a call that ended at `end`, by the SPEC 4.2 rule; None if it has none."""
    first = next((i for i, (t, _) in enumerate(statuses) if t >= end - 1000), None)
    if first is None:
        return None
    t_first, status = statuses[first]
    if status != _AS or t_first > end + 10_000:
        return None
    stop = next((t for t, s in statuses[first + 1 :] if s != _AS), None)
    if stop is None or stop <= end:
        return None
    return stop - end


def derive_offers(records: Sequence[Mapping[str, Any]]) -> list[Offer]:
    """Every offer of the records (closed or not)."""
    events = unique_events(records)
    per_request: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    statuses: dict[int, set[tuple[int, str]]] = defaultdict(set)
    for ev in events:
        if ev[0] == "status":
            statuses[ev[2]].add((ev[1], ev[3]))
        else:
            per_request[ev[2]].append(ev)
    ordered = {user: sorted(s) for user, s in statuses.items()}
    offers = [o for evs in per_request.values() for o in _replay(evs)]
    for offer in offers:
        if offer.ended is not None:
            offer.acw_ms = _acw(ordered.get(offer.user, []), offer.ended)
    # Offer records: identity (request, user, offered_at); a later one replaces.
    history: dict[tuple[str, int, int], Offer] = {}
    for rec in records:
        if rec["type"] != "offer":
            continue
        times = [rec.get(f) for f in ("offered_at", "answered_at", "ended_at", "acw_ended_at")]
        offered, answered, ended, acw_end = (None if t is None else to_ms(t) for t in times)
        assert offered is not None
        offer = Offer(
            user=int(rec["user_id"]),
            offered=offered,
            queue=int(rec["queue_id"]),
            answered=answered,
            ended=ended,
            unanswered=answered is None,
            acw_ms=None if acw_end is None or ended is None else acw_end - ended,
        )
        history[(str(rec["request_id"]), offer.user, offered)] = offer
    return offers + list(history.values())


def _ids(value: str | None) -> set[int] | None:
    if value is None or value == "all":
        return None
    return {int(part) for part in value.split(";")}


def _report(value: str | None) -> list[str]:
    if value is None or value.lower() == "all":
        return [short for short, _ in ITEMS]
    shorts: list[str] = []
    for name in value.split(";"):
        short = BY_NAME[name.lower()]
        if short not in shorts:
            shorts.append(short)
    return shorts


def _item(samples: list[int]) -> dict[str, int]:
    if not samples:
        return {"min": 0, "avg": 0, "max": 0, "count": 0, "sum": 0}
    total = sum(samples)
    return {
        "min": min(samples),
        "avg": total // len(samples),
        "max": max(samples),
        "count": len(samples),
        "sum": total,
    }


def _items(offers: list[Offer], shorts: list[str], abbreviate: bool) -> dict[str, Any]:
    sa = [round_s(o.answered - o.offered) for o in offers if o.answered is not None]
    tt: list[int] = []
    acw: list[int] = []
    ht: list[int] = []
    for o in offers:
        if o.answered is not None and o.ended is not None:
            talk = round_s(o.ended - o.answered)
            after = 0 if o.acw_ms is None else round_s(o.acw_ms)
            tt.append(talk)
            ht.append(talk + after)
            if o.acw_ms is not None:
                acw.append(after)
    values: dict[str, Any] = {
        "SA": _item(sa),
        "TT": _item(tt),
        "ACW": _item(acw),
        "HT": _item(ht),
        "TDT": sum(sa),
        "TTT": sum(tt),
        "TACW": sum(acw),
        "THT": sum(ht),
        "AC": len(sa),
        "UAC": sum(1 for o in offers if o.unanswered),
    }
    return {(s if abbreviate else LONG[s]): values[s] for s in shorts}


def _bucket(offered: int, aggregation: str) -> tuple[Any, ...]:
    """The bucket key (sortable) of an offer, as the fields it shows: date and/or hour."""
    at = _utc(offered)
    day = at.date().isoformat()
    return {
        "day": (("date", day),),
        "hour": (("date", day), ("hour", at.hour)),
        "hour_of_day": (("hour", at.hour),),
        "none": (),
    }[aggregation]


def answer(
    records: Sequence[Mapping[str, Any]], params: Mapping[str, str], now: datetime | None = None
) -> dict[str, Any]:
    """The `{"result": [...]}` document of GetACDOperatorStatistics for one account's records."""
    start = to_ms(params["from_date"])
    if "to_date" in params:
        stop = to_ms(params["to_date"])
    else:
        stop = int(((now or datetime.now(UTC)) - _EPOCH).total_seconds() * 1000)
    users = _ids(params.get("user_id"))
    queues = _ids(params.get("acd_queue_id"))
    abbreviate = params.get("abbreviation", "true").lower() in ("true", "1")
    shorts = _report(params.get("report"))
    aggregation = params.get("aggregation", "none")
    group = params.get("group", "user")

    cells: dict[tuple[int, tuple[Any, ...]], list[Offer]] = defaultdict(list)
    for offer in derive_offers(records):
        if not offer.closed or not start <= offer.offered < stop:
            continue
        if users is not None and offer.user not in users:
            continue
        if queues is not None and offer.queue not in queues:
            continue
        cells[(offer.user, _bucket(offer.offered, aggregation))].append(offer)

    result: list[dict[str, Any]] = []
    if group == "user":
        for user in sorted({u for u, _ in cells}):
            stats = [
                {**dict(bucket), **_items(cells[(u, bucket)], shorts, abbreviate)}
                for u, bucket in sorted(cells)
                if u == user
            ]
            result.append({"user_id": str(user), "statistics": stats})  # SPEC 4.3
    else:
        for bucket in sorted({b for _, b in cells}):
            stats = [
                {"user_id": str(u), **_items(cells[(u, b)], shorts, abbreviate)}
                for u, b in sorted(cells, key=lambda c: c[0])
                if b == bucket
            ]
            result.append({**dict(bucket), "statistics": stats})
    return {"result": result}
