"""Rules that read a KR's own words: output-style (SW101), vanity (SW102), missing baseline or
target (SW103), not measurable (SW104) and milestones (SW112).

These also run on free text (`sowhat lint -`), where the only input is the sentence.
"""

from __future__ import annotations

import re
from typing import ClassVar

from sowhat.lint.base import Finding, KRRule, KRSubject, Severity
from sowhat.lint.classifier import (
    ATTENDANCE,
    KNOWLEDGE_HEADS,
    attention_apart,
    find_vanity,
    is_unmeasurable,
    judged_by_feel,
    metric_named,
    principle_named,
)
from sowhat.lint.rewrite import so_what, value_linked
from sowhat.lint.textfeatures import (
    TextFacts,
    attention,
    attention_word,
    object_phrase,
    read,
    starting_point,
)


class OutputStyle(KRRule):
    code = "SW101"
    name = "output-style-kr"
    severity = Severity.ERROR
    summary = "Key result names work delivered, not a change in behaviour or a business result"
    applies_to_text: ClassVar[bool] = True

    def check(self, subject: KRSubject) -> list[Finding]:
        verdict = subject.classification
        if verdict.kind != "output" or subject.waived:
            return []

        def words() -> tuple[str, str | None]:
            phrase = object_phrase(subject.facts)
            thing = phrase or subject.kr.title
            why = f" ({'; '.join(verdict.reasons)})" if verdict.reasons else ""
            message = (
                f"reads like a roadmap item: '{thing}' is work delivered, not a change in "
                f"behaviour — so what?{why}"
            )
            suggestion = so_what(
                subject.facts,
                catalog=subject.context.metrics,
                current_values=subject.context.current_values,
                metric=subject.kr.metric,
                phrase=phrase,
            )
            return message, suggestion

        # worded when first read: a caller counting or filtering findings never pays for it
        return [self.deferred(subject, words, "title")]


class VanityMetric(KRRule):
    code = "SW102"
    name = "vanity-metric"
    severity = Severity.WARNING
    summary = "Key result counts attention (page views, signups, downloads...) not value"
    applies_to_text: ClassVar[bool] = True

    def check(self, subject: KRSubject) -> list[Finding]:
        facts = subject.facts
        outcome = _outcome_like(subject) or _chases_attention(facts)
        hit = find_vanity(facts, "outcome" if outcome else "output")
        field = "title"
        if hit is None and subject.kr.metric:
            info = subject.context.metrics.get(subject.kr.metric)
            text = subject.kr.metric.replace("_", " ")
            if info is not None and info.description:
                text += " " + info.description
            hit = find_vanity(read(text))
            field = "metric"
        if hit is None:
            return []
        phrase = _SHOWN.get(hit.phrase, hit.phrase)
        message = (
            f"'{phrase}' is a vanity metric: it can grow while nobody gets more value "
            "(or less) from the product"
        )
        suggestion = value_linked(
            hit.advice,
            catalog=subject.context.metrics,
            current_values=subject.context.current_values,
        )
        return [self.at(subject, message, suggestion, field)]


_SHOWN = {"pageviews": "page views", "pageview": "page view"}
_CHASE_HEADS = frozenset({"get", "gain", "attract", "reach", "hit", "grow", "achieve"})
_CHASE_BEFORE = frozenset({"more", "get", "gets", "getting", "gain", "gaining", "attract",
                           "growing", "grow", "grows", "growth", "increase", "drive",
                           "boost"})  # fmt: skip


def _chases_attention(facts: TextFacts) -> bool:
    """Attention is what the KR asks for, whatever the model says of the rest: "Get 10k
    followers", "Newsletters getting more views", "... and get coverage in 2 publications",
    "Ranking for product keywords in search" (`attention_apart`).
    The model often calls these outputs (a verb of getting, no change verb), which would keep
    SW102 quiet on exactly the counts it is for."""
    toks = facts.tokens
    apart = attention_apart(toks)  # "Ranking for product keywords in search"
    if apart is None and not attention(facts) and ATTENDANCE.isdisjoint(toks):
        return False
    at = -1 if apart is None else apart[0]
    if facts.head in _CHASE_HEADS or at == 0:
        return True
    return any((attention_word(t) or t in ATTENDANCE or i == at) and _chased(toks, i)
               for i, t in enumerate(toks))  # fmt: skip


def _chased(toks: tuple[str, ...], i: int) -> bool:
    """Whether a word of getting or growing governs the attention word at i: it comes at
    most six words before it ("and get publication in at least 2 publications", "we see
    growing engagement + channel subs", "increase sign-ups for gated assets"), with no word
    that starts another clause or phrase ("and", "while", "to", "by"...) between. Before,
    only the two words right before counted, which missed these."""
    for j in range(i - 1, max(i - 7, -1), -1):
        t = toks[j]
        if t in _CHASE_BEFORE:
            return True
        if t in _CLAUSE_STOP:
            return False
    return False


_CLAUSE_STOP = frozenset({"and", "while", "but", "so", "by", "to", "with", "through"})


