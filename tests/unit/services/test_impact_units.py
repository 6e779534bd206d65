"""Impact building blocks on hand-made values: control segments, pooling, week phases, the
detectability sizing — each against a hand computation or SciPy/statsmodels."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from sowhat.domain.okr import Change
from sowhat.domain.period import next_monday
from sowhat.metrics.values import MetricValue
from sowhat.services.bets import kr_detectability
from sowhat.services.impact.series import (
    Clock,
    WeekPoint,
    control_segments,
    maturity,
    pool,
    to_points,
)
from sowhat.spec.metric_defs import MetricsFile
from sowhat.stats.experiment_design import detectability

CATALOG = MetricsFile.model_validate({
    "metrics": {
        "activation_rate": {"type": "conversion", "entity": "account_id",
                            "from": {"event": "signup"}, "to": {"event": "project_created"},
                            "within": "7d"},
        "ttfv": {"type": "duration", "entity": "account_id", "from": {"event": "signup"},
                 "to": {"event": "report_viewed"}, "statistic": "median"},
        "tickets": {"type": "count", "event": "ticket_opened"},
        "ret": {"type": "retention", "entity": "user_id", "start": {"event": "signup"},
                "return": {"event": "session_start"}, "days": [84, 90]},
    },
    "segments": {
        "small": {"property": "plan", "in": ["small"]},
        "mid": {"property": "plan", "equals": "mid"},
        "enterprise": {"property": "plan", "in": ["enterprise"]},
        "big": {"property": "plan", "in": ["mid", "enterprise"]},
        "eu": {"property": "region", "equals": "eu"},
        "heavy": {"property": "seats", "gt": 10},
    },
})


def test_controls_are_disjoint_segments_on_the_same_property() -> None:
    assert control_segments(CATALOG, "mid") == ("enterprise", "small")
    # "big" overlaps enterprise; the first by name wins, so no entity counts twice.
    assert control_segments(CATALOG, "small") == ("big",)
    assert control_segments(CATALOG, "big") == ("small",)
    assert control_segments(CATALOG, "eu") == ()  # nothing else on region
    assert control_segments(CATALOG, "heavy") == ()  # ranges are not compared
    assert control_segments(CATALOG, None) == ()


def value(week: date, v: float | None, n: float | None = None, s: float | None = None,
          immature: int | None = None, entities: int | None = None) -> MetricValue:
    start = datetime(week.year, week.month, week.day, tzinfo=UTC)
    return MetricValue(metric="m", segment=None, start=start, end=start + timedelta(days=7),
                       value=v, n=n, sum=s, sum_squares=s, entities=entities,
                       excluded_immature=immature)


MON = date(2026, 10, 5)


def test_week_phases_and_why_weeks_are_left_out() -> None:
    weeks = [MON + timedelta(weeks=i) for i in range(5)]
    values = [value(weeks[0], 0.3), value(weeks[1], 0.4), value(weeks[2], 0.5),
              value(weeks[3], 0.6, immature=2), value(weeks[4], None, immature=9)]
    launch = weeks[1] + timedelta(days=2)  # a Wednesday: that week is neither pre nor post
    points = to_points(values, launch=launch)
    assert [p.phase for p in points] == ["pre", "launch", "post", "post", "post"]
    assert [p.used for p in points] == [True, False, True, False, False]
    assert points[1].note == "the launch fell inside this week"
    assert points[3].note == "cohort partly mature (2 still in their window)"
    assert points[4].note == "no mature cohort yet"
    assert next_monday(launch) == weeks[2]
    assert next_monday(weeks[2]) == weeks[2]


def test_pooling_uses_sufficient_statistics_or_sums_or_the_largest_segment() -> None:
    a = [value(MON, 0.5, n=10, s=5, entities=10), value(MON + timedelta(7), None, n=0, s=0,
                                                         entities=0)]
    b = [value(MON, 0.2, n=30, s=6, entities=30), value(MON + timedelta(7), 0.1, n=10, s=1,
                                                         entities=10)]
    rate = pool("activation_rate", CATALOG.metrics["activation_rate"], {"a": a, "b": b},
                launch=None)
    assert rate.points[0].value == pytest.approx(11 / 40)
    assert rate.points[1].value is None  # one segment undefined: the pool is too
    totals = pool("tickets", CATALOG.metrics["tickets"],
                  {"a": [value(MON, 3.0)], "b": [value(MON, 4.0)]}, launch=None)
    assert totals.points[0].value == 7.0
    median = pool("ttfv", CATALOG.metrics["ttfv"], {"a": a, "b": b}, launch=None)
    assert median.segments == ("b",)
    assert median.pooling is not None
    assert "cannot be pooled" in median.pooling


def test_maturity_per_metric_type() -> None:
    assert maturity(CATALOG.metrics["activation_rate"]) == timedelta(days=7)
    assert maturity(CATALOG.metrics["ret"]) == timedelta(days=91)
    assert maturity(CATALOG.metrics["tickets"]) == timedelta(0)


def test_detectability_sizes_the_ab_test_from_the_weekly_cohorts() -> None:
    """Baseline, units and weeks left go into stats.detectability exactly as computed by hand."""
    weeks = [MON + timedelta(weeks=i) for i in range(10)]
    points = [WeekPoint(week=w, value=0.4 + 0.01 * (i % 2), n=200.0 + i,
                        sum=(0.4 + 0.01 * (i % 2)) * (200 + i)) for i, w in enumerate(weeks)]
    when = Clock(as_of=date(2026, 12, 14), data_end=None, end=date(2026, 12, 14))
    d = kr_detectability(key_result="kr", metric="activation_rate", segment=None,
                         definition=CATALOG.metrics["activation_rate"], points=points,
                         expected=Change(0.10, "relative"), period_end=date(2027, 1, 1),
                         when=when)
    recent = points[-8:]
    baseline = sum(p.value or 0 for p in recent) / 8
    units = sum(p.n or 0 for p in recent) / 8
    weeks_left = ((date(2027, 1, 1) - timedelta(days=7)) - date(2026, 12, 14)).days / 7
    ref = detectability(metric_type="proportion", baseline=baseline,
                        expected_change=0.10 * baseline, units_per_week=units,
                        weeks_remaining=weeks_left)
    assert d.design == "proportion"
    assert d.baseline == pytest.approx(baseline)
    assert d.units_per_week == pytest.approx(units)
    assert d.weeks_remaining == pytest.approx(weeks_left)
    assert d.ab == ref
    assert d.expected_effect == pytest.approx(0.04 * 1.0125, rel=1e-2)
    assert d.launch_mde is not None
    assert d.launch_detectable is (abs(d.expected_effect or 0) >= d.launch_mde)


def test_detectability_after_the_period_is_over() -> None:
    points = [WeekPoint(week=MON + timedelta(weeks=i), value=5.0, n=None, sum=5.0)
              for i in range(6)]
    when = Clock(as_of=date(2027, 1, 4), data_end=None, end=date(2027, 1, 4))
    d = kr_detectability(key_result="kr", metric="tickets", segment=None,
                         definition=CATALOG.metrics["tickets"], points=points,
                         expected=Change(-0.1, "relative"), period_end=date(2027, 1, 1),
                         when=when)
    assert d.weeks_remaining == 0
    assert d.ab is None  # a weekly total: no A/B sizing
    assert d.launch_mde is None
    assert any("period ends" in n for n in d.notes)


def test_a_cohort_week_whose_outcome_window_ran_into_the_launch_is_not_before() -> None:
    """Day-7 retention (8 days to mature) of a bet shipped Monday Oct 19: the signups of the
    week of Oct 12 had their day 7 on Oct 19-25, with the reminder live, and those of Oct 5
    up to Oct 19 — counting them "before" put part of the effect in the baseline. The week of
    Sep 28 (its last day-7 on Oct 11, matured by Oct 12) is a clean before."""
    weeks = [date(2026, 9, 28) + timedelta(weeks=i) for i in range(5)]
    values = [value(w, 0.2) for w in weeks]
    launch = date(2026, 10, 19)
    points = to_points(values, launch=launch, outcome=timedelta(days=8))
    assert [p.phase for p in points] == ["pre", "pre", "pre", "post", "post"]
    assert [p.used for p in points] == [True, False, False, True, True]
    assert points[1].note == ("its cohorts' outcome window (8 days after signing up) ran past "
                              "the launch, so their outcome was partly read with the bet live")
    # a window metric (no outcome window) keeps every week before the launch
    assert [p.used for p in to_points(values, launch=launch)] == [True] * 5
