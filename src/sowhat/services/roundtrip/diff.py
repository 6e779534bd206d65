"""File vs database vs their common ancestor, field by field.

For one period, three snapshots: what the file says now, what the database says now, and what
both said at the last apply or export (`state.FileState.snapshot`). Where file and database
differ, the ancestor tells who moved: the file (edited in git since), the web (edited in the
app or API since) or both. Without an ancestor (a workspace applied before this existed, or a
period never applied) the side is `unknown`.

A missing entity is the field `(exists)` being false, so "created in the web since the last
export" reads like any other edit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sowhat.errors import Conflict
from sowhat.services.roundtrip.snapshot import Snapshot, entity_label

__all__ = [
    "EXISTS", "EditedOnBothSides", "FieldDiff", "PeriodDiff", "Side", "describe", "diff_plans",
    "shown",
]

EXISTS = "(exists)"
_UNKNOWN = object()  # no ancestor recorded for the period
_NEW = object()  # the entity did not exist at the last apply/export


class Side(StrEnum):
    FILE = "file"  # edited in the file since the last apply/export
    WEB = "web"  # edited in the database (web app, API) since
    BOTH = "both"  # edited on both sides, differently
    UNKNOWN = "unknown"  # no common ancestor recorded


@dataclass(frozen=True)
class FieldDiff:
    entity: str  # "key result"
    key: str  # "2026-Q4/activation"
    field: str
    file: Any
    database: Any
    base: Any  # the value at the last apply/export (None when unknown)
    side: Side

    @property
    def web_edit(self) -> bool:
        return self.side in (Side.WEB, Side.BOTH)

    @property
    def file_edit(self) -> bool:
        return self.side in (Side.FILE, Side.BOTH)


@dataclass(frozen=True)
class PeriodDiff:
    period: str
    path: str | None  # the OKR file, None when the period exists only in the database
    in_database: bool
    file_changed: bool | None  # content hash differs from the last apply/export; None: unknown
    last_sync: str | None  # "export by ana@x at 2026-12-03 09:12"
    fields: tuple[FieldDiff, ...]

    @property
    def web_edits(self) -> tuple[FieldDiff, ...]:
        return tuple(f for f in self.fields if f.web_edit)

    @property
    def file_edits(self) -> tuple[FieldDiff, ...]:
        return tuple(f for f in self.fields if f.file_edit)

    @property
    def conflicts(self) -> tuple[FieldDiff, ...]:
        """Fields changed on both sides, differently: `apply` refuses these without --force."""
        return tuple(f for f in self.fields if f.side is Side.BOTH)

    @property
    def mergeable(self) -> bool:
        """File edits and web edits to different fields: `apply` keeps both."""
        return bool(self.web_edits) and bool(self.file_edits) and not self.conflicts

    @property
    def same(self) -> bool:
        return not self.fields and self.in_database and self.path is not None


def diff_plans(
    *,
    period: str,
    path: str | None,
    file: Snapshot | None,
    database: Snapshot | None,
    base: Snapshot | None,
    file_changed: bool | None = None,
    last_sync: tuple[str, str, datetime] | None = None,
) -> PeriodDiff:
    """Every field where `file` and `database` differ, with who changed it since `base`."""
    out: list[FieldDiff] = []
    file_s, db_s = file or {}, database or {}
    for key in dict.fromkeys([*file_s, *db_s]):
        f_fields, d_fields = file_s.get(key), db_s.get(key)
        entity, shown = entity_label(key)
        b_fields = base.get(key) if base is not None else None
        if f_fields is None or d_fields is None:
            b_exists = _UNKNOWN if base is None else b_fields is not None
            found = _field(entity, shown, EXISTS, f_fields is not None, d_fields is not None,
                           b_exists)  # fmt: skip
            present = f_fields if f_fields is not None else d_fields
            if b_fields is not None and present is not None and _edited(present, b_fields):
                found = replace(found, side=Side.BOTH)  # removed on one side, edited on the other
            out.append(found)
            continue
        for name in dict.fromkeys([*f_fields, *d_fields]):
            f_val, d_val = f_fields.get(name), d_fields.get(name)
            if f_val == d_val:
                continue
            if base is None:
                b_val: Any = _UNKNOWN
            elif b_fields is None:
                b_val = _NEW  # created on both sides since: neither matches the ancestor
            else:
                # a field the base predates (a snapshot taken before an upgrade added it,
                # e.g. a guardrail's over_days) had no value then, not a conflicting one
                b_val = b_fields.get(name)
            out.append(_field(entity, shown, name, f_val, d_val, b_val))
    when = None
    if last_sync is not None:
        action, actor, at = last_sync
        when = f"{action} by {actor} at {at:%Y-%m-%d %H:%M} UTC"
    return PeriodDiff(period=period, path=path, in_database=database is not None,
                      file_changed=file_changed, last_sync=when, fields=tuple(out))  # fmt: skip


def _field(entity: str, key: str, name: str, file: Any, database: Any, base: Any) -> FieldDiff:
    if base is _UNKNOWN:
        return FieldDiff(entity, key, name, file, database, None, Side.UNKNOWN)
    file_moved, web_moved = file != base, database != base
    side = Side.BOTH if file_moved and web_moved else Side.FILE if file_moved else Side.WEB
    return FieldDiff(entity, key, name, file, database, None if base is _NEW else base, side)


def _edited(fields: dict[str, Any], base: dict[str, Any]) -> bool:
    """Whether an entity's fields moved from the base (its position aside: that follows
    from its neighbours)."""
    return any(fields.get(k) != base.get(k) for k in {*fields, *base} - {"position"})


def shown(value: Any) -> str:
    """A field value for people: `—` for nothing, JSON-ish otherwise."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return ", ".join(shown(v) for v in value) or "none"
    return str(value)


