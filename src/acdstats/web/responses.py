"""JSON responses (orjson) and the error body every failure has: {"error": {"msg", "code"}}."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from acdstats.errors import AcdstatsError


class TransportError(AcdstatsError):
    """A fault of the HTTP request itself (body too large, malformed body): a 4xx status."""

    def __init__(self, status: int, msg: str) -> None:
        super().__init__(msg)
        self.status = status
        self.msg = msg


def json_response(document: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(document), status_code=status, media_type="application/json")


def error_response(status: int, code: int, msg: str) -> Response:
    return json_response({"error": {"msg": msg, "code": code}}, status)


# The OpenAPI content of that error body (the document's components hold the Error schema).
ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
