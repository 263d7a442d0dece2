"""API request times: `YYYY-MM-DD HH:mm:ss` (UTC) to epoch milliseconds."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime

_REQUEST = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})")


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


def _epoch_seconds(year: int, month: int, day: int, hh: int, mi: int, ss: int, text: str) -> int:
    try:
        dt = datetime(year, month, day, hh, mi, ss, tzinfo=UTC)
    except ValueError:
        raise ValueError(f"bad timestamp {text!r}: not a real time") from None
    return calendar.timegm(dt.utctimetuple())
