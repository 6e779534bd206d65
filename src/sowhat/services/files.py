"""OKRs as code, both ways: make the database match the files, and the files match the database.

Neither direction silently throws the other side's edits away (`sowhat.services.roundtrip`):
each merges the other side's edits to fields it did not change itself, and refuses where
the same field was changed on both sides; `force=True` lets the step's own side win, and the
audit log records what was overwritten. After either, the database remembers each file's
content hash and what both agreed on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sowhat.domain.okr import Plan
from sowhat.errors import UserError
from sowhat.services.apply.run import ChangeSet, apply_changes, plan_changes
from sowhat.services.authoring.periods import draft_labels
from sowhat.services.plans import load_plans
from sowhat.services.roundtrip import (
    EditedOnBothSides,
    FieldDiff,
    PeriodDiff,
    content_hash,
    diff_plans,
    file_states,
    plan_snapshot,
    record_state,
)
from sowhat.services.roundtrip.merge import Merge, merge_plan
from sowhat.spec.dump import dump_plan, merge_plan_text
from sowhat.spec.metric_defs import metric_definition_hash
from sowhat.spec.workspace import LoadedPlan, Workspace
from sowhat.spec.yamlio import read_text
from sowhat.store import repositories
from sowhat.store.models import AuditEntryRow

_PLAN_ENTITIES = ("period", "objective", "key_result", "guardrail", "bet")


def metric_hashes(workspace: Workspace) -> dict[str, str]:
    if workspace.metrics is None:
        return {}
    catalog = workspace.metrics
    return {name: metric_definition_hash(d, catalog=catalog) for name, d in catalog.metrics.items()}


def apply_workspace(
    *, session: Session, workspace: Workspace, actor: str, dry_run: bool = False,
    force: bool = False, now: datetime | None = None, rebaseline: bool = False,
) -> ChangeSet:
    """The plan of changes, applied unless `dry_run`. The caller commits.

    Web edits made since the last apply/export are merged, not overwritten: where the file
    changed one field and the web another, the database gets both (`roundtrip.merge`).
    Raises `EditedOnBothSides` (nothing written) when the same field was changed on both
    sides, unless `force`, which lets the file win on those fields (the audit log keeps
    what the web said).
    """
    merges = merge_workspace(session=session, workspace=workspace)
    conflicts = [replace(m.diff, fields=m.conflicts) for m in merges.values() if m.conflicts]
    plans = [merges[lp.plan.period.label].plan if lp.plan.period.label in merges else lp.plan
             for lp in workspace.plans]  # fmt: skip
    teams = workspace.config.team_values()
    hashes = metric_hashes(workspace)
    if dry_run:
        return plan_changes(session=session, plans=plans, teams=teams, metric_hashes=hashes,
                            rebaseline=rebaseline)
    if conflicts and not force:
        raise EditedOnBothSides(conflicts, step="apply")
    changes = apply_changes(
        session=session, plans=plans, teams=teams, metric_hashes=hashes, actor=actor, now=now,
        rebaseline=rebaseline,
    )
    for lp in workspace.plans:
        label = lp.plan.period.label
        merge = merges.get(label)
        record_state(session=session, period=label, path=lp.document.path,
                     root=workspace.root, text=lp.document.text,
                     snapshot=plan_snapshot(lp.plan), action="apply", actor=actor,
                     overwritten=_lost(merge.conflicts if merge else ()),
                     merged=_lost(merge.kept if merge and merge.file_changed else ()),
                     now=now)  # fmt: skip
    return changes


@dataclass(frozen=True)
class PeriodMerge:
    """One period's three-way merge, as `apply` would do it."""

    diff: PeriodDiff  # file vs database vs base
    merge: Merge

    @property
    def period(self) -> str:
        return self.diff.period

    @property
    def plan(self) -> Plan:
        return self.merge.plan

    @property
    def conflicts(self) -> tuple[FieldDiff, ...]:
        return self.merge.conflicts

    @property
    def kept(self) -> tuple[FieldDiff, ...]:
        return self.merge.kept

    @property
    def file_changed(self) -> bool:
        """The file has edits of its own: applying it is a merge, worth an audit entry."""
        return bool(self.diff.file_edits)


def merge_workspace(*, session: Session, workspace: Workspace) -> dict[str, PeriodMerge]:
    """Per period with web edits since the last apply/export: the merged plan `apply`
    writes, the web edits it keeps and the fields edited on both sides (conflicts)."""
    files = {lp.plan.period.label: lp for lp in workspace.plans}
    out = {}
    for d in diff_workspace(session=session, workspace=workspace):
        if d.path is None or not d.in_database or d.period not in files:
            continue
        if not d.web_edits:
            continue
        [stored] = load_plans(session=session, period=d.period)
        out[d.period] = PeriodMerge(d, merge_plan(file=files[d.period].plan, database=stored,
                                                  diff=d))  # fmt: skip
    return out


def apply_conflicts(*, session: Session, workspace: Workspace) -> list[PeriodDiff]:
    """The periods with fields `apply` cannot merge (for a dry run's warning), each with
    only those fields."""
    return [replace(m.diff, fields=m.conflicts)
            for m in merge_workspace(session=session, workspace=workspace).values()
            if m.conflicts]  # fmt: skip


