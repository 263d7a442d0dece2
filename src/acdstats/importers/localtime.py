"""`--timezone` for event and offer-record files: local times without an offset, made UTC.

SPEC 3 reads `YYYY-MM-DD HH:mm:ss[.f]` as UTC. Exports of local systems often write local wall
time instead; with a zone given, such values are read as that zone's local time and handed on
as UTC (the fraction kept as written). Values with `Z` or an offset, and values that are not
times, are left as they are (the checks then judge them). A wall time that occurs twice when
daylight saving time ends is read as in queue_log's realtime CSV (docs/queue_log.md): its first
occurrence, unless the column's previous value was already later.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import tzinfo
from typing import Any

import orjson

from acdstats.domain.events import TIMES, Line
from acdstats.importers.queue_log_source import LocalClock

_NAIVE = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(\.\d{1,6})?")


def localized(lines: Iterator[Line], zone: tzinfo) -> Iterator[Line]:
    """The lines with every naive time field read as local time in `zone`, written as UTC."""
    clocks = {name: LocalClock(zone) for name in TIMES}
    for number, raw in lines:
        if isinstance(raw, bytes):
            try:
                parsed: Any = orjson.loads(raw)
            except orjson.JSONDecodeError:
                parsed = None  # handed on as it is: the checks reject it with their reason
            if isinstance(parsed, dict):
                raw = parsed
        if isinstance(raw, dict):
            for name, clock in clocks.items():
                value = raw.get(name)
                if isinstance(value, str) and (m := _NAIVE.fullmatch(value.strip())):
                    raw[name] = _utc(clock, m.group(1), m.group(2) or "", value)
        yield number, raw


def _utc(clock: LocalClock, wall: str, fraction: str, value: str) -> str:
    try:
        ms = clock.to_ms(wall)
    except ValueError:
        return value  # not a real time: the checks say so
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms // 1000)) + fraction
