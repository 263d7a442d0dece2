"""Request parameters: the query string and the body (url-encoded or multipart), merged.

Body parameters win over query parameters of the same name; within one source the last
occurrence wins. A multipart part sent as a file (some clients do) counts as its text.

The body is read in steps (Body): a caller can check the method and the token before it reads
a byte of it. Decoding a url-encoded body is CPU work proportional to its size: parse_form is
blocking (call it from a worker thread) and decodes in slices, so its memory stays a small
multiple of the body's size whatever the body holds.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import AsyncGenerator, AsyncIterator
from urllib.parse import unquote_to_bytes

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from acdstats.web.responses import TransportError

_MAX_FIELDS = 1000
_UNQUOTE_SLICE = 64 * 1024
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")


class Body:
    """A request body read up to a limit (413 beyond it), all at once or a first part first."""

    def __init__(self, request: Request, limit: int) -> None:
        self.limit = limit
        self.headers = request.headers
        self._stream: AsyncIterator[bytes] = request.stream()
        self._chunks: list[bytes] = []
        self.size = 0
        self.complete = False

    @property
    def unread(self) -> bool:
        """Whether the client may still be sending a body nobody has read."""
        if self.complete:
            return False
        declared = self.headers.get("content-length")
        return declared not in (None, "0") or "transfer-encoding" in self.headers

    def _over(self) -> TransportError:
        return TransportError(413, f"Request body over the server's limit of {self.limit} bytes")

    async def read(self, at_least: int | None = None) -> None:
        """Read until `at_least` bytes are in (or the body ends); None: the whole body."""
        declared = self.headers.get("content-length")
        if declared is not None and (len(declared) > 18 or not declared.isdigit()):
            declared = None  # h11 has checked it already; only a plausible size is compared
        if declared is not None and int(declared) > self.limit:
            raise self._over()
        while not self.complete and (at_least is None or self.size < at_least):
            try:
                chunk = await self._stream.__anext__()
            except StopAsyncIteration:
                self.complete = True
                break
            self.size += len(chunk)
            if self.size > self.limit:
                raise self._over()
            if chunk:
                self._chunks.append(chunk)

    def data(self) -> bytes:
        if len(self._chunks) != 1:
            self._chunks = [b"".join(self._chunks)]
        return self._chunks[0]


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or TransportError 413 as soon as it is known to be over the limit."""
    body = Body(request, limit)
    await body.read()
    return body.data()


async def body_params(headers: Headers, body: bytes) -> dict[str, str]:
    """The parameters a body carries (url-encoded: decoded in a worker thread)."""
    if not body:
        return {}
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        return dict(await run_in_threadpool(parse_form, body))
    if media == "multipart/form-data":
        # python-multipart finds part boundaries with bytes.find: fast on any input.
        return await _multipart(headers, body, len(body))
    return {}  # any other body (none of the official clients sends one) carries no parameters


async def read_params(request: Request, body_limit: int) -> dict[str, str]:
    params = dict(request.query_params.multi_items())
    params.update(await body_params(request.headers, await read_body(request, body_limit)))
    return params


def parse_form(body: bytes) -> list[tuple[str, str]]:
    """application/x-www-form-urlencoded fields, as urllib.parse.parse_qsl reads them.

    Blank values are kept; empty fields are skipped; '+' is a space; %XX escapes are UTF-8
    (undecodable bytes become U+FFFD).
    """
    if body.count(b"&") >= _MAX_FIELDS:
        raise TransportError(400, f"More than {_MAX_FIELDS} form fields")
    fields = []
    for field in body.split(b"&"):
        if not field:
            continue
        name, _, value = field.partition(b"=")
        fields.append((_unquote_plus(name), _unquote_plus(value)))
    return fields


def _unquote_plus(raw: bytes) -> str:
    raw = raw.replace(b"+", b" ")
    if b"%" not in raw:
        return raw.decode("utf-8", "replace")
    if b"\r" not in raw and b"\n" not in raw and _BAD_ESCAPE.search(raw) is None:
        # Every '%' starts an escape: quoted-printable's =XX is the same code, decoded in C
        # (ten times faster than unquote_to_bytes on a body of escapes).
        escaped = raw.replace(b"=", b"=3D").replace(b"%", b"=")
        return binascii.a2b_qp(escaped).decode("utf-8", "replace")
    # unquote_to_bytes splits its input at every '%': in slices, that list stays small.
    out = bytearray()
    start = 0
    while start < len(raw):
        end = start + _UNQUOTE_SLICE
        if end < len(raw):
            cut = raw.rfind(b"%", end - 2, end)  # never split an escape
            if cut != -1:
                end = cut
        out += unquote_to_bytes(raw[start:end])
        start = end
    return out.decode("utf-8", "replace")


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
