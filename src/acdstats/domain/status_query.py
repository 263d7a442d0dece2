"""GetACDOperatorStatusStatistics parameters, checked in the order of SPEC 7's table, then
the section-8 parameters it takes (timezone, percentiles, format), then the date range."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from acdstats import errors
from acdstats.domain.buckets import AGGREGATIONS, Zone, local_to_utc_ms
from acdstats.domain.extensions import parse_extensions
from acdstats.domain.query import GROUPS, choice, id_list, timestamp
from acdstats.domain.statuses import STATUS_CODE, STATUS_ORDER
from acdstats.errors import ApiError, shown

TAKES = frozenset({"timezone", "percentiles", "format"})


@dataclass(frozen=True)
class StatusQuery:
    from_ms: int
    to_ms: int
    end_ms: int  # E = min(to_date, now): every span is cut there
    user_ids: tuple[int, ...] | None  # None = all
    statuses: tuple[int, ...]  # codes (domain.statuses), ascending = SPEC 7.2 order
    aggregation: str
    group: str
    zone: Zone | None
    percentiles: tuple[int, ...]
    format: str


def parse_status_statistics(params: Mapping[str, str], now_ms: int) -> StatusQuery:
    """Validate raw parameters; `now_ms` is the request's one reading of the clock."""
    timestamp(params, "from_date", required=True)
    timestamp(params, "to_date", required=False)
    user_ids = id_list(params, "user_id", errors.BAD_USER_ID, required=True)
    statuses = acd_status(params)
    aggregation = choice(params, "aggregation", AGGREGATIONS, "none", errors.BAD_AGGREGATION)
    group = choice(params, "group", GROUPS, "user", errors.BAD_GROUP)
    ext = parse_extensions(params, TAKES)
    from_ms = _instant(params["from_date"], ext.zone)
    to_text = params.get("to_date") or ""
    to_ms = _instant(to_text, ext.zone) if to_text else now_ms
    if from_ms >= to_ms:
        raise ApiError(
            errors.BAD_DATE_RANGE,
            f"Invalid date range: from_date {shown(params['from_date'])} must be before "
            f"to_date {shown(to_text or 'now')}",
        )
    return StatusQuery(
        from_ms,
        to_ms,
        min(to_ms, now_ms),
        user_ids,
        statuses,
        aggregation,
        group,
        ext.zone,
        ext.percentiles,
        ext.format,
    )


def _instant(text: str, zone: Zone | None) -> int:
    if zone is not None:
        return local_to_utc_ms(text, zone)
    ms = timestamp({"t": text}, "t", required=True)
    assert ms is not None  # checked for form above
    return ms


def acd_status(params: Mapping[str, str]) -> tuple[int, ...]:
    """`all` (or empty) or a `;`-list of statuses, any letter case, duplicates merged (227)."""
    value = params.get("acd_status") or ""
    if value == "" or value.strip(" ").lower() == "all":
        return tuple(range(len(STATUS_ORDER)))
    codes = set()
    for part in value.split(";"):
        code = STATUS_CODE.get(part.strip(" ").upper())
        if code is None:
            raise ApiError(
                errors.BAD_ACD_STATUS,
                f"Invalid 'acd_status' {shown(value)}: expected 'all' or a ';'-separated list "
                "of " + ", ".join(STATUS_ORDER),
            )
        codes.add(code)
    return tuple(sorted(codes))
