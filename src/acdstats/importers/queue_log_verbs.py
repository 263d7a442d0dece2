"""Asterisk queue_log verbs onto SPEC events (docs/queue_log.md has the table and the why).

Payload orders follow the ast_queue_log() calls of Asterisk's apps/app_queue.c:
  ENTERQUEUE        url|callerid|origposition
  CONNECT           holdtime|bridged channel uniqueid|ringtime (s; absent before 1.6: 0)
  RINGNOANSWER      ringtime (ms)
  RINGCANCELED      ms rung before the caller's attempt was cancelled
  COMPLETEAGENT     holdtime|calltime|origposition (also COMPLETECALLER)
  TRANSFER          extension|context|holdtime|calltime|origposition (also BLINDTRANSFER)
  ATTENDEDTRANSFER  BRIDGE|bridge|holdtime|calltime|origposition, APP|app|..., or
                    LINK|channel1|channel2|holdtime|calltime|origposition (one field more)
  ABANDON           position|origposition|waittime (also EXITWITHTIMEOUT, EXITEMPTY)
  EXITWITHKEY       key|position|origposition|waittime
  WITHDRAW          position|origposition|waittime|info
  PAUSE / UNPAUSE   reason (also PAUSEALL / UNPAUSEALL)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from acdstats.domain.events import InvalidRecord

DEFAULT_WRAPUP_REASONS = ("ACW", "Wrapup", "Wrap-up", "AfterCallWork", "After call work")

ABANDON_VERBS = frozenset({"ABANDON", "EXITWITHTIMEOUT", "EXITWITHKEY", "EXITEMPTY", "WITHDRAW"})
COMPLETE_VERBS = frozenset(
    {"COMPLETEAGENT", "COMPLETECALLER", "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"}
)
RING_END_VERBS = frozenset({"RINGNOANSWER", "RINGCANCELED"})
STATUS_VERBS = frozenset(
    {
        "ADDMEMBER",
        "REMOVEMEMBER",
        "PAUSE",
        "UNPAUSE",
        "PAUSEALL",
        "UNPAUSEALL",
        "AGENTLOGIN",
        "AGENTLOGOFF",
        "AGENTCALLBACKLOGIN",
        "AGENTCALLBACKLOGOFF",
    }
)
_NOBODY = ("", "NONE")
# A longer ring, hold or call time is a broken line, not a call (and would move times by years).
_MAX_SECONDS = 7 * 24 * 3600


class QueueLogLine(NamedTuple):
    """One queue_log line, whatever its source (file or realtime table export)."""

    at: int  # UTC epoch milliseconds
    callid: str
    queue: str
    agent: str
    verb: str
    data: tuple[str, ...]

    def field(self, number: int) -> str:
        """data<number>, counting from 1 as Asterisk's realtime columns do; '' if absent."""
        return self.data[number - 1] if len(self.data) >= number else ""

    @property
    def canonical(self) -> str:
        """The line's content in one form for both sources (trailing empty fields dropped)."""
        data = list(self.data)
        while data and data[-1] == "":
            data.pop()
        return "|".join([str(self.at), self.callid, self.queue, self.agent, self.verb, *data])


class Proto(NamedTuple):
    """An event before names become ids: `agent` and `queue` are still names."""

    type: str
    at: int
    request_id: str | None = None
    agent: str | None = None
    queue: str | None = None
    status: str | None = None


def wrapup_key(reason: str) -> str:
    """Pause reasons compare by letters and digits only, ignoring case: 'Wrap-up' = 'WRAPUP'."""
    return re.sub(r"[\W_]+", "", reason).casefold()


def wrapup_set(reasons: Iterable[str]) -> frozenset[str]:
    return frozenset(wrapup_key(r) for r in reasons if wrapup_key(r))


