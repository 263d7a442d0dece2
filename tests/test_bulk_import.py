"""The bulk import path equals the line-by-line path and POST /events (issue 14).

A random history (tests/strategies.py: duplicates written differently, conflicting event ids,
offer records, shuffled so events arrive late and out of order) with invalid and blank
lines among it is written as one JSON Lines file and
- imported with `acdstats import` (the bulk reader: Arrow chunks through write_batch),
- imported line by line (importers' read_jsonl through services.ingest.ingest, as before),
- posted to POST /events as NDJSON in random batches.
The two imports' reports are identical (every rejected line with its number and reason); POST's
reports add up to the same (line numbers shifted by the batch's first line; a conflict is
worded after where the first copy was). Every statistics method answers the same on all three.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acdstats.cli.main import main
from acdstats.config import Settings
from acdstats.importers.detect import open_reader
from acdstats.services.context import CallContext
from acdstats.services.ingest import ingest
from acdstats.services.methods import find_method, respond
from acdstats.storage.db import Database
from acdstats.web.app import create_app
from tests.authkit import new_key, token
from tests.oracle import to_ms
from tests.strategies import WIDE_FROM, WIDE_TO, History, history
from tests.webkit import TestClient

# Lines no history holds: not JSON, not an object, unknown or incomplete, bad values, blank.
BAD = [
    b"{oops",
    b"[1]",
    b'"text"',
    b"\xff\xfe",
    b'{"type":"teleported","at":"2026-03-02 10:00:00"}',
    b'{"type":"status","at":"2026-03-02 10:00:00","user_id":1}',
    b'{"type":"status","at":"2026-03-02 25:00:00","user_id":1,"status":"READY"}',
    b'{"type":"offered","at":"2026-03-02 10:00:00","request_id":"x","user_id":-1}',
    b'{"type":"answered","at":"2026-03-02 10:00:00","request_id":"x","user_id":1,"account_id":2}',
    b'{"type":"offer","request_id":"x","queue_id":1,"user_id":1,"offered_at":"2026-03-02"}',
    b"",
    b"   \t",
]
FIRST = b'{"type":"status","at":"2026-03-02 09:00:00","user_id":1,"status":"ONLINE"}'
NOW = {"now_ms": to_ms(WIDE_TO)}
WIDE = {"from_date": WIDE_FROM, "to_date": WIDE_TO}
QUERIES: list[tuple[str, dict[str, str]]] = [
    ("GetACDOperatorStatistics", {**WIDE, "user_id": "all"}),
    ("GetACDOperatorStatistics", {**WIDE, "user_id": "all", "aggregation": "hour"}),
    ("GetACDOperatorStatistics", {**WIDE, "user_id": "all", "acd_queue_id": "all",
                                  "group": "aggregation", "aggregation": "day"}),
    ("GetACDOperatorStatusStatistics", {**WIDE, "user_id": "all", "aggregation": "hour"}),
    ("GetACDOffers", {**WIDE, "user_id": "all"}),
    ("GetACDQueueCalls", WIDE),
    ("GetACDQueueStatistics", {**WIDE, "acd_queue_id": "all", "aggregation": "hour"}),
    ("GetACDQueueStatistics", {**WIDE, "acd_queue_id": "all"}),
]  # fmt: skip


@st.composite
def feed(draw: st.DrawFn) -> tuple[list[bytes], list[int]]:
    """The file's lines, and where POST's batches start (line indexes, 0 first)."""
    hist: History = draw(history())
    lines = [orjson.dumps(line) for line in hist.lines]
    for _ in range(draw(st.integers(0, 4))):
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(BAD)))
    lines.insert(0, FIRST)  # a file that starts with an object is JSON Lines, not CSV
    cuts = draw(st.sets(st.integers(1, max(1, len(lines) - 1)), max_size=4))
    return lines, _postable([0, *sorted(c for c in cuts if c < len(lines))], lines)


def _postable(starts: list[int], lines: list[bytes]) -> list[int]:
    """Batch starts where every batch holds a JSON line (a body of none is a 400, not a report)."""
    kept: list[int] = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(lines)
        batch = [line for line in lines[start:end] if line.strip(b" \t\r\n")]
        # A body that starts with `[` is one JSON array, not NDJSON: no batch starts so.
        if not kept or (any(map(_is_json, batch)) and not batch[0].lstrip().startswith(b"[")):
            kept.append(start)
    # A batch without JSON left at the front merges into the next one: drop that next start.
    while len(kept) > 1 and not any(_is_json(line) for line in lines[kept[0] : kept[1]]):
        kept.pop(1)
    return kept


def _is_json(line: bytes) -> bool:
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return True


@contextmanager
def database(folder: Path, name: str) -> Iterator[Database]:
    db = Database(folder / name)
    try:
        yield db
    finally:
        db.close()


def answers(db: Database) -> list[Any]:
    ctx = CallContext(db, 1, **NOW)  # type: ignore[arg-type]
    return [orjson.loads(respond(find_method(m), ctx, params)) for m, params in QUERIES]


def _conflict_free(rejected: list[dict[str, Any]]) -> list[tuple[int, str]]:
    # Where the first copy of a conflicting event_id was (this batch or an earlier one) shows
    # in the wording only; batches split a file where an import does not.
    return [(r["line"], r["reason"].split(" is already")[0].split(" appears")[0]) for r in rejected]


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(feed())
def test_bulk_import_equals_line_import_and_post_events(
    data: tuple[list[bytes], list[int]],
) -> None:
    lines, starts = data
    text = b"".join(line + b"\n" for line in lines)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "feed.jsonl").write_bytes(text)
        # The bulk path, as a user runs it.
        with database(folder, "bulk.duckdb") as db:
            new_key(db, ["Owner"])
        result = CliRunner().invoke(
            main,
            ["import", "--db", str(folder / "bulk.duckdb"), "--account-id", "1", "--json",
             str(folder / "feed.jsonl")],
        )  # fmt: skip
        assert result.exit_code in (0, 3), result.output
        bulk_report = json.loads(result.stdout)[str(folder / "feed.jsonl")]
        with database(folder, "bulk.duckdb") as db:
            bulk_answers = answers(db)
        # The line-by-line path of before.
        with database(folder, "lines.duckdb") as db:
            new_key(db, ["Owner"])
            stream = io.BufferedReader(io.BytesIO(text))
            line_report = ingest(db, 1, open_reader(stream, "auto"))
            assert bulk_report["rejected"] == line_report.as_dict()["rejected"]
            assert {k: v for k, v in bulk_report.items() if k != "summary"} == (
                line_report.as_dict()
            )
            assert answers(db) == bulk_answers
        # POST /events in batches.
        with database(folder, "post.duckdb") as db:
            owner = new_key(db, ["Owner"])
            totals = {"stored": 0, "duplicates": 0, "replaced": 0}
            rejected: list[dict[str, Any]] = []
            with TestClient(create_app(Settings(), db)) as client:
                for i, start in enumerate(starts):
                    end = starts[i + 1] if i + 1 < len(starts) else len(lines)
                    body = b"".join(line + b"\n" for line in lines[start:end])
                    if not body.strip():
                        continue
                    answer = client.post(
                        "/events",
                        content=body,
                        headers={
                            "Authorization": "Bearer " + token(owner),
                            "Content-Type": "application/x-ndjson",
                        },
                    )
                    assert answer.status_code == 200, answer.text
                    part = answer.json()["result"]
                    for key in totals:
                        totals[key] += part[key]
                    rejected += [{**r, "line": r["line"] + start} for r in part["rejected"]]
            assert totals == {k: bulk_report[k] for k in totals}
            assert _conflict_free(rejected) == _conflict_free(bulk_report["rejected"])
            assert answers(db) == bulk_answers
