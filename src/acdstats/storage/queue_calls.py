"""Queue calls (SPEC 6.1) derived in set-based SQL, kept current by every write.

The rules, restated so that they vectorise:
- Of a request's events, in the order of 3.1, only these can start or end a queue call: its
  `enqueued` (a repeated line, same queue and same instant, kept once: at one instant every
  `enqueued` comes before any other type and same-queue ones are adjacent), the `answered`
  events that closed a ringing offer (an event-derived offer of that operator was answered at
  that instant; the first of several equal answers is the one that closed it), and every
  `hangup`, `abandoned` and `rejected`.
- Each kept `enqueued` starts a call that ends at the next of those events (lead()): its type is
  the outcome (answered; abandoned for a hangup or an abandon; rejected; moved for the next
  `enqueued`). With none, the call is in progress and is not stored.
- The answering offer is the event-derived offer of the request answered by that operator at
  that instant (the earliest ring, first in first out); its SA, TT, ACW and HT are copied, and
  kept current when a late status changes its ACW.
- QL(Q) = (ended calls of the queue entered at or before Q's entry) - (ended calls of the queue
  whose wait ended at or before it) + [Q's own wait is 0 ms] (Q is then subtracted as ended):
  one running sum over the merged, sorted entries and ends of each queue, no self-join. A
  changed call changes the QL of the calls that entered during its wait, so those are
  recomputed; the sum needs only the calls that were waiting at some point of that stretch.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from acdstats.domain.metrics import seconds_sql
from acdstats.storage import queue_rollups
from acdstats.storage.bulk import int64, registered
from acdstats.storage.offer_derivation import EVENT_ORDER

# The answering offers of the requests in scope: per (request, operator, instant of answer),
# the earliest ring (temp table qc_answers).
_ANSWERS = """
CREATE OR REPLACE TEMP TABLE qc_answers AS
SELECT o.request_id, o.user_id, o.answered_at, o.offered_at, o.ended_at, o.sa, o.tt, o.acw, o.ht
FROM offers o
WHERE o.account_id = $account AND o.source = 'e' AND o.answered_at IS NOT NULL AND {scope}
QUALIFY row_number() OVER (
    PARTITION BY o.request_id, o.user_id, o.answered_at ORDER BY o.offered_at) = 1
"""

_CALLS = f"""
INSERT INTO queue_calls
WITH ev AS (
    SELECT e.request_id, e.type, e.event_at, e.user_id, e.queue_id,
        row_number() OVER (PARTITION BY e.request_id ORDER BY {EVENT_ORDER}) AS o
    FROM request_events e
    WHERE e.account_id = $account AND {{scope}}
      AND e.type IN ('enqueued', 'answered', 'hangup', 'abandoned', 'rejected')
      AND (e.type <> 'answered' OR EXISTS (
          SELECT 1 FROM qc_answers a WHERE a.request_id = e.request_id
          AND a.user_id = e.user_id AND a.answered_at = e.event_at))
    QUALIFY e.type <> 'enqueued' OR row_number() OVER (
        PARTITION BY e.request_id, e.type, e.event_at, e.queue_id ORDER BY e.event_key) = 1
),
calls AS (
    SELECT request_id, type, queue_id, event_at AS entered_at, o AS seq,
        lead(type) OVER w AS end_type, lead(event_at) OVER w AS wait_ended_at,
        lead(user_id) OVER w AS end_user
    FROM ev WINDOW w AS (PARTITION BY request_id ORDER BY o)
),
timed AS (
    SELECT *, {seconds_sql("epoch_ms(wait_ended_at)", "epoch_ms(entered_at)")} AS wt
    FROM calls WHERE type = 'enqueued' AND end_type IS NOT NULL
)
SELECT $account, c.request_id, c.queue_id, c.entered_at, c.wait_ended_at,
    CASE c.end_type WHEN 'answered' THEN 'answered' WHEN 'rejected' THEN 'rejected'
        WHEN 'enqueued' THEN 'moved' ELSE 'abandoned' END,
    c.seq, a.user_id, a.offered_at, a.answered_at, a.ended_at,
    c.wt, a.sa, CASE WHEN c.end_type IN ('hangup', 'abandoned') THEN c.wt END,
    a.tt, a.acw, a.ht, NULL
