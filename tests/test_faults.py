"""Faults against `acdstats serve` as a real process over TLS (issue 16, item 4).

- A damaged database file at start: a clear message, a non-zero exit, the file untouched.
- The disk fills during a write: that batch is 503 with nothing of it stored, reads go on,
  writes (and /health) recover once there is room again.
- SIGTERM with batches in the writer: they finish and are acknowledged, new ones get 503,
  then the port closes and the process exits 0.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from click.testing import CliRunner

from acdstats.cli.main import main
from acdstats.domain.events import Line
from acdstats.errors import StorageUnavailable
from acdstats.services import keys
from acdstats.services.ingest import ingest_batch
from acdstats.storage.db import CHECKPOINT_WAL_BYTES, Database
from tests.every_read import answers_over
from tests.serverproc import ACDSTATS, PATIENCE_S, bearer, ndjson, serving
from tests.test_web_hostile import DAMAGES, seeded  # noqa: F401 (seeded: a fixture)

__all__ = ["seeded"]


def overwrite_a_data_block(data: bytes) -> bytes:
    """4 KiB of noise inside a block that holds table data (DuckDB checksums each block)."""
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder) / "scratch.duckdb"
        scratch.write_bytes(data)
        with duckdb.connect(str(scratch), read_only=True) as con:
            size, block = con.execute(
                "SELECT block_size, max(block_id) FROM pragma_database_size(), "
                "pragma_storage_info('request_events') GROUP BY 1"
            ).fetchone() or (0, 0)
    at = 3 * 4096 + block * size + size // 2
    return data[:at] + random.Random(11).randbytes(4096) + data[at + 4096 :]


FAULTS: dict[str, Callable[[bytes], bytes]] = {
    **DAMAGES,
    "a data block overwritten": overwrite_a_data_block,
}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def beside(path: Path) -> list[str]:
    """The files in the database's folder (a WAL or control socket would show here)."""
    return sorted(p.name for p in path.parent.iterdir())


# Every command that opens the database, as a user would run it.
OPENERS = [
    ["account", "create", "--name", "x"],
    ["account", "list"],
    ["key", "list", "--account-id", "1"],
    ["query", "--account-id", "1", "GetACDOperatorStatistics", "from_date=2026-03-01 00:00:00"],
    ["rebuild", "--account-id", "1"],
    ["names", "--account-id", "1"],
    ["backup", "--out", "{tmp}/backup"],
]


@pytest.mark.parametrize("damage", list(FAULTS))
def test_a_damaged_file_stops_serve_and_every_command_untouched(
    tmp_path: Path,
    seeded: bytes,
    damage: str,  # noqa: F811
) -> None:
    path = tmp_path / "damaged.duckdb"
    path.write_bytes(FAULTS[damage](seeded))
    before, files = digest(path), beside(path)
    served = subprocess.run(
        [ACDSTATS, "serve", "--db", str(path), "--port", "0"],
        capture_output=True,
        timeout=120,
    )
    message = served.stderr.decode()
    assert served.returncode == 1, message
    assert str(path) in message and ("damaged" in message or "truncated" in message)
    assert "restore it from a backup" in message and "Traceback" not in message
    assert digest(path) == before and beside(path) == files
    for command in OPENERS:
        args = [arg.format(tmp=tmp_path) for arg in command]
        result = CliRunner().invoke(main, [*args, "--db", str(path)], catch_exceptions=False)
        assert result.exit_code == 1, (command, result.output)
        assert str(path) in result.output and "Traceback" not in result.output, command
        assert digest(path) == before and beside(path) == files, command


# The disk fills -------------------------------------------------------------------------------


def calls(tag: str, count: int, hour: int = 0) -> list[dict[str, Any]]:
    """count answered calls with after-call work from 2026-03-02 08:00 UTC + hour hours;
    event ids start with the tag."""
    events: list[dict[str, Any]] = []
    for i in range(count):
        request, user, base = f"{tag}-{i}", 1 + i % 13, 1772438400 + hour * 3600 + i * 7

        def at(offset: float, base: int = base) -> str:
            return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(base + offset))

        call: list[dict[str, Any]] = [
            {"type": "enqueued", "request_id": request, "queue_id": 1 + i % 3, "at": at(0)},
            {"type": "offered", "request_id": request, "user_id": user, "at": at(1)},
            {"type": "answered", "request_id": request, "user_id": user, "at": at(4)},
            {"type": "hangup", "request_id": request, "at": at(40)},
            {"type": "status", "user_id": user, "status": "AFTER_SERVICE", "at": at(40)},
            {"type": "status", "user_id": user, "status": "READY", "at": at(52)},
        ]
        events.extend({**e, "event_id": f"{tag}-{i}-{n}"} for n, e in enumerate(call))
    return events


