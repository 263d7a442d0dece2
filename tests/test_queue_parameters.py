"""GetACDQueueStatistics parameters and settings: each error its code, in SPEC 6's order
(then section 8's, then the date range); the service-level settings of the server and the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from acdstats.cli.main import main
from acdstats.config import Settings, load_settings
from acdstats.domain.queue_metrics import fraction, percent
from acdstats.services.methods import CallContext, call, find_method
from acdstats.storage.db import Database
from tests.scenario import ev, load

METHOD = find_method("GetACDQueueStatistics")
OK = {"from_date": "2026-03-02 00:00:00", "to_date": "2026-03-03 00:00:00"}

CASES = [
    ({"from_date": None}, 134, "from_date"),
    ({"from_date": ""}, 134, "from_date"),
    ({"from_date": "2026-03-02"}, 111, "from_date"),
    ({"from_date": "2026-02-30 00:00:00"}, 111, "from_date"),
    ({"from_date": "0000-03-02 00:00:00"}, 111, "from_date"),
    ({"to_date": "tomorrow"}, 111, "to_date"),
    ({"acd_queue_id": "q5"}, 218, "acd_queue_id"),
    ({"acd_queue_id": "5;"}, 218, "acd_queue_id"),
    ({"acd_queue_id": "0"}, 218, "acd_queue_id"),
    ({"abbreviation": "yes"}, 101, "abbreviation"),
    ({"report": "WT;XYZ"}, 229, "XYZ"),
    ({"report": "TDT"}, 229, "TDT"),  # an operator item, not a queue item
    ({"report": "WT;"}, 229, "report"),
    ({"aggregation": "DAY"}, 228, "aggregation"),
    ({"aggregation": "minute"}, 228, "aggregation"),
    ({"by_queue": "yes"}, 101, "by_queue"),
    ({"service_level": "0"}, 101, "service_level"),
    ({"service_level": "3601"}, 101, "service_level"),
    ({"service_level": "+5"}, 101, "service_level"),
    ({"service_level": "5.0"}, 101, "service_level"),
    ({"service_level": "10;;20"}, 101, "service_level"),
    ({"to_date": "2026-03-02 00:00:00"}, 123, "from_date"),
    ({"to_date": "2026-03-01 00:00:00"}, 123, "from_date"),
    # The first failing parameter answers: the table's order, then section 8's, then 123.
    ({"from_date": "bad", "acd_queue_id": "bad"}, 111, "from_date"),
    ({"acd_queue_id": "bad", "report": "bad"}, 218, "acd_queue_id"),
    ({"abbreviation": "bad", "report": "bad"}, 101, "abbreviation"),
    ({"report": "bad", "aggregation": "bad"}, 229, "report"),
    ({"aggregation": "bad", "by_queue": "bad"}, 228, "aggregation"),
    ({"by_queue": "bad", "service_level": "bad"}, 101, "by_queue"),
    ({"service_level": "bad", "to_date": "2026-03-01 00:00:00"}, 101, "service_level"),
]


@pytest.mark.parametrize(("change", "code", "named"), CASES)
def test_parameter_error(
    db: Database, change: dict[str, str | None], code: int, named: str
) -> None:
    params = {k: v for k, v in {**OK, **change}.items() if v is not None}
    answer = call(METHOD, CallContext(db, 1), params)
    assert answer["error"]["code"] == code
    assert named in answer["error"]["msg"]


def _answer(db: Database, ctx: CallContext | None = None, **params: str) -> Any:
    return call(METHOD, ctx or CallContext(db, 1), {**OK, **params})


@pytest.fixture
def loaded(db: Database) -> Database:
    # Queue 5: a answered after 12 s, b abandoned after 26 s, c rejected at once (q01).
    load(
        db,
        [
            ev("enqueued", "10:00:00", r="a", q=5),
            ev("offered", "10:00:04", r="a", u=7),
            ev("answered", "10:00:12.400", r="a", u=7),
            ev("hangup", "10:02:12.400", r="a"),
            ev("enqueued", "10:00:05", r="b", q=5),
            ev("abandoned", "10:00:30.500", r="b"),
            ev("enqueued", "10:00:10", r="c", q=5),
            ev("rejected", "10:00:10.200", r="c"),
        ],
    )
    return db


def test_ignored_and_empty_parameters(loaded: Database) -> None:
    plain = _answer(loaded)
    # user_id and group are not parameters of this method; empty optional values = defaults.
    assert _answer(loaded, user_id="garbage", group="garbage", cmd="x") == plain
    empty = {"acd_queue_id": "", "report": "", "aggregation": "", "abbreviation": ""}
    assert _answer(loaded, None, **empty, by_queue="", service_level="") == plain
    assert _answer(loaded, acd_queue_id="ALL") == plain
    assert _answer(loaded, report="all") == plain
    assert _answer(loaded, acd_queue_id="6;77")["result"] == []


def test_report_order_names_and_case(loaded: Database) -> None:
    (element,) = _answer(loaded, report="rc;WaitingTime;wt;TC;SERVICELEVEL")["result"]
    assert list(element) == ["RC", "WT", "TC", "SL"]
    (element,) = _answer(loaded, report="RC;QL;TST", abbreviation="false")["result"]
    assert list(element) == ["RejectedCalls", "QueueLength", "TotalSubmissionTime"]
    (element,) = _answer(loaded, abbreviation="0")["result"]
    assert list(element) == [
        "WaitingTime", "SpeedOfAnswer", "AbandonmentTime", "TalkTime", "AfterCallWork",
        "HandlingTime", "QueueLength", "TotalCalls", "AnsweredCalls", "UnansweredCalls",
        "RejectedCalls", "ServiceLevel", "TotalWaitingTime", "TotalSubmissionTime",
        "TotalAbandonmentTime", "TotalHandlingTime", "TotalTalkTime", "TotalAfterCallWork",
    ]  # fmt: skip


def test_service_level_thresholds_server_setting_and_request(loaded: Database) -> None:
    def levels(answer: Any) -> list[tuple[int, int, Any]]:
        return [tuple(x.values()) for x in answer["result"][0]["SL"]]

    # Default 20;30;60: a waited 12 s (answered), so 1 of 3 calls for each.
    assert levels(_answer(loaded, report="SL")) == [(20, 1, 33), (30, 1, 33), (60, 1, 33)]
    ctx = CallContext(loaded, 1, service_level_thresholds=(5, 12))
    assert levels(_answer(loaded, ctx, report="SL")) == [(5, 0, 0), (12, 1, 33)]
    # The request's own list wins, sorted, duplicates merged, 05 is 5, spaces ignored.
    assert levels(_answer(loaded, ctx, report="SL", service_level="60; 05;11;60")) == [
        (5, 0, 0),
        (11, 0, 0),
        (60, 1, 33),
    ]
    fractions = CallContext(loaded, 1, service_level_as_fraction=True)
    assert levels(_answer(loaded, fractions, report="SL", service_level="12")) == [(12, 1, 0.3333)]


def test_fraction_is_written_in_its_shortest_decimal_form() -> None:
    assert orjson.dumps([fraction(n, t) for n, t in ((1, 3), (1, 2), (3, 3), (0, 5), (1, 8))]) == (
        b"[0.3333,0.5,1,0,0.125]"
    )
    # Every value the rule can give: 4 decimals at most, never an exponent.
    for k in range(10_001):
        text = orjson.dumps(fraction(k, 10_000)).decode()
        assert "e" not in text.lower()
        expected = f"{k / 10_000:.4f}".rstrip("0").rstrip(".") if k % 10_000 else str(k // 10_000)
        assert text == expected
    assert percent(1, 8) == 13 and percent(1, 3) == 33 and percent(2, 3) == 67
    assert fraction(1, 20000) == 0.0001 and fraction(1, 20001) == 0


def test_answer_size_limit(loaded: Database) -> None:
    answer = _answer(loaded, CallContext(loaded, 1, max_records=1), aggregation="hour")
    assert "result" in answer
    load(loaded, [ev("enqueued", "11:00:00", r="d", q=5), ev("abandoned", "11:00:01", r="d")])
    answer = _answer(loaded, CallContext(loaded, 1, max_records=1), aggregation="hour")
    assert answer["error"]["code"] == 569


def test_settings_validate_thresholds() -> None:
    assert Settings().thresholds == (20, 30, 60)
    assert Settings(service_level_thresholds="60;10;10").thresholds == (10, 60)
    for bad in ("", "0", "3601", "20;x", "20;;30", "-5"):
        with pytest.raises(ValueError, match="service_level_thresholds"):
            Settings(service_level_thresholds=bad)
    environ = {"ACDSTATS_SERVICE_LEVEL_THRESHOLDS": "15", "ACDSTATS_SERVICE_LEVEL_AS_FRACTION": "1"}
    settings = load_settings({}, environ)
    assert settings.thresholds == (15,) and settings.service_level_as_fraction


def test_serve_stops_on_invalid_thresholds(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["serve", "--db", str(tmp_path / "s.duckdb"), "--service-level-thresholds", "20;x"]
    )
    assert result.exit_code != 0
    assert "service_level_thresholds" in result.output and "'x'" in result.output


def test_query_takes_the_service_level_settings(loaded: Database, tmp_path: Path) -> None:
    path = loaded.path
    loaded.close()
    base = ["query", "GetACDQueueStatistics", "--account-id", "1", "--db", str(path)]
    base += [f"{k}={v}" for k, v in OK.items()] + ["report=SL"]
    runner = CliRunner()
    assert (
        runner.invoke(main, ["account", "create", "--name", "A", "--db", str(path)]).exit_code == 0
    )
    result = runner.invoke(
        main, [*base, "--service-level-thresholds", "12;5", "--service-level-as-fraction"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["result"][0]["SL"] == [
        {"acceptable_waiting_time": 5, "call_count": 0, "service_level": 0},
        {"acceptable_waiting_time": 12, "call_count": 1, "service_level": 0.3333},
    ]
    bad = runner.invoke(main, [*base, "--service-level-thresholds", "0"])
    assert bad.exit_code == 2 and "--service-level-thresholds" in bad.output
