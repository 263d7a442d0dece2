"""`acdstats simulate`: generate a realistic contact center's events (JSONL or into a database)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from datetime import date, datetime

import click
from click.core import ParameterSource
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from acdstats.cli.options import open_db
from acdstats.simulate import DayResult, SimulationConfig, Summary, write_jsonl
from acdstats.simulate.load import LOAD_BATCH_LINES, load_into_db


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not YYYY-MM-DD") from None


@click.command()
@click.option("--operators", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--queues", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--days", type=click.IntRange(min=1), default=30, show_default=True)
@click.option(
    "--calls-per-day",
    type=click.IntRange(min=0),
    default=None,
    help="Requests per day, averaged over a week [default: 25 per operator].",
)
@click.option(
    "--start-date",
    callback=_parse_date,
    default=None,
    help=f"First day, YYYY-MM-DD (UTC) [default: {SimulationConfig.start_date}].",
)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--id-prefix", default="", help="Prepended to request ids (to load several runs).")
@click.option("--out", "out", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Write JSON Lines to this file ('-' = stdout).")  # fmt: skip
@click.option(
    "--db",
    "db_path",
    envvar="ACDSTATS_DB",
    default=None,
    help="Ingest into this database instead (default: $ACDSTATS_DB when --out is not given).",
)
@click.option("--account-id", type=click.IntRange(min=1), default=None, help="With --db.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=min(2, os.cpu_count() or 1),
    show_default=True,
    help="Processes that simulate days in parallel (the events do not depend on it).",
)
@click.option("--batch-lines", type=click.IntRange(min=1), default=LOAD_BATCH_LINES,
              show_default=True, help="Events per ingest transaction, with --db.")  # fmt: skip
def simulate(
    operators: int,
    queues: int,
    days: int,
    calls_per_day: int | None,
    start_date: date | None,
    seed: int,
    id_prefix: str,
    out: str | None,
    db_path: str | None,
    account_id: int | None,
    workers: int,
    batch_lines: int,
) -> None:
    """Simulate a contact center: queues, skilled operators on shifts, callers, breaks.

    The same options give the same events. Output is JSON Lines (--out) or a database
    (--db with --account-id), exactly one of the two.
    """
    ctx = click.get_current_context()
    if out is not None and ctx.get_parameter_source("db_path") is ParameterSource.ENVIRONMENT:
        db_path = None  # an explicit --out wins over the environment's database
    if (out is None) == (db_path is None):
        raise click.UsageError("give exactly one of --out FILE and --db PATH")
    if db_path is not None and account_id is None:
        raise click.UsageError("--db needs --account-id")
    try:
        config = SimulationConfig(
            operators=operators,
            queues=queues,
            days=days,
            calls_per_day=calls_per_day,
            start_date=start_date or SimulationConfig.start_date,
            seed=seed,
            id_prefix=id_prefix,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    console = Console(stderr=True)
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        "days",
        "{task.fields[events]:,} events",
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    task = progress.add_task("simulating", total=days, events=0)
    done = Summary()

    def on_day(result: DayResult) -> None:
        done.add(result)
        progress.update(task, advance=1, events=done.events)

    started = time.perf_counter()
    with progress:
        if out is not None:
            summary = _to_jsonl(config, out, workers, on_day)
        else:
            assert db_path is not None and account_id is not None
            db = open_db(db_path)
            try:
                summary, report = load_into_db(
                    db, account_id, config, workers, batch_lines, on_day=on_day
                )
            finally:
                db.close()
            click.echo(
                f"ingested: stored {report.stored}, duplicates {report.duplicates}, "
                f"orphaned {report.orphaned}, rejected {len(report.rejected)}",
                err=True,
            )
    _print_summary(summary, time.perf_counter() - started)


def _to_jsonl(
    config: SimulationConfig, out: str, workers: int, on_day: Callable[[DayResult], None]
) -> Summary:
    if out == "-":
        summary = write_jsonl(config, sys.stdout.buffer.write, workers, on_day)
        sys.stdout.buffer.flush()
        return summary
    with open(out, "wb", buffering=1 << 20) as stream:
        return write_jsonl(config, stream.write, workers, on_day)


def _print_summary(summary: Summary, seconds: float) -> None:
    c = summary.counts
    answered, offers = c["answered"], summary.offers
    click.echo(
        f"{summary.days} days: {summary.requests:,} requests, {offers:,} offers "
        f"({answered:,} answered, {offers - answered:,} unanswered), "
        f"{c['abandoned']:,} abandoned, {c['rejected']:,} rejected; {summary.events:,} events "
        f"in {seconds:.1f} s ({summary.events / max(seconds, 1e-9):,.0f} events/s, "
        f"{offers / max(seconds, 1e-9):,.0f} offers/s)",
        err=True,
    )


COMMANDS = [simulate]
