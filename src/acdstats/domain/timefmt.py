"""Timestamp formats: ingest times (to UTC epoch milliseconds) and API request times."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime
from functools import lru_cache

# `YYYY-MM-DD HH:mm:ss[.f{1,6}]` (UTC) or RFC 3339 `YYYY-MM-DDTHH:mm:ss[.f{1,6}](Z|±HH:MM)`.
_INGEST = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:( )|T)(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?"
    r"(Z|[+-]\d{2}:\d{2})?"
)
_REQUEST = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})")


def parse_ingest_time(text: str) -> int:
    """UTC epoch milliseconds of an ingest timestamp; sub-millisecond digits are truncated.

    Raises ValueError with a reason if the text is not one of the accepted forms.
    """
    m = _INGEST.fullmatch(text)
    if m is None:
        raise ValueError(f"bad timestamp {text!r}")
    year, month, day, space, hh, mi, ss, frac, zone = m.groups()
    if space is not None and zone is not None:
        raise ValueError(f"bad timestamp {text!r}: a zone needs the RFC 3339 'T' form")
    if space is None and zone is None:
        raise ValueError(f"bad timestamp {text!r}: RFC 3339 form needs Z or an offset")
    if int(hh) > 23 or int(mi) > 59 or int(ss) > 59:
        raise ValueError(f"bad timestamp {text!r}: not a real time")
    seconds = _day_seconds(text[:10]) + int(hh) * 3600 + int(mi) * 60 + int(ss)
    millis = int((frac or "0").ljust(3, "0")[:3])
    offset_s = 0
    if zone and zone != "Z":
        oh, om = int(zone[1:3]), int(zone[4:6])
        if oh > 23 or om > 59:
            raise ValueError(f"bad timestamp {text!r}: bad offset")
        offset_s = (oh * 3600 + om * 60) * (1 if zone[0] == "+" else -1)
    return (seconds - offset_s) * 1000 + millis


def parse_request_time(text: str) -> int | None:
    """UTC epoch milliseconds of a `YYYY-MM-DD HH:mm:ss` request time, or None if invalid."""
    m = _REQUEST.fullmatch(text)
    if m is None:
        return None
    try:
        year, month, day, hh, mi, ss = (int(g) for g in m.groups())
        return _epoch_seconds(year, month, day, hh, mi, ss, text) * 1000
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _day_seconds(date: str) -> int:
    """Epoch seconds of a `YYYY-MM-DD` midnight UTC (cached: ingest sees few distinct days)."""
    return _epoch_seconds(int(date[:4]), int(date[5:7]), int(date[8:10]), 0, 0, 0, date)


def _epoch_seconds(year: int, month: int, day: int, hh: int, mi: int, ss: int, text: str) -> int:
    try:
        dt = datetime(year, month, day, hh, mi, ss, tzinfo=UTC)
    except ValueError:
        raise ValueError(f"bad timestamp {text!r}: not a real time") from None
    return calendar.timegm(dt.utctimetuple())


def format_ms(ms: int) -> str:
    """`YYYY-MM-DD HH:mm:ss.fff` UTC, for reports and the CLI."""
    dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d}"
