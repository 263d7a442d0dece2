"""The worked examples of shared/examples: events in, the exact expected answer out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from acdstats.importers.jsonl_csv import read_jsonl
from acdstats.services.ingest import ingest
from acdstats.services.methods import CallContext, call, find_method
from acdstats.storage.db import Database
from tests.conftest import EXAMPLES

CASES = sorted(p for p in EXAMPLES.iterdir() if p.is_dir()) if EXAMPLES.is_dir() else []


@pytest.mark.parametrize("example", CASES, ids=lambda p: p.name)
def test_example(example: Path, db: Database) -> None:
    with (example / "events.jsonl").open("rb") as stream:
        report = ingest(db, 1, read_jsonl(stream))
    assert report.rejected == []
    params = json.loads((example / "query.json").read_text())
    answer = call(find_method("GetACDOperatorStatistics"), CallContext(db, 1), params)
    assert answer == json.loads((example / "expected.json").read_text())


def test_examples_are_present() -> None:
    assert len(CASES) >= 8, f"shared examples not found at {EXAMPLES}"
