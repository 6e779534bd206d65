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
    ChurnMetric,
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


_ENTITY_FIX = ("load the events with it: `sowhat ingest --map {entity}=<the field holding "
               "it>` (docs/ingest.md) into a new store")


@dataclass(frozen=True)
class FilterWarning:
    metric: str
    segment: str | None
    message: str
    # "filter": a where or segment matches nothing; "entity": the events the metric reads
    # carry none of the ids it counts (the metric cannot be measured on this data at all);
    # "history": a churn metric's ends by entities with no start in the data
    kind: str = "filter"
    hint: str | None = None  # how to fix it

    def render(self) -> str:
        seg = f" [{self.segment}]" if self.segment else ""
        fix = f": {self.hint}" if self.hint else ""
        return f"{self.metric}{seg}: {self.message}{fix}"


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
                elif isinstance(m, ChurnMetric):
                    refs = ([(m.active, True)] if m.active is not None else
                            [(ref, anchored) for ref, anchored in ((m.start, True),
                                                                   (m.end, False))
                             if ref is not None])
                else:
                    refs = [(m.ref(), True)]
                # A churn metric's customers started before the window: its starts and
                # ends are read over all the data up to the as-of.
                since = None if isinstance(m, ChurnMetric) else s
                checks = [_check(events.events(), ref, seg if anchored else None, entity,
                                 traits, since, e if anchored and since is not None else None,
                                 cut, counts=getattr(m, "entity", None))
                          for ref, anchored in refs]
                if isinstance(m, ChurnMetric) and m.active is None and not any(checks):
                    checks.append(_ends_without_start(events.events(), m, traits, s, e, cut))
                for found in checks:
                    if found is None:
                        continue
                    msg, kind = found
                    key = (req.metric, req.segment, msg)
                    if key not in seen:
                        seen.add(key)
                        out.append(FilterWarning(req.metric, req.segment, msg, kind,
                                                 _ENTITY_FIX.format(entity=entity)
                                                 if kind == "entity" else None))
        except SowhatError:
            continue  # the computation reports it
    return out


def empty_segments(
    requests: Sequence[MetricRequest], *, catalog: MetricsFile, events: EventSource,
    start: datetime | date, end: datetime | date, as_of: datetime | date | None = None,
) -> dict[tuple[str, str | None], str]:
    """(metric, segment) -> why the segment matches none of the metric's events in [start,
    end): `filter_warnings`'s segment message, for a whole table of segments at once.

    A review that splits every KR's metric by every segment asked `filter_warnings` one
    small query per pair (≈1.5 s on the demo's 10 metrics × 4 segments); segments on event
    properties are all counted here in one pass over the window's rows. Segments on traits
    (an as-of join each) still go through `filter_warnings`, one by one.
    """
    from sowhat.metrics.engine import resolve_segment

    s, e = to_utc_naive(start), to_utc_naive(end)
    cut = to_utc_naive(as_of) if as_of is not None else e
    by_property: list[tuple[MetricRequest, EventRef, SegmentDef]] = []
    by_trait: list[MetricRequest] = []
    for req in requests:
        if req.segment is None or req.metric not in catalog.metrics:
            continue
        try:
            seg = resolve_segment(catalog, req.segment)
        except SowhatError:
            continue  # the computation reports it
        assert seg is not None
        if seg.trait is not None or any(w.trait is not None for w in _anchors(catalog,
                                                                             req.metric)):
            by_trait.append(req)
            continue
        by_property.extend((req, ref, seg) for ref in _anchor_refs(catalog, req.metric))
    out: dict[tuple[str, str | None], str] = {}
    if by_property:
        t = events.events()
        f = t.filter(t.timestamp >= s, t.timestamp < min(e, cut) if cut is not None else e)
        stats: dict[str, ir.Value] = {}
        refs = {ref.model_dump_json(): ref for _, ref, _ in by_property}
        for i, ref in enumerate(refs.values()):
            stats[f"r{i}"] = f.count(where=(f.event == ref.event) & all_of(f, ref.where))
        keys = list(refs)
        for j, (_, ref, seg) in enumerate(by_property):
            stats[f"p{j}"] = f.count(
                where=(f.event == ref.event) & all_of(f, [*ref.where, seg]))
        # through the store's own cursor when there is one (run_sql): no Arrow round trip,
        # so a review does not import pyarrow for this one row (≈0.5 s of CPU cold)
        import ibis

        from sowhat.metrics.sqlcache import run_sql

        row = run_sql(events, str(ibis.to_sql(f.aggregate(**stats), dialect=events.dialect())))[0]
        span = _span(s, min(e, cut) if cut is not None else e)
        for j, (req, ref, seg) in enumerate(by_property):
            i = keys.index(ref.model_dump_json())
            rows = int(row[f"r{i}"] or 0)
            if rows and not int(row[f"p{j}"] or 0):
                out.setdefault((req.metric, req.segment), (
                    f"the segment ({_describe([seg])}) matches none of the {rows:,} "
                    f"{ref.event!r} events {span}"))
    for w in filter_warnings(by_trait, catalog=catalog, events=events, start=start, end=end,
                             as_of=as_of):
        if w.segment is not None and w.message.startswith("the segment"):
            out.setdefault((w.metric, w.segment), w.message)
    return out


