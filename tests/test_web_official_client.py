"""The official voximplant-apiclient against a real uvicorn server over real TLS.

Its credentials.json comes from `acdstats key create`; its answers must equal what
`acdstats query` (services.methods.call) answers on the same database, for every shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from voximplant.apiclient import VoximplantAPI, VoximplantException

from acdstats.cli.main import main
from acdstats.config import Settings
from acdstats.services.methods import METHODS, CallContext, call
from acdstats.storage.db import Database
from acdstats.web.app import create_app
from tests.tls import make_tls
from tests.webkit import SHAPES, running_server, seed

FROM, TO = datetime(2026, 3, 1), datetime(2026, 4, 1)
BASE = {"from_date": "2026-03-01 00:00:00", "to_date": "2026-04-01 00:00:00", "user_id": "all"}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A database made with the CLI, served over TLS; yields paths, port and the database."""
    tmp = tmp_path_factory.mktemp("official")
    db_path = str(tmp / "acd.duckdb")
    runner = CliRunner()
    accounts = []
    for name in ("A", "B"):
        out = runner.invoke(main, ["account", "create", "--db", db_path, "--name", name])
        assert out.exit_code == 0, out.output
        accounts.append(json.loads(out.output)["account_id"])
    credentials = {}
    for role in ("Supervisor", "Support"):
        path = tmp / f"{role}.json"
        out = runner.invoke(
            main,
            ["key", "create", "--db", db_path, "--account-id", str(accounts[0])]
            + ["--role", role, "--out", str(path)],
        )
        assert out.exit_code == 0, out.output
        credentials[role] = path
    db = Database(db_path)
    seed(db, accounts[0], 3, (7, 8, 9, 10))
    seed(db, accounts[1], 4, (7, 8, 9, 10))  # same operator ids in another tenant
    tls = make_tls(tmp)
    with running_server(create_app(Settings(db_path=db_path), db), tls) as port:
        yield {"db": db, "account": accounts[0], "credentials": credentials, "port": port,
               "ca": tls.ca_cert}  # fmt: skip
    db.close()


