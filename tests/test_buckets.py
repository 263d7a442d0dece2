"""domain/buckets.py: local buckets and local times (SPEC 8.1), worked by hand and checked
against zoneinfo's own answers and against the transitions stored in the tzdata files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import import_module, resources
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acdstats.domain import buckets as bk
from acdstats.domain.buckets import Bucket, buckets, load_zone, local_to_utc_ms, transitions

H = 3_600_000
# The pure-Python zoneinfo, whose private fields hold what the tzdata file stores.
pure_zoneinfo: Any = import_module("zoneinfo._zoneinfo")


def utc(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def zone(name: str) -> ZoneInfo:
    z: ZoneInfo | None = load_zone(name)
    assert z is not None
    return z


def spans(found: list[Bucket]) -> list[tuple[str, str, str | None, int | None, str | None]]:
    """Each bucket as (UTC start, UTC end, date, hour, utc_offset), times as HH:MM text."""

    def t(ms: int) -> str:
        return datetime.fromtimestamp(ms / 1000, UTC).strftime("%m-%d %H:%M")

    return [(t(b.start_ms), t(b.end_ms), b.date, b.hour, b.utc_offset) for b in found]


# --- zone names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["Europe/Berlin", "UTC", "Etc/GMT+3", "US/Eastern", "Asia/Calcutta"]
)
def test_zone_and_link_names_load(name: str) -> None:
    assert zone(name).key == name


@pytest.mark.parametrize(
    "name", ["europe/berlin", "EUROPE/BERLIN", "UTC+3", "+05:30", "", "Europe", "../zones",
             "Europe/Berlin ", "Europe//Berlin", "zoneinfo/UTC", "Europe/Berlin\x00"],
)  # fmt: skip
def test_other_names_are_no_zone(name: str) -> None:
    assert load_zone(name) is None


def test_the_zones_are_tzdatas_not_the_hosts() -> None:
    assert bk.TZDATA_VERSION and bk.IANA_VERSION
    assert len(bk.zone_names()) > 500


# --- local times: gaps and folds ------------------------------------------------------

LOCAL_TIMES = [
    # zone, local time, the instant (UTC), why
    ("Europe/Berlin", "2026-03-29 00:00:00", "2026-03-28 23:00:00", "midnight before spring"),
    ("Europe/Berlin", "2026-03-29 02:00:00", "2026-03-29 01:00:00", "gap start: after the gap"),
    ("Europe/Berlin", "2026-03-29 02:30:00", "2026-03-29 01:00:00", "in the gap: after it"),
    ("Europe/Berlin", "2026-03-29 02:59:59", "2026-03-29 01:00:00", "gap end: after it"),
    ("Europe/Berlin", "2026-03-29 03:00:00", "2026-03-29 01:00:00", "first time after the gap"),
    ("Europe/Berlin", "2026-10-25 02:00:00", "2026-10-25 00:00:00", "fold: the earlier"),
    ("Europe/Berlin", "2026-10-25 02:30:00", "2026-10-25 00:30:00", "fold: the earlier"),
    ("Europe/Berlin", "2026-10-25 03:00:00", "2026-10-25 02:00:00", "after the fold"),
    ("America/New_York", "2026-03-08 02:30:00", "2026-03-08 07:00:00", "NY gap"),
    ("America/New_York", "2026-11-01 01:30:00", "2026-11-01 05:30:00", "NY fold: EDT"),
    ("America/New_York", "2026-11-01 02:00:00", "2026-11-01 07:00:00", "NY after the fold"),
    ("America/Santiago", "2026-09-06 00:00:00", "2026-09-06 04:00:00", "midnight skipped"),
    ("America/Santiago", "2026-09-06 00:59:59", "2026-09-06 04:00:00", "midnight skipped"),
    ("America/Santiago", "2026-09-06 01:00:00", "2026-09-06 04:00:00", "day start"),
    ("Asia/Kolkata", "2026-09-06 00:00:00", "2026-09-05 18:30:00", "+05:30"),
    ("Asia/Kathmandu", "2026-09-06 00:00:00", "2026-09-05 18:15:00", "+05:45"),
    ("Australia/Lord_Howe", "2026-10-04 02:15:00", "2026-10-03 15:30:00", "a 30-minute gap"),
    ("UTC", "2026-03-29 02:30:00", "2026-03-29 02:30:00", "UTC"),
    ("Asia/Tokyo", "0001-01-01 00:00:00", "0000-12-31 14:41:01", "before datetime's range"),
]


@pytest.mark.parametrize("name, local, instant, why", LOCAL_TIMES)
def test_local_times(name: str, local: str, instant: str, why: str) -> None:
    got = local_to_utc_ms(local, zone(name))
    if instant.startswith("0000"):  # datetime cannot hold year 0: 0001-01-01 minus the LMT
        assert got == utc("0001-01-01 00:00:00") - (9 * 3600 + 18 * 60 + 59) * 1000
    else:
        assert got == utc(instant), why


def test_local_time_that_is_not_a_time() -> None:
    with pytest.raises(ValueError):
        local_to_utc_ms("2026-02-30 00:00:00", zone("Europe/Berlin"))


def reference_local_to_utc(wall: datetime, z: ZoneInfo) -> int:
    """zoneinfo's fold=0 (the earlier of a repeated time); in a gap, the transition."""
    first = wall.replace(tzinfo=z, fold=0).astimezone(UTC)
    if first.astimezone(z).replace(tzinfo=None) == wall:
        return int(first.timestamp() * 1000)
    # A gap: fold=0 reads it with the offset before the change; the change is the first
    # instant whose wall time lies past the gap.
    t = int(first.timestamp())
    while (datetime.fromtimestamp(t - 1, UTC).astimezone(z).replace(tzinfo=None)) > wall:
        t -= 1
    return t * 1000


