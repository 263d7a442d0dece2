"""`acdstats backup` and `acdstats restore` (docs/operations.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from acdstats.cli.options import db_option
from acdstats.config import resolve_path
from acdstats.errors import DatabaseDamaged, DatabaseLocked
from acdstats.storage.backup import BackupError, backup, prepare_out, restore
from acdstats.storage.db import Database


@click.command("backup")
@db_option
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    required=True,
    help="New (or empty) folder for the backup.",
)
def backup_command(db_path: str | None, out: str) -> None:
    """A consistent snapshot of the whole database, also while `acdstats serve` runs.

    If a server holds the file, it takes the snapshot itself, through its one writer and
    between two batches, asked over the control socket beside the database file.
    """
    path = resolve_path(db_path)
    if not path.exists():
        raise click.ClickException(f"no database at {path}")
    try:
        target = prepare_out(Path(out))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        db = Database(path, read_only=True)
    except DatabaseLocked:
        manifest = _ask_server(path, target)
    except DatabaseDamaged as exc:
        raise click.ClickException(str(exc)) from None
    else:
        try:
            manifest = backup(db, target)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            db.close()
    click.echo(json.dumps({"out": str(target), **manifest}))


def _ask_server(path: Path, target: Path) -> dict[str, Any]:
    from acdstats.web import control

    try:
        answer = control.ask(path, {"op": "backup", "out": str(target)})
    except OSError as exc:
        raise click.ClickException(
            f"database {path} is in use by another process and no server answers on "
            f"{control.socket_path(path.resolve())} ({exc})"
        ) from None
    if not answer.get("ok"):
        raise click.ClickException(f"the server could not take the backup: {answer['error']}")
    manifest: dict[str, Any] = answer["manifest"]
    return manifest


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False))
@click.option("--db", "db_path", required=True, help="The new database file to write.")
def restore_command(source: str, db_path: str) -> None:
    """Make a new database file from a backup folder (never overwrites a file)."""
    try:
        manifest = restore(Path(source), Path(db_path))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps({"db": db_path, "tables": manifest["tables"]}))


COMMANDS = [backup_command, restore_command]
