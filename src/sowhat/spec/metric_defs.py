"""`metrics.yaml`: operational definitions of metrics, as validated frozen models.

A metric is written once, as data, and compiled later (sowhat.metrics) to one query per
backend. Keeping the definition a plain model is what makes it hashable (a changed definition
is detectable), checkable (cross-references, cycles) and portable (the same YAML runs on
DuckDB or a warehouse). Window and maturity semantics live in docs/metrics.md and DESIGN.md.
"""

from __future__ import annotations

import builtins
import difflib
import hashlib
import json
import re
from datetime import datetime, timedelta
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
from sowhat.domain.measure import DEFAULT_OVER_DAYS, CompleteBuckets, Measure, complete_buckets
from sowhat.domain.okr import Indicator
from sowhat.domain.units import TIME_UNITS, Unit

NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
_NAME = re.compile(NAME_PATTERN)
_STATISTIC = re.compile(r"^(median|mean|p(\d{1,2})(\.\d+)?)$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
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
    """A condition on one event property or entity trait; several operators are ANDed.

    `property: NAME` reads the event's own property; `trait: NAME` reads the entity's latest
    trait value at the event's time (an as-of join on the trait history `sowhat ingest`
    keeps; see docs/metrics.md "Traits"). `entity` (traits only) says whose trait; by
    default the metric's entity, else user_id unless only accounts carry the trait.
    """

    property: PropertyName | None = None
    trait: str | None = Field(default=None, min_length=1)
    entity: Entity | None = None
    equals: Scalar | None = None
    in_: tuple[Scalar, ...] | None = Field(default=None, alias="in", min_length=1)
    gt: float | None = None
    lt: float | None = None
    gte: float | None = None
    lte: float | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> Where:
        if (self.property is None) == (self.trait is None):
            raise ValueError("write exactly one of `property: NAME` or `trait: NAME`")
        if self.entity is not None and self.trait is None:
            raise ValueError("`entity` only goes with `trait:` (a property is on the event)")
        if self.equals is None and self.in_ is None and not self.bounds():
            raise ValueError("a condition needs an operator: equals, in, gt, lt, gte or lte")
        if self.equals is not None and self.in_ is not None:
            raise ValueError("write either `equals` or `in`, not both")
        return self

    @builtins.property  # `property` is a field name here
    def name(self) -> str:
        """The property or trait name this condition reads."""
        name = self.property if self.property is not None else self.trait
        assert name is not None
        return name

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
    # How values are shown (sowhat.domain.units); None = the type's default. Display only,
    # except on `duration`, where the time unit also scales the computed value.
    unit: Unit | None = None
    currency: str | None = None

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        if value is not None and not _CURRENCY.match(value.upper()):
            raise ValueError("currency must be a 3-letter ISO code such as USD, EUR or GBP")
        return value.upper() if value is not None else None

    @model_validator(mode="after")
    def _currency_needs_unit(self) -> _Metric:
        if self.currency is not None and self.unit is not Unit.CURRENCY:
            raise ValueError("`currency:` goes with `unit: currency`; add it or remove currency")
        return self


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


def _check_statistic(value: str) -> str:
    m = _STATISTIC.match(value)
    if not m or (m[2] is not None and not 0 < float(value[1:]) < 100):
        raise ValueError("statistic must be median, mean or pNN (p90, p95, p99.9)")
    return value


def _quantile(statistic: str) -> float | None:
    if statistic == "mean":
        return None
    if statistic == "median":
        return 0.5
    return float(statistic[1:]) / 100.0


class AverageMetric(_EventMetric):
    """The mean (or median, or a percentile: `statistic: p95`) of a numeric property."""

    type: Literal["average"]
    property: PropertyName
    statistic: str = "mean"

    @field_validator("statistic")
    @classmethod
    def _statistic(cls, value: str) -> str:
        return _check_statistic(value)

    def quantile(self) -> float | None:
        """The quantile in (0, 1), or None for the mean."""
        return _quantile(self.statistic)


Per = Literal["day", "week", "month"]


class ActiveMetric(_EventMetric):
    """Active entities (DAU / WAU / MAU): the mean, over the complete `per` buckets inside a
    window, of the number of distinct entities with a matching event in each bucket.

    Buckets are UTC days, ISO weeks (Monday 00:00 UTC) or calendar months; a bucket counts
    when it lies wholly inside [start, end) and ends at or before the as-of. With no complete
    bucket the value is undefined (None).
    """

    type: Literal["active"]
    entity: Entity
    per: Per


class ChurnMetric(_Metric):
    """Customers (or users) lost per period: of the entities in a `per` period's base, the
    share lost during it, pooled over the complete periods inside a window. Two kinds:

    - **Subscriptions** (`start` and `end`): an entity is a customer at an instant when its
      latest `start` or `end` event before that instant is a `start` (an `end` at the same
      instant as a `start` comes after it). The base is the customers at the period's start;
      the lost are those with an `end` event in the period. A churned entity that starts
      again is a customer again from its next period on. The segment is read on the `start`
      event that made the entity a customer.
    - **Activity** (`active`), for products without a cancel event: the base is the entities
      with an `active` event in the period before; the lost are those with none in the
      period itself ("active last month, not this month"). The segment is read on the base
      period's events.

    Periods are those of `active` (UTC days, ISO weeks, calendar months), counted when they
    lie wholly inside the window and end by the as-of; with none, or an empty base, the
    value is undefined.
    """

    type: Literal["churn"]
    entity: Entity
    start: EventRef | None = None
    end: EventRef | None = None
    active: EventRef | None = None
    per: Per

    @model_validator(mode="after")
    def _one_kind(self) -> ChurnMetric:
        if self.active is not None:
            if self.start is not None or self.end is not None:
                raise ValueError("write either `start` and `end` (subscriptions) or `active` "
                                 "(activity: active one period, not the next), not both")
            return self
        if self.start is None or self.end is None:
            raise ValueError("a churn metric needs `start` and `end` (the events that make "
                             "and end a customer) or `active` (the event that makes an "
                             "entity active in a period)")
        if self.start == self.end:
            raise ValueError("`start` and `end` are the same event: a churn metric needs the "
                             "event that makes a customer and the one that ends it")
        return self

    def refs(self) -> list[EventRef]:
        """The events it reads: `start` and `end`, or `active`."""
        return [r for r in (self.start, self.end, self.active) if r is not None]


PeriodicMetric = ActiveMetric | ChurnMetric
"""Types whose value is read over the complete `per` periods of a window."""


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
    unit: Unit = Unit.HOURS  # scales the computed value and is how it is shown
    within: Duration | None = None

    @field_validator("unit")
    @classmethod
    def _time_unit(cls, value: Unit) -> Unit:
        if value not in TIME_UNITS:
            raise ValueError("a duration's unit is seconds, minutes, hours or days")
        return value

    @field_validator("statistic")
    @classmethod
    def _statistic(cls, value: str) -> str:
        return _check_statistic(value)

    def quantile(self) -> float | None:
        """The quantile in (0, 1), or None for the mean."""
        return _quantile(self.statistic)

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
    | ActiveMetric
    | ChurnMetric
    | RatioMetric
    | ConversionMetric
    | RetentionMetric
    | DurationMetric
    | NpsMetric,
    Field(discriminator="type"),
]
METRIC_TYPES = (
    "count", "unique", "sum", "average", "active", "churn", "ratio", "conversion",
    "retention", "duration", "nps",
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
    if isinstance(m, ChurnMetric):
        return m.refs()
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
                if cond.property is not None and cond.property not in known:
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
        if seg.property is not None and seg.property not in all_props:
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
    if isinstance(metric, ChurnMetric):
        return [((name,), ref) for name, ref in (("start", metric.start), ("end", metric.end),
                                                  ("active", metric.active)) if ref is not None]
    if isinstance(metric, RatioMetric):
        return []
    return [((), metric.ref())]


def _did_you_mean(word: str, candidates: list[str]) -> str | None:
    match = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f"did you mean {match[0]!r}?" if match else None


# ---------------------------------------------------------------- hashing, windows, indicators


def normalized_definition(m: MetricDef) -> dict[str, Any]:
    """What the metric computes, without presentation (description, indicator, unit).

    Durations become seconds so `7d` and `1w` hash alike; defaults are written out so adding
    `statistic: median` explicitly does not look like a change.
    """
    presentation = {"description", "indicator", "currency"}
    if not isinstance(m, DurationMetric):  # a duration's unit scales its values
        presentation.add("unit")
    data = m.model_dump(mode="json", by_alias=True, exclude=presentation)

    def norm(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: norm(v) for k, v in sorted(value.items()) if v is not None}
        if isinstance(value, list):
            return [norm(v) for v in value]
        return value

    out: dict[str, Any] = norm(data)
    if isinstance(m, AverageMetric) and m.statistic == "mean":
        out.pop("statistic", None)  # the default added later: old hashes stay valid
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

    The rule: behaviour counted as it happens (count, unique, active) is leading; cohort metrics are
    leading when their outcome window is at most 14 days (a duration with no window too) and
    lagging beyond; sums/averages of a value (revenue), NPS and churn (customers leave long
    after what made them) are lagging; a ratio is lagging
    when either side is. An explicit `indicator:` on the metric wins.
    """
    if m.indicator is not None:
        return m.indicator
    if isinstance(m, CountMetric | UniqueMetric | ActiveMetric):
        return Indicator.LEADING
    if isinstance(m, SumMetric | AverageMetric | NpsMetric | ChurnMetric):
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


def default_measure(m: MetricDef) -> Measure:
    """The quantity a KR on this metric describes unless it says `measure:`.

    Counts, sums and distinct counts add up over the period: a target such as "500 paid
    signups" is a total, so they are cumulative. Everything else is a level (a rate, a
    median, a score, a ratio of counts, a mean number of active users): read over a trailing
    window, so a change the team made mid-period shows in full by the period's end.
    """
    if isinstance(m, CountMetric | SumMetric | UniqueMetric):
        return Measure.CUMULATIVE
    return Measure.LEVEL


# The shortest `over:` that reads at least one whole `per` period: a level over an active or
# churn metric is read over the latest `over` worth of whole periods (`whole_periods`).
SHORTEST_OVER_DAYS = {"day": 1, "week": 7, "month": 28}


_PER_ORDER = ("day", "week", "month")


def _periodic_part(m: MetricDef | None, catalog: MetricsFile | None,
                   seen: frozenset[str] = frozenset()) -> PeriodicMetric | None:
    """The `active` or `churn` metric whose periods decide when `m` has a value: `m` itself,
    or — for a ratio such as DAU/MAU, whose value is null whenever either side is — the part
    with the longest `per` (found through the catalog, ratios of ratios included). None when
    no part is periodic or the catalog is not at hand."""
    if isinstance(m, PeriodicMetric):
        return m
    if not isinstance(m, RatioMetric) or catalog is None:
        return None
    best: PeriodicMetric | None = None
    for ref in (m.numerator, m.denominator):
        if ref in seen:
            continue
        part = _periodic_part(catalog.metrics.get(ref), catalog, seen | {ref})
        if part is not None and (best is None or
                                 _PER_ORDER.index(part.per) > _PER_ORDER.index(best.per)):
            best = part
    return best


def periodic_per(m: MetricDef | None, catalog: MetricsFile | None = None) -> str | None:
    """The period ("day", "week", "month") a level of `m` is read over whole of — its own for
    an `active` or `churn` metric, the longest part's for a ratio with such parts (DAU/MAU
    reads whole months: MAU has a value over nothing less) — or None for a metric read over
    any span. Pass the catalog for ratios."""
    part = _periodic_part(m, catalog)
    return part.per if part is not None else None


def default_over_days(m: MetricDef | None, catalog: MetricsFile | None = None) -> int:
    """A level's trailing window unless the KR says `over:`: 28 days — for a metric read over
    whole periods, the latest 28 days' worth of them (28 days, 4 weeks or 1 month)."""
    del m, catalog  # one default for every metric since windows snap to whole periods
    return DEFAULT_OVER_DAYS


