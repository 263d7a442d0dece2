"""The acdstats extension parameters of SPEC section 8, checked in the order it gives.

`timezone`, `percentiles`, `by_queue`, `service_level`, `format`: each failure is error 101
naming the parameter; a parameter the method does not take is ignored, whatever its value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from acdstats import errors
from acdstats.domain.buckets import IANA_VERSION, Zone, load_zone
from acdstats.errors import ApiError, shown

ORDER = ("timezone", "percentiles", "by_queue", "service_level", "format")
FORMATS = ("json", "csv")
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}


@dataclass(frozen=True)
class Extensions:
    zone: Zone | None = None
    percentiles: tuple[int, ...] = ()
    by_queue: bool = False
    service_level: tuple[int, ...] | None = None  # None = the server's thresholds
    format: str = "json"  # 'json' | 'csv'


NONE = Extensions()


def parse_extensions(params: Mapping[str, str], takes: frozenset[str]) -> Extensions:
    """The section-8 parameters that a method takes, validated in SPEC 8's order."""
    zone: Zone | None = None
    percentiles: tuple[int, ...] = ()
    by_queue = False
    service_level: tuple[int, ...] | None = None
    fmt = "json"
    for name in ORDER:
        value = params.get(name) or ""
        if name not in takes or value == "":
            continue
        if name == "timezone":
            zone = load_zone(value)
            if zone is None:
                raise _invalid(
                    name,
                    value,
                    "expected an IANA time zone name, exact case, such as Europe/Berlin "
                    f"(tz database {IANA_VERSION})",
                )
        elif name == "percentiles":
            percentiles = number_list(name, value, 1, 99)
        elif name == "by_queue":
            by_queue = boolean(name, value)
        elif name == "service_level":
            service_level = number_list(name, value, 1, 3600)
        elif value in FORMATS:
            fmt = value
        else:
            raise _invalid(name, value, "expected json or csv")
    return Extensions(zone, percentiles, by_queue, service_level, fmt)


def number_list(name: str, value: str, low: int, high: int) -> tuple[int, ...]:
    """A `;`-list of ASCII-digit integers in [low, high], sorted, duplicates merged."""
    numbers = set()
    for part in value.split(";"):
        part = part.strip(" ")
        if not (part.isascii() and part.isdigit()) or not low <= int(part) <= high:
            raise _invalid(
                name, value, f"expected a ';'-separated list of integers {low} to {high}"
            )
        numbers.add(int(part))
    return tuple(sorted(numbers))


def boolean(name: str, value: str) -> bool:
    """SPEC 1's booleans: true/false/True/False/TRUE/FALSE/1/0."""
    if value.lower() not in _BOOLEANS or value not in (value.lower(), value.upper(), value.title()):
        raise _invalid(name, value, "expected true or false")
    return _BOOLEANS[value.lower()]


def _invalid(name: str, value: str, expected: str) -> ApiError:
    return ApiError(errors.INVALID_ARGUMENT, f"Invalid '{name}' {shown(value)}: {expected}")
