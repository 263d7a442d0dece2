"""Offer derivation (SPEC 3.1) in set-based SQL, for any number of requests at once.

The rules, restated so that they vectorise:
- Events of a request are ordered by (time, type rank, event key): `o`.
- A request end (hangup/abandoned/rejected) closes a *segment*: every offer still ringing in
  it ends unanswered at that end. `seg` counts the ends before an event.
- Within a (request, operator, segment), offers (+1) and answers/no-answers (-1) form a queue
  that never goes below zero: with S the running sum, the queue length is
  q = S + max(0, -min(S so far)). A close with an empty queue before it is an orphan; the k-th
  successful close pairs with the k-th offer (first in, first out).
- An answered call ends at the first later hangup of the request that names no operator or
  names this one.
- The queue is the offer's own, else the latest enqueued before it, else the earliest one.
"""

from __future__ import annotations

import duckdb

from acdstats.domain.events import TYPE_RANK
from acdstats.domain.metrics import seconds_sql

_RANK = "CASE e.type " + " ".join(f"WHEN '{t}' THEN {r}" for t, r in TYPE_RANK.items()) + " END"
# The order of a request's events (SPEC 3.1) over request_events `e`: time, type, then ids
# (absent first); the event key only makes ties of otherwise equal events deterministic.
EVENT_ORDER = f"e.event_at, {_RANK}, e.user_id NULLS FIRST, e.queue_id NULLS FIRST, e.event_key"

# Creates temp table `derived_events` (events of the requests in scope, with o and seg).
_EVENTS = f"""
CREATE OR REPLACE TEMP TABLE derived_events AS
SELECT *, coalesce(sum(is_end::INTEGER) OVER (
        PARTITION BY request_id ORDER BY o ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ), 0) AS seg
FROM (
    SELECT e.request_id, e.type, epoch_ms(e.event_at) AS at_ms, e.user_id, e.queue_id,
        e.event_key, e.type IN ('hangup', 'abandoned', 'rejected') AS is_end,
        row_number() OVER (
            PARTITION BY e.request_id ORDER BY {EVENT_ORDER}
        ) AS o
    FROM request_events e
    WHERE e.account_id = $account AND {{scope}}
)
"""

# Creates temp table `ring_queue`: offers and closes with the queue length before each.
_QUEUE = """
CREATE OR REPLACE TEMP TABLE ring_queue AS
SELECT *, coalesce(lag(q) OVER w, 0) AS q_before
FROM (
    SELECT *, s + greatest(0, -min(s) OVER w) AS q
    FROM (
        SELECT *, sum(CASE WHEN type = 'offered' THEN 1 ELSE -1 END) OVER w AS s
        FROM derived_events
        WHERE type IN ('offered', 'answered', 'unanswered')
        WINDOW w AS (PARTITION BY request_id, user_id, seg ORDER BY o
                     ROWS UNBOUNDED PRECEDING)
    )
    WINDOW w AS (PARTITION BY request_id, user_id, seg ORDER BY o ROWS UNBOUNDED PRECEDING)
)
WINDOW w AS (PARTITION BY request_id, user_id, seg ORDER BY o ROWS UNBOUNDED PRECEDING)
"""

_ORPHANS = """
SELECT event_key FROM ring_queue WHERE type <> 'offered' AND q_before = 0
"""

# Rows: request_id, user_id, queue_id, offered_ms, answered_ms, ended_ms (closed offers only).
_OFFERS = """
WITH rings AS (
    SELECT request_id, user_id, seg, o, at_ms, queue_id,
        row_number() OVER (PARTITION BY request_id, user_id, seg ORDER BY o) AS k
    FROM ring_queue WHERE type = 'offered'
),
closes AS (
    SELECT request_id, user_id, seg, o, at_ms, type,
        row_number() OVER (PARTITION BY request_id, user_id, seg ORDER BY o) AS k
    FROM ring_queue WHERE type <> 'offered' AND q_before > 0
),
ends AS (SELECT request_id, seg, at_ms FROM derived_events WHERE is_end),
closed AS (
    SELECT r.request_id, r.user_id, r.o, r.queue_id, r.at_ms AS offered_ms,
        CASE WHEN c.type = 'answered' THEN c.at_ms END AS answered_ms,
        CASE WHEN c.type = 'answered' THEN c.o END AS answered_o
    FROM rings r
    LEFT JOIN closes c USING (request_id, user_id, seg, k)
    LEFT JOIN ends e ON e.request_id = r.request_id AND e.seg = r.seg
    WHERE c.type IS NOT NULL OR e.at_ms IS NOT NULL
),
enqueues AS (SELECT request_id, o, queue_id FROM derived_events WHERE type = 'enqueued'),
first_enqueue AS (
    SELECT request_id, arg_min(queue_id, o) AS queue_id FROM enqueues GROUP BY request_id
),
any_hangups AS (
    SELECT request_id, o, at_ms FROM derived_events WHERE type = 'hangup' AND user_id IS NULL
),
own_hangups AS (
    SELECT request_id, user_id, o, at_ms FROM derived_events
    WHERE type = 'hangup' AND user_id IS NOT NULL
),
with_latest_enqueue AS (
    SELECT c.*, n.queue_id AS latest_queue_id
    FROM closed c ASOF LEFT JOIN enqueues n ON c.request_id = n.request_id AND c.o >= n.o
),
with_any_end AS (
    SELECT c.*, h.o AS any_o, h.at_ms AS any_ms
    FROM with_latest_enqueue c ASOF LEFT JOIN any_hangups h
        ON c.request_id = h.request_id AND c.answered_o < h.o
),
with_own_end AS (
    SELECT c.*, h.o AS own_o, h.at_ms AS own_ms
    FROM with_any_end c ASOF LEFT JOIN own_hangups h
        ON c.request_id = h.request_id AND c.user_id = h.user_id AND c.answered_o < h.o
)
SELECT c.request_id, c.user_id,
    coalesce(c.queue_id, c.latest_queue_id, f.queue_id) AS queue_id,
    c.offered_ms, c.answered_ms,
    CASE WHEN c.own_o IS NULL OR (c.any_o IS NOT NULL AND c.any_o < c.own_o) THEN c.any_ms
         ELSE c.own_ms END AS ended_ms
FROM with_own_end c LEFT JOIN first_enqueue f USING (request_id)
"""


def derive_offers(cur: duckdb.DuckDBPyConnection, account_id: int, scope: str) -> None:
    """Insert the event-derived offers of the requests matching `scope` (SQL over `e`).

    The caller deletes their old offers first. Temp table `orphans` gets the keys of the
    answers and no-answers that found nothing ringing.
    """
    params = {"account": account_id}
    cur.execute(_EVENTS.format(scope=scope), params)
    cur.execute(_QUEUE)
    cur.execute(f"CREATE OR REPLACE TEMP TABLE orphans AS {_ORPHANS}")
    sa = seconds_sql("answered_ms", "offered_ms")
    tt = seconds_sql("ended_ms", "answered_ms")
    # ht starts as tt (no ACW); the ACW refresh adds after-call work where there is some.
    cur.execute(
        f"""
        INSERT INTO offers
        SELECT $account, 'e', request_id, user_id, queue_id, make_timestamp_ms(offered_ms),
            make_timestamp_ms(answered_ms), make_timestamp_ms(ended_ms), NULL,
            {sa}, {tt}, NULL, {tt}
        FROM ({_OFFERS})
        """,
        params,
    )
    cur.execute("DROP TABLE derived_events")
    cur.execute("DROP TABLE ring_queue")
