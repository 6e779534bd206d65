"""`sowhat impact`, `sowhat bets`, `sowhat detectability`: did the work work, and could we tell?"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from sowhat.cli.common import Format, console, print_json, workspace_option
from sowhat.domain.okr import Change, Plan
from sowhat.domain.period import last_day
from sowhat.domain.units import format_change, format_value, join_span
from sowhat.domain.words import counted
from sowhat.errors import UserError
from sowhat.metrics.source import EventSource
from sowhat.services.bets import (
    BetEntry,
    KRDetectability,
    Portfolio,
    bet_detectability,
    portfolio,
)
from sowhat.services.events import open_events
from sowhat.services.impact.estimate import BetImpact, BetRef, bet_impact
from sowhat.services.impact.payload import (
    bet_json,
    check_message,
    detectability_json,
    impact_json,
    portfolio_json,
)
from sowhat.services.impact.series import WeeklySeries
from sowhat.spec.metric_defs import MetricsFile
from sowhat.spec.metric_units import kr_scale
from sowhat.spec.workspace import load_workspace
from sowhat.stats.impact import Verdict

_COLOUR = {
    Verdict.MOVED: "green",
    Verdict.WRONG_WAY: "red",
    Verdict.NO_EFFECT: "yellow",
    Verdict.INCONCLUSIVE: "cyan",
    Verdict.CANT_TELL: "magenta",
    Verdict.UNAVAILABLE: "dim",
}
_BLOCKS = "▁▂▃▄▅▆▇█"


def _as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date; write 2026-11-16") from None


def _load(workspace: Path) -> tuple[list[Plan], MetricsFile, EventSource]:
    """Plans and metrics from the workspace files, and its events (close them)."""
    ws = load_workspace(workspace)
    if ws.metrics is None:
        raise UserError("no metrics.yaml in the workspace", hint="define the KRs' metrics first")
    return [lp.plan for lp in ws.plans], ws.metrics, open_events(ws)


def _format_option() -> Format:
    return typer.Option(Format.TABLE, "--format", help="table or json.")  # type: ignore[no-any-return]


def impact_command(
    bet_id: str = typer.Argument(..., help="The bet's id, as in okrs/<period>.yaml."),
    workspace: Path = workspace_option(),
    period: str = typer.Option(None, help="Period label when the id exists in several."),
    as_of: str = typer.Option(None, "--as-of", help="Measure as of this date (default: today, "
                              "clipped to the end of the events)."),
    fmt: Format = _format_option(),
) -> None:
    """Did a shipped bet move its key result? Effect, interval, assumptions and verdict.

    Interrupted time series on the KR's weekly metric (26 weeks before the launch), plus
    difference-in-differences against unexposed segments when metrics.yaml has them.

    Example: sowhat impact recs-v2 -w sowhat-demo --as-of 2026-11-16
    """
    plans, catalog, events = _load(workspace)
    try:
        result = bet_impact(plans=plans, catalog=catalog, events=events, bet_id=bet_id,
                            period=period, as_of=_as_of(as_of))
    finally:
        events.close()
    if fmt is Format.JSON:
        print_json(impact_json(result))
        return
    render_impact(result, catalog)


def bets_command(
    workspace: Path = workspace_option(),
    period: str = typer.Option(None, help="Period label (default: the one covering the as-of)."),
    as_of: str = typer.Option(None, "--as-of", help="Measure as of this date (default: today, "
                              "clipped to the end of the events)."),
    fmt: Format = _format_option(),
) -> None:
    """The portfolio: every bet by status, with verdicts for shipped bets, detectability for
    the rest, and each team's feature-factory index.

    Example: sowhat bets -w sowhat-demo --as-of 2026-11-16
    """
    plans, catalog, events = _load(workspace)
    try:
        result = portfolio(plans=plans, catalog=catalog, events=events, period=period,
                           as_of=_as_of(as_of))
    finally:
        events.close()
    if fmt is Format.JSON:
        print_json(portfolio_json(result))
        return
    render_portfolio(result, catalog)


def detectability_command(
    bet_id: str = typer.Argument(..., help="The bet's id."),
    workspace: Path = workspace_option(),
    period: str = typer.Option(None, help="Period label when the id exists in several."),
    as_of: str = typer.Option(None, "--as-of", help="Count the weeks left from this date."),
    fmt: Format = _format_option(),
) -> None:
    """Could this bet's expected change be detected before the period ends?

    Compares the bet's `expects` change with the MDE its KR metric's real weekly traffic
    allows: as a 50/50 A/B test, and as a before/after estimate if it shipped now.

    Example: sowhat detectability explanations -w sowhat-demo --as-of 2026-11-16
    """
    plans, catalog, events = _load(workspace)
    try:
        ref, result = bet_detectability(plans=plans, catalog=catalog, events=events,
                                        bet_id=bet_id, period=period, as_of=_as_of(as_of))
    finally:
        events.close()
    if fmt is Format.JSON:
        print_json({"bet": bet_json(ref), "detectability": detectability_json(result)})
        return
    console.print(f"[bold]{ref.bet.id}[/bold] — {ref.bet.title} ({ref.bet.status.value})")
    render_detectability(result, catalog)


# ------------------------------------------------------------------ rendering


class _Units:
    """A KR's numbers in its metric's unit, as status and the web show them: an effect of
    0.089 on a share reads "+8.9 pts", 23.2 on a duration "-23.2 h", not "+0.08899"."""

    def __init__(self, metric: str | None, kr_unit: str | None,
                 catalog: MetricsFile | None) -> None:  # fmt: skip
        self.unit = kr_scale(metric=metric, kr_unit=kr_unit, catalog=catalog).text

    def change(self, x: float | None) -> str:
        return format_change(x, self.unit)

    def value(self, x: float | None) -> str:
        return format_value(x, self.unit)

    def size(self, x: float | None) -> str:
        """A magnitude of change (an MDE): 5.99 pts, 42.1 h — never "5.99%" for a share."""
        return "—" if x is None else format_change(abs(x), self.unit).lstrip("+")

    def span(self, low: float | None, high: float | None, like: float | None = None) -> str:
        """An interval no finer than the estimate beside it (`like`): "-4.78, likely -8.79
        to -0.77", not "to -0.771"."""
        return join_span(format_change(low, self.unit, like=like),
                         format_change(high, self.unit, like=like), "to")

    def expects(self, change: Change | None) -> str:
        """A bet's `expects.change`: a relative one as written (-20%), else in units."""
        if change is None:
            return "—"
        if change.kind == "absolute":
            return self.change(change.amount)
        return str(change)


