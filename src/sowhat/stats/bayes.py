"""Bayesian read-out under a flat prior: chance to win and expected loss.

gbstats' default (EffectBayesianABTest with an improper prior) treats the relative lift as
Gaussian with the frequentist delta-method mean and variance. Then, for X ~ N(mu, sigma^2):

    chance_to_win = P(X > 0) = Phi(mu / sigma)
    risk_control  = E[max(X, 0)]  = mu Phi(mu/sigma) + sigma phi(mu/sigma)
                    (what you expect to give up by keeping control)
    risk_treatment = E[max(-X, 0)] = sigma phi(mu/sigma) - mu Phi(-mu/sigma)
                    (what you expect to lose by shipping the treatment)

These are the closed forms of gbstats' truncated-normal computation (get_risk), vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class BayesArrays:
    chance_to_win: FloatArray
    risk_control: FloatArray
    risk_treatment: FloatArray


def gaussian_readout(mean: FloatArray, std: FloatArray) -> BayesArrays:
    with np.errstate(divide="ignore", invalid="ignore"):
        z = mean / std
    cdf = np.asarray(stats.norm.cdf(z), dtype=np.float64)
    sf = np.asarray(stats.norm.sf(z), dtype=np.float64)
    pdf = np.asarray(stats.norm.pdf(z), dtype=np.float64)
    return BayesArrays(
        chance_to_win=cdf,
        risk_control=mean * cdf + std * pdf,
        risk_treatment=std * pdf - mean * sf,
    )
