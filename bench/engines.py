"""The in-process alternatives: hand-written SQL in DuckDB, and the same plan in Polars.

Each `run` returns the engine's own result (what a program using it would hold, timed), and
`rows` turns it into canonical rows (not timed) for the equality check.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from bench.rows import SAMPLES, Row, normalise, sql
from bench.sizes import Query


class DuckDBRaw:
    name = "DuckDB SQL"

    def __init__(self, path: Path, account_id: int):
        # Read-only: its own file, a copy of the offers sorted by time (zone maps work).
        self.con = duckdb.connect(str(path), read_only=True)
        self.account_id = account_id

    def run(self, query: Query) -> Any:
        text, params = sql(query, "duckdb", self.account_id)
        # An Arrow table: the cheapest complete result DuckDB hands to Python.
        return self.con.sql(text, params=params).to_arrow_table()

    def rows(self, query: Query, result: Any) -> list[Row]:
        columns = [column.to_pylist() for column in result.columns]
        return normalise(list(zip(*columns, strict=True)), query.aggregation)

    def close(self) -> None:
        self.con.close()


class PolarsLazy:
    name = "Polars"

    def __init__(self, parquet: Path, account_id: int):
        self.parquet = str(parquet)
        self.account_id = account_id

    def run(self, query: Query) -> pl.DataFrame:
        t = pl.col("offered_at")
        lo = datetime.combine(query.lo, datetime.min.time())
        hi = datetime.combine(query.hi, datetime.min.time())
        condition = (pl.col("account_id") == self.account_id) & (t >= lo) & (t < hi)
        if query.user_ids is not None:
            condition &= pl.col("user_id").is_in(query.user_ids)
        if query.queue_ids is not None:
            condition &= pl.col("queue_id").is_in(query.queue_ids)
        buckets = {
            "day": [t.dt.date().alias("date")],
            "hour": [t.dt.date().alias("date"), t.dt.hour().alias("hour")],
            "hour_of_day": [t.dt.hour().alias("hour")],
            "none": [],
        }[query.aggregation]
        aggregates = []
        for s in SAMPLES:
            c = pl.col(s)
            aggregates += [
                c.count().alias(f"{s}_count"),  # count() skips nulls, as SQL count(column)
                c.sum().alias(f"{s}_sum"),
                c.min().alias(f"{s}_min"),
                c.max().alias(f"{s}_max"),
            ]
        aggregates.append((pl.len() - pl.col("sa").count()).alias("uac"))
        keys = ["user_id", *(b.meta.output_name() for b in buckets)]
        order = keys[1:] + keys[:1] if query.group == "aggregation" else keys
        plan = (
            pl.scan_parquet(self.parquet)
            .filter(condition)
            .group_by([pl.col("user_id"), *buckets])
            .agg(aggregates)
            .sort(order)
        )
        return plan.collect()

    def rows(self, query: Query, result: pl.DataFrame) -> list[Row]:
        return normalise(result.rows(), query.aggregation)

    def close(self) -> None:
        pass


class InProcess:
    """The statistics method called in process on the same file (no HTTP, TLS or token):
    the server's own share. Opened after the server stopped (it holds the file's lock)."""

    name = "acdstats in process"

    def __init__(self, path: Path, account_id: int):
        from acdstats.services import methods
        from acdstats.storage.db import Database

        self.db = Database(path, read_only=True)
        self.ctx = methods.CallContext(self.db, account_id)
        self.method = methods.find_method("GetACDOperatorStatistics")
        # The response bytes where the service offers them, else the decoded answer.
        self.respond = getattr(methods, "respond", None) or methods.call

    def run(self, query: Query) -> Any:
        return self.respond(self.method, self.ctx, query.params)

    def close(self) -> None:
        self.db.close()
