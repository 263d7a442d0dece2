"""GetACDOperatorStatusStatistics (SPEC 7): parameters in, the `result` value out."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from acdstats.domain.status_query import parse_status_statistics
from acdstats.storage.reader import AnswerForm, StatisticsReader


def now_ms() -> int:
    return int(time.time() * 1000)


def operator_status_statistics(
    reader: StatisticsReader,
    account_id: int,
    params: Mapping[str, str],
    now: int | None = None,
    max_records: int = 1_000_000,
    user_id_as_number: bool = False,
    status_detail_as_object: bool = False,
    values: bool = False,
) -> Any:
    """The `result` of GetACDOperatorStatusStatistics for one account: Python values for a
    small answer (or when `values`), else the JSON text rendered by the engine (an
    orjson.Fragment)."""
    query = parse_status_statistics(params, now_ms() if now is None else now)
    form = AnswerForm(max_records, user_id_as_number, status_detail_as_object)
    return reader.status_statistics(account_id, query, form, values)
