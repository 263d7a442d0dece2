"""The GetACDOperatorStatistics answer rendered as JSON text inside the database.

The grouped rows of statistics_sql become the exact `result` array of SPEC 4.3 (records,
groups, order): each record is a struct turned into JSON by the database, records are
string-aggregated into their groups, so no Python object is built per record (a month of
2,000 operators by day is 60,000 records).
"""

from __future__ import annotations

from typing import Any

from acdstats.domain.metrics import Item, floored_average_sql
from acdstats.domain.query import StatisticsQuery
from acdstats.storage.bucket_sql import Bucketing
from acdstats.storage.dialect import DUCKDB
from acdstats.storage.statistics_sql import (
    BUCKETS,
    label_names,
    operator_statistics_sql,
    percentile_samples,
)


def _item(item: Item, name: str, percentiles: tuple[int, ...] = ()) -> str:
    s = item.sample
    if item.kind == "object":
        pcts = "".join(f", 'p{n}': {s}_p{n}" for n in percentiles)
        return (
            f"'{name}': {{'min': coalesce({s}_min, 0), "
            f"'avg': {floored_average_sql(f'{s}_sum', f'{s}_count')}, "
            f"'max': coalesce({s}_max, 0), 'count': {s}_count, 'sum': {s}_sum{pcts}}}"
        )
    value = {"sum": f"{s}_sum", "answered": "sa_count", "unanswered": "uac"}[item.kind]
    return f"'{name}': {value}"


def answer_sql(
    query: StatisticsQuery,
    limit: int,
    use_rollups: bool = True,
    user_id_as_number: bool = False,
    lookup: Bucketing | None = None,
) -> tuple[str, dict[str, Any]]:
    """SQL with one row: (the `result` JSON text, the number of statistics records).

    At most limit + 1 records are rendered: one more tells the caller the answer is too big.
    With a timezone (`lookup`), each row's bucket is an index into the labels, passed as lists.
    """
    rows_sql, params = operator_statistics_sql(query, use_rollups)
    if lookup is not None:
        names = label_names(query)
        column = {"date": 0, "hour": 1, "utc_offset": 2}
        for name in names:
            params[f"label_{name}"] = [label[column[name]] for label in lookup.labels]
        bucket_fields = [f"'{name}': ($label_{name})[b0 + 1]" for name in names]
        bucket_cols = ["b0"]
    else:
        buckets = [(f"b{i}", name) for i, (_, name) in enumerate(BUCKETS[query.aggregation])]
        bucket_fields = [f"'{name}': {col}" for col, name in buckets]
        bucket_cols = [col for col, _ in buckets]
    user = "'user_id': " + ("user_id" if user_id_as_number else "user_id::VARCHAR")
    pcts = query.ext.percentiles if percentile_samples(query) else ()
    items = [
        _item(item, item.short if query.abbreviation else item.long, pcts) for item in query.items
    ]
    queue = ["'acd_queue_id': queue_id"] if query.ext.by_queue else []
    queue_order = ["queue_id NULLS LAST"] if query.ext.by_queue else []
    if query.group == "user":
        group_keys, inner_order = ["user_id"], (bucket_cols or ["user_id"]) + queue_order
        head, record = [user], bucket_fields + queue + items
    else:
        group_keys, inner_order = bucket_cols, ["user_id", *queue_order]
        head, record = bucket_fields, [user, *queue, *items]
    # A group's head fields, then "statistics": the JSON of its head struct minus the "}".
    head_json = f"rtrim({DUCKDB.json_object(head)}, '}}') || ','" if head else "'{'"
    keys_sql = ", ".join(group_keys)
    sql = f"""
    WITH limited AS ({rows_sql} LIMIT {int(limit) + 1}),
    records AS (
        SELECT *, {head_json} AS head, {DUCKDB.json_object(record)} AS rec
        FROM limited
    ),
    groups AS (
        SELECT {keys_sql + "," if group_keys else ""}
            head || '"statistics":[' || string_agg(rec, ',' ORDER BY
                {", ".join(inner_order)}) || ']}}' AS doc,
            count(*) AS n
        FROM records GROUP BY {keys_sql + ", " if group_keys else ""}head
    )
    SELECT '[' || coalesce(string_agg(doc, ','{" ORDER BY " + keys_sql if group_keys else ""}),
        '') || ']', coalesce(sum(n), 0)
    FROM groups
    """
    return sql, params
