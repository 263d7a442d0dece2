"""The worked examples of SPEC sections 6-8 (tests/data/more-examples): exact answers.

Each folder names the method, the parameters and the clock. An example whose feature has not
landed yet is a strict xfail: it fails the suite as soon as it passes, so it leaves PENDING.
"""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from acdstats.domain.timefmt import parse_request_time
from acdstats.importers.jsonl_csv import read_jsonl
from acdstats.services.ingest import ingest
from acdstats.services.methods import CallContext, find_method, respond
from acdstats.storage.db import Database
from tests.conftest import MORE_EXAMPLES

# Folder prefix -> the issue whose work makes it pass.
PENDING: dict[str, str] = {}


def _cases() -> list[object]:
    folders = sorted(p for p in MORE_EXAMPLES.iterdir() if p.is_dir())
    cases: list[object] = []
    for folder in folders:
        waiting = [why for prefix, why in PENDING.items() if folder.name.startswith(prefix)]
        marks = [pytest.mark.xfail(strict=True, reason=waiting[0])] if waiting else []
        cases.append(pytest.param(folder, id=folder.name, marks=marks))
    return cases


def run_example(folder: Path, db: Database) -> bytes:
    """Import the folder's events for account 1 and answer its request, as the server would."""
    with (folder / "events.jsonl").open("rb") as stream:
        report = ingest(db, 1, read_jsonl(stream))
    assert report.rejected == []
    request = json.loads((folder / "request.json").read_text())
    ctx = CallContext(db, 1, now_ms=parse_request_time(request["now"]))
    return respond(find_method(request["method"]), ctx, request["params"])


@pytest.mark.parametrize("folder", _cases())
def test_more_example(folder: Path, db: Database) -> None:
    body = run_example(folder, db)
    csv = folder / "expected.csv"
    if csv.exists():
        assert body == csv.read_bytes()
    else:
        expected = (folder / "expected.json").read_bytes()
        # Key order too: clients may print it.
        assert json.dumps(orjson.loads(body)) == json.dumps(orjson.loads(expected))


def test_more_examples_are_present() -> None:
    assert len(_cases()) >= 21, f"worked examples not found at {MORE_EXAMPLES}"
