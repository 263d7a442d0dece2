"""One simulated day as compact tuples, before they become SPEC records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Event codes, in SPEC order of types at equal times (the engine emits in time order anyway).
ENQUEUED, OFFERED, ANSWERED, UNANSWERED, HANGUP, ABANDONED, REJECTED, STATUS = range(8)
TYPES = (
    "enqueued",
    "offered",
    "answered",
    "unanswered",
    "hangup",
    "abandoned",
    "rejected",
    "status",
)
# Status codes carried in the last field of a STATUS tuple.
READY, IN_SERVICE, AFTER_SERVICE, DND, OFFLINE = range(5)
STATUS_NAMES = ("READY", "IN_SERVICE", "AFTER_SERVICE", "DND", "OFFLINE")

# (at epoch ms, code, request index or -1, operator index or -1, queue index or status code)
Row = tuple[int, int, int, int, int]


@dataclass(frozen=True, slots=True)
class DayLog:
    """Events of one day in time order; request r's id is f"{request_prefix}{r + 1}"."""

    day: int  # index from the config's start date
    date: date
    day_start_ms: int
    request_prefix: str
    user_ids: tuple[int, ...]  # operator index -> user_id
    requests: int  # request indices are 0 .. requests - 1
    rows: list[Row]

    def request_ids(self) -> list[str]:
        return [f"{self.request_prefix}{r + 1}" for r in range(self.requests)]

    def counts(self) -> list[int]:
        """How many events of each code."""
        counts = [0] * len(TYPES)
        for row in self.rows:
            counts[row[1]] += 1
        return counts
