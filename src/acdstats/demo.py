"""`acdstats demo`: a ready database, key and certificate, and the instructions to use them.

Everything lives in one folder; a second run reuses what the first one finished.
"""

from __future__ import annotations

import json
import shlex
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from acdstats.services import keys
from acdstats.simulate import SimulationConfig, load_into_db
from acdstats.storage.db import Database
from acdstats.tls import TlsFiles, make_tls

CERT_DAYS = 365


@dataclass(frozen=True)
class Demo:
    folder: Path
    account_id: int
    first_day: date
    days: int
    config: SimulationConfig

    @property
    def db_path(self) -> Path:
        return self.folder / "acdstats.duckdb"

    @property
    def credentials(self) -> Path:
        return self.folder / "credentials.json"

    @property
    def tls(self) -> TlsFiles:
        return TlsFiles(
            self.folder / "ca.pem", self.folder / "server.pem", self.folder / "server.key"
        )


def prepare(folder: Path, workers: int = 1, today: date | None = None) -> tuple[Demo, bool]:
    """The demo in folder, made if needed; True if it was made now."""
    folder = folder.resolve()
    marker = folder / "demo.json"
    if marker.exists() and (folder / "acdstats.duckdb").exists():
        saved = json.loads(marker.read_text())
        first = date.fromisoformat(saved["first_day"])
        config = SimulationConfig.demo(start_date=first)
        return Demo(folder, saved["account_id"], first, config.days, config), False
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in (folder / "acdstats.duckdb", folder / "acdstats.duckdb.wal"):
        leftover.unlink(missing_ok=True)  # an interrupted earlier run
    today = today or datetime.now(UTC).date()
    config = SimulationConfig.demo(start_date=today - timedelta(days=SimulationConfig.days))
    db = Database(folder / "acdstats.duckdb")
    try:
        account = keys.create_account(db, "Demo contact center", "demo@example.com")
        credentials = keys.create_key(db, account.account_id, ["Owner"], description="demo")
        load_into_db(db, account.account_id, config, workers=workers)
    finally:
        db.close()
    demo = Demo(folder, account.account_id, config.start_date, config.days, config)
    demo.credentials.write_text(json.dumps(credentials, indent=2))
    demo.credentials.chmod(0o600)
    make_tls(folder, valid_days=CERT_DAYS)
    marker.write_text(
        json.dumps({"account_id": demo.account_id, "first_day": demo.first_day.isoformat()})
    )
    return demo, True


def instructions(demo: Demo, host: str, port: int) -> str:
    """What to paste: a curl call and the official Python client, both over TLS."""
    first = demo.first_day
    end = first + timedelta(days=demo.days)
    q = shlex.quote
    acdstats = str(Path(sys.executable).with_name("acdstats"))
    endpoint = f"{host}:{port}"
    url = f"https://{endpoint}/platform_api/GetACDOperatorStatistics"
    users = ";".join(str(1001 + i) for i in range(3))
    python = f"""\
import json
from datetime import datetime
from voximplant.apiclient import VoximplantAPI

api = VoximplantAPI({str(demo.credentials)!r}, endpoint={endpoint!r})
answer = api.get_acd_operator_statistics(
    datetime({first.year}, {first.month}, {first.day}), "all",
    to_date=datetime({end.year}, {end.month}, {end.day}), report="AC;UAC;SA;TT;HT",
)
print(json.dumps(answer, default=str, indent=1))
# Where operator 1001's time went on the first day, per hour and ACD status
status = api.get_acd_operator_status_statistics(
    datetime({first.year}, {first.month}, {first.day}), [1001],
    to_date=datetime({first.year}, {first.month}, {first.day}, 23, 59, 59), aggregation="hour",
)
print(json.dumps(status, default=str, indent=1))
# Per queue and day: calls, answered, abandoned, rejected, service level, waiting time
queues = api.get_acd_queue_statistics(
    datetime({first.year}, {first.month}, {first.day}), "all",
    to_date=datetime({end.year}, {end.month}, {end.day}), aggregation="day",
    report="TC;AC;UAC;RC;SL;WT",
)
print(json.dumps(queues, default=str, indent=1))"""
    status_url = f"https://{endpoint}/platform_api/GetACDOperatorStatusStatistics"
    return f"""\
acdstats demo: {demo.days} days ({first} .. {end - timedelta(days=1)}) of {demo.config.operators} \
operators (user_id {1001}..{1000 + demo.config.operators}) in {demo.config.queues} queues \
(acd_queue_id 1..{demo.config.queues}), account {demo.account_id}.
Owner key: {demo.credentials}   CA certificate: {demo.tls.ca_cert}
Serving https://{endpoint}/platform_api (Ctrl-C stops).

# The dashboard: open https://{endpoint}/ in a browser and sign in with the key file
#   {demo.credentials}
# (the page signs its tokens in the browser; the private key is never sent). So that the
# browser trusts the server, import {demo.tls.ca_cert} as a certificate authority
# (Chromium: Settings > Privacy and security > Security > Manage certificates > Authorities;
# Firefox: Settings > Privacy & Security > View Certificates > Authorities). Or paste a token
# from: {q(acdstats)} token --credentials {q(str(demo.credentials))} --ttl 3600

# curl: three operators, by day
curl --cacert {q(str(demo.tls.ca_cert))} -G {url} \\
  -H "Authorization: Bearer $({q(acdstats)} token --credentials {q(str(demo.credentials))})" \\
  --data-urlencode {q(f"from_date={first} 00:00:00")} \\
  --data-urlencode {q(f"to_date={end} 00:00:00")} \\
  --data-urlencode {q(f"user_id={users}")} --data-urlencode aggregation=day

# curl: where operator 1001's time went on the first day, by hour (ready, talking, ...)
curl --cacert {q(str(demo.tls.ca_cert))} -G {status_url} \\
  -H "Authorization: Bearer $({q(acdstats)} token --credentials {q(str(demo.credentials))})" \\
  --data-urlencode {q(f"from_date={first} 00:00:00")} \\
  --data-urlencode {q(f"to_date={first + timedelta(days=1)} 00:00:00")} \\
  --data-urlencode user_id=1001 --data-urlencode aggregation=hour

# Python, the official Voximplant client: every operator, the whole period
REQUESTS_CA_BUNDLE={q(str(demo.tls.ca_cert))} {q(sys.executable)} - <<'PY'
{python}
PY
"""
