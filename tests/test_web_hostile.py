"""Hostile clients (issue 17): the server stays up for everyone else.

Each stall case runs one hostile request against a real uvicorn server while another client
sends authenticated statistics requests back to back; the assertion is on that other
client: every one of its requests is answered correctly, and some are answered while the
hostile request is still in flight (a server stalled by it would answer none before it ends).
Nothing is timed: a threshold in seconds fails on a loaded machine, and the count does not.
Connection deadlines are set small (fractions of a second) so that each case ends quickly; a
socket timeout far beyond them bounds the wait.
"""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from acdstats.cli.main import main
from acdstats.config import Settings
from acdstats.errors import DatabaseDamaged
from acdstats.services import keys
from acdstats.services.ingest import ingest
from acdstats.storage.db import Database
from acdstats.web.app import create_app
from acdstats.web.params import parse_form
from acdstats.web.responses import TransportError
from tests.authkit import STATS_PARAMS, new_key, token
from tests.webkit import TestClient, running_server, seed_events

STATS = {**STATS_PARAMS, "user_id": "all"}
PATIENCE_S = 30.0  # how long a test waits for something that must happen much sooner


@dataclass
class Server:
    port: int
    credentials: dict[str, Any]
    db: Database
    answered_during: int = 0  # the other client's answers that arrived while hostile() ran

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def auth(self) -> dict[str, str]:
        return {"Authorization": "Bearer " + token(self.credentials, ttl=600)}

    def while_running(self, hostile: Callable[[], Any]) -> Any:
        """hostile() in a thread; meanwhile another client asks for statistics back to back."""
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["answer"] = hostile()
            except BaseException as exc:  # reported below, in the test's thread
                outcome["error"] = exc

        headers = self.auth()
        with httpx.Client(base_url=self.base, timeout=PATIENCE_S) as client:
            assert client.post("/platform_api/GetACDOperatorStatistics", data=STATS,
                               headers=headers).json() == {"result": []}  # fmt: skip
            thread = threading.Thread(target=run)
            thread.start()
            while thread.is_alive():
                answer = client.post(
                    "/platform_api/GetACDOperatorStatistics", data=STATS, headers=headers
                )
                assert answer.json() == {"result": []}
                self.answered_during += thread.is_alive()
            thread.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["answer"]

    def assert_others_were_answered_meanwhile(self) -> None:
        assert self.answered_during, "no other client was answered while the hostile one ran"


def serve(db: Database, **options: Any) -> Iterator[Server]:
    settings = Settings(**options)
    with running_server(create_app(settings, db), settings=settings) as port:
        yield Server(port, new_key(db, ["Owner"]), db)


@pytest.fixture
def server(db: Database) -> Iterator[Server]:
    yield from serve(db)


@pytest.fixture
def quick(db: Database) -> Iterator[Server]:
    """Short deadlines and a small connection cap."""
    yield from serve(
        db, header_timeout_s=0.5, body_timeout_s=0.5, idle_timeout_s=0.5, max_connections=8
    )


def post(server: Server, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(server.base + path, content=body, headers=headers, timeout=120)


# 1. No request holds the event loop ---------------------------------------------------------


def test_a_json_array_of_millions_of_values_stalls_nobody(server: Server) -> None:
    body = b"[" + b"1," * 3_999_999 + b"1]"  # 8 MB, 4 million events
    headers = {**server.auth(), "Content-Type": "application/json"}
    answer = server.while_running(lambda: post(server, "/events", body, headers))
    assert answer.status_code == 413 and "limit of 100000" in answer.json()["error"]["msg"]
    server.assert_others_were_answered_meanwhile()


def test_a_large_ndjson_body_stalls_nobody(server: Server) -> None:
    body = b"1\n" * 8_000_000  # 16 MB, 8 million lines
    headers = {**server.auth(), "Content-Type": "application/x-ndjson"}
    answer = server.while_running(lambda: post(server, "/events", body, headers))
    assert answer.status_code == 413
    server.assert_others_were_answered_meanwhile()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
ESCAPES = b"%41" * 5_000_000  # 15 MB of url-encoded 'A'


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/platform_api/GetACDOperatorStatistics", b"a=" + ESCAPES),
        ("/platform_api", b"cmd=GetACDOperatorStatistics&a=" + ESCAPES),
    ],
)
def test_a_large_form_without_a_token_is_refused_unread(
    server: Server, path: str, body: bytes
) -> None:
    answer = server.while_running(lambda: post(server, path, body, FORM))
    assert answer.status_code == 200 and answer.json()["error"]["code"] == 100
    # Refused before its body is read, it often ends before another client's answer could
    # arrive: while_running checked the answers of those that asked meanwhile.


