"""The catalogue of GetACDQueueStatistics items (SPEC 6.2) and its integer rules."""

from __future__ import annotations

from acdstats.domain.metrics import Item

# In the order of the SPEC 6.2 table; `report=all` answers them in this order. sample: the
# per-call sample an item aggregates (wt, sa, abt = AT, tt, acw, ht, ql), or the count column
# of a calls array (ac, uac, rc); kind: object, sum, count (TC), calls, service_level.
QUEUE_ITEMS: tuple[Item, ...] = (
    Item("WT", "WaitingTime", "wt", "object"),
    Item("SA", "SpeedOfAnswer", "sa", "object"),
    Item("AT", "AbandonmentTime", "abt", "object"),
    Item("TT", "TalkTime", "tt", "object"),
    Item("ACW", "AfterCallWork", "acw", "object"),
    Item("HT", "HandlingTime", "ht", "object"),
    Item("QL", "QueueLength", "ql", "object"),
    Item("TC", "TotalCalls", "tc", "count"),
    Item("AC", "AnsweredCalls", "ac", "calls"),
    Item("UAC", "UnansweredCalls", "uac", "calls"),
    Item("RC", "RejectedCalls", "rc", "calls"),
    Item("SL", "ServiceLevel", "", "service_level"),
    Item("TWT", "TotalWaitingTime", "wt", "sum"),
    Item("TST", "TotalSubmissionTime", "sa", "sum"),
    Item("TAT", "TotalAbandonmentTime", "abt", "sum"),
    Item("THT", "TotalHandlingTime", "ht", "sum"),
    Item("TTT", "TotalTalkTime", "tt", "sum"),
    Item("TACW", "TotalAfterCallWork", "acw", "sum"),
)

QUEUE_BY_NAME: dict[str, Item] = {
    name.lower(): item for item in QUEUE_ITEMS for name in (item.short, item.long)
}

DEFAULT_THRESHOLDS = (20, 30, 60)
MIN_THRESHOLD, MAX_THRESHOLD = 1, 3600


def percent(n: int, total: int) -> int:
    """100 n / total rounded half up, in integers: 1 of 8 is 13 (SPEC 6.2)."""
    return (200 * n + total) // (2 * total)


def fraction(n: int, total: int) -> int | float:
    """n / total rounded half up to 4 decimals (Voximplant's documented service level).

    A whole value is an int (so JSON shows `1` and `0`); any other is the float nearest to
    k / 10000, whose shortest form (what JSON encoders write) has at most 4 decimals.
    """
    k = (20000 * n + total) // (2 * total)
    return k // 10000 if k % 10000 == 0 else k / 10000


def parse_thresholds(text: str) -> tuple[int, ...]:
    """A `;`-list of whole seconds 1..3600 (ASCII digits), sorted, duplicates merged.

    ValueError (with the reason) for anything else; an empty text is an error here (callers
    decide what empty means).
    """
    values = set()
    for part in text.split(";"):
        part = part.strip()
        if not (part.isascii() and part.isdigit()):
            raise ValueError(f"{part!r} is not a whole number of seconds")
        value = int(part)
        if not MIN_THRESHOLD <= value <= MAX_THRESHOLD:
            raise ValueError(f"{value} is not in {MIN_THRESHOLD}..{MAX_THRESHOLD}")
        values.add(value)
    return tuple(sorted(values))