FROM timed c LEFT JOIN qc_answers a ON c.end_type = 'answered'
    AND a.request_id = c.request_id AND a.user_id = c.end_user AND a.answered_at = c.wait_ended_at
ORDER BY c.entered_at
"""


def _derive(cur: duckdb.DuckDBPyConnection, account_id: int, scope: str, offers: str) -> None:
    """Insert the queue calls of the requests in scope (`scope` over request_events `e`,
    `offers` the same requests over offers `o`), with QL still NULL."""
    params = {"account": account_id}
    cur.execute(_ANSWERS.format(scope=offers), params)
    cur.execute(_CALLS.format(scope=scope), params)
    cur.execute("DROP TABLE qc_answers")


def refresh(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    acw_scope: list[tuple[int, int, int]],
    span: tuple[int | None, int | None],
) -> None:
    """The write pipeline's queue step: after offers and ACW, before the rollups.

    The requests the batch touched (temp table `dirty`, storage.derive) are re-derived.
    acw_scope: (user_id, lo_ms, hi_ms) ranges of call ends whose ACW the batch's statuses
    may have changed (their answered calls get the new ACW and HT). span: (first, last)
    epoch ms of every event of the touched requests ((None, None): none was touched).
    """
    params = {"account": account_id}
    first, last = span
    if first is not None and last is not None:
        # Every time of a touched request's calls, old or new, is one of its event times.
        between = f"BETWEEN make_timestamp_ms({first:d}) AND make_timestamp_ms({last:d})"
        in_dirty = f"q.entered_at {between} AND q.request_id IN (SELECT request_id FROM dirty)"
        cur.execute(
            "CREATE OR REPLACE TEMP TABLE qc_changed AS SELECT q.queue_id, "
            "q.entered_at AS lo, q.wait_ended_at AS hi FROM queue_calls q "
            f"WHERE q.account_id = $account AND {in_dirty}",
            params,
        )
        queue_rollups.mark(cur, in_dirty, params)
        cur.execute(
            f"DELETE FROM queue_calls q WHERE q.account_id = $account AND {in_dirty}", params
        )
        _derive(
            cur,
            account_id,
            f"e.event_at {between} AND e.request_id IN (SELECT request_id FROM dirty)",
            f"o.offered_at {between} AND o.request_id IN (SELECT request_id FROM dirty)",
        )
        cur.execute(
            "INSERT INTO qc_changed SELECT q.queue_id, q.entered_at, q.wait_ended_at "
            f"FROM queue_calls q WHERE q.account_id = $account AND {in_dirty}",
            params,
        )
        queue_rollups.mark(cur, in_dirty, params)
        _requeue_lengths(cur, account_id, first, last)
        cur.execute("DROP TABLE qc_changed")
    _refresh_acw(cur, account_id, acw_scope)
    if first is not None or acw_scope:  # (else no call was marked)
        queue_rollups.refresh(cur, account_id)


def _requeue_lengths(
    cur: duckdb.DuckDBPyConnection, account_id: int, first: int, last: int
) -> None:
    """Recompute QL where the changed calls (temp table qc_changed) can have changed it:
    the calls that entered during a changed call's wait, and the new calls (QL NULL, whose
    entries lie in [first, last])."""
    params = {"account": account_id}
    lo, hi = cur.execute(
        "SELECT epoch_ms(min(lo)), epoch_ms(max(hi)) FROM qc_changed WHERE hi > lo"
    ).fetchall()[0]
    # Disjoint stretches per queue, so that a call's entry finds its stretch by ASOF.
    cur.execute(
        """
        CREATE OR REPLACE TEMP TABLE qc_islands AS
        SELECT queue_id, min(lo) AS lo, max(hi) AS hi FROM (
            SELECT *, sum(starts::INTEGER) OVER (
                PARTITION BY queue_id ORDER BY lo, hi ROWS UNBOUNDED PRECEDING) AS island
            FROM (
                SELECT *, coalesce(lo > max(hi) OVER (
                    PARTITION BY queue_id ORDER BY lo, hi
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), true) AS starts
                FROM qc_changed WHERE hi > lo
            )
        ) GROUP BY queue_id, island
        """
    )
    new_calls = (
        "SELECT q.rowid AS rid, q.queue_id, q.entered_at, q.wait_ended_at = q.entered_at "
        "AS instant FROM queue_calls q WHERE q.account_id = $account AND q.ql IS NULL "
        f"AND q.entered_at BETWEEN make_timestamp_ms({first:d}) AND make_timestamp_ms({last:d})"
    )
    overlapped = (
        ""
        if lo is None
        else f"""
        UNION
        SELECT q.rowid, q.queue_id, q.entered_at, q.wait_ended_at = q.entered_at
        FROM queue_calls q ASOF JOIN qc_islands i
            ON q.queue_id = i.queue_id AND q.entered_at >= i.lo
        WHERE q.account_id = $account AND q.entered_at < i.hi
          AND q.entered_at >= make_timestamp_ms({lo:d}) AND q.entered_at < make_timestamp_ms({hi:d})
        """
    )
    cur.execute(f"CREATE OR REPLACE TEMP TABLE qc_targets AS {new_calls} {overlapped}", params)
    cur.execute("DROP TABLE qc_islands")
    _store_lengths(cur, account_id)


def _store_lengths(
    cur: duckdb.DuckDBPyConnection, account_id: int, everything: bool = False
) -> None:
    """QL of the calls in temp table qc_targets (rid, queue_id, entered_at, instant)."""
    params = {"account": account_id}
    lo, hi = cur.execute(
        "SELECT epoch_ms(min(entered_at)), epoch_ms(max(entered_at)) FROM qc_targets"
    ).fetchall()[0]
    if lo is None:
        cur.execute("DROP TABLE qc_targets")
        return
    # Only calls waiting at some point of [lo, hi] can count in a target's QL (for any other
    # call, entry and end both come at or before the target's entry, or neither does).
    cur.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE qc_lengths AS
        WITH bounds AS (
            SELECT queue_id, min(entered_at) AS lo, max(entered_at) AS hi
            FROM qc_targets GROUP BY queue_id
        ),
        waiting AS (
            SELECT r.rowid AS rid, r.queue_id, r.entered_at, r.wait_ended_at, b.hi
            FROM queue_calls r JOIN bounds b ON r.queue_id = b.queue_id
                AND r.wait_ended_at >= b.lo AND r.entered_at <= b.hi
            WHERE r.account_id = $account
              {"" if everything else f"AND r.wait_ended_at >= make_timestamp_ms({lo:d})"}
              {"" if everything else f"AND r.entered_at <= make_timestamp_ms({hi:d})"}
        ),
        points AS (
            SELECT rid, queue_id, entered_at AS t, 1 AS entry, 0 AS ended FROM waiting
            UNION ALL
            SELECT NULL, queue_id, wait_ended_at, 0, 1 FROM waiting WHERE wait_ended_at <= hi
        ),
        counted AS (
            SELECT rid, sum(entry) OVER w - sum(ended) OVER w AS open
            FROM points
            WINDOW w AS (PARTITION BY queue_id ORDER BY t
                         RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        )
        SELECT c.rid, (c.open + t.instant::INTEGER)::INTEGER AS ql
        FROM counted c JOIN qc_targets t ON c.rid = t.rid
        """,
        params,
    )
    cur.execute("DROP TABLE qc_targets")
    # Only the calls whose QL changes touch their hour's rollups.
    changed = "queue_calls q JOIN qc_lengths n ON q.rowid = n.rid AND q.ql IS DISTINCT FROM n.ql"
    if not everything:
        queue_rollups.mark(cur, "q.account_id = $account", params, source=changed)
    cur.execute(
        "UPDATE queue_calls SET ql = n.ql FROM qc_lengths n "
        "WHERE queue_calls.rowid = n.rid AND queue_calls.ql IS DISTINCT FROM n.ql"
    )
    cur.execute("DROP TABLE qc_lengths")


