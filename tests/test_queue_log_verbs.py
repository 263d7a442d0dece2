"""queue_log verbs onto events, and reading lines from both sources (no database)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from acdstats.domain.events import InvalidRecord
from acdstats.importers.queue_log_source import (
    LocalClock,
    classic_lines,
    epoch_ms,
    queue_log_lines,
)
from acdstats.importers.queue_log_verbs import (
    DEFAULT_WRAPUP_REASONS,
    Proto,
    QueueLogLine,
    map_line,
    reported_times,
    wrapup_set,
)

T = 1772442000_000  # 2026-03-02 09:00:00 UTC
WRAPUP = wrapup_set(DEFAULT_WRAPUP_REASONS)


def line(verb: str, data: str = "", agent: str = "Alice", callid: str = "c1") -> QueueLogLine:
    return QueueLogLine(T, callid, "support", agent, verb, tuple(data.split("|")))


def utc_ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def test_enterqueue_is_enqueued() -> None:
    assert map_line(line("ENTERQUEUE", "|+4930123|1", agent="NONE"), WRAPUP) == [
        Proto("enqueued", T, "c1", queue="support")
    ]


def test_connect_rang_ringtime_seconds_before_the_answer() -> None:
    assert map_line(line("CONNECT", "27|1772441973.12|7"), WRAPUP) == [
        Proto("offered", T - 7000, "c1", "Alice", "support"),
        Proto("answered", T, "c1", "Alice"),
    ]


def test_connect_without_ringtime_field_rang_zero_seconds() -> None:
    # Asterisk 1.4 wrote CONNECT holdtime|bridged uniqueid only
    assert map_line(line("CONNECT", "27|1772441973.12"), WRAPUP) == [
        Proto("offered", T, "c1", "Alice", "support"),
        Proto("answered", T, "c1", "Alice"),
    ]


@pytest.mark.parametrize("verb", ["RINGNOANSWER", "RINGCANCELED"])
def test_ring_ends_are_offers_that_rang_ms(verb: str) -> None:
    assert map_line(line(verb, "15320"), WRAPUP) == [
        Proto("offered", T - 15320, "c1", "Alice", "support"),
        Proto("unanswered", T, "c1", "Alice"),
    ]


@pytest.mark.parametrize(
    ("verb", "data", "times"),
    [
        ("COMPLETEAGENT", "12|340|2", (12, 340)),
        ("COMPLETECALLER", "5|61|1", (5, 61)),
        ("TRANSFER", "2001|from-internal|8|90|1", (8, 90)),
        ("BLINDTRANSFER", "2001|from-internal|8|90|1", (8, 90)),
        ("ATTENDEDTRANSFER", "BRIDGE|0c2d-bridge|4|77|3", (4, 77)),
        ("ATTENDEDTRANSFER", "APP|Voicemail|4|77|3", (4, 77)),
        ("ATTENDEDTRANSFER", "LINK|Local/1@a-0001;1|Local/1@a-0001;2|4|77|3", (4, 77)),
    ],
)
def test_completions_hang_up_the_agents_call(verb: str, data: str, times: tuple[int, int]) -> None:
    assert map_line(line(verb, data), WRAPUP) == [Proto("hangup", T, "c1", "Alice")]
    assert reported_times(line(verb, data)) == times


def test_link_transfer_reads_its_times_one_field_later() -> None:
    # in the LINK form data4 is the holdtime: a line that stops there has no calltime
    with pytest.raises(InvalidRecord, match="calltime .* in data5"):
        map_line(line("ATTENDEDTRANSFER", "LINK|Local/1@a;1|Local/1@a;2|4"), WRAPUP)


@pytest.mark.parametrize(
    ("verb", "data"),
    [
        ("ABANDON", "2|3|41"),
        ("EXITWITHTIMEOUT", "1|1|300"),
        ("EXITWITHKEY", "5|1|1|20"),
        ("EXITEMPTY", "1|1|3"),
        ("WITHDRAW", "1|1|15|callback requested"),
    ],
)
def test_caller_leaving_is_abandoned(verb: str, data: str) -> None:
    # app_queue logs ABANDON with the member's name when the caller hangs up just before
    # being connected: the request is abandoned all the same, no operator is involved
    assert map_line(line(verb, data, agent="NONE"), WRAPUP) == [Proto("abandoned", T, "c1")]
    assert map_line(line(verb, data, agent="Alice"), WRAPUP) == [Proto("abandoned", T, "c1")]


@pytest.mark.parametrize(
    ("verb", "data", "status"),
    [
        ("PAUSE", "ACW", "AFTER_SERVICE"),
        ("PAUSE", "wrap-up", "AFTER_SERVICE"),
        ("PAUSE", "After Call Work", "AFTER_SERVICE"),
        ("PAUSE", "Lunch", "DND"),
        ("PAUSE", "Auto-Pause", "DND"),
        ("PAUSE", "", "DND"),
        ("PAUSEALL", "WRAPUP", "AFTER_SERVICE"),
        ("PAUSEALL", "", None),  # the per-queue PAUSE lines that follow carry the reason
        ("UNPAUSE", "", "READY"),
        ("UNPAUSEALL", "", "READY"),
        ("ADDMEMBER", "", "READY"),
        ("ADDMEMBER", "PAUSED", "DND"),
        ("REMOVEMEMBER", "", "OFFLINE"),
        ("AGENTLOGIN", "PJSIP/1001-0000002a", "READY"),
        ("AGENTLOGOFF", "PJSIP/1001-0000002a|3600", "OFFLINE"),
    ],
)
def test_member_lines_are_status_events(verb: str, data: str, status: str | None) -> None:
    expected = None if status is None else [Proto("status", T, agent="Alice", status=status)]
    assert map_line(line(verb, data, callid="NONE"), WRAPUP) == expected


def test_wrapup_reasons_are_configurable() -> None:
    custom = wrapup_set(["Nachbearbeitung"])
    assert map_line(line("PAUSE", "nachbearbeitung"), custom) == [
        Proto("status", T, agent="Alice", status="AFTER_SERVICE")
    ]
    assert map_line(line("PAUSE", "ACW"), custom) == [
        Proto("status", T, agent="Alice", status="DND")
    ]


@pytest.mark.parametrize(
    "verb",
    ["QUEUESTART", "CONFIGRELOAD", "DID", "INFO", "PENALTY", "RINGINUSE", "AGENTDUMP", "SYSCOMPAT"]
    + ["MYCUSTOMVERB"],
)
def test_other_verbs_carry_nothing(verb: str) -> None:
    assert map_line(line(verb, "x"), WRAPUP) is None


@pytest.mark.parametrize(
    ("verb", "data", "agent", "callid", "reason"),
    [
        ("CONNECT", "3|u|-2", "Alice", "c1", "ringtime"),
        ("RINGNOANSWER", "", "Alice", "c1", "ring time"),
        ("RINGNOANSWER", "99999999999", "Alice", "c1", "ring time"),
        ("RINGNOANSWER", "9" * 5000, "Alice", "c1", "ring time"),
        ("CONNECT", "3|u|2", "NONE", "c1", "without an agent"),
        ("ENTERQUEUE", "|+49|1", "NONE", "NONE", "without a call id"),
        ("PAUSE", "ACW", "", "NONE", "without an agent"),
        ("COMPLETEAGENT", "3", "Alice", "c1", "calltime"),
    ],
)
def test_malformed_used_verbs_are_rejected(
    verb: str, data: str, agent: str, callid: str, reason: str
) -> None:
    with pytest.raises(InvalidRecord, match=reason):
        map_line(line(verb, data, agent=agent, callid=callid), WRAPUP)


def test_epochs() -> None:
    assert epoch_ms("1772442000") == T
    assert epoch_ms("1772442000.1239") == T + 123
    assert epoch_ms("1772442000.") is None
    assert epoch_ms("-5") is None


def test_classic_lines_keep_file_line_numbers_and_empty_fields() -> None:
    raw = b"1772442000|c1|q|NONE|ENTERQUEUE||+49|1\r\n\n1772442001|c1|q|A|CONNECT|1|u|1\n"
    got = list(classic_lines(io.BytesIO(raw)))
    assert [n for n, _ in got] == [1, 3]
    first = got[0][1]
    assert isinstance(first, QueueLogLine)
    assert first.data == ("", "+49", "1")
    assert first.canonical == "1772442000000|c1|q|NONE|ENTERQUEUE||+49|1"


def test_source_is_detected_without_peek() -> None:
    csv_bytes = (
        b"time,callid,queuename,agent,event,data\n2026-03-02 10:00:00,c1,q,NONE,ENTERQUEUE,|+49|1\n"
    )
    got = list(queue_log_lines(io.BytesIO(csv_bytes), "Europe/Berlin"))
    assert got == [(2, QueueLogLine(T, "c1", "q", "NONE", "ENTERQUEUE", ("", "+49", "1")))]
    classic = list(queue_log_lines(io.BytesIO(b"1772442000|c1|q|NONE|ENTERQUEUE||+49|1\n"), "UTC"))
    assert classic == got[:0] + [(1, got[0][1])]


def test_realtime_header_must_name_the_columns() -> None:
    got = list(queue_log_lines(io.BytesIO(b"when,who\n1,2\n"), "UTC"))
    assert len(got) == 1 and isinstance(got[0][1], InvalidRecord)
    assert "time, callid, queuename, agent, event" in str(got[0][1])


def test_realtime_times_with_offsets_or_epochs_ignore_the_zone() -> None:
    clock = LocalClock(ZoneInfo("America/New_York"))
    assert clock.to_ms("2026-03-02 10:00:00+01") == T
    assert clock.to_ms("2026-03-02T10:00:00.250+01:00") == T + 250
    assert clock.to_ms("2026-03-02 09:00:00Z") == T
    assert clock.to_ms("1772442000") == T
    assert clock.to_ms("2026-03-02 04:00:00") == T  # EST, UTC-5
    with pytest.raises(ValueError, match="bad time"):
        clock.to_ms("02/03/2026 10:00")
    with pytest.raises(ValueError, match="not a real time"):
        clock.to_ms("2026-02-30 10:00:00")


def test_repeated_dst_hour_follows_the_order_of_the_log() -> None:
    # Europe/Berlin leaves summer time on 2026-10-25: 02:00-03:00 local happens twice
    clock = LocalClock(ZoneInfo("Europe/Berlin"))
    assert clock.to_ms("2026-10-25 01:59:00") == utc_ms("2026-10-24T23:59:00")
    assert clock.to_ms("2026-10-25 02:10:00") == utc_ms("2026-10-25T00:10:00")  # first pass
    assert clock.to_ms("2026-10-25 02:50:00") == utc_ms("2026-10-25T00:50:00")
    assert clock.to_ms("2026-10-25 02:05:00") == utc_ms("2026-10-25T01:05:00")  # second pass
    assert clock.to_ms("2026-10-25 02:06:00") == utc_ms("2026-10-25T01:06:00")
    assert clock.to_ms("2026-10-25 03:00:00") == utc_ms("2026-10-25T02:00:00")
