"""`acdstats import` and `acdstats query` as a user runs them: formats, reports, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from acdstats.cli.main import main
from acdstats.services.methods import METHODS
from tests.conftest import EXAMPLES, MORE_EXAMPLES

DATA = Path(__file__).parent / "data" / "queue_log"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_auto_detects_every_format(tmp_path: Path) -> None:
    db = str(tmp_path / "a.duckdb")
    run("account", "create", "--db", db, "--name", "A")
    csv = tmp_path / "offers.csv"
    csv.write_text(
        "type,request_id,queue_id,user_id,offered_at,answered_at\n"
        "offer,x1,5,9,2026-03-02 10:00:00,2026-03-02 10:00:03\n"
    )
    for path, stored in [
        (EXAMPLES / "01-one-call-all-items" / "events.jsonl", 7),
        (csv, 1),
        (DATA / "fallover_reentry_realtime.csv", None),
    ]:
        code, out = run("import", "--db", db, "--account-id", "1", "--json", str(path))
        assert code == 0, out
        report = json.loads(out)[str(path)]
        assert report["rejected"] == []
        if stored is not None:
            assert report["stored"] == stored
        else:  # the realtime queue_log export: QUEUESTART is skipped, calls are stored
            assert report["stored"] > 0 and report["skipped"] >= 1


def test_rejected_lines_give_exit_code_3_and_line_numbers(tmp_path: Path) -> None:
    db = str(tmp_path / "b.duckdb")
    run("account", "create", "--db", db, "--name", "A")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"type": "offered", "request_id": "r", "user_id": 7, '
        '"at": "2026-03-02 10:00:00"}\n{"type": "nope", "at": "x"}\n'
    )
    code, out = run("import", "--db", db, "--account-id", "1", str(bad))
    assert code == 3
    assert "stored 1" in out and "rejected 1" in out and 'line 2: unknown type "nope"' in out


def test_query_prints_the_server_answer_and_errors(tmp_path: Path) -> None:
    db = str(tmp_path / "c.duckdb")
    run("account", "create", "--db", db, "--name", "A")
    run(
        "import",
        "--db",
        db,
        "--account-id",
        "1",
        str(EXAMPLES / "02-no-answer-then-answer-abandon-reject" / "events.jsonl"),
    )
    code, out = run(
        "query",
        "GetACDOperatorStatistics",
        "--db",
        db,
        "--account-id",
        "1",
        "from_date=2026-03-02 00:00:00",
        "to_date=2026-03-03 00:00:00",
        "user_id=all",
        "report=AC;UAC",
    )
    assert code == 0
    assert json.loads(out) == {
        "result": [
            {"user_id": "7", "statistics": [{"AC": 0, "UAC": 1}]},
            {"user_id": "8", "statistics": [{"AC": 1, "UAC": 1}]},
        ]
    }
    code, out = run(
        "query",
        "GetACDOperatorStatistics",
        "--db",
        db,
        "--account-id",
        "1",
        "from_date=yesterday",
        "user_id=all",
    )
    assert json.loads(out)["error"]["code"] == 111
    code, out = run("query", "NoSuchMethod", "--db", db, "--account-id", "1")
    assert json.loads(out)["error"]["code"] == 103
    code, out = run(
        "query",
        "GetACDOperatorStatistics",
        "--db",
        str(tmp_path / "none.duckdb"),
        "--account-id",
        "1",
        "user_id=all",
    )
    assert code != 0 and "no database" in out


@pytest.mark.parametrize(
    "folder", sorted(p.name for p in MORE_EXAMPLES.iterdir() if p.name.startswith("x0"))
)
def test_query_answers_the_extension_examples_byte_for_byte(tmp_path: Path, folder: str) -> None:
    """`acdstats query` takes every SPEC 8 parameter as the server does; CSV bytes unchanged."""
    example = MORE_EXAMPLES / folder
    request = json.loads((example / "request.json").read_text())
    if request["method"] not in METHODS:
        pytest.skip(f"{request['method']} is not served yet")
    db = str(tmp_path / "x.duckdb")
    run("account", "create", "--db", db, "--name", "A")
    run("import", "--db", db, "--account-id", "1", str(example / "events.jsonl"))
    pairs = [f"{k}={v}" for k, v in request["params"].items()]
    result = CliRunner().invoke(
        main,
        ["query", request["method"], "--db", db, "--account-id", "1", "--now", request["now"],
         *pairs],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    if (example / "expected.csv").exists():
        assert result.stdout_bytes == (example / "expected.csv").read_bytes()
    else:
        assert json.loads(result.output) == json.loads((example / "expected.json").read_text())
