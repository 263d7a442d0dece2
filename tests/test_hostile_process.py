"""Hostile clients against `acdstats serve` as a real process over TLS (issue 16, item 5).

tests/test_web_hostile.py holds the same cases in process (deadlines, caps, slow bodies, big
arrays); here each runs against the real process so its memory can be read: the peak RSS
(VmHWM, reset before each case) must stay within a bound, the limit must be answered with
its code, and another client must be served meanwhile. Connections are raw TLS sockets so
the test sees exactly what the server sends and when it stops reading.
"""

from __future__ import annotations

import select
import socket
import ssl
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from acdstats.services import keys
from acdstats.storage.db import Database
from tests.serverproc import PATIENCE_S, ServerProcess, bearer, serving

pytestmark = pytest.mark.slow

IDLE = 1000
MIB = 1024 * 1024
STATS = {"from_date": "2026-03-01 00:00:00", "to_date": "2026-04-01 00:00:00", "user_id": "all"}


class Hostile:
    def __init__(self, server: ServerProcess, credentials: dict[str, Any]) -> None:
        self.server, self.credentials = server, credentials
        self.auth = bearer(credentials)["Authorization"].encode()

    def connect(self) -> ssl.SSLSocket:
        raw = socket.create_connection(("127.0.0.1", self.server.port), timeout=PATIENCE_S)
        return self.server.tls.wrap_socket(raw, server_hostname="localhost")

    def another_client_is_served(self) -> None:
        with self.server.client() as http:
            answer = http.post(
                "/platform_api/GetACDOperatorStatistics",
                data=STATS,
                headers={"Authorization": self.auth.decode()},
            )
        assert answer.json() == {"result": []}

    def peak_growth_mib(self, baseline_kib: int) -> float:
        return (self.server.status_kib("VmHWM") - baseline_kib) / 1024

    def start_case(self) -> int:
        """Reset the peak; the resident size now (KiB), the case's baseline."""
        self.server.reset_peak_rss()
        return self.server.status_kib("VmRSS")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    path = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    db = Database(path)
    credentials = keys.create_key(db, keys.create_account(db, "a").account_id, ["Owner"])
    db.close()
    flags = ["--header-timeout-s", "2", "--idle-timeout-s", "600"]
    with serving(path, *flags, "--max-connections", str(IDLE + 1)) as server:
        yield Hostile(server, credentials)


def read_response(sock: ssl.SSLSocket) -> tuple[int, bytes]:
    """One HTTP/1.1 response with a Content-Length: (status, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed after {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = next(int(v) for k, _, v in (h.partition(b":") for h in lines[1:])
                  if k.strip().lower() == b"content-length")  # fmt: skip
    while len(body) < length:
        body += sock.recv(65536)
    return int(lines[0].split()[1]), body


def read_until_closed(sock: ssl.SSLSocket) -> bytes:
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (ConnectionResetError, ssl.SSLError):
        pass  # closed without TLS close_notify: what came before it counts
    return data


def test_a_thousand_idle_keep_alive_connections(hostile: Hostile) -> None:
    baseline = hostile.start_case()
    held: list[ssl.SSLSocket] = []
    request = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    try:
        for _ in range(IDLE):
            sock = hostile.connect()
            held.append(sock)
            sock.sendall(request)
            assert read_response(sock)[0] == 200  # answered, then idle, kept alive
        with hostile.server.client() as http:  # the one connection left under the cap
            assert http.get("/health").status_code == 200
            with hostile.connect() as extra:  # one over the cap
                extra.sendall(request)
                refused = read_until_closed(extra)
            assert refused.startswith(b"HTTP/1.1 503 ") and b'"code":503' in refused
            assert b"Too many connections" in refused
            answer = http.post(
                "/platform_api/GetACDOperatorStatistics",
                data=STATS,
                headers={"Authorization": hostile.auth.decode()},
            )
            assert answer.json() == {"result": []}  # another client is served
        held[0].sendall(request)  # the idle ones are still open and served
        assert read_response(held[0])[0] == 200
        growth = hostile.peak_growth_mib(baseline)
    finally:
        for sock in held:
            sock.close()
    assert growth < 120, f"{IDLE} idle connections took {growth:.0f} MiB"


def test_headers_sent_one_byte_a_second_meet_the_deadline(hostile: Hostile) -> None:
    """Twenty connections send their headers a byte a second: each is answered 408 (or
    closed) by the 2 s header deadline, after a few bytes, never after all 10,000; another
    client is served between the bytes. The second's wait only paces the bytes: the
    outcome is the server's answer."""
    baseline = hostile.start_case()
    request = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10_000
    slow = [hostile.connect() for _ in range(20)]
    answers: dict[int, bytes] = {}
    try:
        for byte in request:
            for n, sock in enumerate(slow):
                if n not in answers:
                    sock.sendall(bytes([byte]))
            waiting = [s for n, s in enumerate(slow) if n not in answers]
            ready, _, _ = select.select(waiting, [], [], 1.0)
            for sock in ready:
                answers[slow.index(sock)] = read_until_closed(sock)
            if len(answers) == len(slow):
                break
            hostile.another_client_is_served()
        else:
            pytest.fail("the server read 10,000 header bytes sent a byte a second")
    finally:
        for sock in slow:
            sock.close()
    for answer in answers.values():
        assert answer == b"" or (answer.startswith(b"HTTP/1.1 408 ") and b'"code":408' in answer)
    assert any(answers.values()), "no connection was answered 408"
    growth = hostile.peak_growth_mib(baseline)
    assert growth < 30, f"slow headers took {growth:.0f} MiB"


