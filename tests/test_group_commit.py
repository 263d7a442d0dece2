"""Group commit: batches that arrive while the writer is busy are written together."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

import acdstats.services.group_commit as group_commit
from acdstats.errors import WriterBusy
from acdstats.services.group_commit import GroupCommit
from acdstats.services.ingest import ingest_parts
from acdstats.storage.db import Database
from tests.scenario import ev, per_user


def _batch(n: int) -> list[tuple[int, Any]]:
    return list(enumerate([ev("offered", f"10:0{n}:00", r=f"r{n}", u=7, q=5),
                           ev("unanswered", f"10:0{n}:05", r=f"r{n}", u=7)], 1))  # fmt: skip


def test_waiting_batches_share_one_transaction(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    leading = threading.Event()
    real = ingest_parts

    def recording(db: Database, account_id: int, parts: list[Any], timeout: Any) -> Any:
        calls.append(len(parts))
        leading.set()
        return real(db, account_id, parts, timeout)

    monkeypatch.setattr(group_commit, "ingest_parts", recording)
    writer = GroupCommit(db)
    reports: dict[int, Any] = {}

    def push(n: int) -> None:
        reports[n] = writer.write(1, _batch(n), timeout=30)

    threads = [threading.Thread(target=push, args=(n,)) for n in range(4)]
    with db.writer():  # the writer is busy: every batch has to wait
        threads[0].start()
        assert leading.wait(timeout=30)  # the first one is the leader, blocked on the database
        for thread in threads[1:]:
            thread.start()
        _wait_until(lambda: writer.pending() == 3)  # the others queue behind it
    for thread in threads:
        thread.join(timeout=30)
    assert calls == [1, 3]
    assert all(reports[n].stored == 2 and reports[n].rejected == [] for n in range(4))
    assert per_user(db, report="UAC") == {7: {"UAC": 4}}


def _wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.01)


def test_a_batch_that_cannot_get_the_writer_is_not_stored(db: Database) -> None:
    writer = GroupCommit(db)
    with db.writer(), pytest.raises(WriterBusy):
        writer.write(1, _batch(1), timeout=0.2)
    assert per_user(db, report="UAC") == {}
