"""What a launch-impact estimate says, and the regression plumbing ITS and DiD share.

Both estimators are least squares on a small design with inference that copes with the
autocorrelation of daily KR series (a good week is followed by a good week; plain OLS errors
would be too small and the intervals too confident): see `robust_regression`.

Errors are values, not exceptions (as in gbstats): a launch too close to the series' start,
a constant series, or too few points give an `ImpactEstimate` with `error` set, so one bad
bet never sinks a report.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from sowhat.domain.words import counted
from sowhat.errors import UserError
from sowhat.stats.rival import RivalBend, describe_rival
from sowhat.stats.stability import StabilityCheck, stability_check
from sowhat.stats.trend_model import FloatArray

DEFAULT_LEVEL = 0.90
DEFAULT_POWER = 0.80


class ImpactError(StrEnum):
    NO_PRE_PERIOD = "no_pre_period"  # launch at or before the series' first point
    NO_POST_PERIOD = "no_post_period"  # launch after the series' last point
    TOO_SHORT = "too_short"  # too few points before or after the launch for the design
    CONSTANT_SERIES = "constant_series"  # no variation at all: usually broken tracking
    SINGULAR_DESIGN = "singular_design"  # e.g. every pre-launch day is the same weekday
    BAD_CONTROL = "bad_control"  # DiD: the control cannot be scaled to the treated segment


@dataclass(frozen=True)
class PreTrendTest:
    """DiD's parallel-trends check: the slope of (treated - control) before the launch."""

    slope: float  # per grain unit (day or week)
    std_error: float
    p_value: float
    low: float
    high: float
    level: float
    drift_over_gap: float  # slope x (mean post time - mean pre time): the bias if it went on
    parallel: bool  # p_value >= 1 - level: no evidence against parallel trends
    message: str
    critical_value: float | None = None  # |t| beyond which the test finds a divergence


@dataclass(frozen=True)
class ImpactEstimate:
    """A launch's estimated effect on a KR metric, in the metric's own units.

    `effect` is the average effect over the post-launch points against the counterfactual
    (what the model says the metric would have been without the launch); without a slope
    change it equals `level_change`.
    """

    method: str  # "its" | "did"
    grain: str  # "day" | "week"
    level: float  # interval level, e.g. 0.90
    n_pre: int
    n_post: int
    effect: float | None = None
    std_error: float | None = None
    low: float | None = None
    high: float | None = None
    p_value: float | None = None
    mde: float | None = None  # (q_{1-alpha/2} + q_{power}) x std_error, see docs/impact.md
    power: float = DEFAULT_POWER
    df: float | None = None
    level_change: float | None = None
    level_change_se: float | None = None
    slope_change: float | None = None  # per grain unit; None when not modelled
    slope_change_se: float | None = None
    counterfactual_mean: float | None = None  # mean post-launch value without the launch
    observed_mean: float | None = None  # mean observed post-launch value
    relative_effect: float | None = None  # effect / counterfactual_mean
    hac_lags: int | None = None
    ar1: float | None = None  # AR(1) coefficient the residuals were prewhitened with
    critical_value: float | None = None  # fixed-b critical value behind the interval
    control_scale: float | None = None  # DiD: k in treated - k x control
    pre_trend: PreTrendTest | None = None
    assumptions: tuple[str, ...] = ()
    error: ImpactError | None = None
    message: str | None = None
    stability: StabilityCheck | None = None  # placebo launches and bends before the launch
    withheld: str | None = None  # why the verdict is "can't tell" although numbers exist
    rival: RivalBend | None = None  # the best bend before the launch vs a jump at it
    adjustments: tuple[str, ...] = ()  # what the estimator changed on its own, and why

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class PreparedSeries:
    """Observed points on a common clock: t in grain units from the launch (launch = 0)."""

    dates: tuple[date, ...]
    t: FloatArray
    columns: tuple[FloatArray, ...]
    post: NDArray[np.bool_]
    grain: str


def infer_grain(dates: Sequence[date]) -> str:
    """"week" when every gap is a whole number of weeks, else "day"."""
    if len(dates) < 2:
        return "day"
    gaps = [(b - a).days for a, b in itertools.pairwise(dates)]
    return "week" if all(g % 7 == 0 for g in gaps) else "day"


