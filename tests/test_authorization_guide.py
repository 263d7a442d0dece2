"""docs/authorization.md, tested as written.

Each snippet (the fenced block after a `<!-- snippet: NAME -->` marker) is copied out of the
document unchanged and run against a real uvicorn server over real TLS, with only the
environment variables the guide names (ACDSTATS_URL, ACDSTATS_CREDENTIALS and the CA variable
its trust table gives for that tool). Its answer must equal what `acdstats query` prints for the
same database and parameters (run before the server starts, since the server holds the file).
The guide's role table and its table of bad tokens are checked against the registry and against
the live server.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from acdstats.cli.main import main
from acdstats.config import Settings
from acdstats.services import keys
from acdstats.services.methods import (
    INGEST_ROLES,
    KEY_ADMIN_ROLES,
    METHODS,
    STATISTICS_ROLES,
)
from acdstats.storage.db import Database
from acdstats.web.app import create_app
from tests.authkit import hs256_with_public_key, tampered, token, unsigned
from tests.tls import make_tls
from tests.webkit import running_server, seed

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "authorization.md"
NODE_MODULES = ROOT / "tests" / "node" / "node_modules"
DEBIAN_JWT = Path("/usr/share/gocode/src/github.com/golang-jwt/jwt")
# What every snippet asks for (the guide's own values; the test fails if they drift apart).
PARAMS = {
    "from_date": "2026-03-01 00:00:00",
    "to_date": "2026-04-01 00:00:00",
    "user_id": "all",
    "aggregation": "day",
}
LANGUAGES = {"bash": "bash", "python": "python", "node": "javascript", "go": "go"}
# Building the Go snippet takes about 12 s with an empty Go build cache (under 1 s warm).
NAMES = [pytest.param(n, marks=pytest.mark.slow) if n == "go" else n for n in LANGUAGES]
TOOL_OF = {"bash": "bash (curl)", "python": "Python (httpx)", "node": "Node.js (fetch)",
           "go": "Go (net/http)"}  # fmt: skip
CA_VARIABLES = ("CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS",
                "REQUESTS_CA_BUNDLE")  # fmt: skip
TIMEOUT_S = 120


def guide() -> str:
    return GUIDE.read_text()


def snippets() -> dict[str, tuple[str, str]]:
    """name -> (fence language, code) of every marked block."""
    found: dict[str, tuple[str, str]] = {}
    pattern = r"<!-- snippet: (\w+) -->\n```(\w+)\n(.*?)^```$"
    for name, language, code in re.findall(pattern, guide(), re.S | re.M):
        assert name not in found, f"two snippets named {name}"
        found[name] = (language, code)
    return found


def table_after(marker: str) -> list[list[str]]:
    """The rows (cells stripped, header and rule dropped) of the table after <!-- marker -->."""
    text = guide()
    start = text.index(f"<!-- {marker} -->\n") + len(f"<!-- {marker} -->\n")
    rows = []
    for line in text[start:].splitlines():
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    assert rows[1][0].startswith("---")
    return rows[2:]


def ca_variable(name: str) -> str:
    """The environment variable the guide's trust table names for a snippet's tool."""
    text = guide()
    match = re.search(rf"^\| {re.escape(TOOL_OF[name])} \| `(\w+)=ca\.pem` \|$", text, re.M)
    assert match, f"the guide does not say how {TOOL_OF[name]} trusts a CA"
    return match.group(1)


# --- the deployment the snippets talk to -------------------------------------------------


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("guide")
    db_path = str(tmp / "acd.duckdb")
    db = Database(db_path)
    account = keys.create_account(db, "A", "ops@example.com").account_id
    other = keys.create_account(db, "B").account_id
    credentials = {}
    for role in ("Supervisor", "Support"):
        path = tmp / f"{role}.json"
        path.write_text(json.dumps(keys.create_key(db, account, [role])))
        credentials[role] = path
    seed(db, account, 3, (7, 8, 9, 10))
    seed(db, other, 4, (7, 8, 9, 10))  # same operator ids in another tenant
    db.close()
    want = query(db_path, account)
    db = Database(db_path)
    tls = make_tls(tmp)
    with running_server(create_app(Settings(db_path=db_path), db), tls) as port:
        yield {"db": db, "account": account, "credentials": credentials, "expected": want,
               "url": f"https://127.0.0.1:{port}", "ca": tls.ca_cert, "tmp": tmp}  # fmt: skip
    db.close()


def query(db_path: str, account: int) -> dict[str, Any]:
    """What `acdstats query GetACDOperatorStatistics` prints for the snippets' parameters."""
    argv = ["query", "GetACDOperatorStatistics", "--db", db_path, "--account-id", str(account)]
    out = CliRunner().invoke(main, argv + [f"{name}={value}" for name, value in PARAMS.items()])
    assert out.exit_code == 0, out.output
    answer: dict[str, Any] = json.loads(out.output)
    return answer


