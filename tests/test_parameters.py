"""GetACDOperatorStatistics parameter errors: each its code, in the order of SPEC 4's table."""

from __future__ import annotations

from typing import Any

import pytest

from acdstats.services.methods import CallContext, call, find_method
from acdstats.storage.db import Database
from tests.scenario import ev, load

OK = {"from_date": "2026-03-02 00:00:00", "to_date": "2026-03-03 00:00:00", "user_id": "all"}

CASES = [
    ({"from_date": None}, 134, "from_date"),
    ({"from_date": ""}, 134, "from_date"),
    ({"from_date": "2026-03-02"}, 111, "from_date"),
    ({"from_date": "2026-03-02T00:00:00"}, 111, "from_date"),
    ({"from_date": "2026-02-30 00:00:00"}, 111, "from_date"),
    ({"from_date": "2026-03-02 24:00:00"}, 111, "from_date"),
    ({"to_date": "tomorrow"}, 111, "to_date"),
    ({"user_id": None}, 134, "user_id"),
    ({"user_id": "7;x"}, 117, "user_id"),
    ({"user_id": "7;"}, 117, "user_id"),
    ({"user_id": "0"}, 117, "user_id"),
    ({"user_id": "-3"}, 117, "user_id"),
    ({"user_id": "99999999999999999999"}, 117, "user_id"),
    ({"acd_queue_id": "q5"}, 218, "acd_queue_id"),
    ({"abbreviation": "yes"}, 101, "abbreviation"),
    ({"abbreviation": "tRUE"}, 101, "abbreviation"),
    ({"report": "AC;XYZ"}, 229, "XYZ"),
    ({"aggregation": "quarter"}, 228, "aggregation"),  # week and month exist (SPEC 8.1)
    ({"aggregation": "DAY"}, 228, "aggregation"),
    ({"group": "queue"}, 254, "group"),
    ({"to_date": "2026-03-02 00:00:00"}, 123, "from_date"),
    ({"to_date": "2026-03-01 00:00:00"}, 123, "from_date"),
    # The first failing parameter in table order answers.
    ({"from_date": "bad", "user_id": "bad"}, 111, "from_date"),
    ({"user_id": "bad", "report": "bad"}, 117, "user_id"),
    ({"report": "bad", "aggregation": "bad"}, 229, "report"),
    ({"aggregation": "bad", "to_date": "2026-03-01 00:00:00"}, 228, "aggregation"),
]


@pytest.mark.parametrize("change, code, named", CASES)
def test_parameter_error(
    db: Database, change: dict[str, str | None], code: int, named: str
) -> None:
    params = {k: v for k, v in {**OK, **change}.items() if v is not None}
    answer = call(find_method("GetACDOperatorStatistics"), CallContext(db, 1), params)
    assert answer["error"]["code"] == code
    assert named in answer["error"]["msg"]


@pytest.mark.parametrize("value", ["true", "false", "True", "False", "TRUE", "FALSE", "1", "0"])
def test_booleans(db: Database, value: str) -> None:
    answer = call(
        find_method("GetACDOperatorStatistics"), CallContext(db, 1), {**OK, "abbreviation": value}
    )
    assert answer == {"result": []}


def test_answer_size_limit_is_an_error_not_a_cap(db: Database) -> None:
    load(
        db,
        [
            e
            for r in range(3)
            for e in (
                ev("offered", f"1{r}:00:00", r=f"r{r}", u=7, q=5),
                ev("unanswered", f"1{r}:00:01", r=f"r{r}", u=7),
            )
        ],
    )
    method = find_method("GetACDOperatorStatistics")
    params = {**OK, "aggregation": "hour"}
    assert (
        len(call(method, CallContext(db, 1, max_records=3), params)["result"][0]["statistics"]) == 3
    )
    answer = call(method, CallContext(db, 1, max_records=2), params)
    assert answer["error"]["code"] == 569
    assert "max_records" in answer["error"]["msg"]


def test_to_date_defaults_to_now(db: Database) -> None:
    load(db, [ev("offered", "10:00:00", r="r", u=7, q=5), ev("unanswered", "10:00:01", r="r", u=7)])
    params = {"from_date": "2026-03-02 00:00:00", "user_id": "all", "report": "UAC"}
    answer = call(find_method("GetACDOperatorStatistics"), CallContext(db, 1), params)
    assert answer == {"result": [{"user_id": "7", "statistics": [{"UAC": 1}]}]}


def test_unknown_and_missing_method() -> None:
    from acdstats.errors import ApiError

    with pytest.raises(ApiError) as missing:
        find_method("")
    assert missing.value.code == 102
    with pytest.raises(ApiError) as unknown:
        find_method("GetEverything")
    assert unknown.value.code == 103


def test_spaces_around_list_elements_are_ignored(db: Database) -> None:
    load(db, [ev("offered", "10:00:00", r="r", u=7, q=5), ev("unanswered", "10:00:01", r="r", u=7)])
    method = find_method("GetACDOperatorStatistics")
    day = {"from_date": "2026-03-02 00:00:00", "to_date": "2026-03-03 00:00:00", "report": "UAC"}

    def answer(**params: str) -> dict[str, Any]:
        return call(method, CallContext(db, 1), {**day, **params})

    spaced = answer(user_id=" 7 ; 8", acd_queue_id="5 ;6")
    assert spaced == answer(user_id="7;8", acd_queue_id="5;6")
    assert spaced == {"result": [{"user_id": "7", "statistics": [{"UAC": 1}]}]}
    assert answer(user_id="7; ;8")["error"]["code"] == 117  # an empty element: malformed
