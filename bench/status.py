"""Q8 and Q9: GetACDOperatorStatusStatistics beside hand-written DuckDB SQL over a spans table.

python -m bench.status [--small | --medium | --large] [--reps N] [--q9-requests N] [--no-write]

Q8 all operators, 30 days, aggregation=day; Q9 one operator (the busiest of Q1's day), one
day, aggregation=hour. acdstats is `acdstats serve` over TLS (as in bench.run), and also the
service called in process; the alternative is one hand-written statement over a table of
the account's spans in a DuckDB file of its own, sorted by start (zone maps work), the open
spans ended at the window's end. Every row (operator, bucket, status, count, sum, min,
max) is compared before timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import orjson

from bench.dataset import ROOT, Dataset, prepare
from bench.report import machine, write
from bench.run import code_version, log
from bench.server import Server
from bench.sizes import SIZES, START, q1_day

ORDER = ["OFFLINE", "ONLINE", "READY", "BANNED", "IN_SERVICE", "AFTER_SERVICE", "TIMEOUT", "DND"]
METHOD = "GetACDOperatorStatusStatistics"
Row = tuple[Any, ...]


def _ms(day: Any) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def questions(data: Dataset) -> list[dict[str, Any]]:
    month = START if data.size.days < 60 else START + timedelta(days=30)
    day = q1_day(data.size)
    busiest = int(data.meta["busiest_operator"])
    return [
        {"name": "Q8", "label": "all operators, 30 days, day", "lo": month,
         "hi": month + timedelta(days=30), "user": None, "aggregation": "day"},
        {"name": "Q9", "label": "one operator, one day, hour", "lo": day,
         "hi": day + timedelta(days=1), "user": busiest, "aggregation": "hour"},
    ]  # fmt: skip


def params(q: dict[str, Any]) -> dict[str, str]:
    return {
        "from_date": f"{q['lo'].isoformat()} 00:00:00",
        "to_date": f"{q['hi'].isoformat()} 00:00:00",
        "user_id": "all" if q["user"] is None else str(q["user"]),
        "aggregation": q["aggregation"],
    }


def export_spans(data: Dataset, path: Path) -> int:
    """The account's spans, closed and open (end NULL), sorted by start, in a file of their own."""
    if path.exists():
        path.unlink()
    con = duckdb.connect(str(path))
    con.execute(f"ATTACH '{data.db}' AS src (READ_ONLY)")
    con.execute(
        "CREATE TABLE spans AS SELECT * FROM ("
        "SELECT account_id, user_id, status, start_ms, end_ms FROM src.status_spans "
        "UNION ALL SELECT account_id, user_id, status, start_ms, NULL FROM src.status_open"
        ") ORDER BY start_ms"
    )
    n = int(con.execute("SELECT count(*) FROM spans").fetchall()[0][0])
    con.close()
    return n


HAND_WRITTEN = """
SELECT user_id, b, status, count(*), sum(x), min(x), max(x) FROM (
    SELECT user_id, status, b, (least(e, b + $w) - greatest(s, b) + 500) // 1000 AS x
    FROM (
        SELECT user_id, status, start_ms AS s, coalesce(end_ms, $hi) AS e,
            unnest(range(greatest(start_ms, $lo) - greatest(start_ms, $lo) % $w,
                         least(coalesce(end_ms, $hi), $hi), $w)) AS b
        FROM spans
        WHERE account_id = $account AND start_ms < $hi AND coalesce(end_ms, $hi) > $lo {user}
    )
) GROUP BY ALL
"""


def hand_written(con: duckdb.DuckDBPyConnection, q: dict[str, Any], account: int) -> Any:
    width = 86_400_000 if q["aggregation"] == "day" else 3_600_000
    user = "" if q["user"] is None else f"AND user_id = {int(q['user'])}"
    values = {"w": width, "lo": _ms(q["lo"]), "hi": _ms(q["hi"]), "account": account}
    return con.sql(HAND_WRITTEN.format(user=user), params=values).to_arrow_table()


def rows_of_sql(table: Any, aggregation: str) -> list[Row]:
    out = []
    for user, b, status, n, total, low, high in zip(
        *(c.to_pylist() for c in table.columns), strict=True
    ):
        t = datetime.fromtimestamp(b / 1000, UTC)
        keys = (t.date().isoformat(),) if aggregation == "day" else (t.date().isoformat(), t.hour)
        out.append((int(user), *keys, ORDER[status], int(n), int(total), int(low), int(high)))
    return sorted(out)


def rows_of_api(result: list[dict[str, Any]], aggregation: str) -> list[Row]:
    out = []
    for group in result:
        for record in group["statistics"]:
            keys = (record["date"],) if aggregation == "day" else (record["date"], record["hour"])
            for status, item in record["acd_status"][0].items():
                out.append((int(group["user_id"]), *keys, status, item["count"], item["sum"],
                            item["min"], item["max"]))  # fmt: skip
    return sorted(out)


