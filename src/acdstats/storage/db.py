"""The database handle: one DuckDB file, one writer at a time, readers on their own cursors."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb

from acdstats.errors import DatabaseDamaged, DatabaseLocked, StorageUnavailable, WriterBusy
from acdstats.storage.schema import migrate

CHECKPOINT_WAL_BYTES = 16 * 1024 * 1024  # DuckDB's own automatic threshold
# A checkpoint copies the log's changes into the file. If the disk fills while it runs,
# DuckDB invalidates the whole database: every read fails until the process reopens it. So
# it runs only with room for twice the log and this much more; else the log grows (a write
# that finds no room for it fails alone, and reads go on).
CHECKPOINT_ROOM_BYTES = 64 * 1024 * 1024


@contextmanager
def engine_errors() -> Iterator[None]:
    """At storage's edge: a failure of DuckDB leaves storage as StorageUnavailable (with
    DuckDB's message), so services and web never see the engine's exceptions."""
    try:
        yield
    except duckdb.Error as exc:
        raise StorageUnavailable(f"{type(exc).__name__}: {exc}") from exc


class Database:
    """Owns the DuckDB connection of one process.

    DuckDB lets one process write a file; inside the process, writes are serialised by a
    lock (one writer) and readers use cursors of their own, which see committed data.
    """

    def __init__(self, path: str | os.PathLike[str], read_only: bool = False):
        self.path = Path(path)
        # Replaying a write-ahead log at open allocates blocks the file does not hold yet.
        replays_wal = self.path.with_name(self.path.name + ".wal").exists()
        try:
            self._con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise DatabaseLocked(
                    f"database {self.path} is in use by another process "
                    "(is `acdstats serve` running on it?)"
                ) from None
            raise self._damaged(exc) from None
        except duckdb.Error as exc:
            raise self._damaged(exc) from None
        try:
            check_readable(self._con, None if replays_wal else self.path)
        except duckdb.Error as exc:
            self._con.close()
            raise self._damaged(exc) from None
        except DatabaseDamaged:
            self._con.close()
            raise
        self._write_lock = threading.Lock()
        self._rehearsal: tuple[int, duckdb.DuckDBPyConnection] | None = None
        self._local = threading.local()
        self.checkpoint_wal_bytes = CHECKPOINT_WAL_BYTES
        if not read_only:
            # Checkpoints are ours (_checkpoint_if_due), never DuckDB's at a commit.
            self._con.execute("SET checkpoint_threshold = '1000TB'")
            migrate(self._con)

    def _damaged(self, exc: BaseException) -> DatabaseDamaged:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return DatabaseDamaged(
            f"database {self.path} cannot be read ({first}); it is damaged or not an acdstats "
            "database: restore it from a backup, or give another --db"
        )

    def reader(self) -> duckdb.DuckDBPyConnection:
        """A cursor for the calling thread (DuckDB connections are not shared across threads)."""
        cur: duckdb.DuckDBPyConnection | None = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._con.cursor()
            self._local.cursor = cur
        return cur

    @contextmanager
    def writer(self, timeout: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """The one writer: a transaction that commits on success and rolls back on error.

        With a timeout, WriterBusy is raised if the writer is not free within it. Inside
        `rehearsal()` (same thread) it is the rehearsal's transaction instead. A failure of
        DuckDB in it (after the rollback) leaves as StorageUnavailable.
        """
        rehearsal = self._rehearsal
        if rehearsal is not None and rehearsal[0] == threading.get_ident():
            with engine_errors():
                yield rehearsal[1]
            return
        if not self._write_lock.acquire(timeout=-1 if timeout is None else timeout):
            raise WriterBusy(f"the database writer stayed busy for {timeout} s")
        try:
            with engine_errors():
                cur = self._con.cursor()
                try:
                    cur.execute("BEGIN")
                    try:
                        yield cur
                    except BaseException:
                        cur.execute("ROLLBACK")
                        raise
                    cur.execute("COMMIT")
                    self._checkpoint_if_due(cur)
                finally:
                    cur.close()
        finally:
            self._write_lock.release()

    @contextmanager
    def rehearsal(self) -> Iterator[None]:
        """Run writes for real and keep none of them (`acdstats import --dry-run`).

        Every `writer()` of this thread inside it joins one transaction, rolled back at the
        end: the same checks, derivations and reports as a real run, later writes seeing the
        earlier ones, and nothing stored. Other threads' writers wait until it ends.
        """
        with self._write_lock:
            cur = self._con.cursor()
            try:
                cur.execute("BEGIN")
                self._rehearsal = (threading.get_ident(), cur)
                try:
                    yield
                finally:
                    self._rehearsal = None
                    cur.execute("ROLLBACK")
            finally:
                cur.close()

    def _checkpoint_if_due(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Fold a large write-ahead log into the file, if the disk has room for it.

        DuckDB's automatic checkpoint was seen never to run during long bulk loads here (the
        log reached 3.6 GB and memory 4.7 GB), and on a full disk it invalidates the
        database; this one bounds both and waits for room. It is skipped, not forced, while
        readers are in a transaction: the next commit tries again.
        """
        wal = self.path.with_name(self.path.name + ".wal")
        try:
            size = wal.stat().st_size
            due = size > self.checkpoint_wal_bytes
            room = shutil.disk_usage(self.path.parent).free >= 2 * size + CHECKPOINT_ROOM_BYTES
        except OSError:
            return
        if due and room:
            with suppress(duckdb.Error):
                cur.execute("CHECKPOINT")

    def answers(self) -> None:
        """One tiny read (the health check's); StorageUnavailable if the database fails it."""
        with engine_errors():
            # fetchall, not fetchone: a result left unfinished on this thread's cursor makes
            # its next relation (cur.sql) or register fail with ResourceInUseException.
            self.reader().execute("SELECT max(version) FROM schema_version").fetchall()

    def next_id(self, cur: duckdb.DuckDBPyConnection, name: str) -> int:
        """A persistent counter (inside the caller's write transaction)."""
        return next_id(cur, name)

    def close(self) -> None:
        self._con.close()


