"""The ambition check: sandbagged, unreachable, ambitious, unknown — and calibrated."""

from __future__ import annotations

import numpy as np
import pytest

from sowhat.domain.okr import Direction
from sowhat.stats.ambition import Ambition, hit_probability_without_change
from sowhat.stats.forecast import forecast_kr
from sowhat.stats.synthetic import calibration, simulate_kr


def _history(weeks: int, start: float, slope: float, sd: float, seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    return [start + slope * w + rng.normal(0, sd) for w in range(weeks)]


def test_target_reached_on_momentum_is_sandbagged() -> None:
    history = _history(20, 0.20, 0.004, 0.003, seed=1)  # ends near 0.276, +0.052 by Q end
    check = hit_probability_without_change(history, period_weeks=13, baseline=0.28, target=0.30)
    assert check.verdict is Ambition.SANDBAGGED
    assert check.probability is not None
    assert check.probability > 0.8
    assert check.low is not None
    assert check.high is not None
    assert check.projected is not None
    assert check.low < check.projected < check.high
    assert check.message.startswith("with no change, expect 0.3")
    assert "the target 0.3 is" in check.message
    assert "likely" in check.message


def test_far_target_on_a_flat_metric_is_unreachable() -> None:
    history = _history(16, 500.0, 0.0, 10.0, seed=2)
    check = hit_probability_without_change(history, period_weeks=13, baseline=500, target=800)
    assert check.verdict is Ambition.UNREACHABLE
    assert check.probability is not None
    assert check.probability < 0.05


def test_a_stretch_that_needs_work_is_ambitious() -> None:
    history = _history(16, 0.40, 0.0, 0.01, seed=3)
    check = hit_probability_without_change(history, period_weeks=13, baseline=0.40, target=0.41)
    assert check.verdict is Ambition.AMBITIOUS


def test_decreasing_target() -> None:
    history = _history(20, 0.10, -0.001, 0.002, seed=4)  # churn already falling
    check = hit_probability_without_change(history, period_weeks=13, baseline=0.08, target=0.075)
    assert check.direction is Direction.DECREASE
    assert check.verdict is Ambition.SANDBAGGED


def test_short_history_is_unknown_not_an_error() -> None:
    check = hit_probability_without_change([0.1, None, 0.2], period_weeks=13, baseline=0.2,
                                           target=0.3)
    assert check.verdict is Ambition.UNKNOWN
    assert check.probability is None
    assert "2 weeks of history" in check.message


def test_same_model_as_the_forecast() -> None:
    """Ambition = the forecast fitted to the history; one model, two uses."""
    history = _history(12, 3.0, 0.05, 0.1, seed=5)
    check = hit_probability_without_change(history, period_weeks=13, target=3.9,
                                           direction=Direction.INCREASE)
    # The same series given to the forecaster as a period's first 12 weeks with 13 to go.
    f = forecast_kr(history, target=3.9, weeks_remaining=13, direction=Direction.INCREASE)
    # Equal up to the (negligible) pull of the flat intercept prior, which sits at week 0.
    assert check.probability == pytest.approx(f.probability, abs=1e-6)
    assert check.projected == pytest.approx(f.projected, rel=1e-6)


@pytest.mark.slow
def test_ambition_is_calibrated_on_simulated_histories() -> None:
    rng = np.random.default_rng(777)
    probs, hits = [], []
    for _ in range(300):
        kr = simulate_kr(rng, history_weeks=int(rng.integers(12, 27)), weeks_elapsed=0)
        check = hit_probability_without_change(kr.history, period_weeks=13, target=kr.target,
                                               direction=kr.direction)
        assert check.probability is not None
        probs.append(check.probability)
        hits.append(kr.hit)
    cal = calibration(np.array(probs), np.array(hits, dtype=float))
    assert cal.weighted_error < 0.08
