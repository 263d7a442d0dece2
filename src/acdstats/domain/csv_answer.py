"""CSV answers (SPEC 8.4): byte for byte, the same for every method.

`,` between fields, CRLF after every record (the last one too), no byte-order mark; a field
is quoted exactly when it holds `,`, `"`, CR or LF, with inner quotes doubled; null and
absent values are empty; numbers are the JSON answer's text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

MEDIA_TYPE = "text/csv; charset=utf-8"
_NEEDS_QUOTES = re.compile('[,"\r\n]')


class CsvBody(bytes):
    """A CSV answer: sent as it is, with its own content type (not wrapped in JSON)."""

    media_type = MEDIA_TYPE


def field(value: Any) -> str:
    if type(value) is int:  # the common case: a number never needs quotes
        return str(value)
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    text = str(value)
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def render(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> CsvBody:
    lines = [",".join(field(h) for h in header)]
    lines += [",".join(field(v) for v in row) for row in rows]
    return CsvBody(("\r\n".join(lines) + "\r\n").encode("utf-8"))


def item_columns(
    name: str, kind: str, percentiles: Sequence[int] = (), thresholds: Sequence[int] = ()
) -> list[str]:
    """The columns of one item: a number, an item object, a calls array or SL (SPEC 8.4)."""
    if kind == "object":
        return [f"{name}_{k}" for k in ("min", "avg", "max", "count", "sum")] + [
            f"{name}_p{n}" for n in percentiles
        ]
    if kind == "calls":
        return [f"{name}_count", f"{name}_percent"]
    if kind == "service_level":
        return [f"{name}_{t}_{k}" for t in thresholds for k in ("count", "level")]
    return [name]


def item_values(value: Any, kind: str, percentiles: Sequence[int] = ()) -> list[Any]:
    """The fields of one item's JSON value, in the order of item_columns."""
    if kind == "object":
        keys = ["min", "avg", "max", "count", "sum", *(f"p{n}" for n in percentiles)]
        return [value[k] for k in keys]
    if kind == "calls":
        return [value[0]["count"], value[0]["percent"]]
    if kind == "service_level":
        return [v for level in value for v in (level["call_count"], level["service_level"])]
    return [value]
