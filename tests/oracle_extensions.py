"""Reference for SPEC section 8 over GetACDOperatorStatistics, written from SPEC alone.

It imports nothing from acdstats: offers come from tests/oracle.py (SPEC 3), local time from
zoneinfo over the tzdata files directly, one offer at a time. Naive on purpose: every offer's
local time and label is computed by itself, percentiles by sorting the samples.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from tests.oracle import LONG, Offer, _report, derive_offers, round_s, to_ms

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def zone(name: str) -> ZoneInfo:
    with resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).open("rb") as f:
        return ZoneInfo.from_file(f, key=name)


def instant(text: str, z: ZoneInfo | None) -> int:
    """SPEC 8.1: local wall time -> instant; a gap means the first instant after it, a
    repeated time the earlier instant."""
    if z is None:
        return to_ms(text)
    wall = datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    first = wall.replace(tzinfo=z, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=z, fold=1).astimezone(UTC)
    valid = [t for t in (first, second) if t.astimezone(z).replace(tzinfo=None) == wall]
    if valid:
        return int((min(valid) - _EPOCH).total_seconds() * 1000)
    # A gap: from the later reading (past the gap) step back one second at a time to the
    # first instant past the gap. (The earlier reading lies before the gap.)
    t = max(first, second)
    while (t - timedelta(seconds=1)).astimezone(z).replace(tzinfo=None) > wall:
        t -= timedelta(seconds=1)
    return int((t - _EPOCH).total_seconds() * 1000)


def offset_text(seconds: int) -> str:
    sign = "-" if seconds < 0 else "+"
    h, rest = divmod(abs(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{sign}{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def label(ms: int, aggregation: str, z: ZoneInfo | None) -> tuple[tuple[str, Any], ...]:
    at = (_EPOCH + timedelta(milliseconds=ms)).astimezone(z or UTC)
    day = at.date()
    offset = at.utcoffset()
    assert offset is not None
    if aggregation == "hour":
        fields: list[tuple[str, Any]] = [("date", day.isoformat()), ("hour", at.hour)]
        if z is not None:
            fields.append(("utc_offset", offset_text(int(offset.total_seconds()))))
        return tuple(fields)
    return {
        "day": (("date", day.isoformat()),),
        "week": (("date", (day - timedelta(days=day.weekday())).isoformat()),),
        "month": (("date", day.replace(day=1).isoformat()),),
        "hour_of_day": (("hour", at.hour),),
        "none": (),
    }[aggregation]


def _item(samples: list[int], percentiles: list[int]) -> dict[str, int]:
    s = sorted(samples)
    n = len(s)
    out = {"min": s[0] if s else 0, "avg": sum(s) // n if n else 0, "max": s[-1] if s else 0,
           "count": n, "sum": sum(s)}  # fmt: skip
    for p in percentiles:
        out[f"p{p}"] = s[(p * n + 99) // 100 - 1] if n else 0
    return out


def _items(offers: list[Offer], shorts: list[str], abbreviate: bool, pcts: list[int]) -> Any:
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
        "SA": _item(sa, pcts), "TT": _item(tt, pcts), "ACW": _item(acw, pcts),
        "HT": _item(ht, pcts), "TDT": sum(sa), "TTT": sum(tt), "TACW": sum(acw),
        "THT": sum(ht), "AC": len(sa), "UAC": sum(1 for o in offers if o.unanswered),
    }  # fmt: skip
    return {(s if abbreviate else LONG[s]): values[s] for s in shorts}


def answer(
    records: Sequence[Mapping[str, Any]], params: Mapping[str, str], now_ms: int
) -> dict[str, Any] | bytes:
    """GetACDOperatorStatistics with SPEC 8's parameters: the document, or the CSV bytes."""
    z = zone(params["timezone"]) if params.get("timezone") else None
    start = instant(params["from_date"], z)
    stop = instant(params["to_date"], z) if params.get("to_date") else now_ms
    users = (
        None
        if params.get("user_id", "all") == "all"
        else set(map(int, params["user_id"].split(";")))
    )
    queues = (
        None
        if params.get("acd_queue_id", "all") in ("all", "")
        else set(map(int, params["acd_queue_id"].split(";")))
    )
    abbreviate = params.get("abbreviation", "true").lower() in ("true", "1")
    shorts = _report(params.get("report"))
    aggregation = params.get("aggregation") or "none"
    group = params.get("group") or "user"
    pcts = (
        sorted({int(p) for p in params["percentiles"].split(";")})
        if params.get("percentiles")
        else []
    )
    by_queue = params.get("by_queue", "false").lower() in ("true", "1")

    cells: dict[tuple[Any, ...], list[Offer]] = defaultdict(list)
    first_seen: dict[tuple[Any, ...], int] = {}
    for offer in derive_offers(records):
        if not offer.closed or not start <= offer.offered < stop:
            continue
        if users is not None and offer.user not in users:
            continue
        if queues is not None and offer.queue not in queues:
            continue
        key = label(offer.offered, aggregation, z)
        first_seen[key] = min(first_seen.get(key, offer.offered), offer.offered)
        queue = offer.queue if by_queue else None
        cells[(offer.user, key, queue)].append(offer)

    def time_order(key: tuple[Any, ...]) -> Any:
        if aggregation == "hour_of_day":
            return key[0][1]
        # Dates sort as the calendar; the two hours of a fall-back by their instants.
        return (tuple(v for _, v in key[:2]), first_seen[key])

    def queue_order(q: int | None) -> tuple[int, int]:
        return (1, 0) if q is None else (0, q)

    def element(user: int, key: tuple[Any, ...], q: int | None, head: dict[str, Any]) -> Any:
        return {**head, **({"acd_queue_id": q} if by_queue else {}),
                **_items(cells[(user, key, q)], shorts, abbreviate, pcts)}  # fmt: skip

    result: list[dict[str, Any]] = []
    if group == "user":
        for user in sorted({u for u, _, _ in cells}):
            mine = sorted(
                ((k, q) for u, k, q in cells if u == user),
                key=lambda kq: (time_order(kq[0]), queue_order(kq[1])),
            )
            result.append(
                {
                    "user_id": str(user),
                    "statistics": [element(user, k, q, dict(k)) for k, q in mine],
                }
            )
    else:
        for key in sorted({k for _, k, _ in cells}, key=time_order):
            mine = sorted(
                ((u, q) for u, k, q in cells if k == key),
                key=lambda uq: (uq[0], queue_order(uq[1])),
            )
            result.append(
                {
                    **dict(key),
                    "statistics": [element(u, key, q, {"user_id": str(u)}) for u, q in mine],
                }
            )
    if params.get("format") == "csv":
        return to_csv(result, aggregation, z is not None, by_queue, shorts, abbreviate, pcts)
    return {"result": result}


