"""GET /health and GET /metrics (issue 16): exact counts, who may read them, no secrets."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from prometheus_client.parser import text_string_to_metric_families

from acdstats.cli.server import uvicorn_options
from acdstats.config import Settings
from acdstats.storage.db import Database
from acdstats.web.app import create_app
from tests.authkit import new_key, token
from tests.scenario import ev
from tests.webkit import TestClient

CALL = [
    ev("offered", "10:00:00", r="r1", u=7, q=5),
    ev("answered", "10:00:04", r="r1", u=7),
    ev("hangup", "10:02:04", r="r1"),
]
STATS = {"from_date": "2026-03-02 00:00:00", "to_date": "2026-03-03 00:00:00", "user_id": "all"}


def ndjson(events: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(e) + b"\n" for e in events)


@contextlib.contextmanager
def serve(app: Any, settings: Settings) -> Iterator[str]:
    """The app under uvicorn as `acdstats serve` runs it, but logging to the root logger."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    options = {**uvicorn_options(settings), "log_config": None, "log_level": "debug"}
    del options["host"], options["port"]
    server = uvicorn.Server(uvicorn.Config(app, **options))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            assert thread.is_alive(), "the server did not start"
            time.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a /metrics page: (name, sorted labels) -> value."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_health_is_ok_on_a_working_server(db: Database) -> None:
    with TestClient(create_app(Settings(), db)) as client:
        answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "checks": {"database": "ok", "writer": "ok"}}


def test_health_is_503_with_a_reason_while_shutting_down(db: Database) -> None:
    app = create_app(Settings(), db)
    app.state.server.draining = True
    answer = TestClient(app).get("/health")
    assert answer.status_code == 503
    assert answer.json()["status"] == "unavailable"
    assert answer.json()["checks"]["writer"] == "shutting down"
    assert "shutting down" in answer.json()["reason"]


def test_health_is_503_when_the_database_does_not_answer(tmp_path: Any) -> None:
    database = Database(tmp_path / "gone.duckdb")
    app = create_app(Settings(), database)
    database.close()
    answer = TestClient(app).get("/health")
    assert answer.status_code == 503
    assert answer.json()["checks"]["database"] == "failing"
    assert answer.json()["reason"].startswith("the database does not answer a read")


def test_health_reports_a_failed_write_until_writes_work_again(db: Database) -> None:
    app = create_app(Settings(), db)
    writer = app.state.server.writer
    writer.last_failure = "IOException: could not write (disk full)"
    # The check's own probe write succeeds here (the disk has room): health recovers at once.
    answer = TestClient(app).get("/health")
    assert answer.status_code == 200 and writer.last_failure is None


