"""Every platform_api method that reads the database, with parameters covering its shapes:
what a test compares, answer by answer, between two databases (a backup's restore and the
source) or before and after a fault. A test holds this list to the method registry.
"""

from __future__ import annotations

import httpx

from acdstats.services.methods import CallContext, find_method, respond
from acdstats.storage.db import Database

WINDOW = {"from_date": "2026-03-01 00:00:00", "to_date": "2026-04-01 00:00:00"}
_AGGREGATIONS = ("none", "day", "hour", "hour_of_day", "week", "month")


def read_calls(key_id: str) -> list[tuple[str, dict[str, str]]]:
    """(method, parameters) pairs; key_id names a key of the account for GetKeyRoles."""
    calls: list[tuple[str, dict[str, str]]] = []
    for aggregation in _AGGREGATIONS:
        for group in ("user", "aggregation"):
            for method in ("GetACDOperatorStatistics", "GetACDOperatorStatusStatistics"):
                params = {**WINDOW, "user_id": "all", "aggregation": aggregation, "group": group}
                calls.append((method, params))
        calls.append(("GetACDQueueStatistics", {**WINDOW, "aggregation": aggregation}))
    calls += [
        ("GetACDOperatorStatistics", {**WINDOW, "user_id": "all", "by_queue": "true"}),
        ("GetACDOperatorStatistics", {**WINDOW, "user_id": "all", "percentiles": "50;90"}),
        ("GetACDOperatorStatistics", {**WINDOW, "user_id": "all", "format": "csv"}),
        ("GetACDOperatorStatusStatistics", {**WINDOW, "user_id": "all", "format": "csv"}),
        ("GetACDQueueStatistics", {**WINDOW, "by_queue": "true", "service_level": "10;20"}),
        ("GetACDQueueStatistics", {**WINDOW, "format": "csv", "timezone": "Europe/Berlin"}),
    ]
    for offset in ("0", "1000", "100000"):
        page = {"count": "1000", "offset": offset}
        calls.append(("GetACDOffers", {**WINDOW, "user_id": "all", **page}))
        calls.append(("GetACDQueueCalls", {**WINDOW, **page}))
    calls += [
        ("GetACDOffers", {**WINDOW, "user_id": "all", "outcome": "unanswered", "format": "csv"}),
        ("GetACDQueueCalls", {**WINDOW, "outcome": "abandoned", "format": "csv"}),
        ("GetKeys", {"with_roles": "true"}),
        ("GetKeyRoles", {"key_id": key_id, "with_expanded_roles": "true"}),
        ("GetRoles", {}),
    ]
    return calls


def answers_in(db: Database, account_id: int, key_id: str) -> list[bytes]:
    """Each call's body as the server would send it, computed on db."""
    ctx = CallContext(db, account_id, key_id=key_id)
    return [bytes(respond(find_method(name), ctx, params)) for name, params in read_calls(key_id)]


def answers_over(http: httpx.Client, headers: dict[str, str], key_id: str) -> list[bytes]:
    """Each call's body from a running server."""
    bodies = []
    for name, params in read_calls(key_id):
        answer = http.post(f"/platform_api/{name}", data=params, headers=headers)
        assert answer.status_code == 200, (name, answer.text)
        bodies.append(answer.content)
    return bodies
