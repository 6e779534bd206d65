"""Reviews as Markdown: for a wiki page, a pull request or a chat message.

Pure functions from the frozen review values to text, so the CLI (`--format markdown`), the
web's download and `sowhat report --format md` print the same document. KR values read as
`sowhat status` shows them (45.2%, not 0.452; `reports.words`), changes of a share in
points; probabilities are percentages that never claim 0% or 100%.
"""

from __future__ import annotations

from collections.abc import Mapping

from sowhat.domain.units import format_change, format_value
from sowhat.reports import words
from sowhat.services.forecasts import Outlook
from sowhat.services.reviews.lessons import Lesson
from sowhat.services.reviews.monthly import MonthlyReview
from sowhat.services.reviews.quarter import QuarterReview
from sowhat.services.reviews.weekly import WeeklyReview
from sowhat.stats.forecast import pct

__all__ = ["kr_num", "kr_signed", "monthly_markdown", "num", "quarter_markdown", "signed",
           "weekly_markdown"]

OUTLOOK_TEXT = {
    Outlook.ON_TRACK: "on track",
    Outlook.UNCERTAIN: "uncertain",
    Outlook.OFF_TRACK: "off track",
    Outlook.UNKNOWN: "—",
}


def num(x: float | None, unit: str | None = None) -> str:
    """A value in its KR's unit (45.2%), as status and the web show it."""
    return format_value(x, unit)


def signed(x: float | None, unit: str | None = None) -> str:
    """A change in its KR's unit: +2.4 pts for a rate, -10 min, +120."""
    return format_change(x, unit)


def kr_num(x: float | None, baseline: float | None, target: float | None,
           unit: str | None) -> str:  # fmt: skip
    """A KR value on the KR's own scale: 45.2% for a share, `118 hours`, `1,200`."""
    if x is None:
        return "—"
    return words.value(x, rate=words.is_rate(baseline, target, unit), unit=unit)


def kr_signed(x: float | None, baseline: float | None, target: float | None,
              unit: str | None, *, like: float | None = None) -> str:  # fmt: skip
    """A change of a KR value: +2.4 pts for a share, else in the KR's units; no finer than
    `like`, the value it sits beside."""
    if x is None:
        return "—"
    return words.delta(x, rate=words.is_rate(baseline, target, unit), unit=unit, like=like)


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def _lessons(title: str, lessons: tuple[Lesson, ...]) -> list[str]:
    out = [f"## {title}", ""]
    if not lessons:
        out += ["_none recorded_", ""]
        return out
    for lesson in lessons:
        scope = f" ({lesson.objective_id})" if lesson.objective_id else ""
        out.append(f"- {_cell(lesson.text)}{scope} — {lesson.author}")
    return [*out, ""]


