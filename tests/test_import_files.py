"""Real export files as users bring them (issue 9): accounts, encodings, delimiters, PBXware,
time zones of offer records, re-imported records, dry runs, and the per-file summary."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from acdstats.cli.main import main

CALL = (
    '{"type": "offered", "request_id": "r1", "user_id": 7, "at": "2026-03-02 10:00:00"}\n'
    '{"type": "answered", "request_id": "r1", "user_id": 7, "at": "2026-03-02 10:00:04"}\n'
)
STATS = ["from_date=2026-03-02 00:00:00", "to_date=2026-03-03 00:00:00", "user_id=all"]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def new_db(tmp_path: Path, accounts: int = 1) -> str:
    db = str(tmp_path / "t.duckdb")
    for n in range(accounts):
        code, out = run("account", "create", "--db", db, "--name", f"center {n + 1}")
        assert code == 0, out
    return db


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return str(path)


# --- unknown accounts ---------------------------------------------------------------------


def test_import_refuses_an_unknown_account_and_stores_nothing(tmp_path: Path) -> None:
    db = new_db(tmp_path)
    events = write(tmp_path, "e.jsonl", CALL)
    code, out = run("import", "--db", db, "--account-id", "2", events)
    assert code == 2
    assert "account 2 does not exist" in out and "account create" in out
    # the next account gets id 2 and sees nothing
    code, out = run("account", "create", "--db", db, "--name", "second")
    assert json.loads(out)["account_id"] == 2
    code, out = run("query", "GetACDOperatorStatistics", "--db", db, "--account-id", "2", *STATS)
    assert code == 0 and json.loads(out) == {"result": []}


def test_import_into_a_missing_database_refuses_without_creating_it(tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    events = write(tmp_path, "e.jsonl", CALL)
    code, out = run("import", "--db", str(missing), "--account-id", "1", events)
    assert code == 2 and f"no database at {missing}" in out and "account create" in out
    assert not missing.exists()


def test_query_and_names_refuse_an_unknown_account(tmp_path: Path) -> None:
    db = new_db(tmp_path)
    code, out = run("query", "GetACDOperatorStatistics", "--db", db, "--account-id", "3", *STATS)
    assert code == 2 and "account 3 does not exist" in out
    code, out = run("names", "--db", db, "--account-id", "3")
    assert code == 2 and "account 3 does not exist" in out
    code, out = run("names", "--db", db, "--account-id", "3", "--kind", "agent", "--link", "a=b")
    assert code == 2 and "account 3 does not exist" in out
    code, out = run("names", "--db", db, "--account-id", "1")
    assert code == 0 and "no names yet" in out


# --- query exit codes ---------------------------------------------------------------------


def test_query_exits_1_on_an_api_error_and_still_prints_it(tmp_path: Path) -> None:
    db = new_db(tmp_path)
    code, out = run(
        "query", "GetACDOperatorStatistics", "--db", db, "--account-id", "1", "user_id=all"
    )
    assert code == 1
    assert json.loads(out) == {
        "error": {"msg": "The parameter 'from_date' is required", "code": 134}
    }
    code, out = run("query", "NoSuchMethod", "--db", db, "--account-id", "1")
    assert code == 1 and json.loads(out)["error"]["code"] == 103
    code, out = run("query", "GetACDOperatorStatistics", "--db", db, "--account-id", "1", *STATS)
    assert code == 0 and json.loads(out) == {"result": []}
