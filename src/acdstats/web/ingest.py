"""POST /events: live ingest of a batch of events (SPEC 3.4), with ordinary HTTP statuses.

200 means every stored line of the batch is committed to disk. A batch is one transaction:
when the server cannot write (503) nothing of it was stored.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from acdstats import errors
from acdstats.errors import ApiError, StorageUnavailable
from acdstats.services.methods import INGEST_ROLES
from acdstats.web.batch_body import parse_batch
from acdstats.web.params import Body
from acdstats.web.responses import ERROR_CONTENT, TransportError, error_response, json_response
from acdstats.web.state import ServerState

log = logging.getLogger(__name__)

# How long a batch waits for the one database writer before the server answers 503.
WRITE_WAIT_S = 30.0
_STATUS_OF_CODE = {errors.ROLE_NOT_ALLOWED: 403, errors.RATE_LIMITED: 429}


_REPORT = {
    "type": "object",
    "properties": {
        "result": {
            "type": "object",
            "required": ["stored", "duplicates", "orphaned", "rejected"],
            "properties": {
                "stored": {"type": "integer"},
                "duplicates": {"type": "integer"},
                "replaced": {
                    "type": "integer",
                    "description": "Offer records that replaced a stored record of their identity",
                },
                "orphaned": {"type": "integer"},
                "rejected": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"line": {"type": "integer"}, "reason": {"type": "string"}},
                    },
                },
            },
        }
    },
}
# The OpenAPI description of this route (web.openapi publishes it).
OPENAPI_PATH = {
    "post": {
        "operationId": "PostEvents",
        "summary": "Ingest a batch of ACD events (roles: Admin, Developer, Owner)",
        "security": [{"bearerJWT": []}],
        "requestBody": {
            "required": True,
            "content": {
                # The decoded body: one JSON object per line (a line that is not JSON is
                # a rejected line; a body with no JSON line at all is a 400).
                "application/x-ndjson": {"schema": {"type": "array", "items": {"type": "object"}}},
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            },
        },
        "responses": {
            "200": {
                "description": "The batch was processed; stored lines are on disk",
                "content": {"application/json": {"schema": _REPORT}},
            },
            **{
                str(status): {"description": text, "content": ERROR_CONTENT}
                for status, text in [
                    (400, "Body is not NDJSON or a JSON array"),
                    (401, "Token refused (codes 100, 447, 454, 455, 456)"),
                    (403, "Role not allowed (code 104)"),
                    (413, "Body or batch over the configured limit"),
                    (429, "Rate limit (code 340)"),
                    (503, "Cannot take writes now; nothing of the batch was stored"),
                ]
            },
        },
    }
}


def _unavailable(msg: str) -> Response:
    response = error_response(503, 503, msg)
    response.headers["Retry-After"] = "1"
    return response


def routes(state: ServerState) -> list[BaseRoute]:
    writer = state.writer

    async def endpoint(request: Request) -> Response:
        authorization = request.headers.get("authorization")
        try:
            principal = await run_in_threadpool(state.authorize, authorization, INGEST_ROLES)
        except ApiError as exc:
            return error_response(_STATUS_OF_CODE.get(exc.code, 401), exc.code, exc.msg)
        body = Body(request, state.settings.max_body_bytes)
        try:
            await body.read()
            # Off the event loop: splitting a large body takes a while.
            lines = await run_in_threadpool(
                parse_batch, body.data(), state.settings.max_batch_lines
            )
        except TransportError as exc:
            response = error_response(exc.status, exc.status, exc.msg)
            if body.unread:  # not drained (it may be a gigabyte): close after the answer
                response.headers["connection"] = "close"
            return response
        del body  # the batch's lines are all that is kept while it is written
        if state.draining:
            state.telemetry.refused_batches.inc()
            return _unavailable("The server is shutting down; nothing of this batch was stored")
        try:
            report = await run_in_threadpool(
                writer.write, principal.account_id, lines, WRITE_WAIT_S
            )
        except (StorageUnavailable, OSError) as exc:
            log.error("ingest batch not stored: %s", exc)
            state.telemetry.refused_batches.inc()
            return _unavailable(
                "The server cannot take writes now; nothing of "
                "this batch was stored, send it again later"
            )
        state.telemetry.count_ingest(
            report.stored, report.duplicates, report.orphaned, len(report.rejected)
        )
        result = report.as_dict()
        del result["skipped"]  # events carry nothing to skip; SPEC 3.4's answer has no such count
        return json_response({"result": result})

    return [Route("/events", endpoint, methods=["POST"])]
