"""Verdicts from intervals and expectations; the feature-factory index."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sowhat.domain.okr import Change, Direction
from sowhat.stats.impact import (
    ImpactError,
    ImpactEstimate,
    ShippedBet,
    Verdict,
    expected_effect,
    feature_factory_index,
    impact_verdict,
)


def _estimate(effect: float, low: float, high: float, mde: float = 0.02,
              counterfactual: float = 0.40) -> ImpactEstimate:
    return ImpactEstimate(
        method="its", grain="day", level=0.9, n_pre=60, n_post=30, effect=effect,
        std_error=(high - low) / 3.3, low=low, high=high, p_value=0.04, mde=mde,
        counterfactual_mean=counterfactual,
    )


@pytest.mark.parametrize(
    ("effect", "low", "high", "change", "verdict"),
    [
        (0.05, 0.02, 0.08, "+0.05", Verdict.MOVED),
        (-0.03, -0.05, -0.01, "+0.05", Verdict.WRONG_WAY),
        (0.005, -0.01, 0.02, "+0.05", Verdict.NO_EFFECT),  # rules out +0.05
        (0.01, -0.03, 0.07, "+0.05", Verdict.INCONCLUSIVE),  # cannot rule it out
        (-0.02, -0.03, -0.01, "-2pp", Verdict.MOVED),  # a decrease that was wanted
        (0.02, 0.01, 0.03, "-2pp", Verdict.WRONG_WAY),
        (0.001, -0.005, 0.008, "-2pp", Verdict.NO_EFFECT),
        (0.03, 0.01, 0.05, "+10%", Verdict.MOVED),  # +10% of 0.40 = +0.04
        (0.005, -0.01, 0.03, "+10%", Verdict.NO_EFFECT),
        (0.005, -0.01, 0.05, "+10%", Verdict.INCONCLUSIVE),
    ],
)
def test_verdict_rules(effect: float, low: float, high: float, change: str,
                       verdict: Verdict) -> None:
    result = impact_verdict(_estimate(effect, low, high), expected=Change.parse(change))
    assert result.verdict is verdict
    assert result.summary.startswith(verdict.label)


def test_without_an_expectation_no_effect_cannot_be_claimed() -> None:
    result = impact_verdict(_estimate(0.0, -0.001, 0.001))
    assert result.verdict is Verdict.INCONCLUSIVE
    assert result.expected_effect is None
    assert "could only detect changes of about 0.02" in result.summary


def test_explicit_direction_overrides_the_sign_of_the_expectation() -> None:
    est = _estimate(-0.03, -0.05, -0.01)
    assert impact_verdict(est, direction=Direction.DECREASE).verdict is Verdict.MOVED
    assert impact_verdict(est).verdict is Verdict.WRONG_WAY


def test_comparison_with_the_expected_change() -> None:
    result = impact_verdict(_estimate(0.02, 0.005, 0.035, mde=0.03),
                            expected=Change.parse("+10%"), baseline=0.40,
                            change_mind_if="Under 20% of accounts export within 30 days",
                            bet_id="audit-logs")
    assert result.expected_effect == pytest.approx(0.04)
    assert result.share_of_expected == pytest.approx(0.5)
    assert result.expected_in_interval is False
    assert result.detectable is True
    assert "the bet expected +10% (+0.04), 50% of that" in result.summary
    assert "Under 20% of accounts export" in result.review
    assert result.bet_id == "audit-logs"


def test_relative_change_uses_the_counterfactual_when_no_baseline() -> None:
    assert expected_effect(Change.parse("+10%"), 0.5) == pytest.approx(0.05)
    assert expected_effect(Change.parse("+10%"), None) is None
    assert expected_effect(Change.parse("+2pp"), None) == pytest.approx(0.02)
    result = impact_verdict(_estimate(0.0, -0.01, 0.01, counterfactual=0.3),
                            expected=Change.parse("+10%"))
    assert result.expected_effect == pytest.approx(0.03)


def test_missing_change_mind_if_is_flagged() -> None:
    result = impact_verdict(_estimate(0.05, 0.02, 0.08), expected=Change.parse("+0.05"))
    assert "no change_mind_if" in result.review


def test_failed_estimate_is_unavailable() -> None:
    failed = ImpactEstimate(method="its", grain="day", level=0.9, n_pre=0, n_post=30,
                            error=ImpactError.NO_PRE_PERIOD, message="the launch is at ...")
    result = impact_verdict(failed, expected=Change.parse("+5%"))
    assert result.verdict is Verdict.UNAVAILABLE
    assert result.effect is None
    assert "the launch is at" in result.summary


def test_feature_factory_index_counts_and_share() -> None:
    bets = [
        ShippedBet("growth", "2026-Q4", "a", Verdict.MOVED),
        ShippedBet("growth", "2026-Q4", "b", Verdict.NO_EFFECT),
        ShippedBet("growth", "2026-Q4", "c", Verdict.INCONCLUSIVE),
        ShippedBet("growth", "2026-Q4", "d", Verdict.WRONG_WAY),
        ShippedBet("growth", "2026-Q4", "e", None),
        ShippedBet("growth", "2026-Q4", "f", Verdict.UNAVAILABLE),
        ShippedBet("growth", "2026-Q3", "g", Verdict.MOVED),
        ShippedBet("platform", "2026-Q4", "h", None),
    ]
    rows = feature_factory_index(bets)
    assert [(r.team, r.period) for r in rows] == [
        ("growth", "2026-Q3"), ("growth", "2026-Q4"), ("platform", "2026-Q4")
    ]
    q4 = rows[1]
    assert (q4.shipped, q4.judged, q4.moved, q4.wrong_way, q4.no_effect, q4.inconclusive,
            q4.unavailable) == (6, 4, 1, 1, 1, 1, 2)
    assert q4.share_moved == pytest.approx(0.25)
    assert rows[0].share_moved == 1.0
    assert rows[2].share_moved is None
    assert feature_factory_index([]) == []


@settings(max_examples=200, deadline=None)
@given(
    effect=st.floats(-1, 1),
    half_width=st.floats(0.001, 1),
    expected=st.floats(0.001, 1),
)
def test_verdicts_mirror_for_decreasing_bets(effect: float, half_width: float,
                                             expected: float) -> None:
    """A decrease expected and seen is judged exactly like the mirrored increase."""
    up = impact_verdict(_estimate(effect, effect - half_width, effect + half_width),
                        expected=Change(expected))
    down = impact_verdict(_estimate(-effect, -effect - half_width, -effect + half_width),
                          expected=Change(-expected))
    assert up.verdict is down.verdict
    if up.verdict is Verdict.MOVED:
        assert effect - half_width > 0
    if up.verdict is Verdict.NO_EFFECT:
        assert effect - half_width <= 0 <= effect + half_width < expected


def test_the_summary_speaks_in_the_units_it_is_given() -> None:
    """The statistics know no units; the service passes the KR's, so a share reads in
    points and an absolute expectation is said once, not "+0.04 (+4 pts)"."""
    from sowhat.domain.units import format_change

    result = impact_verdict(_estimate(0.089, -0.174, 0.352, mde=0.39),
                            expected=Change.parse("+0.04"),
                            show=lambda x: format_change(x, "percent"))
    assert result.summary.startswith("inconclusive: +8.9 pts (-17.4 pts to +35.2 pts, 90%")
    assert "the bet expected +4 pts;" in result.summary
    assert "detect changes of about 39 pts or more" in result.summary
    relative = impact_verdict(_estimate(0.02, 0.005, 0.035), expected=Change.parse("+10%"),
                              baseline=0.40, show=lambda x: format_change(x, "percent"))
    assert "the bet expected +10% (+4 pts), 50% of that" in relative.summary
