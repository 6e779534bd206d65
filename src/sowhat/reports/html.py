"""Reviews as one self-contained HTML file: inline CSS and SVG charts, no external URL, so it
can be mailed, archived, opened offline and printed; PDF is the same HTML through WeasyPrint
(`reports.pdf`). Templates live next to this module (`templates/`)."""

from __future__ import annotations

import math
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from sowhat.domain.period import span_words
from sowhat.domain.units import format_chance
from sowhat.reports import words
from sowhat.reports.charts import ChartInput, Launch, render_kr_chart, time_marker

__all__ = ["env", "kr_chart", "render_html"]

_DIR = Path(str(resources.files("sowhat.reports") / "templates"))
env = Environment(loader=FileSystemLoader(_DIR), autoescape=select_autoescape(["html"]),
                  trim_blocks=True, lstrip_blocks=True)  # fmt: skip


def _rate(baseline: float | None, target: float | None, unit: str | None) -> bool:
    return words.is_rate(baseline, target, unit)


def kr_value(x: float | None, baseline: float | None, target: float | None,
             unit: str | None = None) -> Markup:  # fmt: skip
    return _breakable(words.value(x, rate=_rate(baseline, target, unit), unit=unit))


def kr_delta(x: float | None, baseline: float | None, target: float | None,
             unit: str | None = None, like: float | None = None) -> Markup:  # fmt: skip
    return _breakable(words.delta(x, rate=_rate(baseline, target, unit), unit=unit, like=like))


def _breakable(text: str) -> Markup:
    """A value that may wrap only between its number and "per ...": "18.7 per 1,000" breaks
    as "18.7 / per 1,000", "121 h" not at all. Table cells of numbers used to be nowrap, and
    three "20,000 per 1,000" columns pushed a QBR table past the PDF page's edge."""
    head, sep, tail = text.partition(" per ")
    nbsp = "\u00a0"
    out = escape(head).replace(" ", Markup(nbsp))
    if sep:
        out += Markup(" per" + nbsp) + escape(tail).replace(" ", Markup(nbsp))
    return Markup(out)


def pct(x: float | None, digits: int = 0) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    return f"{x * 100:.{digits}f}%"


def day(d: date | datetime | None) -> str:
    return "–" if d is None else d.strftime("%d %b %Y")


def kr_chart(*, title: str, start: date, end: date, points: Any, baseline: float | None,
             target: float | None, unit: str | None, today: date | None = None,
             launches: Any = (), today_label: str = "as of",
             key: str = "chart", data_through: datetime | None = None,
             unsettled: Any = (), grain: str = "week") -> Markup:  # fmt: skip
    """The same SVG chart as the KR page, for one KR of a report; the marker moves to where
    the data ends when that is before `today` (`time_marker`)."""
    rate = _rate(baseline, target, unit)
    if today is not None:
        today, today_label = time_marker(today, data_through, today_label)
    chart = ChartInput(title=title, start=start, end=end, points=list(points),
                       baseline=baseline, target=target,
                       launches=[Launch(d, label) for d, label in launches],
                       today=today, today_label=today_label, key=key,
                       unsettled=tuple(unsettled), label_px=18.0, grain=grain,
                       empty=("no whole month in the period yet" if grain == "month"
                              else "no values yet"))  # fmt: skip
    svg = str(render_kr_chart(chart, lambda v: words.value(v, rate=rate, unit=unit),
                              lambda ts: words.tick_labels(ts, rate=rate, unit=unit)))
    # The chart's own stylesheet goes inside the SVG: WeasyPrint (PDF) styles an inline SVG
    # only from its <style>, never from the page's.
    head, sep, rest = svg.partition(">")
    css = (_DIR / "chart.css").read_text(encoding="utf-8")
    return Markup(f"{head}{sep}<style>{css}</style>{rest}")


env.filters.update(pct=pct, day=day, chance=format_chance, span=span_words)
env.globals.update(kr_value=kr_value, kr_delta=kr_delta, kr_chart=kr_chart, words=words,
                   factory_line=words.factory_line)


def render_html(template: str, **context: Any) -> str:
    """One report as a complete HTML document, its stylesheet inlined."""
    css = (_DIR / "report.css").read_text(encoding="utf-8")
    return env.get_template(template).render(css=Markup(css), **context)
