"""Soak (issue 16): pushers and readers over TLS while the server is SIGKILLed and restarted.

    python -m bench soak                          # 10 minutes, a kill every ~60 s
    python -m bench soak --seconds 30 --restart-every 12 --json out.json

`acdstats serve --tls-cert --tls-key` runs as a subprocess on one port. Pushers POST /events
batches (NDJSON, every event with an event_id) and send a batch again until it is acknowledged
(200); readers call the statistics and drill-down methods and /health. Every ~60 s the server
gets SIGKILL and is started again on the same database. At the end:

- exactly once: every event id of an acknowledged batch is stored once in the raw events, no
  event id is stored twice, none that was never sent;
- rebuild: the live server's answers (statistics, status statistics, queue statistics, pages
  of offers and queue calls) equal the same calls on a copy of the database after
  `acdstats rebuild`;
- HTTP: answers counted by status, inside a restart window (kill to /health 200) or outside;
  connection errors apart. No 5xx but 503, and 503 only inside a window;
- memory: the server's RSS sampled every 2 s; per server life its last sample; over the second
  half of the run, the slope of those and the first against the last.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

from acdstats.services import keys
from acdstats.services.methods import CallContext, call, find_method
from acdstats.storage.db import Database
from acdstats.tls import TlsFiles, make_tls
from bench.server import make_token

ACDSTATS = str(Path(sys.executable).with_name("acdstats"))
EPOCH = 1767225600  # 2026-01-01 00:00 UTC: batch n covers the half hour from EPOCH + n * 1800 s
BATCH_SPAN_S = 1800
CALLS_PER_BATCH = 20
# Windows the readers ask about, and the range the final comparison covers (before the present,
# so that open status spans end at to_date, not at a clock that moves between two answers).
READ_DAYS = 40
FINAL_FROM, FINAL_TO = "2026-01-01 00:00:00", "2026-11-01 00:00:00"


@dataclass(frozen=True)
class SoakConfig:
    seconds: float = 600.0
    restart_every: float = 60.0  # mean; each interval is drawn from +-20 % of it
    pushers: int = 4
    readers: int = 8
    seed: int = 16
    read_pause: float = 0.25  # each reader's pause between calls (a dashboard, not a flood)
    rss_every: float = 2.0
    folder: Path | None = None  # None: a temporary folder, removed afterwards


@dataclass
class Request:
    """One HTTP exchange as a client saw it: the status, or 'conn' for a connection error."""

    kind: str
    started: float
    ended: float
    outcome: int | str


@dataclass
class SoakResult:
    config: SoakConfig
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    elapsed: float = 0.0
    windows: list[tuple[float, float]] = field(default_factory=list)  # kill .. /health 200
    requests: list[Request] = field(default_factory=list)
    api_errors: Counter[int] = field(default_factory=Counter)  # error codes in 200 answers
    batches_sent: int = 0
    batches_acknowledged: int = 0
    events_acknowledged: int = 0
    events_stored: int = 0
    lost: list[str] = field(default_factory=list)  # acknowledged, not stored
    duplicated: list[str] = field(default_factory=list)  # stored more than once
    unknown: list[str] = field(default_factory=list)  # stored, never sent
    half_batches: list[int] = field(default_factory=list)  # unacknowledged, partly stored
    rejected_lines: int = 0
    recovered: bool = False  # every pusher had a batch acknowledged after the last restart
    compared: list[str] = field(default_factory=list)  # calls equal after the rebuild
    differing: list[str] = field(default_factory=list)
    rss: list[tuple[float, int, int]] = field(default_factory=list)  # (t, life, kB)
    database_bytes: int = 0

    def counts(self) -> dict[str, Counter[str]]:
        """Outcomes by 'inside'/'outside' a restart window, as 'status' or 'conn'."""
        out: dict[str, Counter[str]] = {"inside": Counter(), "outside": Counter()}
        for r in self.requests:
            inside = any(r.started <= end and r.ended >= kill for kill, end in self.windows)
            out["inside" if inside else "outside"][str(r.outcome)] += 1
        return out

    def bad_statuses(self) -> list[str]:
        """5xx but 503 anywhere, 503 outside a restart window, anything else unexpected."""
        bad = []
        for where, counter in self.counts().items():
            for outcome, n in counter.items():
                if outcome in ("200", "conn"):
                    continue
                if outcome == "503" and where == "inside":
                    continue
                bad.append(f"{n} x {outcome} {where} restart windows")
        return bad

    def lives(self) -> list[tuple[int, float, int, int]]:
        """Per server life: (life, time of its last sample, last RSS kB, peak RSS kB)."""
        last: dict[int, tuple[float, int]] = {}
        peak: Counter[int] = Counter()
        for t, life, kb in self.rss:
            last[life] = (t, kb)
            peak[life] = max(peak[life], kb)
        return [(life, t, kb, peak[life]) for life, (t, kb) in sorted(last.items())]

    def rss_second_half(self) -> dict[str, float]:
        """The end-of-life RSS of the lives ending in the second half: slope, first, last."""
        half = self.elapsed / 2
        points = [(t, kb / 1024) for _, t, kb, _ in self.lives() if t >= half]
        if len(points) < 2:
            return {}
        n = len(points)
        mt = sum(t for t, _ in points) / n
        mm = sum(m for _, m in points) / n
        var = sum((t - mt) ** 2 for t, _ in points)
        slope = sum((t - mt) * (m - mm) for t, m in points) / var if var else 0.0
        return {
            "lives": n,
            "slope_mb_per_min": slope * 60,
            "first_mb": points[0][1],
            "last_mb": points[-1][1],
            "min_mb": min(m for _, m in points),
            "max_mb": max(m for _, m in points),
        }

    def rss_within_lives(self) -> dict[str, float]:
        """The samples of the second half: slope inside the lives (pooled least squares, each
        life about its own mean, so restarts do not count as drops), first and last."""
        half = self.elapsed / 2
        points = [(t, life, kb / 1024) for t, life, kb in self.rss if t >= half]
        if len(points) < 2:
            return {}
        by_life: dict[int, list[tuple[float, float]]] = {}
        for t, life, mb in points:
            by_life.setdefault(life, []).append((t, mb))
        num = var = 0.0
        for samples in by_life.values():
            mt = sum(t for t, _ in samples) / len(samples)
            mm = sum(m for _, m in samples) / len(samples)
            num += sum((t - mt) * (m - mm) for t, m in samples)
            var += sum((t - mt) ** 2 for t, _ in samples)
        return {
            "samples": len(points),
            "slope_mb_per_min": num / var * 60 if var else 0.0,
            "first_mb": points[0][2],
            "last_mb": points[-1][2],
            "min_mb": min(m for _, _, m in points),
            "max_mb": max(m for _, _, m in points),
        }

    def verdicts(self) -> dict[str, bool]:
        return {
            "exactly once": not (self.lost or self.duplicated or self.unknown or self.half_batches)
            and self.events_acknowledged > 0,
            "statistics equal a rebuild": bool(self.compared) and not self.differing,
            "no 5xx but 503 while restarting": not self.bad_statuses(),
            "writes recover after the last restart": self.recovered,
        }


def batch_events(batch: int) -> list[dict[str, Any]]:
    """Half an hour of calls: answered with after-call work, unanswered then taken, abandoned.

    Batch n's operators are 5 * (n % 4) + 1 .. + 5 (pusher p sends the batches n = p mod the
    number of pushers: with 4, no two pushers share an operator); within a batch an operator's
    calls never overlap, nor do two batches' times.
    """
    rnd = random.Random(batch)
    base = EPOCH + batch * BATCH_SPAN_S
    users = [5 * (batch % 4) + k for k in range(1, 6)]
    events: list[dict[str, Any]] = []

    def at(offset: float) -> str:
        t = base + offset
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}"

    for i in range(CALLS_PER_BATCH):
        request, start, user = f"s{batch}-{i}", i * 80, users[i % 5]
        call_events: list[dict[str, Any]] = [
            {"type": "enqueued", "request_id": request, "queue_id": 1 + i % 3, "at": at(start)}
        ]
        roll = rnd.random()
        if roll < 0.15:  # the caller gives up before anyone is offered the call
            call_events.append({"type": "abandoned", "request_id": request, "at": at(start + 9)})
        else:
            offered = start + 1
            if roll < 0.3:  # the first operator lets it ring, the next one takes it
                other = users[(i + 1) % 5]
                call_events += [
                    {"type": "offered", "request_id": request, "user_id": other, "at": at(offered)},
                    {"type": "unanswered", "request_id": request, "user_id": other,
                     "at": at(offered + 6)},
                ]  # fmt: skip
                offered += 7
            answered = offered + rnd.uniform(1, 8)
            hangup = answered + rnd.uniform(20, 50)
            call_events += [
                {"type": "offered", "request_id": request, "user_id": user, "at": at(offered)},
                {"type": "answered", "request_id": request, "user_id": user, "at": at(answered)},
                {"type": "hangup", "request_id": request, "at": at(hangup)},
                {"type": "status", "user_id": user, "status": "AFTER_SERVICE",
                 "at": at(hangup + 0.5)},
                {"type": "status", "user_id": user, "status": "READY", "at": at(hangup + 9)},
            ]  # fmt: skip
        for n, event in enumerate(call_events):
            events.append({**event, "event_id": f"s{batch}-{i}-{n}"})
    return events


class Server:
    """`acdstats serve` over TLS on one port, killed and started again on the same database."""

    def __init__(self, db: Path, tls: TlsFiles, log: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.db, self.tls = db, tls
        self.base = f"https://127.0.0.1:{self.port}"
        self.ssl = ssl.create_default_context(cafile=str(tls.ca_cert))
        self.log = log.open("ab")
        self.process: subprocess.Popen[bytes] | None = None
        self.life = 0

    def start(self, timeout: float = 120.0) -> None:
        """Start the server and wait until /health answers 200."""
        args = [ACDSTATS, "serve", "--db", str(self.db), "--port", str(self.port)]
        args += ["--tls-cert", str(self.tls.server_cert), "--tls-key", str(self.tls.server_key)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("ACDSTATS_")}
        self.process = subprocess.Popen(args, stdout=self.log, stderr=self.log, env=env)
        self.life += 1
        deadline = time.monotonic() + timeout
        with httpx.Client(verify=self.ssl, timeout=5) as probe:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the server exited with {self.process.returncode}")
                try:
                    if probe.get(self.base + "/health").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not become healthy")
                time.sleep(0.05)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """A clean stop (SIGTERM): the database is checkpointed and closed."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def rss_kb(self) -> int | None:
        process = self.process
        if process is None or process.poll() is not None:
            return None
        try:
            for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            return None
        return None