def stream_until_answered(
    sock: ssl.SSLSocket, head: bytes, chunks: Iterator[bytes]
) -> tuple[int, bytes]:
    """Send head, then chunks until the server answers or drops the connection: (bytes of
    body sent, everything the server sent)."""
    sock.sendall(head)
    sock.setblocking(False)
    sent, pending, answer = 0, b"", b""
    try:
        while True:
            readable, writable, _ = select.select([sock], [sock], [], PATIENCE_S)
            assert readable or writable, "the server neither read nor answered"
            if readable or sock.pending():
                try:
                    answer = sock.recv(65536)
                    break  # the answer began (or b"": closed)
                except ssl.SSLWantReadError:
                    pass  # TLS housekeeping (session tickets): no answer yet
                except (ConnectionResetError, ssl.SSLEOFError):
                    break
            pending = pending or next(chunks, b"")
            if not pending:
                break  # all of it sent
            try:
                n = sock.send(pending)
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                continue
            except (BrokenPipeError, ConnectionResetError, ssl.SSLEOFError):
                break  # the server closed: its answer, if any, is still to be read
            sent, pending = sent + n, pending[n:]
    finally:
        sock.setblocking(True)
    return sent, answer + read_until_closed(sock)


GIB = 1024 * MIB


def gigabyte(chunked: bool) -> Iterator[bytes]:
    block = b'{"type":"status"}\n' * 3641  # ~64 KiB
    for _ in range(GIB // len(block) + 1):
        yield b"%x\r\n%s\r\n" % (len(block), block) if chunked else block


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_gigabyte_body_is_refused_early(hostile: Hostile, chunked: bool) -> None:
    baseline = hostile.start_case()
    framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % GIB
    head = (
        b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
        b"Authorization: " + hostile.auth + b"\r\n" + framing + b"\r\n\r\n"
    )
    with hostile.connect() as sock:
        sent, answer = stream_until_answered(sock, head, gigabyte(chunked))
    assert answer.startswith(b"HTTP/1.1 413 ") and b'"code":413' in answer
    assert sent < 64 * MIB, f"the server read {sent / MIB:.0f} MiB before refusing"
    hostile.another_client_is_served()
    growth = hostile.peak_growth_mib(baseline)
    assert growth < 100, f"a 1 GiB body took {growth:.0f} MiB"


def post_events(hostile: Hostile, body: bytes, media: str) -> tuple[int, bytes]:
    head = (
        b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: " + media.encode() + b"\r\n"
        b"Authorization: " + hostile.auth + b"\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    with hostile.connect() as sock:
        sock.sendall(head + body)
        return read_response(sock)


NESTED = {
    "an array of arrays 5,000,000 deep": (b"[" * 5_000_000 + b"]" * 5_000_000, "json"),
    "an NDJSON object 1,000,000 deep": (
        b'{"a":' * 1_000_000 + b"1" + b"}" * 1_000_000 + b"\n",
        "x-ndjson",
    ),
}


@pytest.mark.parametrize("case", list(NESTED))
def test_deeply_nested_json_is_a_rejected_event(hostile: Hostile, case: str) -> None:
    """Nesting is never recursed into: the element is one event the database refuses."""
    body, media = NESTED[case]
    baseline = hostile.start_case()
    status, answer = post_events(hostile, body, "application/" + media)
    assert status == 200
    result = orjson.loads(answer)["result"]
    assert result["stored"] == 0 and [r["line"] for r in result["rejected"]] == [1]
    hostile.another_client_is_served()
    growth = hostile.peak_growth_mib(baseline)
    assert growth < 150, f"{case} took {growth:.0f} MiB"


def test_a_million_line_ndjson_body_is_413(hostile: Hostile) -> None:
    baseline = hostile.start_case()
    status, answer = post_events(hostile, b"{}\n" * 1_000_000, "application/x-ndjson")
    assert status == 413
    assert orjson.loads(answer)["error"] == {
        "code": 413,
        "msg": "Batch over the server's limit of 100000 events",
    }
    hostile.another_client_is_served()
    growth = hostile.peak_growth_mib(baseline)
    assert growth < 100, f"a million lines took {growth:.0f} MiB"


def test_the_server_is_still_up(hostile: Hostile) -> None:
    hostile.another_client_is_served()
    assert hostile.server.process.poll() is None
