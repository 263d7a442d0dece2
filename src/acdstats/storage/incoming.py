"""Validation of an ingest batch in SQL (SPEC 3): JSON documents in, checked rows out.

Every line of a batch is one JSON document (or a reason it could not be read). One set-based
statement checks them all: each field is extracted, classified (present, well-formed, its
time in epoch ms) once, and a CASE over those flags names the first reason a line is rejected
for, in the order a careful reader would check. Accepted lines keep their normalised fields
(ids as integers, times as UTC epoch milliseconds truncated to the millisecond). The result
is temp table `checked`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from acdstats.domain.events import EVENT_FIELDS, OFFER_FIELDS, OFFER_TIMES, STATUSES, TIMES
from acdstats.storage.bulk import registered

if TYPE_CHECKING:
    import pyarrow as pa

# The fields a line may carry (others are ignored).
FIELDS = (
    "type", "at", "request_id", "user_id", "queue_id", "status", "event_id", "account_id",
    *OFFER_TIMES,
)  # fmt: skip
_TIME = (
    r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2}(\.\d{1,6})?"
    r"|T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2}))"
)
_NUMBER_OR_TEXT = "('VARCHAR', 'UBIGINT', 'BIGINT')"
_STATUSES = ", ".join(f"'{s}'" for s in sorted(STATUSES))

_MACROS = rf"""
CREATE OR REPLACE TEMP MACRO zone_ms(z) AS CASE
    WHEN z = '' OR z = 'Z' THEN 0
    WHEN try_cast(substr(z, 2, 2) AS INTEGER) <= 23 AND try_cast(substr(z, 5, 2) AS INTEGER) <= 59
    THEN (CASE WHEN z[1] = '+' THEN 1 ELSE -1 END)
         * (try_cast(substr(z, 2, 2) AS BIGINT) * 3600000
            + try_cast(substr(z, 5, 2) AS BIGINT) * 60000)
END;
-- epoch ms of an ingest timestamp, NULL unless it is one of SPEC 3's forms and a real time;
-- the common form (UTC, milliseconds) parsed in one step, equal to the general branch on it
CREATE OR REPLACE TEMP MACRO ms_of(s) AS CASE
    WHEN regexp_full_match(s, '\d{{4}}-\d{{2}}-\d{{2}} \d{{2}}:\d{{2}}:\d{{2}}\.\d{{3}}')
    THEN CASE WHEN substr(s, 1, 4) <> '0000'
              THEN epoch_ms(try_strptime(s, '%Y-%m-%d %H:%M:%S.%g')) END
    WHEN regexp_full_match(s, '{_TIME}') AND substr(s, 1, 4) <> '0000'
    THEN epoch_ms(try_strptime(substr(s, 1, 10) || ' ' || substr(s, 12, 8), '%Y-%m-%d %H:%M:%S'))
        + try_cast(left(rpad(regexp_extract(s, '\.(\d{{1,6}})', 1), 3, '0'), 3) AS BIGINT)
        - zone_ms(regexp_extract(s, '(Z|[+-]\d{{2}}:\d{{2}})$', 1))
