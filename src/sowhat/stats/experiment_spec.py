"""Validate an experiment summary (parsed JSON/YAML) into arms and analysis options.

The shells read the file; this turns its mapping into typed values and, on a mistake, raises
one UserError naming the file and the exact field (`exp.yaml: variations[1].n: ...`) with the
fix. Unknown keys are errors too, because a misspelt `corection:` would otherwise silently
run an uncorrected analysis.

    metric_type: proportion | mean | ratio          (required)
    alpha: 0.05
    sequential: false
    sequential_tuning: 5000                          (units at which the boundary is tightest)
    correction: holm | bh | null
    weights: [0.5, 0.5]                              (planned allocation, for the SRM check)
    cuped: false                                     (true: every arm has covariate_* sums)
    non_inferiority_margin: 0.01 | "2%" | null       (guardrail; a "%" string is relative)
    higher_is_better: true                           (direction for the guardrail test)
    variations:                                      (control first)
      - {name: control, n: 1000, sum: 280, sum_squares: 280}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sowhat.errors import UserError
from sowhat.stats.experiment_analysis import AnalysisOptions, NonInferiority
from sowhat.stats.multiple import CORRECTIONS
from sowhat.stats.sequential import DEFAULT_TUNING
from sowhat.stats.sufficient import METRIC_TYPES, ArmSummary

TOP_LEVEL_KEYS = (
    "metric_type",
    "alpha",
    "sequential",
    "sequential_tuning",
    "correction",
    "weights",
    "cuped",
    "non_inferiority_margin",
    "higher_is_better",
    "variations",
    "name",
    "description",
)
ARM_KEYS = (
    "name",
    "n",
    "sum",
    "sum_squares",
    "denominator_sum",
    "denominator_sum_squares",
    "main_denominator_sum_product",
    "covariate_sum",
    "covariate_sum_squares",
    "main_covariate_sum_product",
)
RATIO_KEYS = ARM_KEYS[4:7]
COVARIATE_KEYS = ARM_KEYS[7:10]


@dataclass(frozen=True)
class ExperimentInput:
    arms: tuple[ArmSummary, ...]
    options: AnalysisOptions
    name: str | None = None


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, field: str, problem: str, hint: str) -> UserError:
        where = f"{self.source}: {field}" if field else self.source
        return UserError(f"{where}: {problem}", hint=hint)

    def number(self, value: Any, field: str, hint: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(field, f"must be a number, got {value!r}", hint)
        if not math.isfinite(value):
            raise self.fail(field, f"must be finite, got {value!r}", hint)
        return float(value)

    def boolean(self, value: Any, field: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.fail(field, f"must be true or false, got {value!r}", "write true or false")
        return value


def parse_experiment(data: Any, *, source: str) -> ExperimentInput:
    """Validate a parsed experiment file; `source` (the file name) prefixes every error."""
    r = _Reader(source)
    if not isinstance(data, Mapping):
        raise r.fail("", "must be a mapping with metric_type and variations", _example())
    unknown = sorted(str(k) for k in data if k not in TOP_LEVEL_KEYS)
    if unknown:
        raise r.fail(unknown[0], "unknown field", f"valid fields: {', '.join(TOP_LEVEL_KEYS)}")
    metric_type = data.get("metric_type")
    if metric_type not in METRIC_TYPES:
        raise r.fail(
            "metric_type",
            f"must be one of {', '.join(METRIC_TYPES)}, got {metric_type!r}",
            "proportion for conversion-style 0/1 metrics, mean for per-unit values, ratio for "
            "sum/sum metrics",
        )
    alpha = data.get("alpha", 0.05)
    alpha = r.number(alpha, "alpha", "e.g. alpha: 0.05")
    if not 0 < alpha < 1:
        raise r.fail("alpha", f"must be between 0 and 1, got {alpha}", "e.g. alpha: 0.05")
    sequential = r.boolean(data.get("sequential", False), "sequential")
    tuning_raw = data.get("sequential_tuning")
    tuning = DEFAULT_TUNING
    if tuning_raw is not None:
        tuning = r.number(tuning_raw, "sequential_tuning", "e.g. sequential_tuning: 5000")
        if tuning <= 0:
            raise r.fail("sequential_tuning", "must be positive", "e.g. sequential_tuning: 5000")
    correction = data.get("correction")
    if correction is not None and correction not in CORRECTIONS:
        raise r.fail(
            "correction",
            f"must be holm, bh or null, got {correction!r}",
            "holm controls the family-wise error, bh the false discovery rate",
        )
    cuped = r.boolean(data.get("cuped", False), "cuped")
    if cuped and metric_type == "ratio":
        raise r.fail("cuped", "is not supported for ratio metrics", "set cuped: false")
    arms = _arms(r, data.get("variations"), metric_type, cuped)
    weights = _weights(r, data.get("weights"), len(arms))
    ni = _non_inferiority(r, data)
    options = AnalysisOptions(
        metric_type=metric_type,
        alpha=alpha,
        sequential=sequential,
        sequential_tuning=tuning,
        correction=correction,
        weights=weights,
        cuped=cuped,
        non_inferiority=ni,
    )
    name = data.get("name")
    return ExperimentInput(arms=arms, options=options, name=None if name is None else str(name))


def _arms(r: _Reader, raw: Any, metric_type: str, cuped: bool) -> tuple[ArmSummary, ...]:
    if not isinstance(raw, list) or len(raw) < 2:
        raise r.fail("variations", "must be a list of at least 2 arms (control first)", _example())
    arms: list[ArmSummary] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        at = f"variations[{i}]"
        if not isinstance(item, Mapping):
            raise r.fail(at, "must be a mapping with name, n, sum and sum_squares", _example())
        unknown = sorted(str(k) for k in item if k not in ARM_KEYS)
        if unknown:
            raise r.fail(f"{at}.{unknown[0]}", "unknown field", f"valid: {', '.join(ARM_KEYS)}")
        name = str(item.get("name") or ("control" if i == 0 else f"variation {i}"))
        if name in seen:
            raise r.fail(f"{at}.name", f"duplicate arm name {name!r}", "give each arm its own name")
        seen.add(name)
        n = item.get("n")
        if isinstance(n, float) and n.is_integer():
            n = int(n)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise r.fail(f"{at}.n", f"must be a whole number >= 0, got {n!r}", "units in the arm")
        values: dict[str, float | None] = {}
        required = ["sum"]
        if metric_type != "proportion":
            required.append("sum_squares")
        if metric_type == "ratio":
            required.extend(RATIO_KEYS)
        if cuped:
            required.extend(COVARIATE_KEYS)
        for key in ARM_KEYS[2:]:
            value = item.get(key)
            if value is None:
                if key in required:
                    raise r.fail(f"{at}.{key}", "is missing", _why(key))
                values[key] = None
                continue
            values[key] = r.number(value, f"{at}.{key}", _why(key))
        total = values["sum"]
        assert total is not None
        if metric_type == "proportion":
            if not 0 <= total <= n:
                raise r.fail(
                    f"{at}.sum",
                    f"must be between 0 and n={n} for a proportion, got {total:g}",
                    "sum is the number of converted units",
                )
            if values["sum_squares"] is None:
                values["sum_squares"] = total
        arms.append(ArmSummary(n=n, name=name, **values))  # type: ignore[arg-type]
    return tuple(arms)


def _weights(r: _Reader, raw: Any, arms: int) -> tuple[float, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) != arms:
        raise r.fail(
            "weights", f"must be a list of {arms} numbers, one per variation", "e.g. [0.5, 0.5]"
        )
    out = tuple(r.number(w, f"weights[{i}]", "e.g. [0.5, 0.5]") for i, w in enumerate(raw))
    if any(w < 0 for w in out) or sum(out) <= 0:
        raise r.fail("weights", "must be >= 0 with a positive total", "e.g. [0.5, 0.5]")
    return out


def _non_inferiority(r: _Reader, data: Mapping[str, Any]) -> NonInferiority | None:
    raw = data.get("non_inferiority_margin")
    higher = data.get("higher_is_better", True)
    higher_is_better = True if higher is None else r.boolean(higher, "higher_is_better")
    if raw is None:
        return None
    hint = "how much worse the treatment may be: 0.01 (absolute) or '2%' (relative)"
    relative = False
    if isinstance(raw, str):
        text = raw.strip()
        if not text.endswith("%"):
            raise r.fail("non_inferiority_margin", f"cannot read {raw!r}", hint)
        try:
            margin = float(text[:-1]) / 100.0
        except ValueError:
            raise r.fail("non_inferiority_margin", f"cannot read {raw!r}", hint) from None
        relative = True
    else:
        margin = r.number(raw, "non_inferiority_margin", hint)
    margin = abs(margin)
    if not margin > 0:
        raise r.fail("non_inferiority_margin", "must not be zero", hint)
    return NonInferiority(margin=margin, relative=relative, higher_is_better=higher_is_better)


def _why(key: str) -> str:
    if key in RATIO_KEYS:
        return "ratio metrics need the per-unit denominator sums"
    if key in COVARIATE_KEYS:
        return "CUPED needs the pre-period covariate sums (or set cuped: false)"
    if key == "sum_squares":
        return "mean metrics need the sum of squared per-unit values"
    return "the sum of the metric's per-unit values"


def _example() -> str:
    return "e.g. variations: [{name: control, n: 1000, sum: 280, sum_squares: 280}, ...]"