class Clients:
    """The pushers, the readers and the RSS sampler, each a thread, until `stop` is set."""

    def __init__(
        self, server: Server, credentials: dict[str, Any], config: SoakConfig, t0: float
    ) -> None:
        self.server, self.credentials, self.config, self.t0 = server, credentials, config, t0
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.requests: list[Request] = []
        self.api_errors: Counter[int] = Counter()
        self.sent: set[int] = set()
        self.acknowledged: set[int] = set()
        self.rejected_lines = 0
        self.last_ack = [-1.0] * config.pushers  # when each pusher's last batch was acknowledged
        self.rss: list[tuple[float, int, int]] = []
        self.threads = [
            threading.Thread(target=self.pusher, args=(p,), name=f"pusher-{p}")
            for p in range(config.pushers)
        ]
        self.threads += [
            threading.Thread(target=self.reader, args=(r,), name=f"reader-{r}")
            for r in range(config.readers)
        ]
        self.threads.append(threading.Thread(target=self.sampler, name="rss"))

    def now(self) -> float:
        return time.monotonic() - self.t0

    def exchange(
        self, client: httpx.Client, kind: str, method: str, url: str, **kwargs: Any
    ) -> httpx.Response | None:
        started = self.now()
        try:
            response = client.request(method, url, **kwargs)
            outcome: int | str = response.status_code
        except httpx.TransportError:
            response, outcome = None, "conn"
        with self.lock:
            self.requests.append(Request(kind, started, self.now(), outcome))
        return response

    def pusher(self, index: int) -> None:
        token = make_token(self.credentials)
        with httpx.Client(base_url=self.server.base, verify=self.server.ssl, timeout=60) as c:
            batch = index
            while not self.stop.is_set():
                events = batch_events(batch)
                body = b"".join(orjson.dumps(e) + b"\n" for e in events)
                with self.lock:
                    self.sent.add(batch)
                headers = {"Authorization": "Bearer " + token,
                           "Content-Type": "application/x-ndjson"}  # fmt: skip
                answer = self.exchange(
                    c, "events", "POST", "/events", content=body, headers=headers
                )
                if answer is not None and answer.status_code == 200:
                    report = answer.json()["result"]
                    with self.lock:
                        self.acknowledged.add(batch)
                        self.rejected_lines += len(report["rejected"])
                        self.last_ack[index] = self.now()
                    batch += self.config.pushers
                elif answer is not None and answer.status_code not in (503,):
                    batch += self.config.pushers  # counted; sending it again would not help
                else:
                    time.sleep(0.1)  # the server is restarting: the same batch again

    def reader(self, index: int) -> None:
        rnd = random.Random(self.config.seed * 1000 + index)
        token = make_token(self.credentials)
        with httpx.Client(base_url=self.server.base, verify=self.server.ssl, timeout=60) as c:
            while not self.stop.is_set():
                name, params = read_call(rnd)
                if name == "health":
                    answer = self.exchange(c, "health", "GET", "/health")
                else:
                    headers = {"Authorization": "Bearer " + token}
                    url = "/platform_api/" + name
                    answer = self.exchange(c, name, "POST", url, data=params, headers=headers)
                    if answer is not None and answer.status_code == 200:
                        document = answer.json()
                        if "error" in document:
                            with self.lock:
                                self.api_errors[document["error"]["code"]] += 1
                # A pause between calls; longer when the server is down (do not spin).
                self.stop.wait(self.config.read_pause if answer is not None else 0.1)

    def sampler(self) -> None:
        while not self.stop.wait(self.config.rss_every):
            kb = self.server.rss_kb()
            if kb is not None:
                self.rss.append((self.now(), self.server.life, kb))


