"""PBXware's normalised queue_log CSV: detected, mapped as Asterisk's lines, statistics exact.

tests/data/queue_log/pbxware_calls.csv holds four calls (a ring-no-answer across an hour
boundary then a fall-through to the next agent with wrap-up, an abandon, a blind transfer, an
agent hang-up); pbxware_calls.log is the same day as Asterisk writes it. The numbers below are
worked out by hand from the lines (times are UTC; `time` is the PBX's local time, UTC+1).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from acdstats.cli.main import main
from acdstats.importers.queue_log import read_queue_log
from acdstats.importers.queue_log_source import queue_log_lines
from acdstats.importers.queue_log_verbs import QueueLogLine
from acdstats.services.ingest import ingest
from acdstats.services.methods import CallContext, call, find_method
from acdstats.storage.db import Database
from acdstats.storage.names import list_names

DATA = Path(__file__).parent / "data" / "queue_log"
CSV = DATA / "pbxware_calls.csv"
DAY = {"from_date": "2026-03-02 00:00:00", "to_date": "2026-03-03 00:00:00"}


def item(values: list[int]) -> dict[str, int]:
    if not values:
        return {"min": 0, "avg": 0, "max": 0, "count": 0, "sum": 0}
    return {
        "min": min(values),
        "avg": sum(values) // len(values),
        "max": max(values),
        "count": len(values),
        "sum": sum(values),
    }


def stats(db: Database, **params: str) -> dict[str, Any]:
    answer = call(
        find_method("GetACDOperatorStatistics"),
        CallContext(db, 1),
        {**DAY, "user_id": "all", **params},
    )
    return {str(group["user_id"]): group["statistics"] for group in answer["result"]}


def agents(db: Database) -> dict[str, str]:
    return {n.name: str(n.id) for n in list_names(db, 1, "agent")}


def load(db: Database, data: bytes) -> Any:
    return ingest(db, 1, read_queue_log(io.BytesIO(data)))


def _read(path: Path) -> dict[int, QueueLogLine]:
    """Line number -> parsed line; every line must parse."""
    with path.open("rb") as stream:
        parsed = dict(queue_log_lines(stream, "UTC"))
    good = {n: line for n, line in parsed.items() if isinstance(line, QueueLogLine)}
    assert good == parsed
    return good


def test_rows_become_the_asterisk_lines() -> None:
    lines = _read(CSV)
    classic = _read(DATA / "pbxware_calls.log")
    assert len(lines) == 19
    # line numbers count the header: row 1006 is line 7 of the CSV, line 6 of the log
    assert lines[7] == QueueLogLine(
        1772442012_000,
        "1772441985.31",
        "8001",
        "Agent/1128",
        "CONNECT",
        ("27", "1772442006.35", "6"),  # holdtime from htime, bridged channel, ringtime (s)
    )
    assert lines[6].data == ("15000",)  # RINGNOANSWER: ring time in ms from htime
    assert lines[8].data == ("27", "120", "1")  # COMPLETECALLER: htime, ttime, entpos
    assert lines[16].data == ("200", "from-internal", "4", "60", "1")  # BLINDTRANSFER
    assert [line.canonical for line in lines.values()] == [
        line.canonical for line in classic.values()
    ]


def test_statistics_of_the_pbxware_export(db: Database) -> None:
    report = load(db, CSV.read_bytes())
    assert report.rejected == []
    assert report.skipped == 1  # QUEUESTART
    # statuses 2 ADDMEMBER + PAUSE + UNPAUSE + REMOVEMEMBER, 4 enqueues, 2 x (2 RINGNOANSWER
    # + 3 CONNECT), 3 call ends, 1 abandon
    assert report.stored == 5 + 4 + 10 + 3 + 1
    agent = agents(db)
    assert set(agent) == {"Agent/1127", "Agent/1128"}
    assert {n.name for n in list_names(db, 1, "queue")} == {"8001", "8002"}
    got = stats(db)
    a1127, a1128 = got[agent["Agent/1127"]][0], got[agent["Agent/1128"]][0]
    # 1127: c1 rang 15 s (htime 15000 ms) unanswered, c2 rang 12 s unanswered, answered c3
    # after 4 s (param3) and transferred it 60 s later (ttime); no pause: no ACW.
    assert (a1127["AC"], a1127["UAC"]) == (1, 2)
    assert (a1127["SA"], a1127["TT"], a1127["ACW"]) == (item([4]), item([60]), item([]))
    # 1128: c1 rang 6 s, 120 s talk, pause Wrapup 2 s after the hang-up until UNPAUSE 33 s
    # after it; c4 rang 8 s, 45 s talk, no pause.
    assert (a1128["AC"], a1128["UAC"]) == (2, 0)
    assert (a1128["SA"], a1128["TT"]) == (item([6, 8]), item([120, 45]))
    assert (a1128["ACW"], a1128["HT"]) == (item([33]), item([153, 45]))


def test_ring_time_in_ms_puts_the_offer_in_the_hour_it_started(db: Database) -> None:
    load(db, CSV.read_bytes())
    a1127 = agents(db)["Agent/1127"]
    by_hour = {
        (row["date"], row["hour"]): (row["AC"], row["UAC"])
        for row in stats(db, aggregation="hour", report="AC;UAC")[a1127]
    }
    # c1 entered at 08:59:45 and rang out at 09:00:05 after 15,000 ms: offered at 08:59:50
    assert by_hour == {("2026-03-02", 8): (0, 1), ("2026-03-02", 9): (1, 1)}


def test_pbxware_and_asterisk_forms_of_one_day_are_the_same_events(db: Database) -> None:
    first = load(db, CSV.read_bytes())
    again = load(db, (DATA / "pbxware_calls.log").read_bytes())
    assert (again.stored, again.duplicates, again.rejected) == (0, first.stored, [])


def test_bad_pbxware_rows_are_rejected_with_reasons(db: Database) -> None:
    header, *_ = CSV.read_text().splitlines()
    rows = [
        "1,yesterday,c9,8001,Agent/1,ENTERQUEUE,,,1,1,,,,x",  # bad date_time
        "2,1772442005,c9,8001,Agent/1,RINGNOANSWER,,,,1,,,,x",  # no ring time anywhere
        "3,1772442012,c9,8001,Agent/1,CONNECT,,ch,6,1,,27,",  # one cell short
    ]
    report = load(db, "\n".join([header, *rows, ""]).encode())
    assert report.stored == 0
    assert report.rejected == [
        (2, "date_time: bad time 'yesterday'"),
        (3, "RINGNOANSWER: bad ring time (ms) '' in data1"),
        (4, "13 cells but the header has 14"),
    ]


def test_the_import_command_detects_pbxware_in_any_delimiter(tmp_path: Path) -> None:
    db = str(tmp_path / "p.duckdb")
    runner = CliRunner()
    assert runner.invoke(main, ["account", "create", "--db", db, "--name", "A"]).exit_code == 0
    text = CSV.read_text()
    for n, delimiter in enumerate((",", ";", "\t")):
        path = tmp_path / f"export{n}.csv"
        path.write_bytes(b"\xef\xbb\xbf" + text.replace(",", delimiter).encode())
        # --timezone does not move PBXware rows: date_time is UTC
        out = runner.invoke(
            main,
            ["import", "--db", db, "--account-id", "1", "--timezone", "Asia/Tokyo", "--json"]
            + [str(path)],
        )
        assert out.exit_code == 0, out.output
        report = json.loads(out.output)[str(path)]
        assert (report["stored"], report["duplicates"], report["skipped"]) == (
            (23, 0, 1) if n == 0 else (0, 23, 1)
        )
