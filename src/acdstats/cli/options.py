"""Options shared by several commands."""

from __future__ import annotations

import click

from acdstats.config import resolve_path
from acdstats.domain.timefmt import parse_request_time
from acdstats.errors import DatabaseDamaged, DatabaseLocked
from acdstats.storage.db import Database

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
        return Database(resolve_path(path), read_only=read_only)
    except (DatabaseLocked, DatabaseDamaged) as exc:
        raise click.ClickException(str(exc)) from None


class UnknownAccount(click.ClickException):
    """The account named by --account-id does not exist (a usage error: exit code 2)."""

    exit_code = 2


def require_account(db: Database, account_id: int) -> None:
    """Exit with code 2 and a clear message unless the account exists (the db is closed)."""
    from acdstats.services.keys import get_account

    if get_account(db, account_id) is None:
        db.close()
        raise UnknownAccount(
            f"account {account_id} does not exist in {db.path} (`acdstats account list` "
            "shows the accounts; `acdstats account create --name NAME` makes one)"
        )


def missing_database(path: str | None, account_id: int) -> UnknownAccount:
    """The error for a database file that does not exist yet: it has no accounts either."""
    return UnknownAccount(
        f"no database at {resolve_path(path)}, so no account {account_id}: create the account "
        "first (`acdstats account create --name NAME`)"
    )


def _now(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and parse_request_time(value) is None:
        raise click.BadParameter(f"{value!r} is not a UTC time 'YYYY-MM-DD HH:mm:ss'")
    return value


now_option = click.option(
    "--now",
    default=None,
    callback=_now,
    help="Fix the clock (UTC 'YYYY-MM-DD HH:mm:ss'): a missing to_date and the end of open "
    "status spans (for reproducible answers).",
)
status_detail_option = click.option(
    "--status-detail-as-object",
    is_flag=True,
    default=None,
    help="GetACDOperatorStatusStatistics: acd_status as the bare object of Voximplant's "
    "documented example, not a one-element array.",
)
