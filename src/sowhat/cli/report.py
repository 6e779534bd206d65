"""`sowhat report weekly|monthly|quarter`: a review as a file to send — HTML, PDF or Markdown."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import typer

from sowhat.cli.asof import as_of_moment
from sowhat.cli.common import console, database, workspace_option
from sowhat.reports.build import ReportFormat, ReportKind, make_report
from sowhat.spec.workspace import load_workspace


def report_command(
    kind: ReportKind = typer.Argument(..., help="weekly, monthly or quarter (the QBR)."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write.",
                                dir_okay=False, writable=True),
    fmt: ReportFormat = typer.Option(None, "--format", "-f", help="html (one self-contained "
                                     "file), pdf or md (default: from -o's extension)."),
    period: str = typer.Option(None, "--period", help="Period label (default: the one "
                               "covering as-of)."),
    as_of: str = typer.Option(None, "--as-of", help="Review as of this UTC date (default: "
                              "now; either way no later than the data, as `sowhat review`)."),
    month: str = typer.Option(None, "--month", help="monthly only: the month, YYYY-MM "
                              "(default: the last full month before as-of)."),
    workspace: Path = workspace_option(),
) -> None:
    """Write a review as a report: the same numbers as `sowhat review KIND --format json`,
    worded for people, with charts; the quarter report is the QBR (per objective: status,
    what changed in behaviour, guardrails, shipped bets and whether they moved their KR,
    what carries over, lessons).

    Example: sowhat report quarter --period 2026-Q4 --format pdf -o qbr.pdf -w sowhat-demo
    """
    chosen = fmt or _from_suffix(output)
    ws = load_workspace(workspace)
    db = database(ws, create=False)
    try:
        with db.transaction(write=False) as session:
            report = make_report(kind=kind, fmt=chosen, session=session, workspace=ws,
                                 period=period, as_of=as_of_moment(ws, as_of), month=month)
    finally:
        db.dispose()
    _write_atomically(output, report.content)
    console.print(f"wrote {output} ({report.kind} report of {report.period}, {chosen}, "
                  f"{len(report.content):,} bytes)")


def _from_suffix(output: Path) -> ReportFormat:
    suffix = output.suffix.lower().lstrip(".")
    try:
        return ReportFormat("md" if suffix == "markdown" else
                            "html" if suffix == "htm" else suffix)
    except ValueError:
        raise typer.BadParameter(f"cannot tell the format from {output.name!r}; add "
                                 "--format html, pdf or md", param_hint="--format") from None


def _write_atomically(path: Path, content: bytes) -> None:
    """Nothing half-written: a temporary file in the same folder, renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def register(app: typer.Typer) -> None:
    app.command("report")(report_command)
