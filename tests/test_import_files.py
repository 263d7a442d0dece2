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


# --- byte-order marks and delimiters ------------------------------------------------------

QUEUE_LOG = Path(__file__).parent / "data" / "queue_log"
EVENTS_CSV = (
    "type,at,request_id,user_id,queue_id\n"
    "enqueued,2026-03-02 10:00:00,r1,,5\n"
    "offered,2026-03-02 10:00:01,r1,7,\n"
    "answered,2026-03-02 10:00:05,r1,7,\n"
    "hangup,2026-03-02 10:01:05,r1,7,\n"
)
OFFERS_CSV = (
    "request_id,queue_id,user_id,offered_at,answered_at,ended_at\n"
    "x1,5,9,2026-03-02 10:00:00,2026-03-02 10:00:03,2026-03-02 10:00:33\n"
    '"x2",5,9,2026-03-02 11:00:00,,\n'
)
VARIANTS = [(delimiter, bom) for delimiter in (",", ";", "\t") for bom in (b"", b"\xef\xbb\xbf")]


def encoded(text: str, delimiter: str, bom: bytes) -> bytes:
    return bom + text.replace(",", delimiter).encode()


def report_of(db: str, *args: str, account: str = "1") -> dict[str, object]:
    code, out = run("import", "--db", db, "--account-id", account, "--json", *args)
    assert code in (0, 3), out
    reports = json.loads(out)
    assert len(reports) == 1
    report: dict[str, object] = next(iter(reports.values()))
    return report


def operator_items(db: str, account: str = "1") -> object:
    code, out = run(
        "query", "GetACDOperatorStatistics", "--db", db, "--account-id", account,
        *STATS, "report=AC;UAC;SA;TT",
    )  # fmt: skip
    assert code == 0, out
    return [(str(row["user_id"]), row["statistics"]) for row in json.loads(out)["result"]]


def test_events_and_offers_csv_with_a_bom_and_any_delimiter(tmp_path: Path) -> None:
    db = new_db(tmp_path, accounts=len(VARIANTS))
    for account, (delimiter, bom) in enumerate(VARIANTS, start=1):
        name = f"{account}-{'bom' if bom else 'plain'}-{ord(delimiter)}"
        events = write(tmp_path, name + "-events.csv", encoded(EVENTS_CSV, delimiter, bom))
        offers = write(tmp_path, name + "-offers.csv", encoded(OFFERS_CSV, delimiter, bom))
        got = report_of(db, events, account=str(account))
        assert (got["stored"], got["rejected"]) == (4, []), (delimiter, bom, got)
        got = report_of(db, "--format", "offers", offers, account=str(account))
        assert (got["stored"], got["rejected"]) == (2, []), (delimiter, bom, got)
        assert operator_items(db, str(account)) == [
            ("7", [{"AC": 1, "UAC": 0, "SA": stat(4), "TT": stat(60)}]),
            ("9", [{"AC": 1, "UAC": 1, "SA": stat(3), "TT": stat(30)}]),
        ]


def test_csv_bytes_that_are_not_utf8_are_reported_by_line(tmp_path: Path) -> None:
    db = new_db(tmp_path, accounts=2)
    rows = EVENTS_CSV.encode().splitlines(keepends=True)
    rows[2] = rows[2].replace(b"r1", b"r\xff1")  # line 3, the offer
    got = report_of(db, write(tmp_path, "e.csv", b"".join(rows)))
    assert got["stored"] == 3 and got["rejected"] == [{"line": 3, "reason": "not valid UTF-8"}]
    header = b"\xff" + EVENTS_CSV.encode()  # the first line, not starting with '{'
    got = report_of(db, write(tmp_path, "h.csv", header), account="2")
    reason = "the header row is not valid UTF-8"
    assert got["stored"] == 0
    assert got["rejected"] == [{"line": n, "reason": reason} for n in range(2, 6)]


def stat(value: int) -> dict[str, int]:
    return {"min": value, "avg": value, "max": value, "count": 1, "sum": value}


