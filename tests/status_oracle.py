"""Reference GetACDOperatorStatusStatistics, written from SPEC 7 (and 3.1, 4.3, 8.1, 8.2) alone.

Deliberately naive and independent of the engine (it imports nothing from acdstats): spans
are derived by sorting each operator's events, buckets are found by walking every span minute
by minute and asking zoneinfo for the local wall time, samples are plain Python lists.
Parameters are assumed valid. `answer(events, params, now_ms)` returns the exact
`{"result": [...]}` document.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# SPEC 7.2: the order of the keys of an acd_status object.
ORDER = ["OFFLINE", "ONLINE", "READY", "BANNED", "IN_SERVICE", "AFTER_SERVICE", "TIMEOUT", "DND"]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MINUTE = 60_000
_TIME = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d:\d\d)?"
)


def to_ms(text: str) -> int:
    """UTC ms of an ingest time (`YYYY-MM-DD HH:mm:ss[.f]` or RFC 3339), truncated to the ms."""
    m = _TIME.fullmatch(text)
    assert m is not None, text
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    frac = int((m.group(7) or "").ljust(3, "0")[:3])
    offset = 0
    if m.group(8) and m.group(8) != "Z":
        sign = 1 if m.group(8)[0] == "+" else -1
        offset = sign * (int(m.group(8)[1:3]) * 60 + int(m.group(8)[4:6])) * _MINUTE
    return _ms(datetime(y, mo, d, h, mi, s, tzinfo=UTC)) + frac - offset


def _ms(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000


def _utc(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


def request_time(text: str, zone: ZoneInfo | None) -> int:
    """A request's `YYYY-MM-DD HH:mm:ss`: UTC, or local in zone (SPEC 8.1 gap and fold rules)."""
    naive = datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    if zone is None:
        return _ms(naive.replace(tzinfo=UTC))
    earlier = _ms(naive.replace(tzinfo=zone, fold=0))
    if _local(earlier, zone).replace(tzinfo=None) == naive:
        return earlier  # exists (the earlier of two, in a fold)
    # In a gap: the first instant after it, i.e. the first whose wall time is past `naive`.
    lo, hi = _ms(naive.replace(tzinfo=zone, fold=1)), earlier
    lo, hi = min(lo, hi), max(lo, hi)
    while lo < hi:
        mid = (lo + hi) // 2
        if _local(mid, zone).replace(tzinfo=None) >= naive:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _local(ms: int, zone: ZoneInfo | None) -> datetime:
    return _utc(ms).astimezone(zone) if zone is not None else _utc(ms)


def _offset_text(moment: datetime) -> str:
    offset = moment.utcoffset()
    assert offset is not None
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    text = f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
    return text + (f":{seconds % 60:02d}" if seconds % 60 else "")


def label(ms: int, aggregation: str, zone: ZoneInfo | None) -> tuple[Any, ...]:
    """The bucket of an instant: what its pieces are cut and grouped by (SPEC 7.1, 8.1)."""
    t = _local(ms, zone)
    day = t.date()
    if aggregation == "hour" or aggregation == "hour_of_day":
        return (day.isoformat(), t.hour, _offset_text(t) if zone is not None else None)
    if aggregation == "day":
        return (day.isoformat(),)
    if aggregation == "week":
        return ((day - timedelta(days=day.weekday())).isoformat(),)
    if aggregation == "month":
        return (date(day.year, day.month, 1).isoformat(),)
    return ()


def spans(events: Iterable[Mapping[str, Any]]) -> dict[int, list[tuple[str, int, int | None]]]:
    """Per operator: (status, start_ms, end_ms or None for the last) in SPEC 3.1 order."""
    per_user: dict[int, set[tuple[int, str]]] = defaultdict(set)
    for e in events:
        if e["type"] == "status":
            per_user[int(e["user_id"])].add((to_ms(e["at"]), e["status"]))
    out = {}
    for user, changes in per_user.items():
        ordered = sorted(changes)  # time, then status name: alphabetical at equal times
        out[user] = [
            (status, at, ordered[i + 1][0] if i + 1 < len(ordered) else None)
            for i, (at, status) in enumerate(ordered)
        ]
    return out


