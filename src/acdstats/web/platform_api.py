"""The platform_api dispatcher: /platform_api[/{Method}][/], GET and POST (SPEC 1).

Checks run in the SPEC's order: method name (102, 103), token (447, 100, 454, 455, 456),
rate (340), role (104), then the method's own parameters. Every API-level failure is an
HTTP 200 with {"error": ...}; only transport faults get a 4xx status.

A method named in the path is checked, with the token, before a byte of the body is read: a
request that fails them costs nothing however large its body. Without one, the method is in
the body's `cmd`: the body is read up to a small limit first, and a larger body is read on
only once the token is good (then a bad token answers before an unknown `cmd` does).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from acdstats import errors
from acdstats.errors import ApiError, StorageUnavailable
from acdstats.services.auth import Principal
from acdstats.services.methods import CallContext, Method, find_method, respond
from acdstats.web.params import Body, body_params
from acdstats.web.responses import TransportError, error_response
from acdstats.web.state import ServerState
from acdstats.web.telemetry import note_call

log = logging.getLogger(__name__)

PATHS = ("/platform_api", "/platform_api/", "/platform_api/{method}", "/platform_api/{method}/")
# Read before the token is checked when the method can only come from `cmd` in the body.
CMD_BODY_BYTES = 64 * 1024
_CLOSE = {"connection": "close"}


def routes(state: ServerState) -> list[BaseRoute]:
    async def endpoint(request: Request) -> Response:
        authorization = request.headers.get("authorization")
        name: str | None = request.path_params.get("method")
        body = Body(request, state.settings.max_body_bytes)
        caller: tuple[Method, Principal] | None = None
        try:
            if name:
                checked = await run_in_threadpool(check_caller, state, name, authorization)
                if isinstance(checked, bytes):
                    return _answer(request, name, checked, body)
                caller = checked
            else:
                await body.read(CMD_BODY_BYTES)
                if not body.complete:
                    refused = await run_in_threadpool(check_token, state, authorization)
                    if refused is not None:
                        return _answer(request, name, refused, body)
            await body.read()
            params = dict(request.query_params.multi_items())
            params.update(await body_params(request.headers, body.data()))
        except TransportError as exc:
            response = error_response(exc.status, exc.status, exc.msg)
            if body.unread:
                response.headers.update(_CLOSE)
            return response
        if not name:  # the path's method wins over `cmd` (the .NET client sends both)
            name = params.get("cmd")
        answer = await run_in_threadpool(dispatch, state, name, authorization, params, caller)
        return _answer(request, name, answer, body)

    return [Route(path, endpoint, methods=["GET", "POST"]) for path in PATHS]


def _answer(request: Request, name: str | None, answer: bytes, body: Body) -> Response:
    note_call(request.scope, name, answer)
    # A CSV answer (SPEC 8.4) carries its own media type; everything else is JSON.
    media_type = getattr(answer, "media_type", "application/json")
    # A body left unread is not drained: the connection closes after the answer.
    headers = _CLOSE if body.unread else None
    return Response(bytes(answer), media_type=media_type, headers=headers)


def check_caller(
    state: ServerState, name: str, authorization: str | None
) -> tuple[Method, Principal] | bytes:
    """The method and the caller (102/103, token, 340, 104), or the error's response body."""
    try:
        method = find_method(name)
        return method, state.authorize(authorization, method.roles)
    except ApiError as exc:
        return orjson.dumps(exc.as_dict())
    except StorageUnavailable as exc:
        return storage_error(name, exc)


def check_token(state: ServerState, authorization: str | None) -> bytes | None:
    """None if the token is good (rate and role come later, with the method), else the error."""
    try:
        state.auth.authenticate(authorization)
    except ApiError as exc:
        return orjson.dumps(exc.as_dict())
    except StorageUnavailable as exc:
        return storage_error(None, exc)
    return None


def dispatch(
    state: ServerState,
    name: str | None,
    authorization: str | None,
    params: Mapping[str, str],
    caller: tuple[Method, Principal] | None = None,
) -> bytes:
    """The response body of one platform_api call (runs in a worker thread)."""
    try:
        if caller is None:
            method = find_method(name)
            principal = state.authorize(authorization, method.roles)
        else:
            method, principal = caller
        ctx = CallContext(
            state.db,
            principal.account_id,
            principal.key_id,
            max_records=state.settings.max_records,
            user_id_as_number=state.settings.user_id_as_number,
            now_ms=state.settings.now_ms,
            status_detail_as_object=state.settings.status_detail_as_object,
            service_level_thresholds=state.settings.thresholds,
            service_level_as_fraction=state.settings.service_level_as_fraction,
        )
        return respond(method, ctx, params)
    except ApiError as exc:
        return orjson.dumps(exc.as_dict())
    except StorageUnavailable as exc:
        return storage_error(name, exc)


def storage_error(name: str | None, exc: StorageUnavailable) -> bytes:
    """An API error for a failure of the database (logged in one line, no traceback)."""
    log.error("platform_api %s: the database failed: %s", name, exc)
    msg = "The server cannot read its database now; try again later"
    return orjson.dumps(ApiError(errors.STORAGE_UNAVAILABLE, msg).as_dict())
