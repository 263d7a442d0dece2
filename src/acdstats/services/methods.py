"""platform_api methods: name -> allowed roles and handler. Shared by the server and the CLI."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from acdstats import errors
from acdstats.errors import ApiError, shown
from acdstats.services.statistics import DEFAULT_MAX_RECORDS, operator_statistics_json
from acdstats.storage.db import Database

STATISTICS_ROLES = frozenset({"Owner", "Admin", "Developer", "Supervisor", "User manager"})
INGEST_ROLES = frozenset({"Owner", "Admin", "Developer"})
KEY_ADMIN_ROLES = frozenset({"Owner", "Admin"})


@dataclass(frozen=True)
class CallContext:
    db: Database
    account_id: int
    key_id: str | None = None  # None when called from the CLI (no token)
    max_records: int = DEFAULT_MAX_RECORDS
    user_id_as_number: bool = False
    now_ms: int | None = None  # a fixed clock (UTC epoch ms) for a missing to_date; None: now


Handler = Callable[[CallContext, Mapping[str, str]], Any]


@dataclass(frozen=True)
class Method:
    roles: frozenset[str]
    handler: Handler


def _operator_statistics(ctx: CallContext, params: Mapping[str, str]) -> Any:
    text = operator_statistics_json(
        ctx.db.reader(),
        ctx.account_id,
        params,
        ctx.max_records,
        ctx.user_id_as_number,
        now_ms=ctx.now_ms,
    )
    return orjson.Fragment(text)  # rendered by the database, embedded as it is


METHODS: dict[str, Method] = {
    "GetACDOperatorStatistics": Method(STATISTICS_ROLES, _operator_statistics),
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
    """The response body exactly as the server sends it: {"result": ...} or {"error": ...}."""
    try:
        return orjson.dumps({"result": method.handler(ctx, params)})
    except ApiError as exc:
        return orjson.dumps(exc.as_dict())


def call(method: Method, ctx: CallContext, params: Mapping[str, str]) -> dict[str, Any]:
    """The same answer as Python values (for Python callers and tests)."""
    document: dict[str, Any] = orjson.loads(respond(method, ctx, params))
    return document
