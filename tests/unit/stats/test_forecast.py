"""KR forecasts: behaviour on clear cases, edge cases, and a seeded calibration check."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sowhat.domain.okr import Direction
from sowhat.errors import UserError
from sowhat.stats.forecast import forecast_kr
from sowhat.stats.synthetic import calibration, simulate_kr


def test_clean_upward_trend_is_extrapolated() -> None:
    rng = np.random.default_rng(1)
    values = [0.20 + 0.01 * w + rng.normal(0, 0.002) for w in range(1, 9)]
    f = forecast_kr(values, baseline=0.20, target=0.30, weeks_remaining=5)
    assert f.final_week == 13
    assert f.projected == pytest.approx(0.33, abs=0.01)
    assert f.low < f.projected < f.high
    assert f.probability > 0.95
    assert f.direction is Direction.INCREASE
    assert [p.week for p in f.path] == [9, 10, 11, 12, 13]
    assert f.path[-1].median == pytest.approx(f.projected)


def test_flat_series_far_from_target_is_unlikely() -> None:
    rng = np.random.default_rng(2)
    values = [1000 + rng.normal(0, 20) for _ in range(6)]
    f = forecast_kr(values, baseline=1000, target=1400, weeks_remaining=7)
    assert f.probability < 0.05
    assert f.low < 1000 < f.high


def test_decreasing_kr_counts_hits_below_the_target() -> None:
    values = [0.10, 0.095, 0.09, 0.085, 0.08]
    down = forecast_kr(values, baseline=0.105, target=0.07, weeks_remaining=8)
    assert down.direction is Direction.DECREASE
    assert down.probability > 0.8
    up = forecast_kr(values, baseline=0.105, target=0.07, weeks_remaining=8,
                     direction=Direction.INCREASE)
    assert up.probability == pytest.approx(1 - down.probability, abs=1e-9)


def test_scale_and_sign_invariance() -> None:
    """Forecasting -3y towards -3T downwards is the same question as y towards T upwards."""
    values = [5.0, 5.4, None, 5.9, 6.1]
    a = forecast_kr(values, baseline=4.8, target=7.0, weeks_remaining=8)
    b = forecast_kr([None if v is None else -3 * v for v in values], baseline=-14.4,
                    target=-21.0, weeks_remaining=8)
    assert b.direction is Direction.DECREASE
    assert b.probability == pytest.approx(a.probability, abs=1e-9)
    assert b.projected == pytest.approx(-3 * a.projected, rel=1e-7)


def test_one_point_stays_wide_and_leans_to_no_change() -> None:
    # A naive line through (0, 0.20) and (1, 0.22) reaches 0.46 by week 13.
    f = forecast_kr([0.22], baseline=0.20, target=0.30, weeks_remaining=12)
    assert 0.01 < f.probability < 0.5
    assert f.low < 0.21
    assert f.high > 0.26
    assert f.projected < 0.30
    assert f.note is not None
    assert "2 data points" in f.note


def test_baseline_only_gives_a_wide_forecast_around_the_baseline() -> None:
    f = forecast_kr([], baseline=0.5, target=0.6, weeks_remaining=13)
    assert f.projected == pytest.approx(0.5, abs=1e-6)
    assert f.low < 0.48
    assert f.high > 0.52
    assert 0.0 < f.probability < 0.5


def test_intervals_widen_with_the_horizon() -> None:
    f = forecast_kr([3.0, 3.2, 2.9, 3.4], baseline=3.0, target=4.0, weeks_remaining=9)
    widths = [p.high - p.low for p in f.path]
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(widths))


def test_missing_weeks_and_trailing_gaps() -> None:
    f = forecast_kr([0.3, None, 0.32, float("nan")], baseline=0.29, target=0.4,
                    weeks_remaining=9, weeks_elapsed=5)
    assert f.observations == 3
    assert f.final_week == 14
    assert next(p.week for p in f.path) == 6


def test_final_week_already_measured() -> None:
    f = forecast_kr([0.3, 0.35], baseline=0.2, target=0.34, weeks_remaining=0)
    assert f.probability == 1.0
    assert f.projected == 0.35
    assert f.path == ()


def test_bounds_clip_reported_values_only() -> None:
    f = forecast_kr([0.97, 0.98, 0.99], baseline=0.96, target=0.995, weeks_remaining=10,
                    bounds=(0.0, 1.0))
    assert f.high <= 1.0
    free = forecast_kr([0.97, 0.98, 0.99], baseline=0.96, target=0.995, weeks_remaining=10)
    assert free.probability == pytest.approx(f.probability)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"values": [], "baseline": None, "target": 1.0, "direction": Direction.INCREASE},
         "no data"),
        ({"values": [1.0], "baseline": None, "target": 1.0}, "up or down"),
        ({"values": [1.0, float("inf")], "baseline": 0.5, "target": 2.0}, "week 2"),
    ],
)
def test_bad_inputs_raise_user_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(UserError, match=message):
        forecast_kr(weeks_remaining=4, **kwargs)  # type: ignore[arg-type]


def _calibration_run(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    probs, hits = [], []
    for _ in range(n):
        kr = simulate_kr(rng)
        f = forecast_kr(kr.values, baseline=kr.baseline, target=kr.target,
                        direction=kr.direction, weeks_remaining=kr.weeks_remaining,
                        weeks_elapsed=kr.weeks_elapsed)
        probs.append(f.probability)
        hits.append(kr.hit)
    return np.array(probs), np.array(hits, dtype=float)


@pytest.mark.slow
def test_forecast_is_calibrated_on_simulated_krs() -> None:
    probs, hits = _calibration_run(500, seed=20261)
    cal = calibration(probs, hits)
    assert cal.weighted_error < 0.08
    assert cal.unweighted_error < 0.12
    # The check has teeth: the same forecasts made overconfident (or timid) fail it.
    z = stats.norm.ppf(np.clip(probs, 1e-6, 1 - 1e-6))
    assert calibration(stats.norm.cdf(3 * z), hits).unweighted_error > 0.12
    assert calibration(stats.norm.cdf(z / 3), hits).weighted_error > 0.08


@settings(max_examples=25, deadline=None)
@given(
    values=st.lists(st.floats(0.5, 2.0), min_size=1, max_size=8),
    scale=st.floats(0.01, 1000.0),
    target=st.floats(0.5, 3.0),
    remaining=st.integers(1, 12),
)
def test_forecast_probability_does_not_depend_on_units(
    values: list[float], scale: float, target: float, remaining: int
) -> None:
    """Rates as fractions or as percent, counts in events or thousands: same answer."""
    a = forecast_kr(values, baseline=1.0, target=target, weeks_remaining=remaining,
                    direction=Direction.INCREASE)
    b = forecast_kr([scale * v for v in values], baseline=scale, target=scale * target,
                    weeks_remaining=remaining, direction=Direction.INCREASE)
    assert b.probability == pytest.approx(a.probability, abs=1e-6)
    assert b.projected == pytest.approx(scale * a.projected, rel=1e-6)
    assert a.low <= a.projected <= a.high
