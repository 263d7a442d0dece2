"""Time zones and time buckets (SPEC 4.3 and 8.1): the one place that knows bucket edges.

Zones come from the pinned `tzdata` package, never from the host's database, so that every
machine answers alike; names are matched byte for byte against the list that tzdata ships.
Everything here is integer arithmetic on UTC epoch milliseconds; `zoneinfo` is only asked
for the UTC offset at an instant. Offsets in tzdata change at most once within any seven
days (tests/test_buckets.py holds every shipped zone to it), so a scan in steps of one day
followed by a bisection to the second finds every change exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

import tzdata

from acdstats.domain.timefmt import parse_request_time

Zone = ZoneInfo
TZDATA_VERSION: str = tzdata.__version__  # the PyPI package version, e.g. 2026.6
IANA_VERSION: str = getattr(tzdata, "IANA_VERSION", "")  # the tz database release, e.g. 2026f
AGGREGATIONS = ("day", "hour", "hour_of_day", "week", "month", "none")

_S = 1000
_HOUR = 3_600_000
_DAY = 86_400_000
_STEP_S = 86_400  # the scan step for offset changes (they are >= 7 days apart)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# Instants beyond these are asked for the offset at the nearest of them (datetime's range).
_MIN_S = int(datetime(1, 1, 3, tzinfo=UTC).timestamp())
_MAX_S = int(datetime(9999, 12, 29, tzinfo=UTC).timestamp())


@dataclass(frozen=True)
class Bucket:
    start_ms: int  # first instant, UTC epoch ms, clipped to the window start
    end_ms: int  # exclusive, clipped to the window end
    date: str | None  # local YYYY-MM-DD label (day/hour/week/month), else None
    hour: int | None  # local hour (hour, hour_of_day), else None
    utc_offset: str | None  # '+HH:MM' for aggregation=hour when a timezone is given

    @property
    def label(self) -> tuple[str | None, int | None, str | None]:
        return (self.date, self.hour, self.utc_offset)


@cache
def zone_names() -> frozenset[str]:
    """Every zone and link name of the shipped tz database."""
    text = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return frozenset(text.split())


@lru_cache(maxsize=512)
def load_zone(name: str) -> Zone | None:
    """The zone of that exact (case-sensitive) name from tzdata, or None if there is none."""
    if name not in zone_names():
        return None
    with resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).open("rb") as f:
        return ZoneInfo.from_file(f, key=name)


def offset_s(zone: Zone | None, utc_s: int) -> int:
    """The zone's UTC offset in seconds at an instant (UTC epoch seconds)."""
    if zone is None:
        return 0
    clamped = min(max(utc_s, _MIN_S), _MAX_S)
    offset = datetime.fromtimestamp(clamped, UTC).astimezone(zone).utcoffset()
    return 0 if offset is None else int(offset.total_seconds())