END;
"""


def _q(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


# Per field: SQL that is true when a present value is well-formed (flag column ok_<field>).
_WELL_FORMED = {
    "request_id": f"t_request_id IN {_NUMBER_OR_TEXT}",
    "user_id": f"t_user_id IN {_NUMBER_OR_TEXT} AND regexp_full_match(v_user_id, '[0-9]+') "
    "AND coalesce(try_cast(v_user_id AS BIGINT) > 0, false)",
    "queue_id": f"t_queue_id IN {_NUMBER_OR_TEXT} AND regexp_full_match(v_queue_id, '[0-9]+') "
    "AND coalesce(try_cast(v_queue_id AS BIGINT) > 0, false)",
    "status": f"t_status = 'VARCHAR' AND v_status IN ({_STATUSES})",
    "event_id": f"t_event_id IN {_NUMBER_OR_TEXT}",
}
_HINTS = {
    "user_id": "must be a positive integer",
    "queue_id": "must be a positive integer",
    "request_id": "must be text",
    "status": "must be one of " + ", ".join(sorted(STATUSES)),
}


def _bad_value(field: str, hint: str) -> str:
    # Only evaluated for the lines that fail: the JSON text of the offending value.
    return f"'bad {field} ' || left(json_extract(doc, '$.{field}')::VARCHAR, 64) || ': {hint}'"


def _time_checks(field: str, kind: str) -> list[str]:
    return [
        f"WHEN kind = {_q(kind)} AND has_{field} AND t_{field} <> 'VARCHAR' "
        f"THEN {_bad_value(field, 'must be a timestamp string')}",
        f"WHEN kind = {_q(kind)} AND has_{field} AND ms_{field} IS NULL "
        f"THEN 'bad {field}: not YYYY-MM-DD HH:mm:ss[.f] (UTC) nor RFC 3339 with Z or an "
        f"offset, or not a real time: ' || left(v_{field}, 64)",
    ]


def _reason_sql() -> str:
    """The CASE that names the first reason a line is rejected for (NULL: accepted)."""
    whens = [
        "WHEN pre_error IS NOT NULL THEN pre_error",
        "WHEN doc IS NULL THEN 'not valid JSON'",
        "WHEN json_type(doc) <> 'OBJECT' THEN 'not a JSON object'",
        "WHEN t_type IS DISTINCT FROM 'VARCHAR' OR NOT has_type THEN 'missing field ''type'''",
        "WHEN has_account_id AND trim(v_account_id) <> $account::VARCHAR THEN 'account_id ' "
        "|| left(json_extract(doc, '$.account_id')::VARCHAR, 64) "
        "|| ' is not this channel''s account ' || $account::VARCHAR",
        f"WHEN kind NOT IN ({', '.join(_q(t) for t in [*EVENT_FIELDS, 'offer'])}) "
        "THEN 'unknown type ' || left(json_extract(doc, '$.type')::VARCHAR, 64)",
    ]
    for kind, (required, optional) in EVENT_FIELDS.items():
        whens += [
            f"WHEN kind = {_q(kind)} AND NOT has_{f} "
            f"THEN 'missing field ''{f}'' for type ''{kind}'''"
            for f in required
        ]
        whens += [
            f"WHEN kind = {_q(kind)} AND has_{f} AND NOT ok_{f} THEN {_bad_value(f, _HINTS[f])}"
            for f in (*required, *optional)
        ]
        whens.append(
            f"WHEN kind = {_q(kind)} AND has_event_id AND NOT ok_event_id "
            "THEN 'bad event_id: must be a string'"
        )
        whens.append(f"WHEN kind = {_q(kind)} AND NOT has_at THEN 'missing field ''at'''")
        whens += _time_checks("at", kind)
    whens += [
        f"WHEN kind = 'offer' AND NOT has_{f} THEN 'missing field ''{f}'' for type ''offer'''"
        for f in OFFER_FIELDS
    ]
    for field in OFFER_TIMES:
        whens += _time_checks(field, "offer")
    whens += [
        "WHEN kind = 'offer' AND has_ended_at AND NOT has_answered_at "
        "THEN '''ended_at'' requires ''answered_at'''",
        "WHEN kind = 'offer' AND has_acw_ended_at AND NOT has_ended_at "
        "THEN '''acw_ended_at'' requires ''ended_at'''",
        "WHEN kind = 'offer' AND list_sort(offer_times) <> offer_times "
        "THEN 'times must be non-decreasing: offered_at <= answered_at <= ended_at <= "
        "acw_ended_at'",
    ]
    whens += [
        f"WHEN kind = 'offer' AND NOT ok_{f} THEN {_bad_value(f, _HINTS[f])}"
        for f in ("request_id", "queue_id", "user_id")
    ]
    return "CASE\n        " + "\n        ".join(whens) + "\n    END"


_PATHS = "[" + ", ".join(f"'$.{f}'" for f in FIELDS) + "]"
_EXTRACTED = ",\n        ".join(
    f"v[{i}] AS v_{f}, t[{i}] AS t_{f}" for i, f in enumerate(FIELDS, start=1)
)
_FLAGS = ",\n        ".join(
    [f"v_{f} IS NOT NULL AND v_{f} <> '' AS has_{f}" for f in FIELDS]
    + [f"{sql} AS ok_{f}" for f, sql in _WELL_FORMED.items()]
    + [f"CASE WHEN t_{f} = 'VARCHAR' THEN ms_of(v_{f}) END AS ms_{f}" for f in TIMES]
)


def _kept(field: str, cast: str = "") -> str:
    """An accepted line's field, kept only where its type defines it (others are ignored)."""
    kinds = [k for k, (req, opt) in EVENT_FIELDS.items() if field in (*req, *opt)]
    if field in OFFER_FIELDS:
        kinds.append("offer")
    value = f"v_{field}{cast}"
    return (
        f"CASE WHEN reason IS NULL AND has_{field} AND kind IN ({', '.join(map(_q, kinds))}) "
        f"THEN {value} END AS {field}"
    )


_CHECK = f"""
CREATE OR REPLACE TEMP TABLE checked AS
SELECT line, reason, kind AS type,
    CASE WHEN reason IS NULL THEN ms_at END AS at_ms,
    {_kept("request_id")},
    {_kept("user_id", "::BIGINT")},
    {_kept("queue_id", "::BIGINT")},
    {_kept("status")},
    CASE WHEN reason IS NULL AND has_event_id THEN v_event_id END AS event_id,
    ms_offered_at AS offered_ms, ms_answered_at AS answered_ms, ms_ended_at AS ended_ms,
    ms_acw_ended_at AS acw_ms
FROM (
    SELECT *, {_reason_sql()} AS reason
    FROM (
        SELECT *, v_type AS kind, list_filter(
            [ms_offered_at, ms_answered_at, ms_ended_at, ms_acw_ended_at],
            lambda x: x IS NOT NULL) AS offer_times
        FROM (
            SELECT *, {_FLAGS}
            FROM (
                SELECT line, pre_error, doc, {_EXTRACTED}
                FROM (
                    -- doc is NULL where the text is not JSON: no JSON function sees such text
                    SELECT line, pre_error, doc, json_extract_string(doc, {_PATHS}) AS v,
                        json_type(doc, {_PATHS}) AS t
                    FROM (
                        SELECT line, pre_error,
                            CASE WHEN pre_error IS NULL AND json_valid(doc)
                                 THEN doc::JSON END AS doc
                        FROM incoming
                    )
                )
            )
        )
    )
)
"""


def check_batch(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    lines: list[int] | pa.Array,
    docs: list[str | None] | pa.Array,
    pre_errors: list[str | None] | pa.Array,
) -> None:
    """Fill temp table `checked` (one row per line) from the batch's JSON documents.

    Lists, or Arrow arrays of the same values (as a bulk reader builds them)."""
    cur.execute(_MACROS)
    columns = {"line": lines, "doc": docs, "pre_error": pre_errors}
    with registered(cur, "incoming", columns):
        cur.execute(_CHECK, {"account": account_id})
