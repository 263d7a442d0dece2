"""Hypothesis strategies: random contact-center histories and GetACDOperatorStatistics queries.

A history is built as logical events with integer UTC milliseconds, then written out the way
real feeds write it: random timestamp forms (+HH:MM offsets, 0-6 fraction digits), ids as
numbers or digit strings, optional event_id, duplicated lines, shuffled, split into batches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from tests.oracle import ITEMS, to_ms

USERS = [1, 2, 3]
QUEUES = [1, 2, 3]
STATUSES = [
    "OFFLINE",
    "ONLINE",
    "READY",
    "BANNED",
    "IN_SERVICE",
    "AFTER_SERVICE",
    "TIMEOUT",
    "DND",
]
# Requests start near an hour edge and near the day edge, so offers fall on both sides.
ANCHORS = [
    to_ms("2026-03-02 10:00:00"),
    to_ms("2026-03-02 23:59:30"),
    to_ms("2026-03-03 00:00:00"),
]
WIDE_FROM = "2026-03-01 00:00:00"
WIDE_TO = "2026-03-05 00:00:00"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Record = dict[str, Any]

# Gaps between events: equal times, .500 boundaries, whole seconds and arbitrary ms.
DELTA = st.one_of(
    st.sampled_from([0, 0, 1, 499, 500, 501, 999, 1000, 1499, 1500, 2500]),
    st.builds(
        lambda s, f: s * 1000 + f,
        st.integers(0, 40),
        st.sampled_from([0, 499, 500, 501, 999]),
    ),
    st.integers(0, 90_000),
)
# Request starts: often on a whole second, so that query windows can start or end exactly on
# an offer.
START_OFFSET = st.one_of(
    st.integers(-90, 90).map(lambda s: s * 1000),
    st.integers(-90_000, 90_000),
)
# Where an operator's AFTER_SERVICE lands relative to the call's end: around both limits.
_AS_EDGES = st.sampled_from([-1001, -1000, -999, 0, 9999, 10_000, 10_001])
AS_OFFSET = st.one_of(
    _AS_EDGES,
    _AS_EDGES,
    st.sampled_from([-1500, -500, -1, 1, 500, 5000, 30_000]),
    st.integers(-2500, 12_000),
)
# Where the status that ends the ACW lands relative to the call's end: around it.
STOP_OFFSET = st.sampled_from([-1, 0, 0, 1, 499, 500, 501, 20_500])


def fmt_query(ms: int) -> str:
    """A query timestamp: UTC `YYYY-MM-DD HH:mm:ss` (ms must be whole seconds)."""
    return (_EPOCH + timedelta(milliseconds=ms)).strftime("%Y-%m-%d %H:%M:%S")


def fmt_ms(ms: int) -> str:
    """An ingest timestamp with milliseconds, UTC space form."""
    return (_EPOCH + timedelta(milliseconds=ms)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


@st.composite
def timestamp(draw: st.DrawFn, ms: int) -> str:
    """One of the many ways an ingest line may write the instant `ms`."""
    fraction_ms = ms % 1000
    # Digits that say the millisecond exactly, plus sub-millisecond noise that is truncated.
    need = (
        0
        if fraction_ms == 0
        else (1 if fraction_ms % 100 == 0 else 2 if fraction_ms % 10 == 0 else 3)
    )
    digits = draw(st.integers(need, 6))
    frac = f"{fraction_ms:03d}"[:digits] if digits <= 3 else f"{fraction_ms:03d}"
    if digits > 3:
        frac += "".join(str(draw(st.integers(0, 9))) for _ in range(digits - 3))
    tail = f".{frac}" if digits else ""
    form = draw(st.sampled_from(["space", "space", "Z", "offset"]))
    if form == "space":
        return (_EPOCH + timedelta(milliseconds=ms)).strftime("%Y-%m-%d %H:%M:%S") + tail
    offset = 0 if form == "Z" else draw(st.sampled_from([-720, -330, -60, -1, 0, 59, 180, 840]))
    local = _EPOCH + timedelta(milliseconds=ms, minutes=offset)
    if form == "Z":
        zone = "Z"
    else:
        sign = "+" if offset >= 0 else "-"
        zone = f"{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
    return local.strftime("%Y-%m-%dT%H:%M:%S") + tail + zone


@st.composite
def _request(draw: st.DrawFn, rid: str) -> list[Record]:
    """Logical events (times in ms under "at") of one request."""
    start = draw(st.sampled_from(ANCHORS)) + draw(START_OFFSET)
    events: list[Record] = []
    enqueue_times: set[int] = set()
    for _ in range(draw(st.integers(0, 2))):
        at = start + draw(st.integers(-5000, 20_000))  # may come after the first offer
        if at not in enqueue_times:
            enqueue_times.add(at)
            events.append(
                {
                    "type": "enqueued",
                    "request_id": rid,
                    "queue_id": draw(st.sampled_from(QUEUES)),
                    "at": at,
                }
            )
    now = start
    answered: list[int] = []
    user = draw(st.sampled_from(USERS))
    for _ in range(draw(st.integers(0, 3))):
        offer: Record = {"type": "offered", "request_id": rid, "user_id": user, "at": now}
        if draw(st.integers(0, 3)) == 0:
            offer["queue_id"] = draw(st.sampled_from(QUEUES))
        events.append(offer)
        outcome = draw(st.sampled_from(["answered", "answered", "unanswered", "ringing"]))
        if outcome == "answered" and user in answered:
            outcome = "unanswered"
        close = now + draw(DELTA)
        if outcome != "ringing":
            events.append({"type": outcome, "request_id": rid, "user_id": user, "at": close})
        if outcome == "answered":
            answered.append(user)
        if outcome == "unanswered" and draw(st.booleans()):
            now = close  # re-ring the same operator at the very moment of the no-answer
        else:
            now += draw(DELTA)
            user = draw(st.sampled_from(USERS))
    if draw(st.integers(0, 5)) == 0:  # an outcome that may find no ringing offer: orphaned
        who = draw(st.sampled_from(USERS))
        offered = {e["user_id"] for e in events if e["type"] == "offered"}
        # An answer only for an operator never offered: one answered call per operator.
        kind = "unanswered" if who in offered else draw(st.sampled_from(["answered", "unanswered"]))
        at = start + draw(DELTA)
        events.append({"type": kind, "request_id": rid, "user_id": who, "at": at})
    last = max([e["at"] for e in events], default=start)
    end = draw(
        st.sampled_from(
            ["none", "hangup", "hangup", "hangup_user", "hangup_user", "hangup_each"]
            + ["abandoned", "rejected"]
        )
    )
    # Mostly after everything else; sometimes in the middle of the request.
    base = last if draw(st.integers(0, 3)) else start
    if end in ("hangup", "abandoned", "rejected"):
        events.append({"type": end, "request_id": rid, "at": base + draw(DELTA)})
    elif end == "hangup_user":
        who = draw(st.sampled_from(answered or USERS))
        events.append(
            {"type": "hangup", "request_id": rid, "user_id": who, "at": base + draw(DELTA)}
        )
    elif end == "hangup_each":
        for who in answered:
            events.append(
                {"type": "hangup", "request_id": rid, "user_id": who, "at": base + draw(DELTA)}
            )
    # Status changes around each call end of the operators who answered.
    for hangup in [e for e in events if e["type"] == "hangup"]:
        for who in answered:
            if draw(st.integers(0, 3)):
                events.extend(draw(_statuses_around(who, hangup["at"])))
    return events


@st.composite
def _statuses_around(draw: st.DrawFn, who: int, end: int) -> list[Record]:
    """An operator's status changes near the end of a call: the cases of the ACW rule."""

    def status(name: str, at: int) -> Record:
        return {"type": "status", "user_id": who, "status": name, "at": at}

    out = []
    if draw(st.integers(0, 3)) == 0:  # something else first, maybe inside the 1 s tolerance
        out.append(status(draw(st.sampled_from(STATUSES)), end - draw(st.integers(0, 3000))))
    after_service = end + draw(AS_OFFSET)
    if draw(st.integers(0, 5)):
        out.append(status("AFTER_SERVICE", after_service))
    else:  # the first status after the call is something else
        out.append(status(draw(st.sampled_from(STATUSES)), after_service))
    last = after_service
    for _ in range(draw(st.integers(0, 2))):
        if draw(st.booleans()):
            last = max(last, end + draw(STOP_OFFSET))
        else:
            last += draw(DELTA)
        out.append(status(draw(st.sampled_from(STATUSES)), last))
    return out


