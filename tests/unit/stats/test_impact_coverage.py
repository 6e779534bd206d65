"""Seeded simulation: do the 90% intervals cover, and do null launches stay quiet?

A small version of benchmarks/impact.py (which runs hundreds of launches and reports the
figures); the bounds are loose enough for 30 draws (binomial sd of a 0.9 coverage is 0.055)
and still catch intervals that are badly too narrow or an estimator that misses effects.
(50 and 30 draws until the DiD fix of December 2026 made each daily DiD fit ≈1.5x dearer:
the suite's CI budget, not the figures, set the sizes; the benchmark reports the figures.)
"""

from __future__ import annotations

import numpy as np
import pytest

from sowhat.stats.impact import did_estimate, its_estimate
from sowhat.stats.synthetic import simulate_launch


def _run(n: int, relative_effect: float, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out: dict[str, list[tuple[bool, bool]]] = {"its": [], "did": []}
    for _ in range(n):
        launch = simulate_launch(rng, relative_effect=relative_effect)
        its = its_estimate(launch.dates, launch.treated, launch=launch.launch)
        did = did_estimate(launch.dates, launch.treated, launch.control, launch=launch.launch)
        for name, est in (("its", its), ("did", did)):
            assert est.low is not None
            assert est.high is not None
            covered = est.low <= launch.effect <= est.high
            significant = est.low > 0 or est.high < 0
            out[name].append((covered, significant))
    return {k: np.array(v, dtype=float) for k, v in out.items()}


# The estimators now push every simulated draw through the whole FGLS procedure and run the
# pre-launch check: ~90 s of CPU for these two tests, more wall time on a shared machine.
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_null_launches_cover_and_stay_quiet() -> None:
    results = _run(30, 0.0, seed=404)
    for name, arr in results.items():
        coverage, false_positive = arr[:, 0].mean(), arr[:, 1].mean()
        assert coverage >= 0.80, (name, coverage)
        assert false_positive <= 0.20, (name, false_positive)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_planted_effects_are_found_and_covered() -> None:
    results = _run(20, 0.10, seed=405)
    for name, arr in results.items():
        coverage, power = arr[:, 0].mean(), arr[:, 1].mean()
        assert coverage >= 0.75, (name, coverage)
        assert power >= 0.6, (name, power)
