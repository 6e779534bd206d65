"""`sowhat notify`: send this week's alerts to the webhooks of sowhat.toml."""

from __future__ import annotations

from pathlib import Path

import typer

from sowhat.cli.common import console, database, err_console, print_json, workspace_option
from sowhat.domain.words import counted
from sowhat.errors import UserError
from sowhat.services.notify import DeliveryOutcome, pending_deliveries
from sowhat.services.schedule.jobs import run_notifications
from sowhat.spec.workspace import load_workspace


def notify(
    workspace: Path = workspace_option(),
    as_of: str = typer.Option(None, "--as-of", help="Alerts as of this UTC date (default: "
                              "now): missing check-ins are for the last full week before it."),
    period: str = typer.Option(None, help="Only this period (default: open periods)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be sent."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Send guardrail breaches, missing check-ins and change-mind alerts to [[webhooks]].

    Each alert goes to each webhook at most once a week; failed deliveries are retried with
    backoff now and again on the next run. `sowhat sync` runs this after it commits.
    Example: sowhat notify -w sowhat-demo --as-of 2026-11-16 --dry-run
    """
    from sowhat.cli.sync import _parse_as_of

    ws = load_workspace(workspace)
    if not ws.config.webhooks:
        raise UserError("no webhooks configured",
                        hint='add [[webhooks]] url = "https://..." events = '
                        '["guardrail_breached", "checkin_missing", "change_mind"] to '
                        "sowhat.toml")
    moment = _parse_as_of(as_of)
    db = database(ws, create=False)
    try:
        if dry_run:
            with db.transaction(write=False) as session:
                pending = pending_deliveries(session=session, webhooks=ws.config.webhooks,
                                             as_of=moment, period=period,
                                             catalog=ws.metrics)
            if as_json:
                print_json([{"host": _host(p.url), "event": p.alert.event, "key": p.alert.key,
                             "title": p.alert.title} for p in pending])
            else:
                for p in pending:
                    console.print(f"would send to {_host(p.url)}: {p.alert.title}")
                console.print(f"{counted(len(pending), 'alert')} pending")
            return
        count, outcomes = run_notifications(db=db, ws=ws, as_of=moment, period=period)
    finally:
        db.dispose()
    render_outcomes(count, outcomes, as_json=as_json)
    if any(not o.delivered for o in outcomes):
        raise typer.Exit(1)


def render_outcomes(count: int, outcomes: tuple[DeliveryOutcome, ...], *,
                    as_json: bool = False) -> None:
    if as_json:
        print_json([{"host": o.host, "event": o.alert.event, "key": o.alert.key,
                     "delivered": o.delivered, "attempts": o.attempts,
                     "status": o.response_status, "error": o.error} for o in outcomes])
        return
    for o in outcomes:
        if o.delivered:
            console.print(f"sent to {o.host}: {o.alert.title}"
                          + (f" [dim]({o.attempts} attempts)[/dim]" if o.attempts > 1 else ""))
        else:
            err_console.print(f"[red]not delivered[/red] to {o.host} after "
                              f"{counted(o.attempts, 'attempt')}: {o.error}; "
                              "retried on the next run")
    if not count:
        console.print("nothing new to send")


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc.rsplit("@", 1)[-1]


def register(app: typer.Typer) -> None:
    app.command()(notify)
