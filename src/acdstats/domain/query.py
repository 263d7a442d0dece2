"""GetACDOperatorStatistics parameters: validated in the order of SPEC section 4's table."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from acdstats import errors
from acdstats.domain.buckets import wall_to_utc_ms
from acdstats.domain.extensions import NONE, Extensions, parse_extensions
from acdstats.domain.metrics import BY_NAME, ITEMS, Item
from acdstats.domain.timefmt import parse_request_time
from acdstats.errors import ApiError, shown

AGGREGATIONS = ("day", "hour", "hour_of_day", "week", "month", "none")  # week, month: SPEC 8.1
# The section-8 parameters GetACDOperatorStatistics takes.
OPERATOR_EXTENSIONS = frozenset({"timezone", "percentiles", "by_queue", "format"})
GROUPS = ("user", "aggregation")
_MAX_ID = 2**63 - 1
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}


@dataclass(frozen=True)
class StatisticsQuery:
    from_ms: int
    to_ms: int
    user_ids: tuple[int, ...] | None  # None = all
    queue_ids: tuple[int, ...] | None  # None = all
    abbreviation: bool
    items: tuple[Item, ...]
    aggregation: str
    group: str
    ext: Extensions = NONE


def parse_operator_statistics(
    params: Mapping[str, str], now_ms: int | None = None
) -> StatisticsQuery:
    """Validate raw string parameters; the first failure raises ApiError with its code."""
    from_ms = timestamp(params, "from_date", required=True)  # wall-clock ms until the zone is known
    to_ms = timestamp(params, "to_date", required=False)
    user_ids = id_list(params, "user_id", errors.BAD_USER_ID, required=True)
    queue_ids = id_list(params, "acd_queue_id", errors.BAD_QUEUE_ID, required=False)
    abbreviation = boolean(params, "abbreviation", default=True)
    items = report(params)
    aggregation = choice(params, "aggregation", AGGREGATIONS, "none", errors.BAD_AGGREGATION)
    group = choice(params, "group", GROUPS, "user", errors.BAD_GROUP)
    ext = parse_extensions(params, OPERATOR_EXTENSIONS)
    assert from_ms is not None
    from_ms, to_ms = window(params, from_ms, to_ms, ext, now_ms)
    return StatisticsQuery(
        from_ms, to_ms, user_ids, queue_ids, abbreviation, items, aggregation, group, ext
    )


def window(
    params: Mapping[str, str],
    from_wall: int,
    to_wall: int | None,
    ext: Extensions,
    now_ms: int | None,
) -> tuple[int, int]:
    """The window as instants (SPEC 8.1: local times with a timezone), checked last (123)."""
    from_ms = from_wall if ext.zone is None else wall_to_utc_ms(from_wall, ext.zone)
    if to_wall is None:
        to_ms = int(time.time() * 1000) if now_ms is None else now_ms  # --now stays UTC
    else:
        to_ms = to_wall if ext.zone is None else wall_to_utc_ms(to_wall, ext.zone)
    if from_ms >= to_ms:
        raise ApiError(
            errors.BAD_DATE_RANGE,
            f"Invalid date range: from_date {shown(params['from_date'])} must be before "
            f"to_date {shown(params.get('to_date') or 'now')}",
        )
    return from_ms, to_ms


def _value(params: Mapping[str, str], name: str, required: bool) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise ApiError(errors.MISSING_PARAMETER, f"The parameter '{name}' is required")
        return None
    return value


def timestamp(params: Mapping[str, str], name: str, required: bool) -> int | None:
    value = _value(params, name, required)
    if value is None:
        return None
    ms = parse_request_time(value)
    if ms is None:
        raise ApiError(
            errors.BAD_TIMESTAMP,
            f"Invalid '{name}' {shown(value)}: expected a time 'YYYY-MM-DD HH:mm:ss' "
            "(UTC, or local with 'timezone')",
        )
    return ms


def id_list(
    params: Mapping[str, str], name: str, code: int, required: bool
) -> tuple[int, ...] | None:
    """`all` (None) or a `;`-separated list of positive integers."""
    value = _value(params, name, required)
    if value is None or value.lower() == "all":
        return None
    ids = []
    for part in value.split(";"):
        number = digits(part.strip(" "), _MAX_ID)  # spaces around an element are ignored
        if number is None or number == 0:
            raise ApiError(
                code,
                f"Invalid '{name}' {shown(value)}: expected 'all' or a ';'-separated list "
                "of positive integers",
            )
        ids.append(number)
    return tuple(sorted(set(ids)))


def digits(text: str, maximum: int) -> int | None:
    """The value of a string of ASCII digits if it is at most `maximum`, else None.

    The length is checked before int(): a string of thousands of digits would make int()
    slow, or raise (Python's integer-digit limit), instead of being just a value too large.
    """
    if not (text.isascii() and text.isdigit()):
        return None
    significant = text.lstrip("0") or "0"
    if len(significant) > len(str(maximum)):
        return None
    value = int(significant)
    return value if value <= maximum else None


def boolean(params: Mapping[str, str], name: str, default: bool) -> bool:
    value = _value(params, name, required=False)
    if value is None:
        return default
    if value.lower() not in _BOOLEANS or value not in (value.lower(), value.upper(), value.title()):
        raise ApiError(
            errors.INVALID_ARGUMENT, f"Invalid '{name}' {shown(value)}: expected true or false"
        )
    return _BOOLEANS[value.lower()]


def report(
    params: Mapping[str, str],
    catalogue: tuple[Item, ...] = ITEMS,
    by_name: Mapping[str, Item] = BY_NAME,
) -> tuple[Item, ...]:
    """The `report` items of a method's catalogue (by short or long name, any case)."""
    value = _value(params, "report", required=False)
    if value is None or value.lower() == "all":
        return catalogue
    items: list[Item] = []
    for part in value.split(";"):
        item = by_name.get(part.strip().lower())
        if item is None:
            raise ApiError(
                errors.BAD_REPORT,
                f"Invalid 'report' item {shown(part)}: expected 'all' or items of "
                + ", ".join(i.short for i in catalogue),
            )
        if item not in items:
            items.append(item)
    return tuple(items)


def choice(
    params: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str, code: int
) -> str:
    value = _value(params, name, required=False)
    if value is None:
        return default
    if value not in allowed:
        raise ApiError(
            code, f"Invalid '{name}' {shown(value)}: expected one of {', '.join(allowed)}"
        )
    return value
