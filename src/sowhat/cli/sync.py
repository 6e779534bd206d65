"""`sowhat sync`: compute every KR from the events and record this week's check-ins."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn

from sowhat.cli.common import actor_name, console, print_json, workspace_option
from sowhat.cli.okrs import database
from sowhat.errors import UserError
from sowhat.services.events import open_events
from sowhat.services.sync import SyncReport, sync
from sowhat.spec.workspace import load_workspace


def _parse_as_of(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date or time; write 2026-11-16 or "
                                 "2026-11-16T09:00") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def sync_command(
    workspace: Path = workspace_option(),
    as_of: str = typer.Option(None, "--as-of", help="Compute as of this UTC date/time "
                              "(default: now)."),
    period: str = typer.Option(None, help="Period label (default: the open one covering as-of)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable report."),
) -> None:
    """Compute every KR's metric to date, record weekly automatic check-ins, check guardrails.

    Idempotent: a second run records nothing new. The whole sync is one transaction.
    Example: sowhat sync -w sowhat-demo --as-of 2026-11-16
    """
    ws = load_workspace(workspace)
    if ws.metrics is None:
        raise UserError("no metrics.yaml in the workspace", hint="define metrics first")
    moment = _parse_as_of(as_of)
    # A testing aid: slow each step so a test can kill a sync halfway through.
    delay = float(os.environ.get("SOWHAT_SYNC_STEP_DELAY", "0") or 0)
    db = database(ws, create=False)
    events = open_events(ws)
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(),
                      TextColumn("{task.completed}/{task.total}"), console=console,
                      transient=True, disable=as_json) as bar:
            task = bar.add_task("syncing", total=None)

            def step(label: str, done: int, total: int) -> None:
                bar.update(task, description=label, completed=done, total=total)
                if delay:
                    time.sleep(delay)

            with db.transaction() as session:
                report = sync(session=session, catalog=ws.metrics, events=events,
                              as_of=moment, actor=actor_name(), period=period, progress=step)
    finally:
        events.close()
        db.dispose()
    if as_json:
        from dataclasses import asdict

        print_json(asdict(report))
    else:
        render_sync(report)
    if report.errors:
        raise typer.Exit(1)


def render_sync(report: SyncReport) -> None:
    console.print(f"[bold]sync {report.period}[/bold] as of {report.as_of:%Y-%m-%d %H:%M} UTC: "
                  f"{len(report.key_results)} key results, "
                  f"{report.checkins_written} check-in value(s) written")
    for kr in report.key_results:
        shown = "—" if kr.value is None else f"{kr.value:.4g}"
        extra = f"  [red]{kr.error}[/red]" if kr.error else ""
        if kr.definition_changed:
            extra += ("  [yellow]metric definition changed since the baseline was set[/yellow]")
        console.print(f"  {kr.kr_id:<26} {kr.metric:<28} {shown:>10}{extra}")
    for g in report.breached:
        console.print(f"[red]guardrail breached[/red] {g.objective_id}: {g.breach}")
    for error in report.errors:
        console.print(f"[red]error[/red] {error}")


def register(app: typer.Typer) -> None:
    app.command("sync")(sync_command)
