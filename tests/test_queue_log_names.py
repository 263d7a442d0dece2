"""Queue and agent names -> persistent integer ids, and the `acdstats names` command."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from acdstats.cli.main import main
from acdstats.importers.queue_log import read_queue_log
from acdstats.services.ingest import IngestReport, ingest
from acdstats.storage.db import Database
from acdstats.storage.names import NameId, NameIds, link_name, list_names


def feed(db: Database, text: str, account: int = 1) -> IngestReport:
    stream = io.BufferedReader(io.BytesIO(text.encode()))
    return ingest(db, account, read_queue_log(stream, "UTC"))


def agent_ids(db: Database, account: int = 1) -> dict[str, int]:
    return {n.name: n.id for n in list_names(db, account, "agent")}


FIRST = """\
1772442000|c1|sales|NONE|ENTERQUEUE||+49|1
1772442005|c1|sales|PJSIP/101|CONNECT|5|u1|3
1772442009|c2|support|NONE|ENTERQUEUE||+49|1
1772442010|c2|support|PJSIP/102|RINGNOANSWER|1000
"""


def test_ids_are_given_once_and_kept(db: Database) -> None:
    feed(db, FIRST)
    first = list_names(db, 1)
    assert first == [
        NameId("agent", "PJSIP/101", 1),
        NameId("agent", "PJSIP/102", 2),
        NameId("queue", "sales", 1),
        NameId("queue", "support", 2),
    ]
    feed(
        db,
        "1772442100|c3|billing|NONE|ENTERQUEUE||+49|1\n1772442101|c3|billing|PJSIP/103|CONNECT|1|u|1\n1772442102|c3|sales|PJSIP/101|RINGNOANSWER|0\n",
    )
    assert list_names(db, 1) == [
        NameId("agent", "PJSIP/101", 1),
        NameId("agent", "PJSIP/102", 2),
        NameId("agent", "PJSIP/103", 3),
        NameId("queue", "sales", 1),
        NameId("queue", "support", 2),
        NameId("queue", "billing", 3),
    ]


def test_each_account_has_its_own_ids(db: Database) -> None:
    feed(db, FIRST, account=1)
    feed(db, "1772442000|c1|zeta|NONE|ENTERQUEUE||+49|1\n", account=2)
    assert list_names(db, 2) == [NameId("queue", "zeta", 1)]
    assert len(list_names(db, 1)) == 4


def test_interface_spellings_differing_in_case_are_one_member(db: Database) -> None:
    # Asterisk finds members by interface ignoring case (interface_exists uses strcasecmp)
    feed(
        db,
        "1772442000|NONE|sales|PJSIP/Alice|ADDMEMBER|\n1772442005|c1|sales|pjsip/alice|RINGNOANSWER|0\n",
    )
    assert agent_ids(db) == {"PJSIP/Alice": 1, "pjsip/alice": 1}
    # member names are not interfaces: they stay case-sensitive
    feed(db, "1772442006|c1|sales|Bob|RINGNOANSWER|0\n1772442007|c1|sales|BOB|RINGNOANSWER|0\n")
    assert agent_ids(db)["Bob"] != agent_ids(db)["BOB"]


def test_queue_spellings_differing_in_case_are_one_queue(db: Database) -> None:
    # ENTERQUEUE carries the dialplan's Queue(SALES), CONNECT the configured [sales]
    feed(
        db,
        "1772442000|c1|SALES|NONE|ENTERQUEUE||+49|1\n1772442005|c1|sales|Alice|CONNECT|5|u|3\n",
    )
    queues = {n.name: n.id for n in list_names(db, 1, "queue")}
    assert queues == {"SALES": 1, "sales": 1}


def test_agent_login_links_the_agent_id_to_its_queue_member(db: Database) -> None:
    feed(
        db,
        "1772442000|c1|sales|Agent/1001|RINGNOANSWER|0\n"
        "1772442010|1772442010.5|NONE|1001|AGENTLOGIN|PJSIP/1001-0000002a\n"
        "1772442020|1772442010.5|NONE|1002|AGENTLOGIN|PJSIP/1002-0000002b\n"
        "1772442030|c2|sales|Agent/1002|RINGNOANSWER|0\n",
    )
    ids = agent_ids(db)
    assert ids["1001"] == ids["Agent/1001"]
    assert ids["1002"] == ids["Agent/1002"]
    assert ids["1001"] != ids["1002"]
    assert "PJSIP/1001" not in ids  # a device is not an agent: hot-desking changes who uses it


def test_link_before_import_joins_interface_and_member_name(db: Database) -> None:
    # log_membername_as_agent=no: ADDMEMBER names the interface, PAUSE the member name
    assert link_name(db, 1, "agent", "PJSIP/1001", "Alice") == 1
    feed(db, "1772442000|NONE|sales|PJSIP/1001|ADDMEMBER|\n1772442050|NONE|sales|Alice|PAUSE|ACW\n")
    assert agent_ids(db) == {"Alice": 1, "PJSIP/1001": 1}
    rows = db.reader().execute("SELECT DISTINCT user_id FROM status_events").fetchall()
    assert rows == [(1,)]
    assert link_name(db, 1, "agent", "PJSIP/1001", "Alice") == 1  # idempotent
    with pytest.raises(ValueError, match="already has id 1"):
        link_name(db, 1, "agent", "PJSIP/1001", "Bob")


def test_new_names_of_a_chunk_take_one_transaction(db: Database) -> None:
    ids = NameIds(db, 1)
    calls = 0
    real_writer = db.writer

    def counting_writer():  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        return real_writer()

    db.writer = counting_writer  # type: ignore[method-assign,assignment]
    ids.resolve([("agent", f"PJSIP/{n}") for n in range(50)] + [("queue", "q")])
    ids.resolve([("agent", "PJSIP/7"), ("queue", "q")])  # all known: no transaction
    assert calls == 1
    # ids follow the order of the names within a chunk, so they do not depend on set order
    names = sorted(f"PJSIP/{n}" for n in range(50))
    assert [ids[("agent", name)] for name in names] == list(range(1, 51))


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_names_command_lists_table_and_json(tmp_path: Path) -> None:
    path = tmp_path / "cli.duckdb"
    log = tmp_path / "queue_log"
    log.write_text(FIRST)
    for name in ("first", "second"):
        run("account", "create", "--db", str(path), "--name", name)
    run("import", "--db", str(path), "--account-id", "1", "--format", "queue_log", str(log))
    table = run("names", "--db", str(path), "--account-id", "1")
    assert table.splitlines() == [
        "kind   id  name",
        "agent   1  PJSIP/101",
        "agent   2  PJSIP/102",
        "queue   1  sales",
        "queue   2  support",
    ]
    as_json = orjson.loads(
        run("names", "--db", str(path), "--account-id", "1", "--kind", "queue", "--json")
    )
    assert as_json == [
        {"kind": "queue", "id": 1, "name": "sales"},
        {"kind": "queue", "id": 2, "name": "support"},
    ]
    linked = run(
        "names",
        "--db",
        str(path),
        "--account-id",
        "1",
        "--kind",
        "agent",
        "--link",
        "SIP/101=PJSIP/101",
    )
    assert "agent   1  SIP/101" in linked.splitlines()
    assert run("names", "--db", str(path), "--account-id", "2").strip() == (
        "no names yet: import a queue_log file first"
    )


def test_names_command_refuses_link_without_kind(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["names", "--db", str(tmp_path / "x.duckdb"), "--account-id", "1", "--link", "a=b"]
    )
    assert result.exit_code == 2
    assert "--link needs --kind" in result.output


def test_names_command_without_a_database_says_so(tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    result = CliRunner().invoke(main, ["names", "--db", str(missing), "--account-id", "1"])
    assert result.exit_code == 2
    assert f"no database at {missing}" in result.output
    assert not missing.exists()
