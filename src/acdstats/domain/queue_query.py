"""GetACDQueueStatistics parameters: validated in the order of SPEC 6's table, then section 8."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from acdstats import errors
from acdstats.domain.buckets import Zone
from acdstats.domain.extensions import parse_extensions
from acdstats.domain.metrics import Item
from acdstats.domain.query import AGGREGATIONS, boolean, choice, id_list, report, timestamp, window
from acdstats.domain.queue_metrics import DEFAULT_THRESHOLDS, QUEUE_BY_NAME, QUEUE_ITEMS

# The section-8 parameters this method takes (SPEC 8's table: all but none).
TAKES = frozenset({"timezone", "percentiles", "by_queue", "service_level", "format"})


@dataclass(frozen=True)
class QueueStatisticsQuery:
    from_ms: int
    to_ms: int
    queue_ids: tuple[int, ...] | None  # None = all
    abbreviation: bool
    items: tuple[Item, ...]
    aggregation: str
    by_queue: bool
    thresholds: tuple[int, ...]  # service-level thresholds in seconds, ascending
    format: str = "json"  # or csv (SPEC 8.4)
    zone: Zone | None = None  # SPEC 8.1: local window and buckets
    percentiles: tuple[int, ...] = ()  # SPEC 8.2, ascending


def parse_queue_statistics(
    params: Mapping[str, str],
    now_ms: int | None = None,
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS,
) -> QueueStatisticsQuery:
    """Validate raw string parameters; the first failure raises ApiError with its code.

    thresholds: the server's service_level_thresholds, used unless the request names its own.
    """
    from_wall = timestamp(params, "from_date", required=True)
    to_wall = timestamp(params, "to_date", required=False)
    queue_ids = id_list(params, "acd_queue_id", errors.BAD_QUEUE_ID, required=False)
    abbreviation = boolean(params, "abbreviation", default=True)
    items = report(params, QUEUE_ITEMS, QUEUE_BY_NAME)
    aggregation = choice(params, "aggregation", AGGREGATIONS, "none", errors.BAD_AGGREGATION)
    extensions = parse_extensions(params, TAKES)
    assert from_wall is not None
    from_ms, to_ms = window(params, from_wall, to_wall, extensions, now_ms)
    return QueueStatisticsQuery(
        from_ms,
        to_ms,
        queue_ids,
        abbreviation,
        items,
        aggregation,
        extensions.by_queue,
        extensions.service_level or thresholds,
        extensions.format,
        extensions.zone,
        extensions.percentiles,
    )
