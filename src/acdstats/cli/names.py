"""`acdstats names`: the integer ids given to queue_log queue and agent names."""

from __future__ import annotations

import click
import orjson

from acdstats.cli.options import (
    account_option,
    db_option,
    missing_database,
    open_db,
    require_account,
)
from acdstats.config import resolve_path
from acdstats.domain.names import KINDS
from acdstats.storage.names import link_name, list_names


@click.command("names")
@db_option
@account_option
@click.option("--kind", type=click.Choice(KINDS), default=None, help="Only queues or agents.")
@click.option(
    "--link",
    "links",
    multiple=True,
    metavar="ALIAS=NAME",
    help="Before importing: make ALIAS another spelling of NAME (same id). Needs --kind.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the mapping as JSON.")
def names(
    db_path: str | None, account_id: int, kind: str | None, links: tuple[str, ...], as_json: bool
) -> None:
    """List the ids that queue_log imports gave to queue and agent names.

    Use these ids as acd_queue_id and user_id in GetACDOperatorStatistics.
    """
    if links and kind is None:
        raise click.UsageError("--link needs --kind queue or --kind agent")
    if not resolve_path(db_path).exists():
        raise missing_database(db_path, account_id)
    db = open_db(db_path, read_only=not links)
    require_account(db, account_id)
    try:
        for pair in links:
            alias, sep, name = pair.partition("=")
            if not sep or not alias or not name:
                raise click.BadParameter(f"{pair!r} is not ALIAS=NAME", param_hint="--link")
            assert kind is not None
            try:
                link_name(db, account_id, kind, alias, name)
            except ValueError as exc:
                raise click.ClickException(str(exc)) from None
        rows = list_names(db, account_id, kind)
    finally:
        db.close()
    if as_json:
        click.echo(orjson.dumps([{"kind": r.kind, "id": r.id, "name": r.name} for r in rows]))
        return
    if not rows:
        click.echo("no names yet: import a queue_log file first")
        return
    width = max(2, *(len(str(r.id)) for r in rows))
    click.echo(f"{'kind':<6} {'id':>{width}}  name")
    for r in rows:
        click.echo(f"{r.kind:<6} {r.id:>{width}}  {r.name}")


COMMANDS = [names]
