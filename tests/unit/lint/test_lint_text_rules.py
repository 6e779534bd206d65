"""Rules that work on free text alone: SW101, SW102, SW103, SW104, SW112."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sowhat.domain.okr import Indicator
from sowhat.errors import Location
from sowhat.lint import LintContext, MetricInfo, lint_text


def codes(text: str, **kw: object) -> list[str]:
    return [f.code for f in lint_text(text, **kw)]  # type: ignore[arg-type]


def test_output_gets_sw101_error_with_a_so_what_rewrite() -> None:
    [f] = lint_text("Ship three AI features")
    assert (f.code, f.severity) == ("SW101", "error")
    assert "so what" in f.message
    assert f.suggestion is not None
    assert "recommendation click-through" in f.suggestion  # the essay's own answer


def test_rewrite_uses_the_catalog_metric_and_its_current_value() -> None:
    catalog = {
        "audit_export_weekly": MetricInfo(
            "audit_export_weekly",
            description="Share of mid-sized accounts exporting audit logs each week",
            type="conversion",
        ),
        "revenue": MetricInfo("revenue", description="Invoice amounts paid", type="sum"),
    }
    context = LintContext(as_of=date(2026, 11, 20), current_values={"audit_export_weekly": 0.12})
    [f] = lint_text("Launch audit logs", catalog=catalog, context=context)
    assert f.suggestion is not None
    assert "audit export weekly" in f.suggestion
    assert "from 12% to Y" in f.suggestion


def test_good_outcomes_pass_clean() -> None:
    for text in (
        "Increase new-account activation from 28% to 45% this quarter",
        "Day-7 retention reaches 40% (currently 31%)",
        "Keep P1 incidents below 2 a month",
        "90% of invoices paid within 30 days, up from 72%",
        "Cut support tickets per account for feature A by 30%",
    ):
        assert codes(text) == [], text


def test_vanity_warning_suggests_the_value_linked_metric() -> None:
    [f] = lint_text("Grow page views by 50%")
    assert (f.code, f.severity) == ("SW102", "warning")
    assert "'page views'" in f.message
    assert f.suggestion is not None
    assert "core action" in f.suggestion
    [g] = lint_text("Increase signups by 20%")
    assert g.suggestion is not None
    assert "activation rate" in g.suggestion


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Increase retention", "no baseline and no target"),
        ("Increase activation rate to 45%", "a target but no baseline"),
        ("Reduce churn from 4%", "a baseline but no target"),
    ],
)
def test_sw103_free_text(text: str, expected: str) -> None:
    found = lint_text(text)
    assert [f.code for f in found] == ["SW103"]
    assert expected in found[0].message


@pytest.mark.parametrize(
    "text",
    [
        "Increase retention by 15%",  # relative change
        "Raise NPS from 22 to 35",  # both sides
        "Activation 28% -> 45%",  # arrow
        "Keep median session-to-aha time below 4 minutes",  # a level kept
        "Halve the time it takes new admins to set up SSO",
    ],
)
def test_sw103_passes_complete_or_level_statements(text: str) -> None:
    assert "SW103" not in codes(text)


def test_sw104_vague_without_anything_to_count() -> None:
    [f] = lint_text("Improve user satisfaction")
    assert (f.code, f.severity) == ("SW104", "error")
    assert "'improve'" in f.message
    assert codes("Improve the onboarding flow") == ["SW101", "SW104"]


@pytest.mark.parametrize(
    "text",
    [
        "Launch the new onboarding by March 31",
        "GA by 2026-12-01",
        "Finish ISO certification before Q3",
        "SSO available for all plans by end of quarter",
    ],
)
def test_sw112_milestones(text: str) -> None:
    assert "SW112" in codes(text)


def test_sw112_not_on_dated_outcomes() -> None:
    assert "SW112" not in codes("Activation rate reaches 45% by end of Q4")


def test_select_and_ignore_prefixes() -> None:
    ctx = LintContext(as_of=date(2026, 11, 20), select=frozenset({"SW10"}))
    assert codes("Launch the new onboarding by March 31", context=ctx) == ["SW101"]
    ctx = LintContext(as_of=date(2026, 11, 20), ignore=frozenset({"SW101"}))
    assert codes("Launch the new onboarding by March 31", context=ctx) == ["SW112"]


def test_location_is_passed_through() -> None:
    loc = Location("<stdin>", 3, 1)
    [f] = lint_text("Launch audit logs", location=loc)
    assert f.location == loc


def test_metric_info_is_frozen() -> None:
    info = MetricInfo("x", window=timedelta(days=7), indicator=Indicator.LEADING)
    with pytest.raises(AttributeError):
        info.name = "y"  # type: ignore[misc]
