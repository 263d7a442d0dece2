"""domain/extensions.py: SPEC 8's parameters, their values, errors and order."""

from __future__ import annotations

import pytest

from acdstats.domain.extensions import ORDER, Extensions, parse_extensions
from acdstats.errors import ApiError

ALL = frozenset(ORDER)


def error(params: dict[str, str], takes: frozenset[str] = ALL) -> tuple[int, str]:
    with pytest.raises(ApiError) as caught:
        parse_extensions(params, takes)
    return caught.value.code, caught.value.msg


def test_defaults() -> None:
    assert parse_extensions({}, ALL) == Extensions(None, (), False, None, "json")
    empty = dict.fromkeys(ORDER, "")
    assert parse_extensions(empty, ALL) == Extensions(None, (), False, None, "json")


def test_values() -> None:
    got = parse_extensions(
        {"timezone": "Asia/Kolkata", "percentiles": "99;05; 50 ;50", "by_queue": "TRUE",
         "service_level": "30;3600;1", "format": "csv"},
        ALL,
    )  # fmt: skip
    assert got.zone is not None and got.zone.key == "Asia/Kolkata"
    assert (got.percentiles, got.by_queue, got.service_level, got.format) == (
        (5, 50, 99), True, (1, 30, 3600), "csv"
    )  # fmt: skip


@pytest.mark.parametrize(
    "name, value",
    [("timezone", "europe/berlin"), ("timezone", "UTC+3"), ("timezone", "+05:30"),
     ("percentiles", "0"), ("percentiles", "100"), ("percentiles", "+5"), ("percentiles", "5.0"),
     ("percentiles", "5;;6"), ("percentiles", "5;"), ("percentiles", "\u0665"),
     ("by_queue", "yes"), ("by_queue", "tRUE"),
     ("service_level", "0"), ("service_level", "3601"), ("service_level", "a"),
     ("format", "CSV"), ("format", "xml")],
)  # fmt: skip
def test_each_bad_value_is_101_naming_it(name: str, value: str) -> None:
    code, msg = error({name: value})
    assert code == 101 and f"'{name}'" in msg


def test_order_of_the_checks() -> None:
    bad = {"timezone": "x", "percentiles": "x", "by_queue": "x", "service_level": "x",
           "format": "x"}  # fmt: skip
    for name in ORDER:
        assert f"'{name}'" in error(bad)[1]
        bad.pop(name)


def test_parameters_a_method_does_not_take_are_ignored() -> None:
    takes = frozenset({"timezone", "format"})
    got = parse_extensions({"percentiles": "x", "by_queue": "x", "service_level": "x"}, takes)
    assert got == Extensions()
    assert "'format'" in error({"percentiles": "x", "format": "x"}, takes)[1]
