"""Faults against `acdstats serve` as a real process over TLS (issue 16, item 4).

- A damaged database file at start: a clear message, a non-zero exit, the file untouched.
- The disk fills during a write: that batch is 503 with nothing of it stored, reads go on,
  writes (and /health) recover once there is room again.
- SIGTERM with batches in the writer: they finish and are acknowledged, new ones get 503,
  then the port closes and the process exits 0.
"""

from __future__ import annotations

import hashlib
import random
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from acdstats.cli.main import main
from tests.serverproc import ACDSTATS
from tests.test_web_hostile import DAMAGES, seeded  # noqa: F401 (seeded: a fixture)

__all__ = ["seeded"]


def overwrite_a_data_block(data: bytes) -> bytes:
    """4 KiB of noise inside a block that holds table data (DuckDB checksums each block)."""
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder) / "scratch.duckdb"
        scratch.write_bytes(data)
        with duckdb.connect(str(scratch), read_only=True) as con:
            size, block = con.execute(
                "SELECT block_size, max(block_id) FROM pragma_database_size(), "
                "pragma_storage_info('request_events') GROUP BY 1"
            ).fetchone() or (0, 0)
    at = 3 * 4096 + block * size + size // 2
    return data[:at] + random.Random(11).randbytes(4096) + data[at + 4096 :]


FAULTS: dict[str, Callable[[bytes], bytes]] = {
    **DAMAGES,
    "a data block overwritten": overwrite_a_data_block,
}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def beside(path: Path) -> list[str]:
    """The files in the database's folder (a WAL or control socket would show here)."""
    return sorted(p.name for p in path.parent.iterdir())


# Every command that opens the database, as a user would run it.
OPENERS = [
    ["account", "create", "--name", "x"],
    ["account", "list"],
    ["key", "list", "--account-id", "1"],
    ["query", "--account-id", "1", "GetACDOperatorStatistics", "from_date=2026-03-01 00:00:00"],
    ["rebuild", "--account-id", "1"],
    ["names", "--account-id", "1"],
    ["backup", "--out", "{tmp}/backup"],
]


@pytest.mark.parametrize("damage", list(FAULTS))
def test_a_damaged_file_stops_serve_and_every_command_untouched(
    tmp_path: Path,
    seeded: bytes,
    damage: str,  # noqa: F811
) -> None:
    path = tmp_path / "damaged.duckdb"
    path.write_bytes(FAULTS[damage](seeded))
    before, files = digest(path), beside(path)
    served = subprocess.run(
        [ACDSTATS, "serve", "--db", str(path), "--port", "0"],
        capture_output=True,
        timeout=120,
    )
    message = served.stderr.decode()
    assert served.returncode == 1, message
    assert str(path) in message and ("damaged" in message or "truncated" in message)
    assert "restore it from a backup" in message and "Traceback" not in message
    assert digest(path) == before and beside(path) == files
    for command in OPENERS:
        args = [arg.format(tmp=tmp_path) for arg in command]
        result = CliRunner().invoke(main, [*args, "--db", str(path)], catch_exceptions=False)
        assert result.exit_code == 1, (command, result.output)
        assert str(path) in result.output and "Traceback" not in result.output, command
        assert digest(path) == before and beside(path) == files, command
