"""The dashboard's files: served at / and /dashboard/, shipped in the package, nothing remote."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path, PurePosixPath

import pytest

from acdstats.config import Settings
from acdstats.storage.db import Database
from acdstats.web.app import create_app
from acdstats.web.dashboard import SECURITY_HEADERS
from tests.webkit import TestClient

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "src" / "acdstats" / "web" / "static"
OWN_FILES = [p for p in STATIC.rglob("*") if p.is_file() and "vendor" not in p.parts]


@pytest.fixture
def client(db: Database) -> TestClient:
    return TestClient(create_app(Settings(), db))


def test_the_page_is_served_at_the_root_with_a_strict_policy(client: TestClient) -> None:
    answer = client.get("/")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.content == (STATIC / "index.html").read_bytes()
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers[name] == value
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "connect-src 'self';" in policy
    assert "unsafe" not in policy


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/dashboard/js/main.js", "text/javascript"),
        ("/dashboard/js/views/operators.js", "text/javascript"),
        ("/dashboard/app.css", "text/css"),
        ("/dashboard/vendor/uplot/uPlot.iife.min.js", "text/javascript"),
        ("/dashboard/vendor/uplot/uPlot.min.css", "text/css"),
    ],
)
def test_static_files_are_served(client: TestClient, path: str, kind: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(kind)
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.content == (STATIC / path.removeprefix("/dashboard/")).read_bytes()


def test_a_missing_file_is_a_json_404(client: TestClient) -> None:
    answer = client.get("/dashboard/js/nothing.js")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == 404
    assert client.get("/dashboard/../pyproject.toml").status_code == 404


def test_every_file_the_page_names_exists() -> None:
    html = (STATIC / "index.html").read_text()
    named = re.findall(r'(?:src|href)="/dashboard/([^"]+)"', html)
    for source in (STATIC / "js").rglob("*.js"):
        for target in re.findall(r'from "(\.{1,2}/[^"]+)"', source.read_text()):
            assert (source.parent / target).resolve().is_file(), (source, target)
    assert named and all((STATIC / name).is_file() for name in named)


def test_the_package_data_ships_every_static_file() -> None:
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["acdstats.web"]
    web = STATIC.parent
    for path in STATIC.rglob("*"):
        if not path.is_file():
            continue
        relative = PurePosixPath(path.relative_to(web).as_posix())
        assert any(
            len(relative.parts) == len(PurePosixPath(g).parts) and relative.match(g) for g in globs
        ), relative


def test_nothing_is_loaded_from_elsewhere() -> None:
    """Offline: no CDN, no remote font or script; the page talks only to its own origin."""
    remote = re.compile(r"https?://(?!127\.0\.0\.1|localhost)|//cdn|@import|fonts\.")
    for path in OWN_FILES:
        assert not remote.search(path.read_text()), path
    # uPlot names only its home page (a comment) and the SVG namespace.
    vendored = (STATIC / "vendor" / "uplot" / "uPlot.iife.min.js").read_text()
    assert set(re.findall(r"https?://[^\"' )]*", vendored)) <= {
        "https://github.com/leeoniya/uPlot",
        "http://www.w3.org/2000/svg",
    }


def test_the_chart_library_is_vendored_at_the_pinned_version_with_its_license() -> None:
    script = (ROOT / "scripts" / "vendor-uplot").read_text()
    version = re.search(r"^VERSION=(\S+)$", script, re.M)
    integrity = re.search(r"^INTEGRITY=(\S+)$", script, re.M)
    assert version and integrity
    vendored = STATIC / "vendor" / "uplot"
    assert (vendored / "VERSION").read_text() == (
        f"uplot {version[1]} (npm, MIT)\nintegrity {integrity[1]}\n"
    )
    assert (vendored / "LICENSE").read_text().startswith("The MIT License (MIT)")
