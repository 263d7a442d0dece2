"""GetACDOperatorStatusStatistics against the reference, hand-worked tables and its errors."""

from __future__ import annotations

import random
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acdstats.errors import ApiError
from acdstats.services.methods import CallContext, call, find_method, respond
from acdstats.services.status_statistics import operator_status_statistics
from acdstats.storage.db import Database
from acdstats.storage.duckdb_reader import DuckDBReader
from acdstats.storage.reader import Tuning
from tests import status_oracle
from tests.scenario import ev, load
from tests.test_status_spans import BASE, HISTORY, at, split

METHOD = "GetACDOperatorStatusStatistics"
NOW = "2026-12-01 00:00:00"
NOW_MS = status_oracle.to_ms(NOW)
DAY_WINDOW = {"from_date": "2026-03-02 00:00:00", "to_date": "2026-03-03 00:00:00"}


def ask(
    db: Database,
    given: dict[str, str] | None = None,
    now: str = NOW,
    account_id: int = 1,
    **params: str,
) -> Any:
    query = {**DAY_WINDOW, "user_id": "all", **(given or {}), **params}
    ctx = CallContext(db, account_id, now_ms=status_oracle.to_ms(now))
    answer = call(find_method(METHOD), ctx, query)
    return answer.get("result", answer)


def table(result: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """group=user answers as rows (user, *time fields, status, min, avg, max, count, sum)."""
    rows = []
    for group in result:
        for record in group["statistics"]:
            (detail,) = record["acd_status"]
            times = tuple(v for k, v in record.items() if k != "acd_status")
            for status, item in detail.items():
                rows.append((int(group["user_id"]), *times, status, *item.values()))
    return rows


# --- the reference, on random histories and questions ------------------------------------

WINDOW_EDGES = st.sampled_from(
    [-3 * 3_600_000, -1, 0, 1, 1_800_000, 3_600_000, 3_600_000 + 250, 26 * 3_600_000]
)
QUESTION = st.fixed_dictionaries(
    {
        "start": st.one_of(WINDOW_EDGES, st.integers(-3 * 3_600_000, 30 * 3_600_000)),
        "length": st.one_of(
            st.sampled_from([1000, 3_600_000, 86_400_000, 2 * 86_400_000]),
            st.integers(1000, 3 * 86_400_000),
        ),
        "now_after": st.one_of(st.just(None), st.integers(-3_600_000, 3 * 86_400_000)),
        "aggregation": st.sampled_from(["none", "day", "hour", "hour_of_day", "week", "month"]),
        "group": st.sampled_from(["user", "aggregation"]),
        "timezone": st.sampled_from(["", "", "Europe/Berlin", "Asia/Kolkata", "America/New_York"]),
        "acd_status": st.sampled_from(["", "all", "READY;in_service", "DND;DND;offline"]),
        "user_id": st.sampled_from(["all", "1", "2;3"]),
        "percentiles": st.sampled_from(["", "", "50;90"]),
    }
)


def _params(q: dict[str, Any]) -> tuple[dict[str, str], int]:
    from_ms = (BASE + q["start"]) // 1000 * 1000
    to_ms = from_ms + q["length"] // 1000 * 1000
    now = NOW_MS if q["now_after"] is None else from_ms + q["now_after"]
    params = {
        "from_date": at(from_ms)[:19],
        "to_date": at(to_ms)[:19],
        **{k: q[k] for k in ("aggregation", "group", "timezone", "acd_status", "user_id")},
        "percentiles": q["percentiles"],
    }
    return params, now


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=HISTORY, questions=st.lists(QUESTION, min_size=1, max_size=4), seed=st.integers())
def test_answers_equal_the_reference(
    tmp_path_factory: Any, events: list[dict[str, Any]], questions: list[Any], seed: int
) -> None:
    db = Database(tmp_path_factory.mktemp("status") / "t.duckdb")
    try:
        for batch in split(events, random.Random(seed)):
            load(db, batch)
        load(db, [dict(e, status="BANNED") for e in events], account_id=2)
        for q in questions:
            params, now = _params(q)
            if status_oracle.request_time(params["from_date"], _zone(params)) >= (
                status_oracle.request_time(params["to_date"], _zone(params))
            ):
                continue  # a fold can make the local window empty: error 123, tested below
            want = orjson.dumps(status_oracle.answer(events, params, now))
            for rollups, in_database in ((True, False), (False, False), (True, True)):
                tuning = Tuning(rollups, "database" if in_database else "python")
                got = operator_status_statistics(DuckDBReader(db, tuning), 1, params, now=now)
                # Byte for byte, key order included: both renderings and the reference.
                assert orjson.dumps({"result": got}) == want, (params, now, rollups, in_database)
    finally:
        db.close()


