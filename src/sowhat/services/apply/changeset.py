"""The values `sowhat apply` produces: what changes, field by field, per entity.

`ChangeSet` is what the shells render (CLI plan, API response); `PlannedOp` and
`PlannedChanges` carry the same plan plus the rows it refers to from the planner to the
writer, and stay inside `sowhat.services`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sowhat.domain.okr import Plan
from sowhat.store import repositories

__all__ = [
    "ChangeKind",
    "ChangeSet",
    "Counts",
    "EntityChange",
    "EntityType",
    "FieldChange",
    "PlannedChanges",
    "PlannedOp",
]

Fields = dict[str, Any]


class EntityType(StrEnum):
    TEAM = "team"
    PERIOD = "period"
    OBJECTIVE = "objective"
    KEY_RESULT = "key_result"
    GUARDRAIL = "guardrail"
    BET = "bet"


class ChangeKind(StrEnum):
    ADD = "add"
    CHANGE = "change"
    ARCHIVE = "archive"
    RESTORE = "restore"  # an archived entity is back in the files
    DELETE = "delete"  # guardrails only


@dataclass(frozen=True)
class FieldChange:
    """One field's old and new value, JSON-ready (dates as ISO text, changes as "+10%")."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class EntityChange:
    entity_type: EntityType
    key: str  # team id, period label, or "<period>/<id>" (guardrails: ".../guardrail:<metric>")
    kind: ChangeKind
    fields: tuple[FieldChange, ...] = ()

    @property
    def moved_only(self) -> bool:
        """Only its position changed: renderers may show these compactly."""
        return self.kind == ChangeKind.CHANGE and all(f.field == "position" for f in self.fields)


@dataclass(frozen=True)
class Counts:
    added: int = 0
    changed: int = 0
    archived: int = 0
    restored: int = 0
    deleted: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class ChangeSet:
    """What apply would do (or did, when `applied`), in file order by entity type."""

    changes: tuple[EntityChange, ...]
    unchanged: tuple[tuple[EntityType, int], ...]
    fingerprint: str  # of the stored state the plan was computed against
    applied: bool = False

    @property
    def empty(self) -> bool:
        return not self.changes

    def of_kind(self, kind: ChangeKind) -> tuple[EntityChange, ...]:
        return tuple(c for c in self.changes if c.kind == kind)

    def counts(self) -> dict[EntityType, Counts]:
        """Per entity type, every type present, in a stable order."""
        tally = Counter((c.entity_type, c.kind) for c in self.changes)
        same = dict(self.unchanged)
        return {
            t: Counts(
                added=tally[t, ChangeKind.ADD],
                changed=tally[t, ChangeKind.CHANGE],
                archived=tally[t, ChangeKind.ARCHIVE],
                restored=tally[t, ChangeKind.RESTORE],
                deleted=tally[t, ChangeKind.DELETE],
                unchanged=same.get(t, 0),
            )
            for t in EntityType
        }


@dataclass
class PlannedOp:
    """One entity's change plus what the writer needs to carry it out."""

    change: EntityChange
    row: Any  # the stored row; None when adding
    local_key: str  # team id, period label, or the id within the period
    period: str | None = None
    desired: Fields | None = None
    before: Fields | None = None  # audit "before"


@dataclass
class PlannedChanges:
    changeset: ChangeSet
    ops: list[PlannedOp]
    plans: dict[str, Plan] = field(default_factory=dict)
    contents: dict[str, repositories.PeriodContents] = field(default_factory=dict)