ZONES = ["Europe/Berlin", "America/New_York", "America/Santiago", "Asia/Kolkata",
         "Asia/Kathmandu", "Australia/Lord_Howe", "America/St_Johns", "Pacific/Apia",
         "Africa/Casablanca", "America/Goose_Bay", "Europe/London", "Asia/Gaza"]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(ZONES),
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2040, 1, 1)),
    st.sampled_from([0, 1, 2, 3]),
)
def test_local_times_against_zoneinfo(name: str, wall: datetime, near: int) -> None:
    z = zone(name)
    if near:  # land next to one of the zone's changes, where gaps and folds are
        year_changes = transitions(z, utc(f"{wall.year}-01-01"), utc(f"{wall.year + 1}-01-01"))
        if year_changes:
            instant, _ = year_changes[near % len(year_changes)]
            local = datetime.fromtimestamp(instant / 1000, UTC).astimezone(z)
            wall = local.replace(tzinfo=None) + timedelta(minutes=30 * (near - 2))
    wall = wall.replace(microsecond=0)
    assert local_to_utc_ms(wall.strftime("%Y-%m-%d %H:%M:%S"), z) == reference_local_to_utc(wall, z)


# --- buckets: scenario tables ---------------------------------------------------------


def test_berlin_days_around_spring_and_fall() -> None:
    z = zone("Europe/Berlin")
    spring = buckets(utc("2026-03-27 23:00"), utc("2026-03-30 22:00"), "day", z)
    assert spans(spring) == [
        ("03-27 23:00", "03-28 23:00", "2026-03-28", None, None),
        ("03-28 23:00", "03-29 22:00", "2026-03-29", None, None),  # 23 hours
        ("03-29 22:00", "03-30 22:00", "2026-03-30", None, None),
    ]
    fall = buckets(utc("2026-10-24 22:00"), utc("2026-10-26 23:00"), "day", z)
    assert [(b.end_ms - b.start_ms) // H for b in fall] == [25, 24]


def test_berlin_hours_spring_forward_skip_hour_2() -> None:
    z = zone("Europe/Berlin")
    found = buckets(utc("2026-03-28 23:00"), utc("2026-03-29 03:00"), "hour", z)
    assert spans(found) == [
        ("03-28 23:00", "03-29 00:00", "2026-03-29", 0, "+01:00"),
        ("03-29 00:00", "03-29 01:00", "2026-03-29", 1, "+01:00"),
        ("03-29 01:00", "03-29 02:00", "2026-03-29", 3, "+02:00"),
        ("03-29 02:00", "03-29 03:00", "2026-03-29", 4, "+02:00"),
    ]


def test_berlin_hours_fall_back_repeat_hour_2() -> None:
    z = zone("Europe/Berlin")
    found = buckets(utc("2026-10-24 23:00"), utc("2026-10-25 03:00"), "hour", z)
    assert spans(found) == [
        ("10-24 23:00", "10-25 00:00", "2026-10-25", 1, "+02:00"),
        ("10-25 00:00", "10-25 01:00", "2026-10-25", 2, "+02:00"),
        ("10-25 01:00", "10-25 02:00", "2026-10-25", 2, "+01:00"),
        ("10-25 02:00", "10-25 03:00", "2026-10-25", 3, "+01:00"),
    ]
    of_day = buckets(utc("2026-10-24 23:00"), utc("2026-10-25 03:00"), "hour_of_day", z)
    assert [(b.date, b.hour, b.utc_offset) for b in of_day] == [
        (None, 1, None), (None, 2, None), (None, 2, None), (None, 3, None)
    ]  # fmt: skip


def test_new_york_dst_days() -> None:
    z = zone("America/New_York")
    found = buckets(utc("2026-03-08 05:00"), utc("2026-03-09 04:00"), "hour", z)
    assert [b.hour for b in found] == [0, 1, *range(3, 24)]
    assert found[1].utc_offset == "-05:00" and found[2].utc_offset == "-04:00"
    fall = buckets(utc("2026-11-01 04:00"), utc("2026-11-02 05:00"), "day", z)
    assert spans(fall) == [("11-01 04:00", "11-02 05:00", "2026-11-01", None, None)]


def test_santiago_midnight_skipped() -> None:
    z = zone("America/Santiago")
    start = local_to_utc_ms("2026-09-06 00:00:00", z)
    found = buckets(start, local_to_utc_ms("2026-09-06 03:00:00", z), "hour", z)
    assert spans(found) == [
        ("09-06 04:00", "09-06 05:00", "2026-09-06", 1, "-03:00"),
        ("09-06 05:00", "09-06 06:00", "2026-09-06", 2, "-03:00"),
    ]
    days = buckets(utc("2026-09-05 04:00"), utc("2026-09-07 03:00"), "day", z)
    assert spans(days) == [
        ("09-05 04:00", "09-06 04:00", "2026-09-05", None, None),
        ("09-06 04:00", "09-07 03:00", "2026-09-06", None, None),  # 23 hours
    ]


def test_half_and_three_quarter_hour_zones() -> None:
    kolkata = buckets(
        utc("2026-09-06 04:00"), utc("2026-09-06 06:00"), "hour", zone("Asia/Kolkata")
    )
    assert spans(kolkata) == [
        ("09-06 04:00", "09-06 04:30", "2026-09-06", 9, "+05:30"),  # clipped by the window
        ("09-06 04:30", "09-06 05:30", "2026-09-06", 10, "+05:30"),
        ("09-06 05:30", "09-06 06:00", "2026-09-06", 11, "+05:30"),
    ]
    kathmandu = buckets(utc("2026-09-06 00:00"), utc("2026-09-06 01:00"), "hour",
                        zone("Asia/Kathmandu"))  # fmt: skip
    assert spans(kathmandu) == [
        ("09-06 00:00", "09-06 00:15", "2026-09-06", 5, "+05:45"),
        ("09-06 00:15", "09-06 01:00", "2026-09-06", 6, "+05:45"),
    ]
    day = buckets(utc("2026-09-05 18:15"), utc("2026-09-06 18:15"), "day", zone("Asia/Kathmandu"))
    assert spans(day) == [("09-05 18:15", "09-06 18:15", "2026-09-06", None, None)]


def test_iso_weeks() -> None:
    found = buckets(utc("2026-03-01 00:00"), utc("2026-04-08 00:00"), "week", None)
    assert [b.date for b in found] == [
        "2026-02-23", "2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23", "2026-03-30",
        "2026-04-06",
    ]  # fmt: skip
    assert found[0].start_ms == utc("2026-03-01 00:00")  # clipped, keeps its Monday label
    assert found[4].end_ms == utc("2026-03-30 00:00")  # Sunday 29 March is in its week
    year_end = buckets(utc("2026-12-30 00:00"), utc("2027-01-05 00:00"), "week", None)
    assert [b.date for b in year_end] == ["2026-12-28", "2027-01-04"]
    berlin = buckets(
        utc("2026-03-22 23:00"), utc("2026-04-05 22:00"), "week", zone("Europe/Berlin")
    )
    assert spans(berlin) == [
        ("03-22 23:00", "03-29 22:00", "2026-03-23", None, None),  # 167 hours
        ("03-29 22:00", "04-05 22:00", "2026-03-30", None, None),
    ]


def test_months() -> None:
    ny = zone("America/New_York")
    found = buckets(utc("2026-03-01 05:00"), utc("2026-05-01 04:00"), "month", ny)
    assert spans(found) == [
        ("03-01 05:00", "04-01 04:00", "2026-03-01", None, None),
        ("04-01 04:00", "05-01 04:00", "2026-04-01", None, None),
    ]
    utc_months = buckets(utc("2024-01-15 00:00"), utc("2024-03-02 00:00"), "month", None)
    assert [(b.date, (b.end_ms - b.start_ms) // H // 24) for b in utc_months] == [
        ("2024-01-01", 17), ("2024-02-01", 29), ("2024-03-01", 1)
    ]  # fmt: skip


def test_none_and_utc() -> None:
    lo, hi = utc("2026-03-01 00:00"), utc("2026-03-02 00:00")
    assert buckets(lo, hi, "none", zone("Asia/Kolkata")) == [Bucket(lo, hi, None, None, None)]
    with_utc = buckets(utc("2026-03-01 00:00"), utc("2026-03-01 02:00"), "hour", zone("UTC"))
    assert [b.utc_offset for b in with_utc] == ["+00:00", "+00:00"]
    without = buckets(utc("2026-03-01 00:00"), utc("2026-03-01 02:00"), "hour", None)
    assert [b.utc_offset for b in without] == [None, None]
    assert buckets(5, 5, "day", None) == []


def test_offsets_with_seconds_and_a_calendar_that_goes_back() -> None:
    monrovia = buckets(utc("1900-01-01 00:00"), utc("1900-01-01 01:00"), "hour",
                       zone("Africa/Monrovia"))  # fmt: skip
    assert [(b.date, b.hour, b.utc_offset) for b in monrovia] == [
        ("1899-12-31", 23, "-00:43:08"), ("1900-01-01", 0, "-00:43:08")
    ]  # fmt: skip
    # Goose Bay fell back at 00:01 local: one minute of the 28th, then the 27th again.
    goose = buckets(utc("1990-10-28 02:00"), utc("1990-10-28 05:00"), "day",
                    zone("America/Goose_Bay"))  # fmt: skip
    assert spans(goose) == [
        ("10-28 02:00", "10-28 03:00", "1990-10-27", None, None),
        ("10-28 03:00", "10-28 03:01", "1990-10-28", None, None),
        ("10-28 03:01", "10-28 04:00", "1990-10-27", None, None),
        ("10-28 04:00", "10-28 05:00", "1990-10-28", None, None),
    ]


def test_offset_text() -> None:
    assert [bk.format_offset(s * 1000) for s in (0, 19800, -10800, 20700, -2588, 46800)] == [
        "+00:00", "+05:30", "-03:00", "+05:45", "-00:43:08", "+13:00"
    ]  # fmt: skip


# --- buckets: properties -------------------------------------------------------------


def label_at(ms: int, aggregation: str, z: ZoneInfo | None) -> tuple[object, ...]:
    """The label of one instant, computed by zoneinfo (the reference)."""
    local = datetime.fromtimestamp(ms / 1000, UTC).astimezone(z or UTC)
    offset = local.utcoffset()
    assert offset is not None
    day = local.date()
    text = None if z is None else bk.format_offset(int(offset.total_seconds()) * 1000)
    return {
        "hour": (day.isoformat(), local.hour, text),
        "hour_of_day": (None, local.hour, None),
        "day": (day.isoformat(), None, None),
        "week": ((day - timedelta(days=day.weekday())).isoformat(), None, None),
        "month": (day.replace(day=1).isoformat(), None, None),
    }[aggregation]


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from([*ZONES, None]),
    st.sampled_from(["hour", "hour_of_day", "day", "week", "month"]),
    st.integers(utc("1975-01-01 00:00"), utc("2035-01-01 00:00")),
    st.integers(1, 40 * 86_400_000),
)
def test_buckets_partition_the_window_by_label(
    name: str | None, aggregation: str, start: int, length: int
) -> None:
    z = None if name is None else zone(name)
    end = start + length
    found = buckets(start, end, aggregation, z)
    assert found[0].start_ms == start and found[-1].end_ms == end
    for a, b in zip(found, found[1:], strict=False):
        assert a.end_ms == b.start_ms
        assert a.label != b.label or aggregation == "hour_of_day"  # the pieces of `hour`
    for b in found:
        assert b.start_ms < b.end_ms
        assert label_at(b.start_ms, aggregation, z) == b.label
        assert label_at(b.end_ms - 1, aggregation, z) == b.label


# --- the assumption the scan rests on, and the transitions themselves ------------------


def stored_changes(name: str, last_year: int) -> list[int]:
    """The offset changes (UTC epoch s) written in the zone's tzdata file, then its rule."""
    with resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).open("rb") as f:
        z = pure_zoneinfo.ZoneInfo.from_file(f, key=name)
    out = []
    previous = None
    for instant, info in zip(z._trans_utc, z._ttinfos, strict=True):
        if previous is not None and info.utcoff != previous:
            out.append(instant)
        previous = info.utcoff
    rule = z._tz_after
    if isinstance(rule, pure_zoneinfo._TZStr) and rule.dst_diff:
        last = max(z._trans_utc or [0])
        std, dst = rule.std.utcoff.total_seconds(), rule.dst.utcoff.total_seconds()
        for year in range(datetime.fromtimestamp(last, UTC).year, last_year + 1):
            on, off = rule.transitions(year)
            out += [t for t in (int(on - std), int(off - dst)) if t > last]
    return sorted(t for t in set(out) if datetime.fromtimestamp(t, UTC).year <= last_year)


def test_offsets_change_at_most_once_in_a_scan_step_in_every_zone() -> None:
    gaps = []
    for name in sorted(bk.zone_names()):
        changes = stored_changes(name, 2200)
        gaps += [(b - a, name) for a, b in zip(changes, changes[1:], strict=False)]
    closest = min(gaps)
    assert closest[0] > 2 * bk._STEP_S, closest


@pytest.mark.parametrize("name", ZONES)
def test_transitions_equal_the_stored_ones(name: str) -> None:
    lo, hi = utc("1960-01-01 00:00"), utc("2040-01-01 00:00")
    expected = [t * 1000 for t in stored_changes(name, 2039) if lo < t * 1000 < hi]
    assert [t for t, _ in transitions(zone(name), lo, hi)] == expected
