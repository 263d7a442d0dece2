"""Accounts and service-account keys: create, list, disable, delete, roles.

A new key's private half is given to its owner once (as credentials.json) and never stored.
Every change that can make a verified token invalid bumps the database's key generation, so
that the token cache (services.auth) drops what it verified before the change.
"""

from __future__ import annotations

import threading
import uuid
import weakref
from collections.abc import Iterable
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from acdstats.errors import AcdstatsError
from acdstats.storage import keys as store
from acdstats.storage.db import Database
from acdstats.storage.keys import Account, KeyRecord

# The roles of SPEC 2, with the ids that GetRoles reports (our own numbering).
ROLES: dict[str, int] = {
    "Owner": 1,
    "Admin": 2,
    "Developer": 3,
    "Supervisor": 4,
    "User manager": 5,
    "Support": 6,
    "Accountant": 7,
    "Call list manager": 8,
}
ROLE_NAMES = {role_id: name for name, role_id in ROLES.items()}


class KeyOperationError(AcdstatsError):
    """A key or account operation that cannot be done (unknown id, bad role, ...)."""


class UnknownKey(KeyOperationError):
    pass


class UnknownRole(KeyOperationError):
    pass


_generations: weakref.WeakKeyDictionary[Database, int] = weakref.WeakKeyDictionary()
_generation_lock = threading.Lock()


def generation(db: Database) -> int:
    """A number that changes whenever a key of this database is disabled, deleted or re-roled."""
    return _generations.get(db, 0)


def _bump(db: Database) -> None:
    with _generation_lock:
        _generations[db] = _generations.get(db, 0) + 1


def check_roles(names: Iterable[str]) -> tuple[str, ...]:
    """Role names in catalogue order, each once; UnknownRole for a name not in SPEC 2."""
    wanted = set()
    for name in names:
        if name not in ROLES:
            raise UnknownRole(f"unknown role {name!r}; roles are: {', '.join(ROLES)}")
        wanted.add(name)
    return tuple(name for name in ROLES if name in wanted)


def create_account(
    db: Database, name: str, email: str | None = None, account_id: int | None = None
) -> Account:
    with db.writer() as cur:
        if account_id is None:
            account_id = db.next_id(cur, "account")
            while store.get_account(cur, account_id) is not None:
                account_id = db.next_id(cur, "account")
        elif store.get_account(cur, account_id) is not None:
            raise KeyOperationError(f"account {account_id} already exists")
        account = Account(account_id, name, email)
        store.insert_account(cur, account)
    return account


def get_account(db: Database, account_id: int) -> Account | None:
    return store.get_account(db.reader(), account_id)


def list_accounts(db: Database) -> list[Account]:
    return store.list_accounts(db.reader())


def create_key(
    db: Database,
    account_id: int,
    roles: Iterable[str],
    name: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """A new RSA key; returns credentials.json (SPEC 2), the only copy of the private key."""
    role_names = check_roles(roles)
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    key_id = str(uuid.uuid4())
    with db.writer() as cur:
        account = store.get_account(cur, account_id)
        if account is None:
            raise KeyOperationError(
                f"account {account_id} does not exist (create it with `acdstats account create`)"
            )
        store.insert_key(
            cur,
            KeyRecord(key_id, account_id, public_pem, role_names, name, description, False, False),
        )
    return {
        "account_email": account.email or "",
        "account_id": account_id,
        "key_id": key_id,
        "private_key": private_pem,
    }


def get_key(db: Database, key_id: str) -> KeyRecord | None:
    return store.get_key(db.reader(), key_id)


def list_keys(
    db: Database,
    account_id: int,
    key_id: str | None = None,
    offset: int = 0,
    count: int | None = None,
) -> tuple[list[KeyRecord], int]:
    return store.list_keys(db.reader(), account_id, key_id, offset, count)


def _change(db: Database, account_id: int | None, key_id: str, **changes: Any) -> KeyRecord:
    """Apply changes to a live key of the account (any account when account_id is None)."""
    with db.writer() as cur:
        key = store.get_key(cur, key_id)
        if key is None or key.deleted or (account_id is not None and key.account_id != account_id):
            raise UnknownKey(f"no key {key_id!r}")
        roles = changes.pop("roles_fn", None)
        if roles is not None:
            changes["roles"] = check_roles(roles(key.roles))
        store.update_key(cur, key_id, **changes)
    _bump(db)
    return key


def update_key(
    db: Database,
    key_id: str,
    description: str | None,
    name: str | None = None,
    account_id: int | None = None,
) -> None:
    _change(db, account_id, key_id, description=description, name=name)


def set_disabled(
    db: Database, key_id: str, disabled: bool = True, account_id: int | None = None
) -> None:
    _change(db, account_id, key_id, disabled=disabled)


def delete_key(db: Database, key_id: str, account_id: int | None = None) -> None:
    _change(db, account_id, key_id, deleted=True)


def add_roles(
    db: Database, key_id: str, roles: Iterable[str], account_id: int | None = None
) -> None:
    added = check_roles(roles)
    _change(db, account_id, key_id, roles_fn=lambda old: (*old, *added))


def remove_roles(
    db: Database, key_id: str, roles: Iterable[str], account_id: int | None = None
) -> None:
    removed = set(check_roles(roles))
    _change(db, account_id, key_id, roles_fn=lambda old: [r for r in old if r not in removed])
