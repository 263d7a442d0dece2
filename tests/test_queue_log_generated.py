"""A generated queue_log (seeded) against an oracle that reads the raw lines directly.

The oracle never uses the importer: per agent, AC = CONNECT lines, UAC = RINGNOANSWER and
RINGCANCELED lines, SA = CONNECT's ringtime field, TT = the completion line's calltime field.
`generate` is also what the import rate was measured with (see docs/queue_log.md).
"""

from __future__ import annotations

import io
import random
from collections import defaultdict
from typing import Any

from acdstats.importers.queue_log import read_queue_log
from acdstats.services.ingest import ingest
from acdstats.services.methods import CallContext, call, find_method
from acdstats.storage.db import Database
from acdstats.storage.names import list_names

START = 1772442000  # 2026-03-02 09:00:00 UTC
COMPLETIONS = (
    "COMPLETEAGENT",
    "COMPLETECALLER",
    "BLINDTRANSFER",
    "ATTENDEDTRANSFER",
    "ATTENDEDTRANSFER-LINK",
    "TRANSFER",
)


def generate(calls: int, seed: int, agents: int = 120) -> list[str]:
    """A day-like queue_log: arrivals, ring-no-answer (with storms), answers, completions of
    every kind, abandons, fall-over, wrap-up pauses, and calls still talking at the end."""
    rng = random.Random(seed)
    queues = ["sales", "support", "billing"]
    names = [f"PJSIP/{100 + n}" for n in range(agents)]
    out: list[tuple[int, int, str]] = []

    def emit(t: int, callid: str, queue: str, agent: str, verb: str, data: str) -> None:
        out.append((t, len(out), f"{t}|{callid}|{queue}|{agent}|{verb}|{data}"))

    emit(START - 60, "NONE", "NONE", "NONE", "QUEUESTART", "")
    for name in names:
        for queue in queues:
            emit(START - 30, "MANAGER", queue, name, "ADDMEMBER", "")
    free_at = dict.fromkeys(names, START)
    t = START
    for i in range(calls):
        t += rng.randint(0, 4)
        callid = f"{t}.{i}"
        queue = rng.choice(queues)
        entered = now = t
        emit(now, callid, queue, "NONE", "ENTERQUEUE", f"|+4930{i:07d}|1")
        for _attempt in range(rng.randint(1, 4)):
            agent = min(names, key=lambda n: (free_at[n], rng.random()))
            now = max(now, free_at[agent]) + 1
            ring = rng.randint(0, 25)
            if rng.random() < 0.35:
                for _ in range(rng.randint(2, 4) if ring == 0 else 1):  # storms ring 0 ms
                    emit(now + ring, callid, queue, agent, "RINGNOANSWER", str(ring * 1000))
                now += ring + 2
                continue
            answered = now + ring
            emit(
                answered, callid, queue, agent, "CONNECT", f"{answered - entered}|{callid}1|{ring}"
            )
            talk = rng.randint(0, 300)
            end = answered + talk
            free_at[agent] = end + 1
            hold = answered - entered
            kind = rng.choice(COMPLETIONS)
            if rng.random() < 0.02:
                break  # still talking when the log ends
            if kind.startswith("COMPLETE"):
                data = f"{hold}|{talk}|1"
            elif kind == "ATTENDEDTRANSFER-LINK":
                kind, data = (
                    "ATTENDEDTRANSFER",
                    f"LINK|Local/9@x-{i:x};1|Local/9@x-{i:x};2|{hold}|{talk}|1",
                )
            elif kind == "ATTENDEDTRANSFER":
                data = f"BRIDGE|{i:08x}-b|{hold}|{talk}|1"
            else:
                data = f"2{i % 1000:03d}|from-internal|{hold}|{talk}|1"
            emit(end, callid, queue, agent, kind, data)
            if rng.random() < 0.5:
                acw = rng.randint(5, 120)
                emit(end + rng.randint(0, 3), "NONE", queue, agent, "PAUSE", "ACW")
                emit(end + acw, "NONE", queue, agent, "UNPAUSE", "")
                free_at[agent] = end + acw + 1
            break
        else:
            left = now + rng.randint(0, 20)
            if rng.random() < 0.5:
                emit(left, callid, queue, "NONE", "ABANDON", f"1|1|{left - entered}")
            else:
                emit(left, callid, queue, "NONE", "EXITWITHTIMEOUT", f"1|1|{left - entered}")
                other = rng.choice([q for q in queues if q != queue])
                emit(left + 1, callid, other, "NONE", "ENTERQUEUE", f"|+4930{i:07d}|1")
                emit(left + 30, callid, other, "NONE", "ABANDON", f"1|1|{29}")
    return [text for _, _, text in sorted(out)]


def oracle(lines: list[str]) -> dict[str, dict[str, list[int]]]:
    """agent name -> AC/UAC counts (as one-element lists) and SA/TT samples, from raw fields."""
    per: dict[str, dict[str, list[int]]] = defaultdict(
        lambda: {"AC": [0], "UAC": [0], "SA": [], "TT": []}
    )
    for text in lines:
        _, _, _, agent, verb, *data = text.split("|")
        if verb == "CONNECT":
            per[agent]["AC"][0] += 1
            per[agent]["SA"].append(int(data[2]))
        elif verb in ("RINGNOANSWER", "RINGCANCELED"):
            per[agent]["UAC"][0] += 1
        elif verb in ("COMPLETEAGENT", "COMPLETECALLER"):
            per[agent]["TT"].append(int(data[1]))
        elif verb in ("TRANSFER", "BLINDTRANSFER"):
            per[agent]["TT"].append(int(data[3]))
        elif verb == "ATTENDEDTRANSFER":
            per[agent]["TT"].append(int(data[4] if data[0] == "LINK" else data[3]))
    return per


def item(values: list[int]) -> dict[str, int]:
    if not values:
        return {"min": 0, "avg": 0, "max": 0, "count": 0, "sum": 0}
    return {
        "min": min(values),
        "avg": sum(values) // len(values),
        "max": max(values),
        "count": len(values),
        "sum": sum(values),
    }


def test_generated_log_matches_the_raw_lines(db: Database) -> None:
    lines = generate(calls=1500, seed=7)
    stream = io.BufferedReader(io.BytesIO(("\n".join(lines) + "\n").encode()))
    report = ingest(db, 1, read_queue_log(stream, "UTC"))
    assert report.rejected == []
    assert report.orphaned == 0
    answer = call(
        find_method("GetACDOperatorStatistics"),
        CallContext(db, 1),
        {
            "from_date": "2026-03-01 00:00:00",
            "to_date": "2026-03-04 00:00:00",
            "user_id": "all",
            "report": "AC;UAC;SA;TT",
        },
    )
    got = {int(g["user_id"]): g["statistics"][0] for g in answer["result"]}
    ids = {n.name: n.id for n in list_names(db, 1, "agent")}
    expected: dict[int, dict[str, Any]] = {
        ids[agent]: {
            "AC": samples["AC"][0],
            "UAC": samples["UAC"][0],
            "SA": item(samples["SA"]),
            "TT": item(samples["TT"]),
        }
        for agent, samples in oracle(lines).items()
        if agent != "NONE"
    }
    assert got == expected
    assert sum(v["UAC"] for v in expected.values()) > 100  # the log has what it should
    assert sum(v["AC"] for v in expected.values()) > 1000