def prepare(
    dates: Sequence[date],
    columns: Sequence[Sequence[float | None]],
    *,
    launch: date,
    grain: str | None,
) -> PreparedSeries:
    """Validate, drop points where any column is missing, and put t on the grain's clock."""
    for col in columns:
        if len(col) != len(dates):
            raise UserError(
                f"{len(dates)} dates but {len(col)} values",
                hint="pass one value per date (None for a missing day)",
            )
    if any(b <= a for a, b in itertools.pairwise(dates)):
        raise UserError("dates must be strictly increasing", hint="sort the series by date")
    grain = grain or infer_grain(dates)
    if grain not in ("day", "week"):
        raise UserError(f"unknown grain {grain!r}", hint="use day or week")
    step = 7.0 if grain == "week" else 1.0
    arrays = [
        np.array([np.nan if v is None else float(v) for v in col], dtype=float) for col in columns
    ]
    ok = np.ones(len(dates), dtype=bool)
    for arr in arrays:
        ok &= np.isfinite(arr)
    keep = np.flatnonzero(ok)
    kept_dates = tuple(dates[int(i)] for i in keep)
    t = np.array([(d - launch).days / step for d in kept_dates], dtype=float)
    cols = tuple(arr[keep] for arr in arrays)
    post = np.array([d >= launch for d in kept_dates], dtype=bool)
    return PreparedSeries(dates=kept_dates, t=t, columns=cols, post=post, grain=grain)


def weekday_dummies(dates: Sequence[date]) -> FloatArray:
    """One column per weekday present except the first present (treatment coding)."""
    weekdays = np.array([d.weekday() for d in dates])
    present = sorted(set(weekdays.tolist()))
    cols = [(weekdays == w).astype(float) for w in present[1:]]
    if not cols:
        return np.empty((len(dates), 0))
    return np.column_stack(cols)


def is_constant(values: FloatArray) -> bool:
    """No variation beyond floating-point noise (a difference of two equal series, say)."""
    scale = max(1.0, float(np.max(np.abs(values))))
    return float(np.ptp(values)) <= 1e-12 * scale


def full_rank(design: FloatArray) -> bool:
    return bool(np.linalg.matrix_rank(design) == design.shape[1])


def failed(
    method: str,
    grain: str,
    level: float,
    n_pre: int,
    n_post: int,
    error: ImpactError,
    message: str,
    assumptions: tuple[str, ...],
) -> ImpactEstimate:
    return ImpactEstimate(
        method=method,
        grain=grain,
        level=level,
        n_pre=n_pre,
        n_post=n_post,
        assumptions=assumptions,
        error=error,
        message=message,
    )


def check_periods(
    series: PreparedSeries, min_pre: int, min_post: int
) -> tuple[ImpactError, str] | None:
    """The reason a design cannot be fitted on these points, or None."""
    n_pre = int((~series.post).sum())
    n_post = int(series.post.sum())
    if n_pre == 0:
        return ImpactError.NO_PRE_PERIOD, (
            "the launch is at or before the series' first point: nothing to compare against; "
            "include data from before the launch"
        )
    if n_post == 0:
        return ImpactError.NO_POST_PERIOD, (
            "the launch is after the series' last point: no data since the launch yet"
        )
    if n_pre < min_pre or n_post < min_post:
        return ImpactError.TOO_SHORT, (
            f"{counted(n_pre, 'point')} before and {n_post} after the launch; this design needs at "
            f"least {min_pre} before and {min_post} after"
        )
    return None


def pre_launch_check(
    y: FloatArray, series: PreparedSeries, dummies: FloatArray
) -> StabilityCheck | None:
    """Placebo launches and bends on the pre-launch points (`sowhat.stats.stability`)."""
    pre = ~series.post
    base = np.column_stack([np.ones(int(pre.sum())), series.t[pre], dummies[pre]])
    base = base[:, np.any(base != 0, axis=0)]
    if not full_rank(base):
        return None
    return stability_check(y[pre], series.t[pre], base)


def describe_break(check: StabilityCheck, grain: str, what: str) -> str:
    """Plain words for a failed pre-launch check: what moved, when, and what it means."""
    unit = "day" if grain == "day" else "week"
    ago = abs(check.at)
    when = f"about {ago:.0f} {unit}{'s' if ago != 1 else ''} before the launch"
    change = "jumped" if check.kind == "step" else "changed course"
    return (
        f"{what} already {change} {when} (p = {check.p_value:.2g} that a steady line shows a "
        f"break this clear): the line before the launch is not a safe stand-in for 'no "
        f"launch', so the launch cannot be separated from that earlier change"
    )


def withhold_reason(
    series: PreparedSeries,
    *,
    check: StabilityCheck | None,
    rival: RivalBend | None,
    low: float,
    high: float,
    what: str,
) -> str | None:
    """Why the verdict must be "can't tell", or None: a break before the launch
    (`stability`), or — for an interval that excludes zero — a bend that began before the
    launch and explains the change at least as well as the launch (`rival`)."""
    if check is not None and not check.stable:
        return describe_break(check, series.grain, what)
    if low <= 0.0 <= high:
        return None
    if rival is not None and rival.explains:
        return describe_rival(rival, series.grain, what)
    return None