def numbered(events: list[dict[str, Any]]) -> list[Line]:
    return list(enumerate(events, start=1))


CALLS = 5000  # per batch: 30,000 events, some 5 MB of log


def stored_per_tag(db: Database) -> dict[str, int]:
    """Stored events by the tag their ids start with."""
    rows = (
        db.reader()
        .execute(
            "SELECT split_part(event_key, '-', 1), count(*) FROM (SELECT event_key FROM "
            "request_events UNION ALL SELECT event_key FROM status_events) GROUP BY 1"
        )
        .fetchall()
    )
    return {str(tag).removeprefix("id:"): int(n) for tag, n in rows}


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 40 MiB tmpfs of its own (root only: the test is skipped elsewhere)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=40m", "acdstats-test", str(mount)],
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "--lazy", str(mount)], check=True)


def fill(disk: Path, name: str = "ballast") -> Path:
    """A file that takes every free byte of the disk."""
    ballast = disk / name
    with ballast.open("wb", buffering=0) as out:
        for chunk in (b"\0" * (1 << 20), b"\0" * 4096, b"\0"):
            with contextlib.suppress(OSError):  # ENOSPC: full for chunks this large
                while out.write(chunk):
                    pass
    assert shutil.disk_usage(disk).free == 0
    return ballast


@pytest.mark.slow
def test_writes_until_the_disk_is_full_never_lose_the_database(small_disk: Path) -> None:
    """Batches are written until one finds no room: it fails alone and nothing of it is
    stored; the database still answers reads (DuckDB's own checkpoint, had it started on
    the full disk, would have invalidated it: every read failing until a restart); once a
    reserve file is deleted the failed batch is stored whole; the file reopens the same."""
    path = small_disk / "full.duckdb"
    wal = path.with_name(path.name + ".wal")
    db = Database(path)
    account = keys.create_account(db, "a").account_id
    reserve = small_disk / "reserve"
    reserve.write_bytes(b"\0" * (6 << 20))  # deleted below: space that returns
    per_batch = len(calls("b0", CALLS))
    batch, largest_wal = 0, 0
    try:
        while True:
            try:
                report = ingest_batch(db, account, numbered(calls(f"b{batch}", CALLS, batch)))
            except StorageUnavailable as exc:  # storage raises it for DuckDB's failure
                assert "space" in str(exc).lower(), exc
                break
            assert report.stored == per_batch
            largest_wal = max(largest_wal, wal.stat().st_size if wal.exists() else 0)
            batch += 1
            assert batch < 100, "the disk never filled"
        assert largest_wal > CHECKPOINT_WAL_BYTES  # a checkpoint was due on a filling disk
        expected = {f"b{b}": per_batch for b in range(batch)}
        assert stored_per_tag(db) == expected  # reads work; the failed batch left nothing
        reserve.unlink()
        again = ingest_batch(db, account, numbered(calls(f"b{batch}", CALLS, batch)))
        assert again.stored == per_batch and again.duplicates == 0
        expected[f"b{batch}"] = per_batch
        assert stored_per_tag(db) == expected
    finally:
        db.close()
    reopened = Database(path, read_only=True)
    try:
        assert stored_per_tag(reopened) == expected
    finally:
        reopened.close()