def test_jsonl_and_classic_queue_log_with_a_bom(tmp_path: Path) -> None:
    db = new_db(tmp_path, accounts=2)
    jsonl = write(tmp_path, "e.jsonl", b"\xef\xbb\xbf" + CALL.encode())
    got = report_of(db, jsonl)
    assert (got["stored"], got["rejected"]) == (2, [])
    log = (QUEUE_LOG / "fallover_reentry.log").read_bytes()
    with_bom = write(tmp_path, "queue_log", b"\xef\xbb\xbf" + log)
    got = report_of(db, with_bom, account="2")  # auto-detected despite the mark
    assert (got["stored"], got["skipped"], got["rejected"]) == (28, 2, [])


def test_realtime_queue_log_csv_with_a_bom_and_any_delimiter(tmp_path: Path) -> None:
    """Every variant holds the same lines as the classic file: all duplicates after it."""
    db = new_db(tmp_path, accounts=1)
    got = report_of(db, str(QUEUE_LOG / "fallover_reentry.log"))
    assert (got["stored"], got["rejected"]) == (28, [])
    text = (QUEUE_LOG / "fallover_reentry_realtime.csv").read_text()
    assert ";" not in text and "\t" not in text
    for delimiter, bom in VARIANTS:
        name = f"rt-{'bom' if bom else 'plain'}-{ord(delimiter)}.csv"
        path = write(tmp_path, name, encoded(text, delimiter, bom))
        got = report_of(db, "--timezone", "Europe/Berlin", path)
        assert (got["stored"], got["duplicates"], got["skipped"], got["rejected"]) == (
            0, 28, 2, []
        ), (delimiter, bom, got)  # fmt: skip


def test_queue_log_docs_say_that_every_source_is_detected() -> None:
    docs = (Path(__file__).parents[1] / "docs" / "queue_log.md").read_text()
    assert "needs `--format queue_log`" not in docs
    usage = docs.split("```")[1]  # the first example block: the commands as a user types them
    assert "--format" not in usage and "realtime" in docs and "PBXware" in docs


# --- offer records imported again ---------------------------------------------------------


def counts(report: dict[str, object]) -> tuple[object, ...]:
    return (report["stored"], report["duplicates"], report["replaced"], report["rejected"])


def test_identical_offer_records_again_are_duplicates_changed_ones_replaced(
    tmp_path: Path,
) -> None:
    db = new_db(tmp_path)
    offers = write(tmp_path, "offers.csv", OFFERS_CSV)
    assert counts(report_of(db, "--format", "offers", offers)) == (2, 0, 0, [])
    assert counts(report_of(db, "--format", "offers", offers)) == (0, 2, 0, [])
    before = operator_items(db)
    # x1 corrected (talked 60 s, not 30 s); x2 unchanged
    corrected = write(tmp_path, "corrected.csv", OFFERS_CSV.replace("10:00:33", "10:01:03"))
    assert counts(report_of(db, "--format", "offers", corrected)) == (0, 1, 1, [])
    assert (
        operator_items(db)
        == [
            ("9", [{"AC": 1, "UAC": 1, "SA": stat(3), "TT": stat(60)}]),
        ]
        != before
    )
    code, out = run("import", "--db", db, "--account-id", "1", "--format", "offers", offers)
    assert code == 0
    assert (
        out == f"{offers}: stored 0, duplicates 1, replaced 1, orphaned 0, skipped 0, rejected 0\n"
        "  data from 2026-03-02 10:00:00 to 2026-03-02 11:00:00 UTC; 1 operator, 1 queue\n"
    )
    assert operator_items(db) == before


def test_repeated_and_corrected_records_inside_one_file(tmp_path: Path) -> None:
    db = new_db(tmp_path)
    line = "x3,5,9,2026-03-02 12:00:00,2026-03-02 12:00:05,2026-03-02 12:00:15\n"
    text = OFFERS_CSV + line + line + line.replace("12:00:15", "12:00:45") + line
    path = write(tmp_path, "repeats.csv", text)
    # x3: new, the same again, corrected (TT 40), then back to the first form (TT 10)
    assert counts(report_of(db, "--format", "offers", path)) == (3, 1, 2, [])
    assert operator_items(db) == [
        ("9", [{"AC": 2, "UAC": 1, "SA": item([3, 5]), "TT": item([30, 10])}]),
    ]
    # again: x1, x2 and x3's first two lines equal what is stored, then x3 changes twice
    assert counts(report_of(db, "--format", "offers", path)) == (0, 4, 2, [])


