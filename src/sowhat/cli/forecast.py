"""`sowhat forecast [KR]`: how likely each KR reaches its target by the period's end."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer
from rich.table import Table

from sowhat.cli.common import console, database, print_json, workspace_option
from sowhat.domain.period import last_day
from sowhat.domain.units import format_values, join_span
from sowhat.errors import UserError
from sowhat.services.forecasts import (
    FORECAST_ASSUMPTIONS,
    AmbitionView,
    Basis,
    KRForecastView,
    Outlook,
)
from sowhat.services.listing.forecasts import period_forecasts
from sowhat.spec.workspace import load_workspace
from sowhat.stats.forecast import pct

_STYLE = {Outlook.ON_TRACK: "green", Outlook.UNCERTAIN: "yellow", Outlook.OFF_TRACK: "red",
          Outlook.UNKNOWN: "dim"}


def forecast(
    kr_id: str = typer.Argument(None, help="One key result (default: all of the period)."),
    workspace: Path = workspace_option(),
    period: str = typer.Option(None, help="Period label (default: the one covering today)."),
    interval: float = typer.Option(0.8, "--interval",
                                   help="Width of the projected range (central probability), "
                                   "0.5 to 0.99."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """P(target by the period's end), the projected value and range, and the ambition check.

    Reads the forecasts the last `sowhat sync` stored (fitting those whose inputs changed
    since, or all with another --interval). A `level` KR (rates, medians, NPS)
    is forecast as its trailing-window level at the period's end — the quantity it is scored
    on; a `cumulative` KR (counts, totals) gets a run-rate projection of its period total.
    See docs/forecast.md.
    Example: sowhat forecast gr-activation-mid -w sowhat-demo --period 2026-Q4
    """
    if not 0.5 <= interval <= 0.99:  # a value to fix (exit 1), not a usage error (exit 2)
        raise UserError(f"--interval {interval:g} is outside 0.5 to 0.99",
                        hint="write e.g. --interval 0.8 for the central 80%")
    ws = load_workspace(workspace)
    db = database(ws, create=False)
    try:
        with db.transaction(write=False) as session:
            result = period_forecasts(session=session, catalog=ws.metrics, period=period,
                                     kr_ids=[kr_id] if kr_id else None, interval=interval)
    finally:
        db.dispose()
    if as_json:
        print_json(asdict(result))
        return
    if result.series_as_of:
        since = f", weekly series to the week of {result.series_as_of}"
    elif any(f.to_date is not None for f in result.key_results):
        # measured, yet no week: a monthly metric has none (each KR's note says so)
        since = ", no weekly series"
    else:
        since = ", no weekly series yet: run `sowhat sync`"
    console.print(f"[bold]Forecast · {result.period}[/bold] [dim]({result.start} to "
                  f"{last_day(result.end)}{since})[/dim]")
    if kr_id:
        _render_one(result.key_results[0])
        _assumptions()
        return
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for col in ("KR", "basis", "now", "latest week", "projected", "range", "target",
                "P(target)", "with no change"):
        table.add_column(col, justify="left" if col in ("KR", "basis", "with no change")
                         else "right")
    for f in result.key_results:
        style = _STYLE[f.outlook]
        # now and target as `sowhat status` shows them (one group with the baseline); the
        # forecast's own figures in a group of their own, so a range end close to the target
        # does not force every figure of the row to four digits
        to_date, _, target = format_values([f.to_date, f.baseline, f.target], f.unit)
        last, projected, low, high = format_values(
            [f.last_week_value, f.projected, f.low, f.high], f.unit)
        if f.last_week is not None and f.last_week != result.series_as_of:
            # an earlier week than the header's (its cohorts matured, the later ones not yet):
            # undated, 47.7% read as the week of the header
            last = f"{last} ({f.last_week:%b %d})"
        table.add_row(
            f.kr_id, "level" if f.basis is Basis.WEEKLY_LEVEL else "total", to_date, last,
            projected,
            join_span(low, high, "–") if f.low is not None and f.high is not None else "—",
            target,
            f"[{style}]{pct(f.probability)}[/{style}]" if f.probability is not None else "—",
            _no_change(f.ambition),
        )
    if not result.key_results:
        console.print("[dim]no key results with a metric[/dim]")
        return
    console.print(table)
    console.print(f"[dim]now: each KR's measure as of the data. level: the KR's trailing-window "
                  f"level at the period's end, {interval:.0%} range; total: the period total "
                  "at its end at the pace so far. with no change: the ambition check made at "
                  "planning — P(target) had the metric carried on as in the weeks before the "
                  "period (sandbagged above 80%, unreachable below 5%); P(target) is the "
                  "chance now, with the period's weeks so far.[/dim]")
    _assumptions()


def _no_change(a: AmbitionView | None) -> str:
    """The ambition verdict with its own probability beside it, so "unreachable" next to a
    P(target) of 73% reads as what it is: a judgement on the pre-period trend, not now."""
    if a is None:
        return "—"
    if a.probability is None:
        # "unknown" alone said nothing about why: too little history before the period
        return f"{a.verdict}: {a.message}" if a.message else a.verdict
    return f"{a.verdict} ({pct(a.probability)})"


def _assumptions() -> None:
    """What the level forecasts assume, and what would make them wrong (issue 16)."""
    console.print("[bold]What the forecast assumes[/bold] [dim](and what would make it "
                  "wrong)[/dim]")
    for a in FORECAST_ASSUMPTIONS:
        console.print(f"  - {a}", style="dim")


def _render_one(f: KRForecastView) -> None:
    style = _STYLE[f.outlook]
    to_date, last, target = format_values([f.to_date, f.last_week_value, f.target], f.unit)
    console.print(f"{f.kr_id}: {f.title}")
    now = "now" if f.basis is Basis.WEEKLY_LEVEL else "to date"
    console.print(f"  {now} {to_date}; latest week ({f.last_week or '—'}) "
                  f"{last}; target {target} ({f.direction or '?'})")
    console.print(f"  [{style}]{f.describe()}[/{style}]")
    if f.note and f.note != f.describe():
        console.print(f"  [dim]{f.note}[/dim]")
    for p in f.path:
        median, low, high = format_values([p.median, p.low, p.high], f.unit)
        console.print(f"    week of {p.week}: {median} ({low}–{high}), "
                      f"P(target) {pct(p.hit_probability)}", style="dim")
    if f.ambition:
        console.print(f"  ambition: {f.ambition.verdict} — {f.ambition.message}")


def register(app: typer.Typer) -> None:
    app.command()(forecast)
