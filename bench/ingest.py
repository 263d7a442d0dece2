"""Ingest rates: `acdstats import` of a JSONL file, and POST /events in NDJSON batches."""

from __future__ import annotations

import asyncio
import resource
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.dataset import ACDSTATS
from bench.server import Server


@dataclass
class IngestResult:
    events: int
    seconds: float
    stored: int
    errors: int = 0
    peak_rss: int = 0
    cpu_seconds: float = 0.0  # user + system of the process (all its threads)

    @property
    def per_second(self) -> float:
        return self.events / self.seconds


def fresh_account(db: Path) -> dict[str, Any]:
    """A new database with one account and an Owner key; the key's credentials."""
    from acdstats.services import keys
    from acdstats.storage.db import Database

    database = Database(db)
    account = keys.create_account(database, "bench-ingest").account_id
    credentials = keys.create_key(database, account, ["Owner"])
    database.close()
    return dict(credentials)


def import_file(events: Path, lines: int) -> IngestResult:
    """The import command as a user runs it, process start included, into a fresh file."""
    with tempfile.TemporaryDirectory(prefix="acdstats-bench-") as tmp:
        db = Path(tmp) / "import.duckdb"
        fresh_account(db)  # import refuses an account that does not exist
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(
            [ACDSTATS, "import", "--db", str(db), "--account-id", "1", "--json", str(events)],
            check=True,
            capture_output=True,
        )
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = next(iter(orjson.loads(done.stdout).values()))
    result = IngestResult(lines, seconds, report["stored"], len(report["rejected"]))
    result.cpu_seconds = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    result.peak_rss = after.ru_maxrss * 1024  # the largest child so far: the import
    return result


def http_ingest(
    events: Path, limit: int, batch_lines: int = 1000, clients: int = 4
) -> IngestResult:
    """A fresh server on a fresh database; clients post batches of batch_lines back to back.

    The first `limit` lines of the file only: the rate is what is measured.
    """
    with events.open("rb") as stream:
        lines = stream.readlines()[:limit]
    batches = [b"".join(lines[i : i + batch_lines]) for i in range(0, len(lines), batch_lines)]
    with tempfile.TemporaryDirectory(prefix="acdstats-bench-") as tmp:
        folder = Path(tmp)
        credentials = fresh_account(folder / "ingest.duckdb")
        server = Server(folder / "ingest.duckdb", folder, credentials)
        result = IngestResult(len(lines), 0.0, 0)
        url = f"{server.base}/events"
        headers = {**server.auth, "Content-Type": "application/x-ndjson"}
        queue = list(reversed(batches))

        async def worker() -> None:
            async with httpx.AsyncClient(verify=server.ssl, timeout=120) as client:
                while queue:
                    body = queue.pop()
                    try:
                        answer = await client.post(url, content=body, headers=headers)
                        if answer.status_code == 200:
                            result.stored += answer.json()["result"]["stored"]
                            continue
                    except httpx.HTTPError:
                        pass
                    result.errors += 1

        try:
            started = time.perf_counter()
            asyncio.run(_gather(worker, clients))
            result.seconds = time.perf_counter() - started
            result.peak_rss = server.peak_rss()
        finally:
            server.stop()
    return result


async def _gather(worker: object, clients: int) -> None:
    await asyncio.gather(*(worker() for _ in range(clients)))  # type: ignore[operator]


def main() -> None:
    """`python -m bench.ingest FILE [--write]`: acdstats import of one JSONL file, as a row."""
    import argparse

    from bench.report import write_import_row

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--write", action="store_true", help="put the row in docs/performance.md")
    args = parser.parse_args()
    with args.file.open("rb") as stream:
        lines = sum(1 for _ in stream)
    result = import_file(args.file, lines)
    row = write_import_row(args.file, result, write=args.write)
    print(row)


if __name__ == "__main__":
    main()
