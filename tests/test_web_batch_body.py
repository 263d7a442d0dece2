"""POST /events bodies split into lines without building the batch: held to orjson's reading."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acdstats.domain.events import InvalidRecord
from acdstats.web.batch_body import parse_batch
from acdstats.web.responses import TransportError

json_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), st.text(max_size=8),
        st.floats(allow_nan=False, allow_infinity=False),
    ),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip


def expected_lines(items: list[Any]) -> list[Any]:
    return [item if isinstance(item, dict) else "not a JSON object" for item in items]


def seen_lines(body: bytes, limit: int = 1000) -> list[Any]:
    out: list[Any] = []
    for number, raw in parse_batch(body, limit):
        assert number == len(out) + 1
        if isinstance(raw, InvalidRecord):
            out.append(str(raw))
        else:
            assert isinstance(raw, bytes)
            out.append(orjson.loads(raw))
    return out


@settings(max_examples=300, deadline=None)
@given(items=st.lists(json_values, max_size=6), indent=st.sampled_from([None, 0, 2]))
def test_an_array_gives_its_elements(items: list[Any], indent: int | None) -> None:
    body = json.dumps(items, indent=indent, ensure_ascii=False).encode()
    assert seen_lines(body) == expected_lines(items)


@settings(max_examples=300, deadline=None)
@given(items=st.lists(json_values, min_size=1, max_size=4), data=st.data())
def test_a_damaged_array_is_400_exactly_when_orjson_refuses_it(
    items: list[Any], data: st.DataObject
) -> None:
    body = json.dumps(items).encode()
    cut = data.draw(st.integers(1, len(body)))
    junk = data.draw(st.sampled_from([b"", b",", b"]", b"}", b'"', b"[", b" x", b"{}"]))
    damaged = body[:cut] + junk + body[cut:] if data.draw(st.booleans()) else body[:cut] + junk
    try:
        whole = orjson.loads(damaged)
    except orjson.JSONDecodeError:
        with pytest.raises(TransportError) as info:
            parse_batch(damaged, 1000)
        assert info.value.status == 400
        return
    if isinstance(whole, list):
        assert seen_lines(damaged) == expected_lines(whole)


def test_the_line_limit_stops_splitting_at_the_first_event_past_it() -> None:
    for body in (b"[" + b"1," * 10 + b"1]", b"{}\n" * 11, b"[" + b"[1]," * 10 + b"{}]"):
        assert len(parse_batch(body, 11)) == 11
        with pytest.raises(TransportError) as info:
            parse_batch(body, 10)
        assert info.value.status == 413 and "limit of 10" in info.value.msg
    # Past the limit nothing more is read: what follows may even be malformed.
    assert parse_batch_status(b"[" + b"{}," * 5 + b"this is not JSON", 3) == 413


def parse_batch_status(body: bytes, limit: int) -> int:
    with pytest.raises(TransportError) as info:
        parse_batch(body, limit)
    return info.value.status


def test_ndjson_lines_keep_their_numbers_and_blank_lines_count() -> None:
    lines = parse_batch(b'{"a": 1}\n\n  {"b": 2}  \r\nnot json\n', 10)
    assert lines == [(1, b'{"a": 1}'), (3, b'{"b": 2}'), (4, b"not json")]
    assert parse_batch_status(b"hello\nworld\n", 10) == 400


def test_elements_are_kept_as_their_own_text() -> None:
    body = b'[ {"type": "x", "s": "a,]}\\"["} , [1, {"k": "]"}], "str", {"n": {"m": [1]}}]'
    lines = parse_batch(body, 10)
    assert [raw if isinstance(raw, bytes) else str(raw) for _, raw in lines] == [
        b'{"type": "x", "s": "a,]}\\"["}',
        "not a JSON object",
        "not a JSON object",
        b'{"n": {"m": [1]}}',
    ]