def over_too_short(m: MetricDef | None, over_days: int | None,
                   catalog: MetricsFile | None = None) -> tuple[str, str] | None:
    """(Why, and the fix) when a KR's `over:` can hold no complete period of its active or
    churn metric — or of a ratio's active or churn part (with the catalog); None when it is
    fine."""
    part = _periodic_part(m, catalog)
    if part is None or over_days is None:
        return None
    shortest = SHORTEST_OVER_DAYS[part.per]
    if over_days >= shortest:
        return None
    what = "the mean" if isinstance(part, ActiveMetric) else "pooled"
    if part is m:
        whose = f"a `per: {part.per}` {part.type} metric: its value is"
    else:
        whose = (f"a ratio with a `per: {part.per}` {part.type} part: that part's value "
                 f"(and so the ratio's) is")
    return (f"over: {over_days}d is too short for {whose} {what} over whole {part.per}s, "
            f"and {over_days} days are less than one {part.per}",
            f"write `over: {shortest}d` or longer, or leave `over:` out for the default")


def rate_trials(m: MetricDef | None, n: float | None) -> float | None:
    """The trials a measured rate rests on — a conversion's or retention's mature cohort, a
    churn's customer-periods, an NPS's answers (the engine's `n`) — so a typed baseline can
    be held against the measurement's own noise; None for any other metric (a ratio's `n`
    is its denominator's value, not a count of trials)."""
    if isinstance(m, ConversionMetric | RetentionMetric | ChurnMetric | NpsMetric) and n:
        return float(n)
    return None


