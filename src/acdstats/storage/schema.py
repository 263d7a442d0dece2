"""The database schema and its migrations. Times are DuckDB TIMESTAMPs (UTC, millisecond values)."""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from acdstats.storage import queue_calls

# Each entry migrates from version i to i + 1; append, never edit a released step.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE accounts (
        account_id BIGINT PRIMARY KEY,
        name VARCHAR NOT NULL,
        email VARCHAR,
        created_at TIMESTAMP NOT NULL DEFAULT now()
    );
    CREATE TABLE api_keys (
        key_id VARCHAR PRIMARY KEY,
        account_id BIGINT NOT NULL,
        public_key VARCHAR NOT NULL,
        roles VARCHAR[] NOT NULL,
        name VARCHAR,
        description VARCHAR,
        disabled BOOLEAN NOT NULL DEFAULT false,
        deleted BOOLEAN NOT NULL DEFAULT false,
        created_at TIMESTAMP NOT NULL DEFAULT now()
    );
    -- Raw events: the source of truth, append-only. event_key deduplicates per account.
    CREATE TABLE request_events (
        account_id BIGINT NOT NULL,
        event_key VARCHAR NOT NULL,
        content VARCHAR NOT NULL,
        type VARCHAR NOT NULL,
        event_at TIMESTAMP NOT NULL,
        request_id VARCHAR NOT NULL,
        user_id BIGINT,
        queue_id BIGINT
    );
    CREATE TABLE status_events (
        account_id BIGINT NOT NULL,
        event_key VARCHAR NOT NULL,
        content VARCHAR NOT NULL,
        event_at TIMESTAMP NOT NULL,
        user_id BIGINT NOT NULL,
        status VARCHAR NOT NULL,
        -- event_at in ms * 8 + alphabetical rank of status: the order of SPEC 3.1 as one number
        ord BIGINT NOT NULL
    );
    -- Completed offers imported as records (SPEC 3.2); identity (request_id, user_id, offered_at).
    CREATE TABLE offer_records (
        account_id BIGINT NOT NULL,
        request_id VARCHAR NOT NULL,
        user_id BIGINT NOT NULL,
        queue_id BIGINT NOT NULL,
        offered_at TIMESTAMP NOT NULL,
        answered_at TIMESTAMP,
        ended_at TIMESTAMP,
        acw_ended_at TIMESTAMP
    );
    -- Derived: every closed offer, with its samples already rounded to whole seconds.
    -- source 'e' = derived from events, 'r' = an offer record.
    CREATE TABLE offers (
        account_id BIGINT NOT NULL,
        source VARCHAR NOT NULL,
        request_id VARCHAR NOT NULL,
        user_id BIGINT NOT NULL,
        queue_id BIGINT,
        offered_at TIMESTAMP NOT NULL,
        answered_at TIMESTAMP,
        ended_at TIMESTAMP,
        acw_ended_at TIMESTAMP,
        sa INTEGER,
        tt INTEGER,
        acw INTEGER,
        ht INTEGER
    );
    CREATE TABLE counters (name VARCHAR PRIMARY KEY, value BIGINT NOT NULL);
    -- Integer ids given to names found in imported files (queue_log queues and agents).
    CREATE TABLE name_ids (
        account_id BIGINT NOT NULL,
        kind VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        id BIGINT NOT NULL,
        PRIMARY KEY (account_id, kind, name)
    );
    """,
    # 2: rollups, an optimisation over offers (never a second truth): per operator, queue
    # and hour or day, mergeable count/sum/min/max of each sample and the unanswered count.
    """
    CREATE TABLE rollup_hour (
        account_id BIGINT NOT NULL,
        user_id BIGINT NOT NULL,
        queue_id BIGINT,
        bucket TIMESTAMP NOT NULL,
        sa_count BIGINT NOT NULL, sa_sum BIGINT NOT NULL, sa_min INTEGER, sa_max INTEGER,
        tt_count BIGINT NOT NULL, tt_sum BIGINT NOT NULL, tt_min INTEGER, tt_max INTEGER,
        acw_count BIGINT NOT NULL, acw_sum BIGINT NOT NULL, acw_min INTEGER, acw_max INTEGER,
        ht_count BIGINT NOT NULL, ht_sum BIGINT NOT NULL, ht_min INTEGER, ht_max INTEGER,
        uac BIGINT NOT NULL
    );
    CREATE TABLE rollup_day AS SELECT * FROM rollup_hour;
    """,
    # 3: a monthly rollup (year-long questions read ~30x fewer rows), filled from the days.
    # (A released step is frozen text: it never follows later changes of the rollup columns.)
    """
    CREATE TABLE rollup_month AS SELECT * FROM rollup_hour WHERE false;
    INSERT INTO rollup_month
    SELECT account_id, user_id, queue_id, date_trunc('month', bucket),
        sum(sa_count) AS sa_count, sum(sa_sum) AS sa_sum, min(sa_min) AS sa_min,
        max(sa_max) AS sa_max, sum(tt_count) AS tt_count, sum(tt_sum) AS tt_sum,
        min(tt_min) AS tt_min, max(tt_max) AS tt_max, sum(acw_count) AS acw_count,
        sum(acw_sum) AS acw_sum, min(acw_min) AS acw_min, max(acw_max) AS acw_max,
        sum(ht_count) AS ht_count, sum(ht_sum) AS ht_sum, min(ht_min) AS ht_min,
        max(ht_max) AS ht_max, sum(uac) AS uac
    FROM rollup_day GROUP BY ALL;
    """,
    # 4: status spans (SPEC 7.1) and their hourly and daily rollups (storage.status_spans),
    # filled from the status events already stored.
    """
    CREATE TABLE status_spans (
        account_id BIGINT NOT NULL,
        user_id BIGINT NOT NULL,
        status UTINYINT NOT NULL,   -- index in SPEC 7.2's order (domain.statuses)
        start_ord BIGINT NOT NULL,  -- status_events.ord of the event that starts the span
        start_ms BIGINT NOT NULL,   -- UTC epoch ms, inclusive
        end_ms BIGINT NOT NULL      -- the next status event's time, exclusive; > start_ms
    );
    CREATE TABLE status_open AS SELECT * EXCLUDE (end_ms) FROM status_spans;
    CREATE TABLE status_rollup_hour (
        account_id BIGINT NOT NULL,
        user_id BIGINT NOT NULL,
        status UTINYINT NOT NULL,
        bucket BIGINT NOT NULL,     -- the bucket's start, UTC epoch ms
        n BIGINT NOT NULL,          -- pieces
        total BIGINT NOT NULL,      -- the sum of their samples (whole seconds)
        low BIGINT NOT NULL,
        high BIGINT NOT NULL
    );
    CREATE TABLE status_rollup_day AS SELECT * FROM status_rollup_hour;
    CREATE TEMP TABLE migrated_spans AS
    SELECT account_id, user_id, status, ord AS start_ord, at_ms AS start_ms,
        lead(at_ms) OVER (PARTITION BY account_id, user_id ORDER BY ord) AS end_ms
    FROM (
        SELECT DISTINCT account_id, user_id, ord, epoch_ms(event_at) AS at_ms,
            CASE status WHEN 'OFFLINE' THEN 0 WHEN 'ONLINE' THEN 1 WHEN 'READY' THEN 2
            WHEN 'BANNED' THEN 3 WHEN 'IN_SERVICE' THEN 4 WHEN 'AFTER_SERVICE' THEN 5
            WHEN 'TIMEOUT' THEN 6 WHEN 'DND' THEN 7 END AS status
        FROM status_events
    );
    INSERT INTO status_spans SELECT * FROM migrated_spans WHERE end_ms > start_ms;
    INSERT INTO status_open SELECT * EXCLUDE (end_ms) FROM migrated_spans WHERE end_ms IS NULL;
    DROP TABLE migrated_spans;
    INSERT INTO status_rollup_hour
    SELECT account_id, user_id, status, b, count(*), sum(x), min(x), max(x)
    FROM (
        SELECT account_id, user_id, status, b,
            (least(end_ms, b + 3600000) - greatest(start_ms, b) + 500) // 1000 AS x
        FROM (
            SELECT *, unnest(range(
                start_ms - ((start_ms % 3600000) + 3600000) % 3600000, end_ms, 3600000)) AS b
            FROM status_spans
        )
    )
    GROUP BY ALL;
    INSERT INTO status_rollup_day
    SELECT account_id, user_id, status, b, count(*), sum(x), min(x), max(x)
    FROM (
        SELECT account_id, user_id, status, b,
            (least(end_ms, b + 86400000) - greatest(start_ms, b) + 500) // 1000 AS x
        FROM (
            SELECT *, unnest(range(
                start_ms - ((start_ms % 86400000) + 86400000) % 86400000, end_ms, 86400000)) AS b
            FROM status_spans
        )
    )
    GROUP BY ALL;
    """,
    # 5: queue calls (SPEC 6.1) and their rollups (storage/queue_calls.py, queue_rollups.py).
    """
    CREATE TABLE queue_calls (
        account_id BIGINT NOT NULL,
        request_id VARCHAR NOT NULL,
        queue_id BIGINT NOT NULL,
        entered_at TIMESTAMP NOT NULL,
        wait_ended_at TIMESTAMP NOT NULL,
        outcome VARCHAR NOT NULL,      -- answered, abandoned, rejected, moved
        seq BIGINT NOT NULL,           -- its enqueued's place in the request's event order
        -- the answering offer: its operator and identity, and its call's end (answered calls)
        user_id BIGINT,
        offered_at TIMESTAMP,
        answered_at TIMESTAMP,
        ended_at TIMESTAMP,
        -- samples in whole seconds (SPEC 6.2); abt = AT, the abandonment time
        wt INTEGER NOT NULL,
        sa INTEGER,
        abt INTEGER,
        tt INTEGER,
        acw INTEGER,
        ht INTEGER,
        ql INTEGER
    );
    CREATE TABLE queue_rollup_hour (
        account_id BIGINT NOT NULL, queue_id BIGINT NOT NULL, bucket TIMESTAMP NOT NULL,
        tc BIGINT, ac BIGINT, uac BIGINT, rc BIGINT,
        wt_count BIGINT, wt_sum BIGINT, wt_min INTEGER, wt_max INTEGER,
        sa_count BIGINT, sa_sum BIGINT, sa_min INTEGER, sa_max INTEGER,
        abt_count BIGINT, abt_sum BIGINT, abt_min INTEGER, abt_max INTEGER,
        tt_count BIGINT, tt_sum BIGINT, tt_min INTEGER, tt_max INTEGER,
        acw_count BIGINT, acw_sum BIGINT, acw_min INTEGER, acw_max INTEGER,
        ht_count BIGINT, ht_sum BIGINT, ht_min INTEGER, ht_max INTEGER,
        ql_count BIGINT, ql_sum BIGINT, ql_min INTEGER, ql_max INTEGER
    );
    CREATE TABLE queue_rollup_day AS SELECT * FROM queue_rollup_hour;
    CREATE TABLE queue_rollup_month AS SELECT * FROM queue_rollup_hour;
    CREATE TABLE queue_wt_hour (
        account_id BIGINT NOT NULL, queue_id BIGINT NOT NULL, bucket TIMESTAMP NOT NULL,
        wt INTEGER NOT NULL, n BIGINT NOT NULL
    );
    CREATE TABLE queue_wt_day AS SELECT * FROM queue_wt_hour;
    CREATE TABLE queue_wt_month AS SELECT * FROM queue_wt_hour;
    """,
    # 6: rollups over all queues (per operator and hour, day or month: no queue key), what a
    # request without a queue filter or split reads; filled from the per-queue rollups.
    """
    CREATE TABLE rollup_all_hour AS SELECT * EXCLUDE (queue_id) FROM rollup_hour WHERE false;
    CREATE TABLE rollup_all_day AS SELECT * FROM rollup_all_hour;
    CREATE TABLE rollup_all_month AS SELECT * FROM rollup_all_hour;
    INSERT INTO rollup_all_hour
    SELECT account_id, user_id, bucket,
        sum(sa_count), sum(sa_sum), min(sa_min), max(sa_max),
        sum(tt_count), sum(tt_sum), min(tt_min), max(tt_max),
        sum(acw_count), sum(acw_sum), min(acw_min), max(acw_max),
        sum(ht_count), sum(ht_sum), min(ht_min), max(ht_max), sum(uac)
    FROM rollup_hour GROUP BY account_id, user_id, bucket ORDER BY bucket, user_id;
    INSERT INTO rollup_all_day
    SELECT account_id, user_id, bucket,
        sum(sa_count), sum(sa_sum), min(sa_min), max(sa_max),
        sum(tt_count), sum(tt_sum), min(tt_min), max(tt_max),
        sum(acw_count), sum(acw_sum), min(acw_min), max(acw_max),
        sum(ht_count), sum(ht_sum), min(ht_min), max(ht_max), sum(uac)
    FROM rollup_day GROUP BY account_id, user_id, bucket ORDER BY bucket, user_id;
    INSERT INTO rollup_all_month
    SELECT account_id, user_id, bucket,
        sum(sa_count), sum(sa_sum), min(sa_min), max(sa_max),
        sum(tt_count), sum(tt_sum), min(tt_min), max(tt_max),
        sum(acw_count), sum(acw_sum), min(acw_min), max(acw_max),
        sum(ht_count), sum(ht_sum), min(ht_min), max(ht_max), sum(uac)
    FROM rollup_month GROUP BY account_id, user_id, bucket ORDER BY bucket, user_id;
    """,
]

# Derived tables that a migration adds are filled from the stored events (as `acdstats
# rebuild` would) once the schema is the newest, with the current code, for every database
# that was below that version.
_DERIVE_AFTER: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {
    5: queue_calls.derive_all_accounts,
}


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Bring the database to the newest schema version.

    The steps still to run go in one transaction (all of them or none), sent as one text: a
    new database costs one commit and one call, not one per step (that was most of the
    time to create one).
    """
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = 'schema_version'"
    ).fetchall()[0]
    current = 0
    if row[0]:
        row = con.execute("SELECT max(version) FROM schema_version").fetchall()[0]
        current = row[0] if row[0] is not None else 0
    if current > len(MIGRATIONS):
        raise RuntimeError(
            f"database schema version {current} is newer than this acdstats ({len(MIGRATIONS)})"
        )
    if current < len(MIGRATIONS):
        versions = ", ".join(f"({v})" for v in range(current + 1, len(MIGRATIONS) + 1))
        steps = ";\n".join(MIGRATIONS[current:])
        con.execute(
            "BEGIN;\nCREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);\n"
            f"{steps};\nINSERT INTO schema_version VALUES {versions};\nCOMMIT"
        )
    for version, derive in sorted(_DERIVE_AFTER.items()):
        if current < version <= len(MIGRATIONS) and current > 0:
            con.execute("BEGIN")
            derive(con)
            con.execute("COMMIT")
