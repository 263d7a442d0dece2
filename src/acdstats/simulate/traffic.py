"""One day's callers, drawn in bulk with numpy: arrivals by queue and hour, and every duration."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from acdstats.simulate.config import (
    SimulationConfig,
    queue_profile,
    queue_shares,
    talk_factor,
    weekday_factor,
)

_HOUR_MS = 3_600_000
_DAY_NOISE_SIGMA = 0.08  # day-to-day volume varies a little beyond the weekly pattern


@dataclass(frozen=True, slots=True)
class Traffic:
    """Per request (in arrival order): time, queue index, patience, talk and ACW durations;
    plus pools that the engine consumes offer by offer (ring delays and coin flips)."""

    arrival: list[int]  # epoch ms
    queue: list[int]
    patience: list[int]  # ms
    talk: list[int]  # ms
    acw: list[int]  # ms
    ring: list[int]  # ms until an answering operator picks up
    coin: list[float]  # uniform [0, 1), compared with the operator's miss probability


def day_traffic(config: SimulationConfig, day: int, rng: np.random.Generator) -> Traffic:
    volume = config.daily_calls * weekday_factor(config.day(day))
    volume *= float(rng.lognormal(0.0, _DAY_NOISE_SIGMA))
    shares = queue_shares(config.queues)
    rates = np.array(
        [[volume * shares[q] * p for p in queue_profile(q)] for q in range(config.queues)]
    )
    counts = rng.poisson(rates)  # (queues, 24)
    queues = np.repeat(np.arange(config.queues), counts.sum(axis=1))
    hours = np.concatenate([np.repeat(np.arange(24), row) for row in counts])
    at = config.day_start_ms(day) + hours * _HOUR_MS + rng.integers(0, _HOUR_MS, hours.size)
    order = np.argsort(at, kind="stable")
    at, queues = at[order], queues[order]
    n = int(at.size)
    factors = np.array([talk_factor(q) for q in range(config.queues)])
    talk = _lognormal_ms(rng, config.talk_median_s * factors[queues], config.talk_sigma, 3, 3600)
    acw = _lognormal_ms(rng, np.full(n, config.acw_median_s), config.acw_sigma, 1, 600)
    patience = _lognormal_ms(rng, np.full(n, config.patience_median_s), 1.0, 2, 900)
    pool = 2 * n + 64
    ring = _lognormal_ms(
        rng, np.full(pool, config.ring_median_s), 0.5, 0.3, config.ring_timeout_s - 0.001
    )
    return Traffic(
        arrival=at.tolist(),
        queue=queues.tolist(),
        patience=patience.tolist(),
        talk=talk.tolist(),
        acw=acw.tolist(),
        ring=ring.tolist(),
        coin=rng.random(pool).tolist(),
    )


def _lognormal_ms(
    rng: np.random.Generator, median_s: np.ndarray, sigma: float, low_s: float, high_s: float
) -> np.ndarray:
    seconds = rng.lognormal(np.log(median_s), sigma)
    ms: np.ndarray = (np.clip(seconds, low_s, high_s) * 1000).astype(np.int64)
    return ms
