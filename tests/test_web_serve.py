"""Settings (flags > ACDSTATS_* > defaults) and `acdstats serve` as a real process, HTTP and TLS."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from acdstats.cli.main import main
from acdstats.config import Settings, env_name, load_settings
from tests.authkit import token
from tests.tls import make_tls


def test_flags_win_over_environment_over_defaults() -> None:
    environ = {"ACDSTATS_PORT": "9000", "ACDSTATS_DB": "/data/a.duckdb", "ACDSTATS_RATE_LIMIT": "5"}
    settings = load_settings({"port": 9443, "host": None}, environ)
    assert settings.port == 9443  # flag
    assert settings.db_path == "/data/a.duckdb" and settings.rate_limit == 5.0  # environment
    assert settings.host == "127.0.0.1" and settings.clock_skew_s == 10  # defaults
    assert settings.max_records == 1_000_000 and settings.rate_limit == 5.0
    assert load_settings({}, {"ACDSTATS_USER_ID_AS_NUMBER": "true"}).user_id_as_number is True
    assert env_name("clock_skew_s") == "ACDSTATS_CLOCK_SKEW_S"


@pytest.mark.parametrize(
    ("flags", "environ"),
    [
        ({}, {"ACDSTATS_PORT": "eighty"}),
        ({}, {"ACDSTATS_USER_ID_AS_NUMBER": "maybe"}),
        ({"tls_cert": "c.pem"}, {}),
        ({"max_records": 0}, {}),
        ({"nonsense": 1}, {}),
    ],
)
def test_bad_settings_are_refused(flags: dict[str, object], environ: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        load_settings(flags, environ)


def test_rate_limit_is_off_by_default() -> None:
    assert Settings().rate_limit == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120  # a start-up on a loaded 2-core machine, never the test
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited: {process.stderr.read().decode()}")  # type: ignore[union-attr]
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise AssertionError("serve did not start listening")


@pytest.mark.parametrize("tls", [False, True])
def test_serve_command_over_http_and_tls(tmp_path: Path, tls: bool) -> None:
    db_path = str(tmp_path / "serve.duckdb")
    runner = CliRunner()
    assert runner.invoke(main, ["account", "create", "--db", db_path, "--name", "A"]).exit_code == 0
    cred_path = tmp_path / "credentials.json"
    created = runner.invoke(
        main,
        ["key", "create", "--db", db_path, "--account-id", "1", "--role", "Owner"]
        + ["--out", str(cred_path)],
    )
    assert created.exit_code == 0, created.output
    port = free_port()
    acdstats = str(Path(sys.executable).with_name("acdstats"))  # the installed command
    args = [acdstats, "serve", "--db", db_path]
    args += ["--port", str(port)]
    verify: bool | ssl.SSLContext = True
    if tls:
        files = make_tls(tmp_path)
        args += ["--tls-cert", str(files.server_cert), "--tls-key", str(files.server_key)]
        verify = ssl.create_default_context(cafile=str(files.ca_cert))
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_until_listening(port, process)
        scheme = "https" if tls else "http"
        credentials = json.loads(cred_path.read_text())
        answer = httpx.post(
            f"{scheme}://127.0.0.1:{port}/platform_api",
            data={"cmd": "GetKeys"},
            headers={"Authorization": "Bearer " + token(credentials)},
            verify=verify,
        )
        assert answer.json() == {"result": [{"key_id": credentials["key_id"], "description": ""}]}
    finally:
        process.terminate()
        process.communicate(timeout=10)  # reads and closes both pipes
    assert process.returncode is not None
