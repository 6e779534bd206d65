"""`sowhat sync`: compute every KR from the events and record this week's check-ins."""

from __future__ import annotations

import gc
import os
import time
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from sowhat.cli.common import actor_name, console, err_console, print_json, workspace_option
from sowhat.domain.units import format_value
from sowhat.domain.words import counted
from sowhat.errors import UserError
from sowhat.services.events import event_source_spec, open_events
from sowhat.services.schedule.lock import sync_lock
from sowhat.services.sync import SyncReport, sync
from sowhat.services.sync.asof import refuse_future, resolve_as_of
from sowhat.spec.workspace import Workspace, load_workspace
from sowhat.store.db import Database, open_database

if TYPE_CHECKING:
    from rich.progress import Progress

    from sowhat.services.notify import DeliveryOutcome

# Notifications (and the forecasts and statistics behind their signals) are imported only
# when a sync sends them: a whole `sowhat sync` process spent most of its CPU importing.


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
    notify: bool = typer.Option(True, "--notify/--no-notify",
                                help="After the commit, send new alerts to [[webhooks]]."),
    wait: float = typer.Option(0, "--wait", metavar="SECONDS",
                               help="If another sync is running, wait up to this long "
                               "(default: exit 75 at once)."),
    full: bool = typer.Option(False, "--full", help="Recompute every week, series point and "
                              "baseline, not only those whose events or definition changed."),
) -> None:
    """Compute every KR's metric to date, record weekly automatic check-ins, check guardrails.

    Idempotent: a second run records nothing new. The whole sync is one transaction.
    One sync at a time per workspace: while another runs (a cron job, `sowhat serve`'s
    schedule) this one exits with code 75, or waits with --wait.
    Incremental: only values whose events or definition changed are recomputed; --full
    recomputes everything (the stored values come out the same).
    Example: sowhat sync -w sowhat-demo --as-of 2026-11-16
    """
    ws = load_workspace(workspace)
    if ws.metrics is None:
        raise UserError("no metrics.yaml in the workspace", hint="define metrics first")
    requested = _parse_as_of(as_of) if as_of is not None else None
    refuse_future(requested)
    # A testing aid: slow each step so a test can kill a sync halfway through.
    delay = float(os.environ.get("SOWHAT_SYNC_STEP_DELAY", "0") or 0)
    db = open_database(ws.config.database_url(ws.root), create=False)
    with sync_lock(ws.root, db=db, wait=wait):
        _sync_locked(ws, db, requested, period=period, as_json=as_json, notify=notify,
                     delay=delay, full=full)


def _sync_locked(ws: Workspace, db: Database, requested: datetime | None, *,
                 period: str | None, as_json: bool, notify: bool, delay: float,
                 full: bool = False) -> None:
    """The sync itself, run while this process holds the workspace's sync lock."""
    assert ws.metrics is not None
    events = open_events(ws)
    events.trust_ledger = not full  # --full: the watermark from the rows too
    events.trust_first_events = not full  # and cohorts from the events, not the kept firsts
    try:
        clock = resolve_as_of(events=events, spec=event_source_spec(ws), requested=requested)
        for warning in clock.warnings:
            err_console.print(f"[yellow]warning:[/yellow] {escape(warning)}")
        with _progress(as_json) as bar:
            task = bar.add_task("syncing", total=None) if bar is not None else None

            def step(label: str, done: int, total: int) -> None:
                if bar is not None and task is not None:
                    bar.update(task, description=label, completed=done, total=total)
                if delay:
                    time.sleep(delay)

            # Everything alive now (the imported modules, the workspace, the engines) lives
            # until the process ends, yet each full collection during the sync scanned it
            # all: ≈50-60 ms of an incremental sync's CPU at 10M events, for nothing freed.
            # Frozen, collections scan only what the sync itself allocates; thawed after, so
            # the exit's collection still finalises it all (DuckDB's bindings report what
            # is left unfreed).
            gc.freeze()
            try:
                with db.transaction() as session:
                    report = sync(session=session, catalog=ws.metrics, events=events,
                                  as_of=clock.effective, actor=actor_name(), period=period,
                                  progress=step, data_through=clock.data_through, full=full)
            finally:
                gc.unfreeze()
        sent = _notify_after_sync(db, ws, report, enabled=notify)
    finally:
        events.close()
        db.dispose()
    if as_json:
        from dataclasses import asdict

        data = asdict(report)
        if sent is not None:
            data["notifications"] = [
                {"host": o.host, "event": o.alert.event, "key": o.alert.key,
                 "delivered": o.delivered, "attempts": o.attempts, "error": o.error}
                for o in sent[1]
            ]
        print_json(data)
    else:
        render_sync(report)
        if sent is not None:
            from sowhat.cli.notify import render_outcomes

            render_outcomes(*sent)
    if report.errors:
        raise typer.Exit(1)