@st.composite
def _offer_records(draw: st.DrawFn) -> list[Record]:
    """Completed-history offer records, sometimes followed by a correction of one of them."""
    records: list[Record] = []
    for i in range(draw(st.integers(0, 2))):
        at = draw(st.sampled_from(ANCHORS)) + draw(st.integers(-90_000, 90_000))
        rec: Record = {
            "type": "offer",
            "request_id": f"h{i}",
            "queue_id": draw(st.sampled_from(QUEUES)),
            "user_id": draw(st.sampled_from(USERS)),
            "offered_at": at,
        }
        for field in ("answered_at", "ended_at", "acw_ended_at"):
            if not draw(st.booleans()):
                break
            at += draw(DELTA)
            rec[field] = at
        records.append(rec)
    if records and draw(st.integers(0, 2)) == 0:
        fix = dict(draw(st.sampled_from(records)))
        for field in ("answered_at", "ended_at", "acw_ended_at"):
            fix.pop(field, None)
        if draw(st.booleans()):
            fix["answered_at"] = fix["offered_at"] + draw(DELTA)
        records.append(fix)
    return records


@dataclass
class History:
    """One account's lines in arrival order, split into ingest batches."""

    batches: list[list[Record]]
    offer_times: list[int]  # ms of every offer, for windows whose edges hit them

    @property
    def lines(self) -> list[Record]:
        return [line for batch in self.batches for line in batch]


