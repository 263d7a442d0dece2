"""The GetACDOperatorStatistics answer rendered as JSON from the grouped rows as Arrow columns.

The rows of statistics_sql (already in the answer's order) become the exact `result` array
of SPEC 4.3 with vectorised string kernels: every number column is cast to text once, and
each record is the element-wise join of those columns with the constant pieces of JSON
between them (keys, braces, commas). A record that starts a group carries the group's head
before it, one that ends a group closes it; the answer is the records' bytes one after the
other. No Python object is built per record (a month of 2,000 operators by day is 60,000
records), and no JSON is built by the database (its to_json per record cost ~5x this).

Every value is an integer or a label whose text needs no escaping (dates, hours, offsets),
so the text equals what orjson writes for the same answer shaped in Python
(statistics_shape; tests/test_rendering.py holds the two to the same bytes).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from acdstats.domain.metrics import Item, floored_average_sql
from acdstats.domain.query import StatisticsQuery
from acdstats.storage.bucket_sql import Bucketing
from acdstats.storage.rollups import SAMPLES
from acdstats.storage.statistics_sql import (
    key_names,
    label_names,
    operator_statistics_sql,
    order_by,
    percentile_samples,
)

Piece = Any  # constant text (str), or a pyarrow string array: one text per record


def answer_sql(
    query: StatisticsQuery, limit: int, use_rollups: bool = True
) -> tuple[str, dict[str, Any]]:
    """SQL of at most limit + 1 rows (one more tells the caller the answer is too big): the
    key columns, each JSON number of a record in a column of its own, then the percentiles."""
    rows_sql, params = operator_statistics_sql(query, use_rollups, labels=False, ordered=False)
    names = key_names(query, labels=False)
    values = [
        f"({floored_average_sql(f'{s}_sum', f'{s}_count')})::BIGINT AS {s}_avg"
        for s in dict.fromkeys(i.sample for i in query.items if i.kind == "object")
    ]
    pcts = [f"{s}_p{n}" for s in percentile_samples(query) for n in query.ext.percentiles]
    columns = [
        *names,
        *(f"{s}_count::BIGINT AS {s}_count" for s in SAMPLES),
        *(f"coalesce({s}_sum, 0)::BIGINT AS {s}_sum" for s in SAMPLES),
        *(f"coalesce({s}_{k}, 0) AS {s}_{k}" for s in SAMPLES for k in ("min", "max")),
        "uac::BIGINT AS uac",
        *values,
        *pcts,
    ]
    sql = (
        f"SELECT {', '.join(columns)} FROM ({rows_sql} LIMIT {int(limit) + 1}) "
        f"ORDER BY {order_by(query, labels=False)}"
    )
    return sql, params


def render(
    rows: pa.Table,
    query: StatisticsQuery,
    user_id_as_number: bool = False,
    lookup: Bucketing | None = None,
) -> bytes:
    """The `result` JSON of the rows of `answer_sql`, in their order."""
    if rows.num_rows == 0:
        return b"[]"
    rows = rows.combine_chunks()
    keys = key_names(query, labels=False)
    n_buckets = len(keys) - 1 - (1 if query.ext.by_queue else 0)

    texts: dict[str, pa.Array] = {}

    def text(column: str) -> pa.Array:  # each column cast once (sums serve two items)
        if column not in texts:
            texts[column] = pc.cast(rows.column(column).chunk(0), pa.string())
        return texts[column]

    user = text("user_id")
    user_json: list[Piece] = [user] if user_id_as_number else ['"', user, '"']
    times: list[tuple[str, list[Piece]]] = []
    if lookup is not None and n_buckets:
        index = rows.column("b0").chunk(0)
        at = {"date": 0, "hour": 1, "utc_offset": 2}
        for name in label_names(query):
            labels = pa.array(
                [orjson.dumps(label[at[name]]).decode() for label in lookup.labels], pa.string()
            )
            times.append((name, [pc.take(labels, index)]))
    elif query.aggregation == "hour_of_day":
        times.append(("hour", [text("b0")]))
    elif n_buckets:
        times += _labels(rows.column("b0").chunk(0), query.aggregation == "hour")
    queue: list[tuple[str, list[Piece]]] = []
    if query.ext.by_queue:
        queue = [("acd_queue_id", [pc.fill_null(text("queue_id"), _text("null"))])]
    items = [(_name(query, item), _item(query, item, text)) for item in query.items]
    if query.group == "user":
        head, record = [("user_id", user_json)], times + queue + items
        group_columns = ["user_id"]
    else:
        head, record = times, [("user_id", user_json), *queue, *items]
        group_columns = [f"b{i}" for i in range(n_buckets)]
    # A group's opening: its head's fields, then "statistics":[ (the head is constant text
    # when there is none: one group).
    opening = _merged([*_fields(head), ',"statistics":['] if head else ['{"statistics":['])
    starts = _changes(rows, group_columns)
    ends = pa.concat_arrays([starts.slice(1), pa.array([True], pa.bool_())])
    # Every record but the first follows a comma; a group's first record follows its opening.
    prefix = pc.if_else(starts, _text(_join([",", *opening])), _text(","))
    suffix = pc.if_else(ends, _text("]}"), _text(""))
    records = _join([prefix, *_merged([*_fields(record), "}"]), suffix])
    return _joined(records)


def _labels(starts: pa.Array, hours: bool) -> list[tuple[str, list[Piece]]]:
    """The date (and hour) of each bucket start, as SQL's strftime('%Y-%m-%d') and hour()
    label them: computed once per distinct bucket, then looked up per row."""
    distinct = pc.unique(starts)
    at = pc.index_in(starts, value_set=distinct)
    moments = distinct.to_pylist()
    dates = [f'"{t.year:04d}-{t.month:02d}-{t.day:02d}"' for t in moments]
    out = [("date", [pc.take(pa.array(dates, pa.string()), at)])]
    if hours:
        out.append(("hour", [pc.take(pa.array([str(t.hour) for t in moments], pa.string()), at)]))
    return out


def _name(query: StatisticsQuery, item: Item) -> str:
    return item.short if query.abbreviation else item.long


def _item(query: StatisticsQuery, item: Item, text: Any) -> list[Piece]:
    s = item.sample
    if item.kind == "sum":
        return [text(f"{s}_sum")]
    if item.kind == "answered":
        return [text("sa_count")]
    if item.kind == "unanswered":
        return [text("uac")]
    fields = [(k, [text(f"{s}_{k}")]) for k in ("min", "avg", "max", "count", "sum")]
    if s in percentile_samples(query):
        fields += [(f"p{n}", [text(f"{s}_p{n}")]) for n in query.ext.percentiles]
    return [*_fields(fields), "}"]


def _fields(fields: list[tuple[str, list[Piece]]]) -> list[Piece]:
    """The pieces of a JSON object's fields, without its closing brace: {"key":value,..."""
    pieces: list[Piece] = []
    for i, (key, value) in enumerate(fields):
        pieces.append(("{" if i == 0 else ",") + orjson.dumps(key).decode() + ":")
        pieces += value
    return pieces or ["{"]


