"""Jinja2 rendering for the pages: templates live in the `sowhat.web` package (data only),
the filters that format numbers live here, next to the code that calls them.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from sowhat.api.auth import optional_caller
from sowhat.api.problems import Problem
from sowhat.domain.period import span_words
from sowhat.domain.units import distinct_precision, format_chance, format_change, format_value
from sowhat.reports.words import factory_line

__all__ = ["fmt_value", "render", "render_problem", "templates"]

templates = Jinja2Templates(directory=Path(str(resources.files("sowhat.web") / "templates")))


def fmt_pct(value: float | None, digits: int = 0) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value * 100:.{digits}f}%"


def fmt_chance(value: float | None) -> str:
    """A model's probability: never "0%" or "100%" (the CLI and reports say the same)."""
    if value is None or not math.isfinite(value):
        return "–"
    return format_chance(value)


@lru_cache(maxsize=1 << 16)
def fmt_value(value: float | None, baseline: float | None = None, target: float | None = None,
              unit: str | None = None) -> str:  # fmt: skip
    """A KR value in its unit (45.2%, 18 per 1,000, 6 h), with the digits that keep it apart
    from the KR's baseline and target: the one formatter, sowhat.domain.units.

    Remembered (a pure function of its arguments): a page of a large plan shows hundreds of
    values, and finding the digits that keep three values apart formats each several times."""
    precision = distinct_precision([value, baseline, target], unit)
    return format_value(value, unit, precision=precision)


def fmt_kr(value: float | None, kr: Any) -> str:
    return fmt_value(value, kr.baseline, kr.target, kr.unit)


def fmt_kr_delta(change: float | None, kr: Any, like: float | None = None) -> str:
    """A change of a KR's value: points for shares (+2.4 pts), else the KR's units; no
    finer than `like`, the value it is shown beside."""
    return format_change(change, kr.unit, like=like)


def fmt_when(moment: datetime | date | None) -> str:
    if moment is None:
        return "–"
    if isinstance(moment, datetime):
        delta = datetime.now(UTC) - moment
        if delta.total_seconds() < 60:
            return "just now"
        if delta.total_seconds() < 3600:
            return f"{int(delta.total_seconds() // 60)} min ago"
        if delta.days < 1:
            return f"{int(delta.total_seconds() // 3600)} h ago"
        return moment.strftime("%d %b %Y %H:%M")
    return moment.strftime("%d %b %Y")


def progress_class(progress: float | None, elapsed: float | None = None) -> str:
    """on-track / at-risk / off-track, against the share of the period already gone."""
    if progress is None:
        return "unmeasured"
    expected = elapsed if elapsed is not None else 0.7
    if progress >= expected - 0.1:
        return "on-track"
    return "at-risk" if progress >= expected - 0.35 else "off-track"


def progress_meter(value: float | None, elapsed: float | None = None, label: str = "progress",
                   word: str | None = None, missing: str = "not measured",
                   shown: float | None = None) -> Markup:  # fmt: skip
    """A progress bar with its number: a meter with its value in words for screen readers,
    coloured by the status word's class (else by pace). The `progress` macro of _macros.html
    is this function; long lists call it directly (a Jinja macro call costs more than the
    HTML it writes)."""
    cls = escape(word if word else progress_class(value, elapsed))
    share = (value or 0) * 100
    # the bar is clipped to 0..100%; its number is `shown` when given (a KR's signed
    # progress: "-187%" for one that moved away, "130%" past its target)
    text = fmt_pct(shown if shown is not None else value) if value is not None else None
    return Markup(
        f'<div class="progress {cls}" role="meter" aria-label="{escape(label)}" '
        f'aria-valuemin="0" aria-valuemax="100" aria-valuenow="{round(share)}" '
        f'aria-valuetext="{text or escape(missing)}">\n'
        f'  <span class="bar" style="width: {round(share, 1)}%"></span>\n</div>\n'
        f'<span class="pct {cls}">{text or escape(missing)}</span>')


def status_badge(word: str, reason: str | None = None) -> Markup:
    """The status word (services.standing.rule) as a labelled badge, never colour alone:
    the `status_word` macro of _macros.html."""
    title = f' title="{escape(reason)}"' if reason else ""
    return Markup(f'<span class="word word-{escape(str(word).replace(" ", "-"))}"{title}>'
                  f"{escape(word)}</span>")


def fmt_field(value: Any) -> str:
    """An audit before/after value for people: no Python reprs."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(fmt_field(v) for v in value) or "none"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def expected_change(change: Any, kr: Any) -> str:
    """A bet's `expects.change` on its KR's scale: "+0.04" on a share reads "+4.0 pts";
    a relative change ("-50%") reads as written."""
    text = str(change).strip()
    if kr is None or text.endswith("%"):
        return text
    try:
        number = float(text)
    except ValueError:
        return text
    return fmt_kr_delta(number, kr)


_TICKS = re.compile(r"`([^`\n]+)`")


def code_spans(text: Any) -> Markup:
    """A message shared with the CLI, where commands, keys and files are marked with
    backticks ("then run `sowhat sync`"): escaped, with each marked span set as code. The
    pages printed the backticks, so every demo page's data banner read like a bad paste."""
    if text is None:
        return Markup("")
    return Markup(_TICKS.sub(r"<code>\1</code>", str(escape(text))))


def audit_value(key: str, value: Any, kr: Any) -> str:
    """A KR's audited field as people read it: confidence 59%, a value on the KR's scale."""
    if value is None:
        return "none"
    if key == "confidence" and isinstance(value, int | float):
        return fmt_pct(float(value))
    if key in ("value", "baseline", "target") and isinstance(value, int | float):
        return fmt_kr(float(value), kr)
    return fmt_field(value)


templates.env.globals.update(audit_value=audit_value, expected_change=expected_change,
                             factory_line=factory_line)
templates.env.filters.update(pct=fmt_pct, chance=fmt_chance, kr_value=fmt_kr, kr_delta=fmt_kr_delta,
                             when=fmt_when, span=span_words, code=code_spans,
                             field=fmt_field, unit_value=format_value, unit_change=format_change)
templates.env.globals.update(progress_class=progress_class, fmt_value=fmt_value,
                             progress_meter=progress_meter, status_badge=status_badge)


def render(request: Request, name: str, context: dict[str, Any] | None = None, *,
           status_code: int = 200) -> HTMLResponse:  # fmt: skip
    """Render a page with what every page needs: the caller and their CSRF token."""
    caller = optional_caller(request)
    base = {
        "request": request,
        "caller": caller,
        "user": caller.principal if caller else None,
        "csrf": caller.csrf_token if caller else "",
        "path": request.url.path,
        "workspace_name": request.app.state.sowhat.workspace.config.workspace.name,
    }
    return templates.TemplateResponse(request, name, {**base, **(context or {})},
                                      status_code=status_code)  # fmt: skip


def render_problem(request: Request, problem: Problem) -> HTMLResponse:
    try:
        return render(request, "error.html", {"problem": problem}, status_code=problem.status)
    except Exception:  # the error page must never fail; fall back to plain text
        return HTMLResponse(f"<h1>{problem.status} {problem.title}</h1>",
                            status_code=problem.status)  # fmt: skip