def _zone(params: dict[str, str]) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(params["timezone"]) if params.get("timezone") else None


# --- hand-worked scenarios ---------------------------------------------------------------


def test_a_span_across_midnight_is_cut_at_the_day_start(db: Database) -> None:
    load(
        db,
        [
            ev("status", "22:30:00", u=7, s="READY"),
            ev("status", "2026-03-03 01:00:00.5", u=7, s="OFFLINE"),
        ],
    )
    window = {"from_date": "2026-03-02 00:00:00", "to_date": "2026-03-04 00:00:00"}
    assert table(ask(db, window, aggregation="day", acd_status="READY")) == [
        (7, "2026-03-02", "READY", 5400, 5400, 5400, 1, 5400),
        (7, "2026-03-03", "READY", 3601, 3601, 3601, 1, 3601),  # 3600.5 s, half up
    ]
    # With none, only the window cuts: one piece of 9000.5 s.
    assert table(ask(db, window, acd_status="READY")) == [(7, "READY", 9001, 9001, 9001, 1, 9001)]


def test_spans_are_cut_at_the_window_edges(db: Database) -> None:
    load(db, [ev("status", "09:50:00", u=7, s="READY"), ev("status", "10:20:00", u=7, s="DND")])
    got = ask(db, from_date="2026-03-02 10:00:00", to_date="2026-03-02 10:10:00")
    assert table(got) == [(7, "READY", 600, 600, 600, 1, 600)]


def test_equal_time_events_repeated_status_and_a_single_event(db: Database) -> None:
    load(
        db,
        [
            # Same instant: AFTER_SERVICE before READY (alphabetical): it lasts 0 ms, dropped.
            ev("status", "10:00:00", u=7, s="READY"),
            ev("status", "10:00:00", u=7, s="AFTER_SERVICE"),
            # A repeated status starts a new span: two READY samples, not one.
            ev("status", "10:10:00", u=7, s="READY"),
            ev("status", "10:30:00", u=7, s="OFFLINE"),
            # One event only: a span until E (to_date here).
            ev("status", "23:00:00", u=8, s="DND"),
        ],
    )
    assert table(ask(db)) == [
        (7, "OFFLINE", 48600, 48600, 48600, 1, 48600),
        (7, "READY", 600, 900, 1200, 2, 1800),
        (8, "DND", 3600, 3600, 3600, 1, 3600),
    ]


def test_an_open_span_ends_at_now_when_to_date_is_in_the_future(db: Database) -> None:
    load(db, [ev("status", "10:00:00", u=7, s="READY"), ev("status", "13:00:00", u=7, s="DND")])
    # now 12:00:30: READY is cut there; the DND that comes after now is ignored.
    got = ask(db, now="2026-03-02 12:00:30", aggregation="hour", to_date="2026-03-05 00:00:00")
    assert table(got) == [
        (7, "2026-03-02", 10, "READY", 3600, 3600, 3600, 1, 3600),
        (7, "2026-03-02", 11, "READY", 3600, 3600, 3600, 1, 3600),
        (7, "2026-03-02", 12, "READY", 30, 30, 30, 1, 30),
    ]
    # No to_date: the window ends at now as well.
    assert ask(db, now="2026-03-02 12:00:30", to_date="") == [
        {"user_id": "7", "statistics": [{"acd_status": [
            {"READY": {"min": 7230, "avg": 7230, "max": 7230, "count": 1, "sum": 7230}}]}]}
    ]  # fmt: skip