def read_call(rnd: random.Random) -> tuple[str, dict[str, str]]:
    """A reader's next call: a method and parameters over a window of the pushed days."""
    day = rnd.randrange(READ_DAYS)
    start = time.strftime("%Y-%m-%d 00:00:00", time.gmtime(EPOCH + day * 86400))
    end = time.strftime("%Y-%m-%d 00:00:00", time.gmtime(EPOCH + (day + 7) * 86400))
    window = {"from_date": start, "to_date": end}
    choice = rnd.randrange(6)
    if choice == 0:
        return "GetACDOperatorStatistics", {
            **window, "user_id": "all", "aggregation": rnd.choice(["day", "hour", "none"]),
        }  # fmt: skip
    if choice == 1:
        return "GetACDQueueStatistics", {**window, "aggregation": "day"}
    if choice == 2:
        return "GetACDOperatorStatusStatistics", {**window, "user_id": "all", "aggregation": "day"}
    if choice == 3:
        return "GetACDOffers", {**window, "user_id": "all", "count": "100"}
    if choice == 4:
        return "GetACDQueueCalls", {**window, "count": "100", "offset": "100"}
    return "health", {}


# What the end compares: the live server against a rebuilt copy, over everything pushed.
FINAL_CALLS: list[tuple[str, dict[str, str]]] = [
    ("GetACDOperatorStatistics", {"user_id": "all", "aggregation": "day"}),
    ("GetACDOperatorStatistics", {"user_id": "all", "aggregation": "hour_of_day",
                                  "group": "aggregation", "by_queue": "true"}),
    ("GetACDQueueStatistics", {"aggregation": "day", "by_queue": "true"}),
    ("GetACDQueueStatistics", {"aggregation": "none"}),
    ("GetACDOperatorStatusStatistics", {"user_id": "all", "aggregation": "day"}),
    ("GetACDOffers", {"user_id": "all", "count": "1000"}),
    ("GetACDOffers", {"user_id": "all", "count": "1000", "offset": "5000"}),
    ("GetACDQueueCalls", {"count": "1000", "outcome": "abandoned"}),
]  # fmt: skip


