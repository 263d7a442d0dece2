"""Asterisk queue_log import (SPEC 3.3): lines -> SPEC events, names -> persistent ids.

Lines are read in chunks; the new queue and agent names of a chunk get their ids in one
write transaction (never one per line, and never while the caller holds the writer).
Every event gets an event_id derived from its line's content, so importing a file again,
or the realtime CSV export of the same lines, stores nothing new.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any

from acdstats.config import queue_log_wrapup_reasons
from acdstats.domain.events import InvalidRecord
from acdstats.importers.queue_log_source import queue_log_lines
from acdstats.importers.queue_log_verbs import (
    DEFAULT_WRAPUP_REASONS,
    Proto,
    QueueLogLine,
    map_line,
    wrapup_set,
)
from acdstats.services.ingest import Line
from acdstats.storage.db import Database
from acdstats.storage.names import NameIds

CHUNK_LINES = 5_000
# Identical lines (a ring-no-answer storm) are told apart by their occurrence; lines may be
# out of order by a few seconds, so occurrences are remembered for this long.
_WINDOW_MS = 3600 * 1000

Mapped = tuple[int, QueueLogLine | None, list[Proto] | InvalidRecord | None]


def read_queue_log(
    stream: IO[bytes],
    db: Database,
    account_id: int,
    timezone: str = "UTC",
    wrapup_reasons: Iterable[str] | None = None,
) -> Iterator[Line]:
    """(line number, SPEC event dict | InvalidRecord | None) for each line of the file.

    wrapup_reasons: pause reasons that mean after-call work (default: $ACDSTATS_QUEUE_LOG_WRAPUP,
    else DEFAULT_WRAPUP_REASONS); compared ignoring case, spaces and punctuation.
    """
    if wrapup_reasons is None:
        wrapup_reasons = queue_log_wrapup_reasons() or DEFAULT_WRAPUP_REASONS
    wrapup = wrapup_set(wrapup_reasons)
    names = NameIds(db, account_id)
    builder = _EventBuilder(names)
    members = _Memberships()
    lines = queue_log_lines(stream, timezone)
    while chunk := list(islice(lines, CHUNK_LINES)):
        mapped = [members.apply(_map(number, item, wrapup)) for number, item in chunk]
        names.resolve(*_names_of(mapped))
        for number, line, result in mapped:
            if line is not None and isinstance(result, list):
                yield from builder.events(number, line, result)
            else:
                yield number, None if isinstance(result, list) else result


def _map(number: int, item: QueueLogLine | InvalidRecord, wrapup: frozenset[str]) -> Mapped:
    if isinstance(item, InvalidRecord):
        return number, None, item
    try:
        return number, item, map_line(item, wrapup)
    except InvalidRecord as exc:
        return number, None, exc


class _Memberships:
    """Queues each agent was added to in this file, so that leaving one of them is not OFFLINE.

    Static members (queues.conf) are never logged as added: for them, and for agents added
    before the file starts, REMOVEMEMBER stays OFFLINE.
    """

    def __init__(self) -> None:
        self._queues: dict[str, set[str]] = {}

    def apply(self, mapped: Mapped) -> Mapped:
        number, line, result = mapped
        if line is None or not isinstance(result, list):
            return mapped
        queue = line.queue.casefold()
        if line.verb == "ADDMEMBER":
            self._queues.setdefault(line.agent, set()).add(queue)
        elif line.verb == "REMOVEMEMBER":
            left = self._queues.get(line.agent, set())
            left.discard(queue)
            if left:
                return number, line, None  # still a member elsewhere: no status change
        return mapped


def _names_of(
    mapped: list[Mapped],
) -> tuple[set[tuple[str, str]], list[tuple[str, str, str]]]:
    """The names a chunk needs, and the agent spellings it shows to be one member."""
    wanted: set[tuple[str, str]] = set()
    links: list[tuple[str, str, str]] = []
    for _, line, result in mapped:
        if line is None or not isinstance(result, list):
            continue
        for proto in result:
            if proto.agent is not None:
                wanted.add(("agent", proto.agent))
            if proto.queue is not None:
                wanted.add(("queue", proto.queue))
        # app_agent_pool logs AGENTLOGIN under the agent id; its queue member is Agent/<id>.
        if line.verb.startswith("AGENT") and "/" not in line.agent and result:
            links.append(("agent", line.agent, "Agent/" + line.agent))
    return wanted, links


class _EventBuilder:
    """Event dicts with deterministic event_ids; repeated status lines collapse into one."""

    def __init__(self, names: NameIds) -> None:
        self._names = names
        self._occurrences: dict[int, dict[str, int]] = {}  # second -> canonical line -> count
        self._statuses: dict[int, set[tuple[int, int, str]]] = {}  # second -> statuses
        self._newest = 0
        self._clock = _UtcText()

    def events(self, number: int, line: QueueLogLine, protos: list[Proto]) -> Iterator[Line]:
        self._forget_old(line.at)
        canonical = line.canonical
        seen = self._occurrences.setdefault(line.at // 1000, {})
        occurrence = seen.get(canonical, 0)
        seen[canonical] = occurrence + 1
        digest = hashlib.sha1(f"{canonical}#{occurrence}".encode()).hexdigest()[:20]
        for index, proto in enumerate(protos):
            event = self._event(proto)
            if proto.type == "status":
                key = (event["user_id"], proto.at, proto.status or "")
                done = self._statuses.setdefault(proto.at // 1000, set())
                if key in done:
                    # the same change logged once per queue (PAUSE after PAUSEALL, logoff)
                    yield number, None
                    continue
                done.add(key)
                event["event_id"] = f"qls:{key[0]}:{key[1]}:{key[2]}"
            else:
                event["event_id"] = f"ql:{digest}:{index}"
            yield number, event

    def _event(self, proto: Proto) -> dict[str, Any]:
        event: dict[str, Any] = {"type": proto.type, "at": self._clock.text(proto.at)}
        if proto.request_id is not None:
            event["request_id"] = proto.request_id
        if proto.agent is not None:
            event["user_id"] = self._names[("agent", proto.agent)]
        if proto.queue is not None:
            event["queue_id"] = self._names[("queue", proto.queue)]
        if proto.status is not None:
            event["status"] = proto.status
        return event

    def _forget_old(self, at: int) -> None:
        if at <= self._newest:
            return
        self._newest = at
        horizon = (at - _WINDOW_MS) // 1000
        if len(self._occurrences) > 2 * _WINDOW_MS // 1000:
            for store in (self._occurrences, self._statuses):
                for second in [s for s in store if s < horizon]:
                    del store[second]


class _UtcText:
    """`YYYY-MM-DD HH:mm:ss.fff` UTC (SPEC ingest form), with the date part cached per second."""

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def text(self, ms: int) -> str:
        second, millis = divmod(ms, 1000)
        if second != self._second:
            self._second = second
            self._prefix = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(second))
        return f"{self._prefix}.{millis:03d}"