def item(values: list[int]) -> dict[str, int]:
    total = sum(values)
    return {
        "min": min(values),
        "avg": total // len(values),
        "max": max(values),
        "count": len(values),
        "sum": total,
    }


# --- --timezone for event and offer-record files ------------------------------------------

LOCAL_OFFERS = (
    "request_id,queue_id,user_id,offered_at,answered_at,ended_at,acw_ended_at\n"
    # winter (CET, UTC+1), a fraction kept as written
    "w1,5,9,2026-03-02 10:00:00.250,2026-03-02 10:00:03.250,2026-03-02 10:00:33.250,\n"
    # summer (CEST, UTC+2), crossing local midnight
    "s1,5,9,2026-07-01 23:59:58,2026-07-02 00:00:01,2026-07-02 00:01:01,2026-07-02 00:01:11\n"
    # a time with its own offset is taken as it says
    "o1,5,9,2026-03-02T10:00:00+03:00,,,\n"
)
UTC_OFFERS = (
    "request_id,queue_id,user_id,offered_at,answered_at,ended_at,acw_ended_at\n"
    "w1,5,9,2026-03-02 09:00:00.250,2026-03-02 09:00:03.250,2026-03-02 09:00:33.250,\n"
    "s1,5,9,2026-07-01 21:59:58,2026-07-01 22:00:01,2026-07-01 22:01:01,2026-07-01 22:01:11\n"
    "o1,5,9,2026-03-02 07:00:00,,,\n"
)


def test_timezone_reads_offer_record_times_without_offset_as_local(tmp_path: Path) -> None:
    db = new_db(tmp_path)
    local = write(tmp_path, "local.csv", LOCAL_OFFERS)
    got = report_of(db, "--format", "offers", "--timezone", "Europe/Berlin", local)
    assert counts(got) == (3, 0, 0, [])
    # the same records written in UTC are the same identities with the same content
    utc = write(tmp_path, "utc.csv", UTC_OFFERS)
    assert counts(report_of(db, "--format", "offers", utc)) == (0, 3, 0, [])
    code, out = run(
        "query", "GetACDOperatorStatistics", "--db", db, "--account-id", "1",
        "from_date=2026-03-01 00:00:00", "to_date=2026-08-01 00:00:00", "user_id=all",
        "aggregation=hour", "report=AC;UAC",
    )  # fmt: skip
    assert code == 0, out
    hours = [
        (s["date"], s["hour"], s["AC"], s["UAC"])
        for s in json.loads(out)["result"][0]["statistics"]
    ]
    assert hours == [("2026-03-02", 7, 0, 1), ("2026-03-02", 9, 1, 0), ("2026-07-01", 21, 1, 0)]


def test_timezone_applies_to_event_files_too(tmp_path: Path) -> None:
    db = new_db(tmp_path, accounts=2)
    csv_path = write(tmp_path, "events.csv", EVENTS_CSV)
    jsonl = write(tmp_path, "events.jsonl", CALL)
    for path in (csv_path, jsonl):
        got = report_of(db, "--timezone", "America/New_York", path)  # UTC-5 in March
        assert got["rejected"] == []
        utc = report_of(db, path, account="2")
        assert utc["rejected"] == []
    for account, hour in (("1", 15), ("2", 10)):
        code, out = run(
            "query", "GetACDOperatorStatistics", "--db", db, "--account-id", account,
            *STATS, "aggregation=hour", "report=AC",
        )  # fmt: skip
        assert [
            (g["user_id"], [(s["hour"], s["AC"]) for s in g["statistics"]])
            for g in json.loads(out)["result"]
        ] == [("7", [(hour, 2)])], account


def test_an_unknown_timezone_is_refused_before_reading(tmp_path: Path) -> None:
    db = new_db(tmp_path)
    offers = write(tmp_path, "offers.csv", OFFERS_CSV)
    code, out = run("import", "--db", db, "--account-id", "1", "--timezone", "Mars/Base", offers)
    assert code == 2 and "unknown time zone 'Mars/Base'" in out


# --- dry runs and the per-file summary ----------------------------------------------------


def database_rows(db: str) -> dict[str, int]:
    from acdstats.storage.db import Database

    database = Database(db, read_only=True)
    try:
        cur = database.reader()
        tables = [
            name
            for (name,) in cur.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()
        ]
        return {t: cur.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in tables}
    finally:
        database.close()


