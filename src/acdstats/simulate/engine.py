"""The discrete-event simulation of one day of the whole center (queues share operators).

Every event is emitted when the simulation clock reaches it, so a day's rows come out in time
order without sorting. Days are independent (shifts end by ~22:00 and every call, ring and
wait is bounded), so they can be simulated in any order or in parallel with the same result.
"""

from __future__ import annotations

from collections import deque
from heapq import heappop, heappush
from itertools import count

import numpy as np

from acdstats.simulate.config import SimulationConfig
from acdstats.simulate.daylog import (
    ABANDONED,
    AFTER_SERVICE,
    ANSWERED,
    DND,
    ENQUEUED,
    HANGUP,
    IN_SERVICE,
    OFFERED,
    OFFLINE,
    READY,
    REJECTED,
    STATUS,
    UNANSWERED,
    DayLog,
    Row,
)
from acdstats.simulate.roster import Operator, day_shifts
from acdstats.simulate.traffic import day_traffic

# Operator states (the emitted status is tracked separately).
OFF, IDLE, RINGING, TALK, ACW, BREAK, COOLDOWN = range(7)
# Request states.
NEW, WAITING, RINGING_R, ANSWERED_R, DONE = range(5)
# Scheduled happenings.
(
    K_LOGIN,
    K_LOGOUT,
    K_BREAK,
    K_BREAK_END,
    K_ANSWER,
    K_MISS,
    K_GONE,
    K_CALL_END,
    K_ACW_END,
    K_WAKE,
    K_PATIENCE,
) = range(11)


def simulate_day(config: SimulationConfig, roster: list[Operator], day: int) -> DayLog:
    rng = np.random.default_rng([config.seed, 1, day])
    return _Day(config, roster, day, rng).run()


