"""The ASGI application: create_app(settings) builds it; nothing happens at import time.

Routes come from the modules in ROUTE_MODULES, each with `routes(state) -> list[BaseRoute]`.
To add an endpoint (for example `POST /events`, SPEC 3.4), write a module with such a
function (it can use `state.authorize(...)` for the token, rate and role checks and
`web.responses` for the JSON error body) and append it to ROUTE_MODULES.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from types import ModuleType

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from acdstats.config import Settings
from acdstats.errors import StorageUnavailable
from acdstats.storage.db import Database
from acdstats.web import dashboard, ingest, openapi, operations, platform_api
from acdstats.web.control import ControlServer
from acdstats.web.responses import error_response
from acdstats.web.state import ServerState
from acdstats.web.telemetry import RequestMetrics

log = logging.getLogger(__name__)

ROUTE_MODULES: list[ModuleType] = [platform_api, ingest, openapi, operations, dashboard]


def create_app(
    settings: Settings, db: Database | None = None, extra_routes: Sequence[BaseRoute] = ()
) -> Starlette:
    """The server. It opens settings' database unless one is given (then the caller owns it)."""
    owned = db is None
    database = Database(settings.database) if db is None else db
    state = ServerState.create(settings, database)
    routes: list[BaseRoute] = [r for module in ROUTE_MODULES for r in module.routes(state)]
    routes.extend(extra_routes)

    # The local control path (backups while serving) belongs to the process owning the file.
    control = ControlServer(database) if owned else None

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if control is not None:
            control.start()
        try:
            yield
        finally:
            if control is not None:
                control.stop()
        if owned:
            database.close()

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(RequestMetrics, telemetry=state.telemetry)],
        exception_handlers={
            HTTPException: _http_error,
            ClientDisconnect: _client_gone,
            StorageUnavailable: _storage_error,
            Exception: _internal_error,
        },
    )
    app.state.server = state
    return app


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    response = error_response(exc.status_code, exc.status_code, str(exc.detail))
    if exc.headers:  # a 405 carries Allow (RFC 9110 requires it)
        response.headers.update(exc.headers)
    return response


async def _client_gone(request: Request, exc: Exception) -> Response:
    # Nobody reads this answer; one line, not a traceback (any client can cause it).
    client = request.client.host if request.client else "?"
    log.info("client %s disconnected during %s %s", client, request.method, request.url.path)
    return Response(status_code=400)


async def _storage_error(request: Request, exc: Exception) -> Response:
    log.error("the database failed on %s %s: %s", request.method, request.url.path, exc)
    return error_response(503, 503, "The server cannot use its database now; try again later")


async def _internal_error(request: Request, exc: Exception) -> Response:
    # Logged without headers: they may carry a token.
    log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, 500, "Internal server error")
