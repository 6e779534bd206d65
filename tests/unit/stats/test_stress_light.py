"""A light, seeded version of benchmarks/stress.py: the verdict-rate and forecast bounds.

Fixed seeds make the outcome deterministic; the bounds carry a Monte-Carlo tolerance of
2.33 standard errors (one-sided 99%) at these sample sizes, so a change to the models that
keeps them honest passes, and one that makes them cry "moved" or overconfident fails.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from sowhat.domain.okr import Change, Direction
from sowhat.stats.forecast import CONTEXT_WEEKS, HISTORY_WEEKS, forecast_kr
from sowhat.stats.impact import choose_primary, did_estimate, impact_verdict, its_estimate
from sowhat.stats.stress import STEP_EFFECT, forecast_series, impact_launch, target_for
from sowhat.stats.synthetic import calibration

pytestmark = pytest.mark.slow

LAUNCHES = 30
Z = 2.33


def _moved_share(case: str, seed: int) -> float:
    rng = np.random.default_rng(seed)
    moved = 0
    for _ in range(LAUNCHES):
        sim = impact_launch(rng, case)
        dates = [date(2026, 1, 5) + timedelta(weeks=i) for i in range(sim.treated.size)]
        launch = dates[sim.pre_weeks]
        its = its_estimate(dates, list(sim.treated), launch=launch, level=0.9, grain="week")
        did = did_estimate(dates, list(sim.treated), list(sim.control), launch=launch,
                           level=0.9, grain="week")
        verdict = impact_verdict(choose_primary(its, did), expected=Change(STEP_EFFECT,
                                 "relative"), baseline=sim.level)
        moved += str(verdict.verdict) == "moved"
    return moved / LAUNCHES


@pytest.mark.parametrize("case", ["null", "bend_treated", "bend_both", "bump_at_launch"])
def test_no_effect_rarely_reads_as_moved(case: str) -> None:
    bound = 0.08 + Z * np.sqrt(0.08 * 0.92 / LAUNCHES)
    assert _moved_share(case, 7) <= bound


def test_a_real_step_is_still_found() -> None:
    # Before the checks the headline found 85% of the +5% steps; the goal keeps it within
    # 10 points of that.
    bound = 0.75 - Z * np.sqrt(0.75 * 0.25 / LAUNCHES)
    assert _moved_share("step", 8) >= bound


def test_forecasts_stay_calibrated_off_their_own_simulator() -> None:
    rng = np.random.default_rng(9)
    probs, hits, covered = [], [], []
    for process in ("random_walk", "level_shift", "flat", "binomial_small", "yearly_season"):
        for _ in range(30):
            s = forecast_series(rng, process)
            target, direction = target_for(rng, s)
            # As the service passes them: the context weeks, and the older stored weeks
            values: list[float | None] = [float(v) for v in s.history[-CONTEXT_WEEKS:]]
            values += [float(v) for v in s.period[:7]]
            older = [float(v) for v in s.history[-HISTORY_WEEKS:-CONTEXT_WEEKS]]
            f = forecast_kr(values, target=target, weeks_remaining=6, direction=direction,
                            bounds=s.bounds, history=older)
            final = float(s.period[-1])
            probs.append(f.probability)
            hits.append(final >= target if direction is Direction.INCREASE else final <= target)
            covered.append(f.low <= final <= f.high)
    n = len(probs)
    coverage = float(np.mean(covered))
    se = np.sqrt(0.8 * 0.2 / n)
    assert 0.78 - Z * se <= coverage <= 0.85 + Z * se
    p = np.array(probs)
    # The binned error of a perfect forecaster at this n is itself ~0.05: the bound is the
    # goal (0.05) plus that Monte-Carlo floor.
    floor = np.mean([calibration(p, (np.random.default_rng(i).random(n) < p).astype(float))
                     .weighted_error for i in range(20)])
    assert calibration(p, np.array(hits, dtype=float)).weighted_error <= 0.05 + floor
