"""Fixtures of the dashboard tests: the browser, the deployment it signs in to, a fresh tab."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from acdstats.config import Settings
from acdstats.services import keys
from acdstats.simulate import load_into_db
from acdstats.storage.db import Database
from acdstats.web.app import create_app
from tests.dashboard.kit import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SIMULATION,
    Deployment,
    big_center,
    spki_hash,
)
from tests.tls import TlsFiles, make_tls
from tests.webkit import running_server


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls(tmp_path_factory.mktemp("dashboard-tls"))


@pytest.fixture(scope="session")
def browser(tls_files: TlsFiles) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (scripts/setup-browser, as root) "
            "or leave the browser tests out with -m 'not browser'"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                *CHROMIUM_ARGS,
                f"--ignore-certificate-errors-spki-list={spki_hash(tls_files.server_cert)}",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def deployment(
    tmp_path_factory: pytest.TempPathFactory, tls_files: TlsFiles
) -> Iterator[Deployment]:
    tmp = tmp_path_factory.mktemp("dashboard")
    db = Database(tmp / "dashboard.duckdb")
    account = keys.create_account(db, "Simulated center", "supervisor@example.com").account_id
    big = keys.create_account(db, "Big center", "big@example.com").account_id
    creds: dict[str, Path] = {}

    def key_file(name: str, account_id: int, roles: list[str]) -> dict[str, Any]:
        credentials: dict[str, Any] = keys.create_key(db, account_id, roles, description=name)
        creds[name] = tmp / f"{name}.json"
        creds[name].write_text(json.dumps(credentials, indent=2))
        return credentials

    key_file("Supervisor", account, ["Supervisor"])
    key_file("Owner", account, ["Owner"])
    key_file("Support", account, ["Support"])
    gone = key_file("Deleted", account, ["Supervisor"])
    keys.delete_key(db, gone["key_id"])
    key_file("Big", big, ["Supervisor"])
    load_into_db(db, account, SIMULATION)
    big_center(db, big)
    app = create_app(Settings(db_path=str(tmp / "dashboard.duckdb")), db)
    with running_server(app, tls_files) as port:
        yield Deployment(db, f"https://127.0.0.1:{port}", tls_files.ca_cert, account, big, creds)
    db.close()


@pytest.fixture
def page(browser: Any, deployment: Deployment) -> Iterator[Any]:
    """A fresh tab (its own context) that fails the test on any script error of the page."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, accept_downloads=True, timezone_id="UTC"
    )
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" else None,
    )
    yield tab
    context.close()
    assert errors == [], errors
