"""The security suite over HTTP: each attack on GetACDOperatorStatistics answers its exact code.

Times are far from every boundary (minutes, with a 10 s skew), so the real clock is safe here;
the boundaries themselves are tested on a fixed clock in test_auth.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from acdstats.config import Settings
from acdstats.services import keys
from acdstats.storage.db import Database
from acdstats.web.app import create_app
from tests.authkit import hs256_with_public_key, new_key, tampered, token, unsigned
from tests.webkit import TestClient, seed

PARAMS = {
    "from_date": "2026-03-01 00:00:00",
    "to_date": "2026-04-01 00:00:00",
    "user_id": "all",
}


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(), db)) as c:
        yield c


def ask(client: TestClient, authorization: str | None, params: dict[str, str] = PARAMS) -> Any:
    headers = {} if authorization is None else {"Authorization": authorization}
    answer = client.post("/platform_api/GetACDOperatorStatistics", data=params, headers=headers)
    assert answer.status_code == 200
    return answer.json()


def code(client: TestClient, authorization: str | None) -> int:
    return int(ask(client, authorization)["error"]["code"])


def bearer(text: str) -> str:
    return "Bearer " + text


def _alg_none(c: dict[str, Any], db: Database) -> str:
    now = int(time.time())
    claims = {"iss": str(c["account_id"]), "iat": now, "exp": now + 60}
    return unsigned({"alg": "none", "typ": "JWT", "kid": c["key_id"]}, claims)


def _hs256(c: dict[str, Any], db: Database) -> str:
    record = keys.get_key(db, c["key_id"])
    assert record is not None
    return hs256_with_public_key(c, record.public_key)


def _other_account(c: dict[str, Any], db: Database) -> str:
    other = keys.create_account(db, "other").account_id
    return token(c, iss=str(other))


def _deleted(c: dict[str, Any], db: Database) -> str:
    keys.delete_key(db, c["key_id"])
    return token(c)


def _disabled(c: dict[str, Any], db: Database) -> str:
    keys.set_disabled(db, c["key_id"])
    return token(c)


ATTACKS: dict[str, tuple[Callable[[dict[str, Any], Database], str | None], int]] = {
    "no token": (lambda c, db: None, 100),
    "not bearer": (lambda c, db: "Basic dXNlcjpwYXNz", 100),
    "garbage token": (lambda c, db: bearer("garbage"), 447),
    "two segments": (lambda c, db: bearer("eyJhbGciOiJSUzI1NiJ9.e30"), 447),
    "alg none": (lambda c, db: bearer(_alg_none(c, db)), 100),
    "HS256 signed with the public key": (lambda c, db: bearer(_hs256(c, db)), 100),
    "expired": (lambda c, db: bearer(token(c, iat=time.time() - 600, ttl=300)), 456),
    "iat in the future": (lambda c, db: bearer(token(c, iat=time.time() + 300)), 455),
    "nbf in the future": (lambda c, db: bearer(token(c, nbf=time.time() + 300)), 455),
    "TTL over 3600": (lambda c, db: bearer(token(c, ttl=3601)), 454),
    "unknown kid": (lambda c, db: bearer(token({**c, "key_id": "f00"})), 100),
    "no kid": (lambda c, db: bearer(token(c, omit=("kid",))), 100),
    "iss of another account": (lambda c, db: bearer(_other_account(c, db)), 100),
    "tampered payload": (lambda c, db: bearer(tampered(token(c), exp=time.time() + 900)), 100),
    "tampered iss": (lambda c, db: bearer(tampered(token(c), iss="2")), 100),
    "deleted key": (lambda c, db: bearer(_deleted(c, db)), 100),
    "disabled key": (lambda c, db: bearer(_disabled(c, db)), 100),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_attack_gets_its_code(db: Database, client: TestClient, attack: str) -> None:
    credentials = new_key(db, ["Owner"])
    make, expected = ATTACKS[attack]
    assert code(client, make(credentials, db)) == expected


def test_iss_as_string_or_number_both_work(db: Database, client: TestClient) -> None:
    credentials = new_key(db, ["Supervisor"])
    assert ask(client, bearer(token(credentials))) == {"result": []}
    assert ask(client, bearer(token(credentials, iss=credentials["account_id"]))) == {"result": []}


def test_disabling_after_a_cached_success_takes_effect_at_once(
    db: Database, client: TestClient
) -> None:
    credentials = new_key(db, ["Owner"])
    authorization = bearer(token(credentials, ttl=600))
    assert ask(client, authorization) == {"result": []}
    assert ask(client, authorization) == {"result": []}  # now served from the cache
    keys.set_disabled(db, credentials["key_id"])
    assert code(client, authorization) == 100
    keys.set_disabled(db, credentials["key_id"], False)
    assert ask(client, authorization) == {"result": []}
    keys.delete_key(db, credentials["key_id"])
    assert code(client, authorization) == 100


def test_role_change_over_the_api_takes_effect_at_once(db: Database, client: TestClient) -> None:
    owner = new_key(db, ["Owner"])
    reader = new_key(db, ["Supervisor"], account_id=owner["account_id"])
    authorization = bearer(token(reader, ttl=600))
    assert ask(client, authorization) == {"result": []}
    removed = client.post(
        "/platform_api/RemoveKeyRoles",
        data={"key_id": reader["key_id"], "role_name": "Supervisor"},
        headers={"Authorization": bearer(token(owner))},
    ).json()
    assert removed == {"result": 1}
    assert code(client, authorization) == 104


@pytest.mark.parametrize("role", ["Support", "Accountant", "Call list manager"])
def test_roles_without_statistics_get_104(db: Database, client: TestClient, role: str) -> None:
    assert code(client, bearer(token(new_key(db, [role])))) == 104


@pytest.mark.parametrize("role", ["Owner", "Admin", "Developer", "Supervisor", "User manager"])
def test_statistics_roles_are_allowed(db: Database, client: TestClient, role: str) -> None:
    assert ask(client, bearer(token(new_key(db, [role])))) == {"result": []}


def test_key_of_account_a_never_sees_account_b(db: Database, client: TestClient) -> None:
    a = new_key(db, ["Owner"])
    b = new_key(db, ["Owner"])
    seed(db, b["account_id"], 9, (21, 22))
    as_a = bearer(token(a))
    for user_id in ("21;22", "all", "21"):
        for group in ("user", "aggregation"):
            params = {**PARAMS, "user_id": user_id, "group": group}
            assert ask(client, as_a, params) == {"result": []}
    # Account ids in the request change nothing: the token decides the account.
    params = {**PARAMS, "account_id": str(b["account_id"])}
    assert ask(client, as_a, params) == {"result": []}
    assert ask(client, bearer(token(b)), params)["result"] != []


HUGE = "9" * 5000  # over Python's integer-digit limit (4300)


@pytest.mark.parametrize(
    ("method", "params", "expected"),
    [
        ("GetACDOperatorStatistics", {**PARAMS, "user_id": HUGE}, 117),
        ("GetACDOperatorStatistics", {**PARAMS, "user_id": "7;" + HUGE}, 117),
        ("GetACDOperatorStatistics", {**PARAMS, "user_id": str(2**63)}, 117),
        ("GetACDOperatorStatistics", {**PARAMS, "user_id": "0" * 5000 + "1"}, None),
        ("GetACDOperatorStatistics", {**PARAMS, "acd_queue_id": HUGE}, 218),
        ("GetACDOperatorStatistics", {**PARAMS, "acd_queue_id": str(2**63)}, 218),
        ("SetKeyRoles", {"key_id": "KEY", "role_id": HUGE}, 101),
        ("CreateKey", {"role_id": "1;" + HUGE}, 101),
        ("GetKeys", {"count": HUGE}, 101),
        ("GetKeys", {"offset": HUGE}, 101),
    ],
)
@pytest.mark.parametrize("transport", ["query", "form"])
def test_oversized_ids_get_their_parameters_code(
    db: Database,
    client: TestClient,
    method: str,
    params: dict[str, str],
    expected: int | None,
    transport: str,
) -> None:
    credentials = new_key(db, ["Owner"])
    params = {k: credentials["key_id"] if v == "KEY" else v for k, v in params.items()}
    headers = {"Authorization": bearer(token(credentials))}
    path = f"/platform_api/{method}"
    if transport == "query":
        answer = client.get(path, params=params, headers=headers)
    else:
        answer = client.post(path, data=params, headers=headers)
    assert answer.status_code == 200
    body = answer.json()
    if expected is None:
        assert body == {"result": []}
    else:
        assert body["error"]["code"] == expected, body
        assert len(body["error"]["msg"]) < 300