class _Day:
    def __init__(
        self,
        config: SimulationConfig,
        roster: list[Operator],
        day: int,
        rng: np.random.Generator,
    ) -> None:
        self.config = config
        self.roster = roster
        self.day = day
        self.shifts = day_shifts(config, roster, day, rng)
        t = day_traffic(config, day, rng)
        self.arrival, self.queue, self.talk, self.acw = t.arrival, t.queue, t.talk, t.acw
        self.ring, self.coin = t.ring, t.coin
        self.deadline = [a + p for a, p in zip(t.arrival, t.patience, strict=True)]
        self.rstate = [NEW] * len(t.arrival)
        self.patience_set = bytearray(len(t.arrival))
        self.pool_pos = 0
        n = len(roster)
        self.state = [OFF] * n
        self.status = [-1] * n
        self.status_at = [-1] * n
        self.version = [0] * n
        self.pending_break = [0] * n
        self.leaving = [False] * n
        self.skills = [op.skills for op in roster]
        self.miss = [op.miss for op in roster]
        queues = config.queues
        self.waiting: list[deque[int]] = [deque() for _ in range(queues)]
        self.n_waiting = [0] * queues
        self.logged_in = [0] * queues
        self.idle: list[deque[tuple[int, int]]] = [deque() for _ in range(queues)]
        self.capacity = config.capacity
        self.timeout = int(config.ring_timeout_s * 1000)
        self.cooldown = int(config.missed_cooldown_s * 1000)
        self.heap: list[tuple[int, int, int, int, int]] = []
        self.seq = count()
        self.rows: list[Row] = []
        self.emit = self.rows.append

    def push(self, at: int, kind: int, a: int, b: int) -> None:
        heappush(self.heap, (at, next(self.seq), kind, a, b))

    def run(self) -> DayLog:
        for s in self.shifts:
            self.push(s.login, K_LOGIN, s.op, 0)
            self.push(s.logout, K_LOGOUT, s.op, 0)
            for start, duration in s.breaks:
                self.push(start, K_BREAK, s.op, duration)
        handlers = (
            self.login,
            self.logout,
            self.break_start,
            self.break_end,
            self.answer,
            self.miss_end,
            self.caller_gone,
            self.call_end,
            self.acw_end,
            self.wake,
            self.patience,
        )
        heap, arrival, arrive = self.heap, self.arrival, self.arrive
        n, i = len(arrival), 0
        while True:
            if i < n and (not heap or arrival[i] < heap[0][0]):
                arrive(i, arrival[i])
                i += 1
            elif heap:
                at, _, kind, a, b = heappop(heap)
                handlers[kind](at, a, b)
            else:
                break
        d = self.config.day(self.day)
        return DayLog(
            day=self.day,
            date=d,
            day_start_ms=self.config.day_start_ms(self.day),
            request_prefix=self.config.id_prefix + d.strftime("%Y%m%d-"),
            user_ids=tuple(op.user_id for op in self.roster),
            requests=len(self.arrival),
            rows=self.rows,
        )

    # -- requests ---------------------------------------------------------------------------

    def arrive(self, r: int, now: int) -> None:
        q = self.queue[r]
        self.emit((now, ENQUEUED, r, -1, q))
        if self.logged_in[q] == 0:  # nobody of this queue is on shift
            self.reject(r, now)
            return
        op = self.take_idle(q)
        if op >= 0:
            self.offer(r, op, now)
        elif self.n_waiting[q] >= self.capacity:
            self.reject(r, now)
        else:
            self.wait(r, q, now, front=False)

    def reject(self, r: int, now: int) -> None:
        self.emit((now, REJECTED, r, -1, -1))
        self.rstate[r] = DONE

    def wait(self, r: int, q: int, now: int, front: bool) -> None:
        self.rstate[r] = WAITING
        if front:  # a re-offer keeps its place at the head of the line
            self.waiting[q].appendleft(r)
        else:
            self.waiting[q].append(r)
        self.n_waiting[q] += 1
        if not self.patience_set[r]:
            self.patience_set[r] = 1
            heappush(self.heap, (self.deadline[r], next(self.seq), K_PATIENCE, r, 0))

    def patience(self, now: int, r: int, _: int) -> None:
        if self.rstate[r] == WAITING:  # (a ringing request's patience was settled at offer)
            self.emit((now, ABANDONED, r, -1, -1))
            self.rstate[r] = DONE
            self.n_waiting[self.queue[r]] -= 1

    def take_idle(self, q: int) -> int:
        """The operator of queue q idle the longest, or -1."""
        idle, state, version = self.idle[q], self.state, self.version
        while idle:
            op, v = idle.popleft()
            if state[op] == IDLE and version[op] == v:
                return op
        return -1

    def offer(self, r: int, op: int, now: int) -> None:
        self.emit((now, OFFERED, r, op, self.queue[r]))
        self.state[op] = RINGING
        self.rstate[r] = RINGING_R
        k = self.pool_pos
        self.pool_pos = (k + 1) % len(self.coin)
        if self.coin[k] < self.miss[op]:
            end, kind = now + self.timeout, K_MISS
        else:
            end, kind = now + self.ring[k], K_ANSWER
        deadline = self.deadline[r]
        if deadline <= end:  # the caller hangs up while it rings
            end, kind = max(deadline, now), K_GONE
        heappush(self.heap, (end, next(self.seq), kind, op, r))

    # -- offers and calls -------------------------------------------------------------------

    def answer(self, now: int, op: int, r: int) -> None:
        self.emit((now, ANSWERED, r, op, -1))
        self.set_status(now, op, IN_SERVICE)
        self.state[op] = TALK
        self.rstate[r] = ANSWERED_R
        heappush(self.heap, (now + self.talk[r], next(self.seq), K_CALL_END, op, r))

    def miss_end(self, now: int, op: int, r: int) -> None:
        self.emit((now, UNANSWERED, r, op, -1))
        q = self.queue[r]
        other = self.take_idle(q)  # re-offer to the next operator
        if other >= 0:
            self.offer(r, other, now)
        else:
            self.wait(r, q, now, front=True)
        if self.leaving[op] or self.pending_break[op]:
            self.available(now, op)
        else:
            self.state[op] = COOLDOWN
            heappush(self.heap, (now + self.cooldown, next(self.seq), K_WAKE, op, 0))

    def caller_gone(self, now: int, op: int, r: int) -> None:
        self.emit((now, UNANSWERED, r, op, -1))
        self.emit((now, ABANDONED, r, -1, -1))
        self.rstate[r] = DONE
        self.available(now, op)

    def call_end(self, now: int, op: int, r: int) -> None:
        self.emit((now, HANGUP, r, op, -1))
        self.set_status(now, op, AFTER_SERVICE)
        self.state[op] = ACW
        self.rstate[r] = DONE
        heappush(self.heap, (now + self.acw[r], next(self.seq), K_ACW_END, op, 0))

    def acw_end(self, now: int, op: int, _: int) -> None:
        self.available(now, op)

    def wake(self, now: int, op: int, _: int) -> None:
        if self.state[op] == COOLDOWN:
            self.available(now, op)

    # -- operators --------------------------------------------------------------------------

    def set_status(self, now: int, op: int, status: int) -> None:
        self.emit((now, STATUS, -1, op, status))
        self.status[op] = status
        self.status_at[op] = now

    def defer_if_status_now(self, now: int, kind: int, op: int, b: int) -> bool:
        """Two statuses of one operator in the same ms would be read in alphabetical order
        (SPEC 3.1), not in ours: move a scheduled change that would collide 1 ms later."""
        if self.status_at[op] != now:
            return False
        heappush(self.heap, (now + 1, next(self.seq), kind, op, b))
        return True

    def available(self, now: int, op: int) -> None:
        """The operator is free: log off, start a due break, take a waiting caller, or idle."""
        if self.leaving[op]:
            self.set_status(now, op, OFFLINE)
            self.state[op] = OFF
            return
        pending = self.pending_break[op]
        if pending:
            self.pending_break[op] = 0
            self.go_on_break(now, op, pending)
            return
        if self.status[op] != READY:
            self.set_status(now, op, READY)
        best, best_q, best_at = -1, -1, 0
        for q in self.skills[op]:
            line = self.waiting[q]
            while line and self.rstate[line[0]] != WAITING:
                line.popleft()  # callers who gave up
            if line and (best < 0 or self.arrival[line[0]] < best_at):
                best, best_q, best_at = line[0], q, self.arrival[line[0]]
        if best >= 0:
            self.waiting[best_q].popleft()
            self.n_waiting[best_q] -= 1
            self.offer(best, op, now)
            return
        self.state[op] = IDLE
        v = self.version[op] + 1
        self.version[op] = v
        for q in self.skills[op]:
            self.idle[q].append((op, v))

    def go_on_break(self, now: int, op: int, duration: int) -> None:
        self.set_status(now, op, DND)
        self.state[op] = BREAK
        heappush(self.heap, (now + duration, next(self.seq), K_BREAK_END, op, 0))

    def login(self, now: int, op: int, _: int) -> None:
        self.leaving[op] = False
        for q in self.skills[op]:
            self.logged_in[q] += 1
        self.available(now, op)

    def logout(self, now: int, op: int, _: int) -> None:
        if self.defer_if_status_now(now, K_LOGOUT, op, 0):
            return
        for q in self.skills[op]:
            self.logged_in[q] -= 1
        self.leaving[op] = True
        self.pending_break[op] = 0
        if self.state[op] in (IDLE, BREAK, COOLDOWN):
            self.set_status(now, op, OFFLINE)
            self.state[op] = OFF
        # else: ringing, talking or in after-call work; logs off when that is over

    def break_start(self, now: int, op: int, duration: int) -> None:
        state = self.state[op]
        if state in (OFF, BREAK) or self.leaving[op]:
            return
        if state in (IDLE, COOLDOWN):
            if not self.defer_if_status_now(now, K_BREAK, op, duration):
                self.go_on_break(now, op, duration)
        else:
            self.pending_break[op] = duration

    def break_end(self, now: int, op: int, _: int) -> None:
        if self.state[op] == BREAK:
            self.available(now, op)
