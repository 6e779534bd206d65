"""`sowhat import`: objectives and KRs from a spreadsheet, previewed with the coach first."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from sowhat.cli.common import actor_name, console, workspace_option
from sowhat.domain.period import Period, PeriodError
from sowhat.domain.words import counted
from sowhat.errors import UserError
from sowhat.services.accounts import Principal
from sowhat.services.authoring.csv_import import ImportRow, preview, read_rows, write_rows
from sowhat.spec.workspace import Workspace, load_workspace
from sowhat.store.db import open_database


def import_(
    file: Path = typer.Argument(..., help="CSV, one row per key result (columns: docs/okrs.md).",
                                exists=True, dir_okay=False),
    period: str = typer.Option(..., "--period", help="The period to import into, e.g. 2027-Q1."),
    write: bool = typer.Option(False, "--write",
                               help="Create them; without it, only the preview is shown."),
    workspace: Path = workspace_option(),
) -> None:
    """Preview, then import, objectives and key results from a spreadsheet export.

    Every row is coached first (outcome or output, findings, measured baseline, the chance of
    hitting the target with no change) and checked against the database: rows it would refuse
    (an id that exists, an unknown metric) are listed with their line (exit 1). Nothing is
    written without --write, and nothing at all unless every row can be. A new period is
    created as a draft. Example: sowhat import plan.csv --period 2027-Q1 -w my-okrs
    """
    ws = load_workspace(workspace)
    try:
        span = Period.parse(period)
    except PeriodError as exc:
        raise typer.BadParameter(f"period {period!r}: {exc}") from None
    rows = preview(rows=read_rows(file), period=span, workspace=ws)
    _render(rows)
    actor = actor_name()
    principal = Principal(user_id=0, email=actor, is_admin=True, editor_teams=frozenset(),
                          via="cli")  # fmt: skip
    if not write:
        _dry_run(ws, principal, span.label, rows, file)
        console.print("preview only: run again with --write to create them")
        return
    db = open_database(ws.config.database_url(ws.root), create=True)
    try:
        with db.transaction() as session:
            made = write_rows(session=session, principal=principal, workspace=ws,
                              period=span.label, rows=rows, source=str(file))  # fmt: skip
    finally:
        db.dispose()
    console.print(f"created {counted(made[0], 'objective')} and "
                  f"{counted(made[1], 'key result')} in {span.label}"
                  " (review them in the planning view, then publish)")


def _dry_run(ws: Workspace, principal: Principal, period: str, rows: list[ImportRow],
             file: Path) -> None:  # fmt: skip
    """What `--write` would refuse, row by row (the writes run and are rolled back); raises
    the SpecError listing them. Without a database yet there is nothing to refuse against."""
    try:
        db = open_database(ws.config.database_url(ws.root), create=False)
    except UserError:
        return
    try:
        with db.transaction() as session:
            write_rows(session=session, principal=principal, workspace=ws, period=period,
                       rows=rows, source=str(file), dry_run=True)  # fmt: skip
    finally:
        db.dispose()


def _render(rows: list[ImportRow]) -> None:
    table = Table(title="Import preview", show_lines=False)
    for col in ("line", "key result", "coach", "baseline", "measured", "target",
                "no change", "findings"):
        table.add_column(col)
    for r in rows:
        c = r.check
        measured = c.measured.value if c and c.measured else None
        ambition = c.ambition.probability if c and c.ambition else None
        findings = "; ".join(f"{f.code} {f.message}" for f in c.coaching.findings[:2]) if c \
            else ""
        table.add_row(str(r.line), f"{r.kr_id}: {r.kr}", c.verdict if c else "",
                      _num(r.baseline), _num(measured), _num(r.target),
                      f"{ambition:.0%}" if ambition is not None else "–",
                      findings + ("; ".join(c.notes) if c and c.notes and not findings else ""))
    console.print(table)


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}"


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