def final_params(params: dict[str, str]) -> dict[str, str]:
    return {"from_date": FINAL_FROM, "to_date": FINAL_TO, **params}


def check_stored(db_path: Path, account: int, clients: Clients, result: SoakResult) -> None:
    """Exactly once: acknowledged event ids against the raw events stored."""
    db = Database(db_path)
    try:
        rows = (
            db.reader()
            .execute(
                "SELECT event_key, count(*) FROM (SELECT event_key FROM request_events "
                "WHERE account_id = ? UNION ALL SELECT event_key FROM status_events "
                "WHERE account_id = ?) GROUP BY event_key",
                [account, account],
            )
            .fetchall()
        )
        result.database_bytes = db_path.stat().st_size
    finally:
        db.close()
    stored = {key.removeprefix("id:"): n for key, n in rows}
    result.events_stored = sum(stored.values())
    result.duplicated = sorted(k for k, n in stored.items() if n > 1)
    sent_ids: set[str] = set()
    for batch in sorted(clients.sent):
        ids = [e["event_id"] for e in batch_events(batch)]
        sent_ids.update(ids)
        if batch in clients.acknowledged:
            result.events_acknowledged += len(ids)
            result.lost += [i for i in ids if i not in stored]
        elif 0 < sum(i in stored for i in ids) < len(ids):
            result.half_batches.append(batch)
    result.unknown = sorted(set(stored) - sent_ids)
    result.batches_sent = len(clients.sent)
    result.batches_acknowledged = len(clients.acknowledged)


