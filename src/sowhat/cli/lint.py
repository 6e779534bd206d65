"""`sowhat lint` (coach OKR files or KR lines from stdin) and `sowhat rules` (explain codes)."""

from __future__ import annotations

import contextlib
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path

import typer
from rich.markup import escape

from sowhat.cli.common import console, err_console, workspace_option
from sowhat.errors import Location, SpecError, UserError
from sowhat.lint import LintContext, analyse_text, get_rule, has_errors, render, rules
from sowhat.lint.engine import explain

# The workspace, the store, the event source and the forecasts are imported where a file is
# linted: `sowhat rules` and `sowhat lint -` (an editor's or a hook's quick question) need
# none of them, and importing them (SQLAlchemy, DuckDB, NumPy) cost them ~0.6 s of CPU.


class LintFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"


def _codes(value: str) -> frozenset[str]:
    codes = frozenset(c.strip().upper() for c in value.split(",") if c.strip())
    for code in codes:
        if not code.startswith("SW"):
            raise UserError(
                f"unknown rule code or prefix {code!r}",
                hint="codes look like SW101; prefixes like SW10 select a group",
            )
    return codes


def _as_of(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"cannot read --as-of {value!r}", hint="write a date: 2026-11-20") from None


def lint_command(
    paths: list[str] = typer.Argument(
        None, help="OKR files or folders; `-` reads one KR per line from stdin."
    ),
    select: str = typer.Option("", "--select", help="Only these codes/prefixes (SW101,SW11)."),
    ignore: str = typer.Option("", "--ignore", help="Skip these codes/prefixes."),
    output: LintFormat = typer.Option(LintFormat.TEXT, "--format", help="Output format."),
    as_of: str | None = typer.Option(None, "--as-of", help="Treat this date as today."),
    workspace: Path = workspace_option(),
) -> None:
    """Coach key results: outputs, vanity metrics, missing baselines, milestones...

    Exits 1 when any error-severity finding (SW101, SW104) is reported. With `-`, rewrites use
    the metrics of the workspace (-w, default: the current folder) when there is one.

    Examples:

      sowhat lint okrs/2026-Q4.yaml

      echo "Launch audit logs" | sowhat lint - --format json
    """
    from sowhat.lint.workspace_lint import lint_workspace, workspace_catalog

    selected, ignored, day = _codes(select), _codes(ignore), _as_of(as_of)
    if paths == ["-"]:
        catalog = workspace_catalog(workspace)
        context = LintContext(as_of=day, metrics=catalog, select=selected, ignore=ignored)
        _lint_stdin(output, context)
        return
    if paths and "-" in paths:
        raise UserError("`-` (stdin) cannot be mixed with files", hint="run them separately")
    from sowhat.services.lint_inputs import CoachInputs, coach_inputs
    from sowhat.services.sync.ambition import file_hit_probabilities
    from sowhat.services.sync.baselines import file_baselines
    from sowhat.services.sync.file_events import file_events
    from sowhat.spec.workspace import load_workspace

    inputs = CoachInputs()
    baselines = None
    hits = None
    with_bets: dict[str, float | None] = {}
    with contextlib.suppress(SpecError):  # lint_workspace reports the file errors below
        ws = load_workspace(workspace)
        inputs = coach_inputs(workspace=ws, as_of=day)
        with file_events(ws) as source:  # one open store for SW114 and SW108/SW109
            if source is not None:
                baselines = file_baselines(workspace=ws, source=source)
                # SW108/SW109 judge the file's own targets against the events; only without
                # an event source do they fall back to what the last sync stored.
                hits = file_hit_probabilities(workspace=ws, source=source,
                                              with_bets=with_bets)
    if hits is None:
        hits = inputs.hit_probabilities
    result = lint_workspace(
        workspace,
        paths=[Path(p) for p in paths] if paths else None,
        as_of=day,
        select=selected,
        ignore=ignored,
        hit_probabilities=hits,
        bet_probabilities=with_bets,
        current_values=inputs.current_values,
        measured_baselines=baselines,
    )
    if not result.files:
        raise UserError(
            "no OKR files to lint",
            hint="pass okrs/<period>.yaml, or run in a workspace with an okrs/ folder "
            "(--workspace DIR); use `-` to read KRs from stdin",
        )
    findings = list(result.findings)
    if output is LintFormat.JSON:
        typer.echo(render.json_findings(findings))
    elif output is LintFormat.SARIF:
        typer.echo(render.sarif(findings, rules()))
    elif output is LintFormat.GITHUB:
        if findings:
            typer.echo(render.github(findings))
    else:
        if findings:
            typer.echo(render.text(findings))
        console.print(render.summary(findings))
    for note in result.notes:
        err_console.print(f"note: {note}")
    if has_errors(findings):
        _exit_with_errors()


def _lint_stdin(output: LintFormat, context: LintContext) -> None:
    """One KR per line; blank lines are skipped but keep their line numbers for locations."""
    reports = []
    for number, line in enumerate(sys.stdin.read().splitlines(), start=1):
        if not line.strip():
            continue
        loc = Location("<stdin>", number, 1)
        reports.append(analyse_text(line.strip(), context=context, location=loc))
    findings = [f for r in reports for f in r.findings]
    if output is LintFormat.JSON:
        typer.echo(render.json_text_reports(reports))
    elif output is LintFormat.SARIF:
        typer.echo(render.sarif(findings, rules()))
    elif output is LintFormat.GITHUB:
        if findings:
            typer.echo(render.github(findings))
    else:
        for r in reports:
            verdict = r.classification
            console.print(
                f"[bold]{verdict.kind}[/bold] ({verdict.confidence:.0%}) {escape(r.text)}",
                markup=True,
                highlight=False,
            )
            if r.findings:
                typer.echo(render.text(list(r.findings)))
        console.print(render.summary(findings))
    if has_errors(findings):
        _exit_with_errors()


def _exit_with_errors() -> None:
    # SystemExit, not typer.Exit: app.main() runs click with standalone_mode=False, where
    # click turns typer.Exit into a return value that main() does not pass on.
    raise SystemExit(1)


def rules_command(
    code: str | None = typer.Argument(None, help="A rule code to explain, e.g. SW101."),
) -> None:
    """List the lint rules, or explain one (what, why, example, fix).

    Examples:

      sowhat rules

      sowhat rules SW101
    """
    if code:
        rule = get_rule(code)
        typer.echo(explain(rule.code))
        return
    for rule in rules():
        typer.echo(f"{rule.code}  {rule.severity!s:<8} {rule.name:<28} {rule.summary}")


def register(app: typer.Typer) -> None:
    app.command("lint")(lint_command)
    app.command("rules")(rules_command)
