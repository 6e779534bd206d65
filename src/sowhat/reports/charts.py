"""The KR chart as server-side SVG: no JavaScript, readable by screen readers, printable,
and the same in the web page and in the HTML/PDF reports (which inline it).

One picture answers "are we getting there?": the KR's values as a line over the period, the
baseline and target as horizontal reference lines, a forecast band when a forecast exists,
each bet launch (a shipped bet that expects to move this KR) as a vertical line at its ship
date, so a bend in the line can be read against what shipped, and "today" (or the end of
the data) as a labelled vertical line. Axis labels carry exactly the decimals their ticks
need (`tick_fmt`), so 1.75% never reads 1.8%.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape

from markupsafe import Markup

from sowhat.domain.period import add_months

__all__ = ["ChartInput", "Launch", "render_kr_chart", "sparkline", "time_marker"]

W, H = 720, 290
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 30, 40
AXIS_CHAR = 13
"""Width allowed per axis-label character at the axis font size (20px: digits are ~0.64 em,
"%" wider, "." narrower)."""


@dataclass(frozen=True)
class Launch:
    day: date
    label: str


@dataclass(frozen=True)
class ChartInput:
    title: str
    start: date  # period start (inclusive)
    end: date  # period end (exclusive)
    points: Sequence[tuple[date, float]]  # week (Monday) -> value; month (1st) by `grain`
    baseline: float | None
    target: float | None
    launches: Sequence[Launch] = ()
    band: Sequence[tuple[date, float, float]] = ()  # forecast: week -> (low, high)
    weekly: Sequence[tuple[date, float]] = ()  # the metric's own weekly values (dotted)
    manual: Sequence[tuple[date, float]] = ()  # values people typed (diamonds on the line)
    # weeks whose value still moves (services.forecasts.unsettled_weeks): drawn hollow, joined
    # by a dashed line and labelled "so far", never read as a settled week
    unsettled: Sequence[date] = ()
    today: date | None = None  # a labelled vertical marker
    today_label: str = "today"
    key: str = "chart"  # makes the SVG's element ids unique when a page holds several
    # the launch labels' font size in the picture's units, as the page's stylesheet sets it
    # (the web's sowhat.css: 11 px; a report's chart.css: 18 px): labels are placed by it
    label_px: float = 11.0
    # "month": each point is a calendar month (a `per: month` metric), drawn as a step over
    # the month's days, never as one week's dot
    grain: str = "week"
    empty: str = "no values yet"  # what the picture says when there is no point to draw


LABEL_EM = 0.62
"""Width of one character of a bold launch label, in ems: a little over DejaVu Sans Bold's
average (0.55 em measured in a report's PDF), so a placed label never runs over."""


def _launch_label(label: str, at: float, left: float, px: float) -> tuple[float, str, str]:
    """(x, text-anchor, text) of a bet launch's label: right of its line when it fits there,
    else left of it, else shortened with "…" on the roomier side. Written right of a line
    late in the period, "Guided onboarding checklist for mid-sized accounts" ran past the
    picture and was cut mid-word (the full name stays in the label's <title>)."""
    char = LABEL_EM * px
    room_right, room_left = W - RIGHT - (at + 5), (at - 5) - left
    width = len(label) * char
    if width <= room_right:
        return at + 5, "start", label
    if width <= room_left:
        return at - 5, "end", label
    right = room_right >= room_left
    fits = max(int((room_right if right else room_left) / char) - 1, 1)
    short = label[:fits].rstrip() + "…"
    return (at + 5, "start", short) if right else (at - 5, "end", short)


def render_kr_chart(
    chart: ChartInput, fmt: Callable[[float], str],
    tick_fmt: Callable[[list[float]], list[str]] | None = None,
) -> Markup:
    values = [v for _, v in chart.points] + [v for _, v in chart.weekly]
    values += [v for _, v in chart.manual]
    refs = [v for v in (chart.baseline, chart.target) if v is not None]
    refs += [x for _, lo, hi in chart.band for x in (lo, hi)]
    lo, hi = _range(values + refs)
    days = max((chart.end - chart.start).days, 1)
    ticks = _ticks(lo, hi)
    if values + refs:
        lo, hi, ticks = _covered(lo, hi, ticks, min(values + refs), max(values + refs))
    labels = tick_fmt(ticks) if tick_fmt else [fmt(t) for t in ticks]
    # The axis labels are right-aligned against the plot: leave room for the longest one, so
    # "17.5%" or "1,250 h" is never cut at the picture's edge (a PDF shows what is cut).
    left = max(LEFT, 16 + AXIS_CHAR * max((len(t) for t in labels), default=0))

    def x(day: date) -> float:
        return left + (W - left - RIGHT) * min(max((day - chart.start).days / days, 0.0), 1.0)

    def y(value: float) -> float:
        return TOP + (H - TOP - BOTTOM) * (1.0 - (value - lo) / (hi - lo))

    parts: list[str] = []
    for tick, label in zip(ticks, labels, strict=True):
        parts.append(f'<line class="grid" x1="{left}" x2="{W - RIGHT}" y1="{y(tick):.1f}" '
                     f'y2="{y(tick):.1f}"/>'
                     f'<text class="axis" x="{left - 8}" y="{y(tick) + 4:.1f}" '
                     f'text-anchor="end">{escape(label)}</text>')  # fmt: skip
    for month in _months(chart.start, chart.end):
        parts.append(f'<text class="axis" x="{x(month):.1f}" y="{H - BOTTOM + 18}" '
                     f'text-anchor="middle">{month.strftime("%b %Y")}</text>')  # fmt: skip
    if chart.band:
        upper = " ".join(f"{x(d):.1f},{y(h):.1f}" for d, _, h in chart.band)
        lower = " ".join(f"{x(d):.1f},{y(lo_):.1f}" for d, lo_, _ in reversed(chart.band))
        parts.append(f'<polygon class="band" points="{upper} {lower}"><title>forecast range'
                     "</title></polygon>")  # fmt: skip
    # The target's label sits above its line and the baseline's below, so they never
    # collide however close the two values are.
    for cls, value, name, dy in (("baseline", chart.baseline, "baseline", 15),
                                 ("target", chart.target, "target", -6)):  # fmt: skip
        if value is not None:
            parts.append(f'<line class="{cls}" x1="{left}" x2="{W - RIGHT}" y1="{y(value):.1f}" '
                         f'y2="{y(value):.1f}"/><text class="ref {cls}" x="{W - RIGHT - 4}" '
                         f'y="{y(value) + dy:.1f}" text-anchor="end">{name} '
                         f"{escape(fmt(value))}</text>")  # fmt: skip
    for launch in chart.launches:
        if chart.start <= launch.day < chart.end:
            at = x(launch.day)
            label_x, anchor, text = _launch_label(launch.label, at, left, chart.label_px)
            parts.append(f'<line class="launch" x1="{at:.1f}" x2="{at:.1f}" '
                         f'y1="{TOP}" y2="{H - BOTTOM}"/><text class="launch-label" '
                         f'x="{label_x:.1f}" y="{H - BOTTOM - 8}" text-anchor="{anchor}">'
                         f"<title>{escape(launch.label)}</title>{escape(text)}</text>")  # fmt: skip
    if chart.today is not None and chart.start <= chart.today < chart.end:
        parts.append(f'<line class="today" x1="{x(chart.today):.1f}" x2="{x(chart.today):.1f}" '
                     f'y1="{TOP}" y2="{H - BOTTOM}"/><text class="today-label" '
                     f'x="{x(chart.today):.1f}" y="{TOP - 6}" text-anchor="middle">'
                     f"{escape(chart.today_label)}</text>")  # fmt: skip
    if len(chart.weekly) > 1:
        dotted = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in chart.weekly)
        parts.append(f'<polyline class="weekly" points="{dotted}"><title>weekly value'
                     "</title></polyline>")  # fmt: skip
    if chart.points and chart.grain == "month":
        parts += _month_steps(chart.points, x, y, fmt)
    elif chart.points:
        open_ = set(chart.unsettled)
        settled = [(d, v) for d, v in chart.points if d not in open_]
        if settled:
            path = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in settled)
            parts.append(f'<polyline class="series" points="{path}"/>')
        moving = settled[-1:] + [(d, v) for d, v in chart.points if d in open_]
        if len(moving) > 1:
            path = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in moving)
            parts.append(f'<polyline class="series unsettled" points="{path}"/>')
        for d, v in chart.points:
            if d in open_:
                parts.append(f'<circle class="point unsettled" cx="{x(d):.1f}" cy="{y(v):.1f}" '
                             f'r="4"><title>week of {d.isoformat()} so far: {escape(fmt(v))} '
                             "(still moving: the week or its cohorts are not complete)</title>"
                             "</circle>")  # fmt: skip
            else:
                parts.append(f'<circle class="point" cx="{x(d):.1f}" cy="{y(v):.1f}" r="4">'
                             f"<title>week of {d.isoformat()}: {escape(fmt(v))}</title></circle>")
        if open_ and chart.points[-1][0] in open_:
            d, v = chart.points[-1]
            parts.append(f'<text class="so-far" x="{x(d) + 7:.1f}" y="{y(v) - 8:.1f}">so far'
                         "</text>")  # fmt: skip
    else:
        parts.append(f'<text class="empty" x="{W / 2}" y="{H / 2}" text-anchor="middle">'
                     f"{escape(chart.empty)}</text>")  # fmt: skip
    for d, v in chart.manual:
        cx, cy = x(d), y(v)
        parts.append(f'<path class="manual" d="M{cx:.1f},{cy - 6:.1f} L{cx + 6:.1f},{cy:.1f} '
                     f'L{cx:.1f},{cy + 6:.1f} L{cx - 6:.1f},{cy:.1f} Z"><title>typed in a '
                     f"check-in, week of {d.isoformat()}: {escape(fmt(v))}</title></path>")
    desc = _describe(chart, fmt)
    k = escape(chart.key)
    svg = (f'<svg class="kr-chart" viewBox="0 0 {W} {H}" role="img" '
           f'aria-labelledby="{k}-title {k}-desc" xmlns="http://www.w3.org/2000/svg">'
           f'<title id="{k}-title">{escape(chart.title)}</title>'
           f'<desc id="{k}-desc">{escape(desc)}</desc>{"".join(parts)}</svg>')  # fmt: skip
    return Markup(svg)


