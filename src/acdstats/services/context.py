"""What every platform_api method is: its roles, its handler and the context it runs in."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from acdstats.domain.queue_metrics import DEFAULT_THRESHOLDS
from acdstats.storage.db import Database
from acdstats.storage.duckdb_reader import reader_of
from acdstats.storage.reader import DEFAULT_MAX_RECORDS, StatisticsReader

STATISTICS_ROLES = frozenset({"Owner", "Admin", "Developer", "Supervisor", "User manager"})
INGEST_ROLES = frozenset({"Owner", "Admin", "Developer"})
KEY_ADMIN_ROLES = frozenset({"Owner", "Admin"})


@dataclass(frozen=True)
class CallContext:
    db: Database
    account_id: int
    key_id: str | None = None  # None when called from the CLI (no token)
    max_records: int = DEFAULT_MAX_RECORDS
    user_id_as_number: bool = False
    now_ms: int | None = None  # a fixed clock (UTC epoch ms) for a missing to_date; None: now
    status_detail_as_object: bool = False  # acd_status as the bare object, not [object]
    service_level_thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS  # SL thresholds, seconds
    service_level_as_fraction: bool = False  # SL as Voximplant's documented fraction

    def reader(self) -> StatisticsReader:
        """The statistics reader of this call's database."""
        return reader_of(self.db)


Handler = Callable[[CallContext, Mapping[str, str]], Any]


@dataclass(frozen=True)
class Method:
    roles: frozenset[str]
    handler: Handler
    writes: bool = False  # changes the database (the CLI then opens it for writing)
