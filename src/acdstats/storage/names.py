"""Integer ids for names found in imported files (queue_log queues and agents), per account.

The mapping is persistent (table `name_ids`): the same name always gets the same id, so that
users can ask GetACDOperatorStatistics for it. Several names may share one id (aliases): the
spellings of one agent that the log shows to be the same member.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import orjson

from acdstats.domain.names import Name, NamedEvent, fold
from acdstats.storage.db import Database, next_id


@dataclass(frozen=True, slots=True)
class NameId:
    kind: str
    name: str
    id: int


class NameIds:
    """The name -> id mapping of one account, cached in memory for one import.

    `resolve` gives ids to every name not seen before, in one write transaction per call,
    so an importer calls it once per chunk of lines, never once per line.
    """

    def __init__(self, db: Database | None, account_id: int) -> None:
        """The mapping as stored now (db None: empty until `add` loads it in a transaction)."""
        self._db = db
        self._account_id = account_id
        self._ids: dict[tuple[str, str], int] = {}  # (kind, folded name) -> id
        self._stored: set[tuple[str, str]] = set()  # (kind, name) exactly as stored
        for row in [] if db is None else list_names(db, account_id):
            self._remember(row.kind, row.name, row.id)

    def get(self, kind: str, name: str) -> int | None:
        return self._ids.get((kind, fold(kind, name)))

    def __getitem__(self, key: tuple[str, str]) -> int:
        found = self.get(*key)
        if found is None:
            raise KeyError(key)
        return found

    def resolve(
        self, names: Iterable[tuple[str, str]], links: Iterable[tuple[str, str, str]] = ()
    ) -> None:
        """Make sure every (kind, name) has an id; each (kind, a, b) link puts b under a's id.

        A link only gives an id to a name that has none yet: ids already stored are never
        changed, because events were stored with them.
        """
        missing = {(k, n) for k, n in names if (k, n) not in self._stored}
        pending_links = [
            (k, a, b) for k, a, b in links if self.get(k, a) is None or self.get(k, b) is None
        ]
        if not missing and not pending_links:
            return
        assert self._db is not None
        with self._db.writer() as cur:
            self.add(cur, missing, pending_links)

    def add(
        self,
        cur: duckdb.DuckDBPyConnection,
        names: Iterable[tuple[str, str]],
        links: Iterable[tuple[str, str, str]] = (),
    ) -> None:
        """`resolve` inside the caller's write transaction."""
        self._reload(cur)
        missing = {(k, n) for k, n in names if (k, n) not in self._stored}
        pending_links = [
            (k, a, b) for k, a, b in links if self.get(k, a) is None or self.get(k, b) is None
        ]
        if missing or pending_links:
            self._store(cur, missing, pending_links)

    def _store(
        self,
        cur: duckdb.DuckDBPyConnection,
        missing: set[tuple[str, str]],
        links: list[tuple[str, str, str]],
    ) -> None:
        for kind, a, b in links:
            known = self.get(kind, a) or self.get(kind, b)
            target = known if known is not None else self._create(cur, kind, a)
            for name in (a, b):
                if self.get(kind, name) is None:
                    self._insert(cur, kind, name, target)
        for kind, name in sorted(missing):
            known = self.get(kind, name)
            if known is None:
                self._create(cur, kind, name)
            elif (kind, name) not in self._stored:
                self._insert(cur, kind, name, known)  # another spelling of a known name

    def _reload(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Pick up names another writer stored since this mapping was loaded."""
        rows = cur.execute(
            "SELECT kind, name, id FROM name_ids WHERE account_id = ?", [self._account_id]
        ).fetchall()
        for kind, name, id_ in rows:
            self._remember(kind, name, id_)

    def _create(self, cur: duckdb.DuckDBPyConnection, kind: str, name: str) -> int:
        new_id = next_id(cur, f"name_ids/{self._account_id}/{kind}")
        self._insert(cur, kind, name, new_id)
        return new_id

    def _insert(self, cur: duckdb.DuckDBPyConnection, kind: str, name: str, id_: int) -> None:
        cur.execute(
            "INSERT INTO name_ids VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [self._account_id, kind, name, id_],
        )
        self._remember(kind, name, id_)

    def _remember(self, kind: str, name: str, id_: int) -> None:
        self._ids.setdefault((kind, fold(kind, name)), id_)
        self._stored.add((kind, name))


def list_names(db: Database, account_id: int, kind: str | None = None) -> list[NameId]:
    """Every name of the account (optionally of one kind), ordered by kind, id, name."""
    sql = "SELECT kind, name, id FROM name_ids WHERE account_id = ?"
    params: list[object] = [account_id]
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    rows = db.reader().execute(sql + " ORDER BY kind, id, name", params).fetchall()
    return [NameId(k, n, int(i)) for k, n, i in rows]


def link_name(db: Database, account_id: int, kind: str, alias: str, name: str) -> int:
    """Make `alias` another spelling of `name` (created if new); return the shared id.

    Raises ValueError if the alias already has an id of its own: stored events use it.
    """
    ids = NameIds(db, account_id)
    current = ids.get(kind, alias)
    ids.resolve([(kind, name)])
    target = ids[(kind, name)]
    if current is not None and current != target:
        raise ValueError(
            f"{kind} {alias!r} already has id {current}, {name!r} has id {target}; "
            "ids of imported names are never changed"
        )
    ids.resolve([], [(kind, name, alias)])
    return target


def name_documents(
    cur: duckdb.DuckDBPyConnection, account_id: int, named: dict[int, NamedEvent]
) -> dict[int, str]:
    """The write pipeline's names step: every name of the batch's named events gets its id
    (a new name a new id, in the order of the names; the links first), and each event
    becomes JSON text with the ids in its names' places."""
    if not named:
        return {}
    ids = NameIds(None, account_id)
    wanted: set[tuple[str, str]] = set()
    links: list[tuple[str, str, str]] = []
    for event in named.values():
        wanted.update(event.names())
        links.extend(event.links)
    ids.add(cur, wanted, links)
    by_name = {Name(*key): ids[key] for key in wanted}
    return {at: orjson.dumps(event.with_ids(by_name)).decode() for at, event in named.items()}
