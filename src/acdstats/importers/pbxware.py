"""PBXware's normalised queue_log CSV onto queue_log lines (docs/queue_log.md, "PBXware").

Header: `uid,date_time,callid,queue_name,type,event,param1,param2,param3,entpos,expos,htime,
ttime,time`. `date_time` is the UTC epoch, `type` the agent, `event` the verb. PBXware moves
the numbers Asterisk writes into data1..data5 into columns of their own: `htime` (CONNECT: hold
time in s; RINGNOANSWER: ring time in ms; completions and transfers: hold time in s), `ttime`
(call time in s), `entpos` (the caller's original position). `param1..param3` keep the other
fields (CONNECT: param2 the bridged channel's uniqueid, param3 the ring time in s). Each row is
turned back into the data fields of the Asterisk line, so that the verbs map exactly as for
Asterisk (importers.queue_log_verbs) and the same call logged both ways gets the same event ids.
`time` (local time) is not used: `date_time` says the same in UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from acdstats.domain.events import InvalidRecord
from acdstats.importers.queue_log_verbs import QueueLogLine

COLUMNS = (
    "uid", "date_time", "callid", "queue_name", "type", "event",
    "param1", "param2", "param3", "entpos", "expos", "htime", "ttime",
)  # fmt: skip
# The columns that tell this export from the others (`type` also names an events CSV column).
SIGNATURE = ("date_time", "callid", "queue_name", "type", "event")

Row = dict[str, str]


def _either(normalised: str, raw: str) -> Callable[[Row], str]:
    """The normalised column if the row fills it, else the raw parameter."""
    return lambda row: row.get(normalised) or row.get(raw, "")


def _column(name: str) -> Callable[[Row], str]:
    return lambda row: row.get(name, "")


_P1, _P2, _P3 = _column("param1"), _column("param2"), _column("param3")
_COMPLETE = (_either("htime", "param1"), _either("ttime", "param2"), _either("entpos", "param3"))
# Per verb: how each Asterisk data field is read from the row (others: param1..param3).
_DATA: dict[str, Sequence[Callable[[Row], str]]] = {
    "CONNECT": (_either("htime", "param1"), _P2, _P3),
    "RINGNOANSWER": (_either("htime", "param1"),),
    "RINGCANCELED": (_either("htime", "param1"),),
    "COMPLETEAGENT": _COMPLETE,
    "COMPLETECALLER": _COMPLETE,
    # extension|context|holdtime|calltime|origposition
    "TRANSFER": (_P1, _P2, _column("htime"), _column("ttime"), _column("entpos")),
    "BLINDTRANSFER": (_P1, _P2, _column("htime"), _column("ttime"), _column("entpos")),
}
_ATTENDED_LINK = (_P1, _P2, _P3, _column("htime"), _column("ttime"), _column("entpos"))
_GENERIC = (_P1, _P2, _P3)


def is_pbxware(header: Sequence[str]) -> bool:
    return all(name in header for name in SIGNATURE)


def data_fields(verb: str, row: Row) -> tuple[str, ...]:
    """The data1..dataN fields Asterisk writes for this verb, rebuilt from the row."""
    readers = _DATA.get(verb)
    if verb == "ATTENDEDTRANSFER":
        # BRIDGE|bridge|holdtime|calltime|origposition; LINK has one channel more
        readers = _ATTENDED_LINK if row.get("param1", "").upper() == "LINK" else _DATA["TRANSFER"]
    return tuple(read(row) for read in (readers or _GENERIC))


def pbxware_rows(
    header: list[str], reader: Any, to_ms: Callable[[str], int]
) -> Iterator[tuple[int, QueueLogLine | InvalidRecord]]:
    """(line number, line) for each data row; `to_ms` reads date_time (UTC)."""
    wanted = [name for name in COLUMNS if name in header]
    positions = [header.index(name) for name in wanted]
    for row in reader:
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            yield number, InvalidRecord(f"{len(row)} cells but the header has {len(header)}")
            continue
        cells = {name: row[i].strip() for name, i in zip(wanted, positions, strict=True)}
        try:
            at = to_ms(cells["date_time"])
        except ValueError as exc:
            yield number, InvalidRecord(f"date_time: {exc}")
            continue
        verb = cells["event"].upper()
        yield (
            number,
            QueueLogLine(
                at,
                cells["callid"],
                cells["queue_name"],
                cells["type"],
                verb,
                data_fields(verb, cells),
            ),
        )
