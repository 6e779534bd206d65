"""The KR quality coach: rules with stable codes (SW101...), an outcome/output classifier and
"so what?" rewrites.

    classify(text)                       -> Classification(kind, confidence, reasons)
    lint_text(text, *, catalog=None)     -> list[Finding]
    lint_plan(plan, *, locate, context)  -> list[Finding]

Sits beside `metrics`, `store` and `demo` and imports none of them: callers pass what the
coach needs to know about metrics and history in a `LintContext`.
"""

from __future__ import annotations

from sowhat.lint.base import Finding, Rule, Severity
from sowhat.lint.classifier import Classification, classify
from sowhat.lint.context import LintContext, MetricInfo
from sowhat.lint.engine import (
    TextReport,
    analyse_text,
    get_rule,
    has_errors,
    lint_plan,
    lint_text,
    notes,
    rules,
)

__all__ = [
    "Classification",
    "Finding",
    "LintContext",
    "MetricInfo",
    "Rule",
    "Severity",
    "TextReport",
    "analyse_text",
    "classify",
    "get_rule",
    "has_errors",
    "lint_plan",
    "lint_text",
    "notes",
    "rules",
]
