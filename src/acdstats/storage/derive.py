"""Derived offers: re-derived per dirty request, after-call work refreshed per dirty operator."""

from __future__ import annotations

import duckdb

from acdstats.domain.metrics import (
    ACW_LOOKBACK_MS,
    ACW_START_WITHIN_MS,
    handling_time_sql,
    seconds_sql,
)
from acdstats.storage import queue_calls, rollups
from acdstats.storage.bulk import int64, registered, timestamps_ms
from acdstats.storage.offer_derivation import derive_offers
from acdstats.storage.slices import slices
from acdstats.storage.status_spans import rebuild_status_spans

_FAR_PAST = -(2**52)  # epoch ms bounds that make_timestamp_ms still accepts
_FAR_FUTURE = 2**52
_BEFORE_END_MS = ACW_LOOKBACK_MS
_START_WITHIN_MS = ACW_START_WITHIN_MS
_ACW = seconds_sql("epoch_ms(a.acw_ended_at)", "epoch_ms(a.ended_at)")


# Ranges of call ends per operator, (user_id, lo_ms, hi_ms), whose ACW is to be refreshed.
Scope = list[tuple[int, int, int]]


def rederive_requests(
    cur: duckdb.DuckDBPyConnection, account_id: int, new_events: bool = True
) -> tuple[tuple[int | None, int | None], Scope]:
    """Replace the event-derived offers of the requests the batch touched.

    Reads temp table `batch_events`; leaves temp tables `dirty` (the touched requests, for
    the queue step) and `orphans` (keys of answers and no-answers that found nothing
    ringing). Returns the first and last epoch ms of the touched requests' events (None,
    None without any), and where their calls ended: the caller refreshes their ACW (with
    the status events' scope, in one pass). new_events: False when the batch stored no
    request event (then no request is touched, and nothing is read).
    """
    if not new_events:
        cur.execute("CREATE OR REPLACE TEMP TABLE orphans (event_key VARCHAR)")
        return (None, None), []
    params = {"account": account_id}
    cur.execute(
        "CREATE OR REPLACE TEMP TABLE dirty AS SELECT DISTINCT request_id FROM batch_events "
        "WHERE outcome = 'new' AND type <> 'status'"
    )
    # One scan finds when the touched requests happened; every later statement filters on
    # that span as constants, so zone maps skip the rest of the tables. (An offer's
    # offered_at is one of its request's event times.)
    first, last = cur.execute(
        "SELECT min(epoch_ms(event_at)), max(epoch_ms(event_at)) FROM request_events "
        "WHERE account_id = $account AND request_id IN (SELECT request_id FROM dirty)",
        params,
    ).fetchall()[0]
    if first is None:  # no request events in the batch: nothing to derive
        cur.execute("CREATE OR REPLACE TEMP TABLE orphans (event_key VARCHAR)")
        return (None, None), []
    span = f"BETWEEN make_timestamp_ms({first:d}) AND make_timestamp_ms({last:d})"
    in_dirty = (
        f"o.source = 'e' AND o.offered_at {span} AND o.request_id IN (SELECT request_id FROM dirty)"
    )
    rollups.mark(cur, in_dirty, params)
    cur.execute(f"DELETE FROM offers o WHERE o.account_id = $account AND {in_dirty}", params)
    derive_offers(
        cur, account_id, f"e.event_at {span} AND e.request_id IN (SELECT request_id FROM dirty)"
    )
    rollups.mark(cur, in_dirty, params)
    ended = cur.execute(
        "SELECT o.user_id, min(epoch_ms(o.ended_at)), max(epoch_ms(o.ended_at)) FROM offers o "
        f"WHERE o.account_id = $account AND {in_dirty} AND o.ended_at IS NOT NULL "
        "GROUP BY o.user_id",
        params,
    ).fetchall()
    return (first, last), [(u, lo, hi) for u, lo, hi in ended]