def weekly_markdown(r: WeeklyReview) -> str:
    synced = r.last_sync.strftime("%Y-%m-%d %H:%M UTC") if r.last_sync else "never"
    out = [f"# Weekly review · {r.period} · week of {r.week.isoformat()}", "",
           f"As of {r.as_of:%Y-%m-%d %H:%M} UTC; last sync {synced}. *Now* is the KR's "
           "measure at the week's end (its level over the trailing window, or the period "
           "total); *weekly* is the latest week's own value, dated when that is an earlier "
           "week (cohorts still in their outcome window), *so far* while some of its cohorts "
           "still are (the value still moves; Δ week waits until it settles).", ""]
    out += ["## Key results", "",
            "| KR | indicator | weekly | Δ week | now | Δ now | P(target) | outlook "
            "| confidence | note |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for k in r.key_results:
        risk = " ⚠" if k.objective_at_risk else ""
        scale = (k.baseline, k.target, k.unit)
        note = r.weekly_note(k)
        dated = f" ({note})" if note else ""
        out.append(
            f"| {k.kr_id}{risk} | {k.indicator} | {kr_num(k.weekly_value, *scale)}{dated} | "
            f"{kr_signed(k.weekly_change, *scale, like=k.weekly_value)} | "
            f"{kr_num(k.to_date, *scale)} | "
            f"{kr_signed(k.to_date_change, *scale, like=k.to_date)} | "
            f"{pct(k.probability) if k.probability is not None else '—'} | "
            f"{OUTLOOK_TEXT[k.outlook]} | "
            f"{f'{k.confidence:.0%}' if k.confidence is not None else '—'} | {_cell(k.note)} |"
        )
    out.append("")
    unread = [k for k in r.key_results if k.not_readable]
    if unread:
        out += [f"⏳ **{k.kr_id}** is not readable yet: {k.not_readable}." for k in unread] + [""]
    out += ["## Guardrail alerts", ""]
    out += [f"- **{g.objective_id}** is at risk: {g.reason}" for g in r.guardrail_alerts]
    out += [f"- **{g.objective_id}**: not judged — {g.reason}"
            for g in r.guardrails_not_judged]
    if r.all_guardrails_held:
        out.append("_all guardrails held_")
    out += [f"- **{g.objective_id}** held, within noise: {g.reason}"
            for g in r.guardrails_within_noise]
    if r.no_guardrails:
        out.append(f"_{r.no_guardrails}_")
    out += ["", "## Check-ins missing", ""]
    out += [f"- {m.kr_id} — {m.owner or 'no owner'} ("
            + (f"last by a person: week of {m.last_checked_in.isoformat()})"
               if m.last_checked_in else "no check-in by a person yet)")
            for m in r.missing_checkins] or ["_everyone checked in_"]
    out += ["", "## Bets since launch", ""]
    for b in r.bets:
        flag = "**check your change-mind condition** — " if b in r.change_mind else ""
        cond = f" Condition: _{_cell(b.change_mind_if)}_" if b.change_mind_if else ""
        out.append(f"- {b.bet_id} (shipped {b.shipped_on.isoformat()}): {flag}{b.message}.{cond}")
    if not r.bets:
        out.append("_no shipped bets with an expected change_")
    out.append("")
    if r.previous_period:
        out += _lessons(f"Lessons from {r.previous_period}", r.previous_lessons)
    return "\n".join(out).rstrip() + "\n"


def monthly_markdown(r: MonthlyReview) -> str:
    out = [f"# Monthly review · {r.period} · {r.month}", "",
           f"The month {r.start.isoformat()} to {r.last_day.isoformat()} against "
           f"{r.previous_month}, as known on {r.as_of:%Y-%m-%d}. Weekly values are each week's "
           "own window; the weekly trend is their slope within the month, named only beyond "
           "noise.", ""]
    for k in r.key_results:
        seg = f" · segment {k.segment}" if k.segment else ""
        sc = (k.baseline, k.target, k.unit)
        out += [f"## {k.kr_id} — {k.metric}{seg} ({k.indicator})", "", _cell(k.title), "",
                f"- this month **{kr_num(k.value, *sc)}**{k.value_words}, last month "
                f"{kr_num(k.previous, *sc)}{k.previous_words} "
                f"({kr_signed(k.change, *sc, like=k.value)}"
                f"{k.change_words}); baseline "
                f"{kr_num(k.baseline, *sc)} → target {kr_num(k.target, *sc)}",
                f"- weekly trend within the month: {k.trend}"
                + (f" ({kr_signed(k.slope_per_week, *sc)} a week)"
                   if k.slope_per_week is not None else ""),
                "- weeks: " + (", ".join(f"{w.week.isoformat()} {kr_num(w.value, *sc)}"
                                         + (" (so far)" if w.so_far else "")
                                         for w in k.weeks) or "—")]
        if k.covers:
            out.append(f"- {k.covers}")
        if k.error:
            out.append(f"- error: {k.error}")
        if k.not_yet:
            out.append(f"- {k.not_yet}")
        if k.so_far_note:
            out.append(f"- {k.so_far_note}")
        out += ["", f"| segment | this month{k.value_words} | last month{k.previous_words} | "
                "change | entities |",
                "|---|---|---|---|---|"]
        for s in k.segments:
            name = s.segment or "everyone"
            mark = " (KR)" if s.segment == k.segment else ""
            out.append(f"| {name}{mark} | {kr_num(s.value, *sc)} | {kr_num(s.previous, *sc)} | "
                       f"{kr_signed(s.change, *sc, like=s.value)} | "
                       f"{s.entities if s.entities is not None else '—'} |")
        out += ["", *(f"- {s.segment} reads nothing: {s.matches_nothing}"
                      for s in k.segments if s.matches_nothing)]
        out.append("")
    if not r.key_results:
        out += ["_no key results with a metric_", ""]
    return "\n".join(out).rstrip() + "\n"


def quarter_markdown(r: QuarterReview, units: Mapping[str, str | None] | None = None) -> str:
    """`units`: each KR's unit by id, where the caller knows them (the report does)."""
    a = r.attainment
    state = "closed, scores frozen" if r.frozen else ("closed" if r.closed else "open")
    out = [f"# Quarterly review · {r.period} ({state})", "",
           f"Progress is unclipped (baseline → target = 100%). Commit: ≥ "
           f"{r.commit_level:.0%}; target: ≥ {r.target_level:.0%}; stretch: beyond the "
           "target. A key result counts only when its objective's guardrails held."
           + ("" if r.closed else f" The period is open: levels are where each key result "
              f"stands as of {r.as_of:%Y-%m-%d}, and nothing is missed until it closes."), "",
           f"**{a.commit}/{a.measured}** measured key results at commit or better, "
           f"**{a.target}** at target, **{a.stretch}** stretch; {a.gated_out} held back by a "
           f"breached guardrail; {a.key_results - a.measured} unmeasured.", ""]
    if r.team_scores:
        out += ["Team scores: " + ", ".join(f"{t} {s:.0%}" for t, s in r.team_scores.items()),
                ""]
    for item in r.objectives:
        o, s = item.objective, item.attainment
        score = "—" if o.score is None else f"{o.score:.0%}"
        out += [f"## {o.id} — score {score}, guardrails {o.guardrail_state}", "",
                _cell(o.title), ""]
        if o.score_note:
            out += [f"Score: {o.score_note}.", ""]
        for g in o.breaches:
            out.append(f"- ⚠ {g.reason}")
        for g in o.not_judged:
            out.append(f"- not judged: {g.reason or g.metric}")
        out += ["| KR | now | baseline → target | progress | level | counts |",
                "|---|---|---|---|---|---|"]
        for k in o.key_results:
            prog = "—" if k.progress is None else f"{k.progress:.0%}"
            counts = "yes" if (k.attainment.value in ("commit", "target", "stretch")
                               and not o.at_risk) else "no"
            sc = (k.baseline, k.target, (units or {}).get(k.id) or k.unit)
            level = r.level_word(k) + (f": {k.note}" if k.note else "")
            out.append(f"| {k.id} | {kr_num(k.current, *sc)} | {kr_num(k.baseline, *sc)} → "
                       f"{kr_num(k.target, *sc)} | {prog} | {_cell(level)} | {counts} |")
        out += ["", f"{s.commit}/{s.measured} at commit or better, {s.target} at target, "
                f"{s.stretch} stretch.", ""]
    out += _lessons(f"Retrospective: lessons from {r.period}", r.lessons)
    if r.previous_period:
        out += _lessons(f"Lessons from {r.previous_period}", r.previous_lessons)
    return "\n".join(out).rstrip() + "\n"
