"""Data commands: import, query, rebuild."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click
import orjson

from acdstats.cli.options import (
    account_option,
    db_option,
    missing_database,
    now_option,
    open_db,
    require_account,
    status_detail_option,
)
from acdstats.config import resolve_path
from acdstats.domain.buckets import load_zone
from acdstats.domain.csv_answer import CsvBody
from acdstats.domain.queue_metrics import parse_thresholds
from acdstats.domain.timefmt import parse_request_time
from acdstats.errors import ApiError
from acdstats.importers import FORMATS
from acdstats.services.methods import CallContext, find_method, respond
from acdstats.services.rebuild import rebuild_account

if TYPE_CHECKING:  # the import path's modules load only when a file is imported
    from rich.console import Console
    from rich.progress import Progress

    from acdstats.domain.events import Line
    from acdstats.services.ingest import IngestReport
    from acdstats.storage.eventstore import DataSpan

_SHOWN_REJECTS = 50
# Lines per transaction for files read line by line (CSV, queue_log): derived once per
# large chunk, as the bulk reader's chunks of JSON Lines are.
IMPORT_BATCH_LINES = 500_000


@click.command("import")
@db_option
@account_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True)
@click.option(
    "--timezone",
    default="UTC",
    show_default=True,
    callback=lambda _ctx, _param, value: _known_zone(value),
    help="Zone of local times: times without an offset in event and offer-record files, "
    "and in queue_log realtime CSV exports (an IANA name such as Europe/Berlin).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Read, check and report as for real, but store nothing.",
)
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def import_(
    db_path: str | None,
    account_id: int,
    fmt: str,
    timezone: str,
    as_json: bool,
    dry_run: bool,
    files: tuple[str, ...],
) -> None:
    """Import events or offer records (JSONL, CSV, Asterisk queue_log, PBXware CSV).

    Per file: what was stored, duplicate, replaced, orphaned, skipped and rejected (with line
    numbers), and the time span of the data with the number of operators and queues it names.
    """
    if not resolve_path(db_path).exists():
        raise missing_database(db_path, account_id)
    db = open_db(db_path)
    require_account(db, account_id)
    from rich.console import Console

    from acdstats.importers.detect import open_bulk, open_reader
    from acdstats.services.ingest import ingest, ingest_chunks

    console = Console(stderr=True)
    reports = {}
    # A dry run is one transaction over every file, rolled back: later files see earlier ones.
    with db.rehearsal() if dry_run else nullcontext():
        for name in files:
            path = Path(name)
            with path.open("rb") as stream, _progress(console, path) as progress:
                task = progress.add_task(path.name, total=path.stat().st_size)
                chunks = open_bulk(stream, fmt, timezone)
                if chunks is not None:

                    def advance(_part: IngestReport, s: IO[bytes] = stream, t: Any = task) -> None:
                        progress.update(t, completed=s.tell())

                    report = ingest_chunks(db, account_id, chunks, advance)
                else:
                    lines = open_reader(stream, fmt, timezone)
                    tracked = _tracked(lines, stream, progress, task)
                    report = ingest(db, account_id, tracked, batch_lines=IMPORT_BATCH_LINES)
            reports[name] = report
    db.close()
    if as_json:
        answer = {
            n: {
                **r.as_dict(),
                "summary": _summary(r.span),
                **({"dry_run": True} if dry_run else {}),
            }
            for n, r in reports.items()
        }
        click.echo(orjson.dumps(answer).decode())
    else:
        for name, report in reports.items():
            _print_report(name, report, timezone)
        if dry_run:
            click.echo("dry run: nothing was stored")
    if any(r.rejected for r in reports.values()):
        sys.exit(3)


def _summary(span: DataSpan) -> dict[str, Any] | None:
    """The data's time span (UTC) and how many operators and queues it names."""
    if span.first_ms is None or span.last_ms is None:
        return None
    return {
        "first": _utc_text(span.first_ms),
        "last": _utc_text(span.last_ms),
        "operators": len(span.users),
        "queues": len(span.queues),
    }


def _utc_text(ms: int, zone: tzinfo | None = None) -> str:
    at = datetime.fromtimestamp(ms / 1000, zone or UTC)
    return at.strftime("%Y-%m-%d %H:%M:%S") + (f".{ms % 1000:03d}" if ms % 1000 else "")


def _span_line(span: DataSpan, timezone: str) -> str:
    if span.first_ms is None or span.last_ms is None:
        return "  no data: nothing in this file was accepted"
    when = f"{_utc_text(span.first_ms)} to {_utc_text(span.last_ms)} UTC"
    if timezone != "UTC":
        zone = load_zone(timezone)
        local = f"{_utc_text(span.first_ms, zone)} to {_utc_text(span.last_ms, zone)} {timezone}"
        when += f" ({local})"
    return (
        f"  data from {when}; {_count(len(span.users), 'operator')}, "
        f"{_count(len(span.queues), 'queue')}"
    )


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _known_zone(name: str) -> str:
    if load_zone(name) is None:  # the pinned tz database, as for every local time
        raise click.BadParameter(
            f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin)"
        )
    return name


