"""Nothing acknowledged is lost: the real server process is killed with SIGKILL mid-ingest.

Each round starts `acdstats serve`, pushes batches from a client, and kills the server at a
random moment. Afterwards every acknowledged event is in the database, every batch is all
there or not at all, and the statistics equal a rebuild from the raw events.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from acdstats.services import keys
from acdstats.services.methods import CallContext, call, find_method
from acdstats.storage.db import Database
from acdstats.storage.derive import rebuild
from tests.authkit import token
from tests.test_web_serve import free_port, wait_until_listening

ROUNDS = 4
BATCH_CALLS = 40


def batch_events(batch: int) -> list[dict[str, Any]]:
    """Complete calls with ACW; event ids name the batch so atomicity can be checked."""
    events: list[dict[str, Any]] = []
    for i in range(BATCH_CALLS):
        request, user = f"b{batch}-{i}", 1 + (batch * 7 + i) % 13
        base = 1772438400 + batch * 3600 + i * 60  # 2026-03-02 08:00 UTC onwards

        def at(offset: float, base: int = base) -> str:
            t = base + offset
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))
            return f"{stamp}.{int(t * 1000) % 1000:03d}"

        calls: list[dict[str, Any]] = [
            {"type": "enqueued", "request_id": request, "queue_id": 1 + i % 3, "at": at(0)},
            {"type": "offered", "request_id": request, "user_id": user, "at": at(1)},
            {"type": "answered", "request_id": request, "user_id": user, "at": at(4.5)},
            {"type": "hangup", "request_id": request, "at": at(40.25)},
            {"type": "status", "user_id": user, "status": "AFTER_SERVICE", "at": at(40.5)},
            {"type": "status", "user_id": user, "status": "READY", "at": at(52)},
        ]
        for n, event in enumerate(calls):
            events.append({**event, "event_id": f"b{batch}-{i}-{n}"})
    return events


def _push_until_killed(
    port: int,
    credentials: dict[str, Any],
    first_batch: int,
    acknowledged: list[int],
    sent: list[int],
    enough: threading.Event,
    kill_after: int,
) -> None:
    """Push batch after batch until the server dies; `enough` once kill_after are acknowledged."""
    batch = first_batch
    this_round = 0
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
        while True:
            body = b"".join(orjson.dumps(e) + b"\n" for e in batch_events(batch))
            sent.append(batch)
            try:
                answer = http.post(
                    "/events",
                    content=body,
                    headers={"Authorization": "Bearer " + token(credentials)},
                )
            except httpx.HTTPError:
                return
            if answer.status_code == 200:
                acknowledged.append(batch)
                this_round += 1
                if this_round >= kill_after:
                    enough.set()  # the next batch is already on its way when the kill lands
            batch += 1


def test_sigkill_loses_no_acknowledged_event(tmp_path: Path) -> None:
    db_path = tmp_path / "durable.duckdb"
    db = Database(db_path)
    account = keys.create_account(db, "durable", None).account_id
    credentials = keys.create_key(db, account, ["Owner"])
    db.close()
    rng = random.Random(20261130)
    acknowledged: list[int] = []
    sent: list[int] = []
    acdstats = str(Path(sys.executable).with_name("acdstats"))
    for _ in range(ROUNDS):
        port = free_port()
        server = subprocess.Popen(
            [acdstats, "serve", "--db", str(db_path), "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        wait_until_listening(port, server)
        enough = threading.Event()
        pusher = threading.Thread(
            target=_push_until_killed,
            args=(
                port, credentials, (max(sent) + 1) if sent else 0, acknowledged, sent,
                enough, rng.randint(1, 6),
            ),
        )  # fmt: skip
        pusher.start()
        assert enough.wait(timeout=120), "the server acknowledged too few batches to test"
        os.kill(server.pid, signal.SIGKILL)
        server.communicate(timeout=10)  # reads and closes its stderr pipe
        pusher.join(timeout=30)
    assert len(acknowledged) >= ROUNDS, "the server acknowledged too few batches to test"

    db = Database(db_path)
    try:
        stored = dict(
            db.reader()
            .execute(
                "SELECT split_part(event_key, '-', 1), count(*) FROM ("
                "SELECT event_key FROM request_events UNION ALL SELECT event_key FROM status_events"
                ") GROUP BY 1"
            )
            .fetchall()
        )
        per_batch = len(batch_events(0))
        for batch in acknowledged:
            assert stored.get(f"id:b{batch}") == per_batch, f"acknowledged batch {batch} lost"
        for batch in set(sent) - set(acknowledged):
            assert stored.get(f"id:b{batch}", 0) in (0, per_batch), f"batch {batch} half stored"
        method = find_method("GetACDOperatorStatistics")
        params = {
            "from_date": "2026-03-01 00:00:00",
            "to_date": "2026-04-01 00:00:00",
            "user_id": "all",
            "aggregation": "hour",
        }
        incremental = call(method, CallContext(db, account), params)
        answered = sum(s["AC"] for g in incremental["result"] for s in g["statistics"])
        assert answered >= len(acknowledged) * BATCH_CALLS
        assert answered % BATCH_CALLS == 0
        with db.writer() as cur:
            rebuild(cur, account)
        assert call(method, CallContext(db, account), params) == incremental
    finally:
        db.close()