def describe(d: FieldDiff) -> str:
    """`key result 2026-Q4/activation · target: file 0.5 | database 0.48 (web edit)`."""
    side = {Side.FILE: "edited in the file", Side.WEB: "edited in the web",
            Side.BOTH: "edited on both sides", Side.UNKNOWN: "no record of who"}[d.side]
    base = f"; was {shown(d.base)}" if d.side is Side.BOTH else ""
    return (f"{d.entity} {d.key} · {d.field}: file {shown(d.file)} | database "
            f"{shown(d.database)} ({side}{base})")  # fmt: skip


class EditedOnBothSides(Conflict):
    """`apply` would overwrite web edits, or `export` file edits, made since the last sync.

    Carries the diffs, so a shell can show them; `render()` lists them field by field.
    """

    def __init__(self, diffs: list[PeriodDiff], *, step: str) -> None:
        self.diffs = diffs
        self.step = step
        lost = [f for d in diffs for f in (d.web_edits if step == "apply" else d.file_edits)]
        self.lost = lost
        other = "web" if step == "apply" else "file"
        plural = "s" if len(lost) != 1 else ""
        if step == "apply":
            hint = ("make the file say what you want on these fields (or change them in the "
                    "web to match), or `sowhat apply --force` to let the file win on them (the "
                    "audit log keeps what the web said); web edits to other fields are kept "
                    "either way")
            what = (f"`sowhat apply` would overwrite {len(lost)} web edit{plural} to a field "
                    "the file also changed since the last apply/export; nothing was written")
        else:
            hint = ("run `sowhat apply` to bring the file edits in first, or `sowhat export "
                    "--force` to let the database win")
            what = (f"`sowhat {step}` would overwrite {len(lost)} {other} edit{plural} made "
                    "since the last apply/export; nothing was written")
        super().__init__(what, hint=hint)

    def render(self) -> str:
        lines = [self.message + ":"]
        lines += [f"  {describe(f)}" for f in self.lost]
        lines.append(f"hint: {self.hint}")
        return "\n".join(lines)