def test_dry_run_reports_as_for_real_and_stores_nothing(tmp_path: Path) -> None:
    db = new_db(tmp_path)
    log = str(QUEUE_LOG / "storm_transfers_pauses.log")
    typed = "\n".join(("type," if n == 0 else "offer,") + row for n, row in
                      enumerate(OFFERS_CSV.splitlines()))  # fmt: skip
    offers = write(tmp_path, "offers.csv", typed + "\n")
    bad = write(tmp_path, "bad.jsonl", CALL + '{"type": "nope", "at": "x"}\n')
    report_of(db, offers)  # stored before: the dry run sees it
    before = database_rows(db)
    assert before["offer_records"] == 2 and before["name_ids"] == 0
    args = ["import", "--db", db, "--account-id", "1", "--json"]
    code, out = run(*args, "--dry-run", log, offers, bad)
    assert code == 3  # a rejected line: the same exit code as for real
    rehearsed = json.loads(out)
    assert database_rows(db) == before  # no event, no name id, no offer, no rollup
    assert all(report.pop("dry_run") is True for report in rehearsed.values())
    code, out = run(*args, log, offers, bad)
    assert code == 3
    assert json.loads(out) == rehearsed
    assert rehearsed[offers]["duplicates"] == 2
    assert rehearsed[bad]["rejected"] == [{"line": 3, "reason": 'unknown type "nope"'}]
    assert database_rows(db) != before


def test_dry_run_of_several_files_sees_the_earlier_ones(tmp_path: Path) -> None:
    db = new_db(tmp_path)
    first = str(QUEUE_LOG / "fallover_reentry.log")
    same = write(tmp_path, "copy.log", (QUEUE_LOG / "fallover_reentry.log").read_bytes())
    code, out = run("import", "--db", db, "--account-id", "1", "--dry-run", first, same)
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == f"{first}: stored 28, duplicates 0, orphaned 0, skipped 2, rejected 0"
    assert lines[2] == f"{same}: stored 0, duplicates 28, orphaned 0, skipped 2, rejected 0"
    assert lines[-1] == "dry run: nothing was stored"
    code, out = run("names", "--db", db, "--account-id", "1")
    assert "no names yet" in out


def test_summary_gives_time_span_operators_and_queues(tmp_path: Path) -> None:
    db = new_db(tmp_path)
    events = write(tmp_path, "events.csv", EVENTS_CSV)
    offers = write(tmp_path, "offers.csv", OFFERS_CSV.replace("10:00:33", "10:00:33.5"))
    empty = write(tmp_path, "empty.jsonl", '{"type": "nope"}\n')
    code, out = run("import", "--db", db, "--account-id", "1", "--timezone", "Asia/Kolkata",
                    events, empty)  # fmt: skip
    assert out.splitlines()[1] == (
        "  data from 2026-03-02 04:30:00 to 2026-03-02 04:31:05 UTC "
        "(2026-03-02 10:00:00 to 2026-03-02 10:01:05 Asia/Kolkata); 1 operator, 1 queue"
    )
    assert out.splitlines()[3] == "  no data: nothing in this file was accepted"
    code, out = run("import", "--db", db, "--account-id", "1", "--format", "offers", offers)
    # an offer record spans from its offer to its last time; x2 was offered at 11:00
    assert out.splitlines()[1] == (
        "  data from 2026-03-02 10:00:00 to 2026-03-02 11:00:00 UTC; 1 operator, 1 queue"
    )
    one = "\n".join(OFFERS_CSV.replace("10:00:33", "10:00:33.5").splitlines()[:2])
    report = report_of(db, "--format", "offers", write(tmp_path, "one.csv", one))
    assert report["summary"] == {
        "first": "2026-03-02 10:00:00",
        "last": "2026-03-02 10:00:33.500",
        "operators": 1,
        "queues": 1,
    }
    pbx = report_of(db, str(QUEUE_LOG / "pbxware_calls.csv"))
    assert pbx["summary"] == {
        "first": "2026-03-02 08:59:41",
        "last": "2026-03-02 09:08:20",
        "operators": 2,
        "queues": 2,
    }
