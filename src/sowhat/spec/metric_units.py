"""Which unit and range a metric's values have — from its `unit:` or its type's default.

Defaults, so most files never write `unit:`:

| type                    | unit     | possible values |
|-------------------------|----------|-----------------|
| conversion, retention   | percent  | 0 to 1 (a share of a cohort) |
| churn                   | percent  | 0 to 1 (a share of the customers at a period's start) |
| nps                     | points   | -100 to 100 |
| duration                | its time unit (`unit: hours` by default) | >= 0 |
| count, unique, active   | count    | >= 0 |
| sum, average            | count    | anything |
| ratio                   | ratio    | >= 0 when both sides are >= 0, else anything |

A written `unit:` changes only how values are shown, never the possible range: a
conversion written `unit: ratio` is still a share between 0 and 1.
"""

from __future__ import annotations

import math

from sowhat.domain.title_numbers import title_numbers, title_unit
from sowhat.domain.units import Scale, Unit, format_values, parse_unit
from sowhat.spec.metric_defs import (
    ChurnMetric,
    ConversionMetric,
    DurationMetric,
    MetricDef,
    MetricsFile,
    NpsMetric,
    RatioMetric,
    RetentionMetric,
)

__all__ = ["default_unit", "kr_scale", "metric_scale", "metric_unit"]

_COUNTS = ("count", "unique", "active")


def default_unit(m: MetricDef) -> Unit:
    """The unit of a metric that does not write one (see the module table)."""
    if isinstance(m, ConversionMetric | RetentionMetric | ChurnMetric):
        return Unit.PERCENT
    if isinstance(m, NpsMetric):
        return Unit.POINTS
    if isinstance(m, DurationMetric):
        return m.unit
    if isinstance(m, RatioMetric):
        return Unit.RATIO
    return Unit.COUNT


def metric_unit(m: MetricDef) -> Unit:
    return m.unit if m.unit is not None else default_unit(m)


def metric_scale(m: MetricDef, catalog: MetricsFile | None = None) -> Scale:
    """Unit, possible range and noun of a metric's values."""
    unit = metric_unit(m)
    low, high = _bounds(m, catalog, frozenset())
    return Scale(unit=unit, low=low, high=high, noun=_noun(m), currency=m.currency)


def unit_text(catalog: MetricsFile | None, metric: str) -> str | None:
    """A metric's display unit by name, for words about a metric that only its name reaches
    (a guardrail's rule); None when the catalog does not define it."""
    if catalog is None or metric not in catalog.metrics:
        return None
    return metric_scale(catalog.metrics[metric], catalog).text


def _noun(m: MetricDef) -> str:
    if isinstance(m, ConversionMetric | RetentionMetric | ChurnMetric):
        return "rate"
    if isinstance(m, NpsMetric):
        return "NPS"
    if isinstance(m, DurationMetric):
        return "duration"
    if m.type in _COUNTS:
        return "count"
    return "ratio" if isinstance(m, RatioMetric) else "value"


def _bounds(m: MetricDef, catalog: MetricsFile | None,
            seen: frozenset[str]) -> tuple[float | None, float | None]:  # fmt: skip
    if isinstance(m, ConversionMetric | RetentionMetric | ChurnMetric):
        return 0.0, 1.0
    if isinstance(m, NpsMetric):
        return -100.0, 100.0
    if isinstance(m, DurationMetric) or m.type in _COUNTS:
        return 0.0, None
    if isinstance(m, RatioMetric) and catalog is not None:
        sides = []
        for ref in (m.numerator, m.denominator):
            part = catalog.metrics.get(ref)
            if part is None or ref in seen:
                return None, None
            sides.append(_bounds(part, catalog, seen | {ref})[0])
        if all(low is not None and low >= 0 for low in sides):
            return 0.0, None
    return None, None


def kr_scale(*, metric: str | None, kr_unit: str | None,
             catalog: MetricsFile | None) -> Scale:  # fmt: skip
    """The scale of a KR's numbers: its metric's when it has one (the KR's `unit:` cannot
    rescale what the metric computes; SW115 reports a KR unit that disagrees), else the KR's
    own `unit:` — a known unit, or free text shown after a plain number."""
    if metric is not None and catalog is not None and metric in catalog.metrics:
        return metric_scale(catalog.metrics[metric], catalog)
    parsed = parse_unit(kr_unit)
    if parsed is not None:
        return Scale(unit=parsed)
    return Scale(unit=Unit.COUNT, label=kr_unit.strip() if kr_unit and kr_unit.strip() else None)


def impossible_numbers(
    *, metric: str | None, baseline: float | None, target: float | None,
    catalog: MetricsFile | None, title: str | None = None,
) -> list[tuple[str, str, str]]:
    """(field, what is wrong, what to write) for a KR's baseline/target that its metric can
    never take (32 on a 0–1 conversion), or that its own title says were typed in the shown
    scale: `sowhat validate` errors. Merely odd numbers are lint's (SW115)."""
    if metric is None or catalog is None or metric not in catalog.metrics:
        return []
    scale = metric_scale(catalog.metrics[metric], catalog)
    out = []
    out.extend(_typed_as_shown(scale, baseline, target, title))
    for name, value in (("baseline", baseline), ("target", target)):
        if value is None:
            continue
        problem = scale.impossible(value)
        if problem is None:
            continue
        slipped = scale.slip(value)
        hint = (f"did you mean {slipped[0]:.6g}? A KR's numbers are in its metric's stored scale"
                if slipped else f"write a value {metric} can take")
        out.append((name, f"{name} {problem}", hint))
    return out


_SHOWN_FACTOR = {Unit.PERCENT: 100.0, Unit.PER_1000: 1000.0}


def _typed_as_shown(scale: Scale, baseline: float | None, target: float | None,
                    title: str | None) -> list[tuple[str, str, str]]:
    """Baseline and target written as the title shows them ("from 20 to 15 per 1,000" typed
    `baseline: 20, target: 15`) in a metric stored as a fraction or the plain ratio: they read
    20,000 per 1,000, progress runs to 400% and every score is wrong. Possible values, so only
    lint warned (SW115) while validate and apply took them; with the title saying the same
    numbers in the shown unit there is no doubt which was meant. Impossible values are left
    to the range check."""
    factor = _SHOWN_FACTOR.get(scale.unit)
    if factor is None or title is None or baseline is None or target is None:
        return []
    stated = title_numbers(title)
    if stated is None or title_unit(title) is not scale.unit:
        return []
    if not all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
               for a, b in zip(stated, (baseline, target), strict=True)):
        return []
    if scale.impossible(baseline) is not None or scale.impossible(target) is not None:
        return []
    words = "%" if scale.unit is Unit.PERCENT else " per 1,000"
    stored = "a fraction (0.32 for 32%)" if scale.unit is Unit.PERCENT else (
        "the plain ratio (0.018 for 18 per 1,000)")
    out = []
    for name, value in (("baseline", baseline), ("target", target)):
        shown = format_values([value], scale.unit)[0]
        out.append((name, f"{name} {value:g} reads {shown}, but the title says {value:g}{words}",
                    f"write `{name}: {value / factor:.6g}`: KR numbers are in the metric's "
                    f"stored scale, {stored}"))
    return out
