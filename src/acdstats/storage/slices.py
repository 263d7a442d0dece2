"""How many slices a rebuild cuts an account's rows into: few rows, one slice.

A rebuild derives in slices (of requests, of operators) to bound its memory; every slice costs
each of its statements' plans again, which is most of a rebuild's time on a small account.
"""

from __future__ import annotations

import duckdb

# An account with fewer rows than this in the sliced table is one slice.
ONE_SLICE_ROWS = 200_000


def slices(cur: duckdb.DuckDBPyConnection, table: str, account_id: int, many: int) -> int:
    """How many slices a rebuild of the account's rows of `table` takes: 1 or `many`."""
    (rows,) = cur.execute(
        f"SELECT count(*) FROM {table} WHERE account_id = $account", {"account": account_id}
    ).fetchall()[0]
    return 1 if rows < ONE_SLICE_ROWS else many
