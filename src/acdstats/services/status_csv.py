"""GetACDOperatorStatusStatistics as CSV (SPEC 8.4): one line per record of the JSON answer.

Columns from the request alone: the level keys (user_id, date, hour, utc_offset, those the
shape has), then every requested status in the order of SPEC 7.2 as <STATUS>_min, _avg,
_max, _count, _sum, then _p<N>; empty where a record has no piece of that status.
"""

from __future__ import annotations

from typing import Any

from acdstats.domain import csv_answer
from acdstats.domain.csv_answer import CsvBody
from acdstats.domain.status_query import StatusQuery
from acdstats.domain.statuses import STATUS_ORDER

_TIMES = {"day": ("date",), "week": ("date",), "month": ("date",), "hour_of_day": ("hour",),
          "hour": ("date", "hour", "utc_offset"), "none": ()}  # fmt: skip


def status_csv(query: StatusQuery, result: list[dict[str, Any]]) -> CsvBody:
    times = [t for t in _TIMES[query.aggregation] if t != "utc_offset" or query.zone is not None]
    level = ["user_id", *times]
    statuses = [STATUS_ORDER[code] for code in query.statuses]
    header = list(level)
    for status in statuses:
        header += csv_answer.item_columns(status, "object", query.percentiles)
    width = 5 + len(query.percentiles)
    lines = []
    for group in result:
        for record in group["statistics"]:
            both = {**group, **record}
            detail = both["acd_status"]
            detail = detail[0] if isinstance(detail, list) else detail
            line: list[Any] = [both.get(k) for k in level]
            for status in statuses:
                item = detail.get(status)
                line += (
                    [None] * width
                    if item is None
                    else csv_answer.item_values(item, "object", query.percentiles)
                )
            lines.append(line)
    return csv_answer.render(header, lines)
