"""A backup taken from a running server while batches keep arriving (issue 16, item 2).

The moment of a backup: it is taken inside the one writer, between two commits, so it holds
a set S of whole batches. S must hold every batch acknowledged before the backup was asked
for, only batches sent before it was answered, and each pusher's batches as a prefix (one
client's batches commit in the order it sends them). The restored database must answer
every read method exactly as a database built from the same starting file plus exactly the
batches of S, each stored by the same ingest code. Nothing here depends on timing: S is
read from the restored file itself, and the bounds are the clients' own records.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from acdstats.services import keys
from acdstats.services.ingest import ingest_batch
from acdstats.services.methods import METHODS
from acdstats.storage.backup import MANIFEST
from acdstats.storage.db import Database
from tests.every_read import answers_in, read_calls
from tests.serverproc import ACDSTATS, PATIENCE_S, ServerProcess, bearer, ndjson, serving
from tests.test_faults import numbered, stored_per_tag
from tests.webkit import seed_events

PUSHERS = 2
USERS = (1, 2, 3, 4, 5, 6)


def batch(pusher: int, n: int) -> tuple[str, list[dict[str, Any]]]:
    """The n-th batch of a pusher: varied calls (abandons, unanswered offers, after-call
    work), event ids starting with its tag."""
    tag = f"p{pusher}b{n}"
    events = seed_events(1000 * pusher + n, USERS, queues=(5, 6, 7), calls=40)
    return tag, [{**e, "event_id": f"{tag}-{i}"} for i, e in enumerate(events)]


def batch_of(tag: str) -> list[dict[str, Any]]:
    pusher, n = tag.removeprefix("p").split("b")
    return batch(int(pusher), int(n))[1]


class Pushers:
    """Clients sending batch after batch (each its own sequence) until told to stop."""

    def __init__(self, server: ServerProcess, credentials: dict[str, Any]) -> None:
        self.server, self.credentials = server, credentials
        self.sent: list[str] = []
        self.acknowledged: list[str] = []  # in the order the answers came
        self.failures: list[str] = []
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(p,)) for p in range(PUSHERS)]

    def __enter__(self) -> Pushers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=PATIENCE_S)

    def _run(self, pusher: int) -> None:
        with self.server.client() as http:
            n = 0
            while not self.stopping.is_set():
                tag, events = batch(pusher, n)
                with self.changed:
                    self.sent.append(tag)
                answer = http.post(
                    "/events", content=ndjson(events), headers=bearer(self.credentials)
                )
                with self.changed:
                    if answer.status_code == 200:
                        self.acknowledged.append(tag)
                    else:
                        self.failures.append(f"{tag}: {answer.status_code} {answer.text}")
                    self.changed.notify_all()
                n += 1

    def wait_for(self, count: int) -> None:
        """Until count batches are acknowledged in all."""
        with self.changed:
            assert self.changed.wait_for(
                lambda: len(self.acknowledged) >= count or bool(self.failures),
                timeout=PATIENCE_S,
            ), "the server acknowledged too few batches"
        assert not self.failures, self.failures


def test_every_read_method_is_compared() -> None:
    reading = {name for name, method in METHODS.items() if not method.writes}
    assert {name for name, _ in read_calls("k")} == reading


@pytest.mark.slow
def test_a_backup_during_ingest_restores_to_the_answers_of_its_moment(tmp_path: Path) -> None:
    source = tmp_path / "source.duckdb"
    db = Database(source)
    account = keys.create_account(db, "a").account_id
    credentials = keys.create_key(db, account, ["Owner"])
    other = keys.create_account(db, "b").account_id  # another account's data, in every copy
    assert ingest_batch(db, other, numbered(seed_events(99, USERS, (5,)))).rejected == []
    db.close()
    start = tmp_path / "start.duckdb"
    shutil.copyfile(source, start)  # the source before any batch: the oracle's start
    out = tmp_path / "backup"
    with serving(source) as server, Pushers(server, credentials) as pushers:
        pushers.wait_for(3)
        with pushers.changed:
            acknowledged_before = set(pushers.acknowledged)
        taken = subprocess.run(
            [ACDSTATS, "backup", "--db", str(source), "--out", str(out)],
            capture_output=True,
            timeout=PATIENCE_S,
        )
        with pushers.changed:
            sent_before_done = set(pushers.sent)
            acknowledged_at_done = len(pushers.acknowledged)
        assert taken.returncode == 0, taken.stderr
        pushers.wait_for(acknowledged_at_done + 3)  # ingest went on after the backup
    assert server.wait() == 0
    assert not pushers.failures, pushers.failures
    manifest = json.loads((out / MANIFEST).read_text())
    assert json.loads(taken.stdout)["tables"] == manifest["tables"]

    restored = tmp_path / "restored.duckdb"
    done = subprocess.run(
        [ACDSTATS, "restore", str(out), "--db", str(restored)], capture_output=True
    )
    assert done.returncode == 0, done.stderr
    restored_db = Database(restored, read_only=True)
    try:
        held = stored_per_tag(restored_db)
        snapshot = {tag for tag in held if tag.startswith("p")}
        for tag in snapshot:
            assert held[tag] == len(batch_of(tag)), f"batch {tag} is not whole"
        assert acknowledged_before <= snapshot <= sent_before_done
        for pusher in range(PUSHERS):
            mine = sorted(int(t.split("b")[1]) for t in snapshot if t.startswith(f"p{pusher}b"))
            assert mine == list(range(len(mine))), f"pusher {pusher}'s batches are no prefix"
        tables = manifest["tables"]
        assert tables["request_events"] + tables["status_events"] == sum(held.values())

        oracle = Database(start)
        try:
            for tag in (t for t in pushers.acknowledged if t in snapshot):
                events = batch_of(tag)
                assert ingest_batch(oracle, account, numbered(events)).stored == len(events)
            expected = [answers_in(oracle, a, credentials["key_id"]) for a in (account, other)]
        finally:
            oracle.close()
        assert [answers_in(restored_db, a, credentials["key_id"]) for a in (account, other)] == (
            expected
        )
    finally:
        restored_db.close()
    final = Database(source, read_only=True)
    try:
        assert len(stored_per_tag(final)) > len(held)  # the source went on past the moment
    finally:
        final.close()
