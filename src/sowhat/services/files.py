"""OKRs as code, both ways: make the database match the files, and the files match the database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from sowhat.domain.okr import Plan
from sowhat.services.apply import ChangeSet, apply_changes, plan_changes
from sowhat.services.plans import load_plans
from sowhat.spec.dump import dump_plan, merge_plan_text
from sowhat.spec.metric_defs import metric_definition_hash
from sowhat.spec.workspace import Workspace
from sowhat.spec.yamlio import read_text


def metric_hashes(workspace: Workspace) -> dict[str, str]:
    if workspace.metrics is None:
        return {}
    catalog = workspace.metrics
    return {name: metric_definition_hash(d, catalog=catalog) for name, d in catalog.metrics.items()}


def apply_workspace(
    *, session: Session, workspace: Workspace, actor: str, dry_run: bool = False
) -> ChangeSet:
    """The plan of changes, applied unless `dry_run`. The caller commits."""
    plans = [lp.plan for lp in workspace.plans]
    teams = workspace.config.team_values()
    hashes = metric_hashes(workspace)
    if dry_run:
        return plan_changes(session=session, plans=plans, teams=teams, metric_hashes=hashes)
    return apply_changes(
        session=session, plans=plans, teams=teams, metric_hashes=hashes, actor=actor
    )


@dataclass(frozen=True)
class ExportedFile:
    path: Path
    changed: bool


def export_workspace(
    *, session: Session, workspace: Workspace, out_dir: Path | None = None,
    period: str | None = None,
) -> list[ExportedFile]:
    """Write each period's plan from the database to YAML.

    Into the workspace's own okrs/ folder, existing files are merged (comments and spelling
    kept); into another folder, files are written in the canonical layout unless one exists.
    Files are replaced atomically so an interrupted export never leaves half a file.
    """
    target = out_dir or workspace.okrs_dir
    existing = {lp.plan.period.label: lp.document.path for lp in workspace.plans}
    results = []
    for plan in load_plans(session=session, period=period):
        path = _path_for(plan, target, existing if out_dir is None else {})
        text = _render(plan, path)
        old = path.read_text("utf-8") if path.exists() else None
        if old != text:
            _atomic_write(path, text)
        results.append(ExportedFile(path, old != text))
    return results


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
