"""Sufficient statistics: the only shape of data the experiment maths ever reads.

As in GrowthBook's gbstats, the query layer (metrics/, SQL, a CSV) reduces per-unit rows to a
handful of sums per arm, and everything downstream works on those sums. That keeps the maths
independent of where the data lives, makes it cheap (O(arms) not O(units)) and lets one call
analyse many metrics x arms at once as NumPy arrays.

Per arm and metric we keep
    n                              units (users, accounts) in the arm
    sum, sum_squares               of the metric's per-unit value (numerator for ratios)
    denominator_sum(_squares)      ratio metrics only: per-unit denominator
    main_denominator_sum_product   ratio metrics: sum of numerator x denominator per unit
    covariate_sum(_squares)        CUPED only: per-unit pre-period value of the metric
    main_covariate_sum_product     CUPED: sum of value x pre-period value per unit

Variance conventions follow gbstats 0.8.0 (models/statistics.py): a proportion's variance is
p(1 - p) (divisor n); a mean's is the sample variance (sum_squares - sum^2/n) / (n - 1); a
ratio's is the delta-method variance of sum/denominator_sum built from sample (co)variances.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sowhat.errors import UserError

MetricType = Literal["proportion", "mean", "ratio"]
METRIC_TYPES: tuple[MetricType, ...] = ("proportion", "mean", "ratio")

FloatArray = NDArray[np.float64]

_RATIO_FIELDS = ("denominator_sum", "denominator_sum_squares", "main_denominator_sum_product")
_COVARIATE_FIELDS = ("covariate_sum", "covariate_sum_squares", "main_covariate_sum_product")


@dataclass(frozen=True)
class ArmSummary:
    """One arm's sums for one metric; build with `from_rows` or straight from a SQL GROUP BY."""

    n: int
    sum: float
    sum_squares: float
    denominator_sum: float | None = None
    denominator_sum_squares: float | None = None
    main_denominator_sum_product: float | None = None
    covariate_sum: float | None = None
    covariate_sum_squares: float | None = None
    main_covariate_sum_product: float | None = None
    name: str = ""

    @classmethod
    def from_rows(
        cls,
        values: ArrayLike,
        *,
        denominators: ArrayLike | None = None,
        covariates: ArrayLike | None = None,
        name: str = "",
    ) -> ArmSummary:
        """Reduce per-unit rows (one entry per unit) to the arm's sufficient statistics."""
        y = _as_1d(values, "values")
        d = None if denominators is None else _as_1d(denominators, "denominators", len(y))
        x = None if covariates is None else _as_1d(covariates, "covariates", len(y))
        return cls(
            n=len(y),
            sum=float(y.sum()),
            sum_squares=float(y @ y),
            denominator_sum=None if d is None else float(d.sum()),
            denominator_sum_squares=None if d is None else float(d @ d),
            main_denominator_sum_product=None if d is None else float(y @ d),
            covariate_sum=None if x is None else float(x.sum()),
            covariate_sum_squares=None if x is None else float(x @ x),
            main_covariate_sum_product=None if x is None else float(y @ x),
            name=name,
        )

    @property
    def has_denominator(self) -> bool:
        return all(getattr(self, f) is not None for f in _RATIO_FIELDS)

    @property
    def has_covariate(self) -> bool:
        return all(getattr(self, f) is not None for f in _COVARIATE_FIELDS)


