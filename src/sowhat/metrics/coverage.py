"""Warnings for filters that match nothing: a 0 or an empty value must never be silent.

A misspelled `where` value, a segment on a property only some events carry, or a trait nobody
has at that time all compute to 0 (or to "no value") without any error. `filter_warnings`
says so, per metric request: the event has no rows in the window, its `where` matches none
of them, or the segment matches none of those. `sowhat metrics compute`, `sowhat tracking
check` and sync call it; it costs one small aggregate query per event reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sowhat.errors import SowhatError
from sowhat.metrics.properties import all_of
from sowhat.metrics.trait_join import TraitContext, metric_entity, traits_for, with_traits
from sowhat.metrics.values import iso, to_utc_naive
from sowhat.spec.metric_defs import (
    ConversionMetric,
    DurationMetric,
    EventRef,
    MetricsFile,
    RatioMetric,
    RetentionMetric,
    SegmentDef,
    Where,
    dependencies,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from sowhat.metrics.engine import MetricRequest
    from sowhat.metrics.source import EventSource


@dataclass(frozen=True)
class FilterWarning:
    metric: str
    segment: str | None
    message: str

    def render(self) -> str:
        seg = f" [{self.segment}]" if self.segment else ""
        return f"{self.metric}{seg}: {self.message}"


def filter_warnings(
    requests: Sequence[str | MetricRequest],
    *,
    catalog: MetricsFile,
    events: EventSource,
    start: datetime | date | None = None,
    end: datetime | date | None = None,
    as_of: datetime | date | None = None,
) -> list[FilterWarning]:
    """Why each requested metric may read 0 / nothing over [start, end) as of `as_of`.

    No window: all the data. Cohort metrics are checked on their anchor events in the window
    (where the segment applies) and on their outcome events up to the as-of. Metrics that
    cannot be computed at all are left to the computation's own error.
    """
    from sowhat.metrics.engine import MetricRequest, resolve_segment

    s = to_utc_naive(start) if start is not None else None
    e = to_utc_naive(end) if end is not None else None
    cut = to_utc_naive(as_of) if as_of is not None else e
    out: list[FilterWarning] = []
    seen: set[tuple[str, str | None, str]] = set()
    for raw in requests:
        req = raw if isinstance(raw, MetricRequest) else MetricRequest(raw)
        if req.metric not in catalog.metrics:
            continue
        try:
            seg = resolve_segment(catalog, req.segment)
            traits = traits_for(catalog, [req.metric], [seg], events)
            for part in dependencies(catalog, req.metric):
                m = catalog.metrics.get(part)
                if m is None or isinstance(m, RatioMetric):
                    continue
                entity = metric_entity(m)
                refs: list[tuple[EventRef, bool]]
                if isinstance(m, ConversionMetric | DurationMetric):
                    refs = [(m.from_, True), (m.to, False)]
                elif isinstance(m, RetentionMetric):
                    refs = [(m.start, True), (m.return_, False)]
                else:
                    refs = [(m.ref(), True)]
                for ref, anchored in refs:
                    msg = _check(events.events(), ref, seg if anchored else None, entity,
                                 traits, s, e if anchored else None, cut)
                    key = (req.metric, req.segment, msg or "")
                    if msg and key not in seen:
                        seen.add(key)
                        out.append(FilterWarning(req.metric, req.segment, msg))
        except SowhatError:
            continue  # the computation reports it
    return out


def _check(t: ir.Table, ref: EventRef, seg: SegmentDef | None, entity: str,
           ctx: TraitContext | None, start: datetime | None, end: datetime | None,
           as_of: datetime | None) -> str | None:
    f = t.filter(t.event == ref.event)
    if start is not None:
        f = f.filter(f.timestamp >= start)
    if end is not None:
        f = f.filter(f.timestamp < end)
    if as_of is not None:
        f = f.filter(f.timestamp < as_of)
    conds = [*ref.where, *([seg] if seg is not None else [])]
    wide, columns = with_traits(f, conds, entity, ctx)
    where = all_of(wide, ref.where, columns)
    stats = {"n": wide.count(), "w": wide.count(where=where)}
    if seg is not None:
        stats["s"] = wide.count(where=where & all_of(wide, [seg], columns))
    row = wide.aggregate(**stats).to_pyarrow().to_pylist()[0]
    n, w = int(row["n"] or 0), int(row["w"] or 0)
    span = _span(start, end or as_of)
    if n == 0:
        return f"no {ref.event!r} events {span}"
    if ref.where and w == 0:
        return (f"`where` on {ref.event!r} matches none of its {n:,} events {span} "
                f"({_describe(ref.where)})")
    if seg is not None and int(row["s"] or 0) == 0:
        return (f"the segment ({_describe([seg])}) matches none of the {w:,} {ref.event!r} "
                f"events {span}")
    return None


def _span(start: datetime | None, end: datetime | None) -> str:
    if start is None and end is None:
        return "in the data"
    if start is None:
        return f"before {iso(end)}" if end is not None else "in the data"
    return f"in [{iso(start)}, {iso(end)})" if end is not None else f"from {iso(start)}"


def _describe(conds: Sequence[Where]) -> str:
    parts = []
    for c in conds:
        data = c.model_dump(by_alias=True, exclude_none=True, exclude={"description"})
        parts.append(", ".join(f"{k}: {v}" for k, v in data.items()))
    return "; ".join(parts)
