"""POST /events (SPEC 3.4): statuses, reports, limits, and queries that see acknowledged pushes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from acdstats.config import Settings
from acdstats.storage.db import Database
from acdstats.web.app import create_app
from tests.authkit import new_key, token
from tests.scenario import ev
from tests.webkit import TestClient, running_server

CALL = [
    ev("offered", "10:00:00", r="r1", u=7, q=5),
    ev("answered", "10:00:04", r="r1", u=7),
    ev("hangup", "10:02:04", r="r1"),
]
STATS = {
    "cmd": "GetACDOperatorStatistics",
    "from_date": "2026-03-02 00:00:00",
    "to_date": "2026-03-03 00:00:00",
    "user_id": "all",
    "report": "AC;SA;TT",
}


def ndjson(events: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(e) + b"\n" for e in events)


@pytest.fixture
def owner(db: Database) -> dict[str, Any]:
    return new_key(db, ["Owner"])


def make_client(db: Database, **settings: Any) -> TestClient:
    return TestClient(create_app(Settings(**settings), db))


def push(
    client: TestClient,
    credentials: dict[str, Any],
    body: bytes,
    content_type: str = "application/x-ndjson",
) -> httpx.Response:
    response: httpx.Response = client.post(
        "/events",
        content=body,
        headers={"Authorization": "Bearer " + token(credentials), "Content-Type": content_type},
    )
    return response


def test_ndjson_batch_is_stored_and_counted(db: Database, owner: dict[str, Any]) -> None:
    with make_client(db) as client:
        body = ndjson(CALL) + b"{oops\n" + orjson.dumps(ev("status", "10:02:04", u=7, s="BUSY"))
        answer = push(client, owner, body)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"
        result = answer.json()["result"]
        assert (result["stored"], result["duplicates"], result["orphaned"]) == (3, 0, 0)
        assert [r["line"] for r in result["rejected"]] == [4, 5]
        assert "status" in result["rejected"][1]["reason"]
        again = push(client, owner, ndjson(CALL + [ev("answered", "11:00:00", r="r9", u=7)]))
        assert again.json()["result"] == {
            "stored": 1,
            "duplicates": 3,
            "replaced": 0,
            "orphaned": 1,
            "rejected": [],
        }
        stats = client.post(
            "/platform_api", data=STATS, headers={"Authorization": "Bearer " + token(owner)}
        ).json()
        assert stats == {
            "result": [
                {
                    "user_id": "7",
                    "statistics": [
                        {
                            "AC": 1,
                            "SA": {"min": 4, "avg": 4, "max": 4, "count": 1, "sum": 4},
                            "TT": {"min": 120, "avg": 120, "max": 120, "count": 1, "sum": 120},
                        }
                    ],
                }
            ]
        }


def test_json_array_batch(db: Database, owner: dict[str, Any]) -> None:
    with make_client(db) as client:
        answer = push(client, owner, orjson.dumps([*CALL, 42]), "application/json")
        assert answer.status_code == 200
        assert answer.json()["result"]["stored"] == 3
        assert answer.json()["result"]["rejected"] == [{"line": 4, "reason": "not a JSON object"}]


@pytest.mark.parametrize("body", [b"[1, 2", b"hello world\nnot json either", b"\xff\xfe\x00"])
def test_a_body_that_is_not_json_is_400(db: Database, owner: dict[str, Any], body: bytes) -> None:
    with make_client(db) as client:
        answer = push(client, owner, body)
        assert answer.status_code == 400
        assert set(answer.json()["error"]) == {"msg", "code"}


def test_token_and_role_failures(db: Database, owner: dict[str, Any]) -> None:
    supervisor = new_key(db, ["Supervisor"], account_id=owner["account_id"])
    with make_client(db) as client:
        no_token = client.post("/events", content=ndjson(CALL))
        assert no_token.status_code == 401 and no_token.json()["error"]["code"] == 100
        garbage = client.post(
            "/events", content=ndjson(CALL), headers={"Authorization": "Bearer abc"}
        )
        assert garbage.status_code == 401 and garbage.json()["error"]["code"] == 447
        expired = client.post(
            "/events",
            content=ndjson(CALL),
            headers={"Authorization": "Bearer " + token(owner, iat=1_000_000_000)},
        )
        assert expired.status_code == 401 and expired.json()["error"]["code"] == 456
        forbidden = push(client, supervisor, ndjson(CALL))
        assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == 104
    assert db.reader().execute("SELECT count(*) FROM request_events").fetchall() == [(0,)]


def test_limits_answer_413_and_store_nothing(db: Database, owner: dict[str, Any]) -> None:
    with make_client(db, max_batch_lines=2) as client:
        answer = push(client, owner, ndjson(CALL))
        assert answer.status_code == 413 and "limit of 2" in answer.json()["error"]["msg"]
    with make_client(db, max_body_bytes=100) as client:
        answer = push(client, owner, ndjson(CALL))
        assert answer.status_code == 413 and "100 bytes" in answer.json()["error"]["msg"]
    assert db.reader().execute("SELECT count(*) FROM request_events").fetchall() == [(0,)]


def test_rate_limit_is_429(db: Database, owner: dict[str, Any]) -> None:
    with make_client(db, rate_limit=0.001, rate_burst=1) as client:
        assert push(client, owner, ndjson(CALL)).status_code == 200
        limited = push(client, owner, ndjson(CALL))
        assert limited.status_code == 429 and limited.json()["error"]["code"] == 340


def test_the_account_is_the_tokens(db: Database, owner: dict[str, Any]) -> None:
    other = new_key(db, ["Owner"])
    with make_client(db) as client:
        body = ndjson([{**CALL[0], "account_id": other["account_id"]}, CALL[1]])
        result = push(client, owner, body).json()["result"]
        assert result["stored"] == 1 and result["rejected"][0]["line"] == 1
        assert "account_id" in result["rejected"][0]["reason"]


def test_writer_stuck_answers_503_and_stores_nothing(
    db: Database, owner: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import acdstats.web.ingest as ingest_route

    monkeypatch.setattr(ingest_route, "WRITE_WAIT_S", 0.05)
    with make_client(db) as client, db.writer():  # another writer holds the database
        answer = push(client, owner, ndjson(CALL))
        assert answer.status_code == 503 and "nothing" in answer.json()["error"]["msg"]
    assert db.reader().execute("SELECT count(*) FROM request_events").fetchall() == [(0,)]


def _calls(writer: int, n: int) -> Iterator[dict[str, Any]]:
    for i in range(n):
        request, user = f"w{writer}-{i}", 100 + writer
        minute = f"{10 + i // 60:02d}:{i % 60:02d}"
        yield ev("offered", f"{minute}:00", r=request, u=user, q=5)
        yield ev("answered", f"{minute}:02", r=request, u=user)
        yield ev("hangup", f"{minute}:32", r=request)


def test_concurrent_pushes_and_queries_see_every_acknowledged_push(
    db: Database, owner: dict[str, Any]
) -> None:
    """4 pushers and 4 readers at once over real HTTP; each read after an ack sees the ack."""
    app = create_app(Settings(), db)
    failures: list[str] = []
    acknowledged = {w: 0 for w in range(4)}

    def pusher(port: int, w: int) -> None:
        events = list(_calls(w, 60))
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            for start in range(0, len(events), 30):
                answer = http.post(
                    "/events",
                    content=ndjson(events[start : start + 30]),
                    headers={"Authorization": "Bearer " + token(owner)},
                )
                if answer.status_code != 200 or answer.json()["result"]["stored"] != 30:
                    failures.append(f"push {w}: {answer.status_code} {answer.text}")
                    return
                acknowledged[w] += 10
                seen = _answered(http, owner, 100 + w)
                if seen < acknowledged[w]:
                    failures.append(f"writer {w}: {acknowledged[w]} acknowledged, {seen} seen")

    def reader(port: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            for _ in range(20):
                before = sum(acknowledged.values())
                seen = _answered(http, owner, None)
                if seen < before:
                    failures.append(f"reader: {before} acknowledged before, {seen} seen")

    def recorded(work: Any, *args: Any) -> None:
        try:
            work(*args)
        except Exception as exc:  # a dead thread must fail the test, not vanish
            failures.append(f"{work.__name__}: {exc!r}")

    with running_server(app) as port:
        threads = [threading.Thread(target=recorded, args=(pusher, port, w)) for w in range(4)]
        threads += [threading.Thread(target=recorded, args=(reader, port)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert failures == []
    assert sum(acknowledged.values()) == 240


def _answered(http: httpx.Client, credentials: dict[str, Any], user: int | None) -> int:
    params = {**STATS, "report": "AC", "user_id": "all" if user is None else str(user)}
    answer = http.post(
        "/platform_api", data=params, headers={"Authorization": "Bearer " + token(credentials)}
    ).json()
    return sum(s["AC"] for group in answer["result"] for s in group["statistics"])
