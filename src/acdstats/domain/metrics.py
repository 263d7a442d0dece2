"""The catalogue of GetACDOperatorStatistics items (SPEC 4.2)."""

from __future__ import annotations

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
