"""Request parameters: the query string and the body (url-encoded or multipart), merged.

Body parameters win over query parameters of the same name; within one source the last
occurrence wins. A multipart part sent as a file (some clients do) counts as its text.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from urllib.parse import parse_qsl

from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from acdstats.web.responses import TransportError

_MAX_FIELDS = 1000


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or TransportError 413 as soon as it is known to be over the limit."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TransportError(413, f"Request body over the server's limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TransportError(413, f"Request body over the server's limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_params(request: Request, body_limit: int) -> dict[str, str]:
    params = dict(request.query_params.multi_items())
    body = await read_body(request, body_limit)
    if not body:
        return params
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        text = body.decode("utf-8", "replace")
        try:
            params.update(parse_qsl(text, keep_blank_values=True, max_num_fields=_MAX_FIELDS))
        except ValueError:
            raise TransportError(400, f"More than {_MAX_FIELDS} form fields") from None
    elif media == "multipart/form-data":
        params.update(await _multipart(request.headers, body, body_limit))
    # Any other body (none of the official clients sends one) carries no parameters.
    return params


async def _multipart(headers: Headers, body: bytes, limit: int) -> dict[str, str]:
    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    parser = MultiPartParser(
        headers, stream(), max_files=_MAX_FIELDS, max_fields=_MAX_FIELDS, max_part_size=limit
    )
    try:
        form = await parser.parse()
    except (MultiPartException, ValueError) as exc:
        raise TransportError(400, f"Malformed multipart body: {exc}") from None
    params: dict[str, str] = {}
    try:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                params[name] = (await value.read()).decode("utf-8", "replace")
            else:
                params[name] = value
    finally:
        await form.close()
    return params
