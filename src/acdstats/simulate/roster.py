"""Operators: skills, shift templates, weekly days off; and who works when on a given day."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from acdstats.simulate.config import SimulationConfig, queue_shares

FIRST_USER_ID = 1001  # user ids start here, so they never look like queue ids in examples
_MINUTE = 60_000
_HOUR = 60 * _MINUTE

# Weekly days off (0 = Monday): most operators have the weekend off, the rest cover it.
_DAYS_OFF = ((5, 6), (6, 0), (4, 5), (0, 1), (1, 2), (2, 3), (3, 4))
_DAYS_OFF_WEIGHT = (0.45, 0.1, 0.05, 0.05, 0.1, 0.125, 0.125)
# 8-hour shifts starting 07:00..14:00 (the last ends at 22:00), weighted to follow HOURLY.
_FULL_TIME_STARTS = tuple(range(7, 15))
_FULL_TIME_WEIGHT = (0.17, 0.2, 0.16, 0.12, 0.1, 0.09, 0.08, 0.08)
_PART_TIME_STARTS = (16, 17, 18)  # 4-hour evening shifts
_PART_TIME_SHARE = 0.2
_SKILL_COUNT_WEIGHT = (0.4, 0.35, 0.25)  # 1, 2 or 3 queues


@dataclass(frozen=True, slots=True)
class Operator:
    user_id: int
    skills: tuple[int, ...]  # queue indices (0-based), primary first
    start_hour: int
    hours: int
    days_off: tuple[int, int]
    miss: float  # probability of letting an offer ring out


@dataclass(frozen=True, slots=True)
class Shift:
    op: int  # index into the roster
    login: int  # epoch ms
    logout: int
    breaks: tuple[tuple[int, int], ...]  # (start epoch ms, duration ms)


def build_roster(config: SimulationConfig) -> list[Operator]:
    """The center's staff; depends only on the config (and its seed)."""
    rng = np.random.default_rng([config.seed, 0])
    n, queues = config.operators, config.queues
    shares = np.array(queue_shares(queues))
    m = config.miss_rate
    misses = rng.beta(2.0, 2.0 * (1 - m) / m, n) if m > 0 else np.zeros(n)
    part_time = rng.random(n) < _PART_TIME_SHARE
    full_starts = rng.choice(_FULL_TIME_STARTS, n, p=_FULL_TIME_WEIGHT)
    part_starts = rng.choice(_PART_TIME_STARTS, n)
    off = rng.choice(len(_DAYS_OFF), n, p=_DAYS_OFF_WEIGHT)
    skill_counts = rng.choice(3, n, p=_SKILL_COUNT_WEIGHT) + 1
    roster = []
    for i in range(n):
        count = min(int(skill_counts[i]), queues)
        # Weighted draw without replacement: busier queues get more operators.
        skills = rng.choice(queues, count, replace=False, p=shares)
        roster.append(
            Operator(
                user_id=FIRST_USER_ID + i,
                skills=tuple(int(q) for q in skills),
                start_hour=int(part_starts[i] if part_time[i] else full_starts[i]),
                hours=4 if part_time[i] else 8,
                days_off=_DAYS_OFF[int(off[i])],
                miss=float(misses[i]),
            )
        )
    return roster


def day_shifts(
    config: SimulationConfig, roster: list[Operator], day: int, rng: np.random.Generator
) -> list[Shift]:
    """Who works on this day, with login/logout jitter and DND breaks, all at ms precision."""
    weekday = config.day(day).weekday()
    base = config.day_start_ms(day)
    n = len(roster)
    absent = rng.random(n) < config.absence_rate
    jitter = np.clip(rng.normal(0, 3 * _MINUTE, (n, 2)), -10 * _MINUTE, 10 * _MINUTE)
    offsets = rng.normal(0, 1, (n, 3))  # break start jitter, in units of each break's spread
    lengths = rng.normal(0, 1, (n, 3))
    shifts = []
    for i, op in enumerate(roster):
        if absent[i] or weekday in op.days_off:
            continue
        login = base + op.start_hour * _HOUR + int(jitter[i, 0])
        logout = login + op.hours * _HOUR + int(jitter[i, 1])
        breaks: list[tuple[int, int]] = []
        if config.breaks:
            plan = _FULL_BREAKS if op.hours >= 6 else _PART_BREAKS
            for k, (at_h, spread_min, dur_min, dur_spread) in enumerate(plan):
                start = login + int(at_h * _HOUR + offsets[i, k] * spread_min * _MINUTE)
                dur = int(max(3.0, dur_min + lengths[i, k] * dur_spread) * _MINUTE)
                breaks.append((start, dur))
        shifts.append(Shift(i, login, logout, tuple(breaks)))
    return shifts


# (hours after login, start spread in minutes, duration minutes, duration spread minutes)
_FULL_BREAKS = ((2.0, 15, 15, 3), (4.0, 25, 30, 5), (6.0, 15, 15, 3))
_PART_BREAKS = ((2.0, 15, 10, 2),)
