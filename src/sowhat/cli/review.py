"""`sowhat review weekly|monthly|quarter` and `sowhat review lesson add|list`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from sowhat.cli.asof import as_of_moment
from sowhat.cli.common import actor_name, console, database, print_json, workspace_option
from sowhat.errors import UserError
from sowhat.reports.markdown import (
    OUTLOOK_TEXT,
    kr_num,
    kr_signed,
    monthly_markdown,
    quarter_markdown,
    weekly_markdown,
)
from sowhat.services.events import open_events
from sowhat.services.forecasts import Outlook
from sowhat.services.reviews.lessons import Lesson, add_lesson, list_lessons
from sowhat.services.reviews.monthly import MonthlyReview, monthly_review
from sowhat.services.reviews.quarter import QuarterReview, quarter_review
from sowhat.services.reviews.signals import MissingCheckIn
from sowhat.services.reviews.weekly import WeeklyReview, weekly_review
from sowhat.spec.workspace import Workspace, load_workspace
from sowhat.stats.forecast import pct

review_app = typer.Typer(help="The review cadence: weekly leading indicators, monthly "
                         "lagging deep dive, quarterly scores and retrospective.",
                         no_args_is_help=True)
lesson_app = typer.Typer(help="Retrospective lessons, shown in the next period's reviews.",
                         no_args_is_help=True)


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


def _format_option() -> OutputFormat:
    return typer.Option(OutputFormat.TEXT, "--format", "-f",  # type: ignore[no-any-return]
                        help="text (default), json or markdown.")


_OUTLOOK_STYLE = {Outlook.ON_TRACK: "green", Outlook.UNCERTAIN: "yellow",
                  Outlook.OFF_TRACK: "red", Outlook.UNKNOWN: "dim"}


def _as_of(ws: Workspace, text: str | None, fmt: OutputFormat) -> datetime:
    """Clipped to the data; warnings on stderr for people, not in JSON or markdown files."""
    return as_of_moment(ws, text, quiet=fmt is not OutputFormat.TEXT)


@review_app.command("weekly")
def weekly(
    workspace: Path = workspace_option(),
    as_of: str = typer.Option(None, "--as-of", help="Review as of this UTC date (default: "
                              "now); the review week is the last full week before it."),
    period: str = typer.Option(None, help="Period label (default: the one covering as-of)."),
    fmt: OutputFormat = _format_option(),
) -> None:
    """Leading indicators: change since last week, forecast outlook, guardrail alerts,
    missing check-ins and bets whose KR has not moved since launch.

    Example: sowhat review weekly -w sowhat-demo --as-of 2026-11-16 --format markdown
    """
    ws = load_workspace(workspace)
    db = database(ws, create=False)
    try:
        with db.transaction(write=False) as session:
            review = weekly_review(session=session, catalog=ws.metrics,
                                   as_of=_as_of(ws, as_of, fmt), period=period)
    finally:
        db.dispose()
    if fmt is OutputFormat.JSON:
        print_json({**asdict(review), "change_mind": [asdict(b) for b in review.change_mind]})
    elif fmt is OutputFormat.MARKDOWN:
        typer.echo(weekly_markdown(review), nl=False)
    else:
        _render_weekly(review)


def _last_person(m: MissingCheckIn) -> str:
    """Sync writes a value every week; what is missing is a person's confidence and note."""
    if m.last_checked_in is None:
        return "no check-in by a person yet"
    return f"last by a person: week of {m.last_checked_in.isoformat()}"


