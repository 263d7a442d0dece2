"""The measured table: printed, and written into docs/performance.md between two markers
(text outside the markers, such as the notes on bottlenecks, is kept)."""

from __future__ import annotations

import os
import platform
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# One block per dataset size, each replaced by the next run of that size.
BEGIN = "<!-- bench:begin {size} (written by scripts/bench; edit outside these markers) -->"
END = "<!-- bench:end {size} -->"
MS = 1000.0


@dataclass
class Results:
    header: dict[str, str]  # what ran where: machine, dataset, date, load
    engines: list[str]
    queries: list[tuple[str, str]]  # (name, label)
    samples: dict[tuple[str, str], list[float]] = field(default_factory=dict)  # (q, engine)
    in_process: dict[str, list[float]] = field(default_factory=dict)  # q -> seconds
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)  # q -> totals + verdict
    q1_latencies: list[float] = field(default_factory=list)
    floor_latencies: list[float] = field(default_factory=list)  # GetRoles, back to back
    throughput: Any = None
    ceiling: Any = None  # GetRoles at the same concurrency
    clients: int = 16
    server_rss: int = 0
    imported: Any = None
    http: Any = None
    dataset_load: tuple[int, float] | None = None  # events, seconds (acdstats simulate --db)
    full_size_events: int = 0

    def median(self, query: str, engine: str) -> float | None:
        values = self.samples.get((query, engine))
        return statistics.median(values) if values else None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = int(line.split()[1]) // (1024 * 1024)
    return (
        f"{model}, {os.cpu_count()} cores, {memory} GB RAM, Linux {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value * MS:,.1f}"


def _ratio(ours: float | None, theirs: float | None) -> str:
    return "—" if ours is None or not theirs else f"{ours / theirs:.3f}"


def markdown(r: Results) -> str:
    ours, others = r.engines[0], r.engines[1:]
    out = [f"- **{k}**: {v}" for k, v in r.header.items()]
    out += ["", "### Queries: median wall time (ms)", ""]
    out.append(f"| query | {' | '.join(r.engines)} | acdstats in process, no HTTP |")
    out.append("|---" * (len(r.engines) + 2) + "|")
    for name, label in r.queries:
        cells = [_ms(r.median(name, e)) for e in r.engines]
        inner = r.in_process.get(name)
        cells.append(_ms(statistics.median(inner) if inner else None))
        out.append(f"| {name}: {label} | {' | '.join(cells)} |")
    out += ["", f"### Ratios: {ours} / alternative (below 1: acdstats is faster)", ""]
    out.append(f"| query | {' | '.join(others)} |")
    out.append("|---" * (len(others) + 1) + "|")
    for name, _ in r.queries:
        cells = [_ratio(r.median(name, ours), r.median(name, e)) for e in others]
        out.append(f"| {name} | {' | '.join(cells)} |")
    out += ["", "### Targets of issues 6 and 14", ""]
    out += ["| target | measured | met |", "|---|---|---|"]
    out += [f"| {t} | {m} | {ok} |" for t, m, ok in targets(r)]
    out += ["", "### Same work: every engine's rows equal the server's answer", ""]
    out.append("| query | records | answered | unanswered | TT sum (s) | equal to acdstats |")
    out.append("|---|---|---|---|---|---|")
    for name, _ in r.queries:
        c = r.checks.get(name, {})
        out.append(
            f"| {name} | {c.get('records', '—'):,} | {c.get('answered', 0):,} | "
            f"{c.get('unanswered', 0):,} | {c.get('tt_sum', 0):,} | {c.get('verdict', '—')} |"
        )
    out += ["", "### Load, throughput, memory", ""]
    out += [f"- {line}" for line in details(r)]
    return "\n".join(out) + "\n"


def details(r: Results) -> list[str]:
    lines = []
    if r.q1_latencies:
        lat = r.q1_latencies
        lines.append(
            f"Q1 latency, one keep-alive client, {len(lat)} requests: p50 "
            f"{_ms(statistics.median(lat))} ms, p90 {_ms(percentile(lat, 0.9))} ms, "
            f"p99 {_ms(percentile(lat, 0.99))} ms"
        )
    if r.floor_latencies:
        lines.append(
            f"GetRoles (reads no statistics) the same way: p50 "
            f"{_ms(statistics.median(r.floor_latencies))} ms — HTTP, TLS and the token check"
        )
    if r.throughput is not None:
        t = r.throughput
        lines.append(
            f"Q1 at {r.clients} concurrent keep-alive clients for {t.seconds:.1f} s: "
            f"{t.per_second:,.0f} requests/s, {t.errors} errors, p50 under load "
            f"{_ms(statistics.median(t.latencies) if t.latencies else None)} ms"
        )
    if r.ceiling is not None:
        c = r.ceiling
        lines.append(
            f"GetRoles (no query: HTTP, TLS and the token check only) at {r.clients} clients: "
            f"{c.per_second:,.0f} requests/s, {c.errors} errors — the ceiling that the "
            "server and the Python client reach together on this machine"
        )
    if r.imported is not None:
        i = r.imported
        lines.append(
            f"`acdstats import` of {i.events:,} JSONL events into a fresh database: "
            f"{i.seconds:.1f} s, {i.per_second:,.0f} events/s (stored {i.stored:,}, "
            f"rejected {i.errors})"
        )
    if r.http is not None:
        h = r.http
        lines.append(
            f"POST /events, {h.events:,} events in NDJSON batches of 1,000 from 4 clients, "
            f"fresh server and database: {h.seconds:.1f} s, {h.per_second:,.0f} events/s "
            f"(stored {h.stored:,}, failed batches {h.errors}, server peak RSS "
            f"{h.peak_rss / 2**20:,.0f} MB)"
        )
    if r.dataset_load is not None:
        events, seconds = r.dataset_load
        rate = events / seconds
        lines.append(
            f"Building this dataset (`acdstats simulate --db`, simulation and ingest in one "
            f"pipeline, 200k-event transactions): {events:,} events in {seconds:,.0f} s, "
            f"{rate:,.0f} events/s; the default size (~20M offers, ~{r.full_size_events:,} "
            f"events) would take ~{r.full_size_events / rate / 60:,.0f} min at that rate"
        )
    if r.server_rss:
        rss = r.server_rss / 2**20
        lines.append(f"Query server peak RSS (VmHWM) over the whole run: {rss:,.0f} MB")
    return lines


def targets(r: Results) -> list[tuple[str, str, str]]:
    ours = r.engines[0]
    rows: list[tuple[str, str, str]] = []

    def ratio(query: str, engine: str, limit: float, text: str) -> None:
        a, b = r.median(query, ours), r.median(query, engine)
        if a is None or not b:
            rows.append((text, "not measured", "—"))
            return
        rows.append((text, f"{a / b:.3f}", "yes" if a / b <= limit else "**no**"))

    ratio("Q3", "DuckDB SQL", 0.1, "Q3 <= 0.1 x DuckDB raw SQL")
    ratio("Q3", "PostgreSQL", 0.02, "Q3 <= 0.02 x PostgreSQL")
    ratio("Q2", "DuckDB SQL", 1.0, "Q2 <= 1.0 x DuckDB raw SQL")
    ratio("Q5", "DuckDB SQL", 1.0, "Q5 <= 1.0 x DuckDB raw SQL")
    if r.q1_latencies:
        p50 = statistics.median(r.q1_latencies) * MS
        rows.append(("Q1 p50 <= 5 ms end to end", f"{p50:.1f} ms", _yes(p50 <= 5)))
    if r.throughput is not None:
        t = r.throughput
        rows.append((
            f"Q1 >= 500 requests/s at {r.clients} clients, zero errors",
            f"{t.per_second:,.0f}/s, {t.errors} errors",
            _yes(t.per_second >= 500 and t.errors == 0),
        ))  # fmt: skip
    if r.imported is not None:
        rate = r.imported.per_second
        rows.append(("import >= 500k events/s", f"{rate:,.0f}/s", _yes(rate >= 500_000)))
    if r.http is not None:
        rate = r.http.per_second
        rows.append(("HTTP ingest >= 50k events/s", f"{rate:,.0f}/s", _yes(rate >= 50_000)))
    peak = max(r.server_rss, r.http.peak_rss if r.http is not None else 0)
    if peak:
        rows.append(("server RSS <= 2 GB", f"{peak / 2**20:,.0f} MB", _yes(peak <= 2 * 2**30)))
    return rows


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def write(path: Path, size: str, table: str) -> None:
    """Replace this size's measured block of the document, keep everything around it."""
    begin, end = BEGIN.format(size=size), END.format(size=size)
    block = f"{begin}\n{table}{end}\n"
    section = f"## Latest run, size `{size}`\n\n{block}"
    if not path.exists():
        path.write_text(f"# Performance\n\nMeasured by `scripts/bench`.\n\n{section}")
        return
    text = path.read_text()
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        tail = rest.split(end, 1)[1].lstrip("\n")
        path.write_text(head + block + ("\n" + tail if tail else ""))
    else:
        path.write_text(text.rstrip("\n") + "\n\n" + section)


IMPORT_BEGIN = "<!-- bench:begin import (written by python -m bench.ingest; edit outside) -->"
IMPORT_END = "<!-- bench:end import -->"


def write_import_row(file: Path, result: Any, write: bool) -> str:
    """One measured `acdstats import` as a table row; appended to its block when write."""
    import os
    import time

    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    row = (
        f"| {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC | {file.name} | "
        f"{result.events:,} | {result.seconds:.1f} | {result.per_second:,.0f} | "
        f"{result.cpu_seconds:.1f} | {result.events / max(result.cpu_seconds, 1e-9):,.0f} | "
        f"{result.peak_rss / 2**20:,.0f} | {load} |"
    )
    if write:
        doc = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
        text = doc.read_text()
        head, rest = text.split(IMPORT_BEGIN, 1)
        block, tail = rest.split(IMPORT_END, 1)
        doc.write_text(
            head + IMPORT_BEGIN + block.rstrip("\n") + "\n" + row + "\n" + IMPORT_END + tail
        )
    return row
