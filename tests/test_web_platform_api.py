"""platform_api over HTTP (ASGI, in process): paths, verbs, bodies as each client sends them."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from acdstats.config import Settings
from acdstats.importers.jsonl_csv import read_jsonl
from acdstats.services.ingest import ingest
from acdstats.services.methods import METHODS, CallContext, Method, call, respond
from acdstats.storage.db import Database
from acdstats.web.app import create_app
from tests.authkit import new_key, token
from tests.conftest import MORE_EXAMPLES
from tests.webkit import TestClient, seed

QUERY = {
    "from_date": "2026-03-01 00:00:00",
    "to_date": "2026-04-01 00:00:00",
    "user_id": "all",
    "aggregation": "day",
}
STATS = "GetACDOperatorStatistics"


@pytest.fixture
def owner(db: Database) -> dict[str, Any]:
    credentials = new_key(db, ["Owner"])
    seed(db, credentials["account_id"], 1, (7, 8, 9))
    return credentials


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(), db), raise_server_exceptions=False) as c:
        yield c


def auth(credentials: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": "Bearer " + token(credentials)}


def expected(db: Database, credentials: dict[str, Any], params: dict[str, str]) -> Any:
    return call(METHODS[STATS], CallContext(db, credentials["account_id"]), params)


def body_of(response: Any) -> Any:
    assert response.headers["content-type"] == "application/json"
    return response.json()


def test_python_client_form_with_cmd(db: Database, client: TestClient, owner: Any) -> None:
    answer = client.post("/platform_api", data={**QUERY, "cmd": STATS}, headers=auth(owner))
    assert answer.status_code == 200
    assert body_of(answer) == expected(db, owner, QUERY)
    assert len(body_of(answer)["result"]) == 3  # operators 7, 8 and 9 have data


@pytest.mark.parametrize(
    "path", ["/platform_api/" + STATS, "/platform_api/" + STATS + "/", "/platform_api/"]
)
def test_get_with_query_string(db: Database, client: TestClient, owner: Any, path: str) -> None:
    params = {**QUERY, "cmd": STATS} if path == "/platform_api/" else QUERY
    answer = client.get(path, params=params, headers=auth(owner))
    assert body_of(answer) == expected(db, owner, QUERY)


def test_path_wins_over_cmd(db: Database, client: TestClient, owner: Any) -> None:
    answer = client.post(
        "/platform_api/" + STATS, data={**QUERY, "cmd": "GetRoles"}, headers=auth(owner)
    )
    assert body_of(answer) == expected(db, owner, QUERY)


def test_query_and_body_merge_body_wins(db: Database, client: TestClient, owner: Any) -> None:
    answer = client.post(
        "/platform_api/" + STATS + "?user_id=7&aggregation=hour",
        data={k: v for k, v in QUERY.items() if k != "user_id"},
        headers=auth(owner),
    )
    assert body_of(answer) == expected(db, owner, {**QUERY, "user_id": "7"})


def test_unknown_params_are_ignored(db: Database, client: TestClient, owner: Any) -> None:
    answer = client.post(
        "/platform_api/" + STATS,
        data={**QUERY, "account_id": "424242", "api_key": "x", "cmd": STATS},
        headers=auth(owner),
    )
    assert body_of(answer) == expected(db, owner, QUERY)


def multipart(fields: dict[str, str], boundary: str, style: str) -> bytes:
    """A multipart body written the way one official client writes it."""
    parts = []
    for name, value in fields.items():
        data = value.encode()
        if style == "go":  # mime/multipart Writer.WriteField
            head = f'Content-Disposition: form-data; name="{name}"'
        elif style in ("java", "php"):  # OkHttp addFormDataPart / Guzzle multipart
            head = f'Content-Disposition: form-data; name="{name}"\r\nContent-Length: {len(data)}'
        elif style == "dotnet":  # MultipartFormDataContent + StringContent
            head = (
                "Content-Type: text/plain; charset=utf-8\r\n"
                f"Content-Disposition: form-data; name={name}"  # .NET leaves the name unquoted
            )
        elif style == "node":  # form-data package
            head = f'Content-Disposition: form-data; name="{name}"'
        else:  # a field sent as a file part
            head = (
                f'Content-Disposition: form-data; name="{name}"; filename="{name}.txt"\r\n'
                "Content-Type: application/octet-stream"
            )
        parts.append(f"--{boundary}\r\n{head}\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


CLIENT_STYLES = {
    "go": ("8d5e7b3b8c7f4a0e2b4f3a3a1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b", False),
    "java": ("c7f8a1e2-0d1b-4a6a-9d5e-3f2b1c0a9e8d", False),
    "php": ("5f2a9c1e4b7d8e3f6a0b1c2d3e4f5a6b7c8d9e0f", False),
    "dotnet": ("2a3b4c5d-6e7f-8091-a2b3-c4d5e6f7a8b9", True),  # quoted in the header
    "node": ("--------------------------123456789012345678901234", False),
    "file": ("filepartboundary", False),
}


@pytest.mark.parametrize("style", list(CLIENT_STYLES))
def test_multipart_as_each_client_sends_it(
    db: Database, client: TestClient, owner: Any, style: str
) -> None:
    boundary, quoted = CLIENT_STYLES[style]
    fields = {**QUERY, "user_id": "7;9", "cmd": STATS}
    if style == "java":
        fields["account_id"] = str(owner["account_id"])  # the Java client always adds it
    path = "/platform_api/" + STATS + "/" if style == "dotnet" else "/platform_api"
    content_type = (
        f'multipart/form-data; boundary="{boundary}"'
        if quoted
        else (f"multipart/form-data; boundary={boundary}")
    )
    answer = client.post(
        path,
        content=multipart(fields, boundary, style),
        headers={**auth(owner), "Content-Type": content_type},
    )
    assert answer.status_code == 200
    result = body_of(answer)
    assert result == expected(db, owner, {**QUERY, "user_id": "7;9"})
    assert [group["user_id"] for group in result["result"]] == ["7", "9"]


@pytest.mark.parametrize(
    ("value", "ok"), [("true", True), ("False", True), ("TRUE", True), ("0", True), ("yes", False)]
)
def test_booleans_over_http(
    db: Database, client: TestClient, owner: Any, value: str, ok: bool
) -> None:
    params = {**QUERY, "abbreviation": value}
    answer = body_of(client.post("/platform_api/" + STATS, data=params, headers=auth(owner)))
    if ok:
        assert answer == expected(db, owner, params)
    else:
        assert answer["error"]["code"] == 101 and "abbreviation" in answer["error"]["msg"]


def test_check_order_method_token_role_params(db: Database, client: TestClient) -> None:
    support = new_key(db, ["Support"])

    def code(path: str, data: dict[str, str], headers: dict[str, str]) -> int:
        return int(body_of(client.post(path, data=data, headers=headers))["error"]["code"])

    bad = {"Authorization": "Bearer garbage"}
    assert code("/platform_api", {}, bad) == 102
    assert code("/platform_api/NoSuchMethod", {}, bad) == 103
    assert code("/platform_api/" + STATS, {}, bad) == 447
    assert code("/platform_api/" + STATS, {}, {}) == 100
    assert code("/platform_api/" + STATS, {}, auth(support)) == 104
    assert code("/platform_api/GetKeys", {}, auth(support)) == 104
    owner = new_key(db, ["Supervisor"])
    assert code("/platform_api/" + STATS, {"user_id": "all"}, auth(owner)) == 134
    assert code("/platform_api/" + STATS, {**QUERY, "user_id": "x"}, auth(owner)) == 117
    assert (
        code("/platform_api/" + STATS, {**QUERY, "to_date": QUERY["from_date"]}, auth(owner)) == 123
    )


def test_transport_faults_are_4xx_with_a_json_body(db: Database, owner: Any) -> None:
    app = create_app(Settings(max_body_bytes=1000), db)
    with TestClient(app) as small:
        big = small.post("/platform_api/" + STATS, data={"x": "y" * 2000}, headers=auth(owner))
        assert big.status_code == 413 and body_of(big)["error"]["code"] == 413
        broken = small.post(
            "/platform_api/" + STATS,
            content=b"--zz\r\nno headers here",
            headers={"Content-Type": "multipart/form-data; boundary=zz", **auth(owner)},
        )
        assert broken.status_code == 400 and "multipart" in body_of(broken)["error"]["msg"]
        assert body_of(small.get("/elsewhere"))["error"]["code"] == 404
        assert body_of(small.put("/platform_api"))["error"]["code"] == 405


def test_rate_limit_is_340_per_key(db: Database, owner: Any) -> None:
    other = new_key(db, ["Owner"], account_id=owner["account_id"])
    app = create_app(Settings(rate_limit=0.001, rate_burst=2), db)
    with TestClient(app) as limited:

        def code(credentials: Any) -> Any:
            answer = body_of(limited.post("/platform_api/GetRoles", headers=auth(credentials)))
            return answer.get("error", {}).get("code")

        assert [code(owner), code(owner), code(owner)] == [None, None, 340]
        assert code(other) is None


def test_an_internal_error_is_a_json_500_without_secrets(
    db: Database, client: TestClient, owner: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(ctx: CallContext, params: Any) -> Any:
        raise RuntimeError("boom")

    headers = auth(owner)
    METHODS["BrokenForTest"] = Method(frozenset({"Owner"}), broken)
    try:
        with caplog.at_level(logging.DEBUG):
            answer = client.post("/platform_api/BrokenForTest", headers=headers)
    finally:
        del METHODS["BrokenForTest"]
    assert answer.status_code == 500
    assert body_of(answer) == {"error": {"msg": "Internal server error", "code": 500}}
    assert "boom" in caplog.text
    assert headers["Authorization"][7:] not in caplog.text


def test_openapi_document_lists_the_methods(client: TestClient) -> None:
    document = body_of(client.get("/openapi.json"))
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {f"/platform_api/{name}" for name in METHODS} | {
        "/events", "/health", "/metrics"
    }  # fmt: skip
    # platform_api's statuses: 200 for every API-level answer, the rest transport faults
    assert set(document["paths"]["/platform_api/" + STATS]["post"]["responses"]) == {
        "200", "400", "408", "413", "503"
    }  # fmt: skip
    assert set(document["paths"]["/events"]["post"]["responses"]) == {
        "200", "400", "401", "403", "413", "429", "503"
    }  # fmt: skip
    get = document["paths"]["/platform_api/" + STATS]["get"]
    assert [p["name"] for p in get["parameters"]] == [
        "from_date", "to_date", "user_id", "acd_queue_id", "abbreviation", "report",
        "aggregation", "group", "timezone", "percentiles", "by_queue", "format",
    ]  # fmt: skip
    assert [p["name"] for p in get["parameters"] if p["required"]] == ["from_date", "user_id"]


def test_tenant_isolation_over_http(db: Database, client: TestClient) -> None:
    a = new_key(db, ["Owner"])
    b = new_key(db, ["Owner"])
    seed(db, a["account_id"], 1, (7, 8))
    seed(db, b["account_id"], 2, (107, 108))
    ask_b = {**QUERY, "user_id": "107;108"}
    answer = body_of(client.post("/platform_api/" + STATS, data=ask_b, headers=auth(a)))
    assert answer == {"result": []}
    answer = body_of(client.post("/platform_api/" + STATS, data=QUERY, headers=auth(a)))
    assert [g["user_id"] for g in answer["result"]] == ["7", "8"]
    assert answer == expected(db, a, QUERY)
    # B's own key does see B's data, so the empty answer above is isolation, not absence.
    answer = body_of(client.post("/platform_api/" + STATS, data=ask_b, headers=auth(b)))
    assert [g["user_id"] for g in answer["result"]] == ["107", "108"]


def test_csv_answer_is_sent_as_it_is(db: Database, client: TestClient, owner: Any) -> None:
    params = {**QUERY, "format": "csv", "timezone": "Europe/Berlin", "report": "AC;SA"}
    answer = client.post(f"/platform_api/{STATS}", data=params, headers=auth(owner))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    ctx = CallContext(db, owner["account_id"])
    assert answer.content == respond(METHODS[STATS], ctx, params)
    assert answer.content.startswith(b"user_id,date,AC,SA_min,SA_avg,SA_max,SA_count,SA_sum\r\n")
    assert answer.content.endswith(b"\r\n") and answer.content.count(b"\r\n") > 1


def test_csv_errors_stay_json(client: TestClient, owner: Any) -> None:
    params = {**QUERY, "format": "csv", "timezone": "Mars/Olympus"}
    answer = client.post(f"/platform_api/{STATS}", data=params, headers=auth(owner))
    assert body_of(answer)["error"]["code"] == 101


def test_openapi_lists_the_extensions_and_the_tz_database(client: TestClient) -> None:
    from acdstats.domain.buckets import TZDATA_VERSION

    doc = client.get("/openapi.json").json()
    assert doc["info"]["x-tzdata-version"] == TZDATA_VERSION
    for method, names in {
        STATS: ["timezone", "percentiles", "by_queue", "format", "aggregation"],
        "GetACDOffers": ["timezone", "format", "outcome", "count", "offset"],
    }.items():
        listed = [p["name"] for p in doc["paths"][f"/platform_api/{method}"]["get"]["parameters"]]
        assert set(names) <= set(listed), method


@pytest.mark.parametrize(
    "folder", sorted(p.name for p in MORE_EXAMPLES.iterdir() if p.name.startswith("x0"))
)
def test_extension_examples_over_http(db: Database, client: TestClient, folder: str) -> None:
    """x01-x09 through the server: the same bytes as the worked example (CSV as text/csv)."""
    example = MORE_EXAMPLES / folder
    request = json.loads((example / "request.json").read_text())
    if request["method"] not in METHODS:
        pytest.skip(f"{request['method']} is not served yet")
    credentials = new_key(db, ["Supervisor"])
    with (example / "events.jsonl").open("rb") as stream:
        assert ingest(db, credentials["account_id"], read_jsonl(stream)).rejected == []
    answer = client.post(
        f"/platform_api/{request['method']}", data=request["params"], headers=auth(credentials)
    )
    if (example / "expected.csv").exists():
        assert answer.headers["content-type"] == "text/csv; charset=utf-8"
        assert answer.content == (example / "expected.csv").read_bytes()
    else:
        assert json.dumps(body_of(answer)) == json.dumps(
            json.loads((example / "expected.json").read_text())
        )


def test_an_undeclared_method_is_405_with_allow(client: TestClient) -> None:
    answer = client.request("PUT", "/platform_api/" + STATS)
    assert answer.status_code == 405
    assert set(answer.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert body_of(answer) == {"error": {"msg": "Method Not Allowed", "code": 405}}