@pytest.mark.slow
def test_a_batch_that_finds_the_disk_full_is_503_and_writes_recover(small_disk: Path) -> None:
    """The server's disk is filled by a ballast file between two batches: the second is 503
    (Voximplant's error body, Retry-After) with nothing of it stored, /health is 503 with
    the reason, every read method answers as before; the ballast is deleted (space
    returns): /health is 200 again by itself, the same batch is stored whole, exit 0."""
    path = small_disk / "served.duckdb"
    db = Database(path)
    account = keys.create_account(db, "a").account_id
    credentials = keys.create_key(db, account, ["Owner"])
    db.close()
    key = credentials["key_id"]
    first, second = calls("b0", 300, 0), calls("b1", 300, 1)
    with serving(path) as server, server.client() as http:
        headers = bearer(credentials)
        assert http.post("/events", content=ndjson(first), headers=headers).status_code == 200
        before = answers_over(http, headers, key)
        ballast = fill(small_disk)
        refused = http.post("/events", content=ndjson(second), headers=headers)
        assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
        assert refused.json()["error"]["code"] == 503
        assert "nothing of this batch was stored" in refused.json()["error"]["msg"]
        assert "No space left on device" in server.wait_for_log("ingest batch not stored")
        health = http.get("/health")
        assert health.status_code == 503 and health.json()["checks"]["writer"] == "failing"
        assert "0 bytes free" in health.json()["reason"]
        assert server.metric("acdstats_disk_free_bytes") == 0
        assert answers_over(http, headers, key) == before  # reads work, nothing half-stored
        ballast.unlink()
        assert http.get("/health").json() == {
            "status": "ok",
            "checks": {"database": "ok", "writer": "ok"},
        }
        again = http.post("/events", content=ndjson(second), headers=headers).json()["result"]
        assert again["stored"] == len(second) and again["duplicates"] == 0
        assert answers_over(http, headers, key) != before
        assert server.stop() == 0
    reopened = Database(path, read_only=True)
    try:
        assert stored_per_tag(reopened) == {"b0": len(first), "b1": len(second)}
    finally:
        reopened.close()


# SIGTERM with batches in flight --------------------------------------------------------------

BIG = 6700  # calls per big batch: 40,200 events, so no two share a transaction (50,000 cap)


@pytest.mark.slow
def test_sigterm_lets_batches_in_the_writer_finish_and_refuses_new_ones(tmp_path: Path) -> None:
    """Three big batches are sent at once; once /metrics shows one waiting for the writer
    (another is being written), SIGTERM. /health turning 503 says the server took it; a
    new batch is then 503, nothing stored. A second SIGTERM ends the drain: the port
    closes, the batches in the writer finish, are answered 200 (at least one after the
    SIGTERM) and are stored whole; one still arriving at SIGTERM is 503, nothing of it
    stored; exit 0.
    Nothing waits on a clock: each step waits for the server's own signal."""
    path = tmp_path / "term.duckdb"
    db = Database(path)
    account = keys.create_account(db, "a").account_id
    credentials = keys.create_key(db, account, ["Owner"])
    db.close()
    big = {tag: calls(tag, BIG, hour) for hour, tag in enumerate(("a", "b", "c"))}
    late = calls("d", 10, 9)
    events: list[tuple[str, int]] = []  # (what, HTTP status) in the order they happened
    order = threading.Lock()
    with serving(path, "--shutdown-drain-s", "600") as server:
        headers = bearer(credentials)

        def push(tag: str) -> None:
            with server.client() as http:
                status = http.post("/events", content=ndjson(big[tag]), headers=headers)
            with order:
                events.append((tag, status.status_code))

        pushers = [threading.Thread(target=push, args=(tag,)) for tag in big]
        for pusher in pushers:
            pusher.start()
        with server.client() as http:
            while server.metric("acdstats_write_queue_depth") < 1:
                assert any(p.is_alive() for p in pushers), "no batch ever waited for the writer"
            with order:
                events.append(("SIGTERM", 0))
                server.process.send_signal(signal.SIGTERM)
            while http.get("/health").status_code != 503:
                pass
            assert http.get("/health").json()["checks"]["writer"] == "shutting down"
            refused = http.post("/events", content=ndjson(late), headers=headers)
        assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
        assert refused.json()["error"] == {
            "code": 503,
            "msg": "The server is shutting down; nothing of this batch was stored",
        }
        server.process.send_signal(signal.SIGTERM)  # the drain ends: the port closes
        for pusher in pushers:
            pusher.join(timeout=PATIENCE_S)
        assert server.wait() == 0
        with pytest.raises(httpx.ConnectError), server.client() as http:
            http.get("/health")
    # A batch still arriving at SIGTERM may be 503 too (nothing stored); the one waiting
    # for the writer was not, and finished after it.
    answers = dict(events)
    assert sorted(answers) == ["SIGTERM", "a", "b", "c"]
    assert {answers[tag] for tag in big} <= {200, 503}
    after = events[events.index(("SIGTERM", 0)) + 1 :]
    assert 200 in [status for _, status in after], "no batch was in the writer at SIGTERM"
    reopened = Database(path, read_only=True)
    try:
        acknowledged = {tag: len(e) for tag, e in big.items() if answers[tag] == 200}
        assert stored_per_tag(reopened) == acknowledged
    finally:
        reopened.close()