def map_line(line: QueueLogLine, wrapup: frozenset[str]) -> list[Proto] | None:
    """The events of one line; None for a verb that carries nothing for statistics.

    Raises InvalidRecord when a verb we use lacks its call id, agent or numbers.
    """
    verb = line.verb
    t = line.at
    if verb == "ENTERQUEUE":
        return [Proto("enqueued", t, _callid(line), queue=_queue(line, required=True))]
    if verb == "CONNECT":
        ring = _seconds(line, 3, "ringtime", default=0) * 1000
        request, agent, queue = _callid(line), _agent(line), _queue(line)
        return [
            Proto("offered", t - ring, request, agent, queue),
            Proto("answered", t, request, agent),
        ]
    if verb in RING_END_VERBS:
        rung = _number(line, 1, "ring time (ms)")
        request, agent, queue = _callid(line), _agent(line), _queue(line)
        return [
            Proto("offered", t - rung, request, agent, queue),
            Proto("unanswered", t, request, agent),
        ]
    if verb in COMPLETE_VERBS:
        reported_times(line)  # a completion whose own numbers are broken is not trusted
        return [Proto("hangup", t, _callid(line), _agent(line))]
    if verb in ABANDON_VERBS:
        return [Proto("abandoned", t, _callid(line))]
    if verb in STATUS_VERBS:
        status = _status(line, wrapup)
        return None if status is None else [Proto("status", t, agent=_agent(line), status=status)]
    return None


def reported_times(line: QueueLogLine) -> tuple[int, int]:
    """(holdtime, calltime) in seconds as a completion line reports them."""
    if line.verb in ("COMPLETEAGENT", "COMPLETECALLER"):
        first = 1
    elif line.verb == "ATTENDEDTRANSFER" and line.field(1) == "LINK":
        first = 4  # LINK|channel1|channel2|holdtime|calltime|origposition
    elif line.verb in COMPLETE_VERBS:
        first = 3  # extension|context|..., BRIDGE|bridge|..., APP|app|...
    else:
        raise ValueError(f"{line.verb} reports no call times")
    return _seconds(line, first, "holdtime"), _seconds(line, first + 1, "calltime")


def _status(line: QueueLogLine, wrapup: frozenset[str]) -> str | None:
    verb = line.verb
    if verb in ("PAUSE", "PAUSEALL"):
        reason = line.field(1)
        if verb == "PAUSEALL" and not reason:
            return None  # Asterisk logs one PAUSE per queue, with the reason, right after
        return "AFTER_SERVICE" if wrapup_key(reason) in wrapup else "DND"
    if verb == "ADDMEMBER":
        return "DND" if line.field(1).upper() == "PAUSED" else "READY"
    if verb in ("UNPAUSE", "UNPAUSEALL", "AGENTLOGIN", "AGENTCALLBACKLOGIN"):
        return "READY"
    return "OFFLINE"  # REMOVEMEMBER, AGENTLOGOFF, AGENTCALLBACKLOGOFF


def _callid(line: QueueLogLine) -> str:
    if line.callid in _NOBODY:
        raise InvalidRecord(f"{line.verb} without a call id")
    return line.callid


def _agent(line: QueueLogLine) -> str:
    if line.agent in _NOBODY:
        raise InvalidRecord(f"{line.verb} without an agent")
    return line.agent


def _queue(line: QueueLogLine, required: bool = False) -> str | None:
    if line.queue in _NOBODY:
        if required:
            raise InvalidRecord(f"{line.verb} without a queue")
        return None
    return line.queue


def _number(line: QueueLogLine, number: int, what: str, default: int | None = None) -> int:
    text = line.field(number).strip()
    if not text and default is not None:
        return default
    limit = _MAX_SECONDS * (1000 if "ms" in what else 1)
    # the length check first: int() refuses digit strings longer than 4,300 characters
    too_long = len(text) > len(str(limit))
    if not (text.isascii() and text.isdigit()) or too_long or int(text) > limit:
        raise InvalidRecord(f"{line.verb}: bad {what} {text!r} in data{number}")
    return int(text)


def _seconds(line: QueueLogLine, number: int, what: str, default: int | None = None) -> int:
    return _number(line, number, what + " (s)", default)
