"""SW115 (numbers outside the metric's range or scale) and SW116 (a title whose direction
contradicts its numbers), on crafted plans, free text, the demo and a workspace on disk."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sowhat.domain.units import Scale, Unit
from sowhat.errors import SpecError
from sowhat.lint import LintContext, MetricInfo, lint_plan, lint_text
from sowhat.lint.base import Finding, Severity
from sowhat.lint.rules.numbers import title_direction, title_numbers
from sowhat.lint.workspace_lint import lint_workspace
from sowhat.spec.workspace import load_workspace
from tests.conftest import WriteWorkspace
from tests.samples import OKRS
from tests.unit.lint.lint_builders import kr, located, objective, plan_of

RATE = Scale(unit=Unit.PERCENT, low=0.0, high=1.0, noun="rate")
CATALOG = {
    "activation_rate": MetricInfo("activation_rate", type="conversion", scale=RATE),
    "nps": MetricInfo("nps", type="nps",
                      scale=Scale(unit=Unit.POINTS, low=-100.0, high=100.0, noun="NPS")),
    "tickets": MetricInfo("tickets", type="count",
                          scale=Scale(unit=Unit.COUNT, low=0.0, noun="count")),
    "tickets_per_session": MetricInfo("tickets_per_session", type="ratio",
                                      scale=Scale(unit=Unit.PER_1000, low=0.0, noun="ratio")),
    "ctr": MetricInfo("ctr", type="ratio", scale=Scale(unit=Unit.PERCENT, low=0.0, noun="ratio")),
    "per_team": MetricInfo("per_team", type="ratio",
                           scale=Scale(unit=Unit.RATIO, low=0.0, noun="ratio")),
    "ttfv": MetricInfo("ttfv", type="duration",
                       scale=Scale(unit=Unit.HOURS, low=0.0, noun="duration")),
}  # fmt: skip


def run(*krs: object) -> list[Finding]:
    plan = plan_of(objective("o", "Customers stay", *krs))  # type: ignore[arg-type]
    found = lint_plan(plan, locate=located(plan),
                      context=LintContext(as_of=date(2026, 10, 5), metrics=CATALOG))
    return [f for f in found if f.code in ("SW115", "SW116")]


# -- SW115 --------------------------------------------------------------------------------


def test_a_percent_typed_on_a_rate_is_an_error_with_the_fraction() -> None:
    found = run(kr("act", "Increase activation from 32% to 38%", metric="activation_rate",
                   baseline=32.0, target=38.0))  # fmt: skip
    assert [(f.code, f.severity) for f in found] == [("SW115", Severity.ERROR)] * 2
    baseline, target = found
    assert baseline.message.startswith("baseline 32 is outside the range of a rate (0 to 1)")
    assert "3,200%" in baseline.message
    assert baseline.suggestion is not None
    assert baseline.suggestion.startswith("did you mean 0.32?")
    assert target.suggestion is not None
    assert target.suggestion.startswith("did you mean 0.38?")
    # the finding sits on the field it is about
    assert baseline.location is not None
    assert target.location is not None
    assert baseline.location.line < target.location.line


@pytest.mark.parametrize(("metric", "baseline", "target", "fragment"), [
    ("nps", 20.0, 120.0, "target 120 is outside the range of NPS (-100 to 100)"),
    ("tickets", -5.0, 10.0, "baseline -5 is negative: a count is never below 0"),
    ("ttfv", 6.0, -1.0, "target -1 is negative"),
])  # fmt: skip
def test_impossible_values_per_type(metric: str, baseline: float, target: float,
                                    fragment: str) -> None:  # fmt: skip
    [f] = run(kr("k", "Move the number from A to B", metric=metric, baseline=baseline,
                 target=target))  # fmt: skip
    assert f.severity is Severity.ERROR
    assert fragment in f.message


def test_possible_numbers_in_another_scale_are_warnings() -> None:
    per_1000 = run(kr("t", "Cut support tickets from 18 to 13.5 per 1,000 sessions",
                      metric="tickets_per_session", baseline=18.0, target=13.5))  # fmt: skip
    assert [f.severity for f in per_1000] == [Severity.WARNING] * 2
    assert "would read 18,000 per 1,000" in per_1000[0].message
    assert per_1000[0].suggestion is not None
    assert per_1000[0].suggestion.startswith("did you mean 0.018?")
    ctr = run(kr("c", "Grow click-through from 8% to 10%", metric="ctr", baseline=8.0,
                 target=10.0))  # fmt: skip
    assert len(ctr) == 2
    assert "would read 800%" in ctr[0].message
    mixed = run(kr("p", "Tickets per team from 0.8 to 0.6", metric="per_team",
                   baseline=0.8, target=60.0))  # fmt: skip
    [f] = mixed
    assert "target 60 looks like a percent next to the baseline 0.8" in f.message
    nps = run(kr("n", "Lift NPS from 20 to 28", metric="nps", baseline=0.2, target=0.28))
    assert nps == []  # both tiny but consistent: not provably a slip on their own


def test_a_kr_unit_that_disagrees_with_its_metric() -> None:
    [f] = run(kr("t", "Cut time to first report from 6 to 3 hours", metric="ttfv",
                 baseline=6.0, target=3.0, unit="minutes"))  # fmt: skip
    assert "disagrees with ttfv, which is in hours" in f.message
    assert run(kr("t", "Cut time to first report from 6 to 3 hours", metric="ttfv",
                  baseline=6.0, target=3.0, unit="hours")) == []  # fmt: skip


def test_honest_numbers_pass() -> None:
    assert run(
        kr("a", "Increase activation from 40% to 46%", metric="activation_rate",
           baseline=0.40, target=0.46),
        kr("t", "Cut support tickets from 18 to 13.5 per 1,000 sessions",
           metric="tickets_per_session", baseline=0.018, target=0.0135),
        kr("n", "Lift NPS from -5 to 10", metric="nps", baseline=-5.0, target=10.0),
        kr("c", "Grow weekly active writers from 75 to 900", metric="tickets",
           baseline=75.0, target=900.0),
        kr("r", "Raise net revenue retention from 105% to 112%", metric="ctr",
           baseline=1.05, target=1.12),
        kr("m", "Raise satisfaction from 3.2 to 4.0", baseline=3.2, target=4.0),
    ) == []  # fmt: skip


# -- SW116 --------------------------------------------------------------------------------


@pytest.mark.parametrize(("title", "direction"), [
    ("Increase 7-day activation from 30% to 25%", "up"),
    ("Raise day-7 retention", "up"),
    ("Grow weekly active writers from 75 to 90", "up"),
    ("Double the number of teams sharing reports", "up"),
    ("Reduce time-to-value from 5 days to 2", "down"),
    ("Cut support tickets by half", "down"),
    ("Halve the time to first report", "down"),
    ("Lower churn of mid-sized accounts", "down"),
    ("Improve time to value from 5 days to 2", None),  # better, not up or down
    ("Keep churn below 3% while we grow", None),  # the goal verb is not a direction
    ("Do not reduce the price of the pro plan", None),
    ("Net revenue retention at 110%", None),
])  # fmt: skip
def test_title_direction(title: str, direction: str | None) -> None:
    assert title_direction(title) == direction


def test_title_numbers() -> None:
    assert title_numbers("Increase activation from 30% to 25%") == (30.0, 25.0)
    assert title_numbers("Reduce time-to-value from 5 days to 2") == (5.0, 2.0)
    assert title_numbers("Grow MRR from $1.2k to $1,500") == (1200.0, 1500.0)
    assert title_numbers("Lift NPS from -10 to 5") == (-10.0, 5.0)
    assert title_numbers("Raise retention to 40%") is None


def test_sw116_fires_when_the_words_and_the_numbers_disagree() -> None:
    [f] = run(kr("a", "Increase 7-day activation from 30% to 25%", metric="activation_rate",
                 baseline=0.30, target=0.25))  # fmt: skip
    assert f.code == "SW116"
    assert f.message == "the title says increase but the numbers go down: from 30% to 25%"
    assert f.suggestion is not None
    assert "Reduce/Cut" in f.suggestion
    [g] = run(kr("t", "Cut support tickets from 12 to 9 per 1,000 sessions",
                 metric="tickets_per_session", baseline=0.012, target=0.015))  # fmt: skip
    assert g.message == ("the title says decrease but the numbers go up: from 12 per 1,000 "
                         "to 15 per 1,000")


def test_sw116_is_silent_when_they_agree_or_the_title_has_no_direction() -> None:
    assert run(
        kr("t", "Reduce time-to-value from 5 days to 2", baseline=5.0, target=2.0),
        kr("h", "Cut support tickets by half", metric="tickets", baseline=400.0, target=200.0),
        kr("i", "Improve time to value from 5 days to 2", baseline=5.0, target=2.0),
        kr("w", "Weekly active writers", metric="tickets", baseline=90.0, target=75.0),
    ) == []  # fmt: skip


def test_sw116_reads_free_text_numbers() -> None:
    codes = [f.code for f in lint_text("Increase weekly active teams from 1200 to 1000")]
    assert "SW116" in codes
    assert "SW116" not in [f.code for f in lint_text("Reduce churn from 5% to 3%")]


# -- workspaces on disk -------------------------------------------------------------------


def test_the_demo_honest_krs_raise_neither_rule(built_demo: Path) -> None:
    report = lint_workspace(built_demo, as_of=date(2026, 11, 20))
    assert [f for f in report.findings if f.code in ("SW115", "SW116")] == []


def test_validate_refuses_impossible_numbers_with_their_position(
    write_workspace: WriteWorkspace,
) -> None:
    root = write_workspace(okrs=OKRS.replace("baseline: 0.40", "baseline: 32"))
    with pytest.raises(SpecError) as caught:
        load_workspace(root)
    [d] = caught.value.diagnostics
    assert d.code == "SW115"
    assert str(d.location) == "okrs/2026-Q4.yaml:13:19"
    assert d.message.startswith("baseline 32 is outside the range of a rate (0 to 1)")
    assert d.hint is not None
    assert d.hint.startswith("did you mean 0.32?")


def test_lint_workspace_warns_on_a_crafted_file(write_workspace: WriteWorkspace) -> None:
    okrs = OKRS.replace("Increase 7-day activation from 40% to 46%",
                        "Increase 7-day activation from 46% to 40%")
    okrs = okrs.replace("baseline: 0.40   # measured in Q3\n        target: 0.46",
                        "baseline: 0.46\n        target: 0.40")
    root = write_workspace(okrs=okrs)
    report = lint_workspace(root, as_of=date(2026, 10, 5))
    [f] = [f for f in report.findings if f.code == "SW116"]
    assert f.kr_id == "activation"
    assert f.location is not None
    assert f.location.line == 14  # the target line
    assert "from 46% to 40%" in f.message
