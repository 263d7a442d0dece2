"""What to simulate: the size knobs, the behaviour knobs, and the traffic profiles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_ID_PREFIX = re.compile(r"[A-Za-z0-9._:-]{0,40}")

# Relative arrival rate per UTC hour of the day: quiet nights (calls then are rejected, nobody
# is logged in), a morning peak, a lunch dip and a smaller afternoon peak.
HOURLY = (
    0.004, 0.003, 0.002, 0.002, 0.003, 0.006, 0.02, 0.25,
    0.65, 1.00, 1.15, 1.10, 0.88, 0.92, 1.05, 1.00,
    0.90, 0.75, 0.55, 0.40, 0.27, 0.14, 0.04, 0.012,
)  # fmt: skip

# Relative daily volume Monday..Sunday (normalised to a mean of 1 by weekday_factor()).
WEEKLY = (1.18, 1.10, 1.05, 1.02, 0.98, 0.45, 0.30)

# Per queue (cycled when there are more queues): traffic share before normalisation, talk
# time factor, and how many hours its daily profile is shifted (sales peaks later, ...).
QUEUE_SHARE = (1.0, 0.62, 0.45, 0.33, 0.25, 0.2, 0.16, 0.13)
QUEUE_TALK = (1.0, 1.35, 0.75, 1.15, 0.9, 1.2, 0.8, 1.05)
QUEUE_SHIFT = (0, 1, -1, 2, 0, -1, 1, 0)


@dataclass(frozen=True)
class SimulationConfig:
    """A contact center and the period to simulate. Same config = same events."""

    operators: int = 50
    queues: int = 5
    days: int = 30
    start_date: date = date(2026, 1, 5)
    # Requests per day on average over a week; None = 25 per operator (about 1.1 offers each).
    calls_per_day: int | None = None
    seed: int = 1
    ring_timeout_s: float = 20.0
    ring_median_s: float = 5.0  # how long an operator who answers lets the phone ring
    miss_rate: float = 0.06  # mean share of offers the operator lets ring out
    missed_cooldown_s: float = 5.0  # an operator who missed is not offered again at once
    patience_median_s: float = 60.0
    talk_median_s: float = 170.0
    talk_sigma: float = 0.8
    acw_median_s: float = 25.0
    acw_sigma: float = 0.8
    # Waiting callers per queue beyond which new ones are rejected; None = scale with staff.
    queue_capacity: int | None = None
    absence_rate: float = 0.03  # share of rostered operators absent on a given day
    breaks: bool = True  # DND breaks during shifts
    # Prepended to every request_id, so that several simulations can share one account.
    id_prefix: str = ""

    def __post_init__(self) -> None:
        for name in ("operators", "queues", "days"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.calls_per_day is not None and self.calls_per_day < 0:
            raise ValueError("calls_per_day must not be negative")
        if not 0 <= self.miss_rate < 1 or not 0 <= self.absence_rate < 1:
            raise ValueError("miss_rate and absence_rate must be in [0, 1)")
        medians = (self.ring_median_s, self.patience_median_s, self.talk_median_s)
        if min(medians + (self.acw_median_s,)) <= 0 or min(self.talk_sigma, self.acw_sigma) < 0:
            raise ValueError("duration medians must be positive and sigmas not negative")
        if not _ID_PREFIX.fullmatch(self.id_prefix):
            raise ValueError("id_prefix may hold only letters, digits and . _ : -")
        # Bounded waits keep every day's events before the next midnight (days independent).
        if not 1 <= self.ring_timeout_s <= 300 or not 0 <= self.missed_cooldown_s <= 300:
            raise ValueError("ring_timeout_s must be in [1, 300], missed_cooldown_s in [0, 300]")

    @classmethod
    def demo(cls, start_date: date | None = None, seed: int = 1) -> SimulationConfig:
        """About 30 days of a 50-operator, 5-queue center (what `acdstats demo` loads)."""
        return cls(
            operators=50,
            queues=5,
            days=30,
            start_date=start_date or cls.start_date,
            seed=seed,
        )

    @property
    def daily_calls(self) -> float:
        return float(25 * self.operators if self.calls_per_day is None else self.calls_per_day)

    @property
    def capacity(self) -> int:
        if self.queue_capacity is not None:
            return self.queue_capacity
        return max(10, self.operators // self.queues)

    def day(self, index: int) -> date:
        return self.start_date + timedelta(days=index)

    def day_start_ms(self, index: int) -> int:
        return (self.day(index) - date(1970, 1, 1)).days * 86_400_000


def weekday_factor(d: date) -> float:
    return WEEKLY[d.weekday()] * 7 / sum(WEEKLY)


def queue_shares(queues: int) -> list[float]:
    raw = [QUEUE_SHARE[i % len(QUEUE_SHARE)] for i in range(queues)]
    total = sum(raw)
    return [r / total for r in raw]


def queue_profile(queue: int) -> list[float]:
    """The queue's hourly profile: HOURLY shifted by the queue's offset, summing to 1."""
    shift = QUEUE_SHIFT[queue % len(QUEUE_SHIFT)]
    raw = [HOURLY[(h - shift) % 24] for h in range(24)]
    total = sum(raw)
    return [r / total for r in raw]


def talk_factor(queue: int) -> float:
    return QUEUE_TALK[queue % len(QUEUE_TALK)]
