"""A typed baseline against the measured one: material and beyond the measurement's noise."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("hits", "trials"), [(43, 840), (26, 911), (0, 40), (12, 12),
                                               (10, 25), (50000, 100000)])
def test_a_measured_shares_interval_is_statsmodels_wilson_interval(hits: int,
                                                                   trials: int) -> None:
    from statsmodels.stats.proportion import proportion_confint

    from sowhat.domain.measure import share_interval

    low, high = proportion_confint(hits, trials, alpha=0.05, method="wilson")
    assert share_interval(hits / trials, trials) == pytest.approx((low, high), abs=1e-6)


def test_a_typed_rate_inside_the_measured_rates_noise_is_not_a_different_claim() -> None:
    """A B2B team types 30% activation; the 28 days before the period measured 29 of 80 new
    accounts, 36.25%: six points and a fifth off, so it was flagged — but 80 accounts measure
    a rate only to within 26.6%-47.2%, and 30% is inside. Material and beyond noise are both
    needed."""
    from sowhat.domain.measure import baseline_disagrees

    assert baseline_disagrees(0.30, 29 / 80, share=True)  # no trials known: as before
    assert not baseline_disagrees(0.30, 29 / 80, share=True, trials=80)
    assert baseline_disagrees(0.30, 0.3625, share=True, trials=8000)  # a big cohort's 36%
    # monthly churn typed at 4.5% against 2.85% over 911 customer-months: outside its noise
    assert baseline_disagrees(0.045, 0.0285, share=True, trials=911)
    # within the 2-point rounding a rate always gets, however many trials
    assert not baseline_disagrees(0.38, 0.394, share=True, trials=10**7)
    # the 2-point allowance stands in for the noise only while the trials are unknown
    assert not baseline_disagrees(0.12, 0.139, share=True)
    assert baseline_disagrees(0.12, 0.139, share=True, trials=50000)
    # trials say nothing about a count
    assert baseline_disagrees(120.0, 601.0, share=False, trials=50)