def _refresh_acw(
    cur: duckdb.DuckDBPyConnection, account_id: int, scope: list[tuple[int, int, int]]
) -> None:
    """Copy the answering offers' ACW and HT where a status may have changed them."""
    if not scope:
        return
    columns = {
        "user_id": int64([s[0] for s in scope]),
        "lo": pa.array([s[1] for s in scope], pa.timestamp("ms")),
        "hi": pa.array([s[2] for s in scope], pa.timestamp("ms")),
    }
    lo, hi = min(s[1] for s in scope), max(s[2] for s in scope)
    bounds = f"BETWEEN make_timestamp_ms({lo:d}) AND make_timestamp_ms({hi:d})"
    params = {"account": account_id}
    with registered(cur, "qc_acw_scope", columns):
        cur.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE qc_acw AS
            SELECT DISTINCT q.rowid AS rid, o.acw, o.ht
            FROM queue_calls q
            JOIN qc_acw_scope s ON q.user_id = s.user_id AND q.ended_at BETWEEN s.lo AND s.hi
            JOIN offers o ON o.account_id = $account AND o.source = 'e'
                AND o.request_id = q.request_id AND o.user_id = q.user_id
                AND o.offered_at = q.offered_at AND o.answered_at = q.answered_at
                AND o.ended_at {bounds}
            WHERE q.account_id = $account AND q.outcome = 'answered' AND q.ended_at {bounds}
              AND (q.acw IS DISTINCT FROM o.acw OR q.ht IS DISTINCT FROM o.ht)
            """,
            params,
        )
    queue_rollups.mark(
        cur,
        "q.account_id = $account",
        params,
        source="queue_calls q SEMI JOIN qc_acw a ON q.rowid = a.rid",
    )
    cur.execute(
        "UPDATE queue_calls SET acw = a.acw, ht = a.ht FROM qc_acw a "
        "WHERE queue_calls.rowid = a.rid"
    )
    cur.execute("DROP TABLE qc_acw")


def rebuild(cur: duckdb.DuckDBPyConnection, account_id: int, chunks: int = 16) -> None:
    """Re-derive every queue call of the account (after its offers and their ACW)."""
    params = {"account": account_id}
    cur.execute("DELETE FROM queue_calls WHERE account_id = $account", params)
    for chunk in range(chunks):  # in slices of requests, to bound memory
        _derive(
            cur,
            account_id,
            f"hash(e.request_id) % {chunks} = {chunk}",
            f"hash(o.request_id) % {chunks} = {chunk}",
        )
    cur.execute(
        "CREATE OR REPLACE TEMP TABLE qc_targets AS SELECT q.rowid AS rid, q.queue_id, "
        "q.entered_at, q.wait_ended_at = q.entered_at AS instant FROM queue_calls q "
        "WHERE q.account_id = $account",
        params,
    )
    _store_lengths(cur, account_id, everything=True)
    queue_rollups.rebuild(cur, account_id)


def derive_all_accounts(cur: duckdb.DuckDBPyConnection) -> None:
    """Derive the queue calls of every account from what is stored (a schema migration)."""
    accounts = cur.execute("SELECT DISTINCT account_id FROM request_events").fetchall()
    for (account_id,) in accounts:
        rebuild(cur, int(account_id))
