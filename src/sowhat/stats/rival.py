"""Could a bend that began before the launch explain the "effect" as well as the launch?

The pre-launch check (`sowhat.stats.stability`) looks at the points before the launch only.
A trend that began to bend a few weeks before the launch leaves two or three points on the
bend there — too few to tell from noise — and then carries on after the launch, where the
estimator reads it as the launch's effect. The stress suite's "bend in the treated segment"
case (benchmarks/stress.py) had the headline say "moved" for 17% of such launches with
nothing launched.

This check uses the post-launch points too. It compares two explanations of the whole
series with the same number of free coefficients:

- the launch: a line plus a jump at the launch, `[1, t, post]`;
- a rival bend: a line plus a hinge `max(t - t_j, 0)` starting at an earlier week t_j
  (searched over the quarter before the launch, with at least two pre-launch points on the
  hinge so a bend is not a relabelled jump);

on data whitened with the estimate's own AR(1) coefficient, so persistent noise is not read
as a bend. The evidence for the bend is (SSR_launch - SSR_bend) / sigma^2 (twice the log
likelihood ratio). ITS withholds a significant estimate ("can't tell") when the evidence is
at least 2 — the best rival, charged 2 sigma^2 for choosing its start week (Akaike's penalty
for one more parameter), fits no worse than the launch. DiD looks at two views of the same
launch — the treated segment and its gap to the control — and withholds when their evidence
summed is at least 4 (2 per view): a bend in the gap alone is weaker evidence on 26 noisy
points than a bend seen in both, and on the stress suite the two views together lose a third
as much power on real steps for the same protection (docs/impact.md).

Why a comparison and not a test: a bend that started three weeks before the launch cannot
be told from chance with three points, but it predicts the post-launch points as a ramp,
while a launch predicts a jump to a new level; the comparison uses exactly that difference.
It costs power where a jump and a ramp look alike — one or two weeks after the launch —
which is where an honest answer is "can't tell yet". Figures: docs/impact.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sowhat.stats.robust_regression import ar1_whiten
from sowhat.stats.trend_model import FloatArray

PENALTY = 2.0  # sigma^2 units per view: Akaike's charge for the rival's start week
MIN_ON_HINGE = 2  # pre-launch points on the rival's hinge
MIN_BEFORE = 4  # points before the rival's start
SEARCH = {"week": 13.0, "day": 91.0}  # how far back a rival bend may start (a quarter)
STRIDE = {"week": 1.0, "day": 7.0}  # spacing of candidate start points


@dataclass(frozen=True)
class RivalBend:
    """The best-fitting bend before the launch, against a jump at the launch."""

    at: float  # where the rival bend starts, in grain units from the launch (negative)
    launch_ssr: float  # whitened residual sum of squares of line + jump at the launch
    bend_ssr: float  # ... of line + the bend (no launch effect)
    sigma2: float  # residual variance of the launch model
    evidence: float  # (launch_ssr - bend_ssr) / sigma2: > 0 when the bend fits better
    views: int = 1  # how many series the evidence sums over (DiD: the gap and the treated)

    @property
    def explains(self) -> bool:
        """The bend, charged PENALTY per view, explains the data at least as well."""
        return self.evidence >= PENALTY * self.views


def _ssr(y: FloatArray, design: FloatArray, t: FloatArray, rho: float) -> float:
    yw, xw = ar1_whiten(y, t, rho), ar1_whiten(design, t, rho)
    coef = np.linalg.lstsq(xw, yw, rcond=None)[0]
    resid = yw - xw @ coef
    return float(resid @ resid)


def rival_bend(
    y: FloatArray,
    t: FloatArray,
    post: np.ndarray,
    *,
    rho: float,
    grain: str,
    extra: FloatArray | None = None,
) -> RivalBend | None:
    """Compare a jump at the launch (t = 0) with the best bend starting before it.

    `y` on times `t` (grain units from the launch), `post` marks post-launch points, `rho`
    the AR(1) coefficient to whiten with, `extra` more base columns (weekday dummies).
    None when there is no candidate start or too few points for the comparison.
    """
    one = np.ones_like(t)
    base = [one, t] if extra is None or extra.size == 0 else [one, t, *extra.T]
    pre_t = t[~post]
    if pre_t.size < MIN_BEFORE + MIN_ON_HINGE + 1 or not post.any():
        return None
    stride = STRIDE.get(grain, 1.0)
    latest = float(pre_t[-MIN_ON_HINGE - 1])  # at least MIN_ON_HINGE pre points after it
    earliest = max(float(pre_t[MIN_BEFORE - 1]), -SEARCH.get(grain, 13.0))
    starts = [float(s) for s in pre_t if earliest <= s <= latest
              and abs((latest - s) / stride - round((latest - s) / stride)) < 1e-9]
    launch_design = np.column_stack([*base, post.astype(float)])
    n, k = launch_design.shape
    if not starts or n - k < 2:
        return None
    launch_ssr = _ssr(y, launch_design, t, rho)
    sigma2 = launch_ssr / (n - k)
    best_ssr, best_at = np.inf, starts[-1]
    for s in starts:
        ssr = _ssr(y, np.column_stack([*base, np.maximum(t - s, 0.0)]), t, rho)
        if ssr < best_ssr:
            best_ssr, best_at = ssr, s
    return RivalBend(
        at=best_at,
        launch_ssr=launch_ssr,
        bend_ssr=best_ssr,
        sigma2=sigma2,
        evidence=(launch_ssr - best_ssr) / sigma2 if sigma2 > 0 else 0.0,
    )


def combine(gap: RivalBend | None, treated: RivalBend | None) -> RivalBend | None:
    """DiD's two views of one launch: the gap's rival with the treated series' evidence
    added (None when the gap has no rival)."""
    if gap is None or treated is None:
        return gap
    return RivalBend(at=gap.at, launch_ssr=gap.launch_ssr, bend_ssr=gap.bend_ssr,
                     sigma2=gap.sigma2, evidence=gap.evidence + treated.evidence, views=2)


def describe_rival(rival: RivalBend, grain: str, what: str) -> str:
    """Plain words for a rival bend that explains the data as well as the launch."""
    unit = "day" if grain == "day" else "week"
    ago = abs(rival.at)
    return (
        f"{what} may have begun to bend about {ago:.0f} {unit}{'s' if ago != 1 else ''} "
        f"before the launch: a trend that turned then and kept going fits the weeks before and "
        f"after the launch at least as well as a jump at the launch does, so the change cannot "
        f"be credited to the launch yet (more weeks after the launch will tell a ramp from a "
        f"jump)"
    )
