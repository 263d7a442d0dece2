"""Test helpers for the server: seeded contact-center data and the ASGI app on a database."""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import uvicorn

from acdstats.config import Settings
from acdstats.services.ingest import ingest
from acdstats.storage.db import Database
from tests.tls import TlsFiles

with warnings.catch_warnings():
    # Starlette asks for its own httpx fork here; the stock httpx works the same for tests.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

__all__ = ["SHAPES", "TestClient", "running_server", "seed", "seed_events"]

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def seed_events(
    seed: int, users: tuple[int, ...], queues: tuple[int, ...], calls: int = 60
) -> list[dict[str, Any]]:
    """A few days of calls: offers answered or not, talk, after-call work, abandons."""
    rnd = random.Random(seed)
    events: list[dict[str, Any]] = []
    for n in range(calls):
        request = f"r{seed}-{n}"
        start = START + timedelta(days=rnd.randrange(3), hours=rnd.randrange(10))
        start += timedelta(seconds=rnd.randrange(3600), milliseconds=rnd.randrange(1000))
        events.append(
            {"type": "enqueued", "request_id": request, "queue_id": rnd.choice(queues),
             "at": _at(start)}
        )  # fmt: skip
        t = start + timedelta(seconds=rnd.uniform(1, 30))
        for user in rnd.sample(users, k=rnd.randint(1, min(3, len(users)))):
            events.append({"type": "offered", "request_id": request, "user_id": user, "at": _at(t)})
            t += timedelta(seconds=rnd.uniform(1, 25))
            if rnd.random() < 0.6:
                events.append(
                    {"type": "answered", "request_id": request, "user_id": user, "at": _at(t)}
                )
                t += timedelta(seconds=rnd.uniform(10, 400))
                events.append({"type": "hangup", "request_id": request, "at": _at(t)})
                if rnd.random() < 0.7:
                    events.append(
                        {"type": "status", "user_id": user, "status": "AFTER_SERVICE",
                         "at": _at(t + timedelta(seconds=rnd.uniform(0, 3)))}
                    )  # fmt: skip
                    events.append(
                        {"type": "status", "user_id": user, "status": "READY",
                         "at": _at(t + timedelta(seconds=rnd.uniform(5, 90)))}
                    )  # fmt: skip
                break
            events.append(
                {"type": "unanswered", "request_id": request, "user_id": user, "at": _at(t)}
            )
        else:
            events.append({"type": "abandoned", "request_id": request, "at": _at(t)})
    return events


def seed(db: Database, account_id: int, seed_value: int, users: tuple[int, ...]) -> None:
    events = seed_events(seed_value, users, queues=(5, 6))
    report = ingest(db, account_id, enumerate(events, start=1))
    assert report.rejected == [] and report.stored == len(events)


SHAPES = [
    (group, aggregation)
    for group in ("user", "aggregation")
    for aggregation in ("day", "hour", "hour_of_day", "none")
]


@contextlib.contextmanager
def running_server(
    app: Any, tls: TlsFiles | None = None, settings: Settings | None = None
) -> Iterator[int]:
    """Serve app as `acdstats serve` does (TLS if given) on a free port in a background thread.

    The connection settings (deadlines, cap) are those of `settings`, by default Settings().
    """
    from acdstats.web.connections import protocol_for

    settings = settings or Settings()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        ssl_certfile=str(tls.server_cert) if tls else None,
        ssl_keyfile=str(tls.server_key) if tls else None,
        http=protocol_for(settings),
        timeout_keep_alive=settings.idle_timeout_s,  # type: ignore[arg-type]
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
