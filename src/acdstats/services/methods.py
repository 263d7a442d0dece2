"""The method registry: every platform_api method by name, shared by the server and the CLI."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import orjson

from acdstats import errors
from acdstats.domain.csv_answer import CsvBody
from acdstats.domain.status_query import parse_status_statistics
from acdstats.errors import ApiError, shown
from acdstats.services.context import (
    INGEST_ROLES,
    KEY_ADMIN_ROLES,
    STATISTICS_ROLES,
    CallContext,
    Handler,
    Method,
)
from acdstats.services.drilldown import Page, offers, queue_calls
from acdstats.services.key_methods import KEY_METHODS
from acdstats.services.queue_statistics import queue_statistics
from acdstats.services.statistics import operator_statistics
from acdstats.services.status_csv import status_csv
from acdstats.services.status_statistics import operator_status_statistics

# The shared types, importable from the registry too.
__all__ = [
    "INGEST_ROLES",
    "KEY_ADMIN_ROLES",
    "STATISTICS_ROLES",
    "CallContext",
    "Handler",
    "Method",
]


def _operator_statistics(ctx: CallContext, params: Mapping[str, str]) -> Any:
    text = operator_statistics(
        ctx.reader(),
        ctx.account_id,
        params,
        ctx.max_records,
        ctx.user_id_as_number,
        now_ms=ctx.now_ms,
    )
    if isinstance(text, CsvBody):
        return text
    return orjson.Fragment(text)  # rendered by the database, embedded as it is


def _operator_status_statistics(ctx: CallContext, params: Mapping[str, str]) -> Any:
    now = int(time.time() * 1000) if ctx.now_ms is None else ctx.now_ms  # once per request
    as_csv = params.get("format") == "csv"
    result = operator_status_statistics(
        ctx.reader(),
        ctx.account_id,
        params,
        now=now,
        max_records=ctx.max_records,
        user_id_as_number=ctx.user_id_as_number,
        status_detail_as_object=ctx.status_detail_as_object,
        values=as_csv,  # CSV is written from Python values
    )
    if as_csv:  # valid: the call above checked every parameter
        return status_csv(parse_status_statistics(params, now), result)
    return result


def _offers(ctx: CallContext, params: Mapping[str, str]) -> Any:
    return offers(ctx.reader(), ctx.account_id, params, ctx.now_ms, ctx.user_id_as_number)


def _queue_calls(ctx: CallContext, params: Mapping[str, str]) -> Any:
    return queue_calls(ctx.reader(), ctx.account_id, params, ctx.now_ms, ctx.user_id_as_number)


def _queue_statistics(ctx: CallContext, params: Mapping[str, str]) -> Any:
    return queue_statistics(
        ctx.reader(),
        ctx.account_id,
        params,
        ctx.max_records,
        now_ms=ctx.now_ms,
        thresholds=ctx.service_level_thresholds,
        as_fraction=ctx.service_level_as_fraction,
    )


METHODS: dict[str, Method] = {
    "GetACDOperatorStatistics": Method(STATISTICS_ROLES, _operator_statistics),
    "GetACDOperatorStatusStatistics": Method(STATISTICS_ROLES, _operator_status_statistics),
    "GetACDOffers": Method(STATISTICS_ROLES, _offers),
    "GetACDQueueCalls": Method(STATISTICS_ROLES, _queue_calls),
    "GetACDQueueStatistics": Method(STATISTICS_ROLES, _queue_statistics),
    **KEY_METHODS,
}


def find_method(name: str | None) -> Method:
    """The method by name, or ApiError 102/103."""
    if not name:
        raise ApiError(errors.NO_METHOD, "No method name: give it in the path or as 'cmd'")
    method = METHODS.get(name)
    if method is None:
        raise ApiError(errors.UNKNOWN_METHOD, f"Unknown method {shown(name)}")
    return method


def respond(method: Method, ctx: CallContext, params: Mapping[str, str]) -> bytes:
    """The response body exactly as the server sends it: {"result": ...} or {"error": ...},
    or a CSV answer (a CsvBody, whose media_type the server sends with it; SPEC 8.4)."""
    try:
        result = method.handler(ctx, params)
        if isinstance(result, CsvBody):
            return result
        if isinstance(result, Page):  # result, total_count, count (SPEC 8.5)
            return orjson.dumps(result.document())
        return orjson.dumps({"result": result})
    except ApiError as exc:
        return orjson.dumps(exc.as_dict())


def call(method: Method, ctx: CallContext, params: Mapping[str, str]) -> dict[str, Any]:
    """The same answer as Python values (for Python callers and tests)."""
    document: dict[str, Any] = orjson.loads(respond(method, ctx, params))
    return document
