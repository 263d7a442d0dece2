"""Group commit for POST /events: batches that arrive while one is being written are
written together, in one transaction, on their return each with its own report.

Most of a write transaction's cost is fixed (planning and running the checking,
derivation and rollup statements), so concurrent clients share it instead of queueing
behind one another. Whoever finds the writer free becomes the leader and writes
everything pending (up to a line cap); the others wait for their result.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from acdstats.domain.events import Line
from acdstats.errors import WriterBusy
from acdstats.services.ingest import IngestReport, ingest_parts
from acdstats.storage.db import Database

MAX_LINES_PER_COMMIT = 50_000


@dataclass
class _Job:
    account_id: int
    lines: list[Line]
    done: threading.Event = field(default_factory=threading.Event)
    report: IngestReport | None = None
    error: BaseException | None = None


class GroupCommit:
    def __init__(
        self,
        db: Database,
        max_lines: int = MAX_LINES_PER_COMMIT,
        on_commit: Callable[[int, int], None] | None = None,
    ) -> None:
        self._db = db
        self._max_lines = max_lines
        self._pending: list[_Job] = []
        self._pending_lock = threading.Lock()
        self._leader = threading.Lock()
        self._on_commit = on_commit  # (client batches, lines) of each committed transaction
        self.writing_since: float | None = None  # time.monotonic() the current write began
        self.last_failure: str | None = None  # why the last write failed; None once one succeeds

    def pending(self) -> int:
        """Client batches waiting for the writer (not counting the one being written)."""
        with self._pending_lock:
            return len(self._pending)

    def write(self, account_id: int, lines: list[Line], timeout: float) -> IngestReport:
        """Store one batch (with whatever else is pending); WriterBusy after `timeout` s."""
        job = _Job(account_id, lines)
        with self._pending_lock:
            self._pending.append(job)
        deadline = time.monotonic() + timeout
        while not job.done.is_set():
            if self._leader.acquire(timeout=max(0.0, deadline - time.monotonic())):
                try:
                    self._write_pending(deadline)
                finally:
                    self._leader.release()
            elif self._withdraw(job):
                raise WriterBusy(f"the database writer stayed busy for {timeout} s")
            else:
                job.done.wait()  # a leader took it just now: its result is coming
        if job.error is not None:
            raise job.error
        assert job.report is not None
        return job.report

    def probe(self, timeout: float) -> None:
        """One tiny write through the writer (the health check's, after a failed write).

        It clears last_failure once writes succeed again (say the disk has room again), so
        /health recovers without waiting for a client's batch.
        """
        if not self._leader.acquire(timeout=timeout):
            raise WriterBusy(f"the database writer stayed busy for {timeout} s")
        try:
            with self._db.writer(timeout) as cur:
                self._db.next_id(cur, "health_probe")
            self.last_failure = None
        except Exception as exc:
            self.last_failure = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            self._leader.release()

    def _withdraw(self, job: _Job) -> bool:
        with self._pending_lock:
            if job in self._pending:
                self._pending.remove(job)
                return True
            return False

    def _take(self) -> list[_Job]:
        """Pending jobs of one account, oldest first, up to the line cap (at least one)."""
        with self._pending_lock:
            if not self._pending:
                return []
            account = self._pending[0].account_id
            taken: list[_Job] = []
            lines = 0
            for job in self._pending:
                if job.account_id == account and (
                    not taken or lines + len(job.lines) <= self._max_lines
                ):
                    taken.append(job)
                    lines += len(job.lines)
            for job in taken:
                self._pending.remove(job)
            return taken

    def _write_pending(self, deadline: float) -> None:
        while jobs := self._take():
            self.writing_since = time.monotonic()
            try:
                reports = ingest_parts(
                    self._db,
                    jobs[0].account_id,
                    [job.lines for job in jobs],
                    max(0.0, deadline - time.monotonic()),
                )
            except BaseException as exc:  # nothing of these jobs was stored: each is told
                self.writing_since = None
                self.last_failure = f"{type(exc).__name__}: {exc}"
                for job in jobs:
                    job.error = exc
                    job.done.set()
                if not isinstance(exc, Exception):
                    raise
                continue
            self.writing_since = None
            self.last_failure = None
            if self._on_commit is not None:
                self._on_commit(len(jobs), sum(len(job.lines) for job in jobs))
            for job, report in zip(jobs, reports, strict=True):
                job.report = report
                job.done.set()
