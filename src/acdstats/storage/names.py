"""Integer ids for names found in imported files (queue_log queues and agents), per account.

The mapping is persistent (table `name_ids`): the same name always gets the same id, so that
users can ask GetACDOperatorStatistics for it. Several names may share one id (aliases): the
spellings of one agent that the log shows to be the same member.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from acdstats.storage.db import Database

KINDS = ("queue", "agent")


@dataclass(frozen=True, slots=True)
class NameId:
    kind: str
    name: str
    id: int


def fold(kind: str, name: str) -> str:
    """The matching key of a name: Asterisk finds queues and member interfaces (TECH/resource)
    ignoring case, and logs ENTERQUEUE with the dialplan's spelling of the queue."""
    return name.casefold() if kind == "queue" or "/" in name else name


class NameIds:
    """The name -> id mapping of one account, cached in memory for one import.

    `resolve` gives ids to every name not seen before, in one write transaction per call,
    so an importer calls it once per chunk of lines, never once per line.
    """

    def __init__(self, db: Database, account_id: int) -> None:
        self._db = db
        self._account_id = account_id
        self._ids: dict[tuple[str, str], int] = {}  # (kind, folded name) -> id
        self._stored: set[tuple[str, str]] = set()  # (kind, name) exactly as stored
        for row in list_names(db, account_id):
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
        with self._db.writer() as cur:
            self._reload(cur)
            for kind, a, b in pending_links:
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
        new_id = self._db.next_id(cur, f"name_ids/{self._account_id}/{kind}")
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
