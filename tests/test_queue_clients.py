"""GetACDQueueStatistics through the official Python and Node clients, over real TLS, equal to
what `acdstats query` answers on the same database."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from voximplant.apiclient import VoximplantAPI, VoximplantException

from acdstats.services.methods import METHODS, CallContext, call
from tests.test_status_clients import NODE_CLIENT, NODE_MODULES, api, deployment, with_dates

__all__ = ["api", "deployment"]  # the status clients' fixtures: one seeded TLS server

METHOD = "GetACDQueueStatistics"
FROM, TO = datetime(2026, 3, 1), datetime(2026, 4, 1)
BASE = {"from_date": "2026-03-01 00:00:00", "to_date": "2026-04-01 00:00:00"}
AGGREGATIONS = ["none", "day", "hour", "hour_of_day"]


def expected(deployment: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
    return call(METHODS[METHOD], CallContext(deployment["db"], deployment["account"]), params)


@pytest.mark.parametrize("aggregation", AGGREGATIONS)
def test_python_client_every_aggregation(
    api: VoximplantAPI, deployment: dict[str, Any], aggregation: str
) -> None:
    answer = api.get_acd_queue_statistics(FROM, "all", to_date=TO, aggregation=aggregation)
    want = expected(deployment, {**BASE, "acd_queue_id": "all", "aggregation": aggregation})
    assert want["result"], "the seeded data must give a non-empty answer"
    assert answer == with_dates(want)


def test_python_client_lists_names_and_errors(
    api: VoximplantAPI, deployment: dict[str, Any]
) -> None:
    answer = api.get_acd_queue_statistics(
        FROM, [5], to_date=TO, abbreviation=False, report=["SL", "WT", "QueueLength"]
    )
    want = expected(
        deployment,
        {**BASE, "acd_queue_id": "5", "abbreviation": "false", "report": "SL;WT;QueueLength"},
    )
    assert list(want["result"][0]) == ["ServiceLevel", "WaitingTime", "QueueLength"]
    assert answer == with_dates(want)
    with pytest.raises(VoximplantException) as info:
        api.get_acd_queue_statistics(FROM, "all", to_date=TO, report=["XX"])
    assert info.value.code == 229


# The Node client maps the answer with its own types; mapping acdstats query's answer the same
# way checks that the server sent exactly that answer.
_NODE_SCRIPT = """
const VoximplantApiClient = require('@voximplant/apiclient-nodejs').default;
const TypeTransformer = require('@voximplant/apiclient-nodejs/dist/TypeTransformer').default;
const [aggregations, expected] = JSON.parse(require('fs').readFileSync(process.argv[2]));
const client = new VoximplantApiClient(process.argv[3], process.argv[4]);
client.onReady = async () => {
  const out = [];
  for (const [i, aggregation] of aggregations.entries()) {
    const got = await client.Queues.getACDQueueStatistics({
      fromDate: new Date('2026-03-01T00:00:00Z'), toDate: new Date('2026-04-01T00:00:00Z'),
      acdQueueId: 'all', aggregation });
    const want = TypeTransformer.from('[ACDQueueStatisticsType]')(expected[i].result);
    out.push([got.result, want]);
  }
  console.log(JSON.stringify(out));
};
"""


@pytest.mark.skipif(not NODE_CLIENT.exists(), reason="scripts/setup-test-tools installs it")
def test_node_client_every_aggregation(deployment: dict[str, Any], tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node is not None
    script, data = tmp_path / "queues.js", tmp_path / "expected.json"
    script.write_text(_NODE_SCRIPT)
    wants = [
        expected(deployment, {**BASE, "acd_queue_id": "all", "aggregation": a})
        for a in AGGREGATIONS
    ]
    data.write_text(json.dumps([AGGREGATIONS, wants]))
    done = subprocess.run(
        [node, str(script), str(data), str(deployment["credentials"]),
         f"127.0.0.1:{deployment['port']}"],
        capture_output=True, text=True, timeout=120,
        env={"NODE_PATH": str(NODE_MODULES), "NODE_EXTRA_CA_CERTS": str(deployment["ca"]),
             "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for aggregation, (got, want) in zip(AGGREGATIONS, json.loads(done.stdout), strict=True):
        assert got and got == want, aggregation
        assert got[0]["SL"][0]["acceptable_waiting_time"] == 20  # 4.11.0 passes SL on as sent
