"""Issue 13's rows for queues: Q6 (all queues, 30 days, day) in Europe/Berlin, in Asia/Kolkata,
with percentiles=50;90;99 and across Berlin's spring change, each beside hand-written DuckDB
SQL over the queue calls (ICU time zones; quantile_disc).

python -m bench.queue_extensions [--small | --medium] [--reps N] [--no-write]

As bench.extensions: the cached dataset, GetACDQueueStatistics in process on the acdstats file
(respond(): parameters to response bytes), the hand-written GROUP BY over the account's queue
calls in a DuckDB file of their own (bench.queues.export_calls, sorted by entry). Every number
of every record is compared before timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import orjson

from acdstats.services import methods
from acdstats.storage.db import Database
from bench import report
from bench.dataset import ROOT, prepare
from bench.extensions import local_days
from bench.queues import SAMPLES, THRESHOLDS, export_calls
from bench.run import code_version, log
from bench.sizes import SIZES, START
from bench.status import timed

PCTS = (50, 90, 99)
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin queue-extensions", "<!-- bench:end queue-extensions -->"
EXTENSIONS_END = "<!-- bench:end extensions -->"


def cases(days: int) -> list[tuple[str, dict[str, str]]]:
    lo = START + timedelta(days=30)
    base = {"from_date": f"{lo} 00:00:00", "to_date": f"{lo + timedelta(days=30)} 00:00:00",
            "aggregation": "day"}  # fmt: skip
    spring = {**base, "from_date": "2026-03-06 00:00:00", "to_date": "2026-04-05 00:00:00"}
    across = START + timedelta(days=days) >= datetime(2026, 4, 5).date()
    return [
        ("Q6 (UTC), for reference", base),
        ("Q6 in Europe/Berlin", {**base, "timezone": "Europe/Berlin"}),
        ("Q6 in Asia/Kolkata", {**base, "timezone": "Asia/Kolkata"}),
        ("Q6 with percentiles=50;90;99", {**base, "percentiles": "50;90;99"}),
        *([("Q6 in Europe/Berlin across 29 March", {**spring, "timezone": "Europe/Berlin"})]
          if across else []),
    ]  # fmt: skip


def hand_sql(params: dict[str, str], account: int) -> tuple[str, dict[str, Any]]:
    """What an engineer writes by hand: one GROUP BY over the queue calls."""
    lo, hi, day = local_days(params, "entered_at")
    columns = [
        "count(*)", "count(*) FILTER (WHERE outcome = 'answered')",
        "count(*) FILTER (WHERE outcome IN ('abandoned', 'moved'))",
        "count(*) FILTER (WHERE outcome = 'rejected')",
        *(f"count({s}), sum({s}), min({s}), max({s})" for s, _ in SAMPLES),
        *(f"count(*) FILTER (WHERE outcome = 'answered' AND wt <= {t})" for t in THRESHOLDS),
    ]  # fmt: skip
    if "percentiles" in params:
        qs = ", ".join(str(p / 100) for p in PCTS)
        columns += [f"quantile_disc({s}, [{qs}])" for s, _ in SAMPLES]
    text = f"""
        SELECT {day} AS d, {", ".join(columns)} FROM queue_calls
        WHERE account_id = $a AND entered_at >= make_timestamp_ms($lo)
          AND entered_at < make_timestamp_ms($hi)
        GROUP BY ALL ORDER BY 1
    """
    return text, {"a": account, "lo": lo, "hi": hi}


def api_rows(body: bytes, with_pcts: bool) -> list[tuple[Any, ...]]:
    rows = []
    for r in orjson.loads(body)["result"]:
        values: list[Any] = [r["TC"], *(r[n][0]["count"] for n in ("AC", "UAC", "RC"))]
        for _, name in SAMPLES:
            item = r[name]
            values += [item["count"], *((item["sum"], item["min"], item["max"])
                                        if item["count"] else (None, None, None))]  # fmt: skip
        by_t = {level["acceptable_waiting_time"]: level["call_count"] for level in r["SL"]}
        values += [by_t[t] for t in THRESHOLDS]
        if with_pcts:
            values += [[r[name][f"p{p}"] for p in PCTS] for _, name in SAMPLES]
        rows.append((r["date"], *values))
    return rows


def sql_rows(result: Any, with_pcts: bool) -> list[tuple[Any, ...]]:
    n = 4 + 4 * len(SAMPLES) + len(THRESHOLDS)
    out = []
    for row in result.fetchall():
        values = [None if v is None else int(v) for v in row[1 : 1 + n]]
        pcts = [[0 if v is None else int(v) for v in (ps or [None] * 3)] for ps in row[1 + n :]]
        out.append((row[0].isoformat(), *values, *(pcts if with_pcts else [])))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.queue_extensions", description=__doc__)
    parser.add_argument("--small", dest="size", action="store_const", const="small")
    parser.add_argument("--medium", dest="size", action="store_const", const="medium")
    parser.set_defaults(size="medium")
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()
    size = SIZES[args.size]
    data = prepare(size, 1, log)
    calls_db = data.folder / "queue_calls.duckdb"
    n_calls, _ = export_calls(data, calls_db)
    db = Database(data.db, read_only=True)
    ctx = methods.CallContext(db, data.account_id)
    method = methods.find_method("GetACDQueueStatistics")
    raw = duckdb.connect(str(calls_db), read_only=True)
    lines = []
    for label, params in cases(size.days):
        text, sql_params = hand_sql(params, data.account_id)
        with_pcts = "percentiles" in params
        ours = api_rows(methods.respond(method, ctx, params), with_pcts)
        theirs = sql_rows(raw.execute(text, sql_params), with_pcts)
        differ = sum(1 for a, b in zip(ours, theirs, strict=False) if a != b)
        same = len(ours) == len(theirs) and differ == 0
        a = statistics.median(timed(lambda p=params: methods.respond(method, ctx, p), args.reps))
        b = statistics.median(
            timed(lambda t=text, s=sql_params: raw.sql(t, params=s).to_arrow_table(), args.reps)
        )
        check = "yes" if same else f"**no**: {differ} of {len(ours)} records differ"
        lines.append(
            f"| {label} | {len(ours):,} | {a * 1000:,.1f} | {b * 1000:,.1f} | {a / b:.3f} "
            f"| {check} |"
        )
        log(lines[-1])
    db.close()
    raw.close()
    table = "\n".join(
        [
            f"{BEGIN} {size.name} (written by python -m bench.queue_extensions) -->",
            f"- **date**: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {code_version()}",
            f"- **machine**: {report.machine()}",
            f"- **load average at start (1/5/15 min)**: {' / '.join(f'{x:.2f}' for x in load)}",
            f"- **dataset**: size `{size.name}`: {n_calls:,} queue calls; 30 local days, all "
            "queues, `day`",
            f"- **method**: median of {args.reps} runs after a warm-up; acdstats = "
            "GetACDQueueStatistics in process (respond(): parameters to response bytes); DuckDB "
            "SQL = a hand-written GROUP BY over the queue calls in their own DuckDB file (ICU "
            "`AT TIME ZONE`, `quantile_disc`), result as Arrow",
            "",
            "| query | records | acdstats in process (ms) | DuckDB SQL (ms) | ratio | same "
            "numbers |",
            "|---|---|---|---|---|---|",
            *lines,
            END,
        ]
    )
    print(table)
    if not args.no_write:  # after the operator rows of bench.extensions
        text = DOC.read_text()
        if BEGIN in text:
            start = text.index(BEGIN)
            text = text[:start] + table + text[text.index(END) + len(END) :]
        else:
            at = text.index(EXTENSIONS_END) + len(EXTENSIONS_END)
            text = text[:at] + "\n\n" + table + text[at:]
        DOC.write_text(text)


if __name__ == "__main__":
    main()