def test_hour_of_day_merges_the_same_hour_of_several_days(db: Database) -> None:
    load(
        db,
        [
            ev("status", "09:15:00", u=7, s="READY"),
            ev("status", "09:45:00", u=7, s="OFFLINE"),
            ev("status", "2026-03-03 09:00:00", u=7, s="READY"),
            ev("status", "2026-03-03 10:00:00", u=7, s="OFFLINE"),
        ],
    )
    got = ask(
        db,
        aggregation="hour_of_day",
        acd_status="ready",
        to_date="2026-03-04 00:00:00",
    )
    assert table(got) == [(7, 9, "READY", 1800, 2700, 3600, 2, 5400)]


def test_group_aggregation_and_the_server_options(db: Database) -> None:
    load(db, [ev("status", "10:00:00", u=8, s="READY"), ev("status", "10:00:00", u=7, s="DND")])
    got = ask(db, group="aggregation", aggregation="day")
    item = {"min": 50400, "avg": 50400, "max": 50400, "count": 1, "sum": 50400}
    assert got == [
        {
            "date": "2026-03-02",
            "statistics": [
                {"user_id": "7", "acd_status": [{"DND": item}]},
                {"user_id": "8", "acd_status": [{"READY": item}]},
            ],
        }
    ]
    ctx = CallContext(db, 1, now_ms=NOW_MS, user_id_as_number=True, status_detail_as_object=True)
    bare = call(find_method(METHOD), ctx, {**DAY_WINDOW, "user_id": "8"})
    assert bare == {"result": [{"user_id": 8, "statistics": [{"acd_status": {"READY": item}}]}]}


def test_nothing_to_show_is_an_empty_list(db: Database) -> None:
    load(db, [ev("status", "10:00:00", u=7, s="READY")])
    assert ask(db, group="aggregation", acd_status="DND") == []
    assert ask(db, acd_status="DND") == []
    assert ask(db, user_id="8") == []
    assert ask(db, account_id=2) == []
    # The window starts after now: E is before it, nothing is counted (not an error).
    assert ask(db, now="2026-03-01 00:00:00") == []


# --- errors, in the order of SPEC 7's table ----------------------------------------------


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from_date": ""}, 134),
        ({"from_date": "2026-03-02"}, 111),
        ({"to_date": "2026-02-30 00:00:00"}, 111),
        ({"user_id": ""}, 134),
        ({"user_id": "7;x"}, 117),
        ({"acd_status": "READY;PAUSED"}, 227),
        ({"acd_status": "READY;"}, 227),
        ({"aggregation": "Day"}, 228),
        ({"aggregation": "minute"}, 228),
        ({"group": "queue"}, 254),
        ({"timezone": "europe/berlin"}, 101),
        ({"percentiles": "0"}, 101),
        ({"format": "xml"}, 101),
        ({"to_date": "2026-03-02 00:00:00"}, 123),
        # the first failure answers
        ({"user_id": "x", "acd_status": "x", "aggregation": "x"}, 117),
        ({"acd_status": "x", "aggregation": "x", "group": "x"}, 227),
        ({"group": "x", "timezone": "x"}, 254),
        ({"timezone": "x", "to_date": "2026-03-01 00:00:00"}, 101),
    ],
)
def test_errors(db: Database, params: dict[str, str], code: int) -> None:
    answer = ask(db, params)
    assert answer["error"]["code"] == code, answer


def test_parameters_the_method_does_not_take_are_ignored(db: Database) -> None:
    load(db, [ev("status", "10:00:00", u=7, s="READY")])
    plain = ask(db)
    assert ask(db, by_queue="maybe", service_level="x", acd_queue_id="x", report="x") == plain
    assert ask(db, acd_status=" all ") == plain == ask(db, acd_status="ALL")


# --- acdstats query and serve: --now and --status-detail-as-object --------------------------


