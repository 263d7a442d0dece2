"""Shared fixtures: a real DuckDB file per test, and the shared worked examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from acdstats.storage.db import Database

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "examples"


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(tmp_path / "test.duckdb")
    yield database  # type: ignore[misc]
    database.close()