def trials_noun(m: MetricDef) -> str:
    """What `rate_trials` counts, in words: "accounts" of a conversion on `account_id`,
    "account-months" of a monthly churn."""
    entity = getattr(m, "entity", "entity")
    noun = {"account_id": "account", "user_id": "user"}.get(entity, entity)
    if isinstance(m, ChurnMetric):
        return f"{noun}-{m.per}s"
    if isinstance(m, NpsMetric):
        return "answers"
    return f"{noun}s"


def no_weekly_values(m: MetricDef | None, catalog: MetricsFile | None = None) -> str | None:
    """Why a metric has no weekly series (a monthly active count or churn: no ISO week holds
    a calendar month; a ratio with such a part, such as DAU/MAU, given the catalog), in words
    for a forecast, an ambition check or a detectability note; None when it has one. Said
    once here, so no screen blames the data ("only 0 weeks of history", "no usable weeks in
    the events") for what the metric's period is."""
    part = _periodic_part(m, catalog)
    if part is None or part.per != "month":
        return None
    what = "active count" if isinstance(part, ActiveMetric) else "churn rate"
    if part is not m:
        return (f"a ratio with a monthly {what} in it has no weekly values (no week holds a "
                f"whole month), so there is nothing week by week to project or test")
    return (f"a monthly {what} has no weekly values (no week holds a whole month), so "
            f"there is nothing week by week to project or test")


def averaged_buckets(m: MetricDef | None, start: datetime,
                     end: datetime) -> CompleteBuckets | None:
    """The whole days, weeks or months an `active` (or `churn`) metric's value over
    [start, end) is read over — what screens name instead of the window; None for any other
    metric type, or when not one whole bucket fits."""
    if not isinstance(m, PeriodicMetric):
        return None
    return complete_buckets(start, end, m.per)