def _progress(quiet: bool) -> AbstractContextManager[Progress | None]:
    """The progress bar (none for --json: Rich's progress module is not even imported, a
    tenth of a second of a scheduled sync's start-up)."""
    if quiet:
        return nullcontext()
    from rich.progress import BarColumn, Progress, TextColumn

    return Progress(TextColumn("{task.description}"), BarColumn(),
                    TextColumn("{task.completed}/{task.total}"), console=console,
                    transient=True)


def _notify_after_sync(
    db: Database, ws: Workspace, report: SyncReport, *, enabled: bool
) -> tuple[int, tuple[DeliveryOutcome, ...]] | None:
    """Webhooks go out after the sync committed, never inside its transaction; a webhook
    problem is reported but does not fail a sync that already succeeded."""
    if not enabled or not ws.config.webhooks:
        return None
    from sowhat.services.schedule.jobs import run_notifications

    try:
        return run_notifications(db=db, ws=ws, as_of=report.as_of, period=report.period)
    except UserError as exc:
        err_console.print(f"[yellow]webhooks not sent:[/yellow] {exc.render()}")
        return None


def render_sync(report: SyncReport) -> None:
    through = (f"; data through {report.data_through:%Y-%m-%d %H:%M} UTC"
               if report.data_through else "")
    console.print(f"[bold]sync {report.period}[/bold] as of {report.as_of:%Y-%m-%d %H:%M} UTC"
                  f"{through}: {len(report.key_results)} key results, "
                  f"{counted(report.checkins_written, 'check-in value')} written")
    for kr in report.key_results:
        shown = format_value(kr.value, kr.unit)
        extra = f"  [red]{escape(kr.error)}[/red]" if kr.error else ""
        if kr.measure:
            extra += f"  [dim]{kr.measure}[/dim]"
        if kr.recomputed:
            extra += "  [yellow]definition changed: past weekly values recomputed[/yellow]"
        if kr.definition_changed:
            said = ("the data cannot confirm the typed baseline under the new one"
                    if kr.measured_baseline is None else
                    f"under the new one the data measures "
                    f"{format_value(kr.measured_baseline, kr.unit)} just before the period, "
                    "not the typed baseline")
            extra += (f"  [yellow]metric definition changed since the baseline was set, and "
                      f"{said}: check it still measures the same, then `sowhat apply "
                      "--rebaseline` (or type the new baseline)[/yellow]")
        console.print(f"  {kr.kr_id:<26} {kr.metric:<28} {shown:>10}{extra}")
    for g in report.breached:
        console.print(f"[red]guardrail breached[/red] {g.objective_id}: {g.breach}")
    for g in report.guardrails:
        if g.not_judged:
            console.print(f"[yellow]guardrail not judged[/yellow] {g.objective_id}: "
                          f"{escape(g.not_judged)}", highlight=False)
        if g.within_noise:
            console.print(f"[yellow]guardrail within noise[/yellow] {g.objective_id}: "
                          f"{escape(g.within_noise)}", highlight=False)
    for warning in report.warnings:
        console.print(f"[yellow]matches nothing[/yellow] {escape(warning)}", highlight=False)
    for warning in report.unmeasurable:
        console.print(f"[red]cannot measure[/red] {escape(warning)}", highlight=False)
    for warning in report.before_data:
        console.print(f"[yellow]before the data[/yellow] {escape(warning)}", highlight=False)
    for warning in report.unchecked_baselines:
        console.print(f"[yellow]baseline not checked[/yellow] {escape(warning)}",
                      highlight=False)
    if report.stale_ledger:
        console.print("[yellow]warning[/yellow] the event store's per-day ledger disagrees "
                      "with its rows (events changed outside `sowhat ingest`): incremental "
                      "syncs do not see such changes; run `sowhat ingest --reindex`")
    for error in report.errors:
        console.print(f"[red]error[/red] {escape(error)}")


def register(app: typer.Typer) -> None:
    app.command("sync")(sync_command)