def status_scope(cur: duckdb.DuckDBPyConnection, account_id: int) -> Scope:
    """(user, lo, hi): the call ends whose ACW the batch's new status events can change.

    A status event at t can only matter to calls that ended by t + 1 s, and not to calls
    that ended (more than 1 s) before the operator's last non-AFTER_SERVICE status before
    t: those calls' after-call work was already closed by that status. Without such a
    status, every status before t is AFTER_SERVICE, and a call's ACW must start within
    10 s of its end: so only calls that ended at most 11 s before the operator's first
    status can be touched.
    """
    rows = cur.execute(
        """
        WITH changed AS (
            SELECT user_id, min(at_ms) AS first_ms, max(at_ms) AS last_ms FROM batch_events
            WHERE outcome = 'new' AND type = 'status' GROUP BY user_id
        )
        SELECT c.user_id,
            max(epoch_ms(s.event_at)) FILTER (WHERE s.status <> 'AFTER_SERVICE'),
            least(min(epoch_ms(s.event_at)), any_value(c.first_ms)), any_value(c.last_ms)
        FROM changed c
        LEFT JOIN status_events s ON s.account_id = $account AND s.user_id = c.user_id
            AND epoch_ms(s.event_at) < c.first_ms
        GROUP BY c.user_id
        """,
        {"account": account_id},
    ).fetchall()
    return [
        (
            user,
            first - _BEFORE_END_MS - _START_WITHIN_MS
            if closed is None
            else closed - 2 * _BEFORE_END_MS,
            last + _BEFORE_END_MS,
        )
        for user, closed, first, last in rows
    ]


def refresh_acw(cur: duckdb.DuckDBPyConnection, account_id: int, scope: Scope | None) -> None:
    """Recompute ACW (and HT) of event-derived offers whose call ended inside the scope.

    scope: (user_id, lo_ms, hi_ms) ranges of call ends; None means every offer.
    SPEC 4.2: ACW exists if the operator's first status event at or after (end - 1 s) is
    AFTER_SERVICE and no later than end + 10 s; it lasts until the next status event that is
    not AFTER_SERVICE, which must come after the end.
    """
    if scope is not None and not scope:
        return
    everything = scope is None
    if scope is None:
        scope = [(0, _FAR_PAST, _FAR_FUTURE)]
        user_match = "true"
    else:
        user_match = "o.user_id = s.user_id"
    columns = {
        "user_id": int64([s[0] for s in scope]),
        "lo": timestamps_ms([s[1] for s in scope]),
        "hi": timestamps_ms([s[2] for s in scope]),
    }
    # The scope's overall bounds, as constants: filters that zone maps can prune on.
    bounds = (
        f"o.ended_at BETWEEN make_timestamp_ms({min(s[1] for s in scope):d}) "
        f"AND make_timestamp_ms({max(s[2] for s in scope):d})"
    )
    params = {"account": account_id}
    in_scope = f"JOIN acw_scope s ON {user_match} AND o.ended_at BETWEEN s.lo AND s.hi"
    with registered(cur, "acw_scope", columns):
        if not everything:  # (a rebuild recomputes every rollup anyway)
            # A superset of the offers the update changes: every call end in the scope.
            rollups.mark(cur, f"o.source = 'e' AND {bounds}", params, joins=in_scope)
        cur.execute(_ACW_SQL.format(in_scope=in_scope, bounds=bounds), params)


