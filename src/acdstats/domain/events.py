"""Ingest records (SPEC section 3): the event types, their fields and their order.

These tables drive the checks of storage.incoming and the derivation's ordering.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from acdstats.domain.names import NamedEvent
from acdstats.errors import AcdstatsError

if TYPE_CHECKING:
    import pyarrow as pa

STATUSES = frozenset(
    {"OFFLINE", "ONLINE", "READY", "BANNED", "IN_SERVICE", "AFTER_SERVICE", "TIMEOUT", "DND"}
)

# type -> (required fields, optional fields), beyond `type`, `at`, `event_id`, `account_id`.
EVENT_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "enqueued": (("request_id", "queue_id"), ()),
    "offered": (("request_id", "user_id"), ("queue_id",)),
    "answered": (("request_id", "user_id"), ()),
    "unanswered": (("request_id", "user_id"), ()),
    "hangup": (("request_id",), ("user_id",)),
    "abandoned": (("request_id",), ()),
    "rejected": (("request_id",), ()),
    "status": (("user_id", "status"), ()),
}

# Offer records (SPEC 3.2): the required fields, and the times in their required order.
OFFER_FIELDS = ("request_id", "queue_id", "user_id", "offered_at")
OFFER_TIMES = ("offered_at", "answered_at", "ended_at", "acw_ended_at")
# Every time field a record can have.
TIMES = ("at", *OFFER_TIMES)

# Order of event types at equal times within one request (SPEC section 3.1); events of one
# type at one time are then ordered by user_id, then queue_id, an absent value first. (The
# order of the last three matters only to queue calls: a rejection and a hangup at one instant
# make a rejected call.)
TYPE_RANK = {
    "enqueued": 0,
    "offered": 1,
    "answered": 2,
    "unanswered": 3,
    "rejected": 4,
    "abandoned": 5,
    "hangup": 6,
}


class InvalidRecord(AcdstatsError, ValueError):
    """A line that cannot be accepted; the message is the reason shown in the report."""


# What importers yield per line: the record as a dict, or the raw JSON text of one record
# (bytes: checked in the database, the fast path for JSON Lines), or an event whose queue and
# agent are still names (the write pipeline gives them their ids), or a reason it could not
# be read at all, or None for a line that carries nothing to store.
Line = tuple[int, dict[str, Any] | bytes | NamedEvent | InvalidRecord | None]


@dataclass(frozen=True)
class LineChunk:
    """Many lines at once, as a bulk reader builds them without a loop per line: Arrow arrays
    of line numbers, JSON texts (null where unreadable) and reasons (null where readable)."""

    numbers: pa.Array
    docs: pa.Array
    errors: pa.Array
