"""The OpenAPI document of the methods the server implements, served at GET /openapi.json."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

import acdstats
from acdstats.domain.buckets import IANA_VERSION, TZDATA_VERSION
from acdstats.services.key_methods import PARAMETERS as KEY_PARAMETERS
from acdstats.services.methods import METHODS
from acdstats.web import ingest, operations
from acdstats.web.responses import ERROR_CONTENT, json_response
from acdstats.web.state import ServerState

# GetACDOperatorStatistics, in the order of SPEC 4's table (the order of the checks).
STATISTICS_PARAMETERS = [
    ("from_date", True, "UTC 'YYYY-MM-DD HH:mm:ss', inclusive start"),
    ("to_date", False, "UTC 'YYYY-MM-DD HH:mm:ss', exclusive end (default: now)"),
    ("user_id", True, "'all' or ';'-separated operator ids"),
    ("acd_queue_id", False, "'all' or ';'-separated queue ids (default: all)"),
    ("abbreviation", False, "Boolean (default true): short item names"),
    ("report", False, "'all' or ';'-separated items: SA TT ACW HT TDT TTT TACW THT AC UAC"),
    ("aggregation", False, "day, hour, hour_of_day, week, month (SPEC 8.1) or none (default)"),
    ("group", False, "user (default) or aggregation"),
]
# GetACDOperatorStatusStatistics, in the order of SPEC 7's table.
STATUS_STATISTICS_PARAMETERS = [
    ("from_date", True, "UTC 'YYYY-MM-DD HH:mm:ss', inclusive start"),
    ("to_date", False, "UTC 'YYYY-MM-DD HH:mm:ss', exclusive end (default: now); spans end "
     "at min(to_date, now)"),
    ("user_id", True, "'all' or ';'-separated operator ids"),
    ("acd_status", False, "'all' (default) or ';'-separated statuses, any case: OFFLINE ONLINE "
     "READY BANNED IN_SERVICE AFTER_SERVICE TIMEOUT DND"),
    ("aggregation", False, "day, hour, hour_of_day or none (default); week, month"),
    ("group", False, "user (default) or aggregation"),
    ("timezone", False, "acdstats extension: IANA zone name; dates are local"),
    ("percentiles", False, "acdstats extension: ';'-separated integers 1..99 (p<N> keys)"),
    ("format", False, "acdstats extension: json (default) or csv"),
]  # fmt: skip
# The acdstats extensions (SPEC 8), checked after a method's own table in this order.
_TZ = f"tz database {IANA_VERSION}, Python package tzdata {TZDATA_VERSION}"
EXTENSION_PARAMETERS = {
    "timezone": (
        "IANA zone or link name, exact case, from the shipped " + _TZ + ": from_date and "
        "to_date are local (a time in a gap means the first instant after it, a repeated time "
        "the earlier one), buckets are local, hour buckets carry utc_offset"
    ),
    "percentiles": "';'-separated integers 1..99: p<N> keys (nearest rank) on every item object",
    "by_queue": "Boolean (default false): one element per queue (acd_queue_id, null last)",
    "service_level": "';'-separated seconds 1..3600: the service-level thresholds",
    "format": "json (default) or csv (text/csv; errors stay JSON)",
}


def _extensions(*names: str) -> list[tuple[str, bool, str]]:
    return [(n, False, EXTENSION_PARAMETERS[n]) for n in names]


# GetACDQueueStatistics, in the order of SPEC 6's table (no user_id, no group).
QUEUE_STATISTICS_PARAMETERS = [
    ("from_date", True, "'YYYY-MM-DD HH:mm:ss' (UTC, or local with timezone), inclusive start "
     "(queue calls by entry)"),
    ("to_date", False, "'YYYY-MM-DD HH:mm:ss', exclusive end (default: now)"),
    ("acd_queue_id", False, "'all' or ';'-separated queue ids (default: all)"),
    ("abbreviation", False, "Boolean (default true): short item names"),
    ("report", False, "'all' or ';'-separated items: WT SA AT TT ACW HT QL TC AC UAC RC SL TWT "
     "TST TAT THT TTT TACW"),
    ("aggregation", False, "day, hour, hour_of_day, week, month or none (default)"),
]  # fmt: skip

DRILLDOWN_PARAMETERS = [
    ("from_date", True, "'YYYY-MM-DD HH:mm:ss' (UTC, or local with timezone), inclusive start"),
    ("to_date", False, "'YYYY-MM-DD HH:mm:ss', exclusive end (default: now)"),
    ("user_id", True, "'all' or ';'-separated operator ids"),
    ("acd_queue_id", False, "'all' or ';'-separated queue ids (default: all)"),
    *_extensions("timezone", "format"),
    ("outcome", False, "'all' (default) or ';'-separated: answered, unanswered"),
    ("count", False, "Rows per page, 1..1000 (default 100)"),
    ("offset", False, "Rows to skip, >= 0 (default 0)"),
]
_QUEUE_CALL_OUTCOME = "'all' (default) or ';'-separated: answered, abandoned, rejected, moved"
QUEUE_CALLS_PARAMETERS = [
    (name, required, _QUEUE_CALL_OUTCOME if name == "outcome" else text)
    for name, required, text in DRILLDOWN_PARAMETERS
    if name != "user_id"
]
PARAMETERS: dict[str, list[tuple[str, bool, str]]] = {
    "GetACDOperatorStatistics": STATISTICS_PARAMETERS
    + _extensions("timezone", "percentiles", "by_queue", "format"),
    "GetACDOperatorStatusStatistics": STATUS_STATISTICS_PARAMETERS,
    "GetACDQueueStatistics": QUEUE_STATISTICS_PARAMETERS
    + _extensions("timezone", "percentiles", "by_queue", "service_level", "format"),
    "GetACDOffers": DRILLDOWN_PARAMETERS,
    "GetACDQueueCalls": QUEUE_CALLS_PARAMETERS,
    **KEY_PARAMETERS,
}

_RESPONSE = {
    "description": "Always HTTP 200 for API-level outcomes: a result or an error object",
    "content": {
        "application/json": {
            "schema": {
                "oneOf": [
                    {"type": "object", "required": ["result"], "properties": {"result": {}}},
                    {"$ref": "#/components/schemas/Error"},
                ]
            }
        },
        "text/csv": {"schema": {"type": "string"}},  # format=csv (SPEC 8.4)
    },
}
# Transport faults (SPEC 1): the only answers of platform_api that are not HTTP 200.
TRANSPORT_FAULTS = {
    str(status): {"description": text, "content": ERROR_CONTENT}
    for status, text in [
        (400, "Malformed body (multipart that does not parse, over 1000 form fields)"),
        (408, "Headers or body too slow to arrive"),
        (413, "Body over the configured limit"),
        (503, "Overloaded (too many connections) or the database unavailable"),
    ]
}


def document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for name in sorted(METHODS):
        params = PARAMETERS.get(name, [])
        form_schema = {
            "type": "object",
            "properties": {p: {"type": "string", "description": d} for p, _, d in params},
            "required": [p for p, required, _ in params if required],
        }
        roles = ", ".join(sorted(METHODS[name].roles))
        operation = {
            "summary": f"{name} (roles: {roles})",
            "security": [{"bearerJWT": []}],
            "responses": {"200": _RESPONSE, **TRANSPORT_FAULTS},
        }
        paths[f"/platform_api/{name}"] = {
            "get": {
                **operation,
                "operationId": f"{name}Get",
                "parameters": [
                    {
                        "name": p,
                        "in": "query",
                        "required": required,
                        "description": d,
                        "schema": {"type": "string"},
                    }
                    for p, required, d in params
                ],
            },
            "post": {
                **operation,
                "operationId": f"{name}Post",
                "requestBody": {
                    "required": bool(form_schema["required"]),
                    "content": {
                        "application/x-www-form-urlencoded": {"schema": form_schema},
                        "multipart/form-data": {"schema": form_schema},
                    },
                },
            },
        }
    paths["/events"] = ingest.OPENAPI_PATH
    paths.update(operations.OPENAPI_PATHS)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "acdstats platform_api",
            "version": acdstats.__version__,
            "description": "Voximplant Management API methods served by acdstats. The method "
            "name may also be given as the 'cmd' parameter of /platform_api. Time zones: "
            + _TZ
            + ".",
            "x-tzdata-version": TZDATA_VERSION,
            "x-tz-database-version": IANA_VERSION,
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerJWT": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (RS256)"}
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["msg", "code"],
                            "properties": {
                                "msg": {"type": "string"},
                                "code": {"type": "integer"},
                            },
                        }
                    },
                }
            },
        },
    }


def routes(state: ServerState) -> list[BaseRoute]:
    async def openapi(request: Request) -> Response:
        return json_response(document())

    return [Route("/openapi.json", openapi, methods=["GET"])]