@dataclass(frozen=True)
class SummaryArrays:
    """Many metrics x arms of sufficient statistics as (metrics, arms) float arrays.

    Column 0 is the control arm. Optional groups (ratio denominator, CUPED covariate) are either
    all present or all None.
    """

    n: FloatArray
    sum: FloatArray
    sum_squares: FloatArray
    denominator_sum: FloatArray | None = None
    denominator_sum_squares: FloatArray | None = None
    main_denominator_sum_product: FloatArray | None = None
    covariate_sum: FloatArray | None = None
    covariate_sum_squares: FloatArray | None = None
    main_covariate_sum_product: FloatArray | None = None

    def __post_init__(self) -> None:
        shape = self.n.shape
        if len(shape) != 2 or shape[1] < 2:
            raise UserError(
                f"sufficient statistics must have shape (metrics, arms>=2), got {shape}",
                hint="put the control arm in column 0 and one column per treatment",
            )
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and value.shape != shape:
                raise UserError(
                    f"'{f.name}' has shape {value.shape} but 'n' has shape {shape}",
                    hint="give every statistic one value per metric and arm",
                )
        for group in (_RATIO_FIELDS, _COVARIATE_FIELDS):
            present = [getattr(self, f) is not None for f in group]
            if any(present) and not all(present):
                raise UserError(
                    f"give all of {', '.join(group)} or none of them",
                    hint="these sums are only meaningful together",
                )

    @classmethod
    def build(cls, **columns: ArrayLike | None) -> SummaryArrays:
        """Coerce array-likes (lists, NumPy arrays) to 2-D float arrays."""
        converted: dict[str, FloatArray | None] = {}
        for key, value in columns.items():
            converted[key] = (
                None if value is None else np.atleast_2d(np.asarray(value, dtype=np.float64))
            )
        return cls(**converted)  # type: ignore[arg-type]

    @classmethod
    def from_arms(cls, experiments: Sequence[Sequence[ArmSummary]]) -> SummaryArrays:
        """Stack per-metric lists of arms (control first) into arrays; all must have K arms."""
        if not experiments:
            raise UserError("no metrics to analyse", hint="pass at least one list of arms")
        arms = len(experiments[0])
        if any(len(e) != arms for e in experiments):
            raise UserError(
                "every metric must have the same number of arms",
                hint="analyse metrics with different arm counts in separate calls",
            )
        columns: dict[str, FloatArray | None] = {}
        for f in fields(cls):
            raw = [[getattr(arm, f.name) for arm in e] for e in experiments]
            if all(v is None for row in raw for v in row):
                columns[f.name] = None
                continue
            if any(v is None for row in raw for v in row):
                raise UserError(
                    f"'{f.name}' is given for some arms but not others",
                    hint="give it for every arm, or for none",
                )
            columns[f.name] = np.asarray(raw, dtype=np.float64)
        return cls(**columns)  # type: ignore[arg-type]

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.n.shape[0]), int(self.n.shape[1]))

    @property
    def has_denominator(self) -> bool:
        return self.denominator_sum is not None

    @property
    def has_covariate(self) -> bool:
        return self.covariate_sum is not None


def summarize_rows(
    values: ArrayLike,
    arm: ArrayLike,
    *,
    arms: int,
    denominators: ArrayLike | None = None,
    covariates: ArrayLike | None = None,
) -> SummaryArrays:
    """Reduce per-unit rows to (metrics, arms) sums in one pass per arm.

    `values` is (units,) or (units, metrics); `arm` gives each unit's arm index (0 = control).
    The loop is over arms (a handful), never over units or metrics.
    """
    y = np.asarray(values, dtype=np.float64)
    if y.ndim == 1:
        y = y[:, None]
    idx = np.asarray(arm)
    if idx.shape != (y.shape[0],):
        raise UserError(
            f"'arm' has shape {idx.shape}, expected ({y.shape[0]},)",
            hint="give one arm index per unit row",
        )
    d = _as_matrix(denominators, y.shape, "denominators")
    x = _as_matrix(covariates, y.shape, "covariates")
    cols: dict[str, list[FloatArray]] = {f.name: [] for f in fields(SummaryArrays)}
    for k in range(arms):
        mask = idx == k
        yk = y[mask]
        cols["n"].append(np.full(y.shape[1], float(mask.sum())))
        cols["sum"].append(yk.sum(axis=0))
        cols["sum_squares"].append((yk * yk).sum(axis=0))
        if d is not None:
            dk = d[mask]
            cols["denominator_sum"].append(dk.sum(axis=0))
            cols["denominator_sum_squares"].append((dk * dk).sum(axis=0))
            cols["main_denominator_sum_product"].append((yk * dk).sum(axis=0))
        if x is not None:
            xk = x[mask]
            cols["covariate_sum"].append(xk.sum(axis=0))
            cols["covariate_sum_squares"].append((xk * xk).sum(axis=0))
            cols["main_covariate_sum_product"].append((yk * xk).sum(axis=0))
    stacked = {k: (np.stack(v, axis=1) if v else None) for k, v in cols.items()}
    return SummaryArrays(**stacked)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Moments:
    """Per-arm mean and per-unit variance, shape (metrics, arms); NaN where undefined."""

    mean: FloatArray
    variance: FloatArray


