"""The commands that touch only the workspace's files: init and validate.

Kept apart from `okrs.py` so they import no database, store or engine: `sowhat validate` runs
in editors, pre-commit hooks and CI on every change, and importing SQLAlchemy for it cost more
than reading the files.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sowhat.cli.common import console, workspace_option
from sowhat.domain.words import counted
from sowhat.services.init import init_workspace
from sowhat.spec.workspace import load_workspace


def init(
    path: Path = typer.Argument(Path("."), help="Folder to create the workspace in."),
    name: str = typer.Option(None, help="Workspace name (default: the folder name)."),
    period: str = typer.Option(None, help="First period, e.g. 2026-Q4 (default: this quarter)."),
    force: bool = typer.Option(False, "--force", help="Overwrite existing files."),
) -> None:
    """Create a workspace: sowhat.toml, metrics.yaml, tracking-plan.yaml, okrs/<period>.yaml.

    Example: sowhat init my-okrs --period 2026-Q4
    """
    written = init_workspace(root=path, name=name, period=period, force=force)
    for p in written:
        console.print(f"created {p}")
    console.print(f"next: edit the files, then `sowhat validate -w {path}` and `sowhat apply`")


def validate(workspace: Path = workspace_option()) -> None:
    """Check every workspace file and the references between them; exit 1 on any error.

    Example: sowhat validate -w my-okrs
    """
    ws = load_workspace(workspace)
    krs = sum(len(lp.plan.key_results()) for lp in ws.plans)
    objectives = sum(len(lp.plan.objectives) for lp in ws.plans)
    metrics = len(ws.metrics.metrics) if ws.metrics else 0
    for warning in ws.warnings:
        console.print(f"[yellow]warning[/yellow] {warning.render()}")
    console.print(
        f"ok: {counted(len(ws.plans), 'OKR file')}, {objectives} objectives, {krs} key results, "
        f"{metrics} metrics"
    )


def register(app: typer.Typer) -> None:
    for fn in (init, validate):
        app.command()(fn)
