"""GetACDOperatorStatusStatistics with format=csv (SPEC 8.4), on the worked example s03."""

from __future__ import annotations

import json

import orjson

from acdstats.domain.timefmt import parse_request_time
from acdstats.importers.jsonl_csv import read_jsonl
from acdstats.services.ingest import ingest
from acdstats.services.methods import CallContext, find_method, respond
from acdstats.storage.db import Database
from tests.conftest import MORE_EXAMPLES

S03 = next(MORE_EXAMPLES.glob("s03-*"))


def test_status_statistics_as_csv(db: Database) -> None:
    with (S03 / "events.jsonl").open("rb") as stream:
        assert ingest(db, 1, read_jsonl(stream)).rejected == []
    request = json.loads((S03 / "request.json").read_text())
    ctx = CallContext(db, 1, now_ms=parse_request_time(request["now"]))
    method = find_method(request["method"])
    params = {**request["params"], "acd_status": "ready;DND", "percentiles": "50"}
    body = respond(method, ctx, {**params, "format": "csv"})
    assert body == (
        b"user_id,hour,READY_min,READY_avg,READY_max,READY_count,READY_sum,READY_p50,"
        b"DND_min,DND_avg,DND_max,DND_count,DND_sum,DND_p50\r\n"
        b"7,1,3600,3600,3600,1,3600,3600,,,,,,\r\n"
        b"7,2,1800,2700,3600,2,5400,1800,1800,1800,1800,1,1800,1800\r\n"
    )
    assert getattr(body, "media_type", "") == "text/csv; charset=utf-8"
    nothing = respond(method, ctx, {**params, "format": "csv", "user_id": "99"})
    assert nothing.count(b"\r\n") == 1  # the header, even with no records
    error = respond(method, ctx, {**params, "format": "csv", "timezone": "berlin"})
    assert orjson.loads(error)["error"]["code"] == 101