def test_query_command_fixes_the_clock_and_takes_the_server_options(tmp_path: Any) -> None:
    import json

    from click.testing import CliRunner

    from acdstats.cli.main import main

    db_path = str(tmp_path / "cli.duckdb")
    runner = CliRunner()
    out = runner.invoke(main, ["account", "create", "--db", db_path, "--name", "A"])
    account = str(json.loads(out.output)["account_id"])
    events = tmp_path / "events.jsonl"
    events.write_text(json.dumps(ev("status", "10:00:00", u=7, s="READY")) + "\n")
    assert (
        runner.invoke(
            main, ["import", "--db", db_path, "--account-id", account, str(events)]
        ).exit_code
        == 0
    )
    base = ["query", "--db", db_path, "--account-id", account, METHOD]
    args = ["from_date=2026-03-02 00:00:00", "user_id=all"]
    out = runner.invoke(main, [*base[:-1], "--now", "2026-03-02 10:00:01", METHOD, *args])
    assert out.exit_code == 0, out.output
    item = {"min": 1, "avg": 1, "max": 1, "count": 1, "sum": 1}
    assert json.loads(out.output) == {
        "result": [{"user_id": "7", "statistics": [{"acd_status": [{"READY": item}]}]}]
    }
    out = runner.invoke(
        main,
        [*base[:-1], "--now", "2026-03-02 10:00:01", "--status-detail-as-object", METHOD, *args],
    )
    assert json.loads(out.output)["result"][0]["statistics"][0]["acd_status"] == {"READY": item}
    for bad in ("2026-03-02", "2026-03-02T10:00:00", "2026-13-01 00:00:00"):
        out = runner.invoke(main, [*base[:-1], "--now", bad, METHOD, *args])
        assert out.exit_code == 2 and "--now" in out.output, out.output
        out = runner.invoke(main, ["serve", "--db", db_path, "--now", bad])
        assert out.exit_code == 2 and "--now" in out.output, out.output
    out = runner.invoke(main, [*base, "from_date=2026-03-02 00:00:00", "user_id=x"])
    assert out.exit_code == 1 and json.loads(out.output)["error"]["code"] == 117


@pytest.mark.parametrize("in_database", [False, True])
def test_the_answer_size_limit(db: Database, in_database: bool) -> None:
    load(db, [ev("status", "10:00:00", u=7, s="READY"), ev("status", "10:00:00", u=8, s="DND")])
    params = {**DAY_WINDOW, "user_id": "7;8", "aggregation": "hour"}
    cur = DuckDBReader(db, Tuning(renderer="database" if in_database else "python"))
    ok = operator_status_statistics(cur, 1, params, now=NOW_MS, max_records=28)
    assert len(orjson.loads(orjson.dumps(ok))) == 2  # 2 operators x 14 hours = 28 records
    with pytest.raises(ApiError) as info:
        operator_status_statistics(cur, 1, params, now=NOW_MS, max_records=27)
    assert info.value.code == 569


def test_csv_of_a_big_answer(db: Database) -> None:
    """All operators (an answer rendered in the database for JSON) as CSV."""
    load(db, [ev("status", "10:00:00", u=7, s="READY"), ev("status", "11:00:00", u=8, s="DND")])
    ctx = CallContext(db, 1, now_ms=NOW_MS)
    body = respond(find_method(METHOD), ctx, {**DAY_WINDOW, "user_id": "all", "format": "csv",
                                              "acd_status": "READY;DND"})  # fmt: skip
    assert body.decode().split("\r\n") == [
        "user_id,READY_min,READY_avg,READY_max,READY_count,READY_sum,"
        "DND_min,DND_avg,DND_max,DND_count,DND_sum",
        "7,50400,50400,50400,1,50400,,,,,",
        "8,,,,,,46800,46800,46800,1,46800",
        "",
    ]


@pytest.mark.parametrize("aggregation", ["hour", "day", "hour_of_day", "week", "month", "none"])
def test_a_window_from_year_one(db: Database, aggregation: str) -> None:
    """No bucket is made before the account's first span (else 17M hours would be)."""
    events = [ev("status", "22:00:00", u=7, s="READY"), ev("status", "23:30:00", u=7, s="DND")]
    load(db, events)
    params = {"from_date": "0001-01-01 00:00:00", "to_date": "2026-03-03 00:00:00",
              "user_id": "all", "aggregation": aggregation}  # fmt: skip
    want = status_oracle.answer(events, params, NOW_MS)
    for in_database in (False, True):
        tuning = Tuning(renderer="database" if in_database else "python")
        got = operator_status_statistics(DuckDBReader(db, tuning), 1, params, now=NOW_MS)
        assert orjson.dumps({"result": got}) == orjson.dumps(want)
    empty = operator_status_statistics(DuckDBReader(db), 2, params, now=NOW_MS)
    assert orjson.dumps(empty) == b"[]"