def _render_weekly(r: WeeklyReview) -> None:
    synced = r.last_sync.strftime("%Y-%m-%d %H:%M UTC") if r.last_sync else "never"
    console.print(f"[bold]Weekly review · {r.period} · week of {r.week}[/bold]  "
                  f"[dim]last sync {synced}[/dim]")
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for col in ("KR", "ind.", "weekly", "Δ week", "now", "Δ now", "P(target)",
                "outlook", "conf."):
        table.add_column(col, justify="left" if col in ("KR", "ind.", "outlook") else "right")
    for k in r.key_results:
        kr = f"[red]⚠[/red] {k.kr_id}" if k.objective_at_risk else k.kr_id
        style = _OUTLOOK_STYLE[k.outlook]
        sc = (k.baseline, k.target, k.unit)
        note = r.weekly_note(k)
        weekly = kr_num(k.weekly_value, *sc) + (f" [dim]({note})[/dim]" if note else "")
        table.add_row(kr, k.indicator[:4], weekly,
                      kr_signed(k.weekly_change, *sc, like=k.weekly_value),
                      kr_num(k.to_date, *sc), kr_signed(k.to_date_change, *sc, like=k.to_date),
                      pct(k.probability) if k.probability is not None else "—",
                      f"[{style}]{OUTLOOK_TEXT[k.outlook]}[/{style}]",
                      f"{k.confidence:.0%}" if k.confidence is not None else "—")
    console.print(table)
    console.print("[dim]weekly = the latest week's own value (dated when it is an earlier "
                  "week: cohorts still in their outcome window; 'so far' while some of its "
                  "cohorts still are, so it still moves and Δ week waits); now = the KR's "
                  "measure at the "
                  "week's end (a level over its trailing window, or the period total); "
                  "P(target) = forecast of the level at the period's end (sowhat forecast)"
                  "[/dim]")
    for k in r.key_results:
        if k.not_readable:
            console.print(f"[yellow]⏳ {k.kr_id} is not readable yet: {k.not_readable}[/yellow]")
    console.print("\n[bold]Guardrail alerts[/bold]")
    for g in r.guardrail_alerts:
        console.print(f"  [red]⚠ {g.objective_id}[/red] at risk: {g.reason}")
    for g in r.guardrails_not_judged:
        console.print(f"  [yellow]? {g.objective_id}[/yellow] not judged: {escape(g.reason)}",
                      highlight=False)
    if r.all_guardrails_held:
        console.print("  [green]all guardrails held[/green]")
    for g in r.guardrails_within_noise:
        console.print(f"  [yellow]~ {g.objective_id}[/yellow] held, within noise: "
                      f"{escape(g.reason)}", highlight=False)
    if r.no_guardrails:
        console.print(f"  {r.no_guardrails}", style="dim", highlight=False, markup=False)
    console.print("\n[bold]Check-ins missing[/bold]")
    for m in r.missing_checkins:
        console.print(f"  {m.kr_id}  {m.owner or 'no owner'}  [dim]({_last_person(m)})[/dim]")
    if not r.missing_checkins:
        console.print("  [green]everyone checked in[/green]")
    console.print("\n[bold]Bets since launch[/bold]")
    for b in r.bets:
        if b in r.change_mind:
            console.print(f"  [yellow]{b.bet_id}[/yellow]: {b.message}")
            if b.change_mind_if:
                console.print(f"    condition: [italic]{b.change_mind_if}[/italic]")
        else:
            console.print(f"  {b.bet_id}: [dim]{b.message}[/dim]")
    if not r.bets:
        console.print("  [dim]no shipped bets with an expected change[/dim]")
    if r.previous_period:
        _render_lessons(f"Lessons from {r.previous_period}", r.previous_lessons)


def _render_lessons(title: str, lessons: tuple[Lesson, ...]) -> None:
    console.print(f"\n[bold]{title}[/bold]")
    for lesson in lessons:
        scope = f" [dim]({lesson.objective_id})[/dim]" if lesson.objective_id else ""
        console.print(f"  • {lesson.text}{scope} [dim]— {lesson.author}[/dim]")
    if not lessons:
        console.print("  [dim]none recorded[/dim]")


