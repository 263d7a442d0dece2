"""Bulk paths: Python columns handed to DuckDB as an Arrow table under a name, for one scope."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    import pyarrow as pa


@contextmanager
def registered(
    cur: duckdb.DuckDBPyConnection, name: str, columns: dict[str, Any]
) -> Iterator[None]:
    """Make `columns` (name -> list or pyarrow array) queryable as table `name` in `cur`."""
    import pyarrow as pa  # only where a batch needs it: it costs 0.2 s of every start-up

    cur.register(name, pa.table(columns))
    try:
        yield
    except BaseException:
        with suppress(duckdb.Error):  # an aborted transaction refuses; keep the first error
            cur.unregister(name)
        raise
    cur.unregister(name)


def timestamps_ms(values: list[int]) -> pa.Array:
    import pyarrow as pa

    return pa.array(values, pa.timestamp("ms"))


def int64(values: list[int | None]) -> pa.Array:
    import pyarrow as pa

    return pa.array(values, pa.int64())
