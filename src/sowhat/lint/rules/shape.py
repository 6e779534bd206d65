"""Rules about an objective's set of KRs: how many (SW105), leading vs lagging (SW106),
guardrails on growth (SW107), and duplicates across the plan (SW113)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from sowhat.domain.okr import Indicator
from sowhat.lint.base import (
    Finding,
    KRSubject,
    ObjectiveRule,
    ObjectiveSubject,
    PlanRule,
    PlanSubject,
    Severity,
)
from sowhat.lint.rewrite import words

MIN_KRS, MAX_KRS = 2, 5
JACCARD = 0.8

_LAGGING = frozenset(
    [
        "revenue",
        "arr",
        "mrr",
        "nrr",
        "grr",
        "churn",
        "renewal",
        "renewals",
        "renew",
        "ltv",
        "margin",
        "attrition",
        "bookings",
        "profit",
        "ebitda",
        "nps",
        "enps",
        "retention",
    ]
)
_LEADING = frozenset(
    [
        "activation",
        "activate",
        "activated",
        "adoption",
        "usage",
        "active",
        "weekly",
        "daily",
        "first",
        "ttfv",
        "onboarding",
        "invite",
        "invites",
        "completion",
        "core",
        "aha",
        "setup",
        "engagement",
        "trial",
    ]
)
_GROWTH = re.compile(
    r"\b(grow|growth|acquisition|acquire|activation|activate|revenue|arr|mrr|conversion|"
    r"convert|signups?|expansion|expand|upsell|monetis|monetiz|sales|bookings|pipeline|"
    r"new\s+(?:customers|logos|users|accounts)|market\s+share|trial|paid)",
)
# Guardrail candidates in order of preference; the first group must not rise, NPS/CSAT must
# not fall.
_MUST_NOT_RISE = ("tickets", "support", "latency", "errors", "incidents", "refunds", "churn")
_MUST_NOT_FALL = ("nps", "csat")


def _guardrail_suggestion(metrics: Mapping[str, object]) -> str:
    """A guardrail on a metric the catalog has; when it has none that fits, the metric to
    define first — a name it lacks, pasted as suggested, failed `sowhat validate`."""
    for hint in _MUST_NOT_RISE:
        for name in sorted(metrics):
            if hint in words(name):
                return f'add `guardrails: [{{metric: {name}, max_change: "+10%"}}]`'
    for hint in _MUST_NOT_FALL:
        for name in sorted(metrics):
            if hint in words(name):
                return f'add `guardrails: [{{metric: {name}, min_change: "-5%"}}]`'
    return ("define what must not get worse in metrics.yaml (support tickets per account, "
            "churn, p95 latency), then add `guardrails: [{metric: NAME, max_change: \"+10%\"}]`")


def indicator_of(subject: KRSubject) -> Indicator | None:
    """Explicit field, then the catalog's hint, then the words (day-7 lead, 90-day lags)."""
    kr = subject.kr
    if kr.indicator is not None:
        return kr.indicator
    if kr.metric:
        info = subject.context.metrics.get(kr.metric)
        if info is not None and info.indicator is not None:
            return info.indicator
        if info is not None and info.window is not None:
            return Indicator.LEADING if info.window.days <= 14 else Indicator.LAGGING
    days = subject.facts.window_days
    if days is not None:
        return Indicator.LEADING if days <= 14 else Indicator.LAGGING
    vocab = words(kr.title) | words(kr.metric)
    if vocab & _LEADING:
        return Indicator.LEADING
    if vocab & _LAGGING:
        return Indicator.LAGGING
    return None


class KRCount(ObjectiveRule):
    code = "SW105"
    name = "kr-count"
    severity = Severity.WARNING
    summary = f"Objective with fewer than {MIN_KRS} or more than {MAX_KRS} key results"

    def check(self, subject: ObjectiveSubject) -> list[Finding]:
        n = len(subject.objective.key_results)
        if MIN_KRS <= n <= MAX_KRS:
            return []
        if n < MIN_KRS:
            message = f"{n} key result{'s' if n != 1 else ''}: one number rarely captures an "
            message += "objective, and it invites gaming it"
            hint = "add a second outcome that would also move, e.g. a leading indicator"
        else:
            message = f"{n} key results: more than {MAX_KRS} spreads the team's focus thin"
            hint = f"keep the {MAX_KRS} that best show the objective; move the rest to bets"
        loc = subject.where(("key_results",)) or subject.where(("title",))
        return [self.finding(message, hint, location=loc, objective_id=subject.objective.id)]


