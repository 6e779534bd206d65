"""`sowhat tracking check`: does the data that arrived match the plan and the metrics?

Three questions, worst first:
1. which events do metrics need that the data never contains (so the metric — and every KR
   built on it — cannot be measured);
2. which planned properties are missing or of the wrong type, with counts and examples;
3. which events arrive that nobody planned.
All counts come from a few grouped queries through Ibis, so the check runs on any backend.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

from sowhat.metrics.engine import MetricRequest
from sowhat.metrics.presence import lookalike_hint, lookalikes
from sowhat.metrics.source import RESERVED_COLUMNS, EventSource
from sowhat.spec.metric_defs import MetricsFile, check_metrics_file, required_events
from sowhat.spec.tracking_defs import PropertySpec, TrackingPlan

if TYPE_CHECKING:
    from sowhat.metrics.coverage import FilterWarning

EXAMPLES = 3


@dataclass(frozen=True)
class UnmeasurableMetric:
    metric: str
    missing_events: tuple[str, ...]
    used_by: tuple[str, ...]  # KRs and guardrails that name it
    reason: str | None = None  # why, when not for missing events (no ids of its entity)
    lookalikes: str = ""  # the data's spelling of missing events ("Sign Up" for signup)


@dataclass(frozen=True)
class PropertyIssue:
    event: str
    property: str
    problem: str  # "missing" | "mistyped"
    expected: str
    count: int
    events: int  # how many events of that name were checked
    examples: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class TrackingReport:
    event_counts: dict[str, int]
    unmeasurable: tuple[UnmeasurableMetric, ...] = ()
    property_issues: tuple[PropertyIssue, ...] = ()
    unplanned_events: tuple[tuple[str, int], ...] = ()
    planned_but_unseen: tuple[str, ...] = ()
    unseen_lookalikes: dict[str, str] = field(default_factory=dict)
    """The data's spelling of a planned event never seen ("Sign Up" for signup)."""
    plan_problems: tuple[str, ...] = field(default=())
    filter_warnings: tuple[str, ...] = field(default=())
    """Metric filters and segments that match no event in the data (sowhat.metrics.coverage)."""
    history_warnings: tuple[str, ...] = field(default=())
    """Churn metrics whose ends come from entities with no start in the data: the data starts
    after the customers did. One line per fact, naming every metric it concerns."""

    @property
    def blocking(self) -> tuple[UnmeasurableMetric, ...]:
        """Unmeasurable metrics that a KR or guardrail depends on: the check fails on these."""
        return tuple(u for u in self.unmeasurable if u.used_by)

    @property
    def ok(self) -> bool:
        return not self.blocking


def check_tracking(
    *,
    events: EventSource,
    plan: TrackingPlan | None,
    catalog: MetricsFile | None,
    used_by: Mapping[str, Sequence[str]] | None = None,
) -> TrackingReport:
    """Compare the events with the tracking plan and the metric catalog.

    `used_by` maps a metric name to the KRs/guardrails that use it (e.g. "2026-Q4/mid-retention").
    """
    t = events.events()
    counts_rows = t.group_by("event").aggregate(n=t.count()).to_pyarrow().to_pylist()
    counts = {str(r["event"]): int(r["n"]) for r in counts_rows}
    used = {k: tuple(v) for k, v in (used_by or {}).items()}

    unmeasurable = []
    if catalog is not None:
        for name in catalog.metrics:
            missing = sorted(e for e in required_events(catalog, name) if counts.get(e, 0) == 0)
            if missing:
                unmeasurable.append(UnmeasurableMetric(name, tuple(missing), used.get(name, ()),
                                                       lookalikes=lookalike_hint(missing, counts)))
    for name, users in used.items():
        if catalog is None or name not in catalog.metrics:
            unmeasurable.append(UnmeasurableMetric(name, (), users))

    issues: list[PropertyIssue] = []
    unplanned: list[tuple[str, int]] = []
    unseen: list[str] = []
    problems: list[str] = []
    if plan is not None:
        for event in plan.events:
            if counts.get(event, 0) == 0:
                unseen.append(event)
            else:
                issues.extend(_property_issues(t, event, plan.properties_of(event),
                                               counts[event], events.dialect()))
        unplanned = sorted(((e, n) for e, n in counts.items() if e not in plan.events),
                           key=lambda x: (-x[1], x[0]))
        if catalog is not None:
            for path, message, hint in check_metrics_file(catalog, tracking=plan):
                where = ".".join(str(p) for p in path)
                problems.append(f"metrics.yaml {where}: {message}" + (f"; {hint}" if hint else ""))
    warnings: list[str] = []
    history: list[str] = []
    if catalog is not None:
        from sowhat.metrics.coverage import filter_warnings

        requests: list[Any] = list(catalog.metrics)
        for seg in catalog.segments:
            requests.extend(MetricRequest(m, seg) for m in used or catalog.metrics)
        found = filter_warnings([r for r in requests if _measurable(r, unmeasurable)],
                                catalog=catalog, events=events)
        warnings = _by_segment([w for w in found if w.kind == "filter"])
        # the same start and end events read the same way for every metric and segment on
        # them: one line each, naming the metrics (six lines of one fact said nothing more)
        told: dict[str, list[str]] = {}
        for w in found:
            if w.kind == "history" and w.segment is None:
                told.setdefault(w.message, []).append(w.metric)
        history = [f"{', '.join(names)}: {message}" for message, names in told.items()]
        # events with none of the ids a metric counts: it cannot be measured on this data
        gaps: dict[str, list[FilterWarning]] = {}
        for w in found:
            if w.kind == "entity" and w.segment is None:
                gaps.setdefault(w.metric, []).append(w)
        unmeasurable.extend(
            UnmeasurableMetric(name, (), used.get(name, ()),
                               "; ".join(w.message for w in why) + f": {why[0].hint}")
            for name, why in gaps.items())
    return TrackingReport(
        event_counts=counts,
        filter_warnings=tuple(warnings),
        history_warnings=tuple(history),
        unmeasurable=tuple(unmeasurable),
        property_issues=tuple(issues),
        unplanned_events=tuple(unplanned),
        planned_but_unseen=tuple(unseen),
        unseen_lookalikes={e: spelt[0] for e in unseen if (spelt := lookalikes(e, counts))},
        plan_problems=tuple(problems),
    )


