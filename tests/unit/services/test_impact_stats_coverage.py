"""What `sowhat impact` relies on from sowhat.stats, on the series it actually feeds it: weekly
values, 26 weeks before the launch and only a few after (every fresh launch).

History: before the stats module moved to prewhitening + fixed-b critical values, its 90%
Newey–West intervals covered a zero effect in only ~69% of seeded weekly series with 3
post-launch weeks (~42% with 1); the service then floored the standard errors. These tests
keep that from coming back. They also check the before/after MDE the detectability check
projects for a bet not yet shipped.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from sowhat.services.bets import _launch_mde
from sowhat.services.impact.series import WeekPoint
from sowhat.stats.impact import did_estimate, its_estimate

WEEKS = [date(2026, 4, 6) + timedelta(weeks=i) for i in range(40)]
REPS = 200


def _coverage(n_post: int, method: str) -> float:
    rng = np.random.default_rng(20261116 + n_post)
    n = 26 + n_post
    hits = 0
    for _ in range(REPS):
        growth = 1.0 + 0.003 * np.arange(n)  # parallel in ratio, as the DiD scales the control
        y = list(0.3 * growth + rng.normal(0, 0.02, n))
        if method == "its":
            est = its_estimate(WEEKS[:n], y, launch=WEEKS[26], grain="week")
        else:
            control = list(0.5 * growth + rng.normal(0, 0.02, n))
            est = did_estimate(WEEKS[:n], y, control, launch=WEEKS[26], grain="week")
        assert est.low is not None
        assert est.high is not None
        hits += est.low <= 0.0 <= est.high
    return hits / REPS


@pytest.mark.slow
@pytest.mark.parametrize("method", ["its", "did"])
@pytest.mark.parametrize("n_post", [1, 4])
def test_90_percent_intervals_cover_with_few_weekly_post_points(method: str,
                                                                n_post: int) -> None:
    # 200 draws: a true 0.90 falls in [0.84, 0.96] with probability ~0.99.
    assert 0.84 <= _coverage(n_post, method) <= 0.96


def _points(values: list[float]) -> list[WeekPoint]:
    return [WeekPoint(week=WEEKS[i], value=v) for i, v in enumerate(values)]


def test_projected_mde_is_the_its_mde_of_the_replayed_continuation() -> None:
    rng = np.random.default_rng(5)
    y = list(0.2 + 0.002 * np.arange(26) + rng.normal(0, 0.01, 26))
    mde = _launch_mde(_points(y), 6.4)
    # By hand: trend carried on six weeks, residuals replayed from the first.
    t = np.arange(-26, 0, dtype=float)
    slope, intercept = np.polyfit(t, y, 1)
    resid = np.asarray(y) - (intercept + slope * t)
    future = intercept + slope * np.arange(6) + resid[:6]
    est = its_estimate(WEEKS[:32], [*y, *future], launch=WEEKS[26], grain="week")
    assert mde == pytest.approx(est.mde)


def test_projected_mde_shrinks_with_more_weeks_and_grows_with_noise() -> None:
    rng = np.random.default_rng(6)
    noise = rng.normal(0, 1, 26)
    quiet = _points(list(0.2 + 0.01 * noise))
    loud = _points(list(0.2 + 0.03 * noise))
    short, long = _launch_mde(quiet, 2), _launch_mde(quiet, 10)
    assert short is not None
    assert long is not None
    assert long < short
    louder = _launch_mde(loud, 10)
    assert louder == pytest.approx(3 * long, rel=1e-6)  # the MDE scales with the noise
    assert _launch_mde(quiet, 0.5) is None  # not a single week left
    assert _launch_mde(quiet[:3], 5) is None  # too little history