class OnlyLagging(ObjectiveRule):
    code = "SW106"
    name = "only-lagging"
    severity = Severity.WARNING
    summary = "Objective whose key results are all lagging indicators"

    def check(self, subject: ObjectiveSubject) -> list[Finding]:
        outcomes = [s for s in subject.key_results if s.classification.kind == "outcome"]
        kinds = [indicator_of(s) for s in outcomes]
        if not kinds or any(k is not Indicator.LAGGING for k in kinds):
            return []
        return [
            self.finding(
                "every key result is a lagging indicator: the team will only learn whether "
                "it worked after the quarter is over",
                "add a leading indicator that moves within weeks and predicts the lagging one "
                "(activation within 7 days, weekly core-action usage, time to first value)",
                location=subject.where(("title",)),
                objective_id=subject.objective.id,
            )
        ]


def _growth_words(texts: Iterable[str | None]) -> str | None:
    for text in texts:
        if text:
            m = _GROWTH.search(text.lower().replace("_", " "))
            if m:
                return m[0]
    return None


class GrowthWithoutGuardrail(ObjectiveRule):
    code = "SW107"
    name = "growth-without-guardrail"
    severity = Severity.WARNING
    summary = "Growth objective (acquisition, activation, revenue...) with no guardrail metric"

    def check(self, subject: ObjectiveSubject) -> list[Finding]:
        o = subject.objective
        if o.guardrails:
            return []
        texts = [o.title, o.description]
        for kr in o.key_results:
            texts += [kr.title, kr.metric]
        word = _growth_words(texts)
        if word is None:
            return []
        return [
            self.finding(
                f"growth objective ('{word}') with no guardrail: it can 'succeed' by creating a "
                "new failure mode (support load, churn, latency)",
                _guardrail_suggestion(subject.context.metrics),
                location=subject.where(("title",)),
                objective_id=o.id,
            )
        ]


def _title_tokens(title: str) -> frozenset[str]:
    return frozenset(w for w in words(title) if not w[0].isdigit())


class Duplicates(PlanRule):
    code = "SW113"
    name = "duplicate-kr"
    severity = Severity.WARNING
    summary = "Two key results measure the same thing (same metric and segment, or near-identical)"

    def check(self, subject: PlanSubject) -> list[Finding]:
        out: list[Finding] = []
        seen: list[tuple[KRSubject, frozenset[str]]] = []
        for s in subject.key_results:
            tokens = _title_tokens(s.kr.title)
            for earlier, earlier_tokens in seen:
                reason = _same(s, earlier, tokens, earlier_tokens)
                if reason is None:
                    continue
                out.append(
                    self.finding(
                        f"overlaps key result '{earlier.kr.id}' ({reason})",
                        "merge them, or make each measure a different behaviour or segment",
                        location=s.where(("title",)),
                        objective_id=s.objective.id if s.objective else None,
                        kr_id=s.kr.id,
                    )
                )
                break
            seen.append((s, tokens))
        return out


def _same(a: KRSubject, b: KRSubject, ta: frozenset[str], tb: frozenset[str]) -> str | None:
    """Same metric and segment; or, when either KR has no metric, near-identical wording.

    Two KRs with metrics measure what their metrics say: "day-7 retention" and "90-day
    retention" read alike but are different numbers, and so is one metric in two segments.
    """
    if a.kr.metric and b.kr.metric:
        if a.kr.metric == b.kr.metric and a.kr.segment == b.kr.segment:
            seg = f", segment {a.kr.segment}" if a.kr.segment else ""
            return f"same metric {a.kr.metric}{seg}"
        return None
    if len(ta) >= 2 and len(tb) >= 2:
        jaccard = len(ta & tb) / len(ta | tb)
        if jaccard >= JACCARD:
            return f"near-identical wording, {jaccard:.0%} of words shared"
    return None
