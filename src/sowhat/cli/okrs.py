"""OKRs as code against the database: apply, diff, export, status, checkin, db.

`init` and `validate`, which only touch the files, are in `workspace.py`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from sowhat.cli.common import (
    actor_name,
    console,
    database,
    err_console,
    print_json,
    workspace_option,
)
from sowhat.domain.words import counted
from sowhat.spec.workspace import Workspace, load_workspace

if TYPE_CHECKING:
    from sowhat.services.standing.period import PeriodStanding

# Each command imports its own services where it runs: `status` reads the store and has no
# use for apply's planner, export's writer, git or the event source's engine.

db_app = typer.Typer(help="Database schema: `sowhat db upgrade` after installing a new version.",
                     no_args_is_help=True)


def apply(
    workspace: Path = workspace_option(),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan, change nothing."),
    force: bool = typer.Option(False, "--force",
                               help="Let the file win on fields also edited in the web "
                               "since the last apply/export."),
    rebaseline: bool = typer.Option(False, "--rebaseline",
                                    help="Record today's metric definitions as the ones the "
                                    "typed baselines were set on (after checking them "
                                    "against a changed definition)."),
) -> None:
    """Make the database match the files; prints the plan of changes first.

    Removed key results are archived, never deleted, so their check-in history stays.
    Web edits made since the last apply or export are merged: the file's edits and the
    web's edits to other fields are both kept. A field edited on both sides is refused
    (exit 1, nothing written), file vs database listed field by field, unless `--force`.
    After a metric's definition changed, sync flags each KR whose typed baseline the data
    cannot confirm; once checked, `--rebaseline` records the new definition for them.
    Example: sowhat apply -w my-okrs --dry-run
    """
    from sowhat.cli.render import render_changes
    from sowhat.services.files import apply_conflicts, apply_workspace, diff_workspace

    ws = load_workspace(workspace)
    db = database(ws, create=True)
    try:
        with db.transaction(write=not dry_run) as session:
            changes = apply_workspace(
                session=session, workspace=ws, actor=actor_name(), dry_run=dry_run, force=force,
                rebaseline=rebaseline,
            )
            render_changes(changes, applied=not dry_run)
            if dry_run:
                for d in apply_conflicts(session=session, workspace=ws):
                    console.print(f"[yellow]warning[/yellow] {d.period}: "
                                  f"{counted(len(d.fields), 'field')} edited in the file "
                                  "and in the web; applying "
                                  "refuses them without --force; see `sowhat diff`")
            else:
                for d in diff_workspace(session=session, workspace=ws):
                    if d.path is not None and d.web_edits:
                        kept = counted(len(d.web_edits), "web edit")
                        console.print(f"{d.period}: kept {kept} made "
                                      "since the last apply/export; `sowhat export` writes "
                                      "them into the file")
    finally:
        db.dispose()


def diff(
    workspace: Path = workspace_option(),
    period: str = typer.Option(None, help="Only this period."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Show what differs between the OKR files and the database, field by field, and
    whether each difference was made in the file or in the web since the last apply/export.

    Exit 0 when files and database agree, 1 when they differ.
    Example: sowhat diff -w my-okrs
    """
    from sowhat.cli.render import render_diff
    from sowhat.services.files import diff_workspace

    ws = load_workspace(workspace)
    db = database(ws, create=False)
    try:
        with db.transaction(write=False) as session:
            diffs = diff_workspace(session=session, workspace=ws, period=period)
    finally:
        db.dispose()
    if as_json:
        from dataclasses import asdict

        print_json([{**asdict(d), "web_edits": len(d.web_edits),
                     "file_edits": len(d.file_edits), "conflicts": len(d.conflicts),
                     "mergeable": d.mergeable} for d in diffs])  # fmt: skip
    else:
        render_diff(diffs)
    if any(not d.same for d in diffs):
        raise typer.Exit(1)


def export(
    workspace: Path = workspace_option(),
    out: Path | None = typer.Option(None, "--out",
                                    help="Write into this folder instead of okrs/."),
    period: str = typer.Option(None, help="Only this period."),
    force: bool = typer.Option(False, "--force",
                               help="Let the database win on fields the file also changed "
                               "(unapplied file edits are lost)."),
) -> None:
    """Write the database back to YAML (comments and order of existing files are kept).

    Into okrs/, file edits not applied yet are kept where the web did not change the same
    field (run `sowhat apply` afterwards to send them); a field changed on both sides
    refuses (exit 1, nothing written) unless --force. With `[git] commit_exports = true`,
    commits the written files with the web editors as authors. Draft periods are left out.
    Example: sowhat export -w my-okrs --out /tmp/okrs
    """
    from sowhat.services.files import export_workspace
    from sowhat.services.roundtrip.git import commit_files

    ws = load_workspace(workspace)
    db = database(ws, create=False)
    try:
        with db.transaction(write=out is None) as session:
            files = export_workspace(session=session, workspace=ws, out_dir=out, period=period,
                                     force=force, actor=actor_name())  # fmt: skip
    finally:
        db.dispose()
    for f in files:
        who = f" (web edits by {', '.join(f.editors)})" if f.changed and f.editors else ""
        console.print(f"{'wrote' if f.changed else 'unchanged'} {f.path}{who}")
        if f.kept_file_edits:
            console.print(f"  kept {counted(f.kept_file_edits, 'file edit')} not applied yet: "
                          "`sowhat apply` sends them to the database")
    written = [f for f in files if f.changed]
    if out is None and ws.config.git.commit_exports and written:
        authors = list(dict.fromkeys(e for f in written for e in f.editors))
        message = ws.config.git.message.format(periods=", ".join(f.period for f in written))
        commit = commit_files(root=ws.root, paths=[f.path for f in written], authors=authors,
                              message=message)  # fmt: skip
        console.print(f"committed {commit[:10]}" + (f" as {authors[0]}" if authors else ""))


