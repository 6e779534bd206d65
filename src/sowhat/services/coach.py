"""The KR coach for people typing in the web app or posting to the API: one sentence in,
the verdict (outcome or output) and the findings out, with the workspace's metric catalog
so rewrites can name real metrics. Same engine as `sowhat lint -`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sowhat.lint.base import Finding
from sowhat.lint.context import LintContext
from sowhat.lint.engine import analyse_text
from sowhat.lint.workspace_lint import catalog_from_metrics
from sowhat.spec.metric_defs import MetricsFile

__all__ = ["Coaching", "coach_text"]

MAX_TEXT = 1000


@dataclass(frozen=True)
class Coaching:
    text: str
    kind: str  # outcome | output
    confidence: float
    reasons: tuple[str, ...]
    findings: tuple[Finding, ...]


def coach_text(text: str, *, metrics: MetricsFile | None = None,
               today: date | None = None) -> Coaching:  # fmt: skip
    """Coach one KR sentence (cut at MAX_TEXT characters: it is a title, not an essay)."""
    sentence = text.strip()[:MAX_TEXT]
    if not sentence:
        return Coaching("", "unknown", 0.0, (), ())
    context = LintContext(as_of=today or date.today(), metrics=catalog_from_metrics(metrics))
    report = analyse_text(sentence, context=context)
    verdict = report.classification
    return Coaching(sentence, str(verdict.kind), float(verdict.confidence),
                    tuple(verdict.reasons), report.findings)  # fmt: skip
