"""The reference oracle reproduces every worked example of shared/examples exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES
from tests.oracle import answer, to_ms

CASES = sorted(p for p in EXAMPLES.iterdir() if p.is_dir()) if EXAMPLES.is_dir() else []


def _records(example: Path) -> list[dict[str, Any]]:
    lines = (example / "events.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.parametrize("example", CASES, ids=lambda p: p.name)
def test_oracle_matches_example(example: Path) -> None:
    params = json.loads((example / "query.json").read_text())
    expected = json.loads((example / "expected.json").read_text())
    got = answer(_records(example), params)
    # Key order too: the examples fix it, and a client may print it.
    assert json.dumps(got) == json.dumps(expected)


def test_all_examples_checked() -> None:
    assert len(CASES) == 8


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("1970-01-01 00:00:00", 0),
        ("1970-01-01 00:00:01.9999", 1999),
        ("1970-01-01T00:00:00.000999Z", 0),
        ("1970-01-01T03:00:01.5+03:00", 1500),
        ("1969-12-31T23:30:00-00:30", 0),
        ("2026-03-02 10:00:00.4", to_ms("2026-03-02T10:00:00.400Z")),
    ],
)
def test_timestamp_forms(text: str, ms: int) -> None:
    assert to_ms(text) == ms
