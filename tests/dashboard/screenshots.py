"""Screenshots of every dashboard view on a simulated center (scripts/dashboard-screenshots).

Four weeks of the demo's 50-operator, 5-queue center, served over TLS, signed in with a key
file in headless Chromium exactly as the browser tests do; one PNG per view.
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

from acdstats.config import Settings
from acdstats.services import keys
from acdstats.simulate import SimulationConfig, load_into_db
from acdstats.storage.db import Database
from acdstats.web.app import create_app
from tests.dashboard.kit import CHROMIUM, CHROMIUM_ARGS, spki_hash
from tests.tls import make_tls
from tests.webkit import running_server

START = date(2026, 3, 2)  # a Monday
DAYS = 28
PERIOD = "period=custom&from=2026-03-02&to=2026-03-29"

VIEWS = [
    ("overview", f"/overview?{PERIOD}", True),
    ("queues", f"/queues?{PERIOD}", False),
    ("queue", f"/queues/1?{PERIOD}", False),
    ("operators", f"/operators?{PERIOD}&sort=HT_avg&dir=desc", False),
    ("operator", f"/operators/1007?{PERIOD}", True),
]


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        db = Database(tmp / "shots.duckdb")
        account = keys.create_account(db, "Demo contact center", "demo@example.com").account_id
        credentials = keys.create_key(db, account, ["Supervisor"], description="screenshots")
        key_file = tmp / "credentials.json"
        key_file.write_text(json.dumps(credentials))
        config = replace(SimulationConfig.demo(start_date=START), days=DAYS)
        load_into_db(db, account, config, workers=2)
        tls = make_tls(tmp)
        app = create_app(Settings(db_path=str(tmp / "shots.duckdb")), db)
        with running_server(app, tls) as port, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    *CHROMIUM_ARGS,
                    f"--ignore-certificate-errors-spki-list={spki_hash(tls.server_cert)}",
                ],
            )
            page = browser.new_page(viewport={"width": 1280, "height": 1000}, timezone_id="UTC")
            page.goto(f"https://127.0.0.1:{port}/")
            page.wait_for_selector("body[data-ready]")
            page.screenshot(
                path=str(out / "signin.png"), clip={"x": 0, "y": 0, "width": 1280, "height": 440}
            )
            page.set_input_files("#credentials-file", str(key_file))
            page.wait_for_selector("#app:not([hidden])")
            for name, fragment, full in VIEWS:
                page.evaluate("f => { location.hash = f; }", "#" + fragment)
                page.wait_for_function("f => document.body.dataset.shown === f", arg="#" + fragment)
                page.wait_for_timeout(300)  # let uPlot finish drawing (pictures only)
                if name == "queues":  # five rows: the rest of the page is empty
                    page.screenshot(
                        path=str(out / f"{name}.png"),
                        clip={"x": 0, "y": 0, "width": 1280, "height": 580},
                    )
                else:
                    page.screenshot(path=str(out / f"{name}.png"), full_page=full)
                print(out / f"{name}.png")
            browser.close()
        db.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/dashboard"))