_NO_MATCH = re.compile(r"^the segment \((?P<seg>.*)\) matches none of the (?P<what>.+?) "
                       r"events (?P<span>.*)$")


def _by_segment(found: Sequence[FilterWarning]) -> list[str]:
    """One line per segment that matches none of the events of several metrics: a segment
    on a property no event carries read "matches nothing" once per metric — six lines for
    two segments and three metrics, saying two things."""
    groups: dict[tuple[str, str, str], list[tuple[FilterWarning, str]]] = {}
    lines: list[str | tuple[str, str, str]] = []
    for w in found:
        hit = _NO_MATCH.match(w.message) if w.segment is not None and not w.hint else None
        if hit is None:
            lines.append(w.render())
            continue
        key = (w.segment or "", hit["seg"], hit["span"])
        if key not in groups:
            groups[key] = []
            lines.append(key)
        groups[key].append((w, hit["what"]))
    out = []
    for line in lines:
        if isinstance(line, str):
            out.append(line)
            continue
        members = groups[line]
        if len(members) == 1:
            out.append(members[0][0].render())
            continue
        segment, desc, span = line
        names = ", ".join(w.metric for w, _ in members)
        counts = ", ".join(dict.fromkeys(what for _, what in members))
        out.append(f"{names} [{segment}]: the segment ({desc}) matches none of their events "
                   f"{span} ({counts})")
    return out


def _measurable(request: Any, unmeasurable: Sequence[UnmeasurableMetric]) -> bool:
    name = request if isinstance(request, str) else request.metric
    return all(u.metric != name for u in unmeasurable)


def _property_issues(t: ir.Table, event: str, props: Mapping[str, PropertySpec], total: int,
                     dialect: str) -> list[PropertyIssue]:
    if not props:
        return []
    rows = t.filter(t.event == event)
    checks: dict[str, tuple[str, str, ir.BooleanValue]] = {}
    for name, spec in props.items():
        present, ok = _typed(rows, name, spec.type, dialect)
        if spec.required:
            checks[f"m{len(checks)}"] = (name, "missing", ~present)
        checks[f"m{len(checks)}"] = (name, "mistyped", present & ~ok)
    found = rows.aggregate(**{k: rows.count(where=cond) for k, (_, _, cond) in checks.items()})
    result = found.to_pyarrow().to_pylist()[0]
    out = []
    for key, (name, problem, cond) in checks.items():
        n = int(result[key] or 0)
        if not n:
            continue
        out.append(PropertyIssue(event, name, problem, props[name].type, n, total,
                                 _examples(rows, cond)))
    return out


def _typed(rows: ir.Table, name: str, kind: str, dialect: str
           ) -> tuple[ir.BooleanValue, ir.BooleanValue]:
    """(is the property there, is it of the planned type) per row."""
    if name in rows.columns and name not in RESERVED_COLUMNS:
        col = rows[name]
        dtype = col.type()
        checks = {
            "string": dtype.is_string(),
            "number": dtype.is_numeric(),
            "boolean": dtype.is_boolean(),
            "timestamp": dtype.is_timestamp() or dtype.is_date(),
        }
        if kind == "integer":
            ok: ir.BooleanValue = (
                ibis.literal(True) if dtype.is_integer()
                else (col.cast("float64").floor() == col.cast("float64")) if dtype.is_numeric()
                else ibis.literal(False))
        elif kind == "timestamp" and dtype.is_string():
            ok = _parses_as_time(col, dialect)
        else:
            ok = ibis.literal(bool(checks.get(kind, False)))
        return col.notnull(), ok.fill_null(False)
    if "properties" not in rows.columns:
        return ibis.literal(False), ibis.literal(False)
    j = rows["properties"]
    if not j.type().is_json():
        j = j.cast("json")
    for part in name.split("."):
        j = j[part]
    s, f, b = j.str, j.float, j.bool
    present = s.notnull() | f.notnull() | b.notnull() | j.array.notnull() | j.map.notnull()
    if kind == "string":
        ok = s.notnull()
    elif kind == "number":
        ok = f.notnull()
    elif kind == "integer":
        ok = f.notnull() & (f.floor() == f)
    elif kind == "boolean":
        ok = b.notnull()
    else:
        ok = s.notnull() & _parses_as_time(s, dialect)
    return present.fill_null(False), ok.fill_null(False)


def _parses_as_time(text: ir.StringValue, dialect: str) -> ir.BooleanValue:
    if dialect == "duckdb":
        return text.try_cast("timestamp").notnull()
    return text.notnull()  # portable TRY_CAST is not available everywhere: accept strings


def _examples(rows: ir.Table, cond: ir.BooleanValue) -> tuple[dict[str, Any], ...]:
    cols = ["timestamp", "user_id", "account_id"]
    sample = rows.filter(cond).order_by("timestamp")
    select = {c: sample[c] for c in cols}
    if "properties" in sample.columns:
        select["properties"] = sample["properties"].cast("string")
    found = sample.select(**select).limit(EXAMPLES).to_pyarrow().to_pylist()
    return tuple(found)