def timed(fn: Any, reps: int) -> list[float]:
    fn()  # warm-up
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.status", description=__doc__)
    size_arg = parser.add_mutually_exclusive_group()
    for name in ("small", "medium", "large"):
        size_arg.add_argument(f"--{name}", dest="size", action="store_const", const=name)
    parser.set_defaults(size="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--q9-requests", type=int, default=300)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()
    started = datetime.now(UTC)
    data = prepare(SIZES[args.size], args.seed, log)
    account = data.account_id
    spans_db = data.folder / "spans.duckdb"
    n_spans = export_spans(data, spans_db)
    log(f"exported {n_spans:,} spans")
    qs = questions(data)
    raw = duckdb.connect(str(spans_db), read_only=True)
    from acdstats.services.methods import METHODS, CallContext, respond
    from acdstats.storage.db import Database

    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="acdstats-status-bench-") as tmp:
        server = Server(data.db, Path(tmp), data.credentials)
        try:
            url = server.url(METHOD)

            def via_http(q: dict[str, Any]) -> bytes:
                answer = server.client.post(url, data=params(q), headers=server.auth)
                answer.raise_for_status()
                return answer.content

            for q in qs:
                api_rows = rows_of_api(orjson.loads(via_http(q))["result"], q["aggregation"])
                sql_rows = rows_of_sql(hand_written(raw, q, account), q["aggregation"])
                same = api_rows == sql_rows
                log(f"{q['name']}: {len(api_rows):,} rows, equal: {same}")
                results[q["name"]] = {
                    "rows": len(api_rows),
                    "records": len({r[:-5] for r in api_rows}),
                    "equal": same,
                    "http": timed(lambda q=q: via_http(q), args.reps),
                    "sql": timed(lambda q=q: hand_written(raw, q, account), args.reps),
                }
            q9 = qs[1]
            latencies = []
            for _ in range(args.q9_requests):
                t0 = time.perf_counter()
                via_http(q9)
                latencies.append(time.perf_counter() - t0)
            results["Q9"]["p50"] = statistics.median(latencies)
            results["Q9"]["p95"] = sorted(latencies)[int(0.95 * len(latencies)) - 1]
            floor = []  # the transport floor: HTTP, TLS and the token check, nothing read
            for _ in range(args.q9_requests):
                t0 = time.perf_counter()
                server.client.post(server.url("GetRoles"), headers=server.auth).raise_for_status()
                floor.append(time.perf_counter() - t0)
            results["Q9"]["floor"] = statistics.median(floor)
        finally:
            server.stop()
    raw.close()
    db = Database(data.db, read_only=True)
    try:
        ctx = CallContext(db, account)
        for q in qs:
            results[q["name"]]["in_process"] = timed(
                lambda q=q: respond(METHODS[METHOD], ctx, params(q)), args.reps
            )
    finally:
        db.close()
    table = report(args, data, qs, results, n_spans, load, started)
    print(table)
    if not args.no_write:
        write(ROOT / "docs" / "performance.md", f"status-{data.size.name}", table)
        log("written to docs/performance.md")


def _ms_text(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:,.1f}"


def report(
    args: Any,
    data: Dataset,
    qs: list[dict[str, Any]],
    results: dict[str, dict[str, Any]],
    n_spans: int,
    load: tuple[float, float, float],
    started: datetime,
) -> str:
    size = data.size
    lines = [
        f"- **date**: {started:%Y-%m-%d %H:%M} UTC",
        f"- **machine**: {machine()}",
        "- **load average at start (1/5/15 min)**: " + " / ".join(f"{x:.2f}" for x in load),
        f"- **dataset**: size `{size.name}` (seed {args.seed}): {size.operators:,} operators, "
        f"{size.days} days from {START}: {n_spans:,} status spans",
        f"- **code**: {code_version()}",
        f"- **method**: median of {args.reps} runs after a warm-up; acdstats HTTPS = `acdstats "
        "serve` over TLS with a JWT, httpx keep-alive, until the body is received; DuckDB SQL = "
        "one hand-written statement over a spans table (its own file, sorted by start), result "
        "as Arrow; rows (operator, bucket, status, count, sum, min, max) compared before timing.",
        "",
        "| query | rows (records) | equal | acdstats HTTPS | DuckDB SQL | ratio "
        "| acdstats in process |",
        "|---|---|---|---|---|---|---|",
    ]
    for q in qs:
        r = results[q["name"]]
        ratio = statistics.median(r["http"]) / statistics.median(r["sql"])
        lines.append(
            f"| {q['name']}: {q['label']} | {r['rows']:,} ({r['records']:,}) | "
            f"{'yes' if r['equal'] else '**NO**'} | {_ms_text(r['http'])} | {_ms_text(r['sql'])} | "
            f"{ratio:.2f} | {_ms_text(r['in_process'])} |"
        )
    q9 = results["Q9"]
    lines += [
        "",
        f"Q9 over HTTPS, {args.q9_requests} requests back to back: p50 "
        f"{q9['p50'] * 1000:.1f} ms, p95 {q9['p95'] * 1000:.1f} ms; GetRoles the same way (the "
        f"transport floor: HTTP, TLS, the token check): p50 {q9['floor'] * 1000:.1f} ms.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