def next_id(cur: duckdb.DuckDBPyConnection, name: str) -> int:
    """A persistent counter (inside the caller's write transaction)."""
    row = cur.execute(
        "INSERT INTO counters VALUES (?, 1) ON CONFLICT (name) DO UPDATE "
        "SET value = counters.value + 1 RETURNING value",
        [name],
    ).fetchall()[0]
    return int(row[0])


# A DuckDB file: three 4 KiB headers, then fixed-size blocks.
_HEADER_BYTES = 3 * 4096


def check_readable(con: duckdb.DuckDBPyConnection, path: Path | None) -> None:
    """Fail (duckdb.Error or DatabaseDamaged) unless the catalog and every table can be read.

    Cheap at any size: the catalog and each table's segment list are read, and one row of
    each table; the file (when given: not while a write-ahead log was replayed into it) must
    be long enough for the blocks in use (a truncated file is not, and DuckDB would only
    notice when a query reaches a missing block).
    """
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE database_name = current_database()"
    ).fetchall()
    for schema, table in tables:
        name = f'"{schema}"."{table}"'
        con.execute(f"SELECT * FROM {name} LIMIT 1").fetchall()
        con.execute(
            "SELECT max(block_id) FROM pragma_storage_info(?)", [f"{schema}.{table}"]
        ).fetchall()
    # used_blocks, not total_blocks: DuckDB trims free blocks off the end of the file, so
    # the header can count blocks the file rightly does not hold; each used one it must.
    rows = con.execute("SELECT block_size, used_blocks FROM pragma_database_size()").fetchall()
    row = rows[0] if rows else None
    if row is None or path is None or not path.exists():
        return
    block_size, used_blocks = int(row[0]), int(row[1])
    needed = _HEADER_BYTES + block_size * used_blocks
    size = path.stat().st_size
    if used_blocks and size < needed:
        raise DatabaseDamaged(
            f"database {path} is truncated: {size} bytes, but {used_blocks} blocks in use "
            f"need {needed}; restore it from a backup"
        )