def _month_steps(points: Sequence[tuple[date, float]], x: Callable[[date], float],
                 y: Callable[[float], float], fmt: Callable[[float], str]) -> list[str]:
    """A monthly metric's months as a staircase: each value flat over its own month's days
    (where it was measured), with a dot at the month's middle naming it. A dot per month
    joined by slopes would draw values between months that no window ever measured."""
    steps: list[str] = []
    dots: list[str] = []
    for first, value in points:
        following = add_months(first, 1)
        steps.append(f"{x(first):.1f},{y(value):.1f} {x(following):.1f},{y(value):.1f}")
        mid = first + (following - first) / 2
        dots.append(f'<circle class="point" cx="{x(mid):.1f}" cy="{y(value):.1f}" r="4">'
                    f"<title>{first:%B %Y}: {escape(fmt(value))}</title></circle>")
    return [f'<polyline class="series month" points="{" ".join(steps)}"/>', *dots]


def time_marker(today: date, data_through: datetime | date | None,
                label: str = "today") -> tuple[date, str]:
    """Where the chart's vertical line goes and what it says: `today`, or where the data ends
    when that is more than a day earlier. A line at today over a series that stopped weeks
    before reads as "nothing has happened since"; "data through 16 Nov" says why it stops."""
    if data_through is not None:
        end = data_through.date() if isinstance(data_through, datetime) else data_through
        if end < today - timedelta(days=1):
            return end, f"data through {end:%d %b}"
    return today, label