@review_app.command("monthly")
def monthly(
    workspace: Path = workspace_option(),
    month: str = typer.Option(None, "--month", help="Month YYYY-MM (default: the last full "
                              "month before as-of)."),
    as_of: str = typer.Option(None, "--as-of", help="What is known as of this UTC date."),
    period: str = typer.Option(None, help="Period label (default: the one covering as-of)."),
    fmt: OutputFormat = _format_option(),
) -> None:
    """Lagging metrics: the month against the month before, its weekly trend, and the
    breakdown by every segment of metrics.yaml.

    Example: sowhat review monthly -w sowhat-demo --month 2026-10 --as-of 2026-11-16
    """
    ws = load_workspace(workspace)
    if ws.metrics is None:
        raise UserError("no metrics.yaml in the workspace", hint="define metrics first")
    db = database(ws, create=False)
    events = open_events(ws)
    try:
        with db.transaction(write=False) as session:
            review = monthly_review(session=session, catalog=ws.metrics, events=events,
                                    as_of=_as_of(ws, as_of, fmt), period=period, month=month)
    finally:
        events.close()
        db.dispose()
    if fmt is OutputFormat.JSON:
        print_json(asdict(review))
    elif fmt is OutputFormat.MARKDOWN:
        typer.echo(monthly_markdown(review), nl=False)
    else:
        _render_monthly(review)


def _render_monthly(r: MonthlyReview) -> None:
    console.print(f"[bold]Monthly review · {r.period} · {r.month}[/bold]  [dim]{r.start} to "
                  f"{r.last_day} vs {r.previous_month}, as known on {r.as_of:%Y-%m-%d}[/dim]")
    for k in r.key_results:
        seg = f" · {k.segment}" if k.segment else ""
        trend = {"improving": "green", "worsening": "red"}.get(k.trend, "dim")
        sc = (k.baseline, k.target, k.unit)
        console.print(f"\n[bold]{k.kr_id}[/bold] {k.metric}{seg} [dim]({k.indicator})[/dim]  "
                      f"month {kr_num(k.value, *sc)}{k.value_words} vs "
                      f"{kr_num(k.previous, *sc)}{k.previous_words} "
                      f"({kr_signed(k.change, *sc, like=k.value)}{k.change_words})  "
                      f"weekly trend [{trend}]{k.trend}[/{trend}]")
        if k.weeks:
            console.print("  weeks: " + "  ".join(
                f"{w.week:%m-%d} {kr_num(w.value, *sc)}" + (" (so far)" if w.so_far else "")
                for w in k.weeks), style="dim")
        if k.covers:
            console.print(f"  {k.covers}", style="dim")
        if k.error:
            console.print(f"  [red]{k.error}[/red]")
        if k.not_yet:
            console.print(f"  [yellow]{k.not_yet}[/yellow]")
        if k.so_far_note:
            console.print(f"  [yellow]{k.so_far_note}[/yellow]")
        table = Table(show_edge=False, pad_edge=False, box=None)
        for col in ("segment", "month" + k.value_words, "previous" + k.previous_words,
                    "change", "entities"):
            table.add_column(col, justify="left" if col == "segment" else "right")
        for s in k.segments:
            name = (s.segment or "everyone") + (" (KR)" if s.segment == k.segment else "")
            table.add_row(f"  {name}", kr_num(s.value, *sc), kr_num(s.previous, *sc),
                          kr_signed(s.change, *sc, like=s.value),
                          "—" if s.entities is None else f"{s.entities:,}")
        console.print(table)
        for s in k.segments:
            if s.matches_nothing:
                console.print(f"  [yellow]{s.segment} reads nothing: "
                              f"{escape(s.matches_nothing)}[/yellow]")
    if not r.key_results:
        console.print("[dim]no key results with a metric[/dim]")


@review_app.command("quarter")
def quarter(
    workspace: Path = workspace_option(),
    period: str = typer.Option(None, help="Period label (default: the one covering as-of)."),
    as_of: str = typer.Option(None, "--as-of", help="Pick the period covering this date."),
    fmt: OutputFormat = _format_option(),
) -> None:
    """Scores, commit (70%) / target (100%) / stretch (beyond) attainment gated by
    guardrails, and the retrospective's lessons (this period's and the last one's).

    Example: sowhat review quarter -w sowhat-demo --period 2026-Q4 --format markdown
    """
    ws = load_workspace(workspace)
    db = database(ws, create=False)
    try:
        with db.transaction(write=False) as session:
            review = quarter_review(session=session, period=period,
                                    as_of=_as_of(ws, as_of, fmt), catalog=ws.metrics)
    finally:
        db.dispose()
    if fmt is OutputFormat.JSON:
        print_json(asdict(review))
    elif fmt is OutputFormat.MARKDOWN:
        typer.echo(quarter_markdown(review), nl=False)
    else:
        _render_quarter(review)


