"""GetACDOffers and GetACDQueueCalls (SPEC 8.5): the rows behind the numbers, paged, in UTC or
local time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from acdstats.domain import csv_answer
from acdstats.domain.buckets import Zone, format_offset, local_date, offset_s
from acdstats.domain.csv_answer import CsvBody
from acdstats.domain.drilldown import (
    OFFER_KEYS,
    OFFER_OUTCOMES,
    QUEUE_CALL_KEYS,
    QUEUE_CALL_OUTCOMES,
    parse_drilldown,
)
from acdstats.storage.reader import StatisticsReader

_TIMES = ("offered_at", "answered_at", "ended_at", "acw_ended_at")


class Page:
    """A paged answer: `result`, then `total_count` and `count` (Voximplant's paged form)."""

    def __init__(self, rows: list[dict[str, Any]], total: int) -> None:
        self.rows, self.total = rows, total

    def document(self) -> dict[str, Any]:
        return {"result": self.rows, "total_count": self.total, "count": len(self.rows)}


def time_text(ms: int | None, zone: Zone | None) -> str | None:
    """`YYYY-MM-DD HH:mm:ss.SSS` in UTC, or local with its offset appended (SPEC 8.5)."""
    if ms is None:
        return None
    offset = 0 if zone is None else offset_s(zone, ms // 1000) * 1000
    local = ms + offset
    day = local_date(local).isoformat()
    in_day = local % 86_400_000
    h, rest = divmod(in_day, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    text = f"{day} {h:02d}:{m:02d}:{s:02d}.{milli:03d}"
    return text if zone is None else text + format_offset(offset)


def offers(
    reader: StatisticsReader,
    account_id: int,
    params: Mapping[str, str],
    now_ms: int | None = None,
    user_id_as_number: bool = False,
) -> Page | CsvBody:
    query = parse_drilldown(params, OFFER_OUTCOMES, True, now_ms)
    found = reader.offers(account_id, query)
    zone = query.ext.zone
    records = []
    for record in found.rows:
        if not user_id_as_number:
            record["user_id"] = str(record["user_id"])
        for key in _TIMES:
            record[key] = time_text(record[key], zone)
        records.append(record)
    if query.ext.format == "csv":
        return csv_answer.render(OFFER_KEYS, ([r[k] for k in OFFER_KEYS] for r in records))
    return Page(records, found.total)


def queue_calls(
    reader: StatisticsReader,
    account_id: int,
    params: Mapping[str, str],
    now_ms: int | None = None,
    user_id_as_number: bool = False,
) -> Page | CsvBody:
    """GetACDQueueCalls: the queue calls GetACDQueueStatistics counts for the same filters."""
    query = parse_drilldown(params, QUEUE_CALL_OUTCOMES, False, now_ms)
    found = reader.queue_calls(account_id, query)
    zone = query.ext.zone
    records = []
    for record in found.rows:
        user = record["user_id"]  # the answering offer's operator, answered calls only
        record["user_id"] = None if user is None else user if user_id_as_number else str(user)
        for key in ("entered_at", "wait_ended_at"):
            record[key] = time_text(record[key], zone)
        records.append(record)
    if query.ext.format == "csv":
        return csv_answer.render(
            QUEUE_CALL_KEYS, ([r[k] for k in QUEUE_CALL_KEYS] for r in records)
        )
    return Page(records, found.total)