def _written(draw: st.DrawFn, logical: Record, account_id: int) -> Record:
    """A logical record as an ingest line: rendered times, ids as numbers or digit strings."""
    line: Record = {}
    for key, value in logical.items():
        if key in ("at", "offered_at", "answered_at", "ended_at", "acw_ended_at"):
            line[key] = draw(timestamp(value))
        elif key in ("user_id", "queue_id") and draw(st.integers(0, 3)) == 0:
            line[key] = str(value)
        else:
            line[key] = value
    if draw(st.integers(0, 4)) == 0:
        line["account_id"] = account_id
    return line


@st.composite
def history(draw: st.DrawFn, account_id: int = 1, max_requests: int = 4) -> History:
    logical: list[Record] = []
    for r in range(draw(st.integers(0, max_requests))):
        logical.extend(draw(_request(f"r{r}")))
    for _ in range(draw(st.integers(0, 2))):  # status changes unrelated to any call
        at = draw(st.sampled_from(ANCHORS)) + draw(st.integers(-60_000, 60_000))
        status = draw(st.sampled_from(STATUSES))
        logical.append(
            {"type": "status", "user_id": draw(st.sampled_from(USERS)), "status": status, "at": at}
        )
    return draw(_written_history(logical, draw(_offer_records()), account_id))


def _identity(ev: Record) -> tuple[Any, ...]:
    """Equal for events that are one event, and for two rings of one operator at one instant.

    SPEC does not say how two `offered` of the same pair at the same millisecond (differing
    only in queue_id or event_id) pair with their outcomes, so histories never contain them.
    """
    if ev["type"] == "offered":
        return ("offered", ev["request_id"], ev["user_id"], ev["at"])
    return tuple(sorted((k, v) for k, v in ev.items() if k != "event_id"))


