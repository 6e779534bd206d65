"""Experiment design: sample size, reachable MDE, and "can we see this change this period?".

Normal approximation, two-sided test of the absolute difference of means, power counted over
both rejection tails (as statsmodels' NormalIndPower does; the far tail changes n by well
under 0.01 % in practice). With arm weights w_i (fractions of the total N) the standard
error of treatment j against control is

    se_j(N) = sqrt( var_A / (w_A N) + var_B / (w_j N) )

and we need  Phi(delta/se - z) + Phi(-delta/se - z) = power,  z = z(1 - alpha'/2).
Writing u = delta / se, the equation fixes u (solved once with brentq), so

    N = u^2 (var_A / w_A + var_B / w_j) / delta^2,   taken over the smallest treatment weight.

Variance convention (stated in every result as `convention`):
- proportion: unpooled, var_A = p (1 - p) and var_B = (p + mde)(1 - p - mde);
- mean: equal variances, var_A = var_B = std^2 (std of the per-unit metric).

Several treatment arms: alpha is Bonferroni-split, alpha' = alpha / (arms - 1), so the design
keeps the family-wise error at alpha across the comparisons with control (analysis may use the
more powerful Holm correction, which this design is then conservative for).

The inverse problem (the MDE a given N reaches) is exact: for means it is closed form; for
proportions var_B depends on the effect, and N delta^2 = u^2 (var_A/w_A + var_B(delta)/w_j)
is a quadratic in delta, solved for the root on the side of the expected change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import optimize, stats

from sowhat.errors import UserError

DesignMetricType = Literal["proportion", "mean"]

CONVENTIONS: dict[str, str] = {
    "proportion": "unpooled: var_A = p(1-p), var_B = (p+mde)(1-p-mde)",
    "mean": "equal variances: var_A = var_B = std^2",
}
MULTIPLE_ARMS = "bonferroni: alpha / (arms - 1) per comparison with control"


@dataclass(frozen=True)
class DesignSettings:
    """Validated inputs shared by every design question."""

    metric_type: DesignMetricType
    baseline: float
    std: float | None
    alpha: float
    power: float
    arms: int
    weights: tuple[float, ...]

    @property
    def alpha_per_comparison(self) -> float:
        return self.alpha / (self.arms - 1)

    @property
    def z_alpha(self) -> float:
        return float(stats.norm.isf(self.alpha_per_comparison / 2.0))

    @property
    def control_weight(self) -> float:
        return self.weights[0]

    @property
    def treatment_weight(self) -> float:
        """The smallest treatment share decides how long the experiment must run."""
        return min(self.weights[1:])

    @property
    def convention(self) -> str:
        return CONVENTIONS[self.metric_type]

    def variances(self, delta: float) -> tuple[float, float]:
        if self.metric_type == "proportion":
            p = self.baseline
            return p * (1.0 - p), (p + delta) * (1.0 - p - delta)
        assert self.std is not None
        return self.std**2, self.std**2

    def spread(self, delta: float) -> float:
        """var_A / w_A + var_B / w_j: N times the variance of the estimated difference."""
        var_a, var_b = self.variances(delta)
        return var_a / self.control_weight + var_b / self.treatment_weight


@dataclass(frozen=True)
class SampleSizePlan:
    metric_type: str
    convention: str
    multiple_arms: str
    baseline: float
    std: float | None
    mde: float
    mde_relative: float | None
    alpha: float
    alpha_per_comparison: float
    power: float
    arms: int
    weights: tuple[float, ...]
    exact_total: float
    arm_sample_sizes: tuple[int, ...]
    sample_size_per_arm: int
    total_sample_size: int
    weekly_traffic: float | None = None
    weeks_needed: float | None = None


@dataclass(frozen=True)
class MdePlan:
    metric_type: str
    convention: str
    multiple_arms: str
    baseline: float
    std: float | None
    alpha: float
    alpha_per_comparison: float
    power: float
    arms: int
    weights: tuple[float, ...]
    total_sample_size: float
    arm_sample_sizes: tuple[float, ...]
    mde: float | None
    mde_relative: float | None
    weekly_traffic: float | None = None
    weeks: float | None = None


@dataclass(frozen=True)
class Detectability:
    """Whether an expected change can be told from noise with the traffic left this period."""

    metric_type: str
    convention: str
    baseline: float
    expected_change: float
    expected_change_relative: float | None
    mde: float | None
    mde_relative: float | None
    detectable: bool
    power_at_expected: float
    weeks_needed: float | None
    weeks_remaining: float
    units_per_week: float
    available_sample_size: float
    required_sample_size: float | None
    alpha: float
    power: float


def design_settings(
    *,
    metric_type: str,
    baseline: float,
    std: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    arms: int = 2,
    weights: Sequence[float] | None = None,
) -> DesignSettings:
    if metric_type not in CONVENTIONS:
        raise UserError(
            f"unknown metric type '{metric_type}' for design", hint="use proportion or mean"
        )
    if not math.isfinite(baseline):
        raise UserError("baseline must be a number", hint="e.g. --baseline 0.28")
    if metric_type == "proportion":
        if not 0.0 < baseline < 1.0:
            raise UserError(
                f"a proportion baseline must be between 0 and 1, got {baseline}",
                hint="give the share as a fraction, e.g. 0.28 for 28%",
            )
        std = None
    elif std is None or not (math.isfinite(std) and std > 0):
        raise UserError(
            "mean metrics need the baseline standard deviation",
            hint="give --std (the per-unit standard deviation of the metric)",
        )
    if not 0.0 < alpha < 1.0:
        raise UserError(f"alpha must be between 0 and 1, got {alpha}", hint="e.g. 0.05")
    if not 0.0 < power < 1.0:
        raise UserError(f"power must be between 0 and 1, got {power}", hint="e.g. 0.8")
    if arms < 2:
        raise UserError(f"an experiment needs at least 2 arms, got {arms}", hint="--arms 2")
    if weights is None:
        w = tuple(1.0 / arms for _ in range(arms))
    else:
        raw = [float(x) for x in weights]
        if len(raw) != arms:
            raise UserError(
                f"{len(raw)} weights given for {arms} arms",
                hint="give one traffic share per arm, control first, e.g. 0.5,0.5",
            )
        if any(not (math.isfinite(x) and x > 0) for x in raw):
            raise UserError("weights must be positive numbers", hint="e.g. 0.5,0.5")
        total = sum(raw)
        w = tuple(x / total for x in raw)
    settings = DesignSettings(metric_type, baseline, std, alpha, power, arms, w)  # type: ignore[arg-type]
    if power <= settings.alpha_per_comparison:
        raise UserError(
            f"power {power} must exceed the per-comparison alpha {settings.alpha_per_comparison:g}",
            hint="raise --power or lower --alpha",
        )
    return settings


def required_u(settings: DesignSettings) -> float:
    """Standardised effect delta/se that gives the target power (both tails counted)."""
    z, target = settings.z_alpha, settings.power

    def gap(u: float) -> float:
        return float(stats.norm.cdf(u - z) + stats.norm.cdf(-u - z)) - target

    upper = z + float(stats.norm.ppf(target))
    upper = max(upper, 1e-9)
    while gap(upper) < 0:  # only when power is close to alpha'
        upper *= 2.0
    return float(optimize.brentq(gap, 0.0, upper, xtol=1e-14, rtol=4 * np.finfo(float).eps))


def power_of(settings: DesignSettings, delta: float, total: float) -> float:
    """Power of one comparison with control for an absolute effect and total sample size."""
    if delta == 0 or total <= 0:
        return settings.alpha_per_comparison
    u = abs(delta) * math.sqrt(total / settings.spread(delta))
    z = settings.z_alpha
    return float(stats.norm.cdf(u - z) + stats.norm.cdf(-u - z))


def _absolute_effect(settings: DesignSettings, effect: float, relative: bool) -> float:
    delta = effect * settings.baseline if relative else effect
    if not math.isfinite(delta) or delta == 0:
        raise UserError(
            "the minimum detectable effect must be a non-zero number",
            hint="e.g. --mde 0.02 (absolute) or --mde 0.05 --relative",
        )
    if settings.metric_type == "proportion" and not 0.0 < settings.baseline + delta < 1.0:
        raise UserError(
            f"baseline {settings.baseline:g} + effect {delta:g} leaves the range (0, 1)",
            hint="a proportion's change must keep it between 0 and 1",
        )
    return delta


def exact_total(settings: DesignSettings, delta: float) -> float:
    """Continuous total sample size N for an absolute effect delta."""
    return required_u(settings) ** 2 * settings.spread(delta) / delta**2


def sample_size(
    *,
    metric_type: str,
    baseline: float,
    mde: float,
    relative: bool = False,
    std: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    arms: int = 2,
    weights: Sequence[float] | None = None,
    weekly_traffic: float | None = None,
) -> SampleSizePlan:
    """Units needed per arm and in total to detect `mde` (absolute, or relative to baseline)."""
    s = design_settings(
        metric_type=metric_type,
        baseline=baseline,
        std=std,
        alpha=alpha,
        power=power,
        arms=arms,
        weights=weights,
    )
    delta = _absolute_effect(s, mde, relative)
    total = exact_total(s, delta)
    per_arm = tuple(math.ceil(w * total - 1e-9) for w in s.weights)
    _check_traffic(weekly_traffic, "weekly traffic")
    return SampleSizePlan(
        metric_type=s.metric_type,
        convention=s.convention,
        multiple_arms=MULTIPLE_ARMS,
        baseline=baseline,
        std=s.std,
        mde=delta,
        mde_relative=delta / baseline if baseline != 0 else None,
        alpha=alpha,
        alpha_per_comparison=s.alpha_per_comparison,
        power=power,
        arms=arms,
        weights=s.weights,
        exact_total=total,
        arm_sample_sizes=per_arm,
        sample_size_per_arm=max(per_arm),
        total_sample_size=sum(per_arm),
        weekly_traffic=weekly_traffic,
        weeks_needed=None if weekly_traffic is None else sum(per_arm) / weekly_traffic,
    )


def mde_for_total(settings: DesignSettings, total: float, direction: int = 1) -> float | None:
    """Smallest absolute effect (signed like `direction`) detectable with `total` units."""
    if total <= 0:
        return None
    u = required_u(settings)
    if settings.metric_type == "mean":
        return direction * u * math.sqrt(settings.spread(0.0) / total)
    # N d^2 = u^2 (vA/wA + (p(1-p) + d(1-2p) - d^2)/wB): a d^2 - b d - c = 0.
    p, w_a, w_b = settings.baseline, settings.control_weight, settings.treatment_weight
    var_a = p * (1.0 - p)
    a = total + u**2 / w_b
    b = u**2 * (1.0 - 2.0 * p) / w_b
    c = u**2 * (var_a / w_a + var_a / w_b)
    root = math.sqrt(b * b + 4.0 * a * c)
    delta = (b + root) / (2.0 * a) if direction >= 0 else (b - root) / (2.0 * a)
    if not 0.0 < p + delta < 1.0:
        return None
    return delta


def minimum_detectable_effect(
    *,
    metric_type: str,
    baseline: float,
    total_sample_size: float | None = None,
    weekly_traffic: float | None = None,
    weeks: float | None = None,
    std: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    arms: int = 2,
    weights: Sequence[float] | None = None,
    direction: int = 1,
) -> MdePlan:
    """The effect reachable with a total sample, or with `weekly_traffic` for `weeks`.

    `direction` = +1 for an increase, -1 for a decrease (they differ for proportions).
    `mde` is None when no effect within the metric's range can be detected.
    """
    s = design_settings(
        metric_type=metric_type,
        baseline=baseline,
        std=std,
        alpha=alpha,
        power=power,
        arms=arms,
        weights=weights,
    )
    if total_sample_size is None:
        if weekly_traffic is None or weeks is None:
            raise UserError(
                "the MDE needs a sample size, or weekly traffic and a number of weeks",
                hint="give --weekly-traffic N --weeks W",
            )
        _check_traffic(weekly_traffic, "weekly traffic")
        _check_traffic(weeks, "weeks")
        total_sample_size = weekly_traffic * weeks
    _check_traffic(total_sample_size, "sample size")
    delta = mde_for_total(s, total_sample_size, direction)
    return MdePlan(
        metric_type=s.metric_type,
        convention=s.convention,
        multiple_arms=MULTIPLE_ARMS,
        baseline=baseline,
        std=s.std,
        alpha=alpha,
        alpha_per_comparison=s.alpha_per_comparison,
        power=power,
        arms=arms,
        weights=s.weights,
        total_sample_size=total_sample_size,
        arm_sample_sizes=tuple(w * total_sample_size for w in s.weights),
        mde=delta,
        mde_relative=None if delta is None or baseline == 0 else delta / baseline,
        weekly_traffic=weekly_traffic,
        weeks=weeks,
    )


def detectability(
    *,
    metric_type: str,
    baseline: float,
    expected_change: float,
    units_per_week: float,
    weeks_remaining: float,
    variance: float | None = None,
    std: float | None = None,
    relative: bool = False,
    alpha: float = 0.05,
    power: float = 0.8,
    arms: int = 2,
    weights: Sequence[float] | None = None,
) -> Detectability:
    """Can `expected_change` be detected with the traffic left? MDE, verdict, weeks needed.

    For a mean metric give its per-unit `variance` (or `std`); a proportion's variance follows
    from the baseline. `expected_change` is absolute unless `relative` (then a fraction of the
    baseline, e.g. 0.10 for +10 %). The MDE is computed in the direction of the change.
    """
    if variance is not None:
        if std is not None:
            raise UserError("give variance or std, not both", hint="drop one of them")
        if not (math.isfinite(variance) and variance > 0):
            raise UserError("variance must be a positive number", hint="e.g. variance=4.0")
        std = math.sqrt(variance)
    s = design_settings(
        metric_type=metric_type,
        baseline=baseline,
        std=std,
        alpha=alpha,
        power=power,
        arms=arms,
        weights=weights,
    )
    _check_traffic(units_per_week, "units per week")
    if not math.isfinite(weeks_remaining):
        raise UserError("weeks remaining must be a number", hint="e.g. 6")
    delta = expected_change * baseline if relative else expected_change
    available = units_per_week * max(weeks_remaining, 0.0)
    direction = -1 if delta < 0 else 1
    mde = mde_for_total(s, available, direction) if available > 0 else None
    feasible = delta != 0 and (s.metric_type == "mean" or 0.0 < baseline + delta < 1.0)
    required = exact_total(s, delta) if feasible else None
    return Detectability(
        metric_type=s.metric_type,
        convention=s.convention,
        baseline=baseline,
        expected_change=delta,
        expected_change_relative=delta / baseline if baseline != 0 else None,
        mde=mde,
        mde_relative=None if mde is None or baseline == 0 else mde / baseline,
        detectable=mde is not None and feasible and abs(delta) >= abs(mde),
        power_at_expected=power_of(s, delta, available) if feasible else s.alpha_per_comparison,
        weeks_needed=None if required is None else required / units_per_week,
        weeks_remaining=weeks_remaining,
        units_per_week=units_per_week,
        available_sample_size=available,
        required_sample_size=required,
        alpha=alpha,
        power=power,
    )


def _check_traffic(value: float | None, label: str) -> None:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise UserError(f"{label} must be a positive number, got {value}", hint="e.g. 5000")
