"""A deterministic contact-center simulator that emits SPEC 3.1 events.

    from acdstats.simulate import SimulationConfig, load_into_db, simulate
    for event in simulate(SimulationConfig.demo()):        # dicts, in time order
        ...
    summary, report = load_into_db(db, account_id, SimulationConfig.demo(), workers=2)

The model, day by day (UTC): queues with different volumes, talk times and daily profiles;
arrivals are Poisson per queue and hour (HOURLY x WEEKLY profile, a little day-to-day noise).
Operators have 1-3 skills, an 8-hour day or 4-hour evening shift, two days off a week, DND
breaks, and sometimes an absence. A caller is rejected when nobody of the queue is on shift
or the queue is full; otherwise offered to the operator of the queue idle the longest, or
waits. An offer is answered after a lognormal ring, or rings out after the ring timeout and
goes to the next operator; a caller whose (lognormal) patience runs out abandons, also while
it rings. Talk and after-call work are lognormal. Statuses follow the calls: READY at login,
IN_SERVICE at answer, AFTER_SERVICE at hangup, then READY (or DND for a due break, or OFFLINE
at the end of the shift). Times have millisecond precision.

Same config (and numpy version) = same events, whatever the number of worker processes.
Request ids are `{id_prefix}YYYYMMDD-n`; user ids start at 1001, queue ids at 1.
`simulate` yields dicts; `write_jsonl` and `load_into_db` are the bulk paths.
"""

from typing import TYPE_CHECKING, Any

from acdstats.simulate.config import SimulationConfig
from acdstats.simulate.runner import DayResult, Summary, simulate, simulate_days, write_jsonl

if TYPE_CHECKING:
    from acdstats.simulate.load import load_into_db

__all__ = [
    "DayResult",
    "SimulationConfig",
    "Summary",
    "load_into_db",
    "simulate",
    "simulate_days",
    "write_jsonl",
]


def __getattr__(name: str) -> Any:
    # The database side is imported on first use, so the simulator itself needs no storage.
    if name == "load_into_db":
        from acdstats.simulate.load import load_into_db

        return load_into_db
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