def _merged(pieces: list[Piece]) -> list[Piece]:
    """Neighbouring constant pieces as one (fewer arguments for the join)."""
    out: list[Piece] = []
    for piece in pieces:
        if isinstance(piece, str) and out and isinstance(out[-1], str):
            out[-1] += piece
        else:
            out.append(piece)
    return out


def _join(pieces: list[Piece]) -> Any:
    """The pieces joined per record (a constant when every piece is one)."""
    pieces = _merged(pieces)
    if len(pieces) == 1:
        return pieces[0]
    return pc.binary_join_element_wise(*map(_text, pieces), _text(""))


def _text(piece: Piece) -> Piece:
    """Constant text as a typed Arrow scalar. (Untyped, pyarrow infers the type and tries
    optional imports on every call: ~0.7 ms each when they are not installed.)"""
    return pa.scalar(piece, pa.string()) if isinstance(piece, str) else piece


def _changes(rows: pa.Table, columns: list[str]) -> pa.Array:
    """True where a row's values in `columns` differ from the previous row's (and at 0)."""
    n = rows.num_rows
    changed = pa.array([True] + [False] * (n - 1), pa.bool_())
    for c in columns:
        values = rows.column(c).chunk(0)
        differs = pc.not_equal(values.slice(1), values.slice(0, n - 1))
        differs = pc.fill_null(differs, pa.scalar(True, pa.bool_()))
        changed = pc.or_(changed, pa.concat_arrays([pa.array([False], pa.bool_()), differs]))
    return changed


def _joined(records: pa.Array) -> bytes:
    """[ + the values of a string array one after the other but the first comma + ]: a
    slice of the array's data buffer, copied once."""
    _, offsets, data = records.buffers()
    assert offsets is not None and data is not None
    width = 8 if records.type == pa.large_string() else 4
    bounds = np.frombuffer(offsets, dtype=np.int64 if width == 8 else np.int32)
    first, last = int(bounds[records.offset]), int(bounds[records.offset + len(records)])
    return b"".join((b"[", memoryview(data)[first + 1 : last], b"]"))