_ACW_SQL = f"""
WITH targets AS (
    SELECT DISTINCT o.user_id, o.ended_at, epoch_ms(o.ended_at) AS end_ms
    FROM offers o {{in_scope}}
    WHERE o.account_id = $account AND o.source = 'e' AND {{bounds}}
),
st AS (
    SELECT user_id, ord, event_at, status FROM status_events
    WHERE account_id = $account AND user_id IN (SELECT DISTINCT user_id FROM targets)
      AND ord >= (SELECT (min(end_ms) - {_BEFORE_END_MS}) * 8 FROM targets)
),
first_status AS (
    SELECT t.*, s.ord AS s1_ord, s.event_at AS s1_at, s.status AS s1_status
    FROM targets t ASOF LEFT JOIN st s
        ON t.user_id = s.user_id AND (t.end_ms - {_BEFORE_END_MS}) * 8 <= s.ord
),
acw_end AS (
    SELECT f.user_id, f.ended_at,
        CASE WHEN f.s1_status = 'AFTER_SERVICE'
              AND epoch_ms(f.s1_at) <= f.end_ms + {_START_WITHIN_MS}
              AND n.event_at > f.ended_at
             THEN n.event_at END AS acw_ended_at
    FROM first_status f ASOF LEFT JOIN
        (SELECT * FROM st WHERE status <> 'AFTER_SERVICE') n
        ON f.user_id = n.user_id AND f.s1_ord < n.ord
)
UPDATE offers SET
    acw_ended_at = a.acw_ended_at,
    acw = {_ACW},
    ht = {handling_time_sql("offers.tt", _ACW)}
FROM acw_end a
WHERE offers.account_id = $account AND offers.source = 'e'
  AND offers.user_id = a.user_id AND offers.ended_at = a.ended_at
  AND offers.ended_at >= (SELECT min(ended_at) FROM acw_end)
  AND offers.ended_at <= (SELECT max(ended_at) FROM acw_end)
"""


