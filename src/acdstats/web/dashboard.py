"""The supervisor's dashboard: static files shipped in the package, served at GET /.

The page is a client of platform_api like any other (it signs its own tokens in the
browser); this module only serves files. Nothing here reads the database.
"""

from __future__ import annotations

from importlib import resources

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from acdstats.web.state import ServerState

PACKAGE = "acdstats.web"
FOLDER = "static"

# The page loads only its own files and talks only to its own origin; nothing inline.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def index_html() -> bytes:
    return resources.files(PACKAGE).joinpath(FOLDER, "index.html").read_bytes()


class _StaticWithHeaders(StaticFiles):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                headers.append((b"cache-control", b"no-cache"))
                message = {**message, "headers": headers}
            await send(message)

        await super().__call__(scope, receive, send_with_headers)


def routes(state: ServerState) -> list[BaseRoute]:
    page = index_html()  # read once: the package's files do not change while it runs

    async def index(request: Request) -> Response:
        headers = {**SECURITY_HEADERS, "Cache-Control": "no-cache"}
        return Response(page, media_type="text/html; charset=utf-8", headers=headers)

    static = _StaticWithHeaders(packages=[(PACKAGE, FOLDER)])
    return [Route("/", index, methods=["GET"]), Mount("/dashboard", app=static)]
