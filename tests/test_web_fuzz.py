"""Fuzzing: no request (method, parameters, body, token) produces a 5xx or an exception.

Every answer must be a JSON body: HTTP 200 with exactly {"result"} or {"error": {msg, code}},
or a 4xx transport fault with the same error object.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from acdstats.config import Settings
from acdstats.errors import ApiError
from acdstats.services.auth import Authenticator
from acdstats.services.key_methods import PARAMETERS as KEY_PARAMETERS
from acdstats.services.methods import METHODS
from acdstats.storage.db import Database
from acdstats.web.app import create_app
from acdstats.web.openapi import STATISTICS_PARAMETERS
from tests.authkit import b64, new_key, token
from tests.webkit import TestClient, seed

NAMES = sorted(
    {p for p, _, _ in STATISTICS_PARAMETERS}
    | {p for params in KEY_PARAMETERS.values() for p, _, _ in params}
    | {"cmd", "account_id"}
)
FUZZ = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class World(dict[str, Any]):
    def __repr__(self) -> str:  # keep private keys out of failure reports
        return "<fuzz world>"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    db = Database(tmp_path_factory.mktemp("fuzz") / "fuzz.duckdb")
    owner = new_key(db, ["Owner"])
    victim = new_key(db, ["Supervisor"], account_id=owner["account_id"])
    seed(db, owner["account_id"], 5, (7, 8, 9))
    app = create_app(Settings(max_body_bytes=64 * 1024), db)
    with TestClient(app) as client:
        yield World(db=db, client=client, owner=owner, victim=victim)
    db.close()


def timestamps() -> st.SearchStrategy[str]:
    return st.from_regex(
        r"\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}:\d{2}(\.\d{1,3})?", fullmatch=True
    )


def values(victim_key: str) -> st.SearchStrategy[str]:
    ids = st.lists(
        st.one_of(st.integers(-5, 2**64), st.sampled_from(["", "x", " 7", "all"])), max_size=5
    )
    return st.one_of(
        st.text(max_size=40),
        st.sampled_from(
            ["all", "ALL", "true", "False", "1", "0", "yes", "day", "hour", "hour_of_day",
             "none", "user", "aggregation", "Owner", "Supervisor;Admin", victim_key, "",
             "2026-03-02 00:00:00", "2026-02-30 00:00:00", "9999-12-31 23:59:59",
             "SA;tt;AfterCallWork;UAC", "sa;;", "\x00", "\u0660", "１",
             str(2**63 - 1), str(2**63), "9" * 4301, "0" * 5000 + "7", "7;" + "1" * 6000]
        ),
        timestamps(),
        ids.map(lambda xs: ";".join(str(x) for x in xs)),
        st.integers(-(2**70), 2**70).map(str),
        st.integers(4290, 6000).map(lambda n: "9" * n),  # past Python's int-digit limit
    )  # fmt: skip


@st.composite
def requests(draw: st.DrawFn, victim_key: str) -> dict[str, Any]:
    stats = "GetACDOperatorStatistics"
    method = draw(st.one_of(st.just(stats), st.sampled_from(sorted(METHODS)), st.text(max_size=20)))
    params: dict[str, str] = {}
    if method == stats and draw(st.booleans()):
        # Mostly valid required parameters, so the checks behind them are reached too.
        params["from_date"] = draw(st.one_of(st.just("2026-03-01 00:00:00"), timestamps()))
        params["user_id"] = draw(st.one_of(st.just("all"), st.just("7;9"), values(victim_key)))
        for name, _, _ in STATISTICS_PARAMETERS[2:]:
            if draw(st.booleans()):
                params[name] = draw(values(victim_key))
    params.update(
        draw(
            st.dictionaries(
                st.one_of(st.sampled_from(NAMES), st.text(max_size=10)),
                values(victim_key),
                max_size=9,
            )
        )
    )
    return {
        "method": method,
        "in_path": draw(st.booleans()),
        "params": params,
        "transport": draw(st.sampled_from(["get", "form", "multipart", "files"])),
    }


def check(answer: Any) -> None:
    assert answer.status_code < 500, answer.text
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    if answer.status_code == 200 and "result" in body:
        assert set(body) == {"result"}
    else:
        assert set(body) == {"error"}
        assert set(body["error"]) == {"msg", "code"}
        assert isinstance(body["error"]["code"], int) and isinstance(body["error"]["msg"], str)
    event(f"code {body['error']['code'] if 'error' in body else 'result'}")


@FUZZ
@given(data=st.data())
def test_no_parameters_break_the_server(world: dict[str, Any], data: st.DataObject) -> None:
    request = data.draw(requests(world["victim"]["key_id"]))
    client = world["client"]
    headers = {"Authorization": "Bearer " + token(world["owner"])}
    params = dict(request["params"])
    if request["in_path"] and request["method"] not in ("", ".", ".."):
        path = "/platform_api/" + quote(request["method"], safe="")
    else:
        path = "/platform_api"
        params["cmd"] = request["method"]
    transport = request["transport"]
    if transport == "get":
        answer = client.get(path, params=params, headers=headers)
    elif transport == "form":
        answer = client.post(path, data=params, headers=headers)
    elif transport == "multipart":
        files = {"_": ("", b"")}  # forces multipart even with no fields
        answer = client.post(path, data=params, files=files, headers=headers)
    else:
        files = {k: (f"{k}.txt", v.encode("utf-8", "surrogatepass")) for k, v in params.items()}
        answer = client.post(path, files=files or {"_": ("", b"")}, headers=headers)
    check(answer)


@FUZZ
@given(
    body=st.binary(max_size=300),
    content_type=st.one_of(
        st.sampled_from(
            ["application/x-www-form-urlencoded", "multipart/form-data",
             "multipart/form-data; boundary=zz", 'multipart/form-data; boundary=""',
             "application/json", "text/plain; charset=utf-16"]
        ),
        st.text(max_size=40),
    ),
    authorization=st.one_of(st.none(), st.text(max_size=60)),
    path=st.sampled_from(["/platform_api", "/platform_api/GetRoles", "/platform_api/%00"]),
)  # fmt: skip
def test_no_body_or_header_breaks_the_server(
    world: dict[str, Any], body: bytes, content_type: str, authorization: str | None, path: str
) -> None:
    headers = {"Content-Type": content_type}
    if authorization is not None:
        headers["Authorization"] = authorization
    try:
        answer = world["client"].post(path, content=body, headers=headers)
    except UnicodeEncodeError:
        return  # httpx itself cannot send a non-latin-1 header; nothing reached the server
    check(answer)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**64), 2**64), st.floats(), st.text()),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=5,
)


@FUZZ
@given(
    header=st.fixed_dictionaries(
        {}, optional={"alg": st.one_of(st.just("RS256"), json_values), "kid": json_values}
    ),
    claims=st.fixed_dictionaries(
        {},
        optional={
            "iss": st.one_of(st.just("1"), st.just(1), json_values),
            "iat": st.one_of(st.floats(), st.integers(-(2**70), 2**70), json_values),
            "exp": st.one_of(st.floats(), st.integers(-(2**70), 2**70), json_values),
            "nbf": json_values,
        },
    ),
    signature=st.binary(max_size=300),
)
def test_no_token_breaks_the_verifier(
    world: dict[str, Any], header: dict[str, Any], claims: dict[str, Any], signature: bytes
) -> None:
    if header.get("kid") == "OWNER":
        header["kid"] = world["owner"]["key_id"]
    auth = Authenticator(world["db"], clock=time.time)
    text = ".".join(
        [b64(json.dumps(header).encode()), b64(json.dumps(claims).encode()), b64(signature)]
    )
    with pytest.raises(ApiError) as info:
        auth.verify(text)
    assert info.value.code in (447, 100, 454, 455, 456)
