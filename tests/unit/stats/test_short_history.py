"""Short weekly histories: critical values from the least favourable AR(1) coefficient.

A fresh workspace has a few weeks before a launch. With the critical values simulated at the
bias-corrected coefficient alone (the plug-in, `CS_WIDTH = 0` and `CS_SCAN = ()`), the 90%
interval excluded 0 for 15-25% of launches that did nothing on 7 weekly points
(benchmarks/impact_short.py); these tests fail if that comes back. DiD's own short-history
tests: test_did_short.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from sowhat.stats import robust_regression as rr

PRE, POST = 5, 2
LAUNCHES = 120  # per coefficient; seeded, so the rates are fixed numbers


def _null_claims(rho: float) -> float:
    """Share of null launches (line + AR(1) noise) whose 90% interval excludes 0."""
    rng = np.random.default_rng([2026, int(rho * 10)])
    n = PRE + POST
    t = np.arange(n, dtype=float) - PRE
    design = np.column_stack([np.ones(n), t, (t >= 0).astype(float)])
    contrast = np.array([0.0, 0.0, 1.0])
    noise = rr.ar1_errors(rng, t, rho, LAUNCHES)
    claims = 0
    for d in range(LAUNCHES):
        y = 0.4 + 0.01 * t + 0.04 * noise[:, d]
        fit = rr.robust_fit(y, design, t=t, launch_cols=[2])
        inf = rr.contrast_inference(fit, contrast, level=0.9, power=0.8)
        claims += inf.low > 0 or inf.high < 0
    return claims / LAUNCHES


def _plug_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rr, "CS_WIDTH", 0.0)
    monkeypatch.setattr(rr, "CS_SCAN", ())


@pytest.mark.parametrize("rho", [0.0, 0.4])
def test_short_null_series_are_not_claimed_too_often(
    rho: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """5 weeks before, 2 after, no effect: at most 12% claimed (nominal 10%, Monte-Carlo se
    0.027 on 120 launches): 0.092 and 0.083 with the local grid alone (4485386), fewer with
    the scan of test_did_short.py; the plug-in critical values claim 0.200 and 0.242."""
    assert _null_claims(rho) <= 0.12
    _plug_in(monkeypatch)
    assert _null_claims(rho) > 0.12


@pytest.mark.parametrize(("pre", "rho"), [(5, 0.0), (8, 0.4), (13, 0.7), (26, 0.4)])
def test_least_favourable_critical_value_is_at_least_the_plug_in(
    pre: int, rho: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = np.arange(pre + 3, dtype=float) - pre
    design = np.column_stack([np.ones(t.size), t, (t >= 0).astype(float)])
    contrast = np.array([0.0, 0.0, 1.0])
    y = 0.4 + 0.01 * t + 0.04 * rr.ar1_errors(np.random.default_rng(pre), t, rho, 1)[:, 0]
    fit = rr.robust_fit(y, design, t=t, launch_cols=[2])
    lf = rr.contrast_inference(fit, contrast, level=0.9, power=0.8)
    again = rr.contrast_inference(fit, contrast, level=0.9, power=0.8)
    _plug_in(monkeypatch)
    plug = rr.contrast_inference(fit, contrast, level=0.9, power=0.8)
    assert lf.critical_value >= plug.critical_value
    assert lf.mde >= plug.mde - 1e-12 or lf.critical_value > plug.critical_value
    assert lf == again  # seeded: the same fit gives the same interval


def test_confidence_grid_holds_the_bias_corrected_point_and_shrinks_with_history() -> None:
    short = rr.rho_confidence_grid(0.2, np.arange(7, dtype=float))
    long = rr.rho_confidence_grid(0.2, np.arange(60, dtype=float))
    assert 0.2 in short
    assert 0.2 in long
    assert short.min() >= -0.5
    assert short.max() <= rr.MAX_RHO
    assert np.ptp(long) < np.ptp(short)
    assert rr.rho_confidence_grid(0.94, np.arange(7, dtype=float)).max() == rr.MAX_RHO
