"""The database handle: a large write-ahead log is folded into the file after a commit."""

from __future__ import annotations

from pathlib import Path

from acdstats.storage.db import Database
from tests.scenario import ev, load, per_user


def test_a_large_wal_is_checkpointed_after_commit(tmp_path: Path) -> None:
    db = Database(tmp_path / "c.duckdb")
    wal = tmp_path / "c.duckdb.wal"
    db.checkpoint_wal_bytes = 10**12  # never: the log grows
    load(
        db, [ev("offered", "10:00:00", r="r1", u=7, q=5), ev("unanswered", "10:00:05", r="r1", u=7)]
    )
    assert wal.exists() and wal.stat().st_size > 0
    db.checkpoint_wal_bytes = 0  # always: the next commit folds it in
    load(
        db, [ev("offered", "11:00:00", r="r2", u=7, q=5), ev("unanswered", "11:00:05", r="r2", u=7)]
    )
    assert not wal.exists() or wal.stat().st_size == 0
    db.close()
    reopened = Database(tmp_path / "c.duckdb")
    assert per_user(reopened, report="UAC") == {7: {"UAC": 2}}
    reopened.close()
