"""What /metrics shows: one prometheus_client registry per app (no process-global state).

Requests are counted by `method` (the platform_api method, or the route for the other
endpoints) and `code` (the Voximplant error code of a platform_api answer, 0 for a result;
the HTTP status elsewhere), with a latency histogram. Labels come from a closed set (known
method names, route templates), never from what a client sends, and no header is read:
a token cannot reach a label.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from acdstats.services.methods import METHODS

# Route labels for what is not a platform_api call (anything else is "other").
_ROUTES = {
    ("POST", "/events"): "POST /events",
    ("GET", "/health"): "GET /health",
    ("GET", "/metrics"): "GET /metrics",
    ("GET", "/openapi.json"): "GET /openapi.json",
}
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64)
_LINE_BUCKETS = (1, 10, 100, 1_000, 10_000, 50_000, 100_000)
# Where platform_api tells the middleware which method it ran and the answer's code.
_METHOD_KEY = "acdstats.method"
access_log = logging.getLogger("acdstats.access")
_CODE_KEY = "acdstats.code"


class Telemetry:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "acdstats_requests", "Requests answered", ["method", "code"], registry=r
        )
        self.latency = Histogram(
            "acdstats_request_duration_seconds",
            "Time from the request's arrival to the end of its answer",
            ["method", "code"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.ingested = Counter(
            "acdstats_ingest_events",
            "Lines of POST /events batches by outcome",
            ["outcome"],
            registry=r,
        )
        for outcome in ("stored", "duplicate", "orphaned", "rejected"):
            self.ingested.labels(outcome)
        self.refused_batches = Counter(
            "acdstats_ingest_batches_refused",
            "POST /events batches answered 503 (nothing of them stored)",
            registry=r,
        )
        self.commit_batches = Histogram(
            "acdstats_group_commit_batches",
            "Client batches written together in one transaction",
            buckets=_BATCH_BUCKETS,
            registry=r,
        )
        self.commit_lines = Histogram(
            "acdstats_group_commit_lines",
            "Lines written in one group-commit transaction",
            buckets=_LINE_BUCKETS,
            registry=r,
        )

    def gauge(self, name: str, doc: str, read: Callable[[], float]) -> None:
        """A value read when /metrics is scraped."""
        Gauge(name, doc, registry=self.registry).set_function(read)

    def watch_files(self, db_path: Path) -> None:
        wal = db_path.with_name(db_path.name + ".wal")
        self.gauge("acdstats_database_bytes", "Size of the database file", lambda: _size(db_path))
        self.gauge("acdstats_wal_bytes", "Size of the write-ahead log", lambda: _size(wal))
        folder = db_path.resolve().parent
        self.gauge(
            "acdstats_disk_free_bytes",
            "Free space on the disk holding the database",
            lambda: _free(folder),
        )

    def count_ingest(self, stored: int, duplicates: int, orphaned: int, rejected: int) -> None:
        for outcome, n in (
            ("stored", stored),
            ("duplicate", duplicates),
            ("orphaned", orphaned),
            ("rejected", rejected),
        ):
            if n:
                self.ingested.labels(outcome).inc(n)

    def count_commit(self, batches: int, lines: int) -> None:
        self.commit_batches.observe(batches)
        self.commit_lines.observe(lines)


def note_call(scope: Scope, name: str | None, answer: bytes) -> None:
    """Label a platform_api request with its method and the code of its answer."""
    state = scope.setdefault("state", {})
    state[_METHOD_KEY] = name if name in METHODS else "unknown"
    code = 0
    if answer.startswith(b'{"error":'):  # error bodies are small; results are not parsed
        code = int(orjson.loads(answer)["error"]["code"])
    state[_CODE_KEY] = str(code)


def _size(path: Path) -> float:
    try:
        return float(path.stat().st_size)
    except OSError:
        return 0.0


def _free(folder: Path) -> float:
    try:
        return float(shutil.disk_usage(folder).free)
    except OSError:
        return 0.0


class RequestMetrics:
    """ASGI middleware: counts and times every HTTP request."""

    def __init__(self, app: ASGIApp, telemetry: Telemetry) -> None:
        self.app = app
        self.telemetry = telemetry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            method, code = _labels(scope, status[0])
            elapsed = time.perf_counter() - started
            self.telemetry.requests.labels(method, code).inc()
            self.telemetry.latency.labels(method, code).observe(elapsed)
            # No headers and no query string: either may carry a credential.
            client = scope.get("client")
            access_log.info(
                '%s "%s %s" %d %s code=%s %.1f ms',
                client[0] if client else "-",
                scope.get("method"),
                str(scope.get("path", ""))[:200],
                status[0],
                method,
                code,
                elapsed * 1000,
            )


def _labels(scope: Scope, status: int) -> tuple[str, str]:
    state = scope.get("state") or {}
    if _METHOD_KEY in state:
        return str(state[_METHOD_KEY]), str(state.get(_CODE_KEY, status))
    path = str(scope.get("path", ""))
    if path.startswith("/platform_api"):
        return "unknown", str(status)  # refused before a method was looked up (4xx)
    return _ROUTES.get((str(scope.get("method")), path), "other"), str(status)
