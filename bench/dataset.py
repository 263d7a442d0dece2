"""The benchmark dataset, built once per size and seed and cached under bench/data/.

One simulated account loaded through the real ingest path (`acdstats simulate --db`), plus
what the alternatives read: the offers exported to Parquet (Polars), CSV (PostgreSQL COPY)
and a DuckDB file of their own (the server holds the lock of the acdstats file), and a JSONL
events file for the ingest measurements.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from bench.sizes import START, Size, q1_day

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
ACDSTATS = str(Path(sys.executable).with_name("acdstats"))
# The columns a hand-written alternative needs: the per-offer rounded samples and the keys.
COLUMNS = "account_id, user_id, queue_id, offered_at, sa, tt, acw, ht"


@dataclass(frozen=True)
class Dataset:
    folder: Path
    size: Size
    seed: int
    meta: dict[str, Any]

    @property
    def db(self) -> Path:
        return self.folder / "acdstats.duckdb"

    @property
    def credentials(self) -> dict[str, Any]:
        return dict(self.meta["credentials"])

    @property
    def account_id(self) -> int:
        return int(self.meta["account_id"])

    @property
    def parquet(self) -> Path:
        return self.folder / "offers.parquet"

    @property
    def csv(self) -> Path:
        return self.folder / "offers.csv"

    @property
    def raw_duckdb(self) -> Path:
        return self.folder / "raw.duckdb"

    @property
    def events(self) -> Path:
        return self.folder / "ingest-events.jsonl"


def simulate_args(operators: int, queues: int, days: int, seed: int) -> list[str]:
    return [
        "--operators", str(operators), "--queues", str(queues), "--days", str(days),
        "--start-date", START.isoformat(), "--seed", str(seed),
    ]  # fmt: skip


def prepare(size: Size, seed: int, log: Any = print) -> Dataset:
    """The cached dataset of this size and seed, built first if needed."""
    folder = DATA / f"{size.name}-o{size.operators}-q{size.queues}-d{size.days}-s{seed}"
    marker = folder / "dataset.json"
    if marker.exists():
        return Dataset(folder, size, seed, json.loads(marker.read_text()))
    if folder.exists():
        shutil.rmtree(folder)  # an interrupted earlier build
    folder.mkdir(parents=True)
    meta = _load(folder, size, seed, log)
    meta.update(_export(folder, size, meta["account_id"], log))
    meta.update(_events_file(folder, size, seed, log))
    marker.write_text(json.dumps(meta, indent=1))
    return Dataset(folder, size, seed, meta)


def _load(folder: Path, size: Size, seed: int, log: Any) -> dict[str, Any]:
    from acdstats.services import keys
    from acdstats.storage.db import Database

    db = Database(folder / "acdstats.duckdb")
    account = keys.create_account(db, "bench", "bench@example.com").account_id
    credentials = keys.create_key(db, account, ["Owner"], description="bench")
    db.close()
    log(f"loading {size.name}: {size.operators} operators, {size.queues} queues, "
        f"{size.days} days (acdstats simulate --db) ...")  # fmt: skip
    started = time.perf_counter()
    subprocess.run(
        [ACDSTATS, "simulate", "--db", str(folder / "acdstats.duckdb"),
         "--account-id", str(account), *simulate_args(size.operators, size.queues, size.days,
                                                       seed)],
        check=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    con = duckdb.connect(str(folder / "acdstats.duckdb"), read_only=True)
    events = sum(
        con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
        for t in ("request_events", "status_events")
    )
    con.close()
    log(f"loaded {events:,} events in {seconds:.0f} s ({events / seconds:,.0f} events/s)")
    return {
        "account_id": account,
        "credentials": credentials,
        "events": events,
        "load_seconds": seconds,
    }


def _export(folder: Path, size: Size, account: int, log: Any) -> dict[str, Any]:
    con = duckdb.connect(str(folder / "acdstats.duckdb"), read_only=True)
    select = f"SELECT {COLUMNS} FROM offers ORDER BY offered_at, user_id"
    con.execute(f"COPY ({select}) TO '{folder / 'offers.parquet'}' (FORMAT parquet)")
    con.execute(f"COPY ({select}) TO '{folder / 'offers.csv'}' (FORMAT csv, HEADER)")
    offers = con.execute("SELECT count(*) FROM offers").fetchall()[0][0]
    day = q1_day(size).isoformat()
    busiest = con.execute(
        "SELECT user_id FROM offers WHERE CAST(offered_at AS DATE) = CAST(? AS DATE) "
        "GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1",
        [day],
    ).fetchall()[0][0]
    con.close()
    raw = duckdb.connect(str(folder / "raw.duckdb"))
    raw.execute(f"CREATE TABLE offers AS SELECT * FROM read_parquet('{folder / 'offers.parquet'}')")
    raw.close()
    log(f"exported {offers:,} offers to Parquet, CSV and a DuckDB file of their own")
    return {"offers": offers, "busiest_operator": busiest}


def _events_file(folder: Path, size: Size, seed: int, log: Any) -> dict[str, Any]:
    path = folder / "ingest-events.jsonl"
    subprocess.run(
        [ACDSTATS, "simulate", "--out", str(path),
         *simulate_args(size.ingest_operators, size.queues, size.ingest_days, seed + 1)],
        check=True,
    )  # fmt: skip
    with path.open("rb") as stream:
        lines = sum(1 for _ in stream)
    log(f"wrote {lines:,} events for the ingest measurements")
    return {"ingest_events": lines}