def compare_with_rebuild(
    live: dict[str, Any], db_path: Path, copy: Path, account: int, result: SoakResult
) -> None:
    """The live answers against the same calls on a copy after `acdstats rebuild`."""
    shutil.copyfile(db_path, copy)
    subprocess.run(
        [ACDSTATS, "rebuild", "--db", str(copy), "--account-id", str(account)],
        check=True,
        capture_output=True,
    )
    db = Database(copy)
    try:
        for label, (name, params) in zip(live, FINAL_CALLS, strict=True):
            rebuilt = call(find_method(name), CallContext(db, account), final_params(params))
            ok = rebuilt == live[label] and "result" in rebuilt
            (result.compared if ok else result.differing).append(label)
    finally:
        db.close()


def run(config: SoakConfig, log: Callable[[str], None] = lambda _: None) -> SoakResult:
    result = SoakResult(config, load_before=os.getloadavg())
    folder_context = (
        tempfile.TemporaryDirectory(prefix="acdstats-soak-") if config.folder is None else None
    )
    folder = Path(folder_context.name) if folder_context else config.folder
    assert folder is not None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        db_path = folder / "soak.duckdb"
        db = Database(db_path)
        account = keys.create_account(db, "soak", None).account_id
        credentials = keys.create_key(db, account, ["Owner"])
        db.close()
        server = Server(db_path, make_tls(folder), folder / "server.log")
        rnd = random.Random(config.seed)
        try:
            server.start()
            t0 = time.monotonic()
            clients = Clients(server, credentials, config, t0)
            for thread in clients.threads:
                thread.start()
            next_kill = config.restart_every * rnd.uniform(0.8, 1.2)
            while True:
                now = time.monotonic() - t0
                if now >= config.seconds:
                    break
                if now < next_kill:
                    time.sleep(min(next_kill, config.seconds) - now)
                    continue
                killed = time.monotonic() - t0
                server.kill()
                server.start()
                ready = time.monotonic() - t0
                result.windows.append((killed, ready))
                n = len(result.windows)
                log(f"kill {n} at {killed:.0f} s, healthy {ready - killed:.2f} s later")
                next_kill = ready + config.restart_every * rnd.uniform(0.8, 1.2)
            # Writes must have recovered: every pusher acknowledged since the last restart.
            since = result.windows[-1][1] if result.windows else 0.0
            deadline = time.monotonic() + 300
            while min(clients.last_ack, default=since) < since and time.monotonic() < deadline:
                time.sleep(0.1)
            result.recovered = min(clients.last_ack, default=since) >= since
            clients.stop.set()
            for thread in clients.threads:
                thread.join(timeout=120)
            result.elapsed = time.monotonic() - t0
            log(f"clients stopped after {result.elapsed:.0f} s; asking the live server")
            live = live_answers(server, credentials)
        finally:
            server.stop()
        result.requests = clients.requests
        result.api_errors = clients.api_errors
        result.rejected_lines = clients.rejected_lines
        result.rss = clients.rss
        check_stored(db_path, account, clients, result)
        compare_with_rebuild(live, db_path, folder / "rebuilt.duckdb", account, result)
        result.load_after = os.getloadavg()
    finally:
        if folder_context is not None:
            folder_context.cleanup()
    return result