def _field(v: Any) -> str:
    text = "" if v is None else str(v)
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def to_csv(
    result: list[dict[str, Any]],
    aggregation: str,
    zoned: bool,
    by_queue: bool,
    shorts: list[str],
    abbreviate: bool,
    pcts: list[int],
) -> bytes:
    """SPEC 8.4, from the JSON answer: one line per innermost element."""
    times = {"day": ["date"], "week": ["date"], "month": ["date"], "hour_of_day": ["hour"],
             "hour": ["date", "hour", *(["utc_offset"] if zoned else [])], "none": []}  # fmt: skip
    level = ["user_id", *times[aggregation], *(["acd_queue_id"] if by_queue else [])]
    header = list(level)
    names = [s if abbreviate else LONG[s] for s in shorts]
    objects = {"SA", "TT", "ACW", "HT"}
    for short, name in zip(shorts, names, strict=True):
        if short in objects:
            header += [f"{name}_{k}" for k in ("min", "avg", "max", "count", "sum")]
            header += [f"{name}_p{p}" for p in pcts]
        else:
            header.append(name)
    lines: list[list[Any]] = [list(header)]
    for group in result:
        for element in group["statistics"]:
            merged = {**group, **element}
            line = [merged.get(k) for k in level]
            for short, name in zip(shorts, names, strict=True):
                v = merged[name]
                line += list(v.values()) if short in objects else [v]
            lines.append(line)
    return "".join(",".join(_field(v) for v in line) + "\r\n" for line in lines).encode()
