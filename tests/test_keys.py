"""Accounts and keys: the service, the key management methods and the CLI commands."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

from acdstats.cli.main import main
from acdstats.services import keys
from acdstats.services.key_methods import KEY_METHODS
from acdstats.services.methods import METHODS, CallContext, call
from acdstats.storage.db import Database
from tests.authkit import new_key


def test_credentials_json_is_exactly_spec_2(db: Database) -> None:
    account = keys.create_account(db, "Acme", "ops@acme.test")
    credentials = keys.create_key(db, account.account_id, ["Owner"])
    assert set(credentials) == {"account_email", "account_id", "key_id", "private_key"}
    assert credentials["account_email"] == "ops@acme.test"
    assert credentials["account_id"] == account.account_id
    assert credentials["private_key"].startswith("-----BEGIN PRIVATE KEY-----\n")
    private = serialization.load_pem_private_key(credentials["private_key"].encode(), None)
    assert private.key_size == 2048  # type: ignore[union-attr]
    # The server keeps the matching public key and nothing private.
    record = keys.get_key(db, credentials["key_id"])
    assert record is not None
    assert record.public_key == (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    stored = db.reader().execute("SELECT * FROM api_keys").fetchall()
    assert "PRIVATE" not in repr(stored)


def test_unknown_role_and_account_are_refused(db: Database) -> None:
    account = keys.create_account(db, "Acme")
    with pytest.raises(keys.UnknownRole):
        keys.create_key(db, account.account_id, ["Root"])
    with pytest.raises(keys.KeyOperationError):
        keys.create_key(db, 99, ["Owner"])


def test_account_ids_are_sequential_and_may_be_chosen(db: Database) -> None:
    assert keys.create_account(db, "a").account_id == 1
    assert keys.create_account(db, "b", account_id=5).account_id == 5
    assert keys.create_account(db, "c").account_id == 2
    with pytest.raises(keys.KeyOperationError):
        keys.create_account(db, "d", account_id=5)


def ctx_of(db: Database, credentials: dict[str, Any]) -> CallContext:
    return CallContext(db, credentials["account_id"], credentials["key_id"])


def test_key_methods_are_registered_for_owner_and_admin() -> None:
    for name in KEY_METHODS:
        assert METHODS[name].roles == {"Owner", "Admin"}


def test_create_get_update_delete_key_over_the_methods(db: Database) -> None:
    owner = new_key(db, ["Owner"])
    ctx = ctx_of(db, owner)
    created = call(
        METHODS["CreateKey"], ctx, {"description": "reports", "role_name": "Supervisor;Developer"}
    )
    [info] = created["result"]
    assert info["account_id"] == owner["account_id"]
    assert set(info) == {"account_email", "account_id", "key_id", "private_key"}
    listed = call(METHODS["GetKeys"], ctx, {"with_roles": "true"})["result"]
    assert listed == [
        {
            "key_id": owner["key_id"],
            "description": "",
            "roles": [{"role_id": 1, "role_name": "Owner", "gui_only": False}],
        },
        {
            "key_id": info["key_id"],
            "description": "reports",
            "roles": [
                {"role_id": 3, "role_name": "Developer", "gui_only": False},
                {"role_id": 4, "role_name": "Supervisor", "gui_only": False},
            ],
        },
    ]
    assert call(METHODS["GetKeys"], ctx, {"offset": "1", "count": "1"})["result"] == [
        {"key_id": info["key_id"], "description": "reports"}
    ]
    assert call(METHODS["UpdateKey"], ctx, {"key_id": info["key_id"], "description": "x"}) == {
        "result": 1
    }
    assert keys.get_key(db, info["key_id"]).description == "x"  # type: ignore[union-attr]
    assert call(METHODS["DeleteKey"], ctx, {"key_id": info["key_id"]}) == {"result": 1}
    assert [k["key_id"] for k in call(METHODS["GetKeys"], ctx, {})["result"]] == [owner["key_id"]]
    assert call(METHODS["DeleteKey"], ctx, {"key_id": info["key_id"]})["error"]["code"] == 101


def test_roles_methods(db: Database) -> None:
    owner = new_key(db, ["Owner"])
    other = new_key(db, ["User manager"], account_id=owner["account_id"])
    ctx = ctx_of(db, owner)
    key_id = other["key_id"]
    assert call(METHODS["SetKeyRoles"], ctx, {"key_id": key_id, "role_id": "2;4"}) == {"result": 1}
    assert call(METHODS["GetKeyRoles"], ctx, {"key_id": key_id})["result"] == [
        {"role_id": 2, "role_name": "Admin", "gui_only": False},
        {"role_id": 4, "role_name": "Supervisor", "gui_only": False},
        {"role_id": 5, "role_name": "User manager", "gui_only": False},
    ]
    call(METHODS["RemoveKeyRoles"], ctx, {"key_id": key_id, "role_name": "Admin;User manager"})
    assert keys.get_key(db, key_id).roles == ("Supervisor",)  # type: ignore[union-attr]
    expanded = call(METHODS["GetKeyRoles"], ctx, {"key_id": key_id, "with_expanded_roles": "1"})[
        "result"
    ]
    assert expanded == [
        {
            "role_id": 4,
            "role_name": "Supervisor",
            "gui_only": False,
            "inherited": False,
            "child_ids": [],
            "parent_role_id": [],
        }
    ]
    roles = call(METHODS["GetRoles"], ctx, {})["result"]
    assert [r["role_name"] for r in roles] == list(keys.ROLES)


@pytest.mark.parametrize(
    ("method", "params", "code"),
    [
        ("UpdateKey", {}, 134),
        ("UpdateKey", {"key_id": "k"}, 134),
        ("DeleteKey", {"key_id": ""}, 134),
        ("SetKeyRoles", {"key_id": "KEY"}, 134),
        ("SetKeyRoles", {"key_id": "KEY", "role_id": "1", "role_name": "Owner"}, 101),
        ("SetKeyRoles", {"key_id": "KEY", "role_id": "9"}, 101),
        ("SetKeyRoles", {"key_id": "KEY", "role_name": "Root"}, 101),
        ("RemoveKeyRoles", {"key_id": "KEY", "role_id": "1;x"}, 101),
        ("GetKeys", {"count": "-1"}, 101),
        ("GetKeys", {"with_roles": "yes"}, 101),
        ("GetKeyRoles", {"key_id": "nope"}, 101),
        ("CreateKey", {"role_name": "Owner;God"}, 101),
    ],
)
def test_key_method_errors(db: Database, method: str, params: dict[str, str], code: int) -> None:
    owner = new_key(db, ["Owner"])
    params = {k: owner["key_id"] if v == "KEY" else v for k, v in params.items()}
    assert call(METHODS[method], ctx_of(db, owner), params)["error"]["code"] == code


def test_keys_of_another_account_are_invisible(db: Database) -> None:
    a = new_key(db, ["Owner"])
    b = new_key(db, ["Owner"])
    ctx = ctx_of(db, a)
    assert call(METHODS["GetKeys"], ctx, {"key_id": b["key_id"]}) == {"result": []}
    for method in ("DeleteKey", "GetKeyRoles"):
        assert call(METHODS[method], ctx, {"key_id": b["key_id"]})["error"]["code"] == 101
    assert call(METHODS["SetKeyRoles"], ctx, {"key_id": b["key_id"], "role_id": "1"})["error"][
        "code"
    ] == (101)
    assert keys.get_key(db, b["key_id"]).deleted is False  # type: ignore[union-attr]


def test_cli_account_key_token(tmp_path: Path) -> None:
    runner = CliRunner()
    db_path = str(tmp_path / "cli.duckdb")
    out = runner.invoke(main, ["account", "create", "--db", db_path, "--name", "Acme"])
    assert out.exit_code == 0, out.output
    account = json.loads(out.output)
    assert account == {"account_id": 1, "name": "Acme", "email": None}
    cred_path = tmp_path / "credentials.json"
    args = ["key", "create", "--db", db_path, "--account-id", "1", "--out", str(cred_path)]
    out = runner.invoke(main, [*args, "--role", "Owner", "--role", "Supervisor"])
    assert out.exit_code == 0, out.output
    credentials = json.loads(cred_path.read_text())
    assert out.output.strip() == credentials["key_id"]
    assert credentials["account_email"] == ""
    assert stat.S_IMODE(os.stat(cred_path).st_mode) == 0o600
    # Never overwrite an existing private key.
    assert runner.invoke(main, [*args, "--role", "Owner"]).exit_code != 0

    before = int(time.time())
    out = runner.invoke(main, ["token", "--credentials", str(cred_path), "--ttl", "600"])
    assert out.exit_code == 0, out.output
    claims = jwt.decode(out.output.strip(), options={"verify_signature": False})
    header = jwt.get_unverified_header(out.output.strip())
    assert header["kid"] == credentials["key_id"] and header["alg"] == "RS256"
    assert claims["iss"] == "1" and claims["exp"] - claims["iat"] == 600
    assert before <= claims["iat"] <= int(time.time())
    too_long = runner.invoke(main, ["token", "--credentials", str(cred_path), "--ttl", "3601"])
    assert too_long.exit_code != 0

    listed = runner.invoke(main, ["key", "list", "--db", db_path, "--account-id", "1"])
    assert json.loads(listed.output)["roles"] == ["Owner", "Supervisor"]
    key_id = credentials["key_id"]
    assert runner.invoke(main, ["key", "disable", "--db", db_path, key_id]).exit_code == 0
    listed = runner.invoke(main, ["key", "list", "--db", db_path, "--account-id", "1"])
    assert json.loads(listed.output)["disabled"] is True
    assert runner.invoke(main, ["key", "delete", "--db", db_path, key_id]).exit_code == 0
    listed = runner.invoke(main, ["key", "list", "--db", db_path, "--account-id", "1"])
    assert listed.output == ""
    assert runner.invoke(main, ["key", "delete", "--db", db_path, "nope"]).exit_code != 0


def test_cli_key_create_needs_an_account(tmp_path: Path) -> None:
    out = CliRunner().invoke(
        main,
        ["key", "create", "--db", str(tmp_path / "x.duckdb"), "--account-id", "3"]
        + ["--role", "Owner", "--out", str(tmp_path / "c.json")],
    )
    assert out.exit_code != 0 and "account create" in out.output
    assert not (tmp_path / "c.json").exists()
