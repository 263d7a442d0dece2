"""GetACDOffers and GetACDQueueCalls parameters (SPEC 8.5), checked in the order it gives:
from_date, to_date, user_id (offers only), acd_queue_id, timezone, format, outcome, count,
offset, then the date range."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from acdstats import errors
from acdstats.domain.extensions import Extensions, parse_extensions
from acdstats.domain.query import id_list, timestamp, window
from acdstats.errors import ApiError, shown

OFFER_OUTCOMES = ("answered", "unanswered")
QUEUE_CALL_OUTCOMES = ("answered", "abandoned", "rejected", "moved")
MAX_COUNT = 1000
DEFAULT_COUNT = 100
# The keys of a row of each answer, in SPEC 8.5's order.
OFFER_KEYS = ("request_id", "user_id", "acd_queue_id", "offered_at", "answered_at", "ended_at",
              "acw_ended_at", "SA", "TT", "ACW", "HT")  # fmt: skip
QUEUE_CALL_KEYS = ("request_id", "acd_queue_id", "entered_at", "wait_ended_at", "outcome",
                   "user_id", "WT", "SA", "AT", "TT", "ACW", "HT", "QL")  # fmt: skip


@dataclass(frozen=True)
class DrillDownQuery:
    from_ms: int
    to_ms: int
    user_ids: tuple[int, ...] | None  # None = all (GetACDQueueCalls has no user_id)
    queue_ids: tuple[int, ...] | None
    ext: Extensions  # zone and format only
    outcomes: tuple[str, ...]  # asked outcomes, in the method's order
    count: int
    offset: int


def parse_drilldown(
    params: Mapping[str, str], outcomes: tuple[str, ...], has_user: bool, now_ms: int | None
) -> DrillDownQuery:
    from_wall = timestamp(params, "from_date", required=True)
    to_wall = timestamp(params, "to_date", required=False)
    user_ids = id_list(params, "user_id", errors.BAD_USER_ID, required=True) if has_user else None
    queue_ids = id_list(params, "acd_queue_id", errors.BAD_QUEUE_ID, required=False)
    ext = parse_extensions(params, frozenset({"timezone", "format"}))
    asked = _outcomes(params.get("outcome") or "", outcomes)
    count = _integer(params, "count", DEFAULT_COUNT, 1, MAX_COUNT)
    offset = _integer(params, "offset", 0, 0, None)
    assert from_wall is not None
    from_ms, to_ms = window(params, from_wall, to_wall, ext, now_ms)
    return DrillDownQuery(from_ms, to_ms, user_ids, queue_ids, ext, asked, count, offset)


def _outcomes(value: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if value == "" or value.lower() == "all":
        return allowed
    asked = set()
    for part in value.split(";"):
        part = part.strip(" ")
        if part not in allowed:
            raise ApiError(
                errors.INVALID_ARGUMENT,
                f"Invalid 'outcome' {shown(value)}: expected 'all' or a ';'-separated list of "
                + ", ".join(allowed),
            )
        asked.add(part)
    return tuple(o for o in allowed if o in asked)


def _integer(params: Mapping[str, str], name: str, default: int, low: int, high: int | None) -> int:
    value = params.get(name) or ""
    if value == "":
        return default
    if (
        not (value.isascii() and value.isdigit())
        or int(value) < low
        or (high is not None and int(value) > high)
    ):
        bound = f"{low} to {high}" if high is not None else f"at least {low}"
        raise ApiError(
            errors.INVALID_ARGUMENT, f"Invalid '{name}' {shown(value)}: expected an integer {bound}"
        )
    return int(value)