def sparkline(series: WeeklySeries, launch: date) -> str:
    values = [p.value for p in series.points if p.used and p.value is not None]
    if not values:
        return ""
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    out = []
    for p in series.points:
        if p.week == launch:
            out.append("|")
        if not p.used or p.value is None:
            out.append("·")
        else:
            out.append(_BLOCKS[min(7, int((p.value - lo) / span * 7.999))])
    return "".join(out)


def render_impact(r: BetImpact, catalog: MetricsFile | None = None) -> None:
    bet, kr, obj = r.ref.bet, r.ref.key_result, r.ref.objective
    assert kr is not None
    assert bet.shipped_on is not None
    u = _Units(kr.metric, kr.unit, catalog)
    console.print(f"[bold]{bet.id}[/bold] — {bet.title}  ({obj.team or 'no team'}, "
                  f"{r.ref.plan.period.label})")
    expected = u.expects(bet.expects.change if bet.expects else None)
    console.print(f"KR {kr.id}: {kr.metric} ({kr.segment or 'everyone'}); expects {expected}; "
                  f"shipped {bet.shipped_on.isoformat()}")
    console.print(f"weekly series {r.window_start.isoformat()} to "
                  f"{last_day(r.clock.end).isoformat()}: "
                  f"{r.pre_weeks_usable} weeks before, {r.post_weeks_usable} of "
                  f"{counted(r.post_weeks, 'week')} after the launch usable")
    console.print(f"  {sparkline(r.series, r.launch)}   (| = launch week {r.launch.isoformat()})")
    colour = _COLOUR[r.verdict]
    console.print(f"\n[bold {colour}]{r.primary.verdict.verdict.label.upper()}[/bold {colour}]"
                  f" (judged on the {_METHOD[r.primary.method]})")
    console.print(f"  {r.primary.verdict.summary}")

    table = Table(show_edge=False)
    for col in ("method", "effect", "interval", "relative", "MDE", "p", "verdict"):
        table.add_column(col, justify="left" if col in ("method", "verdict") else "right")
    for m in r.estimates:
        e = m.estimate
        if not e.ok:
            table.add_row(_METHOD[m.method], "—", "—", "—", "—", "—", f"not estimable: {e.message}")
            continue
        rel = "—" if e.relative_effect is None else f"{e.relative_effect:+.1%}"
        table.add_row(_METHOD[m.method], u.change(e.effect),
                      f"{u.span(e.low, e.high)} ({e.level:.0%})", rel,
                      u.size(e.mde),
                      "—" if e.p_value is None else f"{e.p_value:.2g}",
                      f"[{_COLOUR[m.verdict.verdict]}]{m.verdict.verdict.label}[/]")
    console.print(table)
    console.print(f"control: {r.control_note}")
    for m in r.estimates:
        console.print(f"\n[bold]assumptions of the {_METHOD[m.method]}[/bold]")
        for a in m.estimate.assumptions:
            console.print(f"  - {a}")
        if m.estimate.pre_trend is not None:
            console.print(f"  pre-trend check: {m.estimate.pre_trend.message}")
        for line in (check_message(m.estimate), *m.estimate.adjustments):
            if line:
                console.print(f"  pre-launch check: {line}")
    if r.experiment_note:
        console.print(f"\n[bold]experiment[/bold]: {r.experiment_note}")
    console.print(f"\n[bold]change your mind if[/bold]: "
                  f"{bet.change_mind_if or '(not written: say what evidence would)'}")
    console.print("  the numbers above are the evidence; judging the condition is the team's call")
    for note in r.notes:
        console.print(f"[dim]note: {note}[/dim]")


