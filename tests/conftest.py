"""Shared fixtures: a real DuckDB file per test, and the worked examples copied into tests/data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from acdstats.storage.db import Database

DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = DATA / "examples"  # the contract's worked examples, copied (scripts/refresh-examples)
MORE_EXAMPLES = DATA / "more-examples"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "test.duckdb")
    yield database
    database.close()


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Property tests (hypothesis) are slow by nature: scripts/check leaves them out."""
    for item in items:
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.slow)
