"""Running a simulation: day by day, in this process or on a pool of worker processes.

Each day depends only on (config, day index), so a pool gives exactly the events of a
single process; results are handed back in day order, with a bounded number in flight.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from multiprocessing import get_context
from typing import Any

from acdstats.simulate.config import SimulationConfig
from acdstats.simulate.daylog import TYPES, DayLog
from acdstats.simulate.engine import simulate_day
from acdstats.simulate.render import iter_dicts, to_jsonl
from acdstats.simulate.roster import Operator, build_roster


@dataclass(frozen=True, slots=True)
class DayResult:
    day: int
    counts: tuple[int, ...]  # events per type, in daylog.TYPES order
    log: DayLog | None  # the events, unless rendered to JSONL in the worker
    jsonl: bytes | None


@dataclass
class Summary:
    """What a run produced, by event type."""

    days: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TYPES, 0))

    def add(self, result: DayResult) -> None:
        self.days += 1
        for name, n in zip(TYPES, result.counts, strict=True):
            self.counts[name] += n

    @property
    def events(self) -> int:
        return sum(self.counts.values())

    @property
    def requests(self) -> int:
        return self.counts["enqueued"]

    @property
    def offers(self) -> int:
        return self.counts["offered"]

    def as_dict(self) -> dict[str, Any]:
        return {"days": self.days, "events": self.events, **self.counts}


@lru_cache(maxsize=4)
def roster_of(config: SimulationConfig) -> list[Operator]:
    return build_roster(config)


def run_day(config: SimulationConfig, day: int, jsonl: bool) -> DayResult:
    """One day (also the unit of work sent to a worker process)."""
    with _no_gc():
        log = simulate_day(config, roster_of(config), day)
        counts = tuple(log.counts())
        if jsonl:
            return DayResult(day, counts, None, to_jsonl(log))
        return DayResult(day, counts, log, None)


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic collector: a day allocates millions of acyclic tuples and strings,
    and collections that rescan them cost ~40% of the time while finding nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def simulate_days(
    config: SimulationConfig, workers: int = 1, jsonl: bool = False
) -> Iterator[DayResult]:
    """Every day of the config in order; jsonl=True renders each day in its worker.

    workers > 1 spawns processes, which re-import the caller's main module: a script that
    uses them must start under `if __name__ == "__main__":` (the CLI does).
    """
    if workers <= 1 or config.days == 1:
        for day in range(config.days):
            yield run_day(config, day, jsonl)
        return
    # spawn, not fork: the parent may hold DuckDB threads and a Rich live display.
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        pending: list[Future[DayResult]] = []
        next_day = 0
        try:
            while next_day < config.days or pending:
                while next_day < config.days and len(pending) < 2 * workers:
                    pending.append(pool.submit(run_day, config, next_day, jsonl))
                    next_day += 1
                yield pending.pop(0).result()
        finally:  # a consumer that stops early does not wait for days it will not read
            for future in pending:
                future.cancel()


def simulate(config: SimulationConfig, workers: int = 1) -> Iterator[dict[str, Any]]:
    """The simulated events as SPEC 3.1 records (dicts), in time order."""
    for result in simulate_days(config, workers):
        assert result.log is not None
        yield from iter_dicts(result.log)


def write_jsonl(
    config: SimulationConfig,
    write: Callable[[bytes], object],
    workers: int = 1,
    on_day: Callable[[DayResult], None] | None = None,
) -> Summary:
    """Write every event as JSON Lines through `write` (e.g. a binary file's write)."""
    summary = Summary()
    for result in simulate_days(config, workers, jsonl=True):
        assert result.jsonl is not None
        write(result.jsonl)
        summary.add(result)
        if on_day is not None:
            on_day(result)
    return summary
