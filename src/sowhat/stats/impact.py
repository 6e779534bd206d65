"""Launch impact without an experiment: one import for services and shells.

    its_estimate(...)          interrupted time series on the KR metric (sowhat.stats.its)
    did_estimate(...)          difference-in-differences against an unexposed segment
    impact_verdict(...)        moved / wrong way / no detectable effect / inconclusive /
                               can't tell (the design's pre-launch checks failed)
    choose_primary(its, did)   which estimate the headline verdict comes from
    feature_factory_index(...) share of shipped bets that moved their KR, per team and period

Formulas, conventions and benchmark figures: docs/impact.md.
"""

from __future__ import annotations

from sowhat.stats.did import DID_ASSUMPTIONS, did_estimate
from sowhat.stats.factory_index import FactoryIndex, ShippedBet, feature_factory_index
from sowhat.stats.impact_estimate import ImpactError, ImpactEstimate, PreTrendTest
from sowhat.stats.its import ITS_ASSUMPTIONS, its_estimate
from sowhat.stats.verdict import (
    ImpactVerdict,
    Verdict,
    choose_primary,
    expected_effect,
    impact_verdict,
)

__all__ = [
    "DID_ASSUMPTIONS",
    "ITS_ASSUMPTIONS",
    "FactoryIndex",
    "ImpactError",
    "ImpactEstimate",
    "ImpactVerdict",
    "PreTrendTest",
    "ShippedBet",
    "Verdict",
    "choose_primary",
    "did_estimate",
    "expected_effect",
    "feature_factory_index",
    "impact_verdict",
    "its_estimate",
]
