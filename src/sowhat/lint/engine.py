"""Running the rules: over one free-text KR, or over a whole plan with file locations.

The engine computes each KR's facts and verdict once and hands the same subject to every
rule; rules that ask for an unknown location get None rather than an exception.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources

from sowhat.domain.okr import KeyResult, Plan
from sowhat.errors import Location, NotFound
from sowhat.lint.base import (
    AnyRule,
    Finding,
    KRRule,
    KRSubject,
    ObjectiveRule,
    ObjectiveSubject,
    PlanRule,
    PlanSubject,
    Where,
    YamlPath,
)
from sowhat.lint.classifier import Classification, Model, classify_facts
from sowhat.lint.context import LintContext, MetricInfo
from sowhat.lint.rules import ALL_RULES
from sowhat.lint.textfeatures import read

Locate = Callable[[YamlPath], Location]

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_TEXT_RULES: tuple[KRRule, ...] = tuple(
    r for r in ALL_RULES if isinstance(r, KRRule) and r.applies_to_text
)
_DEFAULT: list[LintContext] = []
_CHECKED: list[float] = [0.0]


def _default_context() -> LintContext:
    """Today's empty context, built once per day rather than once per KR; the date itself is
    read at most once a second (a monotonic clock read is ~20 times cheaper)."""
    now = time.monotonic()
    if _DEFAULT and now - _CHECKED[0] < 1.0:
        return _DEFAULT[0]
    _CHECKED[0] = now
    today = date.today()
    if not _DEFAULT or _DEFAULT[0].as_of != today:
        _DEFAULT[:] = [LintContext(as_of=today)]
    return _DEFAULT[0]


def rules() -> tuple[AnyRule, ...]:
    return ALL_RULES


def get_rule(code: str) -> AnyRule:
    for rule in ALL_RULES:
        if rule.code == code.upper():
            return rule
    raise NotFound(
        f"no lint rule {code!r}",
        hint="run `sowhat rules` to list the codes (SW101...SW119)",
    )


@dataclass(frozen=True)
class TextReport:
    """What `sowhat lint -` prints per input line."""

    text: str
    classification: Classification
    findings: tuple[Finding, ...]


def analyse_text(
    text: str,
    *,
    catalog: Mapping[str, MetricInfo] | None = None,
    context: LintContext | None = None,
    location: Location | None = None,
    model: Model | None = None,
) -> TextReport:
    """Classify one KR sentence and run every rule that works on words alone.

    `model` replaces the shipped outcome/output model (the evaluation scores models trained
    without the source being judged)."""
    ctx = context or _default_context()
    if catalog is not None:
        ctx = LintContext(
            as_of=ctx.as_of,
            metrics=catalog,
            hit_probabilities=ctx.hit_probabilities,
            current_values=ctx.current_values,
            select=ctx.select,
            ignore=ctx.ignore,
        )
    facts = read(text)
    verdict = classify_facts(facts, model)
    subject = KRSubject(
        kr=KeyResult(id="text", title=text),
        facts=facts,
        classification=verdict,
        context=ctx,
        where=lambda _path: location,
        structured=False,
    )
    findings: list[Finding] = []
    every = not ctx.select and not ctx.ignore  # the common case: no per-rule prefix checks
    for rule in _TEXT_RULES:
        if every or ctx.enabled(rule.code):
            findings.extend(_safe(rule, subject))
    return TextReport(text=text, classification=verdict, findings=tuple(findings))


def lint_text(
    text: str,
    *,
    catalog: Mapping[str, MetricInfo] | None = None,
    context: LintContext | None = None,
    location: Location | None = None,
) -> list[Finding]:
    """The findings for one free-text KR (SW101, SW102, SW103, SW104, SW112, SW116)."""
    return list(analyse_text(text, catalog=catalog, context=context, location=location).findings)


def lint_plan(plan: Plan, *, locate: Locate, context: LintContext) -> list[Finding]:
    """Every enabled rule over one plan; findings sorted by location, then code."""

    def where(prefix: YamlPath) -> Where:
        return lambda suffix: _safe_locate(locate, prefix + suffix)

    subjects_by_objective: list[tuple[KRSubject, ...]] = []
    for i, objective in enumerate(plan.objectives):
        subjects = []
        for j, kr in enumerate(objective.key_results):
            facts = read(kr.title)
            subjects.append(
                KRSubject(
                    kr=kr,
                    facts=facts,
                    classification=classify_facts(facts),
                    context=context,
                    where=where(("objectives", i, "key_results", j)),
                    objective=objective,
                    plan=plan,
                )
            )
        subjects_by_objective.append(tuple(subjects))

    findings: list[Finding] = []
    enabled = [r for r in ALL_RULES if context.enabled(r.code)]
    for i, objective in enumerate(plan.objectives):
        krs = subjects_by_objective[i]
        for s in krs:
            for rule in enabled:
                if isinstance(rule, KRRule):
                    findings.extend(_safe(rule, s))
        obj_subject = ObjectiveSubject(
            objective=objective,
            key_results=krs,
            context=context,
            where=where(("objectives", i)),
            plan=plan,
        )
        for rule in enabled:
            if isinstance(rule, ObjectiveRule):
                findings.extend(_safe(rule, obj_subject))
    plan_subject = PlanSubject(
        plan=plan,
        key_results=tuple(s for group in subjects_by_objective for s in group),
        context=context,
        where=where(()),
    )
    for rule in enabled:
        if isinstance(rule, PlanRule):
            findings.extend(_safe(rule, plan_subject))
    return sorted(findings, key=_sort_key)


def notes(context: LintContext) -> list[str]:
    """One-line notes about what this run could not check (printed once per run)."""
    out = []
    wanted = [c for c in ("SW108", "SW109") if context.enabled(c)]
    if wanted and context.hit_probabilities is None:
        out.append(
            f"{'/'.join(wanted)} skipped: no event history to estimate how likely each target "
            "is to be hit (ingest events and run `sowhat sync`)"
        )
    return out


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def _sort_key(f: Finding) -> tuple[str, int, int, int, str]:
    loc = f.location
    return (
        loc.file if loc else "",
        loc.line if loc else 0,
        loc.col if loc else 0,
        _SEVERITY_ORDER.get(str(f.severity), 3),
        f.code,
    )


def _safe_locate(locate: Locate, path: YamlPath) -> Location | None:
    """The location of `path`, else of its nearest existing parent (a missing `baseline:`
    is reported on its KR)."""
    for n in range(len(path), -1, -1):
        try:
            return locate(path[:n])
        except Exception:
            continue
    return None


def _safe(rule: AnyRule, subject: object) -> list[Finding]:
    """Rules return findings and never raise; if one does anyway, the run goes on."""
    try:
        return rule.check(subject)
    except Exception as exc:
        return [
            Finding(
                code=rule.code,
                severity=rule.severity.__class__("info"),
                message=f"rule crashed ({type(exc).__name__}: {exc}); please report this bug",
            )
        ]


def explain(code: str) -> str:
    """The rule's docs page (what, why, example, fix), shipped inside the package."""
    rule = get_rule(code)
    page = resources.files("sowhat.lint.data").joinpath("rules", f"{rule.code}.md")
    if page.is_file():
        return page.read_text("utf-8")
    return f"{rule.code} {rule.name} ({rule.severity})\n\n{rule.summary}\n"