def test_metrics_count_requests_ingest_and_commits(db: Database) -> None:
    owner = new_key(db, ["Owner"])
    supervisor = new_key(db, ["Supervisor"], account_id=owner["account_id"])
    settings = Settings()
    app = create_app(settings, db)
    with serve(app, settings) as base:
        auth = {"Authorization": "Bearer " + token(owner)}
        first = httpx.post(f"{base}/events", content=ndjson(CALL), headers=auth)
        assert first.json()["result"]["stored"] == 3
        mixed = CALL[:1] + [ev("answered", "11:00:00", r="nobody", u=8), {"type": "nonsense"}]
        second = httpx.post(f"{base}/events", content=ndjson(mixed), headers=auth)
        result = second.json()["result"]
        assert (result["stored"], result["duplicates"], result["orphaned"]) == (1, 1, 1)
        assert len(result["rejected"]) == 1
        for _ in range(2):
            httpx.get(f"{base}/platform_api/GetACDOperatorStatistics", params=STATS, headers=auth)
        bad = {**STATS, "aggregation": "decade"}
        httpx.get(f"{base}/platform_api/GetACDOperatorStatistics", params=bad, headers=auth)
        role = {"Authorization": "Bearer " + token(supervisor)}
        assert httpx.post(f"{base}/events", content=b"{}", headers=role).status_code == 403
        httpx.get(f"{base}/platform_api/NoSuchMethod", headers=auth)
        httpx.get(f"{base}/health")
        text = httpx.get(f"{base}/metrics").text
    got = samples(text)

    def count(method: str, code: str) -> float:
        return got[("acdstats_requests_total", (("code", code), ("method", method)))]

    assert count("GetACDOperatorStatistics", "0") == 2
    assert count("GetACDOperatorStatistics", "228") == 1  # SPEC: bad aggregation
    assert count("unknown", "103") == 1
    assert count("POST /events", "200") == 2 and count("POST /events", "403") == 1
    assert count("GET /health", "200") == 1
    latency = ("code", "0"), ("method", "GetACDOperatorStatistics")
    assert got[("acdstats_request_duration_seconds_count", latency)] == 2
    assert got[("acdstats_request_duration_seconds_sum", latency)] > 0
    for outcome, n in [("stored", 4), ("duplicate", 1), ("orphaned", 1), ("rejected", 1)]:
        assert got[("acdstats_ingest_events_total", (("outcome", outcome),))] == n
    assert got[("acdstats_group_commit_batches_count", ())] == 2  # one commit per batch here
    assert got[("acdstats_group_commit_batches_sum", ())] == 2
    assert got[("acdstats_group_commit_lines_sum", ())] == 6
    assert got[("acdstats_write_queue_depth", ())] == 0
    assert got[("acdstats_database_bytes", ())] == db.path.stat().st_size > 0
    assert ("acdstats_wal_bytes", ()) in got


def test_each_app_has_its_own_registry(db: Database) -> None:
    first, second = create_app(Settings(), db), create_app(Settings(), db)
    assert first.state.server.telemetry.registry is not second.state.server.telemetry.registry


@pytest.mark.parametrize("allow", ["", "10.0.0.0/8"])
def test_metrics_are_refused_outside_the_allowed_networks(db: Database, allow: str) -> None:
    settings = Settings(metrics_allow=allow)
    with serve(create_app(settings, db), settings) as base:
        answer = httpx.get(f"{base}/metrics")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == 403


def test_a_client_without_an_ip_address_gets_no_metrics(db: Database) -> None:
    assert TestClient(create_app(Settings(), db)).get("/metrics").status_code == 403


def test_no_token_key_or_authorization_header_reaches_metrics_or_logs(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    owner = new_key(db, ["Owner"])
    good = token(owner)
    expired = token(owner, now=time.time() - 7200)
    forged = good[: good.rindex(".") + 1] + "A" * 40
    secrets = [good, expired, forged, "hunter2-api-key"]
    settings = Settings()
    caplog.set_level(logging.DEBUG)
    with serve(create_app(settings, db), settings) as base:
        for text in [good, expired, forged, "not.a.token"]:
            auth = {"Authorization": "Bearer " + text}
            httpx.get(f"{base}/platform_api/GetACDOperatorStatistics", params=STATS, headers=auth)
            httpx.post(f"{base}/events", content=ndjson(CALL), headers=auth)
            httpx.post(f"{base}/events", content=b"[{", headers=auth)
        # Credentials where they do not belong: the query string and the form.
        leak = {**STATS, "api_key": "hunter2-api-key", "token": good}
        httpx.get(f"{base}/platform_api/GetACDOperatorStatistics", params=leak)
        httpx.post(f"{base}/platform_api/GetKeys", data={"api_key": "hunter2-api-key"})
        metrics = httpx.get(f"{base}/metrics").text
    # Everything the server side logged (the test's own HTTP client logs its URLs: left out).
    server_side = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    logged = "\n".join(r.getMessage() + " " + str(r.args) for r in server_side)
    assert "/platform_api/GetACDOperatorStatistics" in logged  # the access log is there
    pem = [line for line in owner["private_key"].splitlines() if "PRIVATE KEY" not in line]
    for place in (metrics, logged):
        for secret in secrets + [good.split(".")[1], good.split(".")[2]] + pem:
            assert secret not in place
        assert "authorization" not in place.lower() and "bearer" not in place.lower()