def live_answers(server: Server, credentials: dict[str, Any]) -> dict[str, Any]:
    headers = {"Authorization": "Bearer " + make_token(credentials)}
    answers: dict[str, Any] = {}
    with httpx.Client(base_url=server.base, verify=server.ssl, timeout=600) as client:
        for n, (name, params) in enumerate(FINAL_CALLS):
            answer = client.post(
                "/platform_api/" + name, data=final_params(params), headers=headers
            )
            answer.raise_for_status()
            answers[f"{n}:{name} {params}"] = answer.json()
    return answers


def summary(result: SoakResult) -> dict[str, Any]:
    """The figures of a run, JSON-ready."""
    by_kind: Counter[str] = Counter(r.kind for r in result.requests)
    downtime = [end - kill for kill, end in result.windows]
    return {
        "config": {
            k: str(v) if isinstance(v, Path) else v for k, v in result.config.__dict__.items()
        },  # fmt: skip
        "elapsed_s": round(result.elapsed, 1),
        "load_average_before": result.load_before,
        "load_average_after": result.load_after,
        "kills": len(result.windows),
        "restart_s": {
            "min": min(downtime, default=0),
            "max": max(downtime, default=0),
            "mean": sum(downtime) / len(downtime) if downtime else 0,
        },  # fmt: skip
        "requests_by_kind": dict(by_kind),
        "outcomes": {k: dict(v) for k, v in result.counts().items()},
        "api_errors_in_200": dict(result.api_errors),
        "bad_statuses": result.bad_statuses(),
        "batches_sent": result.batches_sent,
        "batches_acknowledged": result.batches_acknowledged,
        "events_acknowledged": result.events_acknowledged,
        "events_stored": result.events_stored,
        "rejected_lines": result.rejected_lines,
        "lost": result.lost[:20],
        "duplicated": result.duplicated[:20],
        "unknown": result.unknown[:20],
        "half_batches": result.half_batches[:20],
        "compared_with_rebuild": len(result.compared),
        "differing_after_rebuild": result.differing,
        "database_mb": round(result.database_bytes / 2**20, 1),
        "rss_lives_mb": [
            {"life": life, "t_s": round(t), "last": round(kb / 1024, 1), "peak": round(p / 1024, 1)}
            for life, t, kb, p in result.lives()
        ],
        "rss_second_half": {k: round(v, 2) for k, v in result.rss_second_half().items()},
        "rss_samples_second_half": {k: round(v, 2) for k, v in result.rss_within_lives().items()},
        "verdicts": result.verdicts(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench soak",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--restart-every", type=float, default=60.0)
    parser.add_argument("--pushers", type=int, default=4)
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--read-pause", type=float, default=0.25, help="seconds between calls")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args(argv)
    config = SoakConfig(
        seconds=args.seconds, restart_every=args.restart_every, pushers=args.pushers,
        readers=args.readers, read_pause=args.read_pause, seed=args.seed, folder=args.keep,
    )  # fmt: skip

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    log(f"soak: {config.seconds:.0f} s, {config.pushers} pushers, {config.readers} readers, "
        f"a kill every ~{config.restart_every:.0f} s")  # fmt: skip
    figures = summary(run(config, log))
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    sys.exit(0 if all(figures["verdicts"].values()) else 1)


if __name__ == "__main__":
    main()
