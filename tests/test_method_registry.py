"""One method registry: `acdstats query` answers every method the server has, the same way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from acdstats.cli.main import main
from acdstats.errors import NO_METHOD, UNKNOWN_METHOD
from acdstats.services.methods import METHODS
from acdstats.storage.db import Database


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("registry") / "r.duckdb"
    Database(path).close()
    assert (
        CliRunner().invoke(main, ["account", "create", "--name", "A", "--db", str(path)]).exit_code
        == 0
    )
    return path


@pytest.mark.parametrize("name", sorted(METHODS))
def test_query_runs_every_method_of_the_server(name: str, database: Path) -> None:
    result = CliRunner().invoke(main, ["query", name, "--account-id", "1", "--db", str(database)])
    answer = json.loads(result.stdout)
    assert "result" in answer or answer["error"]["code"] not in (NO_METHOD, UNKNOWN_METHOD)
    assert result.exit_code == (0 if "result" in answer else 1)


def test_the_key_methods_are_in_the_registry() -> None:
    assert {"CreateKey", "GetKeys", "GetRoles", "SetKeyRoles"} <= set(METHODS)


def test_rebuild_refuses_an_account_that_does_not_exist(database: Path) -> None:
    result = CliRunner().invoke(main, ["rebuild", "--account-id", "99", "--db", str(database)])
    assert result.exit_code == 2
    assert "account 99 does not exist" in result.output
    assert "rebuilt" not in result.output
