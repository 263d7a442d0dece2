"""The dashboard's browser tests: Debian's chromium driven by Playwright, a real TLS server.

The browser trusts exactly the test server's key (--ignore-certificate-errors-spki-list with
its SPKI hash; Chromium honours it because Playwright gives it its own profile folder), so the
page is a real secure context served over real TLS, nothing is switched off. Playwright's own
browser download is never used (executable_path is the system chromium).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import ssl
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from acdstats.services.ingest import ingest
from acdstats.simulate import SimulationConfig
from acdstats.storage.db import Database
from tests.authkit import token

CHROMIUM = os.environ.get("ACDSTATS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The simulated center the tests look at: 12 operators, 3 queues, Monday 2 .. Wednesday 4 March.
SIMULATION = SimulationConfig(operators=12, queues=3, days=3, start_date=date(2026, 3, 2))
PERIOD = "period=custom&from=2026-03-01&to=2026-03-07"
WINDOW = {"from_date": "2026-03-01 00:00:00", "to_date": "2026-03-08 00:00:00"}
BIG_OPERATORS = 2000


def spki_hash(cert_file: Path) -> str:
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    der = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


@dataclass
class Deployment:
    db: Database
    base_url: str
    ca: Path
    account: int
    big_account: int
    credentials: dict[str, Path] = field(default_factory=dict)  # role or case -> file

    def tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))

    def key(self, name: str) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.credentials[name].read_text())
        return loaded

    def api(
        self, method: str, params: dict[str, str], as_key: str = "Supervisor"
    ) -> httpx.Response:
        """The server's answer to a client call (what the page must show)."""
        return httpx.post(
            f"{self.base_url}/platform_api/{method}",
            data=params,
            headers={"Authorization": "Bearer " + token(self.key(as_key))},
            verify=self.tls(),
            timeout=60,
        )

    def result(self, method: str, params: dict[str, str], as_key: str = "Supervisor") -> Any:
        document = self.api(method, params, as_key).json()
        assert "result" in document, document
        return document["result"]

    def has_method(self, method: str) -> bool:
        answer: dict[str, Any] = self.api(method, {}).json()
        return bool(answer.get("error", {}).get("code") != 103)

    def has_timezone(self) -> bool:
        """Whether the server takes `timezone` (a zone it cannot know is then error 101)."""
        params = {"from_date": "2000-01-01 00:00:00", "to_date": "2000-01-01 00:00:01",
                  "user_id": "all", "timezone": "Etc/acdstats-no-such-zone"}  # fmt: skip
        answer: dict[str, Any] = self.api("GetACDOperatorStatistics", params).json()
        return bool(answer.get("error", {}).get("code") == 101)

    def window(self, zone: str = "UTC", base: dict[str, str] | None = None) -> dict[str, str]:
        """The request window the page sends for PERIOD (with its zone when the server can)."""
        window = dict(WINDOW if base is None else base)
        return window | {"timezone": zone} if self.has_timezone() else window

    def post_events(self, events: list[dict[str, Any]]) -> None:
        lines = "\n".join(json.dumps(e) for e in events).encode()
        answer = httpx.post(
            f"{self.base_url}/events",
            content=lines,
            headers={"Authorization": "Bearer " + token(self.key("Owner")),
                     "Content-Type": "application/x-ndjson"},
            verify=self.tls(),
        )  # fmt: skip
        assert answer.status_code == 200 and not answer.json()["result"]["rejected"], answer.text


def big_center(db: Database, account_id: int) -> None:
    """2,000 operators with one or two offer records each on 2 March."""
    records = []
    for n in range(BIG_OPERATORS):
        user = 5001 + n
        minute = n % 600
        at = f"2026-03-02 {8 + minute // 60:02d}:{minute % 60:02d}"
        record = {"type": "offer", "request_id": f"big-{n}", "queue_id": 1 + n % 4,
                  "user_id": user, "offered_at": f"{at}:00"}  # fmt: skip
        if n % 5:
            record |= {"answered_at": f"{at}:{n % 30 + 1:02d}", "ended_at": f"{at}:59"}
        records.append(record)
        if n % 3 == 0:
            second = f"2026-03-03 10:{n % 60:02d}:00"
            records.append(
                {"type": "offer", "request_id": f"big-{n}-b", "queue_id": 2, "user_id": user,
                 "offered_at": second}
            )  # fmt: skip
    report = ingest(db, account_id, enumerate(records, start=1))
    assert report.rejected == [] and report.stored == len(records)


def open_signed_in(
    page: Any, deployment: Deployment, fragment: str, key: str = "Supervisor"
) -> None:
    """Open the dashboard at #fragment and sign in with a key file, as a person would."""
    page.goto(f"{deployment.base_url}/#{fragment}")
    page.wait_for_selector("body[data-ready]")
    page.set_input_files("#credentials-file", str(deployment.credentials[key]))
    page.wait_for_selector("#app:not([hidden])")
    wait_loaded(page)


def wait_loaded(page: Any) -> None:
    """Until the view of the current URL is drawn."""
    page.wait_for_function("() => document.body.dataset.shown === location.hash")


def go(page: Any, fragment: str) -> None:
    """Follow a link to #fragment and wait until that view is drawn."""
    page.evaluate("f => { location.hash = f; }", fragment)
    page.wait_for_function("f => document.body.dataset.shown === f", arg=fragment)


def cells(page: Any, table_id: str) -> list[dict[str, str]]:
    """The visible rows of a dashboard table: column key -> text."""
    rows: list[dict[str, str]] = page.eval_on_selector(
        f"#{table_id}",
        """holder => [...holder.querySelectorAll('tbody tr')].map(tr =>
            Object.fromEntries([...tr.children].map(c => [c.dataset.col, c.textContent])))""",
    )
    return rows


def wait_text(page: Any, selector: str, text: str) -> None:
    """Until selector's text contains text (the page may still be drawing)."""
    page.wait_for_function(
        "([s, t]) => document.querySelector(s)?.textContent.includes(t)",
        arg=[selector, text],
    )


def unix_now() -> float:
    return time.time()
