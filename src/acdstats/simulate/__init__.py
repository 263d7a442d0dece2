"""A deterministic contact-center simulator that emits SPEC 3.1 events.

    from acdstats.simulate import SimulationConfig, simulate
    for event in simulate(SimulationConfig.demo()):
        ...

`simulate` yields dicts in time order; `write_jsonl` and `load_into_db` are the bulk paths.
"""

from acdstats.simulate.config import SimulationConfig
from acdstats.simulate.load import load_into_db
from acdstats.simulate.runner import DayResult, Summary, simulate, simulate_days, write_jsonl

__all__ = [
    "DayResult",
    "SimulationConfig",
    "Summary",
    "load_into_db",
    "simulate",
    "simulate_days",
    "write_jsonl",
]
