"""Shared fixtures: a real DuckDB file per test, and the worked examples copied into tests/data."""

from __future__ import annotations

from pathlib import Path

import pytest

from acdstats.storage.db import Database

DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = DATA / "examples"  # copies of ../shared (scripts/refresh-examples)
MORE_EXAMPLES = DATA / "more-examples"


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(tmp_path / "test.duckdb")
    yield database  # type: ignore[misc]
    database.close()
