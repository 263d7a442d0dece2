"""acdstats backup / restore: offline and from a running server, same answers after restore."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from acdstats.cli.main import main
from acdstats.services.methods import CallContext, find_method, respond
from acdstats.storage.db import Database
from tests.test_web_serve import free_port, wait_until_listening
from tests.webkit import seed

STATS = {"from_date": "2026-03-01 00:00:00", "to_date": "2026-04-01 00:00:00", "user_id": "all"}


def answers(path: Path) -> list[bytes]:
    db = Database(path, read_only=True)
    try:
        ctx = CallContext(db, 1)
        method = find_method("GetACDOperatorStatistics")
        return [
            respond(method, ctx, {**STATS, "aggregation": a, "group": g})
            for g in ("user", "aggregation")
            for a in ("day", "hour", "none")
        ]
    finally:
        db.close()


def make_source(path: Path) -> None:
    db = Database(path)
    db.reader().execute("INSERT INTO accounts (account_id, name) VALUES (1, 'A')")
    seed(db, 1, 7, users=(1, 2, 3))
    db.close()


def test_offline_backup_restores_to_the_same_answers(tmp_path: Path) -> None:
    make_source(tmp_path / "s.duckdb")
    runner = CliRunner()
    out = runner.invoke(
        main, ["backup", "--db", str(tmp_path / "s.duckdb"), "--out", str(tmp_path / "b")]
    )
    assert out.exit_code == 0, out.output
    done = runner.invoke(main, ["restore", str(tmp_path / "b"), "--db", str(tmp_path / "r.duckdb")])
    assert done.exit_code == 0, done.output
    assert answers(tmp_path / "r.duckdb") == answers(tmp_path / "s.duckdb")
    again = runner.invoke(
        main, ["restore", str(tmp_path / "b"), "--db", str(tmp_path / "r.duckdb")]
    )
    assert again.exit_code == 1 and "exists" in again.output


def test_backup_from_a_running_server(tmp_path: Path) -> None:
    source = tmp_path / "s.duckdb"
    make_source(source)
    acdstats = str(Path(sys.executable).with_name("acdstats"))
    port = free_port()
    server = subprocess.Popen(
        [acdstats, "serve", "--db", str(source), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until_listening(port, server)
        taken = subprocess.run(
            [acdstats, "backup", "--db", str(source), "--out", str(tmp_path / "b")],
            capture_output=True,
        )
        assert taken.returncode == 0, taken.stderr
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert server.returncode == 0
    restored = tmp_path / "r.duckdb"
    done = subprocess.run(
        [acdstats, "restore", str(tmp_path / "b"), "--db", str(restored)], capture_output=True
    )
    assert done.returncode == 0, done.stderr
    assert answers(restored) == answers(source)