def _progress(console: Console, path: Path) -> Progress:
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def _tracked(
    lines: Iterator[Line], stream: IO[bytes], progress: Progress, task: object
) -> Iterator[Line]:
    for n, line in enumerate(lines):
        if n % 10_000 == 0:
            progress.update(task, completed=stream.tell())  # type: ignore[arg-type]
        yield line


def _print_report(name: str, report: IngestReport, timezone: str = "UTC") -> None:
    click.echo(
        f"{name}: stored {report.stored}, duplicates {report.duplicates}, "
        + (f"replaced {report.replaced}, " if report.replaced else "")
        + f"orphaned {report.orphaned}, skipped {report.skipped}, "
        f"rejected {len(report.rejected)}"
    )
    click.echo(_span_line(report.span, timezone))
    for line, reason in report.rejected[:_SHOWN_REJECTS]:
        click.echo(f"  line {line}: {reason}")
    if len(report.rejected) > _SHOWN_REJECTS:
        click.echo(f"  ... and {len(report.rejected) - _SHOWN_REJECTS} more (use --json)")


def _thresholds(value: str) -> tuple[int, ...]:
    try:
        return parse_thresholds(value)
    except ValueError as exc:
        raise click.BadParameter(
            f"{value!r}: expected a ';'-separated list of whole seconds 1..3600 ({exc})"
        ) from None


@click.command()
@db_option
@account_option
@click.option(
    "--max-records",
    type=click.IntRange(min=1),
    default=None,
    help="Answer size limit (statistics records).",
)
@click.option(
    "--user-id-as-number",
    is_flag=True,
    help="Answer user_id as a JSON number (Voximplant's documented example), not a string.",
)
@status_detail_option
@now_option
@click.option(
    "--service-level-thresholds",
    "thresholds",
    default="20;30;60",
    show_default=True,
    callback=lambda _ctx, _param, value: _thresholds(value),
    help="Service-level thresholds in seconds, ';'-separated, 1..3600, as on serve.",
)
@click.option(
    "--service-level-as-fraction",
    is_flag=True,
    help="Service levels as Voximplant's documented fraction (0.3333), not integer percents.",
)
@click.argument("method")
@click.argument("params", nargs=-1)
def query(
    db_path: str | None,
    account_id: int,
    max_records: int | None,
    user_id_as_number: bool,
    status_detail_as_object: bool | None,
    now: str | None,
    thresholds: tuple[int, ...],
    service_level_as_fraction: bool,
    method: str,
    params: tuple[str, ...],
) -> None:
    """Run a platform_api METHOD on the database; print the JSON the server would answer.

    PARAMS are name=value pairs, e.g. from_date="2026-03-01 00:00:00" user_id=all.
    """
    values: dict[str, str] = {}
    for pair in params:
        name, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r} is not name=value", param_hint="PARAMS")
        values[name] = value
    if not resolve_path(db_path).exists():
        raise missing_database(db_path, account_id)
    try:
        found = find_method(method)
    except ApiError as exc:
        click.echo(orjson.dumps(exc.as_dict()).decode())
        sys.exit(1)
    db = open_db(db_path, read_only=not found.writes)
    require_account(db, account_id)
    ctx = CallContext(
        db,
        account_id,
        max_records=max_records or CallContext.max_records,
        user_id_as_number=user_id_as_number,
        now_ms=None if now is None else parse_request_time(now),
        status_detail_as_object=bool(status_detail_as_object),
        service_level_thresholds=thresholds,
        service_level_as_fraction=service_level_as_fraction,
    )
    try:
        answer = respond(found, ctx, values)
    finally:
        db.close()
    if isinstance(answer, CsvBody):  # format=csv: the bytes unchanged (SPEC 5)
        sys.stdout.buffer.write(answer)
        sys.stdout.buffer.flush()
        return
    click.echo(answer.decode())
    if answer.startswith(b'{"error":'):  # printed as the server answers it, and exit 1
        sys.exit(1)


@click.command()
@db_option
@account_option
def rebuild(db_path: str | None, account_id: int) -> None:
    """Re-derive every offer of an account from the raw events."""
    db = open_db(db_path)
    require_account(db, account_id)
    rebuild_account(db, account_id)
    db.close()
    click.echo(f"rebuilt account {account_id}")


COMMANDS = [import_, query, rebuild]
