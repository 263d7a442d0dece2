"""The platform_api dispatcher: /platform_api[/{Method}][/], GET and POST (SPEC 1).

Checks run in the SPEC's order: method name (102, 103), token (447, 100, 454, 455, 456),
rate (340), role (104), then the method's own parameters. Every API-level failure is an
HTTP 200 with {"error": ...}; only transport faults get a 4xx status.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from acdstats.errors import ApiError
from acdstats.services.methods import CallContext, find_method, respond
from acdstats.web.params import read_params
from acdstats.web.responses import TransportError, error_response
from acdstats.web.state import ServerState
from acdstats.web.telemetry import note_call

log = logging.getLogger(__name__)

PATHS = ("/platform_api", "/platform_api/", "/platform_api/{method}", "/platform_api/{method}/")


def routes(state: ServerState) -> list[BaseRoute]:
    async def endpoint(request: Request) -> Response:
        try:
            params = await read_params(request, state.settings.max_body_bytes)
        except TransportError as exc:
            return error_response(exc.status, exc.status, exc.msg)
        # The path's method wins over `cmd` (the .NET client sends both).
        name = request.path_params.get("method") or params.get("cmd")
        authorization = request.headers.get("authorization")
        answer = await run_in_threadpool(dispatch, state, name, authorization, params)
        note_call(request.scope, name, answer)
        # A CSV answer (SPEC 8.4) carries its own media type; everything else is JSON.
        media_type = getattr(answer, "media_type", "application/json")
        return Response(bytes(answer), media_type=media_type)

    return [Route(path, endpoint, methods=["GET", "POST"]) for path in PATHS]


def dispatch(
    state: ServerState, name: str | None, authorization: str | None, params: Mapping[str, str]
) -> bytes:
    """The response body of one platform_api call (runs in a worker thread)."""
    try:
        method = find_method(name)
        principal = state.authorize(authorization, method.roles)
        ctx = CallContext(
            state.db,
            principal.account_id,
            principal.key_id,
            max_records=state.settings.max_records,
            user_id_as_number=state.settings.user_id_as_number,
            now_ms=state.settings.now_ms,
            status_detail_as_object=state.settings.status_detail_as_object,
        )
        return respond(method, ctx, params)
    except ApiError as exc:
        return orjson.dumps(exc.as_dict())
