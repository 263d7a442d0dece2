"""A simulation loaded into a database answers with what the simulator produced."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from acdstats.cli.main import main
from acdstats.services.methods import CallContext, call, find_method
from acdstats.simulate import SimulationConfig, simulate
from acdstats.simulate.load import load_into_db
from acdstats.storage.db import Database
from tests.reference_validation import Event, parse_record
from tests.test_simulate import journeys

CONFIG = SimulationConfig(
    operators=10, queues=3, days=2, seed=11, miss_rate=0.15, start_date=date(2026, 4, 6)
)


def half_up(ms: int) -> int:
    return (ms + 500) // 1000


def expected_per_user(events: list[Event]) -> dict[int, dict[str, int]]:
    """AC, UAC, TT sum and ACW sum per operator, from the events alone."""
    out: dict[int, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(("AC", "UAC", "TT", "ACW"), 0)
    )
    statuses: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for e in events:
        if e.type == "status":
            assert e.user_id is not None and e.status is not None
            statuses[e.user_id].append((e.at, e.status))
    for j in journeys(events).values():
        for o in j.offers:
            row = out[o.user_id]
            if o.answered is None:
                row["UAC"] += 1
                continue
            row["AC"] += 1
            assert o.hangup is not None
            row["TT"] += half_up(o.hangup - o.answered)
            # The simulator ends ACW with the first status after AFTER_SERVICE at hangup.
            acw_end = next(t for t, s in statuses[o.user_id] if t > o.hangup)
            row["ACW"] += half_up(acw_end - o.hangup)
    return out


def query(db: Database, **params: str) -> list[dict[str, object]]:
    answer = call(find_method("GetACDOperatorStatistics"), CallContext(db, 1), params)
    assert "result" in answer, answer
    result: list[dict[str, object]] = answer["result"]
    return result


def test_loaded_simulation_gives_its_own_counts_and_sums(db: Database) -> None:
    events = [parse_record(raw, 1) for raw in simulate(CONFIG)]
    summary, report = load_into_db(db, 1, CONFIG, batch_lines=1000)  # many batches
    assert (report.stored, report.duplicates, report.orphaned, report.rejected) == (
        len(events),
        0,
        0,
        [],
    )
    assert summary.events == len(events)
    expected = expected_per_user([e for e in events if isinstance(e, Event)])
    result = query(
        db,
        from_date="2026-04-06 00:00:00",
        to_date="2026-04-08 00:00:00",
        user_id="all",
        report="AC;UAC;TT;ACW",
    )
    got = {
        int(r["user_id"]): {  # type: ignore[call-overload]
            "AC": r["statistics"][0]["AC"],  # type: ignore[index]
            "UAC": r["statistics"][0]["UAC"],  # type: ignore[index]
            "TT": r["statistics"][0]["TT"]["sum"],  # type: ignore[index]
            "ACW": r["statistics"][0]["ACW"]["sum"],  # type: ignore[index]
        }
        for r in result
    }
    assert got == dict(expected)
    assert sum(v["AC"] for v in got.values()) == summary.counts["answered"]
    assert sum(v["UAC"] for v in got.values()) == summary.counts["unanswered"]


def test_cli_writes_jsonl_and_loads_a_database(tmp_path: Path) -> None:
    out = tmp_path / "sim.jsonl"
    args = ["--operators", "6", "--queues", "2", "--days", "2", "--seed", "4"]
    args += ["--start-date", "2026-04-06", "--workers", "1"]
    runner = CliRunner()
    done = runner.invoke(main, ["simulate", *args, "--out", str(out)])
    assert done.exit_code == 0, done.output
    config = SimulationConfig(operators=6, queues=2, days=2, seed=4, start_date=date(2026, 4, 6))
    records = list(simulate(config))
    assert [orjson.loads(line) for line in out.read_bytes().splitlines()] == records
    assert f"{len(records):,} events" in done.output

    db_path = tmp_path / "sim.duckdb"
    done = runner.invoke(main, ["simulate", *args, "--db", str(db_path), "--account-id", "3"])
    assert done.exit_code == 0, done.output
    assert f"stored {len(records)}," in done.output
    database = Database(db_path)
    try:
        rows = (
            database.reader()
            .execute(
                "SELECT (SELECT count(*) FROM request_events WHERE account_id = 3)"
                " + (SELECT count(*) FROM status_events WHERE account_id = 3)"
            )
            .fetchall()
        )
    finally:
        database.close()
    assert rows == [(len(records),)]


def test_cli_needs_exactly_one_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACDSTATS_DB", raising=False)
    runner = CliRunner()
    assert runner.invoke(main, ["simulate"]).exit_code == 2
    assert runner.invoke(main, ["simulate", "--out", "-", "--db", "x"]).exit_code == 2
    assert runner.invoke(main, ["simulate", "--db", "x"]).exit_code == 2


def test_cli_out_wins_over_the_environment_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ACDSTATS_DB", str(tmp_path / "env.duckdb"))
    args = ["simulate", "--operators", "2", "--days", "1", "--workers", "1"]
    done = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "a.jsonl")])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "a.jsonl").stat().st_size > 0
    assert not (tmp_path / "env.duckdb").exists()
    done = CliRunner().invoke(main, [*args, "--account-id", "1"])  # the environment's db
    assert done.exit_code == 0, done.output
    assert (tmp_path / "env.duckdb").exists()
