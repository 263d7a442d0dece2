"""Hostile clients against `acdstats serve` over TLS (issue 17; not a test, prints a table).

While each hostile case runs, a probe client sends an authenticated statistics request every
0.25 s; the table gives the probe's worst wait during the case and the server's peak resident
memory (VmHWM, reset before each case). Run it against any source tree to compare:

    .venv/bin/python bench/hostile.py                      # this checkout
    .venv/bin/python bench/hostile.py --src /tmp/old/src   # e.g. `git archive <commit> src`

Cases: events-array (16 MB JSON array of 8M integers), events-ndjson (16 MB NDJSON),
form-path / form-cmd (15 MB url-encoded body without a token, method in the path / in `cmd`),
idle-tls (500 TLS connections that send nothing), slow-header (a header byte per second),
over-cap (300 connections against ACDSTATS_MAX_CONNECTIONS=200), huge-id, disconnect,
exp-before-iat, and damaged database files.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.authkit import token  # noqa: E402
from tests.tls import TlsFiles, make_tls  # noqa: E402
from tests.webkit import seed_events  # noqa: E402

STATS = {"from_date": "2026-03-01 00:00:00", "to_date": "2026-04-01 00:00:00", "user_id": "all"}
MAIN = "import sys; from acdstats.cli.main import main; sys.argv[0] = 'acdstats'; main()"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, src: Path, db: Path, tls: TlsFiles, env: dict[str, str]) -> None:
        self.port = free_port()
        self.log = tempfile.TemporaryFile()
        args = [sys.executable, "-c", MAIN, "serve", "--db", str(db), "--port", str(self.port)]
        args += ["--tls-cert", str(tls.server_cert), "--tls-key", str(tls.server_key)]
        environ = {**os.environ, **env, "PYTHONPATH": str(src)}
        self.process = subprocess.Popen(args, stdout=self.log, stderr=self.log, env=environ)
        for _ in range(1000):
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited: {self.output()}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.02)
        raise RuntimeError("serve did not start")

    def status(self, field: str) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) // 1024  # MB
        return -1

    def reset_peak(self) -> None:
        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")

    def fds(self) -> int:
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


class Probe:
    """An authenticated statistics request every 0.25 s; the worst wait of a window."""

    def __init__(self, base: str, ctx: ssl.SSLContext, credentials: dict[str, Any]) -> None:
        self.base, self.ctx, self.credentials = base, ctx, credentials
        self.samples: list[tuple[float, float]] = []  # (start, wait)
        self.stopping = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stopping:
            start = time.monotonic()
            try:
                with httpx.Client(verify=self.ctx, timeout=120) as client:
                    client.post(
                        self.base + "/platform_api/GetACDOperatorStatistics",
                        data=STATS,
                        headers={"Authorization": "Bearer " + token(self.credentials)},
                    )
            except httpx.HTTPError:
                pass
            wait = time.monotonic() - start
            self.samples.append((start, wait))
            time.sleep(max(0.0, 0.25 - wait))

    def worst(self, since: float, until: float) -> float:
        # A request counts if it was waiting at some moment of the window.
        waits = [w for s, w in self.samples if s <= until and s + w >= since]
        return max(waits, default=0.0)


@contextmanager
def measured(
    server: Server, probe: Probe, rows: list[list[str]], name: str
) -> Iterator[dict[str, str]]:
    server.reset_peak()
    rss = server.status("VmRSS")
    fds = server.fds()
    note: dict[str, str] = {}
    start = time.monotonic()
    yield note
    end = time.monotonic()
    time.sleep(0.6)  # let the probe finish a request that was waiting at the end
    worst = probe.worst(start, end)
    rows.append(
        [name, f"{worst:.2f}", f"{rss}", f"{server.status('VmHWM')}", f"{fds}->{server.fds()}",
         note.get("outcome", "")]
    )  # fmt: skip
    print(" | ".join(rows[-1]), flush=True)


def post(base: str, ctx: ssl.SSLContext, path: str, body: bytes, headers: dict[str, str]) -> str:
    start = time.monotonic()
    try:
        answer = httpx.post(base + path, content=body, headers=headers, verify=ctx, timeout=300)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__} after {time.monotonic() - start:.1f} s"
    text = answer.text[:80].replace("|", "/")
    return f"{answer.status_code} after {time.monotonic() - start:.1f} s: {text}"


def tls_socket(ctx: ssl.SSLContext, port: int) -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", port), timeout=30)
    return ctx.wrap_socket(raw, server_hostname="localhost")


def still_open(sock: ssl.SSLSocket) -> bool:
    sock.setblocking(False)
    try:
        sock.recv(1)  # data (the server's 408) or end of stream: the server has closed it
        return False
    except (ssl.SSLWantReadError, BlockingIOError):
        return True
    except (OSError, ssl.SSLError):
        return False


def no_handshake(port: int, count: int, wait: float) -> str:
    socks = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(count)]
    time.sleep(wait)
    alive = 0
    for s in socks:
        s.setblocking(False)
        try:
            s.recv(1)
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
        s.close()
    return f"{count} TCP connections without a TLS handshake, {alive} still open after {wait:.0f} s"


def idle_connections(ctx: ssl.SSLContext, port: int, count: int, wait: float) -> str:
    socks = []
    for _ in range(count):
        try:
            socks.append(tls_socket(ctx, port))
        except OSError:
            break
    time.sleep(wait)
    alive = sum(still_open(s) for s in socks)
    for s in socks:
        s.close()
    return f"{len(socks)} connected, {alive} still open after {wait:.0f} s"


def slow_header(ctx: ssl.SSLContext, port: int, limit: float) -> str:
    sock = tls_socket(ctx, port)
    request = b"GET /platform_api/GetRoles HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000
    start = time.monotonic()
    sock.settimeout(1.0)
    for byte in request:
        if time.monotonic() - start > limit:
            return f"still connected after {limit:.0f} s"
        try:
            sock.sendall(bytes([byte]))
            data = sock.recv(200)
            if data == b"" or data:
                return f"closed after {time.monotonic() - start:.0f} s: {data[:12]!r}"
        except TimeoutError:
            continue
        except (OSError, ssl.SSLError) as exc:
            return f"closed after {time.monotonic() - start:.0f} s ({type(exc).__name__})"
    return "sent everything"


def over_cap(ctx: ssl.SSLContext, port: int, count: int) -> str:
    """`count` connections held open, each sending a request as soon as it is connected."""
    socks, failed = [], 0
    for _ in range(count):
        try:
            s = tls_socket(ctx, port)
            s.sendall(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n")
        except (OSError, ssl.SSLError):
            failed += 1
            continue
        socks.append(s)
    statuses: dict[str, int] = {}
    for s in socks:
        try:
            s.settimeout(10)
            status = s.recv(200)[9:12].decode() or "closed"
        except (OSError, ssl.SSLError):
            status = "closed"
        statuses[status] = statuses.get(status, 0) + 1
    for s in socks:
        s.close()
    shown = ", ".join(f"{n} answered {k}" for k, n in sorted(statuses.items()))
    return f"{len(socks)} connected: {shown}; {failed} failed"


def disconnect(ctx: ssl.SSLContext, port: int, authorization: str) -> None:
    sock = tls_socket(ctx, port)
    sock.sendall(
        b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
        b"Authorization: "
        + authorization.encode()
        + b"\r\nContent-Length: 1000000\r\n\r\n"
        + b"{}\n" * 300
    )
    time.sleep(0.5)
    sock.close()
    time.sleep(0.5)


def damaged(
    src: Path, tls: TlsFiles, directory: Path, good: Path, credentials: dict[str, Any]
) -> list[list[str]]:
    rows = []
    whole = good.read_bytes()
    cases: dict[str, Callable[[Path], None]] = {
        "db-truncated": lambda p: p.write_bytes(whole[: len(whole) // 2]),
        "db-empty": lambda p: p.write_bytes(b""),
        "db-random": lambda p: p.write_bytes(os.urandom(300_000)),
    }
    for name, make in cases.items():
        path = directory / f"{name}.duckdb"
        make(path)
        try:
            server = Server(src, path, tls, {})
        except RuntimeError as exc:
            lines = [ln for ln in str(exc).splitlines() if ln.strip()]
            tb = "traceback" if any("Traceback" in ln for ln in lines) else "no traceback"
            rows.append([name, "-", "-", "-", "-", f"exit ({tb}): {lines[-1][:90]}"])
        else:
            ctx = ssl.create_default_context(cafile=str(tls.ca_cert))
            base = f"https://127.0.0.1:{server.port}"
            auth = {"Authorization": "Bearer " + token(credentials)}
            stats = httpx.post(base + "/platform_api/GetACDOperatorStatistics", data=STATS,
                               headers=auth, verify=ctx, timeout=30)  # fmt: skip
            events = httpx.post(base + "/events", content=b'{"type": "hangup"}', headers=auth,
                                verify=ctx, timeout=30)  # fmt: skip
            rows.append([name, "-", "-", "-", "-", f"serving; statistics HTTP {stats.status_code} "
                         f"{stats.text[:40]}, POST /events HTTP {events.status_code}"])  # fmt: skip
            server.stop()
        print(" | ".join(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="acdstats-hostile-"))
    tls = make_tls(work)
    db = work / "hostile.duckdb"
    env = {**os.environ, "PYTHONPATH": str(args.src)}
    run = [sys.executable, "-c", MAIN]
    subprocess.run([*run, "account", "create", "--db", str(db), "--name", "A"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    cred = work / "credentials.json"
    subprocess.run(
        [*run, "key", "create", "--db", str(db), "--account-id", "1", "--role", "Owner",
         "--out", str(cred)], env=env, check=True, capture_output=True,
    )  # fmt: skip
    credentials = json.loads(cred.read_text())
    server = Server(args.src, db, tls, {"ACDSTATS_MAX_CONNECTIONS": "200"})
    ctx = ssl.create_default_context(cafile=str(tls.ca_cert))
    base = f"https://127.0.0.1:{server.port}"
    probe = Probe(base, ctx, credentials)
    time.sleep(1.0)
    auth = "Bearer " + token(credentials, ttl=3600)
    seed = b"".join(
        json.dumps(e).encode() + b"\n"
        for e in seed_events(1, tuple(range(1, 41)), queues=(1, 2, 3), calls=3000)
    )
    httpx.post(base + "/events", content=seed, headers={"Authorization": auth}, verify=ctx,
               timeout=300)  # fmt: skip
    rows: list[list[str]] = []
    print("case | worst other wait s | RSS before MB | peak MB | fds | outcome")

    def wanted(name: str) -> bool:
        return args.only is None or name in args.only

    ints = b"[" + b"1," * 7_999_999 + b"1]"
    cases: list[tuple[str, Callable[[], str]]] = [
        ("baseline", lambda: time.sleep(5) or "nothing hostile for 5 s"),  # type: ignore[func-returns-value]
        ("events-array", lambda: post(base, ctx, "/events", ints,
                                      {"Authorization": auth, "Content-Type": "application/json"})),
        ("events-ndjson", lambda: post(base, ctx, "/events", b"1\n" * 8_000_000,
                                       {"Authorization": auth,
                                        "Content-Type": "application/x-ndjson"})),
        ("form-path", lambda: post(base, ctx, "/platform_api/GetACDOperatorStatistics",
                                   b"a=" + b"%41" * 5_000_000,
                                   {"Content-Type": "application/x-www-form-urlencoded"})),
        ("form-cmd", lambda: post(base, ctx, "/platform_api",
                                  b"cmd=GetKeys&a=" + b"%41" * 5_000_000,
                                  {"Content-Type": "application/x-www-form-urlencoded"})),
        ("form-authed", lambda: post(base, ctx, "/platform_api/GetACDOperatorStatistics",
                                     b"a=" + b"%41" * 5_000_000,
                                     {"Authorization": auth,
                                      "Content-Type": "application/x-www-form-urlencoded"})),
        ("idle-tls", lambda: idle_connections(ctx, server.port, 150, 15)),
        ("no-handshake", lambda: no_handshake(server.port, 100, 15)),
        ("slow-header", lambda: slow_header(ctx, server.port, 30)),
        ("over-cap", lambda: over_cap(ctx, server.port, 300)),
    ]  # fmt: skip
    for name, case in cases:
        if wanted(name):
            with measured(server, probe, rows, name) as note:
                note["outcome"] = case()
    if wanted("huge-id"):
        answer = httpx.get(
            base + "/platform_api/GetACDOperatorStatistics",
            params={**STATS, "user_id": "9" * 5000},
            headers={"Authorization": auth},
            verify=ctx,
        )
        rows.append(["huge-id", "-", "-", "-", "-", f"{answer.status_code} {answer.text[:70]}"])
        print(" | ".join(rows[-1]))
    if wanted("exp-before-iat"):
        bad = token(credentials, iat=time.time(), ttl=-5)
        answer = httpx.post(
            base + "/platform_api/GetRoles", headers={"Authorization": "Bearer " + bad}, verify=ctx
        )
        rows.append(["exp-before-iat", "-", "-", "-", "-", answer.text[:70]])
        print(" | ".join(rows[-1]))
    if wanted("disconnect"):
        before = server.output()
        disconnect(ctx, server.port, auth)
        logged = server.output()[len(before) :]
        lines = sum("disconnect" in ln or "ERROR" in ln for ln in logged.splitlines())
        tracebacks = logged.count("Traceback")
        rows.append(
            [
                "disconnect",
                "-",
                "-",
                "-",
                "-",
                f"{lines} lines of disconnect/ERROR, {tracebacks} tracebacks",
            ]
        )
        print(" | ".join(rows[-1]))
    probe.stopping = True
    server.stop()
    if wanted("damaged"):
        damaged(args.src, tls, work, db, credentials)


if __name__ == "__main__":
    main()
