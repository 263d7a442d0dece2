"""End-to-end server latency and throughput over TLS (not a test; prints a table).

Starts `acdstats serve --tls-cert ... --tls-key ...` as its own process on a seeded database,
then measures a small GetACDOperatorStatistics query (one operator, one day):
  - p50/p90/p99 latency, one client, keep-alive connection, token reused (cached verification);
  - p50 with the official Python client (new TLS connection and a new JWT on every call);
  - requests/s with 16 concurrent keep-alive clients.

Run from the repository root: .venv/bin/python bench/server_latency.py [--requests N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from acdstats.services import keys  # noqa: E402
from acdstats.services.ingest import ingest  # noqa: E402
from acdstats.services.methods import METHODS, CallContext, call  # noqa: E402
from acdstats.storage.db import Database  # noqa: E402
from tests.authkit import token  # noqa: E402
from tests.tls import make_tls  # noqa: E402
from tests.webkit import seed_events  # noqa: E402

QUERY = {
    "from_date": "2026-03-02 00:00:00",
    "to_date": "2026-03-03 00:00:00",
    "user_id": "7",
    "aggregation": "none",
}


def prepare(directory: Path) -> tuple[str, dict[str, object]]:
    db_path = str(directory / "bench.duckdb")
    db = Database(db_path)
    account = keys.create_account(db, "bench").account_id
    credentials = keys.create_key(db, account, ["Owner"])
    events = seed_events(1, tuple(range(1, 41)), queues=(1, 2, 3), calls=5000)
    ingest(db, account, enumerate(events, start=1))
    db.close()
    return db_path, credentials


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def sequential(
    url: str, ctx: ssl.SSLContext, auth: str, n: int, query: dict[str, str] = QUERY
) -> list[float]:
    samples = []
    with httpx.Client(verify=ctx) as client:
        for i in range(n + 20):
            start = time.perf_counter()
            answer = client.post(url, data=query, headers={"Authorization": auth})
            elapsed = time.perf_counter() - start
            assert "result" in answer.json(), answer.text
            if i >= 20:  # warm-up excluded
                samples.append(elapsed)
    return samples


def direct(db_path: str, account_id: int, n: int) -> list[float]:
    """The statistics call in process, without the server (run after the server stopped)."""
    db = Database(db_path, read_only=True)
    ctx = CallContext(db, account_id)
    samples = []
    for i in range(n + 20):
        start = time.perf_counter()
        call(METHODS["GetACDOperatorStatistics"], ctx, QUERY)
        if i >= 20:
            samples.append(time.perf_counter() - start)
    db.close()
    return samples


def official(credentials_path: Path, port: int, ca: Path, n: int) -> list[float]:
    from voximplant.apiclient import VoximplantAPI

    os.environ["REQUESTS_CA_BUNDLE"] = str(ca)
    api = VoximplantAPI(str(credentials_path), endpoint=f"127.0.0.1:{port}")
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        api._perform_request("GetACDOperatorStatistics", dict(QUERY))
        samples.append(time.perf_counter() - start)
    return samples


async def concurrent(
    url: str,
    ctx: ssl.SSLContext,
    auth: str,
    clients: int,
    seconds: float,
    query: dict[str, str] = QUERY,
) -> int:
    done = 0
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        async with httpx.AsyncClient(verify=ctx) as client:
            while time.perf_counter() < stop:
                answer = await client.post(url, data=query, headers={"Authorization": auth})
                assert "result" in answer.json(), answer.text
                done += 1

    await asyncio.gather(*(worker() for _ in range(clients)))
    return done


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        db_path, credentials = prepare(directory)
        credentials_path = directory / "credentials.json"
        credentials_path.write_text(json.dumps(credentials))
        tls = make_tls(directory)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        acdstats = str(Path(sys.executable).with_name("acdstats"))
        server = subprocess.Popen(
            [acdstats, "serve", "--db", db_path, "--port", str(port)]
            + ["--tls-cert", str(tls.server_cert), "--tls-key", str(tls.server_key)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "ACDSTATS_DB": db_path},
        )
        try:
            url = f"https://127.0.0.1:{port}/platform_api/GetACDOperatorStatistics"
            ctx = ssl.create_default_context(cafile=str(tls.ca_cert))
            for _ in range(500):
                try:
                    httpx.get(f"https://127.0.0.1:{port}/openapi.json", verify=ctx)
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
            auth = "Bearer " + token(credentials, ttl=3600)
            keep_alive = sequential(url, ctx, auth, args.requests)
            # The same path with a method that reads nothing: the server's own share.
            roles_url = url.replace("GetACDOperatorStatistics", "GetRoles")
            trivial = sequential(roles_url, ctx, auth, args.requests, {})
            per_call = official(credentials_path, port, tls.ca_cert, max(50, args.requests // 5))
            count = asyncio.run(concurrent(url, ctx, auth, 16, args.seconds))
            count_roles = asyncio.run(concurrent(roles_url, ctx, auth, 16, args.seconds, {}))
        finally:
            server.terminate()
            server.wait(timeout=10)
        in_process = direct(db_path, int(str(credentials["account_id"])), args.requests)
    ms = 1000.0
    print(f"small query over TLS ({os.cpu_count()} cores, client and server on one machine)")
    print(f"{'measure':<58}{'value':>12}")
    print(f"{'p50 latency, keep-alive client, reused token (ms)':<58}"
          f"{statistics.median(keep_alive) * ms:>12.2f}")  # fmt: skip
    print(f"{'p90 latency, keep-alive client (ms)':<58}{percentile(keep_alive, 0.9) * ms:>12.2f}")
    print(f"{'p99 latency, keep-alive client (ms)':<58}{percentile(keep_alive, 0.99) * ms:>12.2f}")
    print(f"{'p50 latency, GetRoles (no query), keep-alive (ms)':<58}"
          f"{statistics.median(trivial) * ms:>12.2f}")  # fmt: skip
    print(f"{'p50 of the statistics call in process, no HTTP (ms)':<58}"
          f"{statistics.median(in_process) * ms:>12.2f}")  # fmt: skip
    print(f"{'p50 latency, official client: new TLS + new JWT (ms)':<58}"
          f"{statistics.median(per_call) * ms:>12.2f}")  # fmt: skip
    print(f"{'requests/s, 16 concurrent keep-alive clients':<58}{count / args.seconds:>12.1f}")
    print(f"{'requests/s, 16 concurrent clients, GetRoles (no query)':<58}"
          f"{count_roles / args.seconds:>12.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
