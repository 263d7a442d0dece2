"""Orchestration: dataset, alternatives, server; the same queries on each; the report.

python -m bench [--small | --medium] [--reps N] [--seconds S] [--skip-postgres] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars

from bench import report
from bench.dataset import ROOT, Dataset, prepare
from bench.engines import DuckDBRaw, InProcess, PolarsLazy
from bench.ingest import http_ingest, import_file
from bench.postgres import Postgres
from bench.rows import summary
from bench.server import Api, Server, throughput
from bench.sizes import SIZES, Query, queries


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--small", dest="size", action="store_const", const="small")
    size.add_argument("--medium", dest="size", action="store_const", const="medium")
    size.add_argument("--large", dest="size", action="store_const", const="large")
    size.add_argument("--full", dest="size", action="store_const", const="full")
    parser.set_defaults(size="full")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reps", type=int, default=7, help="timed runs of each query")
    parser.add_argument(
        "--interleave", action="store_true", help="time engines round-robin, not in blocks"
    )
    parser.add_argument("--q1-requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--http-events", type=int, default=200_000, help="events posted to POST /events"
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/")
    return parser.parse_args()


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def main() -> None:
    args = parse_args()
    load = os.getloadavg()
    started = datetime.now(UTC)
    size = SIZES[args.size]
    data = prepare(size, args.seed, log)
    qs = queries(size, int(data.meta["busiest_operator"]))
    header = {
        "date": f"{started:%Y-%m-%d %H:%M} UTC",
        "machine": report.machine(),
        "load average at start (1/5/15 min)": " / ".join(f"{x:.2f}" for x in load),
        "dataset": f"size `{size.name}` (seed {args.seed}): {size.operators:,} operators, "
        f"{size.queues} queues, {size.days} days from {qs[2].lo}: "
        f"{data.meta['offers']:,} offers from {data.meta['events']:,} events",
        "code": code_version(),
        "versions": f"DuckDB {duckdb.__version__}, Polars {polars.__version__}",
        "method": f"median of {args.reps} runs per query and engine ("
        + ("round-robin over the engines" if args.interleave else "back to back, after a warm-up")
        + "); "
        "acdstats = `acdstats serve` over TLS with a JWT, httpx keep-alive client, until the "
        "JSON body is received; the others = the same GROUP BY over the offers table "
        "(DuckDB: its own file, result as Arrow; Polars: lazy Parquet scan; PostgreSQL: "
        "indexed, VACUUM ANALYZE, psycopg fetchall).",
    }
    engines: list[Any] = []
    results: report.Results | None = None
    with tempfile.TemporaryDirectory(prefix="acdstats-bench-") as tmp:
        server = None
        try:
            if not args.skip_postgres:
                pg = Postgres(data.account_id)
                engines.append(pg)
                pg.start()
                log(f"PostgreSQL {pg.version}: loading {data.meta['offers']:,} offers ...")
                log(f"PostgreSQL loaded and indexed in {pg.load(data.csv):.0f} s")
                header["versions"] += f", PostgreSQL {pg.version}"
            server = Server(data.db, Path(tmp), data.credentials)
            engines[:0] = [
                Api(server),
                DuckDBRaw(data.raw_duckdb, data.account_id),
                PolarsLazy(data.parquet, data.account_id),
            ]
            results = report.Results(
                header, [e.name for e in engines], [(q.name, q.label) for q in qs]
            )
            results.clients = args.clients
            check(engines, qs, results)
            measure(engines, qs, results, args.reps, args.interleave)
            log(f"Q1: {args.q1_requests} sequential requests ...")
            for _ in range(args.q1_requests):
                t0 = time.perf_counter()
                engines[0].run(qs[0])
                results.q1_latencies.append(time.perf_counter() - t0)
            for _ in range(args.q1_requests):  # the floor: HTTP, TLS and the token check
                t0 = time.perf_counter()
                server.client.post(server.url("GetRoles"), headers=server.auth).raise_for_status()
                results.floor_latencies.append(time.perf_counter() - t0)
            log(f"Q1 at {args.clients} concurrent clients for {args.seconds} s ...")
            results.throughput = throughput(server, qs[0].params, args.clients, args.seconds)
            # The same clients on a method that reads nothing: what HTTP, TLS and the token
            # check allow on this machine, with the client sharing its cores.
            results.ceiling = throughput(server, {}, args.clients, args.seconds, "GetRoles")
            results.server_rss = server.peak_rss()
        finally:
            if server is not None:
                server.stop()
            for engine in engines:
                engine.close()
    assert results is not None
    in_process(data, qs, results, args.reps)
    results.dataset_load = (int(data.meta["events"]), float(data.meta["load_seconds"]))
    results.full_size_events = round(
        data.meta["events"] / data.meta["offers"] * 20_000_000
    )  # the default size's ~20M offers, at this dataset's events per offer
    if not args.skip_ingest:
        ingest(data, results, args.http_events)
    table = report.markdown(results)
    print(table)
    if not args.no_write:
        report.write(ROOT / "docs" / "performance.md", size.name, table)
        log("written to docs/performance.md")


def code_version() -> str:
    """The commit measured, and whether the acdstats imported has uncommitted changes."""
    import acdstats

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip()

    source = Path(acdstats.__file__).resolve().parents[1]
    if source != ROOT / "src":
        # A snapshot (e.g. `git archive HEAD src`) with the commit noted in a COMMIT file.
        noted = source.parent / "COMMIT"
        commit = noted.read_text().strip() if noted.exists() else "unknown"
        return f"acdstats at commit {commit} (a copy in {source})"
    text = f"acdstats at commit {git('rev-parse', '--short', 'HEAD') or 'unknown'}"
    if git("status", "--porcelain", "--", "src"):
        text += " plus uncommitted changes under src/"
    return text


def check(engines: list[Any], qs: list[Query], results: report.Results) -> None:
    """Run each query once on each engine (warm-up) and compare every row to the server's."""
    for q in qs:
        reference = None
        verdicts = []
        for engine in engines:
            rows = engine.rows(q, engine.run(q))
            if reference is None:
                reference = rows
                results.checks[q.name] = summary(rows, q.aggregation)
            elif rows == reference:
                verdicts.append("yes")
            else:
                verdicts.append(f"**{engine.name}: NO**")
                log(f"{q.name}: {engine.name} differs: {summary(rows, q.aggregation)} vs "
                    f"{results.checks[q.name]}")  # fmt: skip
        results.checks[q.name]["verdict"] = ", ".join(verdicts)
        log(f"{q.name}: {results.checks[q.name]}")