def _render_quarter(r: QuarterReview) -> None:
    a = r.attainment
    state = "closed, scores frozen" if r.frozen else ("closed" if r.closed else "open")
    console.print(f"[bold]Quarterly review · {r.period}[/bold] [dim]({state})[/dim]")
    if not r.closed:
        console.print(f"  [dim]so far, as of {r.as_of:%Y-%m-%d}: levels are where each KR "
                      "stands now; nothing is missed until the period closes[/dim]")
    console.print(f"  {a.commit}/{a.measured} measured KRs at commit (≥{r.commit_level:.0%}) "
                  f"or better, {a.target} at target, {a.stretch} stretch; "
                  f"{a.gated_out} held back by a breached guardrail; "
                  f"{a.key_results - a.measured} unmeasured")
    if r.team_scores:
        console.print("  team scores: " + ", ".join(f"{t} {s:.0%}"
                                                    for t, s in r.team_scores.items()))
    for item in r.objectives:
        o = item.objective
        score = "—" if o.score is None else f"{o.score:.0%}"
        risk = "[red]at risk[/red]" if o.at_risk else f"[dim]guardrails {o.guardrail_state}[/dim]"
        note = f" [yellow]({o.score_note})[/yellow]" if o.score_note else ""
        console.print(f"\n[bold]{o.id}[/bold] score {score}{note} {risk}")
        for g in o.breaches:
            console.print(f"  [red]⚠ {g.reason}[/red]")
        for g in o.not_judged:
            console.print(f"  [yellow]? not judged: {escape(g.reason or g.metric)}[/yellow]",
                          highlight=False)
        for k in o.key_results:
            prog = "—" if k.progress is None else f"{k.progress:.0%}"
            counted = "" if not o.at_risk or k.attainment.value in ("missed", "unmeasured") \
                else " [red](does not count)[/red]"
            sc = (k.baseline, k.target, k.unit)
            console.print(f"  {k.id:<26} {prog:>6}  {r.level_word(k):<17} now "
                          f"{kr_num(k.current, *sc)} [dim]({kr_num(k.baseline, *sc)} → "
                          f"{kr_num(k.target, *sc)})[/dim]{counted}")
            if k.note:
                console.print(f"  {'':<26} [yellow]⏳ {k.note}[/yellow]")
    _render_lessons(f"Retrospective: lessons from {r.period}", r.lessons)
    if r.previous_period:
        _render_lessons(f"Lessons from {r.previous_period}", r.previous_lessons)


@lesson_app.command("add")
def lesson_add(
    text: str = typer.Argument(..., help="What the team learnt."),
    period: str = typer.Option(..., "--period", help="The period it was learnt in."),
    objective: str = typer.Option(None, "--objective", help="Objective id it is about."),
    workspace: Path = workspace_option(),
) -> None:
    """Record a retrospective lesson; next period's reviews show it.

    Example: sowhat review lesson add "Activation gains came with more tickets" --period 2026-Q4
    """
    ws = load_workspace(workspace)
    db = database(ws, create=False)
    try:
        with db.transaction() as session:
            lesson = add_lesson(session=session, period=period, text=text,
                                objective=objective, actor=actor_name())
    finally:
        db.dispose()
    console.print(f"lesson {lesson.id} recorded for {lesson.period}")


@lesson_app.command("list")
def lesson_list(
    period: str = typer.Option(..., "--period", help="Period label."),
    workspace: Path = workspace_option(),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """The lessons recorded for a period, oldest first.

    Example: sowhat review lesson list --period 2026-Q4
    """
    ws = load_workspace(workspace)
    db = database(ws, create=False)
    try:
        with db.transaction(write=False) as session:
            lessons = list_lessons(session=session, period=period)
    finally:
        db.dispose()
    if as_json:
        print_json([asdict(lesson) for lesson in lessons])
    else:
        _render_lessons(f"Lessons from {period}", lessons)


def register(app: typer.Typer) -> None:
    review_app.add_typer(lesson_app, name="lesson")
    app.add_typer(review_app, name="review")