def diff_workspace(
    *, session: Session, workspace: Workspace, period: str | None = None
) -> list[PeriodDiff]:
    """What differs between each OKR file and the database, and who changed it since the
    last apply/export. Periods only in the database (planned in the web) are listed too."""
    files = {lp.plan.period.label: lp for lp in workspace.plans}
    stored = {r.label: r for r in repositories.all_periods(session)}
    labels = sorted(set(files) | set(stored),
                    key=lambda lb: (stored[lb].start if lb in stored
                                    else files[lb].plan.period.start, lb))  # fmt: skip
    if period is not None:
        if period not in labels:
            raise UserError(f"no OKR file or stored period {period!r}",
                            hint="known: " + ", ".join(labels))  # fmt: skip
        labels = [period]
    states = file_states(session=session)
    out = []
    for label in labels:
        lp = files.get(label)
        state = states.get(label)
        db_snap = None
        if label in stored:
            db_snap = plan_snapshot(load_plans(session=session, period=label)[0])
        file_changed = None
        if lp is not None and state is not None:
            file_changed = content_hash(lp.document.text) != state.content_hash
        out.append(diff_plans(
            period=label, path=_shown_path(lp, workspace.root) if lp else None,
            file=plan_snapshot(lp.plan) if lp else None, database=db_snap,
            base=state.snapshot if state else None, file_changed=file_changed,
            last_sync=(state.action, state.actor, state.recorded_at) if state else None,
        ))  # fmt: skip
    return out


@dataclass(frozen=True)
class ExportedFile:
    path: Path
    changed: bool
    period: str = ""
    editors: tuple[str, ...] = field(default=())  # web editors since the last apply/export
    kept_file_edits: int = 0  # unapplied file edits merged into what was written


def export_workspace(
    *, session: Session, workspace: Workspace, out_dir: Path | None = None,
    period: str | None = None, force: bool = False, actor: str = "export",
) -> list[ExportedFile]:
    """Write each published period's plan from the database to YAML.

    Into the workspace's own okrs/ folder, existing files are merged (comments and spelling
    kept) and the new state is remembered. File edits not applied yet are merged the way
    `apply` merges web edits: a field only the file changed keeps the file's value (it is
    still an unapplied file edit afterwards: the state remembered is the database's plan);
    a field both sides changed differently refuses (`EditedOnBothSides`) unless `force`,
    which lets the database win everywhere. Into another folder, files are written in the
    canonical layout unless one exists. Files are replaced atomically so an interrupted
    export never leaves half a file. Draft periods are left out until published.
    """
    drafts = draft_labels(session=session)
    if period is not None and period in drafts:
        raise UserError(f"period {period} is a draft",
                        hint="publish it in the planning view first")  # fmt: skip
    own = out_dir is None
    target = out_dir or workspace.okrs_dir
    existing = {lp.plan.period.label: lp.document.path for lp in workspace.plans}
    plans = [p for p in load_plans(session=session, period=period)
             if p.period.label not in drafts]  # fmt: skip
    diffs: dict[str, PeriodDiff] = {}
    if own:
        for d in diff_workspace(session=session, workspace=workspace, period=period):
            if d.path is not None and d.in_database and d.period not in drafts:
                diffs[d.period] = d
        blocked = [replace(d, fields=d.conflicts) for d in diffs.values() if d.conflicts]
        if blocked and not force:
            raise EditedOnBothSides(blocked, step="export")
    files = {lp.plan.period.label: lp.plan for lp in workspace.plans}
    states = file_states(session=session)
    rendered = []
    for plan in plans:
        path = _path_for(plan, target, existing if own else {})
        label = plan.period.label
        written, kept = plan, 0
        if own and not force and label in diffs and diffs[label].file_edits:
            merged = merge_plan(file=files[label], database=plan, diff=diffs[label])
            written, kept = merged.plan, len(diffs[label].file_edits)
        text = _render(written, path)
        old = path.read_text("utf-8") if path.exists() else None
        rendered.append((plan, path, text, old, kept))
    results = []
    for plan, path, text, old, kept in rendered:
        if old != text:
            _atomic_write(path, text)
        label = plan.period.label
        editors: tuple[str, ...] = ()
        if own:
            state = states.get(label)
            editors = _editors_since(session, label, state.recorded_at if state else None)
            lost = diffs[label].file_edits if label in diffs and force else ()
            record_state(session=session, period=label, path=path, root=workspace.root,
                         text=text, snapshot=plan_snapshot(plan), action="export",
                         actor=actor, overwritten=_lost(lost))  # fmt: skip
        results.append(ExportedFile(path, old != text, label, editors, kept))
    return results


def _lost(diffs: Sequence[FieldDiff]) -> list[dict[str, Any]]:
    return [{"entity": f"{d.entity} {d.key}", "field": d.field, "file": d.file,
             "database": d.database} for d in diffs]  # fmt: skip


def _editors_since(session: Session, label: str, since: datetime | None) -> tuple[str, ...]:
    """People (not apply or sync) who changed this period's plan since `since`, latest first."""
    query = (select(AuditEntryRow.actor, AuditEntryRow.at)
             .where(AuditEntryRow.entity_type.in_(_PLAN_ENTITIES),
                    AuditEntryRow.entity_key.startswith(label, autoescape=True))
             .order_by(AuditEntryRow.id.desc()))  # fmt: skip
    if since is not None:
        query = query.where(AuditEntryRow.at > since)
    seen: dict[str, None] = {}
    for actor, _at in session.execute(query):
        if "@" in actor:  # people log in with an email; CLI and sync actors do not
            seen.setdefault(actor, None)
    return tuple(seen)


def _shown_path(lp: LoadedPlan, root: Path) -> str:
    try:
        return str(lp.document.path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(lp.document.path)


def _path_for(plan: Plan, folder: Path, existing: dict[str, Path]) -> Path:
    return existing.get(plan.period.label, folder / f"{plan.period.label}.yaml")


def _render(plan: Plan, path: Path) -> str:
    if path.exists():
        return merge_plan_text(read_text(path, str(path)), plan)
    return dump_plan(plan)


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
