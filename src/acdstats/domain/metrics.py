"""The metric rules of SPEC 4.2 and the catalogue of GetACDOperatorStatistics items.

Each rule is written once here, in Python and as the one SQL fragment the storage uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    short: str
    long: str
    sample: str  # the per-offer sample it aggregates: sa, tt, acw, ht, or "" for counts
    kind: str  # "object" (min/avg/max/count/sum), "sum", "answered", "unanswered"


# In the order of the Voximplant documentation; `report=all` answers them in this order.
ITEMS: tuple[Item, ...] = (
    Item("SA", "SpeedOfAnswer", "sa", "object"),
    Item("TT", "TalkTime", "tt", "object"),
    Item("ACW", "AfterCallWork", "acw", "object"),
    Item("HT", "HandlingTime", "ht", "object"),
    Item("TDT", "TotalDialingTime", "sa", "sum"),
    Item("TTT", "TotalTalkTime", "tt", "sum"),
    Item("TACW", "TotalAfterCallWork", "acw", "sum"),
    Item("THT", "TotalHandlingTime", "ht", "sum"),
    Item("AC", "AnsweredCalls", "", "answered"),
    Item("UAC", "UnansweredCalls", "", "unanswered"),
)

BY_NAME: dict[str, Item] = {
    name.lower(): item for item in ITEMS for name in (item.short, item.long)
}


# --- The rules -------------------------------------------------------------------------------
# The after-call work window (SPEC 4.2): the first status event at or after (end - 1 s) must
# be AFTER_SERVICE and come no later than end + 10 s.
ACW_LOOKBACK_MS = 1000
ACW_START_WITHIN_MS = 10_000


def seconds(end_ms: int, start_ms: int) -> int:
    """A sample: a duration in whole seconds, rounded half up from milliseconds."""
    return (end_ms - start_ms + 500) // 1000


def seconds_sql(end_ms: str, start_ms: str) -> str:
    """`seconds` over two SQL expressions of epoch milliseconds (NULL if either is)."""
    return f"(({end_ms}) - ({start_ms}) + 500) // 1000"


def handling_time_sql(tt: str, acw: str) -> str:
    """HT = TT + ACW: the sum of the two rounded samples, ACW counting 0 when absent."""
    return f"({tt}) + coalesce({acw}, 0)"


def floored_average(total: int, count: int) -> int:
    """An item object's avg: floor(sum / count), 0 with no samples."""
    return total // count if count else 0


def floored_average_sql(total: str, count: str) -> str:
    """`floored_average` in SQL."""
    return f"coalesce(({total}) // nullif({count}, 0), 0)"


def nearest_ranks_sql(column: str, percentiles: Sequence[int]) -> list[str]:
    """The N-th percentiles (SPEC 8.2) of a column's non-null values in a group, one SQL
    aggregate expression per N: the sample at 1-based position (N * count + 99) div 100 of
    the ascending samples, 0 with none.

    DuckDB's quantile_disc with a DECIMAL fraction N/100 computes that position in integer
    arithmetic, as n - floor(n * (100 - N) / 100) = ceil(N * n / 100) (with a DOUBLE it
    would round); the one list of fractions is one sort per group.
    """
    fractions = ", ".join(f"{int(n) / 100:.2f}" for n in percentiles)
    ranks = f"quantile_disc({column}, [{fractions}]::DECIMAL(3, 2)[])"
    return [f"coalesce(({ranks})[{i}], 0)" for i in range(1, len(percentiles) + 1)]
