"""A reference for SPEC 3's line rules, written as plain Python: one record at a time.

The server checks ingest lines set-based in SQL (acdstats.storage.incoming); this module
decides the same thing another way, so that tests can hold the two to each other
(tests/test_validation.py) and use typed events (the simulator's tests).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from acdstats.domain.events import EVENT_FIELDS, STATUSES, InvalidRecord

# `YYYY-MM-DD HH:mm:ss[.f{1,6}]` (UTC) or RFC 3339 `YYYY-MM-DDTHH:mm:ss[.f{1,6}](Z|±HH:MM)`.
_INGEST = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:( )|T)(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?"
    r"(Z|[+-]\d{2}:\d{2})?"
)


def parse_ingest_time(text: str) -> int:
    """UTC epoch milliseconds of an ingest timestamp; sub-millisecond digits are truncated.

    Raises ValueError with a reason if the text is not one of the accepted forms.
    """
    m = _INGEST.fullmatch(text)
    if m is None:
        raise ValueError(f"bad timestamp {text!r}")
    year, month, day, space, hh, mi, ss, frac, zone = m.groups()
    if space is not None and zone is not None:
        raise ValueError(f"bad timestamp {text!r}: a zone needs the RFC 3339 'T' form")
    if space is None and zone is None:
        raise ValueError(f"bad timestamp {text!r}: RFC 3339 form needs Z or an offset")
    if int(hh) > 23 or int(mi) > 59 or int(ss) > 59:
        raise ValueError(f"bad timestamp {text!r}: not a real time")
    seconds = _day_seconds(text[:10]) + int(hh) * 3600 + int(mi) * 60 + int(ss)
    millis = int((frac or "0").ljust(3, "0")[:3])
    offset_s = 0
    if zone and zone != "Z":
        oh, om = int(zone[1:3]), int(zone[4:6])
        if oh > 23 or om > 59:
            raise ValueError(f"bad timestamp {text!r}: bad offset")
        offset_s = (oh * 3600 + om * 60) * (1 if zone[0] == "+" else -1)
    return (seconds - offset_s) * 1000 + millis


@lru_cache(maxsize=4096)
def _day_seconds(date: str) -> int:
    """Epoch seconds of a `YYYY-MM-DD` midnight UTC (cached: ingest sees few distinct days)."""
    return _epoch_seconds(int(date[:4]), int(date[5:7]), int(date[8:10]), 0, 0, 0, date)


def _epoch_seconds(year: int, month: int, day: int, hh: int, mi: int, ss: int, text: str) -> int:
    try:
        dt = datetime(year, month, day, hh, mi, ss, tzinfo=UTC)
    except ValueError:
        raise ValueError(f"bad timestamp {text!r}: not a real time") from None
    return calendar.timegm(dt.utctimetuple())


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    at: int  # UTC epoch milliseconds
    request_id: str | None = None
    user_id: int | None = None
    queue_id: int | None = None
    status: str | None = None
    event_id: str | None = None
    # Canonical content: what identifies an event without event_id (SPEC 3.1).
    content: str = field(init=False, repr=False, compare=False)
    # The deduplication key within an account.
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        content = (
            f"{self.type}|{self.at}|{'' if self.request_id is None else self.request_id}|"
            f"{'' if self.user_id is None else self.user_id}|"
            f"{'' if self.queue_id is None else self.queue_id}|{self.status or ''}"
        )
        object.__setattr__(self, "content", content)
        key = "c:" + content if self.event_id is None else "id:" + self.event_id
        object.__setattr__(self, "key", key)


@dataclass(frozen=True, slots=True)
class OfferRecord:
    request_id: str
    queue_id: int
    user_id: int
    offered_at: int
    answered_at: int | None
    ended_at: int | None
    acw_ended_at: int | None


def parse_record(raw: dict[str, Any], account_id: int) -> Event | OfferRecord:
    """Validate one ingest object; raises InvalidRecord with the reason."""
    if not isinstance(raw, dict):
        raise InvalidRecord("not a JSON object")
    kind = raw.get("type")
    if not isinstance(kind, str) or not kind:
        raise InvalidRecord("missing field 'type'")
    _check_account(raw, account_id)
    if kind == "offer":
        return _parse_offer(raw)
    if kind not in EVENT_FIELDS:
        raise InvalidRecord(f"unknown type {kind!r}")
    required, optional = EVENT_FIELDS[kind]
    values: dict[str, Any] = {}
    for name in required:
        if _absent(raw.get(name)):
            raise InvalidRecord(f"missing field {name!r} for type {kind!r}")
    for name in required + optional:
        if not _absent(raw.get(name)):
            values[name] = _field(name, raw[name])
    event_id = raw.get("event_id")
    if not _absent(event_id):
        if not isinstance(event_id, str | int) or isinstance(event_id, bool):
            raise InvalidRecord("bad event_id: must be a string")
        event_id = str(event_id)
    else:
        event_id = None
    return Event(type=kind, at=_time(raw, "at", required=True), event_id=event_id, **values)


def _parse_offer(raw: dict[str, Any]) -> OfferRecord:
    for name in ("request_id", "queue_id", "user_id", "offered_at"):
        if _absent(raw.get(name)):
            raise InvalidRecord(f"missing field {name!r} for type 'offer'")
    offered = _time(raw, "offered_at", required=True)
    answered = _time(raw, "answered_at")
    ended = _time(raw, "ended_at")
    acw_ended = _time(raw, "acw_ended_at")
    if ended is not None and answered is None:
        raise InvalidRecord("'ended_at' requires 'answered_at'")
    if acw_ended is not None and ended is None:
        raise InvalidRecord("'acw_ended_at' requires 'ended_at'")
    chain = [t for t in (offered, answered, ended, acw_ended) if t is not None]
    if chain != sorted(chain):
        raise InvalidRecord(
            "times must be non-decreasing: offered_at <= answered_at <= ended_at <= acw_ended_at"
        )
    return OfferRecord(
        request_id=_field("request_id", raw["request_id"]),
        queue_id=_field("queue_id", raw["queue_id"]),
        user_id=_field("user_id", raw["user_id"]),
        offered_at=offered,
        answered_at=answered,
        ended_at=ended,
        acw_ended_at=acw_ended,
    )


def _absent(value: Any) -> bool:
    return value is None or value == ""


def _check_account(raw: dict[str, Any], account_id: int) -> None:
    given = raw.get("account_id")
    if _absent(given):
        return
    if str(given).strip() != str(account_id):
        raise InvalidRecord(f"account_id {given!r} is not this channel's account {account_id}")


def _field(name: str, value: Any) -> Any:
    if name == "request_id":
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise InvalidRecord(f"bad request_id {value!r}: must be text")
        return str(value)
    if name == "status":
        if not isinstance(value, str) or value not in STATUSES:
            raise InvalidRecord(
                f"bad status {value!r}: must be one of {', '.join(sorted(STATUSES))}"
            )
        return value
    return _positive_int(name, value)


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise InvalidRecord(f"bad {name} {value!r}: must be a positive integer")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
    else:
        raise InvalidRecord(f"bad {name} {value!r}: must be a positive integer")
    if not 0 < number < 2**63:
        raise InvalidRecord(f"bad {name} {value!r}: must be a positive integer")
    return number


def _time(raw: dict[str, Any], name: str, required: bool = False) -> Any:
    value = raw.get(name)
    if _absent(value):
        if required:
            raise InvalidRecord(f"missing field {name!r}")
        return None
    if not isinstance(value, str):
        raise InvalidRecord(f"bad {name} {value!r}: must be a timestamp string")
    try:
        return parse_ingest_time(value)
    except ValueError as exc:
        raise InvalidRecord(f"bad {name}: {exc}") from None
