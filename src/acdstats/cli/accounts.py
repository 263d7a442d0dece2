"""Account and key commands: account create/list, key create/list/disable/enable/delete, token."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import click
import jwt
import orjson

from acdstats.cli.options import db_option, open_db
from acdstats.services import keys
from acdstats.services.auth import MAX_TTL_S

ROLE_CHOICE = click.Choice(list(keys.ROLES))


@click.group()
def account() -> None:
    """Accounts (tenants)."""


@account.command("create")
@db_option
@click.option("--name", required=True, help="The account's name.")
@click.option("--email", default=None, help="The account's email (goes into credentials.json).")
@click.option(
    "--account-id",
    type=click.IntRange(min=1),
    default=None,
    help="Use this id (e.g. for data already imported under it); default: the next free id.",
)
def account_create(
    db_path: str | None, name: str, email: str | None, account_id: int | None
) -> None:
    """Create an account; print it as JSON."""
    db = open_db(db_path)
    try:
        created = keys.create_account(db, name, email, account_id)
    except keys.KeyOperationError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    click.echo(orjson.dumps(vars(created)).decode())


@account.command("list")
@db_option
def account_list(db_path: str | None) -> None:
    """Print every account as a JSON line."""
    from acdstats.services.keys import list_accounts

    db = open_db(db_path, read_only=True)
    for item in list_accounts(db):
        click.echo(orjson.dumps(vars(item)).decode())
    db.close()


@click.group()
def key() -> None:
    """Service-account keys."""


@key.command("create")
@db_option
@click.option("--account-id", type=click.IntRange(min=1), required=True)
@click.option("--role", "roles", type=ROLE_CHOICE, multiple=True, required=True)
@click.option("--name", default=None, help="The key's name.")
@click.option("--description", default=None, help="The key's description.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    required=True,
    help="Where to write credentials.json (the only copy of the private key).",
)
def key_create(
    db_path: str | None,
    account_id: int,
    roles: tuple[str, ...],
    name: str | None,
    description: str | None,
    out: str,
) -> None:
    """Create a key; write its credentials.json to --out and print the key_id."""
    path = Path(out)
    if path.exists():
        raise click.ClickException(f"{out} exists; not overwriting a private key")
    db = open_db(db_path)
    try:
        credentials = keys.create_key(db, account_id, roles, name, description)
    except keys.KeyOperationError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    # Owner-only from the first byte: the file holds a private key.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as stream:
        json.dump(credentials, stream, indent=2)
        stream.write("\n")
    click.echo(credentials["key_id"])


@key.command("list")
@db_option
@click.option("--account-id", type=click.IntRange(min=1), required=True)
def key_list(db_path: str | None, account_id: int) -> None:
    """Print the account's keys (not deleted) as JSON lines."""
    db = open_db(db_path, read_only=True)
    found, _ = keys.list_keys(db, account_id)
    db.close()
    for item in found:
        fields = {k: v for k, v in vars(item).items() if k not in ("public_key", "deleted")}
        click.echo(orjson.dumps(fields).decode())


def _key_action(db_path: str | None, key_id: str, action: str) -> None:
    db = open_db(db_path)
    try:
        if action == "delete":
            keys.delete_key(db, key_id)
        else:
            keys.set_disabled(db, key_id, action == "disable")
    except keys.KeyOperationError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    click.echo(f"key {key_id}: {action}d")


@key.command("disable")
@db_option
@click.argument("key_id")
def key_disable(db_path: str | None, key_id: str) -> None:
    """Disable a key: its tokens are refused (code 100) until it is enabled."""
    _key_action(db_path, key_id, "disable")


@key.command("enable")
@db_option
@click.argument("key_id")
def key_enable(db_path: str | None, key_id: str) -> None:
    """Enable a disabled key."""
    _key_action(db_path, key_id, "enable")


@key.command("delete")
@db_option
@click.argument("key_id")
def key_delete(db_path: str | None, key_id: str) -> None:
    """Delete a key for good."""
    _key_action(db_path, key_id, "delete")


@click.command()
@click.option(
    "--credentials",
    "credentials_path",
    type=click.Path(exists=True, dir_okay=False),
    required=True,
    help="A credentials.json made by `acdstats key create`.",
)
@click.option(
    "--ttl",
    type=click.IntRange(min=1, max=MAX_TTL_S),
    default=60,
    show_default=True,
    help=f"Lifetime in seconds (at most {MAX_TTL_S}).",
)
def token(credentials_path: str, ttl: int) -> None:
    """Print a signed JWT for the key (for curl and scripts).

    \b
    Use it as: curl -H "Authorization: Bearer $(acdstats token --credentials F)" ...
    To make tokens without acdstats (bash, Python, Node.js, Go), the roles and the
    error codes of bad tokens: docs/authorization.md.
    """
    try:
        credentials = json.loads(Path(credentials_path).read_text())
        now = int(time.time())
        signed = jwt.encode(
            {"iss": str(credentials["account_id"]), "iat": now, "exp": now + ttl},
            credentials["private_key"],
            algorithm="RS256",
            headers={"kid": credentials["key_id"]},
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise click.ClickException(
            f"{credentials_path} is not a usable credentials.json: {exc}"
        ) from None
    click.echo(signed)


COMMANDS = [account, key, token]