def _anchor_refs(catalog: MetricsFile, metric: str) -> list[EventRef]:
    """The event references a metric's segment is read on (a cohort's anchor event)."""
    refs = []
    for part in dependencies(catalog, metric):
        m = catalog.metrics.get(part)
        if m is None or isinstance(m, RatioMetric):
            continue
        if isinstance(m, ConversionMetric | DurationMetric):
            refs.append(m.from_)
        elif isinstance(m, RetentionMetric):
            refs.append(m.start)
        elif isinstance(m, ChurnMetric):  # its segment: the start, or the base's activity
            refs.extend(r for r in (m.start, m.active) if r is not None)
        else:
            refs.append(m.ref())
    return refs


def _anchors(catalog: MetricsFile, metric: str) -> list[Where]:
    return [w for ref in _anchor_refs(catalog, metric) for w in ref.where]


def _check(t: ir.Table, ref: EventRef, seg: SegmentDef | None, entity: str,
           ctx: TraitContext | None, start: datetime | None, end: datetime | None,
           as_of: datetime | None, counts: str | None = None) -> tuple[str, str] | None:
    """Why `ref`'s rows read nothing for the metric, and the kind of why (FilterWarning).
    `counts`: the id column the metric counts (None for counts and sums of rows)."""
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
    if counts is not None:
        stats["e"] = wide.count(where=where & wide[counts].notnull())
    if seg is not None:
        stats["s"] = wide.count(where=where & all_of(wide, [seg], columns))
    row = wide.aggregate(**stats).to_pyarrow().to_pylist()[0]
    n, w = int(row["n"] or 0), int(row["w"] or 0)
    span = _span(start, end or as_of)
    if n == 0:
        return f"no {ref.event!r} events {span}", "filter"
    if ref.where and w == 0:
        return (f"`where` on {ref.event!r} matches none of its {n:,} events {span} "
                f"({_describe(ref.where)})"), "filter"
    if counts is not None and w and not int(row["e"] or 0):
        # every row is dropped by the metric's entity: it reads 0 or nothing, silently
        article = "an" if counts[:1] in "aeiou" else "a"
        return (f"none of the {w:,} {ref.event!r} events {span} has {article} {counts}, "
                "which the metric counts"), "entity"
    if seg is not None and int(row["s"] or 0) == 0:
        return (f"the segment ({_describe([seg])}) matches none of the {w:,} {ref.event!r} "
                f"events {span}"), "filter"
    return None


def _ends_without_start(t: ir.Table, m: ChurnMetric, ctx: TraitContext | None,
                        start: datetime | None, end: datetime | None,
                        as_of: datetime | None) -> tuple[str, str] | None:
    """Ends in the window by entities with no start before them: customers whose start is
    older than the data (or never tracked). They are in no period's base and their ends are
    not counted, so the churn rate reads low — silently, as a filter that matches nothing
    does. Kind "history"."""
    entity = m.entity
    assert m.start is not None  # a subscription churn
    assert m.end is not None

    def matching(ref: EventRef) -> ir.Table:
        f = t.filter(t.event == ref.event, t[entity].notnull())
        if as_of is not None:
            f = f.filter(f.timestamp < as_of)
        wide, columns = with_traits(f, ref.where, entity, ctx)
        return wide.filter(all_of(wide, ref.where, columns)) if ref.where else wide

    ends = matching(m.end)
    if start is not None:
        ends = ends.filter(ends.timestamp >= start)
    if end is not None:
        ends = ends.filter(ends.timestamp < end)
    starts = matching(m.start)
    firsts = starts.group_by(entity).aggregate(first=starts.timestamp.min())
    firsts = firsts.select(fid=firsts[entity], first=firsts.first)
    joined = ends.left_join(firsts, ends[entity] == firsts.fid)
    orphan = joined.first.isnull() | (joined.first >= joined.timestamp)
    row = joined.aggregate(n=joined.count(), o=joined.count(where=orphan),
                           who=joined[entity].nunique(where=orphan)).to_pyarrow().to_pylist()[0]
    n, o = int(row["n"] or 0), int(row["o"] or 0)
    if o == 0:
        return None
    span = _span(start, end or as_of)
    return (f"{o:,} of the {n:,} {m.end.event!r} events {span} are by {int(row['who']):,} "
            f"{entity}s with no {m.start.event!r} event before them — customers from before "
            f"the data starts, or a start that is not tracked: they are in no period's base "
            "and their churn is not counted, so the rate reads low; load the events back to "
            "your first customers"), "history"


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
