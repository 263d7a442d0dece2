"""Accounts and service-account keys in the database (only public keys are stored)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from acdstats.storage.db import engine_errors


@dataclass(frozen=True)
class Account:
    account_id: int
    name: str
    email: str | None


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    account_id: int
    public_key: str  # PEM (SubjectPublicKeyInfo)
    roles: tuple[str, ...]
    name: str | None
    description: str | None
    disabled: bool
    deleted: bool


_KEY_COLUMNS = "key_id, account_id, public_key, roles, name, description, disabled, deleted"


def insert_account(cur: duckdb.DuckDBPyConnection, account: Account) -> None:
    cur.execute(
        "INSERT INTO accounts (account_id, name, email) VALUES (?, ?, ?)",
        [account.account_id, account.name, account.email],
    )


@engine_errors()
def get_account(cur: duckdb.DuckDBPyConnection, account_id: int) -> Account | None:
    rows = cur.execute(
        "SELECT account_id, name, email FROM accounts WHERE account_id = ?", [account_id]
    ).fetchall()
    return Account(*rows[0]) if rows else None


@engine_errors()
def list_accounts(cur: duckdb.DuckDBPyConnection) -> list[Account]:
    rows = cur.execute("SELECT account_id, name, email FROM accounts ORDER BY 1").fetchall()
    return [Account(*row) for row in rows]


def insert_key(cur: duckdb.DuckDBPyConnection, key: KeyRecord) -> None:
    cur.execute(
        f"INSERT INTO api_keys ({_KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            key.key_id,
            key.account_id,
            key.public_key,
            list(key.roles),
            key.name,
            key.description,
            key.disabled,
            key.deleted,
        ],
    )


@engine_errors()
def get_key(cur: duckdb.DuckDBPyConnection, key_id: str) -> KeyRecord | None:
    """The key by id, also when disabled or deleted (the caller decides what that means)."""
    rows = cur.execute(f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE key_id = ?", [key_id]).fetchall()
    return _key(rows[0]) if rows else None


@engine_errors()
def list_keys(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    key_id: str | None = None,
    offset: int = 0,
    count: int | None = None,
) -> tuple[list[KeyRecord], int]:
    """The account's keys that are not deleted, oldest first, and how many there are in all."""
    where = "account_id = ? AND NOT deleted" + (" AND key_id = ?" if key_id is not None else "")
    params: list[object] = [account_id] + ([key_id] if key_id is not None else [])
    total_row = cur.execute(f"SELECT count(*) FROM api_keys WHERE {where}", params).fetchall()
    limit = "" if count is None else f" LIMIT {int(count)}"
    rows = cur.execute(
        f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE {where} "
        f"ORDER BY created_at, key_id{limit} OFFSET {int(offset)}",
        params,
    ).fetchall()
    return [_key(row) for row in rows], int(total_row[0][0])


def update_key(
    cur: duckdb.DuckDBPyConnection,
    key_id: str,
    *,
    roles: tuple[str, ...] | None = None,
    name: str | None = None,
    description: str | None = None,
    disabled: bool | None = None,
    deleted: bool | None = None,
) -> None:
    """Change the given columns of one key (None = leave as is)."""
    changes = {
        "roles": list(roles) if roles is not None else None,
        "name": name,
        "description": description,
        "disabled": disabled,
        "deleted": deleted,
    }
    given = {column: value for column, value in changes.items() if value is not None}
    if not given:
        return
    assignments = ", ".join(f"{column} = ?" for column in given)
    cur.execute(f"UPDATE api_keys SET {assignments} WHERE key_id = ?", [*given.values(), key_id])


def _key(row: tuple[object, ...]) -> KeyRecord:
    key_id, account_id, public_key, roles, name, description, disabled, deleted = row
    return KeyRecord(
        str(key_id),
        int(account_id),  # type: ignore[call-overload]
        str(public_key),
        tuple(roles),  # type: ignore[arg-type]
        name,  # type: ignore[arg-type]
        description,  # type: ignore[arg-type]
        bool(disabled),
        bool(deleted),
    )