def test_a_large_form_with_a_token_is_decoded_off_the_loop(server: Server) -> None:
    body = b"from_date=2026-03-01+00:00:00&user_id=all&a=" + ESCAPES
    headers = {**server.auth(), **FORM}
    path = "/platform_api/GetACDOperatorStatistics"
    answer = server.while_running(lambda: post(server, path, body, headers))
    assert answer.json() == {"result": []}
    server.assert_others_were_answered_meanwhile()


def test_the_method_and_token_are_checked_before_the_body_is_read(db: Database) -> None:
    # A body over the limit is never read when the method or the token already fails.
    client = TestClient(create_app(Settings(max_body_bytes=10), db))
    big = {"content": b"x=" + b"y" * 100, "headers": FORM}
    assert client.post("/platform_api/Nope", **big).json()["error"]["code"] == 103
    answer = client.post("/platform_api/GetKeys", **big)
    assert answer.json()["error"]["code"] == 100
    assert answer.headers["connection"] == "close"  # the unread body is not drained
    # Without a method in the path: a small body is read whole, checks in SPEC order.
    small = Settings(max_body_bytes=200_000)
    client = TestClient(create_app(small, db))
    assert client.post("/platform_api", data={"cmd": "Nope"}).json()["error"]["code"] == 103
    # A body past the first 64 kB is read on only with a good token.
    large = {"content": b"cmd=Nope&x=" + b"y" * 100_000, "headers": FORM}
    assert client.post("/platform_api", **large).json()["error"]["code"] == 100
    owner = new_key(db, ["Owner"])
    headers = {**FORM, "Authorization": "Bearer " + token(owner)}
    answer = client.post("/platform_api", content=large["content"], headers=headers)
    assert answer.json()["error"]["code"] == 103


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(st.sampled_from("ab=+%&2F41é ;x\r\n_\t"), max_size=6),
            st.text(st.sampled_from("ab=+%2F41éx ;\r\n_\t"), max_size=8),
        ),
        max_size=5,
    )
)
def test_parse_form_reads_like_parse_qsl(fields: list[tuple[str, str]]) -> None:
    body = "&".join(f"{k}={v}" if v else k for k, v in fields).encode()
    expected = parse_qsl(body.decode(), keep_blank_values=True)
    assert parse_form(body) == expected


def test_parse_form_decodes_escapes_across_slices() -> None:
    value = "é" * 100_000  # %C3%A9 escapes, across many 64 kB slices
    body = b"v=" + "".join(f"%{b:02X}" for b in value.encode()).encode()
    assert parse_form(body) == [("v", value)]
    with pytest.raises(TransportError):
        parse_form(b"&".join([b"a=1"] * 1001))


# 2. Connection hygiene -----------------------------------------------------------------------


def connect(server: Server) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=PATIENCE_S)
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_a_connection_that_never_sends_a_request_is_closed(quick: Server) -> None:
    with connect(quick) as sock:
        answer = read_all(sock)  # returns only once the server closes
    assert answer.startswith(b"HTTP/1.1 408 ") and b'"code":408' in answer


def test_headers_sent_a_byte_at_a_time_meet_a_deadline(quick: Server) -> None:
    request = b"GET /platform_api/GetRoles HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10_000
    with connect(quick) as sock:
        sock.settimeout(0.05)
        for byte in request:
            try:
                sock.sendall(bytes([byte]))
                answer = sock.recv(65536)
                break  # the server answered or closed
            except TimeoutError:
                continue
        else:
            pytest.fail("the server read 10,000 header bytes sent one at a time")
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408 ")


def test_a_body_that_stops_coming_gets_408(quick: Server) -> None:
    head = (
        b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
        b"Authorization: " + quick.auth()["Authorization"].encode() + b"\r\n"
        b"Content-Length: 100000\r\n\r\n"
    )
    with connect(quick) as sock:
        sock.sendall(head + b"{}\n" * 10)
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 408 ") and b"body" in answer


def test_the_body_deadline_also_covers_requests_nobody_reads(quick: Server) -> None:
    with connect(quick) as sock:
        sock.sendall(b"POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nab")
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 404 ")