def sparkline(points: Sequence[tuple[date, float]], *, label: str) -> Markup:
    """A small trend line (the dashboard's North Star), 200x48."""
    if len(points) < 2:
        return Markup("")
    lo, hi = _range([v for _, v in points])
    n = len(points) - 1
    coords = " ".join(f"{4 + 192 * i / n:.1f},{44 - 40 * (v - lo) / (hi - lo):.1f}"
                      for i, (_, v) in enumerate(points))  # fmt: skip
    return Markup(f'<svg class="sparkline" viewBox="0 0 200 48" role="img" '
                  f'aria-label="{escape(label)}"><polyline points="{coords}"/></svg>')


def _describe(chart: ChartInput, fmt: Callable[[float], str]) -> str:
    bits = []
    if chart.baseline is not None and chart.target is not None:
        bits.append(f"from baseline {fmt(chart.baseline)} to target {fmt(chart.target)}")
    if chart.points and chart.grain == "month":
        d, v = chart.points[-1]
        bits.append(f"{len(chart.points)} monthly values, latest {fmt(v)} in {d:%B %Y}")
    elif chart.points:
        d, v = chart.points[-1]
        so_far = " so far (not complete)" if d in set(chart.unsettled) else ""
        bits.append(f"{len(chart.points)} weekly values, latest {fmt(v)} in the week of "
                    f"{d}{so_far}")
    if chart.manual:
        bits.append(f"{len(chart.manual)} values typed in check-ins")
    for launch in chart.launches:
        bits.append(f"{launch.label} shipped {launch.day}")
    return "; ".join(bits) or "no data yet"


def _range(values: Sequence[float]) -> tuple[float, float]:
    if not values:
        return 0.0, 1.0
    lo, hi = min(values), max(values)
    if hi == lo:
        pad = abs(hi) * 0.1 or 1.0
        return lo - pad, hi + pad
    pad = (hi - lo) * 0.12
    return lo - pad, hi + pad


def _ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5, 5 x 10^k) inside [lo, hi]."""
    raw = (hi - lo) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step) * step
    # round away the float noise of first + i * step, at the step's own precision
    digits = max(0, -math.floor(math.log10(step)) + 2)
    return [round(first + i * step, digits) for i in range(count + 2)
            if first + i * step <= hi]


def _covered(lo: float, hi: float, ticks: list[float], low: float,
             high: float) -> tuple[float, float, list[float]]:
    """The axis stretched by one step where a drawn value lies beyond its outermost tick, so
    every value reads between two labelled gridlines: 7.25% drawn above a top tick of 7%
    was read as "about 7%", or had to be guessed from the baseline's label."""
    if len(ticks) < 2:
        return lo, hi, ticks
    step = ticks[1] - ticks[0]
    digits = max(0, -math.floor(math.log10(step)) + 2)
    out = list(ticks)
    if high > out[-1] + step * 1e-9:
        out.append(round(out[-1] + step, digits))
        hi = max(hi, out[-1])
    if low < out[0] - step * 1e-9:
        out.insert(0, round(out[0] - step, digits))
        lo = min(lo, out[0])
    return lo, hi, out


def _months(start: date, end: date) -> list[date]:
    out, day = [], date(start.year, start.month, 1)
    while day < end:
        if day >= start:
            out.append(day)
        day = add_months(day, 1)
    return out
