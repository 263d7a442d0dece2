"""GetACDOperatorStatusStatistics through the official clients, over real TLS.

The server runs with a fixed clock (`now`, SPEC 5) so that open spans end at the same instant
for the clients and for `acdstats query` (services.methods.call with the same now).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from voximplant.apiclient import VoximplantAPI, VoximplantException

from acdstats.cli.main import main
from acdstats.config import Settings
from acdstats.domain.timefmt import parse_request_time
from acdstats.services.methods import METHODS, CallContext, call
from acdstats.storage.db import Database
from acdstats.web.app import create_app
from tests.tls import make_tls
from tests.webkit import SHAPES, running_server, seed

METHOD = "GetACDOperatorStatusStatistics"
NOW = "2026-03-04 12:00:00"  # inside the seeded days: the last spans are cut there
FROM, TO = datetime(2026, 3, 1), datetime(2026, 4, 1)
BASE = {"from_date": "2026-03-01 00:00:00", "to_date": "2026-04-01 00:00:00", "user_id": "all"}
NODE_MODULES = Path(__file__).resolve().parent / "node" / "node_modules"
NODE_CLIENT = NODE_MODULES / "@voximplant" / "apiclient-nodejs"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("status-clients")
    db_path = str(tmp / "acd.duckdb")
    runner = CliRunner()
    accounts = []
    for name in ("A", "B"):
        out = runner.invoke(main, ["account", "create", "--db", db_path, "--name", name])
        assert out.exit_code == 0, out.output
        accounts.append(json.loads(out.output)["account_id"])
    credentials = tmp / "credentials.json"
    out = runner.invoke(
        main,
        ["key", "create", "--db", db_path, "--account-id", str(accounts[0]), "--role",
         "Supervisor", "--out", str(credentials)],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    db = Database(db_path)
    seed(db, accounts[0], 3, (7, 8, 9, 10))
    seed(db, accounts[1], 4, (7, 8, 9, 10))
    tls = make_tls(tmp)
    with running_server(create_app(Settings(db_path=db_path, now=NOW), db), tls) as port:
        yield {"db": db, "account": accounts[0], "credentials": credentials, "port": port,
               "ca": tls.ca_cert}  # fmt: skip
    db.close()


def expected(deployment: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
    ctx = CallContext(deployment["db"], deployment["account"], now_ms=parse_request_time(NOW))
    return call(METHODS[METHOD], ctx, params)


@pytest.fixture
def api(deployment: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> VoximplantAPI:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(deployment["ca"]))
    return VoximplantAPI(str(deployment["credentials"]), endpoint=f"127.0.0.1:{deployment['port']}")


def with_dates(value: Any) -> Any:
    """The Python client's post-processing, done independently: every "date" becomes a date."""
    if isinstance(value, list):
        return [with_dates(v) for v in value]
    if isinstance(value, dict):
        return {
            k: date.fromisoformat(v) if k == "date" else with_dates(v) for k, v in value.items()
        }
    return value


@pytest.mark.parametrize(("group", "aggregation"), SHAPES)
def test_python_client_every_shape(
    api: VoximplantAPI, deployment: dict[str, Any], group: str, aggregation: str
) -> None:
    answer = api.get_acd_operator_status_statistics(
        FROM, "all", to_date=TO, aggregation=aggregation, group=group
    )
    want = expected(deployment, {**BASE, "group": group, "aggregation": aggregation})
    assert want["result"], "the seeded data must give a non-empty answer"
    assert answer == with_dates(want)


def test_python_client_lists_and_errors(api: VoximplantAPI, deployment: dict[str, Any]) -> None:
    answer = api.get_acd_operator_status_statistics(
        FROM, [7, 9], to_date=TO, acd_status=["READY", "AFTER_SERVICE"], aggregation="hour"
    )
    params = {**BASE, "user_id": "7;9", "acd_status": "READY;AFTER_SERVICE", "aggregation": "hour"}
    want = expected(deployment, params)
    assert answer == with_dates(want)
    assert {s for g in want["result"] for r in g["statistics"] for s in r["acd_status"][0]} == {
        "READY",
        "AFTER_SERVICE",
    }
    with pytest.raises(VoximplantException) as info:
        api.get_acd_operator_status_statistics(FROM, "all", to_date=TO, acd_status=["PAUSED"])
    assert info.value.code == 227


_NODE_SCRIPT = """
const VoximplantApiClient = require('@voximplant/apiclient-nodejs').default;
const shapes = JSON.parse(process.argv[2]);
const client = new VoximplantApiClient(process.argv[3], process.argv[4]);
client.onReady = async () => {
  const out = [];
  for (const [group, aggregation] of shapes) {
    out.push(await client.Queues.getACDOperatorStatusStatistics({
      fromDate: new Date('2026-03-01T00:00:00Z'), toDate: new Date('2026-04-01T00:00:00Z'),
      userId: 'all', group, aggregation }));
  }
  console.log(JSON.stringify(out));
};
"""


def node_form(document: dict[str, Any]) -> dict[str, Any]:
    """What the Node client (4.11.0) hands its caller, done independently: its response
    mapping (ACDOperatorStatusAggregationGroupType) renames a group's `user_id` to `userId`
    and leaves the group's date, hour and statistics records as sent."""
    renamed = [
        {("userId" if k == "user_id" else k): v for k, v in group.items()}
        for group in document["result"]
    ]
    return {"result": renamed}


@pytest.mark.skipif(not NODE_CLIENT.exists(), reason="scripts/setup-test-tools installs it")
def test_node_client_every_shape(deployment: dict[str, Any], tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node is not None
    script = tmp_path / "status.js"
    script.write_text(_NODE_SCRIPT)
    done = subprocess.run(
        [node, str(script), json.dumps(SHAPES), str(deployment["credentials"]),
         f"127.0.0.1:{deployment['port']}"],
        capture_output=True, text=True, timeout=120,
        env={"NODE_PATH": str(NODE_MODULES), "NODE_EXTRA_CA_CERTS": str(deployment["ca"]),
             "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    answers = json.loads(done.stdout)
    for (group, aggregation), answer in zip(SHAPES, answers, strict=True):
        want = expected(deployment, {**BASE, "group": group, "aggregation": aggregation})
        assert answer == node_form(want), (group, aggregation)