def pieces(
    start: int, end: int, aggregation: str, zone: ZoneInfo | None
) -> list[tuple[tuple[Any, ...], int]]:
    """[(bucket label, length ms)]: [start, end) cut wherever the label changes.

    Labels change only at whole minutes (true of every offset this test data meets), so
    the walk visits the minute boundaries in between.
    """
    out: list[tuple[tuple[Any, ...], int]] = []
    piece_start, current = start, label(start, aggregation, zone)
    t = (start // _MINUTE + 1) * _MINUTE
    while t < end:
        here = label(t, aggregation, zone)
        if here != current:
            out.append((current, t - piece_start))
            piece_start, current = t, here
        t += _MINUTE
    out.append((current, end - piece_start))
    return out


def _item(samples: list[int], percentiles: list[int]) -> dict[str, int]:
    ordered = sorted(samples)
    n, total = len(ordered), sum(ordered)
    item = {"min": ordered[0], "avg": total // n, "max": ordered[-1], "count": n, "sum": total}
    for p in percentiles:
        item[f"p{p}"] = ordered[(p * n + 99) // 100 - 1]
    return item


def answer(
    events: Iterable[Mapping[str, Any]],
    params: Mapping[str, str],
    now_ms: int,
    user_id_as_number: bool = False,
    status_detail_as_object: bool = False,
) -> dict[str, Any]:
    zone = ZoneInfo(params["timezone"]) if params.get("timezone") else None
    aggregation = params.get("aggregation") or "none"
    group = params.get("group") or "user"
    start = request_time(params["from_date"], zone)
    to = request_time(params["to_date"], zone) if params.get("to_date") else now_ms
    end = min(to, now_ms)  # E
    users = params.get("user_id", "all")
    wanted_users = None if users.lower() == "all" else {int(u) for u in users.split(";")}
    asked = params.get("acd_status") or "all"
    wanted = set(ORDER) if asked.strip().lower() == "all" else {
        s.strip().upper() for s in asked.split(";")
    }  # fmt: skip
    percentiles = sorted({int(p) for p in params["percentiles"].split(";")}) if params.get(
        "percentiles"
    ) else []  # fmt: skip
    # samples[user][bucket key][status] -> [seconds]; labels keep the first instant's order.
    samples: dict[int, dict[Any, dict[str, list[int]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    first_instant: dict[Any, int] = {}
    for user, user_spans in spans(events).items():
        if wanted_users is not None and user not in wanted_users:
            continue
        for status, s, e in user_spans:
            lo, hi = max(s, start), min(end if e is None else e, end)
            if status not in wanted or lo >= hi:
                continue
            at = lo
            for lab, length in pieces(lo, hi, aggregation, zone):
                key = lab[1] if aggregation == "hour_of_day" else lab
                first_instant[key] = min(first_instant.get(key, at), at)
                samples[user][key][status].append((length + 500) // 1000)
                at += length
    result: list[dict[str, Any]] = []

    def head(key: Any) -> dict[str, Any]:
        if aggregation == "hour_of_day":
            return {"hour": key}
        if aggregation == "hour":
            fields = {"date": key[0], "hour": key[1]}
            return fields | ({"utc_offset": key[2]} if zone is not None else {})
        return {"date": key[0]} if key else {}

    def detail(per_status: dict[str, list[int]]) -> Any:
        obj = {s: _item(per_status[s], percentiles) for s in ORDER if per_status.get(s)}
        return obj if status_detail_as_object else [obj]

    def uid(user: int) -> Any:
        return user if user_id_as_number else str(user)

    def by_time(key: Any) -> Any:
        return key if aggregation == "hour_of_day" else first_instant[key]

    if group == "user":
        for user in sorted(samples):
            stats = [
                {**head(k), "acd_status": detail(samples[user][k])}
                for k in sorted(samples[user], key=by_time)
            ]
            result.append({"user_id": uid(user), "statistics": stats})
    else:
        keys = sorted({k for per in samples.values() for k in per}, key=by_time)
        for k in keys:
            stats = [
                {"user_id": uid(u), "acd_status": detail(samples[u][k])}
                for u in sorted(samples)
                if k in samples[u]
            ]
            result.append({**head(k), "statistics": stats})
    return {"result": result}
