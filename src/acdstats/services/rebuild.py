"""Re-derivation of an account from its raw events: what `acdstats rebuild` runs."""

from __future__ import annotations

from acdstats.storage.db import Database
from acdstats.storage.derive import rebuild as rebuild_derived


def rebuild_account(db: Database, account_id: int) -> None:
    """Every offer, derived table and rollup of the account, recomputed in one transaction."""
    with db.writer() as cur:
        rebuild_derived(cur, account_id)