@st.composite
def _written_history(
    draw: st.DrawFn, logical: list[Record], records: list[Record], account_id: int
) -> History:
    """Logical events and offer records as ingest lines: ids, duplicates, order, batches."""
    seen: set[tuple[Any, ...]] = set()
    events: list[Record] = []
    for ev in logical:
        if _identity(ev) not in seen:
            seen.add(_identity(ev))
            events.append(ev)
    for n, ev in enumerate(events):
        if draw(st.booleans()):
            ev["event_id"] = f"e{n}"
    lines = [_written(draw, ev, account_id) for ev in events]
    lines += [_written(draw, rec, account_id) for rec in records]
    # Duplicates: the same event again, written differently (same instant, same ids).
    for ev in events:
        if draw(st.integers(0, 5)) == 0:
            lines.append(_written(draw, ev, account_id))
    # Rarely, a conflicting reuse of an event_id: whichever arrives second is rejected.
    with_id = [ev for ev in events if "event_id" in ev]
    if with_id and draw(st.integers(0, 9)) == 0:
        clash = dict(draw(st.sampled_from(with_id)))
        clash["at"] += 1000
        if _identity(clash) not in seen:
            lines.append(_written(draw, clash, account_id))
    order = draw(st.permutations(range(len(lines))))
    shuffled = [lines[i] for i in order]
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(shuffled) - 1)), max_size=2)))
    bounds = [0, *[c for c in cuts if c < len(shuffled)], len(shuffled)]
    batches = [shuffled[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
    offer_times = [e["at"] for e in events if e["type"] == "offered"]
    offer_times += [r["offered_at"] for r in records]
    return History(batches, offer_times)


@st.composite
def _acw_statuses(draw: st.DrawFn, who: int, end: int) -> list[Record]:
    """Status changes of a call's operator that hit each edge of the ACW rule often."""

    def status(name: str, at: int) -> Record:
        return {"type": "status", "user_id": who, "status": name, "at": at}

    others = [s for s in STATUSES if s != "AFTER_SERVICE"]
    out = []
    if draw(st.integers(0, 4)) == 0:
        out.append(status(draw(st.sampled_from(STATUSES)), end - draw(st.integers(0, 2000))))
    first = end + draw(st.one_of(_AS_EDGES, _AS_EDGES, _AS_EDGES, st.integers(-1500, 11_000)))
    out.append(status("AFTER_SERVICE" if draw(st.integers(0, 4)) else "READY", first))
    if draw(st.integers(0, 3)) == 0:  # AFTER_SERVICE repeated: still the same ACW
        first += draw(DELTA)
        out.append(status("AFTER_SERVICE", first))
    if draw(st.integers(0, 4)):
        stop = max(first, end + draw(STOP_OFFSET)) if draw(st.booleans()) else first + draw(DELTA)
        out.append(status(draw(st.sampled_from(others)), stop))
    return out


@st.composite
def acw_history(draw: st.DrawFn) -> History:
    """A few answered calls with status changes packed around the edges of the ACW rule."""
    logical: list[Record] = []
    offered = ANCHORS[0] + draw(st.integers(0, 999))
    for n in range(draw(st.integers(1, 3))):
        rid, user = f"a{n}", draw(st.sampled_from(USERS[:2]))
        answered = offered + draw(DELTA)
        end = answered + draw(DELTA)
        logical += [
            {"type": "offered", "request_id": rid, "user_id": user, "queue_id": 1, "at": offered},
            {"type": "answered", "request_id": rid, "user_id": user, "at": answered},
            {"type": "hangup", "request_id": rid, "at": end},
        ]
        if draw(st.booleans()):
            logical[-1]["user_id"] = user
        logical += draw(_acw_statuses(user, end))
        offered = end + draw(st.sampled_from([0, 500, 5000, 60_000]))  # next call: maybe at once
    return draw(_written_history(logical, [], 1))


def _name_list(draw: st.DrawFn, names: list[str]) -> str:
    picked = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4))
    return ";".join(picked)


@st.composite
def query(draw: st.DrawFn, offer_times: list[int]) -> dict[str, str]:
    """Valid GetACDOperatorStatistics parameters, as strings, some windows edged on offers."""
    params: dict[str, str] = {}
    edges = sorted(
        {t - t % 1000 for t in offer_times} | set(ANCHORS) | {a + 3_600_000 for a in ANCHORS}
    )
    if draw(st.booleans()) or len(edges) < 2:
        params["from_date"] = WIDE_FROM
        if draw(st.booleans()):
            params["to_date"] = WIDE_TO  # else "now", long after every event
    else:
        low, high = sorted(
            draw(st.lists(st.sampled_from(edges), min_size=2, max_size=2, unique=True))
        )
        params["from_date"] = fmt_query(low)
        params["to_date"] = fmt_query(high)
    params["user_id"] = draw(
        st.one_of(
            st.just("all"),
            st.builds(
                lambda ids: ";".join(map(str, ids)),
                st.lists(st.sampled_from([*USERS, 4, 99]), min_size=1, max_size=3),
            ),
        )
    )
    queue = draw(st.sampled_from(["absent", "all", "list"]))
    if queue == "all":
        params["acd_queue_id"] = "all"
    elif queue == "list":
        ids = draw(st.lists(st.sampled_from([*QUEUES, 77]), min_size=1, max_size=3))
        params["acd_queue_id"] = ";".join(map(str, ids))
    for name, values in (
        ("aggregation", ["none", "day", "hour", "hour_of_day"]),
        ("group", ["user", "aggregation"]),
        ("abbreviation", ["true", "false", "True", "FALSE", "1", "0"]),
    ):
        if draw(st.booleans()):
            params[name] = draw(st.sampled_from(values))
    report = draw(st.sampled_from(["absent", "all", "ALL", "list", "list"]))
    if report == "list":
        names = [n for pair in ITEMS for n in pair]
        names += [n.lower() for n in names] + [n.upper() for n in names]
        params["report"] = _name_list(draw, names)
    elif report != "absent":
        params["report"] = report
    return params