def measure(
    engines: list[Any], qs: list[Query], results: report.Results, reps: int, interleave: bool
) -> None:
    """Per query and engine: one warm-up run, then `reps` timed runs back to back.

    With interleave, round-robin instead (each run follows the other engines' runs).
    """
    for q in qs:
        log(f"timing {q.name}")
        if interleave:
            schedule = [e for _ in range(reps) for e in engines]
        else:
            schedule = [e for e in engines for _ in range(reps + 1)]
        warmed: set[str] = set()
        for engine in schedule:
            t0 = time.perf_counter()
            engine.run(q)
            elapsed = time.perf_counter() - t0
            if interleave or engine.name in warmed:
                results.samples.setdefault((q.name, engine.name), []).append(elapsed)
            warmed.add(engine.name)


def in_process(data: Dataset, qs: list[Query], results: report.Results, reps: int) -> None:
    log("the same queries in process, without the server ...")
    engine = InProcess(data.db, data.account_id)
    try:
        for q in qs:
            engine.run(q)  # warm-up, as the others had
            for _ in range(reps):
                t0 = time.perf_counter()
                engine.run(q)
                results.in_process.setdefault(q.name, []).append(time.perf_counter() - t0)
    finally:
        engine.close()


def ingest(data: Dataset, results: report.Results, http_events: int) -> None:
    events = int(data.meta["ingest_events"])
    log(f"acdstats import of {events:,} events ...")
    results.imported = import_file(data.events, events)
    log(f"import: {results.imported.per_second:,.0f} events/s")
    log("POST /events in batches of 1,000 ...")
    results.http = http_ingest(data.events, http_events)
    log(f"HTTP ingest: {results.http.per_second:,.0f} events/s")
