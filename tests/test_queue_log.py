"""queue_log import end to end: realistic excerpts in, the exact statistics out.

The expected numbers are worked out by hand from the lines of each excerpt (see the comments
in tests/data/queue_log/*.log and docs/queue_log.md); a second check compares the log's own
holdtime/calltime/waittime fields with the times the import derived.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from acdstats.importers.queue_log import read_queue_log
from acdstats.importers.queue_log_source import classic_lines
from acdstats.importers.queue_log_verbs import ABANDON_VERBS, COMPLETE_VERBS, reported_times
from acdstats.services.ingest import IngestReport, ingest
from acdstats.services.methods import CallContext, call, find_method
from acdstats.storage.db import Database
from acdstats.storage.names import list_names

DATA = Path(__file__).parent / "data" / "queue_log"
DAY = {"from_date": "2026-03-02 00:00:00", "to_date": "2026-03-03 00:00:00"}


def load(db: Database, name: str, timezone: str = "UTC", account: int = 1) -> IngestReport:
    with (DATA / name).open("rb") as stream:
        return ingest(db, account, read_queue_log(stream, timezone))


def ids(db: Database, kind: str, account: int = 1) -> dict[str, int]:
    return {n.name: n.id for n in list_names(db, account, kind)}


def stats(db: Database, **params: str) -> dict[int, dict[str, Any]]:
    """user_id -> the single statistics record of GetACDOperatorStatistics (aggregation none)."""
    answer = call(
        find_method("GetACDOperatorStatistics"),
        CallContext(db, 1),
        {**DAY, "user_id": "all", **params},
    )
    return {int(group["user_id"]): group["statistics"][0] for group in answer["result"]}


def item(values: list[int]) -> dict[str, int]:
    if not values:
        return {"min": 0, "avg": 0, "max": 0, "count": 0, "sum": 0}
    total = sum(values)
    return {
        "min": min(values),
        "avg": total // len(values),
        "max": max(values),
        "count": len(values),
        "sum": total,
    }


def test_fallover_reentry_and_connect_without_completion(db: Database) -> None:
    report = load(db, "fallover_reentry.log")
    # QUEUESTART and CONFIGRELOAD are skipped; each RINGNOANSWER, RINGCANCELED and CONNECT
    # line stores two events (the offer and how it ended), every other line one.
    assert report.rejected == []
    assert report.skipped == 2
    assert report.stored == 3 + 6 + 2 * 7 + 2 + 3  # statuses, enqueues, pairs, completes, ends
    assert report.orphaned == 0
    agent = ids(db, "agent")
    queue = ids(db, "queue")
    assert set(agent) == {"PJSIP/101", "PJSIP/102", "PJSIP/201"}
    assert set(queue) == {"sales", "support"}
    got = stats(db, report="AC;UAC;SA;TT")
    assert got[agent["PJSIP/101"]] == {
        "AC": 1,
        "UAC": 2,  # c1 rang out (15 s); c2 rang 6 s until the caller pressed a key
        "SA": item([4]),  # c2 after re-entry: CONNECT ringtime 4
        "TT": item([95]),
    }
    assert got[agent["PJSIP/102"]] == {"AC": 0, "UAC": 2, "SA": item([]), "TT": item([])}
    # c1 fell over from sales to support (SA 6, TT 120); c3 is still talking: no TT yet
    assert got[agent["PJSIP/201"]] == {"AC": 2, "UAC": 0, "SA": item([6, 3]), "TT": item([120])}


def test_fallover_counts_in_the_queue_that_offered(db: Database) -> None:
    load(db, "fallover_reentry.log")
    agent, queue = ids(db, "agent"), ids(db, "queue")
    support = stats(db, acd_queue_id=str(queue["support"]), report="AC;UAC")
    assert support == {agent["PJSIP/201"]: {"AC": 2, "UAC": 0}}
    sales = stats(db, acd_queue_id=str(queue["sales"]), report="AC;UAC")
    assert sales == {
        agent["PJSIP/101"]: {"AC": 1, "UAC": 2},
        agent["PJSIP/102"]: {"AC": 0, "UAC": 2},
    }


def test_storm_transfers_and_pauses(db: Database) -> None:
    report = load(db, "storm_transfers_pauses.log")
    assert report.rejected == []
    # DID, custom verb, PAUSEALL without reason, and UNPAUSE repeating UNPAUSEALL
    assert report.skipped == 4
    agent = ids(db, "agent")
    got = stats(db)
    alice, bob, carol = got[agent["Alice"]], got[agent["Bob"]], got[agent["Carol"]]
    # Alice: blind transfer after 60 s, ACW from the hangup (80) to UNPAUSE (111) = 31;
    # the LINK attended transfer (shifted fields) after 100 s, no pause after it: no ACW.
    assert (alice["AC"], alice["UAC"]) == (2, 0)
    assert alice["SA"] == item([8, 2])
    assert alice["TT"] == item([60, 100])
    assert alice["ACW"] == item([31])
    assert alice["HT"] == item([91, 100])
    # Bob: four identical-looking ring-no-answer lines are four offers; an old-style
    # TRANSFER; pause 'acw' 5 s after the call until REMOVEMEMBER: ACW 21.
    assert (bob["AC"], bob["UAC"]) == (1, 4)
    assert bob["SA"] == item([9])
    assert bob["TT"] == item([60])
    assert bob["ACW"] == item([21])
    assert bob["HT"] == item([81])
    # Carol: bridge-merge attended transfer; PAUSE Wrapup (after PAUSEALL) to UNPAUSEALL: 40
    assert (carol["AC"], carol["UAC"]) == (1, 0)
    assert carol["SA"] == item([5])
    assert carol["TT"] == item([100])
    assert carol["ACW"] == item([40])
    assert carol["HT"] == item([140])


def test_importing_again_stores_nothing_new(db: Database) -> None:
    first = load(db, "storm_transfers_pauses.log")
    before = stats(db)
    second = load(db, "storm_transfers_pauses.log")
    assert second.stored == 0
    assert second.duplicates == first.stored
    assert second.skipped == first.skipped
    assert stats(db) == before


def test_realtime_csv_export_in_local_time_equals_the_file(db: Database, tmp_path: Path) -> None:
    report = load(db, "fallover_reentry_realtime.csv", timezone="Europe/Berlin")
    assert report.rejected == []
    from_csv = stats(db)
    other = Database(tmp_path / "other.duckdb")
    try:
        load(other, "fallover_reentry.log")
        assert stats(other) == from_csv
    finally:
        other.close()
    # the same lines from the classic file carry the same event ids: nothing new
    again = load(db, "fallover_reentry.log")
    assert (again.stored, again.duplicates) == (0, report.stored)


def test_realtime_csv_read_in_the_wrong_zone_shifts_the_offers(db: Database) -> None:
    load(db, "fallover_reentry_realtime.csv", timezone="UTC")
    # the export says 10:00-10:07 Berlin time (09:00-09:07 UTC); read as UTC, every offer
    # lands an hour late, in the 10:00 bucket instead of 09:00
    answer = call(
        find_method("GetACDOperatorStatistics"),
        CallContext(db, 1),
        {**DAY, "user_id": "all", "aggregation": "hour", "report": "AC"},
    )
    hours = {s["hour"] for group in answer["result"] for s in group["statistics"]}
    assert hours == {10}


def test_malformed_lines_are_rejected_with_reasons(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "queue_log"
    path.write_bytes(
        b"1772442010|c9|sales|NONE|ENTERQUEUE||+49|1\n"
        b"17724420x1|c9|sales|PJSIP/1|CONNECT|1|u|1\n"  # bad epoch
        b"1772442012|c9|sales\n"  # too few fields
        b"1772442013|c9|sales|PJSIP/1|CONNECT|3|u|soon\n"  # bad ring time
        b"1772442014|c9|sales|NONE|RINGNOANSWER|1000\n"  # no agent
        b"\n"
        b"1772442015|NONE|sales|PJSIP/1|COMPLETEAGENT|3|9|1\n"  # no call id
        b"1772442016|c9|sales|PJSIP/1|CONNECT|6|u|5\n"
    )
    with path.open("rb") as stream:
        report = ingest(db, 1, read_queue_log(stream, "UTC"))
    assert [line for line, _ in report.rejected] == [2, 3, 4, 5, 7]
    reasons = dict(report.rejected)
    assert "epoch" in reasons[2]
    assert "field" in reasons[3]
    assert "ringtime" in reasons[4] and "'soon'" in reasons[4]
    assert "agent" in reasons[5]
    assert "call id" in reasons[7]
    assert report.stored == 3  # the ENTERQUEUE, and the last CONNECT's offer + answer
    assert stats(db, report="AC;SA") == {ids(db, "agent")["PJSIP/1"]: {"AC": 1, "SA": item([5])}}


def test_unknown_time_zone_is_one_clear_rejection(db: Database) -> None:
    report = load(db, "fallover_reentry_realtime.csv", timezone="Mars/Olympus")
    assert report.stored == 0
    assert report.rejected == [(1, "unknown time zone 'Mars/Olympus'")]


@pytest.mark.parametrize("name", ["fallover_reentry.log", "storm_transfers_pauses.log"])
def test_log_times_agree_with_derived_offers(db: Database, name: str) -> None:
    """holdtime/calltime/waittime written by Asterisk = what the stored offers say."""
    load(db, name)
    agent = ids(db, "agent")
    with (DATA / name).open("rb") as stream:
        lines = [line for _, line in classic_lines(stream)]
    enters: dict[str, list[int]] = {}
    checked = 0
    cur = db.reader()
    for line in lines:
        assert not isinstance(line, Exception)
        t = line.at // 1000
        if line.verb == "ENTERQUEUE":
            enters.setdefault(line.callid, []).append(t)
        entered = max((e for e in enters.get(line.callid, []) if e <= t), default=None)
        if line.verb == "CONNECT":
            assert entered is not None, line
            assert int(line.field(1)) == t - entered, line
            checked += 1
        elif line.verb in ABANDON_VERBS:
            wait = line.field(4) if line.verb in ("EXITWITHKEY",) else line.field(3)
            assert entered is not None, line
            assert int(wait) == t - entered, line
            checked += 1
        elif line.verb in COMPLETE_VERBS:
            holdtime, calltime = reported_times(line)
            rows = cur.execute(
                "SELECT epoch(answered_at)::BIGINT, epoch(ended_at)::BIGINT, tt FROM offers "
                "WHERE account_id = 1 AND request_id = ? AND user_id = ? AND ended_at IS NOT NULL",
                [line.callid, agent[line.agent]],
            ).fetchall()
            assert len(rows) == 1, line
            answered, ended, tt = rows[0]
            assert ended == t
            assert tt == calltime == ended - answered
            assert holdtime == answered - max(e for e in enters[line.callid] if e <= answered)
            checked += 1
    assert checked >= 5


def test_cli_imports_both_sources_and_reports(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from acdstats.cli.main import main

    path = str(tmp_path / "cli.duckdb")
    runner = CliRunner()
    csv_file = str(DATA / "fallover_reentry_realtime.csv")
    log_file = str(DATA / "fallover_reentry.log")
    assert runner.invoke(main, ["account", "create", "--db", path, "--name", "A"]).exit_code == 0
    args = ["import", "--db", path, "--account-id", "1", "--format", "queue_log"]
    first = runner.invoke(main, [*args, "--timezone", "Europe/Berlin", csv_file])
    assert first.exit_code == 0, first.output
    assert first.output == (
        f"{csv_file}: stored 28, duplicates 0, orphaned 0, skipped 2, rejected 0\n"
        "  data from 2026-03-02 09:00:01 to 2026-03-02 09:07:00 UTC (2026-03-02 10:00:01 to "
        "2026-03-02 10:07:00 Europe/Berlin); 3 operators, 2 queues\n"
    )
    again = runner.invoke(main, ["import", "--db", path, "--account-id", "1", log_file])
    assert (
        again.output == f"{log_file}: stored 0, duplicates 28, orphaned 0, skipped 2, rejected 0\n"
        "  data from 2026-03-02 09:00:01 to 2026-03-02 09:07:00 UTC; 3 operators, 2 queues\n"
    )


def test_wrapup_reasons_from_the_environment(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACDSTATS_QUEUE_LOG_WRAPUP", "Nacharbeit, Wrapup")
    load(db, "storm_transfers_pauses.log")
    got = stats(db, report="ACW")
    agent = ids(db, "agent")
    # 'ACW'/'acw' are no wrap-up reasons any more (DND: no after-call work); 'Wrapup' still is
    assert got[agent["Alice"]]["ACW"] == item([])
    assert got[agent["Bob"]]["ACW"] == item([])
    assert got[agent["Carol"]]["ACW"] == item([40])


def test_leaving_one_of_several_queues_is_not_offline(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "queue_log"
    path.write_text(
        "1772442000|MANAGER|sales|PJSIP/7|ADDMEMBER|\n"
        "1772442000|MANAGER|support|PJSIP/7|ADDMEMBER|\n"
        "1772442600|MANAGER|sales|PJSIP/7|REMOVEMEMBER|\n"  # still in support
        "1772446000|MANAGER|support|PJSIP/7|REMOVEMEMBER|\n"  # now in no queue
        "1772446000|MANAGER|billing|PJSIP/7|REMOVEMEMBER|\n"  # static member: not in the log
    )
    with path.open("rb") as stream:
        report = ingest(db, 1, read_queue_log(stream, "UTC"))
    assert (report.stored, report.skipped) == (2, 3)  # READY, OFFLINE; repeats and the move
    rows = (
        db.reader()
        .execute("SELECT epoch(event_at)::BIGINT, status FROM status_events ORDER BY event_at")
        .fetchall()
    )
    assert rows == [(1772442000, "READY"), (1772446000, "OFFLINE")]