_METHOD = {"its": "interrupted time series", "did": "difference-in-differences"}


def render_detectability(d: KRDetectability, catalog: MetricsFile | None = None) -> None:
    u = _Units(d.metric, None, catalog)
    seg = f" ({d.segment})" if d.segment else ""
    sized = f"{u.change(d.expected_effect)} from {u.value(d.baseline)}"
    expects = (sized if d.expected.kind == "absolute"
               else f"{u.expects(d.expected)} ({sized})")  # fmt: skip
    console.print(f"KR {d.key_result}: {d.metric}{seg}; expects {expects}; "
                  f"{d.weeks_remaining:.1f} measurable weeks left")
    if d.ab is not None:
        ok = "[green]detectable[/green]" if d.ab.detectable else "[red]not detectable[/red]"
        weeks = "—" if d.ab.weeks_needed is None else f"{d.ab.weeks_needed:.1f}"
        units = "—" if d.units_per_week is None else f"{d.units_per_week:,.0f}"
        console.print(f"  A/B 50/50: {ok} — MDE {u.change(d.ab.mde)} with {units} "
                      f"units a week; power at the expected change {d.ab.power_at_expected:.0%}; "
                      f"{weeks} weeks needed")
    if d.launch_mde is not None:
        ok = "[green]detectable[/green]" if d.launch_detectable else "[red]not detectable[/red]"
        console.print(f"  before/after if shipped now: {ok} — MDE ±{u.size(d.launch_mde)}")
    for note in d.notes:
        console.print(f"  [dim]{note}[/dim]")
    if d.error:
        console.print(f"  [yellow]{d.error}[/yellow]")


def _units(ref: BetRef, catalog: MetricsFile | None) -> _Units:
    kr = ref.key_result
    return _Units(kr.metric if kr else None, kr.unit if kr else None, catalog)


def render_portfolio(p: Portfolio, catalog: MetricsFile | None = None) -> None:
    through = last_day(p.clock.end).isoformat()
    console.print(f"[bold]bets {p.period}[/bold] (full weeks through {through})")
    for status, entries in p.by_status():
        if not entries:
            continue
        table = Table(title=f"{status.value} ({len(entries)})", title_justify="left",
                      show_edge=False)
        for col in ("bet", "team", "key result", "expects", "evidence"):
            table.add_column(col)
        for e in entries:
            ref = e.ref
            kr = ref.key_result.id if ref.key_result else "—"
            u = _units(ref, catalog)
            table.add_row(ref.bet.id, ref.objective.team or "—", kr,
                          u.expects(ref.bet.expects.change if ref.bet.expects else None),
                          _evidence(e, u))
        console.print(table)
    if p.factory:
        table = Table(title="feature-factory index: shipped bets that moved their KR",
                      title_justify="left", show_edge=False)
        for col in ("team", "shipped", "judged", "moved", "wrong way", "no effect",
                    "inconclusive", "share moved"):
            table.add_column(col, justify="left" if col == "team" else "right")
        for f in p.factory:
            share = "—" if f.share_moved is None else f"{f.share_moved:.0%}"
            table.add_row(f.team, str(f.shipped), str(f.judged), str(f.moved), str(f.wrong_way),
                          str(f.no_effect), str(f.inconclusive), share)
        console.print(table)


def _evidence(e: BetEntry, u: _Units) -> str:
    if e.impact is not None:
        v = e.impact.primary.verdict
        est = e.impact.primary.estimate
        colour = _COLOUR[v.verdict]
        method = e.impact.primary.method
        said = (f"[{colour}]{v.verdict.label}[/]: {u.change(est.effect)}, likely "
                f"{u.span(est.low, est.high, like=est.effect)} ({_METHOD.get(method, method)})")
        if e.impact.experiment_note:
            # the before/after estimate is the weaker evidence when an A/B test ran
            said += (f"; ran experiment {e.ref.bet.experiment!r}: its A/B analysis is the "
                     "stronger evidence (`sowhat experiment analyze`)")
        return said
    if e.impact_error:
        return f"[dim]{e.impact_error}[/dim]"
    d = e.detectability
    if d is not None:
        parts = []
        if d.ab is not None:
            word = "[green]detectable[/green]" if d.ab.detectable else "[red]too small[/red]"
            parts.append(f"A/B {word} (MDE {u.change(d.ab.mde)})")
        if d.launch_mde is not None:
            word = "[green]detectable[/green]" if d.launch_detectable else "[red]too small[/red]"
            parts.append(f"before/after {word} (MDE ±{u.size(d.launch_mde)})")
        if not parts:
            return f"[dim]{d.error or 'no detectability estimate'}[/dim]"
        return f"{u.change(d.expected_effect)} expected: " + "; ".join(parts)
    if e.detectability_error:
        return f"[dim]{e.detectability_error}[/dim]"
    return ""


def register(app: typer.Typer) -> None:
    app.command("impact")(impact_command)
    app.command("bets")(bets_command)
    app.command("detectability")(detectability_command)

