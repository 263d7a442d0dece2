"""Offer derivation (SPEC section 3.1): the offers of one request from its events.

A pure function of the event set: events are put in a canonical order first, so the
arrival order never matters.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass

from acdstats.domain.events import TYPE_RANK, Event


@dataclass(slots=True)
class Offer:
    request_id: str
    user_id: int
    offered_at: int
    queue_id: int | None
    answered_at: int | None = None
    ended_at: int | None = None  # end of the answered call
    closed_at: int | None = None  # when it stopped ringing (answer or no answer)


@dataclass(slots=True)
class Derivation:
    offers: list[Offer]  # closed offers only: a ringing offer counts nowhere
    orphans: list[Event]  # answered/unanswered events that found no ringing offer


def derive_request(events: Iterable[Event]) -> Derivation:
    """Derive the closed offers of one request from all of its events."""
    ordered = sorted(events, key=lambda e: (e.at, TYPE_RANK[e.type], e.key))
    enqueues = [(e.at, e.queue_id) for e in ordered if e.type == "enqueued"]
    ringing: dict[int, deque[Offer]] = defaultdict(deque)
    talking: dict[int, list[Offer]] = defaultdict(list)
    closed: list[Offer] = []
    orphans: list[Event] = []

    def stop_ringing(at: int) -> None:
        for queue in ringing.values():
            while queue:
                offer = queue.popleft()
                offer.closed_at = at
                closed.append(offer)

    for e in ordered:
        if e.type == "offered":
            assert e.request_id is not None and e.user_id is not None
            queue_id = e.queue_id if e.queue_id is not None else _queue_at(enqueues, e.at)
            ringing[e.user_id].append(Offer(e.request_id, e.user_id, e.at, queue_id))
        elif e.type in ("answered", "unanswered"):
            assert e.user_id is not None
            if not ringing[e.user_id]:
                orphans.append(e)
                continue
            offer = ringing[e.user_id].popleft()  # first in, first out
            offer.closed_at = e.at
            if e.type == "answered":
                offer.answered_at = e.at
                talking[e.user_id].append(offer)
            closed.append(offer)
        elif e.type in ("hangup", "abandoned", "rejected"):
            stop_ringing(e.at)
            if e.type == "hangup":
                users = [e.user_id] if e.user_id is not None else list(talking)
                for user in users:
                    for offer in talking.pop(user, []):
                        offer.ended_at = e.at
    return Derivation(closed, orphans)


def _queue_at(enqueues: list[tuple[int, int | None]], at: int) -> int | None:
    """The queue of the latest `enqueued` at or before `at`, else of the earliest one."""
    if not enqueues:
        return None
    before = [queue for t, queue in enqueues if t <= at]
    return before[-1] if before else enqueues[0][1]
