"""The database's batch check (storage.incoming) decides every line exactly as the plain
Python reference of SPEC 3 does (tests/reference_validation.py), and keeps the same values."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acdstats.domain.events import InvalidRecord
from acdstats.storage.incoming import check_batch
from tests.reference_validation import Event, OfferRecord, parse_record

FIELDS = ["type", "at", "request_id", "user_id", "queue_id", "status", "event_id", "account_id",
          "offered_at", "answered_at", "ended_at", "acw_ended_at"]  # fmt: skip
TYPES = ["enqueued", "offered", "answered", "unanswered", "hangup", "abandoned", "rejected",
         "status", "offer", "", "Offered"]  # fmt: skip
TIMES = ["2026-03-02 10:00:00", "2026-03-02 10:00:00.5", "2026-03-02T10:00:00.1234567Z",
         "2026-03-02T13:00:00.999999+03:00", "2026-03-02T10:00:00-00:30",
         "2026-02-29 10:00:00", "2028-02-29 23:59:59.001", "2026-03-02 24:00:00",
         "2026-03-02T10:00:00", "0000-01-01 00:00:00", "2026-03-02 10:00:00Z",
         "2026-03-02T10:00:00+24:00", " 2026-03-02 10:00:00", "2026-3-2 10:00:00",
         "2026-03-02 10:00:60", "2026-03-02 10:00:07.400"]  # fmt: skip
values = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 2**64 - 1), st.sampled_from([7.0, 1.5, -0.0]),
    st.sampled_from(TYPES), st.sampled_from(TIMES),
    st.sampled_from(["7", "007", "0", "-7", "7a", " 7", "٣", "1", "r-1", "", "READY", "DND",
                     "ready", "AFTER_SERVICE", "9223372036854775807", "9223372036854775808"]),
    st.lists(st.integers(0, 3), max_size=2),
)  # fmt: skip


def _reference(raw: dict[str, Any]) -> tuple[Any, ...] | None:
    try:
        record = parse_record(raw, 1)
    except InvalidRecord:
        return None
    if isinstance(record, Event):
        return (record.type, record.at, record.request_id, record.user_id, record.queue_id,
                record.status, record.event_id)  # fmt: skip
    assert isinstance(record, OfferRecord)
    return ("offer", record.request_id, record.user_id, record.queue_id, record.offered_at,
            record.answered_at, record.ended_at, record.acw_ended_at)  # fmt: skip


@pytest.fixture(scope="module")
def duck() -> Iterator[duckdb.DuckDBPyConnection]:
    """One in-memory DuckDB for every example (opening one costs ~25 ms of catalog set-up):
    each example checks on a cursor of its own, a connection with its own temp tables."""
    con = duckdb.connect()
    yield con
    con.close()


@settings(max_examples=300, deadline=None)
@given(records=st.lists(st.dictionaries(st.sampled_from(FIELDS), values, max_size=9),
                        min_size=1, max_size=25))  # fmt: skip
def test_sql_check_equals_the_python_reference(
    duck: duckdb.DuckDBPyConnection, records: list[dict[str, Any]]
) -> None:
    n = len(records)
    with duck.cursor() as con:
        check_batch(con, 1, list(range(1, n + 1)),
                    [orjson.dumps(r).decode() for r in records], [None] * n)  # fmt: skip
        rows = con.execute(
            "SELECT line, reason, type, at_ms, request_id, user_id, queue_id, status, event_id, "
            "offered_ms, answered_ms, ended_ms, acw_ms FROM checked ORDER BY line"
        ).fetchall()
    for raw, row in zip(records, rows, strict=True):
        _, reason, kind, at, request, user, queue, status, event_id, *times = row
        expected = _reference(raw)
        if expected is None:
            assert reason is not None, f"accepted {raw} that the reference rejects"
            continue
        assert reason is None, f"rejected {raw}: {reason}"
        if kind == "offer":
            assert ("offer", request, user, queue, *times) == expected, raw
        else:
            assert (kind, at, request, user, queue, status, event_id) == expected, raw
