"""`acdstats serve` as a real process over TLS, for the tests that need one (faults, backups
under ingest, hostile clients): its log lines as they come, its memory, its exit code.

Port and readiness come from tests.test_web_serve (free_port, wait_until_listening), as
tests/test_durability.py uses them.
"""

from __future__ import annotations

import contextlib
import signal
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

from tests.authkit import token
from tests.test_web_serve import free_port, wait_until_listening
from tests.tls import make_tls

ACDSTATS = str(Path(sys.executable).with_name("acdstats"))  # the installed command
PATIENCE_S = 120.0  # bounds a wait for something that must happen much sooner


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    port: int
    tls: ssl.SSLContext
    log: list[str] = field(default_factory=list)  # stderr lines so far
    _reader: threading.Thread | None = None
    _logged: threading.Condition = field(default_factory=threading.Condition)

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def client(self, **options: Any) -> httpx.Client:
        return httpx.Client(base_url=self.base, verify=self.tls, timeout=PATIENCE_S, **options)

    def _read_log(self) -> None:
        assert self.process.stderr is not None
        for raw in self.process.stderr:
            with self._logged:
                self.log.append(raw.decode(errors="replace").rstrip("\n"))
                self._logged.notify_all()
        with self._logged:
            self._logged.notify_all()

    def wait_for_log(self, needle: str) -> str:
        """The first stderr line holding needle, once the server has written it."""
        with self._logged:
            found = self._logged.wait_for(
                lambda: any(needle in line for line in self.log) or self.process.poll() is not None,
                timeout=PATIENCE_S,
            )
            lines = [line for line in self.log if needle in line]
        assert found and lines, f"the server never logged {needle!r}"
        return lines[0]

    def metric(self, name: str) -> float:
        """One unlabelled sample of GET /metrics (served to loopback without a token)."""
        with self.client() as http:
            text = http.get("/metrics").text
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        raise AssertionError(f"/metrics has no {name}")

    def status_kib(self, field_name: str) -> int:
        """A memory figure of /proc/<pid>/status (VmRSS, VmHWM), in KiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
        raise AssertionError(f"no {field_name} in /proc/{self.pid}/status")

    def reset_peak_rss(self) -> None:
        """From now on VmHWM is the peak since this moment (Linux clear_refs, value 5)."""
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Signal the server, wait for its exit; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.wait()

    def wait(self) -> int:
        code = self.process.wait(timeout=PATIENCE_S)
        if self._reader is not None:
            self._reader.join(timeout=PATIENCE_S)
        assert self.process.stderr is not None
        self.process.stderr.close()
        return code


@contextlib.contextmanager
def serving(
    db_path: Path,
    *flags: str,
    preexec_fn: Callable[[], None] | None = None,
) -> Iterator[ServerProcess]:
    """`acdstats serve --db db_path` over TLS (certificates beside the database), stopped with
    SIGTERM on the way out if still running."""
    tls = make_tls(db_path.parent)
    port = free_port()
    process = subprocess.Popen(
        [ACDSTATS, "serve", "--db", str(db_path), "--port", str(port),
         "--tls-cert", str(tls.server_cert), "--tls-key", str(tls.server_key), *flags],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=preexec_fn,
    )  # fmt: skip
    server = ServerProcess(process, port, ssl.create_default_context(cafile=str(tls.ca_cert)))
    try:
        wait_until_listening(port, process)
        server._reader = threading.Thread(target=server._read_log, daemon=True)
        server._reader.start()
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=PATIENCE_S)
            except subprocess.TimeoutExpired:
                process.kill()
        if server._reader is None:
            process.communicate(timeout=PATIENCE_S)
        else:
            server.wait()


def ndjson(events: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(event) + b"\n" for event in events)


def bearer(credentials: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": "Bearer " + token(credentials, ttl=3000)}
