"""The engine-specific pieces of the read SQL: one Dialect per engine.

The readers write these pieces through a Dialect rather than in DuckDB's spelling: epoch
milliseconds to and from timestamps, week and month starts, ASOF joins, JSON objects and
statement parameters. A ClickHouse reader brings its own (toUnixTimestamp64Milli,
fromUnixTimestamp64Milli, toMonday, ASOF LEFT JOIN, toJSONString, {name:Type}); statements
that lean on other DuckDB features (list aggregates, GROUP BY ALL) are its own to write.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Dialect(Protocol):
    """How one engine writes the few things SQL engines disagree on."""

    def epoch_ms(self, column: str) -> str: ...
    def timestamp_ms(self, ms: str) -> str: ...
    def date_trunc(self, unit: str, column: str) -> str: ...
    def asof_join(self, table: str, condition: str) -> str: ...
    def json_object(self, fields: Sequence[str]) -> str: ...
    def param(self, name: str) -> str: ...


class DuckDBDialect:
    """DuckDB's spelling of each piece."""

    def epoch_ms(self, column: str) -> str:
        """A TIMESTAMP column as UTC epoch milliseconds (BIGINT)."""
        return f"epoch_ms({column})"

    def timestamp_ms(self, ms: str) -> str:
        """UTC epoch milliseconds (a parameter or an expression) as a TIMESTAMP."""
        return f"make_timestamp_ms({ms})"

    def date_trunc(self, unit: str, column: str) -> str:
        """The start of the week (Monday) or month holding a TIMESTAMP."""
        return f"date_trunc('{unit}', {column})"

    def asof_join(self, table: str, condition: str) -> str:
        """A join to the last row of `table` whose key is <= the row's (an inequality in
        `condition`)."""
        return f"ASOF JOIN {table} ON {condition}"

    def json_object(self, fields: Sequence[str]) -> str:
        """JSON text of an object from `'key': expression` fields, in their order."""
        return f"to_json({{{', '.join(fields)}}})::VARCHAR"

    def param(self, name: str) -> str:
        """A named statement parameter."""
        return f"${name}"


DUCKDB: Dialect = DuckDBDialect()