@pytest.fixture
def api(deployment: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> VoximplantAPI:
    # The installed client reads REQUESTS_CA_BUNDLE (then CURL_CA_BUNDLE) for its TLS trust.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(deployment["ca"]))
    return VoximplantAPI(
        str(deployment["credentials"]["Supervisor"]), endpoint=f"127.0.0.1:{deployment['port']}"
    )


def expected(deployment: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
    ctx = CallContext(deployment["db"], deployment["account"])
    return call(METHODS["GetACDOperatorStatistics"], ctx, params)


def with_dates(value: Any) -> Any:
    """The client's post-processing, done independently: every "date" becomes a date."""
    if isinstance(value, list):
        return [with_dates(v) for v in value]
    if isinstance(value, dict):
        return {
            k: date.fromisoformat(v) if k == "date" else with_dates(v) for k, v in value.items()
        }
    return value


@pytest.mark.parametrize(("group", "aggregation"), SHAPES)
def test_raw_answer_equals_query_for_every_shape(
    api: VoximplantAPI, deployment: dict[str, Any], group: str, aggregation: str
) -> None:
    params = {**BASE, "group": group, "aggregation": aggregation}
    raw = api._perform_request("GetACDOperatorStatistics", dict(params))
    want = expected(deployment, params)
    assert raw == want
    assert want["result"], "the seeded data must give a non-empty answer"


@pytest.mark.parametrize(("group", "aggregation"), SHAPES)
def test_public_method_for_every_shape(
    api: VoximplantAPI, deployment: dict[str, Any], group: str, aggregation: str
) -> None:
    answer = api.get_acd_operator_statistics(
        FROM, "all", to_date=TO, aggregation=aggregation, group=group
    )
    params = {**BASE, "group": group, "aggregation": aggregation}
    assert answer == with_dates(expected(deployment, params))


def test_lists_and_booleans_as_the_client_sends_them(
    api: VoximplantAPI, deployment: dict[str, Any]
) -> None:
    answer = api.get_acd_operator_statistics(
        FROM, [7, 9], to_date=TO, acd_queue_id=[5], abbreviation=False,
        report=["SA", "AnsweredCalls"], aggregation="hour_of_day",
    )  # fmt: skip
    params = {
        **BASE,
        "user_id": "7;9",
        "acd_queue_id": "5",
        "abbreviation": "False",
        "report": "SA;AnsweredCalls",
        "aggregation": "hour_of_day",
    }
    want = expected(deployment, params)
    assert answer == want
    assert set(want["result"][0]["statistics"][0]) == {"hour", "SpeedOfAnswer", "AnsweredCalls"}


def test_errors_reach_the_client_as_voximplant_exceptions(
    api: VoximplantAPI, deployment: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(VoximplantException) as info:
        api.get_acd_operator_statistics(FROM, "all", to_date=FROM)
    assert info.value.code == 123
    support = VoximplantAPI(
        str(deployment["credentials"]["Support"]), endpoint=f"127.0.0.1:{deployment['port']}"
    )
    with pytest.raises(VoximplantException) as info:
        support.get_acd_operator_statistics(FROM, "all", to_date=TO)
    assert info.value.code == 104


def test_key_management_through_the_client(
    deployment: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(deployment["ca"]))
    endpoint = f"127.0.0.1:{deployment['port']}"
    supervisor = VoximplantAPI(str(deployment["credentials"]["Supervisor"]), endpoint=endpoint)
    with pytest.raises(VoximplantException) as info:
        supervisor.create_key(description="x", role_name=["Owner"])
    assert info.value.code == 104
    # An Owner key made on the server's database directly (the CLI cannot open it while served).
    from acdstats.services import keys

    owner_path = tmp_path / "owner.json"
    owner_path.write_text(
        json.dumps(keys.create_key(deployment["db"], deployment["account"], ["Owner"]))
    )
    owner = VoximplantAPI(str(owner_path), endpoint=endpoint)
    [info_] = owner.create_key(description="bi tool", role_name=["Supervisor"])["result"]
    new_path = tmp_path / "new.json"
    new_path.write_text(json.dumps(info_))
    fresh = VoximplantAPI(str(new_path), endpoint=endpoint)
    assert fresh.get_acd_operator_statistics(FROM, "all", to_date=TO) == with_dates(
        expected(deployment, BASE)
    )
    roles = owner.get_key_roles(info_["key_id"])["result"]
    assert [r["role_name"] for r in roles] == ["Supervisor"]
    assert owner.remove_key_roles(info_["key_id"], role_name=["Supervisor"]) == {"result": 1}
    with pytest.raises(VoximplantException) as info:
        fresh.get_acd_operator_statistics(FROM, "all", to_date=TO)
    assert info.value.code == 104
    assert owner.delete_key(info_["key_id"]) == {"result": 1}
    with pytest.raises(VoximplantException) as info:
        fresh.get_acd_operator_statistics(FROM, "all", to_date=TO)
    assert info.value.code == 100


def test_client_gets_exactly_the_cli_query_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`acdstats query` first (database closed), then the official client against the server."""
    db_path = str(tmp_path / "q.duckdb")
    runner = CliRunner()
    assert runner.invoke(main, ["account", "create", "--db", db_path, "--name", "A"]).exit_code == 0
    cred = tmp_path / "credentials.json"
    made = runner.invoke(
        main,
        ["key", "create", "--db", db_path, "--account-id", "1", "--role", "User manager"]
        + ["--out", str(cred)],
    )
    assert made.exit_code == 0, made.output
    db = Database(db_path)
    seed(db, 1, 11, (3, 4, 5))
    db.close()
    cli_answers = {}
    for group, aggregation in SHAPES:
        params = {**BASE, "group": group, "aggregation": aggregation}
        out = runner.invoke(
            main,
            ["query", "GetACDOperatorStatistics", "--db", db_path, "--account-id", "1"]
            + [f"{k}={v}" for k, v in params.items()],
        )
        assert out.exit_code == 0, out.output
        cli_answers[group, aggregation] = json.loads(out.output)
    tls = make_tls(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls.ca_cert))
    with running_server(create_app(Settings(db_path=db_path)), tls) as port:
        api = VoximplantAPI(str(cred), endpoint=f"127.0.0.1:{port}")
        for (group, aggregation), want in cli_answers.items():
            params = {**BASE, "group": group, "aggregation": aggregation}
            assert api._perform_request("GetACDOperatorStatistics", params) == want
            public = api.get_acd_operator_statistics(
                FROM, "all", to_date=TO, aggregation=aggregation, group=group
            )
            assert public == with_dates(want)
            assert want["result"]
