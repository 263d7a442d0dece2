"""Names that stand for ids: queue_log queues and agents, before the write pipeline maps
them to the account's persistent integer ids (storage/names.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

KINDS = ("queue", "agent")
# The event fields that can hold a Name.
NAMED_FIELDS = ("user_id", "queue_id")


class Name(NamedTuple):
    kind: str  # one of KINDS
    name: str


def fold(kind: str, name: str) -> str:
    """The matching key of a name: Asterisk finds queues and member interfaces (TECH/resource)
    ignoring case, and logs ENTERQUEUE with the dialplan's spelling of the queue."""
    return name.casefold() if kind == "queue" or "/" in name else name


@dataclass(slots=True)  # not frozen: made once per event, and frozen init costs twice
class NamedEvent:
    """A SPEC event whose id fields are names (the pipeline puts their ids in their places).

    event: the event, with a Name as the value of each field to map (NAMED_FIELDS).
    event_id: (prefix, field, suffix): the event_id is prefix + the field's id + suffix.
    links: (kind, a, b): the file shows b to be another spelling of a (b gets a's id).
    """

    event: dict[str, Any]
    event_id: tuple[str, str, str] | None = None
    links: tuple[tuple[str, str, str], ...] = field(default=())

    def names(self) -> list[Name]:
        return [v for k in NAMED_FIELDS if isinstance(v := self.event.get(k), Name)]

    def with_ids(self, ids: dict[Name, int]) -> dict[str, Any]:
        """The event with every Name replaced by its id (and its event_id made)."""
        event = dict(self.event)  # the same key order
        for k in NAMED_FIELDS:
            if isinstance(v := event.get(k), Name):
                event[k] = ids[v]
        if self.event_id is not None:
            prefix, name_field, suffix = self.event_id
            event["event_id"] = f"{prefix}{event[name_field]}{suffix}"
        return event