def transitions(zone: Zone | None, from_ms: int, to_ms: int) -> list[tuple[int, int]]:
    """[(instant_ms, offset_s after it)]: every change of UTC offset in (from_ms, to_ms)."""
    if zone is None or from_ms >= to_ms:
        return []
    first = datetime.fromtimestamp(min(max(from_ms // _S, _MIN_S), _MAX_S), UTC).year
    last = datetime.fromtimestamp(min(max(to_ms // _S, _MIN_S), _MAX_S), UTC).year
    return [
        (instant, offset)
        for year in range(first, last + 1)
        for instant, offset in _year_transitions(zone, year)
        if from_ms < instant < to_ms
    ]


@lru_cache(maxsize=4096)
def _year_transitions(zone: Zone, year: int) -> tuple[tuple[int, int], ...]:
    """The changes of offset at instants of one UTC calendar year."""
    t = int(datetime(year, 1, 1, tzinfo=UTC).timestamp()) - 1
    end = int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp()) - 1 if year < 9999 else _MAX_S
    out = []
    current = offset_s(zone, t)
    while t < end:
        n = min(t + _STEP_S, end)
        if offset_s(zone, n) == current:
            t = n
            continue
        lo, hi = t, n  # offset(lo) == current != offset(hi): the change is in (lo, hi]
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if offset_s(zone, mid) == current:
                lo = mid
            else:
                hi = mid
        current = offset_s(zone, hi)
        out.append((hi * _S, current))
        t = hi
    return tuple(out)


def segments(zone: Zone | None, from_ms: int, to_ms: int) -> list[tuple[int, int, int]]:
    """[(start_ms, end_ms, offset_ms)]: [from_ms, to_ms) cut where the UTC offset changes."""
    out = []
    start, offset = from_ms, offset_s(zone, from_ms // _S) * _S
    for instant, new_offset in transitions(zone, from_ms, to_ms):
        out.append((start, instant, offset))
        start, offset = instant, new_offset * _S
    out.append((start, to_ms, offset))
    return out


def format_offset(offset_ms: int) -> str:
    """'+HH:MM', or '+HH:MM:SS' for an offset with seconds ('+00:00' for UTC)."""
    sign = "-" if offset_ms < 0 else "+"
    seconds = abs(offset_ms) // _S
    hh, rest = divmod(seconds, 3600)
    mm, ss = divmod(rest, 60)
    return f"{sign}{hh:02d}:{mm:02d}" + (f":{ss:02d}" if ss else "")


def local_date(local_ms: int) -> date:
    return date.fromordinal(_EPOCH_ORDINAL + local_ms // _DAY)


def _day_ms(d: date) -> int:
    return (d.toordinal() - _EPOCH_ORDINAL) * _DAY


def _next_month(d: date) -> date:
    return date(d.year + 1, 1, 1) if d.month == 12 else date(d.year, d.month + 1, 1)


def _unit(local_ms: int, aggregation: str) -> tuple[int, int]:
    """(start, end) in local ms of the calendar unit that holds a local time."""
    if aggregation == "hour":
        start = local_ms // _HOUR * _HOUR
        return start, start + _HOUR
    day = local_date(local_ms)
    if aggregation == "day":
        return _day_ms(day), _day_ms(day) + _DAY
    if aggregation == "week":
        monday = day - timedelta(days=day.weekday())
        return _day_ms(monday), _day_ms(monday) + 7 * _DAY
    first = day.replace(day=1)
    if first.year == 9999 and first.month == 12:  # the last month datetime knows
        return _day_ms(first), _day_ms(first) + 31 * _DAY
    return _day_ms(first), _day_ms(_next_month(first))


def buckets(from_ms: int, to_ms: int, aggregation: str, zone: Zone | None) -> list[Bucket]:
    """Every bucket of SPEC 4.3/8.1 that intersects [from_ms, to_ms), in time order.

    A bucket is a maximal interval of instants that share the label (local date and hour,
    and the UTC offset for `hour`). `hour_of_day` gives the pieces of `hour` labelled with
    the hour only (the caller merges them by hour). Where a fall-back crosses midnight (as
    America/Goose_Bay's at 00:01 did until 2011) the local calendar goes backwards and a
    date label occurs in two buckets: the caller groups by label ("the instants whose local
    date is that day").
    """
    if from_ms >= to_ms:
        return []
    if aggregation == "none":
        return [Bucket(from_ms, to_ms, None, None, None)]
    if aggregation == "hour_of_day":
        pieces = buckets(from_ms, to_ms, "hour", zone)
        return [Bucket(b.start_ms, b.end_ms, None, b.hour, None) for b in pieces]
    out: list[Bucket] = []
    for seg_start, seg_end, offset in segments(zone, from_ms, to_ms):
        t = seg_start
        while t < seg_end:
            local = t + offset
            unit_start, unit_end = _unit(local, aggregation)
            end = min(seg_end, unit_end - offset)
            label = _label(unit_start, local, aggregation, offset, zone)
            if out and out[-1].end_ms == t and out[-1].label == label:
                last = out.pop()
                out.append(Bucket(last.start_ms, end, *label))
            else:
                out.append(Bucket(t, end, *label))
            t = end
    return out


def _label(
    unit_start: int, local_ms: int, aggregation: str, offset_ms: int, zone: Zone | None
) -> tuple[str | None, int | None, str | None]:
    day = local_date(unit_start).isoformat()
    if aggregation == "hour":
        return (day, (local_ms // _HOUR) % 24, None if zone is None else format_offset(offset_ms))
    return (day, None, None)


def local_to_utc_ms(text: str, zone: Zone) -> int:
    """The instant of a local `YYYY-MM-DD HH:mm:ss` (SPEC 8.1).

    A time in a gap means the first instant after the gap; a time that occurs twice means
    the earlier instant. Raises ValueError if the text is not a real `YYYY-MM-DD HH:mm:ss`.
    """
    wall = parse_request_time(text)
    if wall is None:
        raise ValueError(f"not a 'YYYY-MM-DD HH:mm:ss' time: {text!r}")
    return wall_to_utc_ms(wall, zone)


def wall_to_utc_ms(wall_ms: int, zone: Zone) -> int:
    """The instant of a local wall-clock time given as ms since 1970-01-01 00:00 local."""
    # Offsets change at most once within seven days, and no offset reaches a day, so the
    # instants that can show this wall time lie within a day of it, under (at most) the two
    # offsets that a day before and a day after it have.
    wall_s = wall_ms // _S
    around = {offset_s(zone, wall_s - _STEP_S), offset_s(zone, wall_s + _STEP_S)}
    valid = [wall_ms - o * _S for o in around if offset_s(zone, (wall_ms - o * _S) // _S) == o]
    if valid:
        return min(valid)  # a repeated time: the earlier instant
    # In a gap: the first instant after it is the change of offset that skipped this time.
    for instant, _ in transitions(zone, wall_ms - _DAY, wall_ms + _DAY):
        return instant
    raise AssertionError(f"no instant for local time {wall_ms} in {zone}")  # pragma: no cover
