"""A simulated day as SPEC 3.1 records: dicts for the Python API and ingest, or JSONL bytes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from typing import Any

from acdstats.simulate.daylog import (
    ANSWERED,
    ENQUEUED,
    HANGUP,
    OFFERED,
    STATUS,
    STATUS_NAMES,
    TYPES,
    UNANSWERED,
    DayLog,
)

_DAY_S = 86_400


@cache
def _clock() -> tuple[list[str], list[str]]:
    """'HH:MM:SS' for every second of a day and '.mmm' for every millisecond: formatting a
    time is then two lookups, which matters at a hundred million events."""
    hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(_DAY_S)]
    return hms, [f".{m:03d}" for m in range(1000)]


def _times(log: DayLog) -> list[str]:
    """The time text of every row."""
    base, rows = log.day_start_ms, log.rows
    hms, ms = _clock()
    if rows and base <= rows[0][0] and rows[-1][0] < base + _DAY_S * 1000:
        prefix = log.date.isoformat() + " "
        out = []
        for row in rows:
            s, m = divmod(row[0] - base, 1000)
            out.append(prefix + hms[s] + ms[m])
        return out
    # A day that runs past midnight (the engine's bounds make this unused, but stay correct).
    return [
        datetime.fromtimestamp(row[0] // 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
        + ms[row[0] % 1000]
        for row in rows
    ]


def iter_dicts(log: DayLog) -> Iterator[dict[str, Any]]:
    """The day's events as SPEC records (dicts), in time order."""
    ids, users = log.request_ids(), log.user_ids
    for ts, (_, code, r, op, x) in zip(_times(log), log.rows, strict=True):
        if code == STATUS:
            yield {"type": "status", "at": ts, "user_id": users[op], "status": STATUS_NAMES[x]}
        elif code == OFFERED:
            yield {
                "type": "offered",
                "at": ts,
                "request_id": ids[r],
                "user_id": users[op],
                "queue_id": x + 1,
            }
        elif code == ENQUEUED:
            yield {"type": "enqueued", "at": ts, "request_id": ids[r], "queue_id": x + 1}
        elif code in (ANSWERED, UNANSWERED, HANGUP):
            yield {"type": TYPES[code], "at": ts, "request_id": ids[r], "user_id": users[op]}
        else:  # abandoned, rejected
            yield {"type": TYPES[code], "at": ts, "request_id": ids[r]}


def to_jsonl(log: DayLog) -> bytes:
    """The day's events as compact JSON Lines, the same records as iter_dicts."""
    ids, users = log.request_ids(), [str(u) for u in log.user_ids]
    # Everything up to the time, per code; and each status's tail.
    head = [f'{{"type":"{t}","at":"' for t in TYPES]
    status_tail = [f',"status":"{s}"}}\n' for s in STATUS_NAMES]
    out: list[str] = []
    add = out.append
    for ts, (_, code, r, op, x) in zip(_times(log), log.rows, strict=True):
        if code == STATUS:
            add(f'{head[STATUS]}{ts}","user_id":{users[op]}{status_tail[x]}')
        elif code == OFFERED:
            add(
                f'{head[code]}{ts}","request_id":"{ids[r]}","user_id":{users[op]},'
                f'"queue_id":{x + 1}}}\n'
            )
        elif code == ENQUEUED:
            add(f'{head[code]}{ts}","request_id":"{ids[r]}","queue_id":{x + 1}}}\n')
        elif code in (ANSWERED, UNANSWERED, HANGUP):
            add(f'{head[code]}{ts}","request_id":"{ids[r]}","user_id":{users[op]}}}\n')
        else:
            add(f'{head[code]}{ts}","request_id":"{ids[r]}"}}\n')
    return "".join(out).encode()
