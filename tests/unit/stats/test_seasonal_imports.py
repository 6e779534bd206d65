"""The yearly-swing F test without SciPy: equal to SciPy's F distribution, and the
forecasting code that `sowhat sync` runs imports no SciPy at all (≈0.6 s of CPU for
`scipy.special` alone, ≈1 s more for `scipy.stats`)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from sowhat.stats.seasonal import _f_test


@pytest.mark.parametrize(("coef", "cov", "df"), [
    ((0.3, -0.2), ((0.04, 0.01), (0.01, 0.05)), 12.0),
    ((2.0, 1.0), ((0.5, 0.0), (0.0, 0.5)), 40.5),
    ((0.01, 0.0), ((1.0, 0.2), (0.2, 1.0)), 0.3),  # df clipped to 1
])
def test_f_test_is_scipys_f_survival_function(coef: tuple[float, float],
                                             cov: tuple[tuple[float, float], ...],
                                             df: float) -> None:
    c, v = np.asarray(coef), np.asarray(cov)
    wald = float(c @ np.linalg.solve(v, c))
    assert _f_test(c, v, df) == pytest.approx(stats.f.sf(wald / 2.0, 2, max(df, 1.0)),
                                              rel=1e-12)


def test_a_singular_covariance_is_no_evidence() -> None:
    assert _f_test(np.array([1.0, 1.0]), np.zeros((2, 2)), 10.0) == 1.0


def test_forecasting_does_not_import_scipy() -> None:
    code = ("import sys, sowhat.services.listing.forecasts, sowhat.services.forecasts; "
            "print(any(m.split('.')[0] == 'scipy' for m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"
