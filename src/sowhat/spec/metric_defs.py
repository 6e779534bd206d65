"""`metrics.yaml`: operational definitions of metrics, as validated frozen models.

A metric is written once, as data, and compiled later (sowhat.metrics) to one query per
backend. Keeping the definition a plain model is what makes it hashable (a changed definition
is detectable), checkable (cross-references, cycles) and portable (the same YAML runs on
DuckDB or a warehouse). Window and maturity semantics live in docs/metrics.md and DESIGN.md.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from sowhat.domain.durations import format_duration, parse_duration
from sowhat.domain.okr import Indicator

NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
_NAME = re.compile(NAME_PATTERN)
_STATISTIC = re.compile(r"^(median|mean|p(\d{1,2})(\.\d+)?)$")
LEADING_HORIZON = timedelta(days=14)
"""Outcome windows up to two weeks move within a check-in cycle: leading by default."""

Scalar = str | int | float | bool
Entity = Literal["user_id", "account_id"]
YamlPath = tuple[str | int, ...]
Problem = tuple[YamlPath, str, str | None]


def _to_duration(value: Any) -> Any:
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, timedelta):
        return value
    raise ValueError("write a duration such as 30m, 12h, 7d or 2w")


Duration = Annotated[
    timedelta,
    BeforeValidator(_to_duration),
    PlainSerializer(format_duration, return_type=str),
]


def _property_name(value: Any) -> Any:
    """Property names become JSON paths (`a.b` reads key b inside a): quotes, backslashes
    and control characters cannot be spelled in one, so they are refused here, with a
    location, rather than failing later inside the SQL compiler."""
    if not isinstance(value, str):
        return value
    if any(c in "\"'\\" or ord(c) < 32 for c in value):
        raise ValueError(f"property name {value!r} contains a quote, backslash or control "
                         "character; rename the property where it is sent and here")
    if "" in value.split("."):
        raise ValueError(f"property name {value!r} has an empty part between dots")
    return value


PropertyName = Annotated[str, Field(min_length=1), BeforeValidator(_property_name)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True,
                              allow_inf_nan=False)


class Where(_Model):
    """A condition on one event property; several operators on one property are ANDed."""

    property: PropertyName
    equals: Scalar | None = None
    in_: tuple[Scalar, ...] | None = Field(default=None, alias="in", min_length=1)
    gt: float | None = None
    lt: float | None = None
    gte: float | None = None
    lte: float | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> Where:
        if self.equals is None and self.in_ is None and not self.bounds():
            raise ValueError("a condition needs an operator: equals, in, gt, lt, gte or lte")
        if self.equals is not None and self.in_ is not None:
            raise ValueError("write either `equals` or `in`, not both")
        return self

    def bounds(self) -> list[tuple[str, float]]:
        ops = ("gt", "lt", "gte", "lte")
        return [(op, v) for op in ops if (v := getattr(self, op)) is not None]


class SegmentDef(Where):
    """A named slice (e.g. mid-sized accounts): a condition plus a description."""

    description: str | None = None


Conditions = Annotated[
    tuple[Where, ...],
    BeforeValidator(lambda v: [v] if isinstance(v, dict | Where) else v),
]


class EventRef(_Model):
    event: str = Field(min_length=1)
    where: Conditions = ()


class _Metric(_Model):
    description: str | None = None
    indicator: Indicator | None = None


class _EventMetric(_Metric):
    event: str = Field(min_length=1)
    where: Conditions = ()

    def ref(self) -> EventRef:
        return EventRef(event=self.event, where=self.where)


class CountMetric(_EventMetric):
    type: Literal["count"]


class UniqueMetric(_EventMetric):
    type: Literal["unique"]
    entity: Entity


class SumMetric(_EventMetric):
    type: Literal["sum"]
    property: PropertyName


class AverageMetric(_EventMetric):
    type: Literal["average"]
    property: PropertyName


class RatioMetric(_Metric):
    type: Literal["ratio"]
    numerator: str
    denominator: str


class ConversionMetric(_Metric):
    type: Literal["conversion"]
    entity: Entity
    from_: EventRef = Field(alias="from")
    to: EventRef
    within: Duration


class RetentionMetric(_Metric):
    type: Literal["retention"]
    entity: Entity
    start: EventRef
    return_: EventRef = Field(alias="return")
    day: int | None = Field(default=None, ge=0)
    days: tuple[int, int] | None = None

    @model_validator(mode="after")
    def _one_range(self) -> RetentionMetric:
        if (self.day is None) == (self.days is None):
            raise ValueError("write exactly one of `day: 7` or `days: [1, 7]`")
        if self.days is not None and not 0 <= self.days[0] <= self.days[1]:
            raise ValueError("`days: [a, b]` needs 0 <= a <= b")
        return self

    def day_range(self) -> tuple[int, int]:
        """First and last day counted (inclusive), the same for `day` and `days`."""
        if self.days is not None:
            return self.days
        assert self.day is not None
        return self.day, self.day


class DurationMetric(_Metric):
    type: Literal["duration"]
    entity: Entity
    from_: EventRef = Field(alias="from")
    to: EventRef
    statistic: str = "median"
    unit: Literal["seconds", "minutes", "hours", "days"] = "hours"
    within: Duration | None = None

    @field_validator("statistic")
    @classmethod
    def _statistic(cls, value: str) -> str:
        m = _STATISTIC.match(value)
        if not m or (m[2] is not None and not 0 < float(value[1:]) < 100):
            raise ValueError("statistic must be median, mean or pNN (p90, p95, p99.9)")
        return value

    def quantile(self) -> float | None:
        """The quantile in (0, 1), or None for the mean."""
        if self.statistic == "mean":
            return None
        if self.statistic == "median":
            return 0.5
        return float(self.statistic[1:]) / 100.0

    def seconds_per_unit(self) -> float:
        return {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}[self.unit]


class NpsMetric(_EventMetric):
    type: Literal["nps"]
    entity: Entity = "user_id"
    property: PropertyName = "score"


MetricDef = Annotated[
    CountMetric
    | UniqueMetric
    | SumMetric
    | AverageMetric
    | RatioMetric
    | ConversionMetric
    | RetentionMetric
    | DurationMetric
    | NpsMetric,
    Field(discriminator="type"),
]
METRIC_TYPES = (
    "count", "unique", "sum", "average", "ratio", "conversion", "retention", "duration", "nps"
)
CohortMetric = ConversionMetric | RetentionMetric | DurationMetric


class MetricsFile(_Model):
    metrics: dict[str, MetricDef] = Field(default_factory=dict)
    segments: dict[str, SegmentDef] = Field(default_factory=dict)

    @field_validator("metrics", "segments")
    @classmethod
    def _names(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in value:
            if not _NAME.match(name):
                raise ValueError(
                    f"name {name!r} must be lowercase letters, digits and _ (start with a letter)"
                )
        return value


# ---------------------------------------------------------------- cross-references


def dependencies(catalog: MetricsFile, name: str) -> list[str]:
    """The metric itself and every metric a ratio reaches, depth first, cycles cut."""
    out: list[str] = []

    def walk(n: str) -> None:
        if n in out:
            return
        out.append(n)
        m = catalog.metrics.get(n)
        if isinstance(m, RatioMetric):
            walk(m.numerator)
            walk(m.denominator)

    walk(name)
    return out


def event_refs(m: MetricDef) -> list[EventRef]:
    """Every event reference a (non-ratio) definition reads."""
    if isinstance(m, ConversionMetric | DurationMetric):
        return [m.from_, m.to]
    if isinstance(m, RetentionMetric):
        return [m.start, m.return_]
    if isinstance(m, RatioMetric):
        return []
    return [m.ref()]


def required_events(catalog: MetricsFile, name: str) -> set[str]:
    """Event names a metric (through its ratio parts) cannot be measured without."""
    events: set[str] = set()
    for dep in dependencies(catalog, name):
        m = catalog.metrics.get(dep)
        if m is not None:
            events.update(ref.event for ref in event_refs(m))
    return events


def check_metrics_file(
    m: MetricsFile, *, tracking: Any | None = None
) -> list[Problem]:
    """Problems a single-model validation cannot see: names that point nowhere, cycles.

    With a tracking plan (sowhat.spec.tracking_defs.TrackingPlan) it also reports events and
    properties the plan does not declare.
    """
    problems: list[Problem] = []
    names = list(m.metrics)
    for name, metric in m.metrics.items():
        if not isinstance(metric, RatioMetric):
            continue
        for side in ("numerator", "denominator"):
            ref = getattr(metric, side)
            if ref not in m.metrics:
                problems.append(
                    (("metrics", name, side), f"{side} names unknown metric {ref!r}",
                     _did_you_mean(ref, names) or "name a metric defined in this file")
                )
            elif ref == name:
                problems.append(
                    (("metrics", name, side), f"ratio {name!r} uses itself as its {side}",
                     "name another metric")
                )
    problems.extend(_ratio_cycles(m))
    if tracking is not None:
        problems.extend(_against_plan(m, tracking))
    return problems


def _ratio_cycles(m: MetricsFile) -> list[Problem]:
    out: list[Problem] = []
    reported: set[str] = set()
    for start in m.metrics:
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        while stack:
            node, path = stack.pop()
            metric = m.metrics.get(node)
            if not isinstance(metric, RatioMetric):
                continue
            for nxt in (metric.numerator, metric.denominator):
                if nxt == start and len(path) > 1 and start not in reported:
                    reported.update(path)
                    out.append(
                        (("metrics", start), "ratio cycle: " + " -> ".join([*path, start]),
                         "a ratio must end in non-ratio metrics; break the loop")
                    )
                elif nxt not in path:
                    stack.append((nxt, [*path, nxt]))
    return out


def _against_plan(m: MetricsFile, tracking: Any) -> list[Problem]:
    events: dict[str, Any] = dict(tracking.events)
    common = set(getattr(tracking, "common_properties", {}) or {})
    out: list[Problem] = []

    def props_of(event: str) -> set[str]:
        return common | set(events[event].properties) if event in events else common

    for name, metric in m.metrics.items():
        for field_name, ref in _named_refs(metric):
            base: YamlPath = ("metrics", name, *field_name)
            if ref.event not in events:
                out.append(
                    ((*base, "event"), f"event {ref.event!r} is not in the tracking plan",
                     _did_you_mean(ref.event, list(events)) or "add it to tracking-plan.yaml")
                )
                continue
            known = props_of(ref.event)
            for i, cond in enumerate(ref.where):
                if cond.property not in known:
                    out.append(
                        ((*base, "where", i, "property") if len(ref.where) > 1
                         else (*base, "where", "property"),
                         f"event {ref.event!r} has no property {cond.property!r} in the plan",
                         _did_you_mean(cond.property, list(known)) or "check the tracking plan")
                    )
            prop = getattr(metric, "property", None)
            if not field_name and isinstance(prop, str) and prop not in known:
                out.append(
                    (("metrics", name, "property"),
                     f"event {ref.event!r} has no property {prop!r} in the plan",
                     _did_you_mean(prop, list(known)) or "check the tracking plan")
                )
    all_props = common | {p for e in events.values() for p in e.properties}
    for seg_name, seg in m.segments.items():
        if seg.property not in all_props:
            out.append(
                (("segments", seg_name, "property"),
                 f"segment property {seg.property!r} is on no event of the tracking plan",
                 _did_you_mean(seg.property, list(all_props)) or "check the tracking plan")
            )
    return out


def _named_refs(metric: MetricDef) -> list[tuple[tuple[str, ...], EventRef]]:
    if isinstance(metric, ConversionMetric | DurationMetric):
        return [(("from",), metric.from_), (("to",), metric.to)]
    if isinstance(metric, RetentionMetric):
        return [(("start",), metric.start), (("return",), metric.return_)]
    if isinstance(metric, RatioMetric):
        return []
    return [((), metric.ref())]


def _did_you_mean(word: str, candidates: list[str]) -> str | None:
    match = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f"did you mean {match[0]!r}?" if match else None


# ---------------------------------------------------------------- hashing, windows, indicators


def normalized_definition(m: MetricDef) -> dict[str, Any]:
    """What the metric computes, without presentation (description, indicator).

    Durations become seconds so `7d` and `1w` hash alike; defaults are written out so adding
    `statistic: median` explicitly does not look like a change.
    """
    data = m.model_dump(mode="json", by_alias=True, exclude={"description", "indicator"})

    def norm(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: norm(v) for k, v in sorted(value.items()) if v is not None}
        if isinstance(value, list):
            return [norm(v) for v in value]
        return value

    out: dict[str, Any] = norm(data)
    for key in ("within",):
        if key in out:
            out[key] = int(parse_duration(out[key]).total_seconds())
    if isinstance(m, RetentionMetric):
        out.pop("day", None)
        out["days"] = list(m.day_range())
    return out


def metric_definition_hash(m: MetricDef, *, catalog: MetricsFile | None = None) -> str:
    """Stable 12-hex content hash of what a metric computes.

    With `catalog`, a ratio's hash also covers its numerator and denominator definitions, so
    redefining `tickets` shows up as a change of `support_tickets_per_account` too.
    """
    return _hash(m, catalog, frozenset())


def _hash(m: MetricDef, catalog: MetricsFile | None, seen: frozenset[str]) -> str:
    payload: dict[str, Any] = {"definition": normalized_definition(m)}
    if catalog is not None and isinstance(m, RatioMetric):
        parts: dict[str, str] = {}
        for side, ref in (("numerator", m.numerator), ("denominator", m.denominator)):
            if ref in catalog.metrics and ref not in seen:
                parts[side] = _hash(catalog.metrics[ref], catalog, seen | {ref})
        payload["parts"] = parts
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def outcome_window(m: MetricDef) -> timedelta | None:
    """How long after its anchor an entity's outcome keeps changing; None when it does not.

    conversion: `within`; retention: the end of the day range (`day: 7` -> 8 days);
    duration: its optional `within`. Other types have no cohort and no window.
    """
    if isinstance(m, ConversionMetric):
        return m.within
    if isinstance(m, RetentionMetric):
        return timedelta(days=m.day_range()[1] + 1)
    if isinstance(m, DurationMetric):
        return m.within
    return None


def default_indicator(m: MetricDef, *, catalog: MetricsFile | None = None) -> Indicator:
    """Leading or lagging when neither the metric nor the KR says.

    The rule: behaviour counted as it happens (count, unique) is leading; cohort metrics are
    leading when their outcome window is at most 14 days (a duration with no window too) and
    lagging beyond; sums/averages of a value (revenue) and NPS are lagging; a ratio is lagging
    when either side is. An explicit `indicator:` on the metric wins.
    """
    if m.indicator is not None:
        return m.indicator
    if isinstance(m, CountMetric | UniqueMetric):
        return Indicator.LEADING
    if isinstance(m, SumMetric | AverageMetric | NpsMetric):
        return Indicator.LAGGING
    if isinstance(m, RatioMetric):
        return _ratio_indicator(m, catalog, frozenset())
    window = outcome_window(m)
    if window is None or window <= LEADING_HORIZON:
        return Indicator.LEADING
    return Indicator.LAGGING


def _ratio_indicator(
    m: RatioMetric, catalog: MetricsFile | None, seen: frozenset[str]
) -> Indicator:
    if m.indicator is not None:
        return m.indicator
    for ref in (m.numerator, m.denominator):
        part = catalog.metrics.get(ref) if catalog is not None else None
        if part is None or ref in seen:
            continue
        if isinstance(part, RatioMetric):
            side = _ratio_indicator(part, catalog, seen | {ref})
        else:
            side = default_indicator(part)
        if side is Indicator.LAGGING:
            return Indicator.LAGGING
    return Indicator.LEADING