def expected(deployment: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = deployment["expected"]
    return answer


def snippet_env(deployment: dict[str, Any], name: str, role: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CA_VARIABLES}
    env["ACDSTATS_URL"] = deployment["url"]
    env["ACDSTATS_CREDENTIALS"] = str(deployment["credentials"][role])
    env[ca_variable(name)] = str(deployment["ca"])
    return env


# --- how each snippet is run --------------------------------------------------------------


def _write(folder: Path, filename: str, code: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    path.write_text(code)
    return path


def _need(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        pytest.skip(f"{program} is not installed (scripts/setup-test-tools installs it)")
    return found


@pytest.fixture(scope="session")
def go_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Go snippet built once, offline, against Debian's golang-jwt (as the guide says)."""
    go = shutil.which("go")
    if go is None:
        pytest.skip("no Go toolchain (scripts/setup-test-tools installs golang-go as root)")
    go_mod = DEBIAN_JWT / "go.mod"
    if not go_mod.exists():
        pytest.skip(f"no {DEBIAN_JWT} (scripts/setup-test-tools installs it as root)")
    if "module github.com/golang-jwt/jwt/v4\n" not in go_mod.read_text():
        pytest.skip(f"{DEBIAN_JWT} is not the module github.com/golang-jwt/jwt/v4")
    folder = tmp_path_factory.mktemp("go")
    module = folder / "token"
    _write(module, "main.go", snippets()["go"][1])
    env = {**os.environ, "GOPROXY": "off", "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local",
           "GOPATH": str(folder / "gopath"), "CGO_ENABLED": "0", "GO111MODULE": "on"}  # fmt: skip
    if not (os.environ.get("HOME") or os.environ.get("XDG_CACHE_HOME")):
        env["GOCACHE"] = str(folder / "cache")
    steps = [
        [go, "mod", "init", "example.com/acdstats-token"],
        [go, "mod", "edit", "-require", "github.com/golang-jwt/jwt/v4@v4.4.3",
         "-replace", f"github.com/golang-jwt/jwt/v4={DEBIAN_JWT}"],
        [go, "build", "-o", str(folder / "token-bin"), "."],
    ]  # fmt: skip
    for step in steps:
        done = subprocess.run(
            step, cwd=module, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"{' '.join(step)} failed:\n{done.stderr}"
    return folder / "token-bin"


def command(
    name: str, folder: Path, request: pytest.FixtureRequest
) -> tuple[list[str], dict[str, str]]:
    """argv (and extra environment) that runs snippet `name` as the guide tells a user to."""
    code = snippets()[name][1]
    if name == "bash":
        for program in ("bash", "openssl", "curl", "jq"):
            _need(program)
        return ["bash", str(_write(folder, "acdstats-token.sh", code))], {}
    if name == "python":
        return [sys.executable, str(_write(folder, "acdstats_token.py", code))], {}
    if name == "node":
        node = _need("node")
        if not (NODE_MODULES / "jsonwebtoken").is_dir():
            pytest.fail(f"{NODE_MODULES}/jsonwebtoken is missing: run scripts/setup-test-tools")
        script = _write(folder, "acdstats-token.js", code)
        return [node, str(script)], {"NODE_PATH": str(NODE_MODULES)}
    if name == "go":
        return [str(request.getfixturevalue("go_binary"))], {}
    raise AssertionError(name)


def run_snippet(
    name: str, role: str, deployment: dict[str, Any], request: pytest.FixtureRequest
) -> subprocess.CompletedProcess[str]:
    folder = deployment["tmp"] / f"snippet-{name}"
    argv, extra = command(name, folder, request)
    env = snippet_env(deployment, name, role) | extra
    return subprocess.run(
        argv, cwd=folder if folder.exists() else None, env=env, capture_output=True,
        text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL,
    )  # fmt: skip


# --- the snippets -------------------------------------------------------------------------


def test_the_guide_has_the_four_snippets_in_their_languages() -> None:
    found = snippets()
    assert {name: language for name, (language, _) in found.items()} == LANGUAGES
    for name, (_, code) in found.items():
        for value in PARAMS.values():
            assert value in code, f"the {name} snippet does not ask for {value!r}"
        assert "ACDSTATS_URL" in code and "ACDSTATS_CREDENTIALS" in code


@pytest.mark.parametrize("name", NAMES)
def test_snippet_answer_equals_query(
    name: str, deployment: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    done = run_snippet(name, "Supervisor", deployment, request)
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    want = expected(deployment)
    assert want["result"], "the seeded data must give a non-empty answer"
    assert json.loads(done.stdout) == want


@pytest.mark.parametrize("name", NAMES)
def test_snippet_prints_the_error_and_fails_for_a_key_without_the_role(
    name: str, deployment: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    done = run_snippet(name, "Support", deployment, request)
    assert done.returncode == 1, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    answer = json.loads(done.stdout)
    assert answer["error"]["code"] == 104


# --- roles --------------------------------------------------------------------------------


def test_role_table_is_what_the_server_enforces() -> None:
    rows = {row[0]: [cell == "yes" for cell in row[1:]] for row in table_after("roles")}
    assert list(rows) == list(keys.ROLES)
    columns = [frozenset(role for role, allowed in rows.items() if allowed[i]) for i in range(3)]
    assert columns == [STATISTICS_ROLES, INGEST_ROLES, KEY_ADMIN_ROLES]
    for name, method in METHODS.items():
        assert method.roles in (STATISTICS_ROLES, KEY_ADMIN_ROLES), f"{name} is not documented"
        if method.roles == KEY_ADMIN_ROLES:
            assert f"`{name}`" in guide(), f"{name} is missing from the key management list"
    assert METHODS["GetACDOperatorStatistics"].roles == STATISTICS_ROLES


# --- bad tokens ---------------------------------------------------------------------------


def _bearer(text: str) -> str:
    return "Bearer " + text


def _now() -> int:
    return int(time.time())


def _alg(alg: str) -> Callable[[dict[str, Any], Database], str | None]:
    def make(c: dict[str, Any], db: Database) -> str:
        claims = {"iss": str(c["account_id"]), "iat": _now(), "exp": _now() + 60}
        return _bearer(unsigned({"alg": alg, "typ": "JWT", "kid": c["key_id"]}, claims))

    return make


def _hs256(c: dict[str, Any], db: Database) -> str:
    record = keys.get_key(db, c["key_id"])
    assert record is not None
    return _bearer(hs256_with_public_key(c, record.public_key))


def _wrong_key(c: dict[str, Any], db: Database) -> str:
    other = keys.create_key(db, c["account_id"], ["Supervisor"])
    return _bearer(token({**c, "private_key": other["private_key"]}))


def _deleted(c: dict[str, Any], db: Database) -> str:
    keys.delete_key(db, c["key_id"])
    return _bearer(token(c))


def _disabled(c: dict[str, Any], db: Database) -> str:
    keys.set_disabled(db, c["key_id"])
    return _bearer(token(c))


def _other_account(c: dict[str, Any], db: Database) -> str:
    return _bearer(token(c, iss=str(keys.create_account(db, "C").account_id)))


def _without(claim: str) -> Callable[[dict[str, Any], Database], str | None]:
    return lambda c, db: _bearer(token(c, omit=(claim,)))


# One way (or more) to make each row's fault; every one must get the row's code.
BAD_TOKENS: dict[str, list[Callable[[dict[str, Any], Database], str | None]]] = {
    "no `Authorization` header, or not `Bearer <token>`": [
        lambda c, db: None,
        lambda c, db: "Basic dXNlcjpwYXNz",
        lambda c, db: token(c),  # the token without "Bearer "
    ],
    "not three base64url segments of JSON": [
        lambda c, db: _bearer("garbage"),
        lambda c, db: _bearer(token(c) + ".x"),
        lambda c, db: _bearer("bm90IGpzb24." + token(c).split(".", 1)[1]),
    ],
    "`alg` is not RS256 (`none`, `HS256`, ...)": [_alg("none"), _hs256, _alg("RS512")],
    "no `kid` in the header": [lambda c, db: _bearer(token(c, omit=("kid",)))],
    "no `iss`, `iat` or `exp` claim": [_without(claim) for claim in ("iss", "iat", "exp")],
    "`kid` is not a key of the server (or a deleted one)": [
        lambda c, db: _bearer(token({**c, "key_id": "no-such-key"})),
        _deleted,
    ],
    "the signature was not made with the key's private key": [
        _wrong_key,
        lambda c, db: _bearer(tampered(token(c), exp=_now() + 3000)),
    ],
    "`iss` is not the key's account": [_other_account],
    "the key is disabled": [_disabled],
    "`exp - iat` is over 3600 s": [lambda c, db: _bearer(token(c, ttl=3601))],
    "`iat` or `nbf` is further in the future than the clock skew": [
        lambda c, db: _bearer(token(c, iat=_now() + 120)),
        lambda c, db: _bearer(token(c, nbf=_now() + 120)),
    ],
    "expired: `exp` is further in the past than the clock skew": [
        lambda c, db: _bearer(token(c, iat=_now() - 400, ttl=300)),
    ],
    "the key's roles do not allow the method": [
        lambda c, db: _bearer(token(keys.create_key(db, c["account_id"], ["Support"]))),
        lambda c, db: _bearer(token(keys.create_key(db, c["account_id"], ["Accountant"]))),
    ],
}


def test_every_row_of_the_bad_token_table_is_tested() -> None:
    assert [row[0] for row in table_after("token-errors")] == list(BAD_TOKENS)


@pytest.mark.parametrize("row", list(BAD_TOKENS))
def test_bad_token_gets_the_code_the_guide_gives(row: str, deployment: dict[str, Any]) -> None:
    code = int(dict((r[0], r[1]) for r in table_after("token-errors"))[row])
    db = deployment["db"]
    with httpx.Client(verify=_context(deployment["ca"]), timeout=30) as client:
        for make in BAD_TOKENS[row]:
            c = keys.create_key(db, deployment["account"], ["Supervisor"])
            authorization = make(c, db)
            headers = {} if authorization is None else {"Authorization": authorization}
            answer = client.post(
                deployment["url"] + "/platform_api/GetACDOperatorStatistics",
                data=PARAMS,
                headers=headers,
            )
            assert answer.status_code == 200
            assert answer.json()["error"]["code"] == code, (row, answer.json())


def _context(ca: Path) -> Any:
    import ssl

    return ssl.create_default_context(cafile=str(ca))


# --- where the guide is linked ------------------------------------------------------------


def test_readme_links_the_guide() -> None:
    assert "(docs/authorization.md)" in (ROOT / "README.md").read_text()


def test_token_help_points_to_the_guide() -> None:
    out = CliRunner().invoke(main, ["token", "--help"])
    assert out.exit_code == 0
    assert "docs/authorization.md" in out.output