class MissingBaselineOrTarget(KRRule):
    """Structured KRs: `baseline` and `target` fields. Free text: an outcome needs a starting
    point in its words — "from X to Y", a relative change ("by 15%", "halve"), "(currently
    X)", or a level kept ("maintain 99.9%"). A threshold alone ("CSAT at 92% or higher", "No
    Sev-1 outage", "under 1% refunded") says where to land but not where the team starts, so
    nobody can judge its ambition or read progress; SW103 asks for today's value."""

    code = "SW103"
    name = "missing-baseline-or-target"
    severity = Severity.WARNING
    summary = "Outcome key result without a baseline or without a target"
    applies_to_text: ClassVar[bool] = True

    def check(self, subject: KRSubject) -> list[Finding]:
        kr, facts = subject.kr, subject.facts
        if subject.waived or not _outcome_like(subject):
            return []
        if subject.structured and (
            kr.metric is not None or kr.baseline is not None or kr.target is not None
        ):
            missing = [n for n in ("baseline", "target") if getattr(kr, n) is None]
            if not missing:
                return []
            current = subject.context.current_values.get(kr.metric or "")
            hint = "add " + " and ".join(f"`{n}:`" for n in missing)
            if "baseline" in missing and current is not None:
                hint += f" (the metric reads {current:.4g} today: a fair baseline)"
            return [self.at(subject, f"no {' and no '.join(missing)}", hint)]
        if is_unmeasurable(facts, "outcome"):
            return []  # SW104's job: there is nothing to put a number on
        if not facts.has_number:
            return [
                self.at(
                    subject,
                    "no baseline and no target: how much, from where?",
                    "write it as 'from X to Y' (e.g. 'Raise activation from 28% to 45%')",
                    "title",
                )
            ]
        if starting_point(facts):
            return []
        if facts.from_only and not facts.to_only:
            return [self.at(subject, "a baseline but no target", "add 'to Y'", "title")]
        return [
            self.at(
                subject,
                "a target but no baseline: a change from what?",
                "add today's value ('from X to Y', or '(currently X)'), so the ambition and "
                "the progress can be judged",
                "title",
            )
        ]


def _outcome_like(subject: KRSubject) -> bool:
    """An outcome, or a close call the model leaned to "output" on that still names a result
    someone else produces (customers won, churn, followers...): whichever it is, a target
    without a starting point cannot be judged, so SW103 speaks either way."""
    c, facts = subject.classification, subject.facts
    if c.kind == "outcome":
        return True
    if facts.activity:
        return False
    if (facts.threshold and facts.has_number and not facts.head_is_delivery
            and not facts.deliverables):  # fmt: skip
        return True  # "js-ipfs can load at least 1TB", "p95 <1.5s": a level, whoever sets it
    if facts.share and facts.tokens[0][:1].isdigit() and not facts.head_is_delivery and (
            not facts.deliverables):
        return True  # "95% of P2 issues are resolved in a week": a level of others' behaviour
    if facts.has_number and _level_stated(facts):
        return True  # "Unit test coverage at 85%", "Owners who fund on the first try: >= 90%"
    if (facts.head_is_change or (facts.head in _REACH_HEADS and facts.has_number)) and (
            metric_named(facts) is not None):
        return True  # "Increase the average order value", "Achieve 95% code coverage": a
        # metric moved or reached, whoever moves it; its numbers are what SW103 asks for
    if c.confidence >= _SURE_OUTPUT:
        return False
    return facts.business_result or facts.outcome_noun or attention(facts) or (
        facts.threshold and facts.has_number)


_SURE_OUTPUT = 0.8
# A level written after what it measures: "<noun> at N%", "<noun> down to N", "<noun>: >= N".
_LEVEL_STATED = re.compile(
    r"[a-z)]\s+at\s+[$€£]?\d[\d.,]*\s*%|\bdown\s+to\s+[$€£]?\d|[a-z)]\s*:\s*[≥≤<>]=?\s*[$€£]?\d"
)


def _level_stated(facts: TextFacts) -> bool:
    """Whether the KR states a level of something it names, after it, with no delivery verb
    at its head: "Unit test coverage at 85% for all new code", "Bugs reported down to
    10%", "Classifications completed during beta: >= 10,000" (the thing measured may be a
    deliverable: coverage, bugs). A level of the product or of others' behaviour, whoever the
    model says does the work: SW103 asks where it starts. Read before the model's confidence,
    like a threshold."""
    norm = facts.norm
    if not ((" at " in norm and "%" in norm) or "down to" in norm or ":" in norm):
        return False
    return not facts.head_is_delivery and _LEVEL_STATED.search(norm) is not None
_REACH_HEADS = frozenset({"achieve", "achieves", "reach", "reaches", "hit", "hits", "attain"})