def test_connections_over_the_cap_are_refused_with_503(quick: Server) -> None:
    held = [connect(quick) for _ in range(8)]
    try:
        with connect(quick) as extra:
            extra.sendall(b"GET /platform_api/GetRoles HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = read_all(extra)
        assert answer.startswith(b"HTTP/1.1 503 ") and b"Too many connections" in answer
    finally:
        for sock in held:
            sock.close()
    # Once they are gone, new connections are served again.
    for _ in range(int(PATIENCE_S * 10)):
        again = httpx.post(quick.base + "/platform_api/GetRoles", headers=quick.auth())
        if again.status_code == 200:
            break
        time.sleep(0.1)
    assert again.status_code == 200 and "result" in again.json()


def test_an_idle_keep_alive_connection_is_closed(quick: Server) -> None:
    with connect(quick) as sock:
        sock.sendall(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = read_all(sock)  # the answer, then the close after the idle timeout
    assert answer.startswith(b"HTTP/1.1 200 ")


# 5. Disconnects ------------------------------------------------------------------------------


def test_a_client_gone_mid_body_is_one_info_line(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    uvicorn_log = logging.getLogger("uvicorn")  # it does not propagate to the root logger
    uvicorn_log.addHandler(caplog.handler)
    try:
        _disconnect_mid_body(server, caplog)
    finally:
        uvicorn_log.removeHandler(caplog.handler)


def _disconnect_mid_body(server: Server, caplog: pytest.LogCaptureFixture) -> None:
    head = (
        b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
        b"Authorization: " + server.auth()["Authorization"].encode() + b"\r\n"
        b"Content-Length: 100000\r\n\r\n"
    )
    with connect(server) as sock:
        sock.sendall(head + b"{}\n" * 10)
        # The request has reached the application once another request has been answered
        # after it on the same server.
        httpx.get(server.base + "/openapi.json")
    for _ in range(int(PATIENCE_S * 10)):
        if any("disconnected" in r.getMessage() for r in caplog.records):
            break
        time.sleep(0.1)
    gone = [r for r in caplog.records if "disconnected" in r.getMessage()]
    assert len(gone) == 1 and gone[0].levelno == logging.INFO
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


# 4. Damaged database files -------------------------------------------------------------------


def seeded_file(tmp_path: Path) -> bytes:
    """The bytes of a closed database with some thousands of events in it."""
    path = tmp_path / "seeded.duckdb"
    db = Database(path)
    account = keys.create_account(db, "a").account_id
    ingest(db, account, enumerate(seed_events(1, tuple(range(1, 21)), (1, 2), 3000), start=1))
    db.close()
    return path.read_bytes()


DAMAGES: dict[str, Callable[[bytes], bytes]] = {
    "truncated to half": lambda data: data[: len(data) // 2],
    "truncated to its header": lambda data: data[:12288],
    "empty": lambda data: b"",
    "random bytes": lambda data: random.Random(7).randbytes(300_000),
}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return seeded_file(tmp_path_factory.mktemp("seeded"))


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_file_is_refused_at_start(tmp_path: Path, seeded: bytes, damage: str) -> None:
    path = tmp_path / "damaged.duckdb"
    path.write_bytes(DAMAGES[damage](seeded))
    with pytest.raises(DatabaseDamaged, match="damaged|truncated"):
        Database(path)
    for command in (
        ["serve"],
        ["account", "create", "--name", "x"],
        ["key", "list", "--account-id", "1"],
    ):
        result = CliRunner().invoke(main, [*command, "--db", str(path)])
        assert result.exit_code == 1, (command, result.output)
        assert str(path) in result.output and "Traceback" not in result.output
        assert isinstance(result.exception, SystemExit)


def test_the_whole_file_opens(tmp_path: Path, seeded: bytes) -> None:
    path = tmp_path / "whole.duckdb"
    path.write_bytes(seeded)
    Database(path).close()
    Database(path, read_only=True).close()


def test_storage_failing_during_requests_is_503_never_500(tmp_path: Path) -> None:
    db = Database(tmp_path / "failing.duckdb")
    owner = new_key(db, ["Owner"])
    client = TestClient(create_app(Settings(), db), raise_server_exceptions=False)
    headers = {"Authorization": "Bearer " + token(owner)}
    assert client.post("/platform_api/GetACDOperatorStatistics", data=STATS,
                       headers=headers).json() == {"result": []}  # fmt: skip
    db.close()  # every query from now on fails inside DuckDB
    answer = client.post("/platform_api/GetACDOperatorStatistics", data=STATS, headers=headers)
    assert answer.status_code == 200 and answer.json()["error"]["code"] == 503
    ingest_answer = client.post("/events", content=b"{}\n", headers=headers)
    assert ingest_answer.status_code == 503 and ingest_answer.json()["error"]["code"] == 503
    assert client.get("/health").status_code != 500
