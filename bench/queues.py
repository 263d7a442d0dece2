"""Q6 and Q7: GetACDQueueStatistics beside hand-written DuckDB SQL over a queue-calls table.

python -m bench.queues [--small | --medium | --large] [--reps N] [--no-write]

Q6 all queues, 30 days, aggregation=day; Q7 one queue (the one with the most calls), a
quarter (90 days, or the whole period if shorter), aggregation=hour_of_day. acdstats is
`acdstats serve` over TLS (as in bench.run), and also the service called in process; the
alternative is one hand-written GROUP BY over the account's queue calls copied to a DuckDB
file of their own, sorted by entry (zone maps work). Every number of every record (TC, AC,
UAC, RC, count/sum/min/max of WT, SA, AT, TT, ACW, HT, QL, and the SL call counts at
20/30/60 s) is compared before timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import orjson

from bench.dataset import ROOT, Dataset, prepare
from bench.report import machine, write
from bench.run import code_version, log
from bench.server import Server
from bench.sizes import SIZES, START
from bench.status import timed

METHOD = "GetACDQueueStatistics"
SAMPLES = [("wt", "WT"), ("sa", "SA"), ("abt", "AT"), ("tt", "TT"), ("acw", "ACW"),
           ("ht", "HT"), ("ql", "QL")]  # fmt: skip
THRESHOLDS = (20, 30, 60)  # the server's default service-level thresholds
Row = tuple[Any, ...]


def _ms(day: Any) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def export_calls(data: Dataset, path: Path) -> tuple[int, int]:
    """The account's queue calls sorted by entry, in a file of their own; and the busiest queue."""
    if path.exists():
        path.unlink()
    con = duckdb.connect(str(path))
    con.execute(f"ATTACH '{data.db}' AS src (READ_ONLY)")
    con.execute(
        "CREATE TABLE queue_calls AS SELECT account_id, queue_id, entered_at, outcome, "
        "wt, sa, abt, tt, acw, ht, ql FROM src.queue_calls ORDER BY entered_at"
    )
    n = int(con.execute("SELECT count(*) FROM queue_calls").fetchall()[0][0])
    busiest = int(
        con.execute(
            "SELECT queue_id FROM queue_calls GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchall()[0][0]
    )
    con.close()
    return n, busiest


def questions(data: Dataset, busiest: int) -> list[dict[str, Any]]:
    month = START if data.size.days < 60 else START + timedelta(days=30)
    quarter = min(90, data.size.days)
    return [
        {"name": "Q6", "label": "all queues, 30 days, day", "lo": month,
         "hi": month + timedelta(days=30), "queue": None, "aggregation": "day"},
        {"name": "Q7", "label": f"one queue, {quarter} days, hour_of_day", "lo": START,
         "hi": START + timedelta(days=quarter), "queue": busiest, "aggregation": "hour_of_day"},
    ]  # fmt: skip


def params(q: dict[str, Any]) -> dict[str, str]:
    out = {
        "from_date": f"{q['lo'].isoformat()} 00:00:00",
        "to_date": f"{q['hi'].isoformat()} 00:00:00",
        "aggregation": q["aggregation"],
    }
    if q["queue"] is not None:
        out["acd_queue_id"] = str(q["queue"])
    return out


# What a data engineer writes: one GROUP BY over the calls, SPEC 6's definitions inline.
HAND_WRITTEN = """
SELECT {bucket} AS b,
    count(*), count(*) FILTER (WHERE outcome = 'answered'),
    count(*) FILTER (WHERE outcome IN ('abandoned', 'moved')),
    count(*) FILTER (WHERE outcome = 'rejected'),
    {samples},
    {levels}
FROM queue_calls
WHERE account_id = $account AND entered_at >= $lo AND entered_at < $hi {queue}
GROUP BY b ORDER BY b
"""


def hand_written(con: duckdb.DuckDBPyConnection, q: dict[str, Any], account: int) -> Any:
    bucket = "CAST(entered_at AS DATE)" if q["aggregation"] == "day" else "hour(entered_at)"
    samples = ", ".join(f"count({s}), sum({s}), min({s}), max({s})" for s, _ in SAMPLES)
    levels = ", ".join(
        f"count(*) FILTER (WHERE outcome = 'answered' AND wt <= {t})" for t in THRESHOLDS
    )
    queue = "" if q["queue"] is None else f"AND queue_id = {int(q['queue'])}"
    text = HAND_WRITTEN.format(bucket=bucket, samples=samples, levels=levels, queue=queue)
    values = {
        "account": account,
        "lo": datetime.combine(q["lo"], datetime.min.time()),
        "hi": datetime.combine(q["hi"], datetime.min.time()),
    }
    return con.sql(text, params=values).to_arrow_table()


def rows_of_sql(table: Any) -> list[Row]:
    out = []
    for row in zip(*(c.to_pylist() for c in table.columns), strict=True):
        key = row[0].isoformat() if hasattr(row[0], "isoformat") else int(row[0])
        values = [int(v) if v is not None else None for v in row[1:]]
        out.append((key, *values))
    return out


def rows_of_api(result: list[dict[str, Any]], aggregation: str) -> list[Row]:
    out = []
    for r in result:
        key = r["date"] if aggregation == "day" else int(r["hour"])
        values: list[Any] = [
            r["TC"],
            r["AC"][0]["count"],
            r["UAC"][0]["count"],
            r["RC"][0]["count"],
        ]
        for _, name in SAMPLES:
            item = r.get(name)
            if item is None or item["count"] == 0:
                values += [0, None, None, None]
            else:
                values += [item["count"], item["sum"], item["min"], item["max"]]
        by_t = {level["acceptable_waiting_time"]: level["call_count"] for level in r["SL"]}
        values += [by_t[t] for t in THRESHOLDS]
        out.append((key, *values))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.queues", description=__doc__)
    size_arg = parser.add_mutually_exclusive_group()
    for name in ("small", "medium", "large"):
        size_arg.add_argument(f"--{name}", dest="size", action="store_const", const=name)
    parser.set_defaults(size="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()
    started = datetime.now(UTC)
    data = prepare(SIZES[args.size], args.seed, log)
    account = data.account_id
    calls_db = data.folder / "queue_calls.duckdb"
    n_calls, busiest = export_calls(data, calls_db)
    log(f"exported {n_calls:,} queue calls; busiest queue {busiest}")
    qs = questions(data, busiest)
    raw = duckdb.connect(str(calls_db), read_only=True)
    from acdstats.services.methods import METHODS, CallContext, respond
    from acdstats.storage.db import Database

    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="acdstats-queue-bench-") as tmp:
        server = Server(data.db, Path(tmp), data.credentials)
        try:
            url = server.url(METHOD)

            def via_http(q: dict[str, Any]) -> bytes:
                answer = server.client.post(url, data=params(q), headers=server.auth)
                answer.raise_for_status()
                return answer.content

            for q in qs:
                api_rows = rows_of_api(orjson.loads(via_http(q))["result"], q["aggregation"])
                sql_rows = rows_of_sql(hand_written(raw, q, account))
                same = api_rows == sql_rows
                log(f"{q['name']}: {len(api_rows):,} records, equal: {same}")
                if not same:
                    for a, b in zip(api_rows, sql_rows, strict=False):
                        if a != b:
                            log(f"  first difference: api {a} sql {b}")
                            break
                results[q["name"]] = {
                    "rows": len(api_rows),
                    "calls": sum(r[1] for r in api_rows),
                    "equal": same,
                    "http": timed(lambda q=q: via_http(q), args.reps),
                    "sql": timed(lambda q=q: hand_written(raw, q, account), args.reps),
                }
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
    table = report(args, data, qs, results, n_calls, load, started)
    print(table)
    if not args.no_write:
        write(ROOT / "docs" / "performance.md", f"queues-{data.size.name}", table)
        log("written to docs/performance.md")


def _ms_text(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:,.1f}"


def report(
    args: Any,
    data: Dataset,
    qs: list[dict[str, Any]],
    results: dict[str, dict[str, Any]],
    n_calls: int,
    load: tuple[float, float, float],
    started: datetime,
) -> str:
    size = data.size
    lines = [
        f"- **date**: {started:%Y-%m-%d %H:%M} UTC",
        f"- **machine**: {machine()}",
        "- **load average at start (1/5/15 min)**: " + " / ".join(f"{x:.2f}" for x in load),
        f"- **dataset**: size `{size.name}` (seed {args.seed}): {size.operators:,} operators, "
        f"{size.queues} queues, {size.days} days from {START}: {n_calls:,} queue calls",
        f"- **code**: {code_version()}",
        f"- **method**: median of {args.reps} runs after a warm-up; acdstats HTTPS = `acdstats "
        "serve` over TLS with a JWT, httpx keep-alive, until the body is received; DuckDB SQL = "
        "one hand-written GROUP BY over a queue-calls table (its own file, sorted by entry), "
        "result as Arrow; every number of every record (TC, AC, UAC, RC, count/sum/min/max of "
        "WT, SA, AT, TT, ACW, HT, QL, SL call counts at 20/30/60 s) compared before timing.",
        "",
        "| query | records (calls) | equal | acdstats HTTPS | DuckDB SQL | ratio "
        "| acdstats in process |",
        "|---|---|---|---|---|---|---|",
    ]
    for q in qs:
        r = results[q["name"]]
        ratio = statistics.median(r["http"]) / statistics.median(r["sql"])
        lines.append(
            f"| {q['name']}: {q['label']} | {r['rows']:,} ({r['calls']:,}) | "
            f"{'yes' if r['equal'] else '**NO**'} | {_ms_text(r['http'])} | {_ms_text(r['sql'])} | "
            f"{ratio:.2f} | {_ms_text(r['in_process'])} |"
        )
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