class NotMeasurable(KRRule):
    code = "SW104"
    name = "not-measurable"
    severity = Severity.ERROR
    summary = "Key result has nothing to count: no number, no metric, only vague verbs"
    applies_to_text: ClassVar[bool] = True

    def check(self, subject: KRSubject) -> list[Finding]:
        if subject.structured and subject.kr.metric is not None:
            return []
        felt = judged_by_feel(subject.facts)
        if felt is not None:
            return [
                self.at(
                    subject,
                    f"not measurable: '{felt}' — the number is read by feel, not counted, so "
                    "two people can judge the end of the period differently",
                    "count what the feeling stands for: a share of people, a rate or a "
                    "duration (e.g. '90% of releases ship without a hotfix', 'Time spent on "
                    "planned work from 40% to 67%, from the time tracker')",
                    "title",
                )
            ]
        if not is_unmeasurable(subject.facts, subject.classification.kind):
            return []
        principle = principle_named(subject.facts)
        if principle is not None:
            return [
                self.at(
                    subject,
                    f"not measurable: '{principle}' is a principle to hold, not a result; no "
                    "count says at the end of the period whether it was put first",
                    "keep the principle in the objective or the team's charter; make the KR "
                    "what holding it should change, e.g. 'Direct reports who rate 1:1s useful "
                    "from 55% to 75%'",
                    "title",
                )
            ]
        metric = metric_named(subject.facts)
        if metric and subject.facts.head in KNOWLEDGE_HEADS:
            return [
                self.at(
                    subject,
                    f"not measurable: '{metric}' is what the KR wants understood, not a "
                    "level to reach; knowing more about it cannot be judged at the end of the "
                    "period",
                    f"keep the research as the bet; make the KR the move it should enable, "
                    f"e.g. '{metric.capitalize()} from X to Y'",
                    "title",
                )
            ]
        if metric:  # "Maximize monthly /search visits": a metric, but no level
            return [
                self.at(
                    subject,
                    f"not measurable: '{metric}' is a metric, but '{subject.facts.head}' "
                    "names no level to reach, so nobody can tell at the end of the period "
                    "whether it was met",
                    f"say where '{metric}' stands today and where it should get to, e.g. "
                    f"'{metric.capitalize()} from X to Y'",
                    "title",
                )
            ]
        vague = [w for w in subject.facts.tokens if w in _VAGUE_SHOWN]
        said = f" ('{vague[0]}')" if vague else ""
        return [
            self.at(
                subject,
                f"not measurable{said}: no number and no metric, so nobody can tell at the end "
                "of the period whether it happened",
                "name the metric and the move, e.g. 'Raise CSAT from 82% to 90%' or "
                "'Day-7 retention of new users from 22% to 30%'",
                "title",
            )
        ]


_VAGUE_SHOWN = frozenset(
    [
        "improve",
        "enhance",
        "optimise",
        "optimize",
        "better",
        "world-class",
        "world",
        "excellent",
        "delight",
        "delightful",
        "love",
        "strengthen",
        "modernise",
        "modernize",
        "polish",
        "happier",
        "great",
        "best",
    ]
)


class ActivityMetric(KRRule):
    """The team's own effort counted as a result: story points, velocity, features shipped,
    meetings held, interviews done, budget spent, content published, hires. A baseline and a
    target do not make effort an outcome ("story points from 30 to 45"). Quiet when the KR
    also names a result (churn, NPS, conversion...) or customers/pipeline won, and on outputs
    SW101 already flags (it says the same thing about the whole KR)."""

    code = "SW117"
    name = "activity-metric"
    severity = Severity.WARNING
    summary = "Key result counts the team's effort or inputs (story points, meetings, hires...)"
    applies_to_text: ClassVar[bool] = True

    def check(self, subject: KRSubject) -> list[Finding]:
        facts = subject.facts
        if subject.waived or not facts.activity or facts.outcome_noun or facts.business_result:
            return []
        if subject.classification.kind == "output" and not (facts.from_to or facts.relative):
            return []  # SW101 covers a plain output
        return [
            self.at(
                subject,
                "activity metric: it counts the team's own effort or inputs, which can rise "
                "while nothing changes for customers or the business — so what?",
                "count what the effort is for: the behaviour or result it should move (e.g. "
                "'Cut lead time for changes from 5 days to 2', 'Raise trial-to-paid conversion "
                "from 8% to 12%'), and keep the effort as the bet's plan",
                "title",
            )
        ]


class Milestone(KRRule):
    code = "SW112"
    name = "milestone-kr"
    severity = Severity.WARNING
    summary = "Key result is a date-bound delivery (a milestone), not a result"
    applies_to_text: ClassVar[bool] = True

    def check(self, subject: KRSubject) -> list[Finding]:
        facts = subject.facts
        if not facts.date or subject.waived:
            return []
        if subject.classification.kind != "output" and not (
            facts.delivery_tail and not facts.measures
        ):
            return []
        return [
            self.at(
                subject,
                "milestone: a delivery date is a plan, not a result; hitting it says nothing "
                "about whether the work worked",
                "keep the date on the bet (status, shipped_on) and make the KR the change the "
                "delivery should cause",
                "title",
            )
        ]