def status(
    workspace: Path = workspace_option(),
    period: str = typer.Option(None, help="Period label (default: the latest)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Objectives and key results with progress, confidence, the last check-in and the
    dashboard's word for each (on track, at risk, off track) with why.

    Example: sowhat status -w sowhat-demo --period 2026-Q4
    """
    from sowhat.cli.render import render_status
    from sowhat.services.standing.period import period_standing

    ws = load_workspace(workspace)
    db = database(ws, create=False)
    try:
        with db.transaction(write=False) as session:
            words = period_standing(session=session, period=period, catalog=ws.metrics)
    finally:
        db.dispose()
    rows = words.status
    if as_json:
        print_json(_status_json(words))
    else:
        render_status(rows, workspace_name=ws.config.workspace.name, words=words)
        warn_if_stale(ws, rows.data_through)


def _status_json(words: PeriodStanding) -> dict[str, Any]:
    """The period as `status_rows` has it, each objective and KR with the dashboard's
    status word and why, and each metric KR with its forecast's chance of the target."""
    from dataclasses import asdict

    out = asdict(words.status)
    checks = {k.id: (k.baseline_disagrees, k.baseline_unchecked)
              for o in words.status.objectives for k in o.key_results}
    for obj in out["objectives"]:
        found = words.standings.get(obj["id"])
        obj["standing"] = ({"word": found.word.value, "reason": found.reason}
                           if found else None)  # fmt: skip
        by_kr = {k.kr_id: k for k in found.key_results} if found else {}
        for kr in obj["key_results"]:
            word = by_kr.get(kr["id"])
            kr["standing"] = {"word": word.word.value, "reason": word.reason} if word else None
            forecast = words.forecasts.get(kr["id"])
            kr["chance_of_target"] = forecast.probability if forecast else None
            # what every screen says beside the baseline (properties asdict leaves out)
            kr["baseline_disagrees"], kr["baseline_unchecked"] = checks[kr["id"]]
    return out


def warn_if_stale(ws: Workspace, data_through: datetime | None) -> None:
    """Values over data older than `[events] stale_after` get a visible warning."""
    from sowhat.services.events import event_source_spec

    if data_through is None:
        return
    spec = event_source_spec(ws)
    age = datetime.now(UTC) - data_through
    if age > spec.stale_after:
        err_console.print(
            "[yellow]warning:[/yellow] data is stale: the latest complete data is from "
            f"{data_through:%Y-%m-%d %H:%M} UTC, {age.days} days ago; "
            f"{escape(spec.stale_advice)}")


def checkin(
    kr_id: str = typer.Argument(..., help="Key result id."),
    value: float = typer.Option(None, "--value", help="Current value (KRs without a metric)."),
    confidence: float = typer.Option(None, "--confidence",
                                     help="How likely the target is hit, 0..1."),
    note: str = typer.Option(None, "--note", help="What changed and why."),
    blockers: str = typer.Option(None, "--blockers", help="What is in the way."),
    period: str = typer.Option(None, help="Period label (default: the current one)."),
    week: str = typer.Option(None, help="Week (any date in it, YYYY-MM-DD); default this week."),
    override_value: bool = typer.Option(
        False, "--override-value", help="Replace the value a metric KR computes from events."
    ),
    force: bool = typer.Option(
        False, "--force", help="Record a value far off the KR's scale anyway (never one its "
        "metric cannot take, such as a rate above 1)."
    ),
    workspace: Path = workspace_option(),
) -> None:
    """Record this week's check-in for a key result; a second one in a week edits it.

    Example: sowhat checkin gr-activation --confidence 0.6 --note "checklist live for mid"
    """
    from sowhat.services.checkins import record_checkin

    ws = load_workspace(workspace)
    db = database(ws, create=False)
    from sowhat.domain.okr import CheckInSource
    from sowhat.domain.period import week_start

    try:
        with db.transaction() as session:
            stored = record_checkin(
                session=session, kr_id=kr_id, period=period, value=value,
                confidence=confidence, note=note, blockers=blockers,
                source=CheckInSource.MANUAL, actor=actor_name(),
                week=week_start(_parse_day(week)) if week else None,
                override_value=override_value, catalog=ws.metrics, force=force,
            )
    finally:
        db.dispose()
    shown = f"value {stored.value:g}, " if stored.value is not None else ""
    conf = f"confidence {stored.confidence:.0%}" if stored.confidence is not None else ""
    console.print(f"checked in {kr_id} for the week of {stored.week}: {shown}{conf}")


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date; write YYYY-MM-DD") from None


@db_app.command("upgrade")
def db_upgrade(workspace: Path = workspace_option()) -> None:
    """Migrate the workspace database to this version's schema (back it up first).

    Example: sowhat db upgrade -w my-okrs
    """
    from sowhat.store.db import upgrade

    ws = load_workspace(workspace)
    new = upgrade(ws.config.database_url(ws.root))
    console.print(f"database at revision {new}")


@db_app.command("current")
def db_current(workspace: Path = workspace_option()) -> None:
    """Show the database's schema revision and the one this version expects.

    Example: sowhat db current -w my-okrs
    """
    from sowhat.store.db import current_revision, head_revision

    ws = load_workspace(workspace)
    console.print(
        f"database: {current_revision(ws.config.database_url(ws.root))}; "
        f"this version: {head_revision()}"
    )


def register(app: typer.Typer) -> None:
    for fn in (apply, diff, export, status, checkin):
        app.command()(fn)
    app.add_typer(db_app, name="db")
