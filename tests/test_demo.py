"""`acdstats demo` end to end: the printed curl and Python examples work as pasted.

The Python example (the official client over TLS) must answer what `acdstats query` answers
on the same database; a second run reuses everything.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_web_serve import free_port, wait_until_listening

ACDSTATS = str(Path(sys.executable).with_name("acdstats"))


def start_demo(folder: Path, port: int) -> tuple[subprocess.Popen[str], str]:
    """The running demo and what it printed up to its last instruction."""
    process = subprocess.Popen(
        [ACDSTATS, "demo", "--dir", str(folder), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    printed = []
    assert process.stdout is not None
    for line in process.stdout:
        printed.append(line)
        if line.strip() == "PY":
            break
    wait_until_listening(port, process)  # type: ignore[arg-type]
    return process, "".join(printed)


def stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    _, err = process.communicate(timeout=30)
    return err


@pytest.mark.slow
def test_demo_examples_work_as_printed(tmp_path: Path) -> None:
    folder, port = tmp_path / "demo", free_port()
    process, printed = start_demo(folder, port)
    try:
        python_block = printed[printed.index("REQUESTS_CA_BUNDLE=") :]
        from_client = subprocess.run(
            ["bash", "-c", python_block], capture_output=True, text=True, timeout=120
        )
        assert from_client.returncode == 0, from_client.stderr
        if shutil.which("curl"):
            curl_block = printed[printed.index("curl --cacert") : printed.index("# curl: where")]
            by_day = subprocess.run(
                ["bash", "-c", curl_block], capture_output=True, text=True, timeout=60
            )
            answer = json.loads(by_day.stdout)
            assert [g["user_id"] for g in answer["result"]] == ["1001", "1002", "1003"]
            assert all("date" in s for g in answer["result"] for s in g["statistics"])
            status_block = printed[printed.index("# curl: where") : printed.index("# Python")]
            by_hour = subprocess.run(
                ["bash", "-c", status_block], capture_output=True, text=True, timeout=60
            )
            (operator,) = json.loads(by_hour.stdout)["result"]
            assert operator["user_id"] == "1001" and operator["statistics"][0]["acd_status"]
    finally:
        err = stop(process)
    assert "made in" in err

    window = re.search(
        r"datetime\((\d+), (\d+), (\d+)\), \"all\",\s+to_date=datetime\("
        r"(\d+), (\d+), (\d+)\)",
        python_block,
    )
    assert window is not None
    y1, m1, d1, y2, m2, d2 = (int(g) for g in window.groups())
    query = subprocess.run(
        [ACDSTATS, "query", "GetACDOperatorStatistics", "--db", str(folder / "acdstats.duckdb"),
         "--account-id", "1", f"from_date={y1:04d}-{m1:02d}-{d1:02d} 00:00:00",
         f"to_date={y2:04d}-{m2:02d}-{d2:02d} 00:00:00", "user_id=all",
         "report=AC;UAC;SA;TT;HT"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    expected = json.loads(query.stdout)
    assert len(expected["result"]) == 50
    statistics, end = json.JSONDecoder().raw_decode(from_client.stdout)
    assert statistics == expected
    decoder = json.JSONDecoder()
    status, end = decoder.raw_decode(from_client.stdout, end + 1)
    assert status["result"][0]["user_id"] == "1001"
    queues = json.loads(from_client.stdout[end:])
    levels = [day["SL"][0]["service_level"] for day in queues["result"]]
    assert len(levels) == 30 and all(0 <= level <= 100 for level in levels)

    again, _ = start_demo(folder, port)
    assert "reused" in stop(again)
