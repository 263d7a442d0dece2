"""Issue 13's rows: Q2 in Europe/Berlin, in Asia/Kolkata, and with percentiles=50;90;99, each
beside hand-written DuckDB SQL on the same data (ICU time zones; quantile_disc).

python -m bench.extensions [--small | --medium] [--reps N] [--no-write]

Uses the cached dataset of bench/ (built by `python -m bench` or on first use), the acdstats
file read-only in process (the statistics call as the server makes it, without HTTP, TLS and
the token: the server's share) and the offers' own DuckDB file for the hand-written SQL.
Before timing, both answers are compared number by number.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
import orjson

from acdstats.domain.buckets import load_zone, wall_to_utc_ms
from acdstats.domain.timefmt import parse_request_time
from acdstats.services import methods
from acdstats.storage.db import Database
from bench import report
from bench.dataset import ROOT, prepare
from bench.rows import SAMPLES
from bench.sizes import SIZES, START

DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin extensions", "<!-- bench:end extensions -->"
PCTS = (50, 90, 99)


def window() -> tuple[str, str]:
    lo = START + timedelta(days=30)
    return f"{lo} 00:00:00", f"{lo + timedelta(days=30)} 00:00:00"


def cases(days: int) -> list[tuple[str, dict[str, str]]]:
    lo, hi = window()
    base = {"from_date": lo, "to_date": hi, "user_id": "all", "aggregation": "day"}
    spring = {**base, "from_date": "2026-03-06 00:00:00", "to_date": "2026-04-05 00:00:00"}
    last_day = START + timedelta(days=days)
    rows_across = [
        ("Q2 in Europe/Berlin, 30 days across 29 March (23-hour day)",
         {**spring, "timezone": "Europe/Berlin"}),
    ] if last_day >= date(2026, 4, 5) else []  # fmt: skip
    return [
        ("Q2 (UTC), for reference", base),
        ("Q2 in Europe/Berlin", {**base, "timezone": "Europe/Berlin"}),
        ("Q2 in Asia/Kolkata", {**base, "timezone": "Asia/Kolkata"}),
        ("Q2 with percentiles=50;90;99", {**base, "percentiles": ";".join(map(str, PCTS))}),
        *rows_across,
    ]


def local_days(params: dict[str, str], column: str) -> tuple[int, int, str]:
    """The window in UTC ms and the SQL of `column`'s day, both in the request's zone."""
    zone = params.get("timezone")
    lo, hi = (parse_request_time(params[k]) for k in ("from_date", "to_date"))
    assert lo is not None and hi is not None
    if not zone:
        return lo, hi, f"{column}::DATE"
    z = load_zone(zone)
    assert z is not None
    day = f"(({column} AT TIME ZONE 'UTC') AT TIME ZONE '{zone}')::DATE"
    return wall_to_utc_ms(lo, z), wall_to_utc_ms(hi, z), day


def hand_sql(params: dict[str, str], account_id: int) -> tuple[str, dict[str, Any]]:
    """What an engineer writes by hand: one GROUP BY over the offers."""
    lo, hi, day = local_days(params, "offered_at")
    aggregates = [f"count({s}), sum({s}), min({s}), max({s})" for s in SAMPLES] + [
        "count(*) - count(sa)"
    ]
    if "percentiles" in params:
        qs = ", ".join(str(p / 100) for p in PCTS)
        aggregates += [f"quantile_disc({s}, [{qs}])" for s in SAMPLES]
    text = f"""
        SELECT user_id, {day} AS d, {", ".join(aggregates)}
        FROM offers
        WHERE account_id = $a AND offered_at >= make_timestamp_ms($lo)
          AND offered_at < make_timestamp_ms($hi)
        GROUP BY ALL ORDER BY 1, 2
    """
    return text, {"a": account_id, "lo": lo, "hi": hi}


def api_rows(body: bytes, with_pcts: bool) -> list[tuple[Any, ...]]:
    rows = []
    for group in orjson.loads(body)["result"]:
        for rec in group["statistics"]:
            numbers: list[Any] = []
            for item in ("SA", "TT", "ACW", "HT"):
                o = rec[item]
                numbers += [o["count"], o["sum"], o["min"], o["max"]]
            numbers.append(rec["UAC"])
            if with_pcts:
                numbers += [[rec[i][f"p{p}"] for p in PCTS] for i in ("SA", "TT", "ACW", "HT")]
            rows.append((int(group["user_id"]), rec["date"], *numbers))
    return rows


def sql_rows(result: Any, with_pcts: bool) -> list[tuple[Any, ...]]:
    out = []
    for row in result.fetchall():
        numbers = [0 if v is None else int(v) for v in row[2:19]]
        extra = [[0 if v is None else int(v) for v in (ps or [None] * 3)] for ps in row[19:]]
        out.append((int(row[0]), row[1].isoformat(), *numbers, *(extra if with_pcts else [])))
    return out


def timed(fn: Callable[[], Any], reps: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.extensions", description=__doc__)
    parser.add_argument("--small", dest="size", action="store_const", const="small")
    parser.add_argument("--medium", dest="size", action="store_const", const="medium")
    parser.set_defaults(size="medium")
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()
    size = SIZES[args.size]
    data = prepare(size, 1, lambda m: print(m, file=sys.stderr))
    db = Database(data.db, read_only=True)
    ctx = methods.CallContext(db, data.account_id)
    method = methods.find_method("GetACDOperatorStatistics")
    raw = duckdb.connect(str(data.raw_duckdb), read_only=True)
    lines = []
    for label, params in cases(size.days):
        text, sql_params = hand_sql(params, data.account_id)
        with_pcts = "percentiles" in params
        body = methods.respond(method, ctx, params)
        ours = api_rows(body, with_pcts)
        theirs = sql_rows(raw.execute(text, sql_params), with_pcts)
        differ = sum(1 for a, b in zip(ours, theirs, strict=False) if a != b)
        same = len(ours) == len(theirs) and differ == 0
        a = timed(lambda p=params: methods.respond(method, ctx, p), args.reps)
        b = timed(lambda t=text, s=sql_params: raw.sql(t, params=s).to_arrow_table(), args.reps)
        check = "yes" if same else f"**no**: {differ} of {len(ours)} records differ"
        lines.append(f"| {label} | {len(ours):,} | {a:,.1f} | {b:,.1f} | {a / b:.3f} | {check} |")
        print(lines[-1], flush=True)
    db.close()
    raw.close()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    table = "\n".join(
        [
            f"{BEGIN} {size.name} (written by python -m bench.extensions) -->",
            f"- **date**: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, acdstats at commit {commit}",
            f"- **machine**: {report.machine()}",
            f"- **load average at start (1/5/15 min)**: {' / '.join(f'{x:.2f}' for x in load)}",
            f"- **dataset**: size `{size.name}`: {data.meta['offers']:,} offers; window "
            f"{window()[0][:10]} .. {window()[1][:10]} (30 local days), all operators, `day`",
            f"- **method**: median of {args.reps} runs after a warm-up; acdstats = the method "
            "in process on its file (respond(): parameters to response bytes, JSON rendering "
            "included; no HTTP/TLS/token); DuckDB SQL = a hand-written GROUP BY over the offers "
            "in their own DuckDB file (time zones with ICU `AT TIME ZONE`, percentiles with "
            "`quantile_disc`), result as Arrow",
            "",
            "| query | records | acdstats in process (ms) | DuckDB SQL (ms) | ratio | same "
            "numbers |",
            "|---|---|---|---|---|---|",
            *lines,
            END,
        ]
    )
    if not args.no_write:
        text = DOC.read_text()
        if BEGIN in text:
            start = text.index(BEGIN)
            text = text[:start] + table + text[text.index(END) + len(END) :]
        else:
            text = text.rstrip("\n") + "\n\n## Extensions (issue 13)\n\n" + table + "\n"
        DOC.write_text(text)
    print(table)


if __name__ == "__main__":
    main()
