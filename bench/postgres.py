"""PostgreSQL: a throwaway local cluster (initdb in a temp dir), loaded, indexed and analysed.

Started and stopped by the harness with pg_ctl; as root, the server programs run as the
`postgres` user (PostgreSQL refuses to run as root) in a folder that user owns.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from bench.rows import Row, normalise, sql
from bench.sizes import Query

SETTINGS = {
    # Enough memory to keep the table cached and hash the groups in memory.
    "shared_buffers": "4GB",
    "work_mem": "512MB",
    "effective_cache_size": "8GB",
    "max_parallel_workers_per_gather": "2",
    # Durability costs nothing at query time; turning it off only speeds up the load.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "listen_addresses": "''",
}


def bin_dir() -> Path:
    """The PostgreSQL 15 server programs (Debian keeps them out of PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    preferred = [p for p in found if "/15/" in p] or found
    if preferred:
        return Path(preferred[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl is None:
        raise RuntimeError("PostgreSQL not found: install it (scripts/bench does)")
    return Path(pg_ctl).resolve().parent


class Postgres:
    name = "PostgreSQL"

    def __init__(self, account_id: int):
        self.account_id = account_id
        self.bin = bin_dir()
        self.folder = Path(tempfile.mkdtemp(prefix="acdstats-bench-pg-"))
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.con: psycopg.Connection[Any] | None = None

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        data = str(self.folder / "data")
        self._run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync")  # fmt: skip
        options = " ".join(f"-c {k}={v}" for k, v in SETTINGS.items())
        options += f" -k {self.folder} -p {self.port}"
        self._run("pg_ctl", "-D", data, "-l", str(self.folder / "log"), "-o", options,
                  "-w", "start")  # fmt: skip
        self.con = psycopg.connect(
            host=str(self.folder), port=self.port, user="postgres", dbname="postgres",
            autocommit=True,
        )  # fmt: skip
        self.version = self.con.execute("SHOW server_version").fetchall()[0][0]

    def load(self, csv: Path) -> float:
        """COPY the offers in, index them, VACUUM ANALYZE; returns the seconds it took."""
        assert self.con is not None
        started = time.perf_counter()
        self.con.execute(
            "CREATE TABLE offers (account_id bigint NOT NULL, user_id bigint NOT NULL, "
            "queue_id bigint, offered_at timestamp NOT NULL, sa int, tt int, acw int, ht int)"
        )
        with (
            self.con.cursor() as cur,
            cur.copy("COPY offers FROM STDIN (FORMAT csv, HEADER)") as copy,
            csv.open("rb") as stream,
        ):
            while chunk := stream.read(1 << 20):
                copy.write(chunk)
        # The filters every query has (account, time) and the narrow ones (operator, queue).
        self.con.execute("CREATE INDEX ON offers (account_id, offered_at)")
        self.con.execute("CREATE INDEX ON offers (account_id, user_id, offered_at)")
        self.con.execute("VACUUM ANALYZE offers")
        return time.perf_counter() - started

    def run(self, query: Query) -> list[tuple[Any, ...]]:
        assert self.con is not None
        text, params = sql(query, "postgres", self.account_id)
        return self.con.execute(text, params).fetchall()

    def rows(self, query: Query, result: list[tuple[Any, ...]]) -> list[Row]:
        return normalise(result, query.aggregation)

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
        if (self.folder / "data" / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
