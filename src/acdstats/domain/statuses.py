"""ACD statuses as GetACDOperatorStatusStatistics shows them (SPEC 7.2)."""

from __future__ import annotations

from acdstats.domain.events import STATUSES

# The order of the keys of an `acd_status` object; spans store a status as its index here.
STATUS_ORDER: tuple[str, ...] = (
    "OFFLINE", "ONLINE", "READY", "BANNED", "IN_SERVICE", "AFTER_SERVICE", "TIMEOUT", "DND",
)  # fmt: skip
STATUS_CODE: dict[str, int] = {s: i for i, s in enumerate(STATUS_ORDER)}
assert set(STATUS_ORDER) == STATUSES

# SQL: the code of a status name held in column `status`.
STATUS_CODE_SQL = (
    "CASE status " + " ".join(f"WHEN '{s}' THEN {c}" for s, c in STATUS_CODE.items()) + " END"
)