def store_offer_records(cur: duckdb.DuckDBPyConnection, account_id: int) -> None:
    """Upsert the batch's offer records (temp table `checked`) by identity
    (request_id, user_id, offered_at): a later line wins.

    Leaves temp table `record_lines`: each accepted record line's outcome, against the line
    of the same identity before it in the batch, else the stored record: `new` (no record of
    that identity yet), `duplicate` (the same content: nothing changes) or `replaced`.
    Identities whose last line equals the stored record are not written again.
    """
    params = {"account": account_id}
    first, last = cur.execute(
        "SELECT min(offered_ms), max(offered_ms) FROM checked "
        "WHERE reason IS NULL AND type = 'offer'"
    ).fetchall()[0]
    if first is None:  # no record in the batch: no outcome to report, nothing to write
        cur.execute("CREATE OR REPLACE TEMP TABLE record_lines (line BIGINT, outcome VARCHAR)")
        return
    # As constants, so that zone maps skip the rest of the table.
    bounds = f"r.offered_at BETWEEN make_timestamp_ms({first:d}) AND make_timestamp_ms({last:d})"
    cur.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE record_lines AS
        WITH lines AS (
            SELECT line, request_id, user_id, queue_id, offered_ms, answered_ms, ended_ms, acw_ms,
                [queue_id, answered_ms, ended_ms, acw_ms] AS content
            FROM checked WHERE reason IS NULL AND type = 'offer'
        ),
        stored AS (
            SELECT r.request_id, r.user_id, epoch_ms(r.offered_at) AS offered_ms,
                [r.queue_id, epoch_ms(r.answered_at), epoch_ms(r.ended_at),
                 epoch_ms(r.acw_ended_at)] AS stored_content
            FROM offer_records r
            WHERE r.account_id = $account AND {bounds}
              AND r.request_id IN (SELECT request_id FROM lines)
        ),
        ordered AS (
            SELECT l.*, s.stored_content, s.request_id IS NOT NULL AS was_stored,
                lag(l.content) OVER w AS previous, row_number() OVER w AS nth,
                row_number() OVER (PARTITION BY l.request_id, l.user_id, l.offered_ms
                                   ORDER BY l.line DESC) AS from_last
            FROM lines l LEFT JOIN stored s USING (request_id, user_id, offered_ms)
            WINDOW w AS (PARTITION BY l.request_id, l.user_id, l.offered_ms ORDER BY l.line)
        )
        SELECT *,
            CASE WHEN nth > 1 AND previous IS NOT DISTINCT FROM content THEN 'duplicate'
                 WHEN nth > 1 THEN 'replaced'
                 WHEN NOT was_stored THEN 'new'
                 WHEN stored_content IS NOT DISTINCT FROM content THEN 'duplicate'
                 ELSE 'replaced' END AS outcome
        FROM ordered
        """,
        params,
    )
    (changed,) = cur.execute(
        """
        CREATE OR REPLACE TEMP TABLE batch AS
        SELECT request_id, user_id, queue_id, offered_ms, answered_ms, ended_ms, acw_ms
        FROM record_lines
        WHERE from_last = 1 AND NOT (was_stored AND stored_content IS NOT DISTINCT FROM content)
        """
    ).fetchall()[0]
    if changed:
        in_batch = (
            "o.source = 'r' AND EXISTS (SELECT 1 FROM batch b WHERE b.request_id = o.request_id "
            "AND b.user_id = o.user_id AND make_timestamp_ms(b.offered_ms) = o.offered_at)"
        )
        rollups.mark(cur, in_batch, params)
        _replace_records(cur, account_id)
        rollups.mark(cur, in_batch, params)
    cur.execute("DROP TABLE batch")


def _replace_records(cur: duckdb.DuckDBPyConnection, account_id: int) -> None:
    for table in ("offer_records", "offers"):
        source = "AND t.source = 'r'" if table == "offers" else ""
        cur.execute(
            f"""
            DELETE FROM {table} t WHERE t.account_id = $account {source} AND EXISTS (
                SELECT 1 FROM batch b WHERE b.request_id = t.request_id
                AND b.user_id = t.user_id AND make_timestamp_ms(b.offered_ms) = t.offered_at)
            """,
            {"account": account_id},
        )
    cur.execute(
        """
        INSERT INTO offer_records SELECT $account, request_id, user_id, queue_id,
            make_timestamp_ms(offered_ms), make_timestamp_ms(answered_ms),
            make_timestamp_ms(ended_ms), make_timestamp_ms(acw_ms)
        FROM batch
        """,
        {"account": account_id},
    )
    _materialize_records(
        cur,
        "account_id = $account AND EXISTS (SELECT 1 FROM batch b "
        "WHERE b.request_id = r.request_id AND b.user_id = r.user_id "
        "AND make_timestamp_ms(b.offered_ms) = r.offered_at)",
        account_id,
    )


def _materialize_records(cur: duckdb.DuckDBPyConnection, where: str, account_id: int) -> None:
    cur.execute(
        f"""
        INSERT INTO offers
        SELECT account_id, 'r', request_id, user_id, queue_id, offered_at, answered_at,
            ended_at, acw_ended_at, sa, tt, acw, {handling_time_sql("tt", "acw")}
        FROM (
            SELECT *,
                {seconds_sql("epoch_ms(answered_at)", "epoch_ms(offered_at)")} AS sa,
                {seconds_sql("epoch_ms(ended_at)", "epoch_ms(answered_at)")} AS tt,
                {seconds_sql("epoch_ms(acw_ended_at)", "epoch_ms(ended_at)")} AS acw
            FROM offer_records r WHERE {where}
        )
        """,
        {"account": account_id},
    )


def rebuild(cur: duckdb.DuckDBPyConnection, account_id: int, chunks: int | None = None) -> None:
    """Re-derive every offer, queue call and status span of the account from the raw events
    and records (chunks: slices of requests; by default by the account's size)."""
    if chunks is None:
        chunks = slices(cur, "request_events", account_id, 16)
    cur.execute("DELETE FROM offers WHERE account_id = $account", {"account": account_id})
    _materialize_records(cur, "account_id = $account", account_id)
    for chunk in range(chunks):  # in slices of requests, to bound memory
        derive_offers(cur, account_id, f"hash(e.request_id) % {chunks} = {chunk}")
    refresh_acw(cur, account_id, None)
    queue_calls.rebuild(cur, account_id, chunks)
    rollups.rebuild(cur, account_id)
    rebuild_status_spans(cur, account_id)
