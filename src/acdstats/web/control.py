"""The local control path of a running server: a Unix socket beside the database file.

While `acdstats serve` holds the database, other processes cannot open it (DuckDB allows
one writing process), so commands that need the server's database, such as `acdstats
backup`, ask the server through this socket. The socket is `<database>.control`, mode
0600: whoever may use it could read the database file anyway. No HTTP, no token: a backup
holds every account, so no account's key may ask for one (docs/operations.md).

Protocol: one JSON line in, one JSON line out: {"op": "backup", "out": "/abs/dir"} ->
{"ok": true, "manifest": {...}} or {"ok": false, "error": "..."}.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import socketserver
import threading
from pathlib import Path
from typing import Any

from acdstats.errors import AcdstatsError
from acdstats.storage.backup import backup
from acdstats.storage.db import Database

log = logging.getLogger(__name__)

BACKUP_WAIT_S = 60.0  # for the writer to be free between two batches
_MAX_PATH = 100  # AF_UNIX paths are limited to about 107 bytes


def socket_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".control")


class ControlServer:
    """Serves the control socket of one database in a background thread."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.path = socket_path(db.path.resolve())
        self._server: socketserver.ThreadingUnixStreamServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if len(os.fsencode(self.path)) > _MAX_PATH:
            log.warning("no control socket: the path %s is too long for a Unix socket", self.path)
            return
        # A socket left by a killed server: nothing listens (we hold the database lock).
        self.path.unlink(missing_ok=True)
        db = self.db

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                try:
                    answer = _answer(db, json.loads(self.rfile.readline(65536)))
                except ValueError:
                    answer = {"ok": False, "error": "the request is not one line of JSON"}
                self.wfile.write(json.dumps(answer).encode() + b"\n")

        old = os.umask(0o177)
        try:
            self._server = socketserver.ThreadingUnixStreamServer(str(self.path), Handler)
        finally:
            os.umask(old)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        with contextlib.suppress(OSError):
            self.path.unlink()
        self._server = None


def _answer(db: Database, request: Any) -> dict[str, Any]:
    if not isinstance(request, dict) or request.get("op") != "backup":
        return {"ok": False, "error": "unknown request; the server knows: backup"}
    out = request.get("out")
    if not isinstance(out, str) or not os.path.isabs(out):
        return {"ok": False, "error": "backup needs 'out', an absolute folder path"}
    try:
        manifest = backup(db, Path(out), BACKUP_WAIT_S)
    except (AcdstatsError, OSError) as exc:
        return {"ok": False, "error": str(exc)}
    except Exception as exc:  # a database error: reported, the server goes on
        log.error("backup to %s failed: %s", out, exc)
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    log.info("backup written to %s", out)
    return {"ok": True, "manifest": manifest}


def ask(db_path: Path, request: dict[str, Any], timeout: float = BACKUP_WAIT_S + 60) -> Any:
    """Send one request to the server that holds db_path; FileNotFoundError if none listens."""
    path = socket_path(db_path.resolve())
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
        except ConnectionRefusedError:
            raise FileNotFoundError(path) from None
        sock.sendall(json.dumps(request).encode() + b"\n")
        with sock.makefile("rb") as stream:
            return json.loads(stream.readline())
