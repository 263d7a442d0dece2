"""Options shared by several commands."""

from __future__ import annotations

import click

from acdstats.errors import DatabaseLocked
from acdstats.storage.db import Database, resolve_path

db_option = click.option(
    "--db",
    "db_path",
    envvar="ACDSTATS_DB",
    default=None,
    help="Database file (default: $ACDSTATS_DB, else ./acdstats.duckdb).",
)
account_option = click.option("--account-id", type=click.IntRange(min=1), required=True)


def open_db(path: str | None, read_only: bool = False) -> Database:
    """Open the database or exit with a clear message if another process holds it."""
    if read_only and not resolve_path(path).exists():
        raise click.ClickException(f"no database at {resolve_path(path)} (import data first)")
    try:
        return Database(path, read_only=read_only)
    except DatabaseLocked as exc:
        raise click.ClickException(str(exc)) from None