def sample_variance(n: FloatArray, total: FloatArray, squares: FloatArray) -> FloatArray:
    """(sum_squares - sum^2/n) / (n - 1), NaN for n < 2 (gbstats SampleMeanStatistic)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (squares - total * total / n) / (n - 1.0)
    return np.where(n >= 2, out, np.nan)


def sample_covariance(
    n: FloatArray, sum_a: FloatArray, sum_b: FloatArray, products: FloatArray
) -> FloatArray:
    """(sum(a*b) - sum(a) sum(b) / n) / (n - 1), NaN for n < 2."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (products - sum_a * sum_b / n) / (n - 1.0)
    return np.where(n >= 2, out, np.nan)


def moments(stats: SummaryArrays, metric_type: MetricType) -> Moments:
    """Per-arm mean and per-unit variance under the gbstats conventions (see module doc)."""
    n = stats.n
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric_type == "proportion":
            p = stats.sum / n
            return Moments(mean=np.where(n > 0, p, np.nan), variance=p * (1.0 - p))
        if metric_type == "mean":
            mean = np.where(n > 0, stats.sum / n, np.nan)
            return Moments(mean=mean, variance=sample_variance(n, stats.sum, stats.sum_squares))
        if metric_type != "ratio":
            raise UserError(
                f"unknown metric type '{metric_type}'", hint="use proportion, mean or ratio"
            )
        if (
            stats.denominator_sum is None
            or stats.denominator_sum_squares is None
            or stats.main_denominator_sum_product is None
        ):
            raise UserError(
                "ratio metrics need denominator_sum, denominator_sum_squares and "
                "main_denominator_sum_product",
                hint="add the per-unit denominator sums to every arm",
            )
        # Delta method for sum(m)/sum(d) (gbstats RatioStatistic; Deng et al. 2018, eq. 3).
        mean_m = stats.sum / n
        mean_d = stats.denominator_sum / n
        var_m = sample_variance(n, stats.sum, stats.sum_squares)
        var_d = sample_variance(n, stats.denominator_sum, stats.denominator_sum_squares)
        cov = sample_covariance(
            n, stats.sum, stats.denominator_sum, stats.main_denominator_sum_product
        )
        ratio = stats.sum / stats.denominator_sum
        variance = (
            var_m / mean_d**2 - 2.0 * cov * mean_m / mean_d**3 + mean_m**2 * var_d / mean_d**4
        )
        ok = (n > 0) & (stats.denominator_sum != 0)
        return Moments(mean=np.where(ok, ratio, np.nan), variance=np.where(ok, variance, np.nan))


def _as_1d(values: ArrayLike, label: str, length: int | None = None) -> FloatArray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise UserError(f"'{label}' must be one-dimensional", hint="give one value per unit")
    if length is not None and len(arr) != length:
        raise UserError(
            f"'{label}' has {len(arr)} rows but values has {length}",
            hint="give one value per unit, in the same order",
        )
    return arr


def _as_matrix(values: ArrayLike | None, shape: tuple[int, ...], label: str) -> FloatArray | None:
    if values is None:
        return None
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.shape != shape:
        raise UserError(
            f"'{label}' has shape {arr.shape}, expected {shape}",
            hint="give one value per unit and metric, like values",
        )
    return arr
