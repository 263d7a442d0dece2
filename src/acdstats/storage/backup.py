"""Backups: a consistent snapshot of the whole database as a folder, and its restore.

A backup is DuckDB's EXPORT DATABASE (schema.sql, load.sql, one Parquet file per table)
plus `acdstats-backup.json`: when, which schema version, and each table's row count. It is
taken inside the one writer's transaction, so it holds whole batches only: exactly what the
database held between two commits. Parquet and SQL outlive DuckDB's file format, so a backup
restores into a newer DuckDB too.

Restore imports into a new file beside the target, checks every table's row count against
the manifest, brings the schema up to date (migrations), and only then renames it into
place: a failed restore leaves nothing at the target.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import duckdb

import acdstats
from acdstats.errors import AcdstatsError
from acdstats.storage.db import Database

MANIFEST = "acdstats-backup.json"
FORMAT = 1


class BackupError(AcdstatsError):
    """A backup cannot be taken or restored (the message says why)."""


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _tables(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    names = [
        str(row[0])
        for row in cur.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND NOT temporary ORDER BY table_name"
        ).fetchall()
    ]
    counts = {}
    for name in names:
        (row,) = cur.execute(f'SELECT count(*) FROM "{name}"').fetchall()
        counts[name] = int(row[0])
    return counts


def prepare_out(out: Path) -> Path:
    """The folder a backup goes to: absolute, and new or empty (a backup never mixes)."""
    out = out.resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"{out} exists and is not an empty folder")
    return out


def export_snapshot(cur: duckdb.DuckDBPyConnection, out: Path) -> dict[str, Any]:
    """Write the snapshot that cur's transaction sees into out; return the manifest."""
    out = prepare_out(out)
    out.mkdir(parents=True, exist_ok=True)
    counts = _tables(cur)
    (version,) = cur.execute("SELECT max(version) FROM schema_version").fetchall()
    cur.execute(f"EXPORT DATABASE {_quoted(out)} (FORMAT parquet)")
    manifest = {
        "format": FORMAT,
        "acdstats": acdstats.__version__,
        "duckdb": duckdb.__version__,
        "schema_version": int(version[0]) if version and version[0] is not None else 0,
        "taken_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "tables": counts,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def backup(db: Database, out: Path, timeout: float | None = None) -> dict[str, Any]:
    """A snapshot taken through the one writer: between two commits, never inside one."""
    with db.writer(timeout) as cur:
        return export_snapshot(cur, out)


def read_manifest(source: Path) -> dict[str, Any]:
    path = source / MANIFEST
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        raise BackupError(f"{source} is not an acdstats backup (no {MANIFEST})") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} cannot be read: {exc}") from None
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("tables"), dict):
        raise BackupError(f"{path} is not a backup manifest this version can read")
    return manifest


def restore(source: Path, target: Path) -> dict[str, Any]:
    """A new database file at target from the backup in source; the manifest it held."""
    source = source.resolve()
    manifest = read_manifest(source)
    if target.exists() or target.with_name(target.name + ".wal").exists():
        raise BackupError(f"{target} exists: restore writes a new database file only")
    partial = target.with_name(target.name + ".restoring")
    for leftover in (partial, partial.with_name(partial.name + ".wal")):
        leftover.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(partial))
        try:
            con.execute(f"IMPORT DATABASE {_quoted(source)}")
            counts = _tables(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        expected = {str(k): int(v) for k, v in manifest["tables"].items()}
        if counts != expected:
            differ = sorted(
                n for n in set(counts) | set(expected) if counts.get(n) != expected.get(n)
            )
            raise BackupError(
                "the restored tables do not match the backup's manifest: " + ", ".join(differ)
            )
        Database(partial).close()  # migrations: a backup of an older schema comes up to date
        os.replace(partial, target)
    except duckdb.Error as exc:
        raise BackupError(f"the backup in {source} cannot be restored: {exc}") from None
    finally:
        for leftover in (partial, partial.with_name(partial.name + ".wal")):
            leftover.unlink(missing_ok=True)
    return manifest
