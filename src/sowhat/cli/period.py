"""`sowhat period close`: freeze a period's scores and carry unfinished KRs forward."""

from __future__ import annotations

from pathlib import Path

import typer

from sowhat.cli.common import actor_name, console, database, print_json, workspace_option
from sowhat.domain.units import format_value
from sowhat.services.periods import CloseResult, close_period, reopen_period, write_period_file
from sowhat.services.reviews.quarter import objective_attainment
from sowhat.spec.workspace import load_workspace

period_app = typer.Typer(help="Periods: close one, freezing its scores; reopen a closed one.",
                         no_args_is_help=True)  # fmt: skip


@period_app.command("close")
def close(
    period: str = typer.Argument(..., help="Period label, e.g. 2026-Q4."),
    carry: list[str] = typer.Option(
        [], "--carry", help="Key result ids to carry into the next period (repeat the option "
        "or separate ids with commas)."),
    carry_unfinished: bool = typer.Option(False, "--carry-unfinished",
                                          help="Carry every KR that did not count as met."),
    force: bool = typer.Option(False, "--force",
                               help="Close a period that has not ended yet."),
    workspace: Path = workspace_option(),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Close a period: final scores frozen, check-ins refused from now on, and the chosen
    unfinished key results added to the next period (database and okrs/ file).

    Example: sowhat period close 2026-Q4 --carry gr-activation,pl-mid-d7 -w sowhat-demo
    """
    ws = load_workspace(workspace)
    ids = [i.strip() for item in carry for i in item.split(",") if i.strip()]
    db = database(ws, create=False)
    try:
        with db.transaction() as session:
            result = close_period(session=session, workspace=ws, period=period,
                                  carry=ids, carry_unfinished=carry_unfinished,
                                  actor=actor_name(), force=force)
        files = []
        if result.next_period:
            # After the commit: a failed close must not leave a file behind.
            with db.transaction(write=False) as session:
                files = write_period_file(session=session, workspace=ws,
                                          period=result.next_period)
    finally:
        db.dispose()
    if as_json:
        from dataclasses import asdict

        print_json({**asdict(result), "files": [str(f.path) for f in files]})
        return
    _render(result)
    for f in files:
        console.print(f"{'wrote' if f.changed else 'unchanged'} {f.path}")


@period_app.command("reopen")
def reopen(
    period: str = typer.Argument(..., help="Period label, e.g. 2026-Q4."),
    workspace: Path = workspace_option(),
) -> None:
    """Undo a close: scores live again and check-ins are accepted (recorded in the audit log).
    KRs already carried into the next period stay there.

    Example: sowhat period reopen 2026-Q4 -w sowhat-demo
    """
    ws = load_workspace(workspace)
    db = database(ws, create=False)
    try:
        with db.transaction() as session:
            reopen_period(session=session, period=period, actor=actor_name())
    finally:
        db.dispose()
    console.print(f"reopened {period}: scores are live and check-ins accepted again")


def _render(r: CloseResult) -> None:
    console.print(f"[bold]closed {r.period}[/bold] at {r.closed_at:%Y-%m-%d %H:%M} UTC; "
                  "final scores frozen")
    for o in r.health.objectives:
        a = objective_attainment(o)
        score = "—" if o.score is None else f"{o.score:.0%}"
        risk = "  [red]at risk: guardrail breached[/red]" if o.at_risk else ""
        note = f"  [yellow]({o.score_note})[/yellow]" if o.score_note else ""
        console.print(f"  {o.id:<36} score {score:>4}  {a.target}/{a.measured} at target"
                      f"{risk}{note}")
    for c in r.carried:
        if c.already_there:
            console.print(f"  {c.kr_id} is already in {c.to_period}")
        else:
            extra = " (with its objective)" if c.new_objective else ""
            moved = (c.baseline is not None and c.old_baseline is not None
                     and c.baseline != c.old_baseline)
            start = (f", baseline {format_value(c.old_baseline, c.unit)} → "
                     f"{format_value(c.baseline, c.unit)} (its value at the close)"
                     if moved else "")
            console.print(f"  carried {c.kr_id} → {c.to_period}/{c.objective_id}{extra}{start}",
                          markup=False)
            if moved and c.title != c.old_title:
                console.print(f"    title now: {c.title}", markup=False)
            elif moved:
                console.print("    its title names no starting number to update; check that "
                              f"it still reads true: {c.title}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(period_app, name="period")
