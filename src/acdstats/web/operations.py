"""GET /health and GET /metrics: for whoever runs the server (docs/operations.md).

/health answers 200 {"status": "ok", ...} or 503 {"status": "unavailable", "reason": ...}:
the database must answer a read, the writer must not be stuck on one write, the last write
must not have failed (after a failure, the check itself tries one tiny write, so it recovers
as soon as writes do) and the server must not be shutting down. It needs no token and shows
nothing of any account.

/metrics (Prometheus text format) needs no token either, but only clients in the
`metrics_allow` networks get it (loopback by default); others get 403. The address is the
TCP peer's (proxy headers are not trusted), so a request cannot claim to be local.
"""

from __future__ import annotations

import shutil
import time
from ipaddress import ip_address
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from acdstats.web.responses import ERROR_CONTENT, error_response, json_response
from acdstats.web.state import ServerState

# A write that has held the writer longer than this means the writer is stuck.
WRITER_STALL_S = 60.0
PROBE_WAIT_S = 2.0
# After a failed write, writes count as working again only with this much free disk: the
# probe's tiny write can fit in the slack of the log's last page while no batch does.
MIN_FREE_DISK_BYTES = 1024 * 1024

_CHECKS = {"type": "object", "additionalProperties": {"type": "string"}}
_HEALTH = {
    "type": "object",
    "required": ["status", "checks"],
    "properties": {
        "status": {"type": "string", "enum": ["ok", "unavailable"]},
        "reason": {"type": "string"},
        "checks": _CHECKS,
    },
}
# The OpenAPI description of these routes (web.openapi publishes it).
OPENAPI_PATHS = {
    "/health": {
        "get": {
            "operationId": "GetHealth",
            "summary": "Process up, database readable, writer alive (no token)",
            "responses": {
                status: {"description": text, "content": {"application/json": {"schema": _HEALTH}}}
                for status, text in [("200", "Healthy"), ("503", "Unavailable, with a reason")]
            },
        }
    },
    "/metrics": {
        "get": {
            "operationId": "GetMetrics",
            "summary": "Prometheus text format, to the metrics_allow networks only (no token)",
            "responses": {
                "200": {
                    "description": "The metrics",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                },
                "403": {"description": "Client not in metrics_allow", "content": ERROR_CONTENT},
            },
        }
    },
}


def health(state: ServerState) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body) of GET /health (blocking: it reads the database)."""
    checks: dict[str, str] = {}
    reason = None
    try:
        state.db.answers()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = "failing"
        reason = f"the database does not answer a read: {type(exc).__name__}: {exc}"
    writer = state.writer
    since = writer.writing_since
    if state.draining:
        checks["writer"] = "shutting down"
        reason = reason or "the server is shutting down; batches are refused"
    elif since is not None and time.monotonic() - since > WRITER_STALL_S:
        checks["writer"] = "stalled"
        reason = reason or f"one write has held the writer for over {WRITER_STALL_S:.0f} s"
    elif writer.last_failure is not None:
        try:
            free = free_disk_bytes(state)
            if free < MIN_FREE_DISK_BYTES:
                raise OSError(f"the disk holding the database has {free} bytes free")
            writer.probe(PROBE_WAIT_S)
            checks["writer"] = "ok"
        except Exception as exc:
            checks["writer"] = "failing"
            reason = reason or f"writes fail: {writer.last_failure} ({exc})"
    else:
        checks["writer"] = "ok"
    if reason is None:
        return 200, {"status": "ok", "checks": checks}
    return 503, {"status": "unavailable", "reason": reason, "checks": checks}


def free_disk_bytes(state: ServerState) -> int:
    return shutil.disk_usage(state.db.path.resolve().parent).free


def metrics_allowed(state: ServerState, request: Request) -> bool:
    if request.client is None:
        return False
    try:
        peer = ip_address(request.client.host)
    except ValueError:  # not an IP peer (e.g. a Unix socket or a test client)
        return False
    return any(peer in net for net in state.settings.metrics_networks())


def routes(state: ServerState) -> list[BaseRoute]:
    async def get_health(request: Request) -> Response:
        status, body = await run_in_threadpool(health, state)
        return json_response(body, status)

    async def get_metrics(request: Request) -> Response:
        if not metrics_allowed(state, request):
            return error_response(
                403, 403, "Metrics are served only to the networks in the metrics_allow setting"
            )
        text = generate_latest(state.telemetry.registry)
        return Response(text, media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/health", get_health, methods=["GET"]),
        Route("/metrics", get_metrics, methods=["GET"]),
    ]
