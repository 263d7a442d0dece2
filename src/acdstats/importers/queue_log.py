"""Asterisk queue_log import (SPEC 3.3): lines -> SPEC events whose queues and agents are
still names (the write pipeline gives them their persistent ids: storage/names.py).

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
from acdstats.domain.events import InvalidRecord, Line
from acdstats.domain.names import Name, NamedEvent, fold
from acdstats.importers.queue_log_source import queue_log_lines
from acdstats.importers.queue_log_verbs import (
    DEFAULT_WRAPUP_REASONS,
    Proto,
    QueueLogLine,
    map_line,
    wrapup_set,
)

# Lines are read and mapped in chunks (the file is never held whole).
CHUNK_LINES = 5_000
# Identical lines (a ring-no-answer storm) are told apart by their occurrence; lines may be
# out of order by a few seconds, so occurrences are remembered for this long.
_WINDOW_MS = 3600 * 1000

Mapped = tuple[int, QueueLogLine | None, list[Proto] | InvalidRecord | None]


def read_queue_log(
    stream: IO[bytes], timezone: str = "UTC", wrapup_reasons: Iterable[str] | None = None
) -> Iterator[Line]:
    """(line number, NamedEvent | InvalidRecord | None) for each line of the file.

    wrapup_reasons: pause reasons that mean after-call work (default: $ACDSTATS_QUEUE_LOG_WRAPUP,
    else DEFAULT_WRAPUP_REASONS); compared ignoring case, spaces and punctuation.
    """
    if wrapup_reasons is None:
        wrapup_reasons = queue_log_wrapup_reasons() or DEFAULT_WRAPUP_REASONS
    wrapup = wrapup_set(wrapup_reasons)
    builder = _EventBuilder()
    members = _Memberships()
    lines = queue_log_lines(stream, timezone)
    while chunk := list(islice(lines, CHUNK_LINES)):
        for number, line, result in (members.apply(_map(n, item, wrapup)) for n, item in chunk):
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


class _EventBuilder:
    """Events with deterministic event_ids; repeated status lines collapse into one.

    An operator's status is one per instant whatever spelling of the agent logs it: the
    spellings are told apart by their matching key (names.fold), and the agent ids that
    AGENTLOGIN lines show to be their queue members (Agent/<id>) count as one.
    """

    def __init__(self) -> None:
        self._members: dict[str, str] = {}  # Agent/<id> (folded) -> <id>, from AGENT* lines
        self._links: tuple[tuple[str, str, str], ...] = ()  # for the next event yielded
        self._names: dict[tuple[str, str], Name] = {}  # one Name per spelling (made once)
        self._occurrences: dict[int, dict[str, int]] = {}  # second -> canonical line -> count
        self._statuses: dict[int, set[tuple[str, int, str]]] = {}  # second -> statuses
        self._newest = 0
        self._clock = _UtcText()

    def events(self, number: int, line: QueueLogLine, protos: list[Proto]) -> Iterator[Line]:
        self._forget_old(line.at)
        canonical = line.canonical
        seen = self._occurrences.setdefault(line.at // 1000, {})
        occurrence = seen.get(canonical, 0)
        seen[canonical] = occurrence + 1
        digest = hashlib.sha1(f"{canonical}#{occurrence}".encode()).hexdigest()[:20]
        # app_agent_pool logs AGENTLOGIN under the agent id; its queue member is Agent/<id>.
        if line.verb.startswith("AGENT") and "/" not in line.agent and protos:
            self._links += (("agent", line.agent, "Agent/" + line.agent),)
            self._members[fold("agent", "Agent/" + line.agent)] = line.agent
        for index, proto in enumerate(protos):
            event = self._event(proto)
            if proto.type == "status":
                assert proto.agent is not None
                agent = fold("agent", proto.agent)
                key = (self._members.get(agent, agent), proto.at, proto.status or "")
                done = self._statuses.setdefault(proto.at // 1000, set())
                if key in done:
                    # the same change logged once per queue (PAUSE after PAUSEALL, logoff)
                    yield number, None
                    continue
                done.add(key)
                # the operator's id, once the pipeline knows it, makes the event_id
                status_id = ("qls:", "user_id", f":{key[1]}:{key[2]}")
                named = NamedEvent(event, status_id, self._links)
            else:
                event["event_id"] = f"ql:{digest}:{index}"
                named = NamedEvent(event, None, self._links)
            self._links = ()  # links travel once, with the next event (of this batch)
            yield number, named

    def _event(self, proto: Proto) -> dict[str, Any]:
        event: dict[str, Any] = {"type": proto.type, "at": self._clock.text(proto.at)}
        if proto.request_id is not None:
            event["request_id"] = proto.request_id
        if proto.agent is not None:
            event["user_id"] = self._name("agent", proto.agent)
        if proto.queue is not None:
            event["queue_id"] = self._name("queue", proto.queue)
        if proto.status is not None:
            event["status"] = proto.status
        return event

    def _name(self, kind: str, name: str) -> Name:
        found = self._names.get((kind, name))
        if found is None:
            found = self._names[(kind, name)] = Name(kind, name)
        return found

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
