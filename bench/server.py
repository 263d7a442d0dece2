"""acdstats as its users meet it: `acdstats serve` over TLS, a JWT, httpx with the CA.

The server is its own process; its peak memory is the kernel's high-water mark (VmHWM).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import orjson

from acdstats.tls import make_tls
from bench.dataset import ACDSTATS
from bench.rows import Row, from_api
from bench.sizes import Query


def make_token(credentials: dict[str, Any], ttl: int = 3600) -> str:
    """What an official client sends: RS256, kid = key id, iss = account id."""
    now = int(time.time())
    return jwt.encode(
        {"iss": str(credentials["account_id"]), "iat": now, "exp": now + ttl},
        credentials["private_key"],
        algorithm="RS256",
        headers={"kid": credentials["key_id"]},
    )


def peak_rss(pid: int) -> int:
    """Peak resident memory of a live process, in bytes (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


class Server:
    """`acdstats serve --tls-cert --tls-key` on a database, as a subprocess."""

    def __init__(self, db: Path, folder: Path, credentials: dict[str, Any]):
        tls = make_tls(folder)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.base = f"https://127.0.0.1:{self.port}"
        self.ssl = ssl.create_default_context(cafile=str(tls.ca_cert))
        self.auth = {"Authorization": "Bearer " + make_token(credentials)}
        self.log = (folder / "server.log").open("wb")
        self.process = subprocess.Popen(
            [ACDSTATS, "serve", "--db", str(db), "--port", str(self.port),
             "--tls-cert", str(tls.server_cert), "--tls-key", str(tls.server_key)],
            stdout=self.log, stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if not k.startswith("ACDSTATS_")},
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{self.base}/openapi.json", verify=self.ssl, timeout=5)
                break
            except httpx.TransportError as exc:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"server did not start; see {folder / 'server.log'}"
                    ) from exc
                time.sleep(0.1)
        self.client = httpx.Client(verify=self.ssl, timeout=600)

    def peak_rss(self) -> int:
        return peak_rss(self.process.pid)

    def url(self, method: str) -> str:
        return f"{self.base}/platform_api/{method}"

    def stop(self) -> None:
        self.client.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


class Api:
    """GetACDOperatorStatistics end to end: the timed part ends when the body is received."""

    name = "acdstats HTTPS"

    def __init__(self, server: Server):
        self.server = server
        self.url = server.url("GetACDOperatorStatistics")

    def run(self, query: Query) -> bytes:
        answer = self.server.client.post(self.url, data=query.params, headers=self.server.auth)
        answer.raise_for_status()
        return answer.content

    def rows(self, query: Query, body: bytes) -> list[Row]:
        document = orjson.loads(body)
        if "result" not in document:
            raise RuntimeError(f"{query.name}: the server answered {json.dumps(document)[:300]}")
        return from_api(query, document["result"])

    def close(self) -> None:
        pass


@dataclass
class Throughput:
    seconds: float
    ok: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds


def throughput(
    server: Server,
    params: dict[str, str],
    clients: int,
    seconds: float,
    method: str = "GetACDOperatorStatistics",
) -> Throughput:
    """Keep-alive clients posting the call back to back for a fixed time; errors counted."""
    result = Throughput(seconds)
    url = server.url(method)

    async def worker(stop: float) -> None:
        async with httpx.AsyncClient(verify=server.ssl, timeout=60) as client:
            while time.perf_counter() < stop:
                started = time.perf_counter()
                try:
                    answer = await client.post(url, data=params, headers=server.auth)
                    good = answer.status_code == 200 and b'"result"' in answer.content[:20]
                except httpx.HTTPError:
                    good = False
                result.latencies.append(time.perf_counter() - started)
                if good:
                    result.ok += 1
                else:
                    result.errors += 1

    async def main() -> None:
        started = time.perf_counter()
        await asyncio.gather(*(worker(started + seconds) for _ in range(clients)))
        result.seconds = time.perf_counter() - started  # the last answers come after the stop

    asyncio.run(main())
    return result
