"""Metric definitions -> one Ibis table expression each.

Every compiled expression has the same columns (see `COLUMNS`), one row per bucket: the
window's start for a single window, the ISO week (Monday 00:00 UTC, `truncate("W")`) for a
weekly series, or the UTC day for a daily one, so a whole series is one GROUP BY rather than
a loop over weeks. Buckets with no rows are absent; `engine.py` fills them (0 for counts,
None for undefined values).

The semantics are DESIGN.md's "Window semantics", implemented here once:
- only events with timestamp < as_of are read; null ids are never entities;
- event metrics keep events with start <= t < end, segment and where on each event;
- cohort metrics anchor each entity at its first `from`/`start` event ever (before as_of);
  the segment applies to that anchor event (with ties at the anchor's instant, the entity is
  in the segment when any of the tied events matches); the cohort is the anchors in
  [start, end); an entity is mature when anchor + outcome window <= as_of, and only mature
  entities enter the value.

`slots` asks one expression for several segments of one metric at once (sync's day query
asks a metric for the same days under each segment of its KRs): the rows carry a `slot`
column, the index of their segment in `slots` (None: no segment), and each slot's rows
are exactly what the metric under that segment alone gives. An event metric aggregates
each segment's statistics side by side over one scan (`_event_slots`); a cohort is grouped
and joined to its outcomes once, each entity marked with the segments its anchor meets.
NPS repeats each answer once per segment it meets (`_explode`) and ranks the latest per
slot; active users are not slotted (`query.slottable`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from sowhat.errors import UserError
from sowhat.metrics.properties import all_of, predicate, prop
from sowhat.metrics.query import LATEST_DAY, RESULT_COLUMNS, ZERO_WHEN_EMPTY, Query, slottable
from sowhat.metrics.trait_join import TraitContext, metric_entity, with_traits
from sowhat.spec.metric_defs import (
    ActiveMetric,
    AverageMetric,
    ChurnMetric,
    ConversionMetric,
    CountMetric,
    DurationMetric,
    EventRef,
    MetricDef,
    MetricsFile,
    NpsMetric,
    RatioMetric,
    RetentionMetric,
    SegmentDef,
    SumMetric,
    UniqueMetric,
    Where,
    outcome_window,
)

COLUMNS: dict[str, dt.DataType] = {
    "bucket": dt.timestamp,
    "value": dt.float64,
    "entities": dt.int64,
    "excluded_immature": dt.int64,
    "n": dt.float64,
    "total": dt.float64,
    "total_sq": dt.float64,
    "without_outcome": dt.int64,
}
assert tuple(COLUMNS) == RESULT_COLUMNS


@dataclass(frozen=True)
class FirstEvents:
    """The store's first-event table and the (entity, event) pairs it keeps
    (sowhat.metrics.first_events): where a cohort may find its new entities."""

    table: ir.Table
    pairs: frozenset[tuple[str, str]]


Slots = tuple[SegmentDef | None, ...]
"""Segments of one request for several (`compile_metric(slots=)`), in slot order."""


def compile_metric(
    name: str, catalog: MetricsFile, events: ir.Table, q: Query, _stack: tuple[str, ...] = (),
    *, traits: TraitContext | None = None, firsts: FirstEvents | None = None,
    slots: Slots | None = None,
) -> ir.Table:
    """The expression computing metric `name` for `q` over the canonical `events` table.

    `traits` (sowhat.metrics.trait_join.load_traits) is needed when a condition reads a
    `trait:`; without it such a metric is an error. `firsts`, when given, lets a cohort read
    its new entities from the store's first-event table instead of grouping every anchor
    event in history (the same rows either way). `slots` (with no `q.segment`): one row per
    slot and bucket, with a `slot` column (the module's docstring); not for ratios.
    """
    if name in _stack:
        raise UserError(f"ratio cycle: {' -> '.join([*_stack, name])}",
                        hint="a ratio must end in non-ratio metrics")
    try:
        m = catalog.metrics[name]
    except KeyError:
        raise UserError(f"unknown metric {name!r}", hint="see `sowhat metrics list`") from None
    readable = events.filter(events.timestamp < q.as_of_lit())
    if slots is not None and (isinstance(m, RatioMetric) or q.segment is not None):
        raise ValueError("slots are for a non-ratio metric asked without a segment")
    if isinstance(m, RatioMetric):
        num = compile_metric(m.numerator, catalog, events, q, (*_stack, name), traits=traits,
                             firsts=firsts)
        den = compile_metric(m.denominator, catalog, events, q, (*_stack, name), traits=traits,
                             firsts=firsts)
        return _ratio(num, den, catalog.metrics[m.numerator], catalog.metrics[m.denominator],
                      q)
    tr = _Traits(traits, metric_entity(m))
    if q.grain == LATEST_DAY and not isinstance(m, UniqueMetric | NpsMetric):
        raise UserError(f"metric {name!r} ({m.type}) has no latest-day rows",
                        hint="only unique and NPS metrics count each entity at its latest "
                        "event")
    if isinstance(m, CountMetric | UniqueMetric | SumMetric | AverageMetric):
        return _event_metric(m, readable, q, tr, slots)
    if slots is not None and not slottable(m, q.grain):
        raise ValueError(f"metric {name!r} ({m.type}) has no slotted form")
    if isinstance(m, ActiveMetric):
        return _active(m, readable, q, tr)
    if isinstance(m, ChurnMetric):
        return _churn(m, readable, q, tr)
    if isinstance(m, NpsMetric):
        return _nps(m, readable, q, tr, slots)
    return _cohort_metric(m, readable, q, tr, firsts, slots)


class _Traits:
    """Trait lookups for one metric: the context and the entity whose traits it reads."""

    def __init__(self, ctx: TraitContext | None, entity: str) -> None:
        self.ctx, self.entity = ctx, entity

    def filter(self, t: ir.Table, conds: Sequence[Where]) -> ir.Table:
        """`t` keeping the rows where every condition holds (traits as of each row)."""
        if not conds:
            return t
        wide, columns = with_traits(t, conds, self.entity, self.ctx)
        kept = wide.filter(all_of(wide, conds, columns))
        return kept.select(*t.columns) if columns else kept


def _shape(t: ir.Table) -> ir.Table:
    """Every column of COLUMNS, in order and type, so expressions union and compare (and
    `slot` last, when slotted)."""
    cols = {
        name: (t[name].cast(dtype) if name in t.columns else ibis.null().cast(dtype))
        for name, dtype in COLUMNS.items()
    }
    if "slot" in t.columns:
        cols["slot"] = t.slot.cast(dt.int64)
    return t.select(**cols)


def _keys(slots: Slots | None, *names: str) -> list[str]:
    """Group-by keys: `names`, after `slot` when slotted."""
    return ["slot", *names] if slots is not None else list(names)


def _slot_marks(t: ir.Table, member: Sequence[ir.BooleanValue | None]) -> ir.Table:
    """`t`'s rows repeated once per slot they are members of (`member[k]`: None for a slot
    every row is in), with that slot's index in column `slot`."""
    marks = [ibis.literal(k, type=dt.int16) if cond is None
             else ibis.ifelse(cond, ibis.literal(k, type=dt.int16), ibis.null(dt.int16))
             for k, cond in enumerate(member)]
    t = t.mutate(slot=ibis.array(marks).unnest())
    return t.filter(t.slot.notnull())


def _matching(t: ir.Table, ref: EventRef, tr: _Traits) -> ir.Table:
    return tr.filter(t.filter(t.event == ref.event), ref.where)


def _explode(t: ir.Table, slots: Slots, tr: _Traits) -> ir.Table:
    """`t`'s rows once per segment of `slots` they meet (the row filter `_in_window`
    applies for one segment), with column `slot`."""
    wide, columns = with_traits(t, [s for s in slots if s is not None], tr.entity, tr.ctx)
    member = [None if s is None else predicate(wide, s, columns.get(id(s))) for s in slots]
    return _slot_marks(wide, member).select(*t.columns, "slot")


def _in_window(t: ir.Table, q: Query, tr: _Traits, slots: Slots | None = None) -> ir.Table:
    t = t.filter(
        t.timestamp >= q.start_lit(),
        t.timestamp < q.end_lit(),
    )
    if slots is not None:
        return _explode(t, slots, tr)
    return tr.filter(t, [q.segment]) if q.segment is not None else t


def _event_metric(
    m: CountMetric | UniqueMetric | SumMetric | AverageMetric, ev: ir.Table, q: Query,
    tr: _Traits, slots: Slots | None = None,
) -> ir.Table:
    """count / unique / sum / average (mean, median or a percentile) per bucket."""
    if slots is not None:
        return _event_slots(m, ev, q, tr, slots)
    f = _in_window(_matching(ev, m.ref(), tr), q, tr)
    f = f.mutate(bucket=q.bucket(f.timestamp))
    if isinstance(m, CountMetric):
        agg = f.group_by("bucket").aggregate(value=f.count())
        return _shape(agg.mutate(total=agg.value))
    if isinstance(m, UniqueMetric):
        f = f.filter(f[m.entity].notnull())
        if q.grain == LATEST_DAY:  # each entity once, on the day of its latest event
            last = f.group_by(m.entity).aggregate(latest=f.timestamp.max())
            last = last.mutate(bucket=_day(last.latest))
            agg = last.group_by("bucket").aggregate(value=last.count())
        else:
            agg = f.group_by("bucket").aggregate(value=f[m.entity].nunique())
        return _shape(agg.mutate(total=agg.value, entities=agg.value))
    x = prop(f, m.property, "number")
    f = f.mutate(x=x).filter(x.notnull())
    quantile = m.quantile() if isinstance(m, AverageMetric) else None
    stats = {"n": f.count(), "total": f.x.sum(), "total_sq": (f.x * f.x).sum()}
    if quantile is not None:
        stats["stat"] = f.x.quantile(quantile)
    agg = f.group_by("bucket").aggregate(**stats)
    if isinstance(m, SumMetric):
        return _shape(agg.mutate(value=agg.total))
    return _shape(agg.mutate(value=agg.total / agg.n if quantile is None else agg.stat))


def _event_slots(
    m: CountMetric | UniqueMetric | SumMetric | AverageMetric, ev: ir.Table, q: Query,
    tr: _Traits, slots: Slots,
) -> ir.Table:
    """`_event_metric` under each segment of `slots`: one scan, each slot's statistics
    aggregated side by side (`FILTER (WHERE <segment>)`; a unique count groups each bucket's
    entities once, marked with the segments any of their events meet), then one row per
    slot and bucket that has any event — as the slot's own query has."""
    f = _in_window(_matching(ev, m.ref(), tr), q, tr)
    f, columns = with_traits(f, [s for s in slots if s is not None], tr.entity, tr.ctx)
    f = f.mutate(bucket=q.bucket(f.timestamp),
                 **{f"member{k}": predicate(f, s, columns.get(id(s)))
                    for k, s in enumerate(slots) if s is not None})

    def member(t: ir.Table, k: int) -> ir.BooleanValue | None:
        return t[f"member{k}"] if slots[k] is not None else None

    stats: dict[str, ir.Value] = {}
    if isinstance(m, CountMetric):
        for k in range(len(slots)):
            stats[f"value{k}"] = f.count(where=member(f, k))
        present = "value"
    elif isinstance(m, UniqueMetric):
        f = f.filter(f[m.entity].notnull())
        per = f.group_by(["bucket", m.entity]).aggregate(
            **{f"member{k}": f[f"member{k}"].any() for k, s in enumerate(slots)
               if s is not None})
        f = per
        for k in range(len(slots)):
            stats[f"value{k}"] = per.count(where=member(per, k))
        present = "value"
    else:
        x = prop(f, m.property, "number")
        f = f.mutate(x=x).filter(x.notnull())
        quantile = m.quantile() if isinstance(m, AverageMetric) else None
        for k in range(len(slots)):
            where = member(f, k)
            stats[f"n{k}"] = f.count(where=where)
            stats[f"total{k}"] = f.x.sum(where=where)
            stats[f"total_sq{k}"] = (f.x * f.x).sum(where=where)
            if quantile is not None:
                stats[f"stat{k}"] = f.x.quantile(quantile, where=where)
        present = "n"
    wide = f.group_by("bucket").aggregate(**stats)
    wide = wide.mutate(slot=ibis.array([ibis.literal(k, type=dt.int16)
                                        for k in range(len(slots))]).unnest())
    names = sorted({name.rstrip("0123456789") for name in stats})
    agg = wide.select("bucket", "slot", **{
        name: ibis.cases(*[(wide.slot == k, wide[f"{name}{k}"]) for k in range(len(slots))])
        for name in names})
    agg = agg.filter(agg[present] > 0)
    if isinstance(m, CountMetric):
        return _shape(agg.mutate(total=agg.value))
    if isinstance(m, UniqueMetric):
        return _shape(agg.mutate(total=agg.value, entities=agg.value))
    if isinstance(m, SumMetric):
        return _shape(agg.mutate(value=agg.total))
    return _shape(agg.mutate(value=agg.total / agg.n if quantile is None else agg.stat))


def _day(ts: ir.TimestampValue) -> ir.TimestampValue:
    return ts.truncate("D").cast("timestamp")


_PER_TRUNC = {"day": "D", "week": "W", "month": "M"}


def _period_start(ts: ir.TimestampValue, per: str) -> ir.TimestampValue:
    return ts.truncate(_PER_TRUNC[per]).cast("timestamp")


def _period_end(start: ir.TimestampValue, per: str) -> ir.TimestampValue:
    step = {"day": ibis.interval(days=1), "week": ibis.interval(days=7),
            "month": ibis.interval(months=1)}[per]
    return start + step


def _ceil_period(ts: ir.TimestampValue, per: str) -> ir.TimestampValue:
    """The first period start at or after `ts`."""
    floor = _period_start(ts, per)
    return ibis.ifelse(floor == ts, ts, _period_end(floor, per))


def _out_window(bucket: ir.TimestampValue, q: Query
                ) -> tuple[ir.TimestampValue, ir.TimestampValue]:
    """[start, end) of the output bucket holding `bucket`, clipped to the window and as-of."""
    if q.grain in ("week", "day"):
        step = ibis.interval(days=7 if q.grain == "week" else 1)
        lo = ibis.greatest(bucket, q.start_lit())
        hi = ibis.least(bucket + step, q.end_lit(), q.as_of_lit())
    else:
        lo = q.start_lit()
        hi = ibis.least(q.end_lit(), q.as_of_lit())
    return lo, hi


def complete_periods_expr(bucket: ir.TimestampValue, q: Query, per: str) -> ir.IntegerValue:
    """How many whole `per` periods fit in the output bucket (the active metric's `n`).

    Arithmetic on the bucket's bounds, not a scan: a complete day with no activity still
    counts (as a 0). Mirrors `sowhat.metrics.engine.complete_periods`.
    """
    lo, hi = _out_window(bucket, q)
    first, last = _ceil_period(lo, per), _period_start(hi, per)
    if per == "month":
        diff = (last.year() * 12 + last.month()) - (first.year() * 12 + first.month())
    else:
        seconds = last.epoch_seconds() - first.epoch_seconds()
        diff = (seconds / (86400 if per == "day" else 7 * 86400)).round().cast(dt.int64)
    return ibis.greatest(diff.cast(dt.int64), 0)


def _active(m: ActiveMetric, ev: ir.Table, q: Query, tr: _Traits) -> ir.Table:
    """Mean distinct entities per complete period: one scan, two small GROUP BYs.

    Sufficient statistics: n = complete periods, total = sum of the per-period counts,
    total_sq = their squares, entities = distinct entities over those periods.
    """
    f = _in_window(_matching(ev, m.ref(), tr), q, tr)
    f = f.filter(f[m.entity].notnull())
    f = f.mutate(bucket=q.bucket(f.timestamp), period=_period_start(f.timestamp, m.per))
    lo, hi = _out_window(f.bucket, q)
    f = f.filter(f.period >= lo, _period_end(f.period, m.per) <= hi)
    per_period = f.group_by(["bucket", "period"]).aggregate(c=f[m.entity].nunique())
    sums = per_period.group_by("bucket").aggregate(
        total=per_period.c.sum(), total_sq=(per_period.c * per_period.c).sum())
    ents = f.group_by("bucket").aggregate(entities=f[m.entity].nunique())
    ents = ents.rename(ebucket="bucket")
    agg = sums.join(ents, sums.bucket == ents.ebucket).drop("ebucket")
    agg = agg.mutate(n=complete_periods_expr(agg.bucket, q, m.per))
    value = ibis.ifelse(agg.n > 0, agg.total.cast(dt.float64) / agg.n,
                        ibis.null().cast(dt.float64))
    return _shape(agg.mutate(value=value))


def _churn(m: ChurnMetric, ev: ir.Table, q: Query, tr: _Traits) -> ir.Table:
    """Customers lost per complete period, pooled: spells from the start and end events,
    each joined to the period starts it covers.

    A spell runs from a `start` that makes the entity a customer (its previous start or end
    event, if any, was an end) to its next `end` (none yet: still a customer). It is in a
    period's base when it began before the period's start and had not ended before it, and
    it churned in the period when its end falls inside. The periods come from a generated
    range, not from the events, so a period in which nobody acted still counts its base.
    Sufficient statistics as a conversion's: n = customer-periods, total = total_sq = the
    churned ones; entities = the distinct customers in any base.
    """
    if m.active is not None:
        return _activity_churn(m, m.active, ev, q, tr)
    assert m.start is not None  # the model's validator
    assert m.end is not None
    entity, per = m.entity, m.per
    starts = _matching(ev, m.start, tr)
    starts = starts.filter(starts[entity].notnull())
    if q.segment is not None:
        starts, columns = with_traits(starts, [q.segment], tr.entity, tr.ctx)
        meets = predicate(starts, q.segment, columns.get(id(q.segment))).fill_null(False)
    else:
        meets = ibis.literal(True)
    # Tied starts of one entity are one mark, in the segment when any of them is (as a
    # cohort's tied anchors are).
    s = starts.mutate(meets=meets).group_by([entity, "timestamp"]).aggregate(
        seg=lambda t: t.meets.any())
    s = s.select(eid=s[entity], ts=s.timestamp, is_end=ibis.literal(False), seg=s.seg)
    ends = _matching(ev, m.end, tr)
    ends = ends.filter(ends[entity].notnull())
    e = ends.select(eid=ends[entity], ts=ends.timestamp).distinct()
    e = e.select(eid=e.eid, ts=e.ts, is_end=ibis.literal(True), seg=ibis.literal(False))
    marks = s.union(e, distinct=False)
    order = ibis.window(group_by=marks.eid, order_by=[marks.ts, marks.is_end])
    marks = marks.mutate(prev_end=marks.is_end.lag().over(order))
    turns = marks.filter(marks.prev_end.isnull() | (marks.prev_end != marks.is_end))
    order = ibis.window(group_by=turns.eid, order_by=[turns.ts, turns.is_end])
    turns = turns.mutate(next_ts=turns.ts.lead().over(order))
    spells = turns.filter(~turns.is_end & turns.seg).select(
        eid=turns.eid, s0=turns.ts, s1=turns.next_ts)

    # The period starts from the window's first period to its end, as an integer range
    # (a timestamp range does not compile everywhere: BigQuery wants zoned timestamps);
    # one too many is cut by the completeness filter below.
    first = _period_start(q.start_lit(), per)
    stop = ibis.least(q.end_lit(), q.as_of_lit())
    if per == "month":
        count = (stop.year() * 12 + stop.month()) - (first.year() * 12 + first.month()) + 1
    else:
        days = 7 if per == "week" else 1
        count = ((stop.epoch_seconds() - first.epoch_seconds()) / (days * 86400)).ceil() + 1
    one = spells.aggregate(rows=spells.count())
    periods = one.select(i=ibis.range(0, ibis.greatest(count.cast(dt.int64), 0)).unnest())
    offset = (periods.i.as_interval("M") if per == "month"
              else (periods.i * (7 if per == "week" else 1)).as_interval("D"))
    periods = periods.select(a=(first + offset).cast("timestamp"))
    periods = periods.mutate(b=_period_end(periods.a, per), bucket=q.bucket(periods.a))
    lo, hi = _out_window(periods.bucket, q)
    periods = periods.filter(periods.a >= lo, periods.b <= hi)
    j = spells.join(periods, [spells.s0 < periods.a,
                              spells.s1.isnull() | (spells.s1 >= periods.a)])
    churned = j.s1.notnull() & (j.s1 < j.b)
    agg = j.group_by("bucket").aggregate(
        n=j.count(), total=j.count(where=churned), entities=j.eid.nunique())
    agg = agg.mutate(total_sq=agg.total)
    value = ibis.ifelse(agg.n > 0, agg.total.cast(dt.float64) / agg.n, ibis.null())
    return _shape(agg.mutate(value=value))


def _activity_churn(m: ChurnMetric, active: EventRef, ev: ir.Table, q: Query,
                    tr: _Traits) -> ir.Table:
    """Entities active in the period before and not in the period itself, over those
    active before, pooled over the complete periods — no generated range: a period whose
    previous period had nobody active has an empty base, no row and no value.

    The segment is read on the base period's events (an entity is in it when any of them
    meets it); being lost reads every `active` event of the period, whatever the segment.
    """
    entity, per = m.entity, m.per
    f = _matching(ev, active, tr)
    f = f.filter(f[entity].notnull())
    f = f.mutate(period=_period_start(f.timestamp, per))
    if q.segment is not None:
        f, columns = with_traits(f, [q.segment], tr.entity, tr.ctx)
        f = f.mutate(meets=predicate(f, q.segment, columns.get(id(q.segment))).fill_null(False))
    else:
        f = f.mutate(meets=ibis.literal(True))
    act = f.group_by([entity, "period"]).aggregate(seg=lambda t: t.meets.any())
    base = act.filter(act.seg)
    base = base.select(eid=base[entity], a=_period_end(base.period, per))
    again = act.select(aid=act[entity], again=act.period)
    j = base.left_join(again, [base.eid == again.aid, base.a == again.again])
    j = j.mutate(bucket=q.bucket(j.a), lost=j.aid.isnull())
    lo, hi = _out_window(j.bucket, q)
    j = j.filter(j.a >= lo, _period_end(j.a, per) <= hi)
    agg = j.group_by("bucket").aggregate(
        n=j.count(), total=j.count(where=j.lost), entities=j.eid.nunique())
    agg = agg.mutate(total_sq=agg.total)
    value = ibis.ifelse(agg.n > 0, agg.total.cast(dt.float64) / agg.n, ibis.null())
    return _shape(agg.mutate(value=value))


def _nps(m: NpsMetric, ev: ir.Table, q: Query, tr: _Traits,
         slots: Slots | None = None) -> ir.Table:
    f = _in_window(_matching(ev, m.ref(), tr), q, tr, slots)
    f = f.mutate(bucket=q.bucket(f.timestamp), score=prop(f, m.property, "number"))
    f = f.filter(f[m.entity].notnull(), f.score.notnull())
    # Latest answer per entity in the window; at one instant the higher score wins, so the
    # result never depends on row order.
    per = [f[k] for k in _keys(slots, *(() if q.grain == LATEST_DAY else ("bucket",)),
                               m.entity)]
    rank = ibis.row_number().over(
        group_by=per, order_by=[ibis.desc(f.timestamp), ibis.desc(f.score)]
    )
    latest = f.mutate(rank=rank).filter(lambda r: r["rank"] == 0)
    if q.grain == LATEST_DAY:  # the window's latest answer, on its own day
        latest = latest.mutate(bucket=_day(latest.timestamp))
    points = ibis.cases((latest.score >= 9, 100.0), (latest.score <= 6, -100.0), else_=0.0)
    latest = latest.mutate(x=points)
    agg = latest.group_by(_keys(slots, "bucket")).aggregate(
        n=latest.count(), total=latest.x.sum(), total_sq=(latest.x * latest.x).sum()
    )
    return _shape(agg.mutate(value=agg.total / agg.n, entities=agg.n))


def _cohort(
    ev: ir.Table, entity: str, anchor: EventRef, q: Query, tr: _Traits,
    firsts: FirstEvents | None = None, slots: Slots | None = None,
) -> ir.Table:
    """(entity, anchor) for entities whose first anchor event lies in [start, end).

    The segment is read on the anchor event (a trait as of the anchor's time). With the
    store's first-event table, only the anchor rows of the entities whose first instant
    lies in the window are read (all of them at that instant: ties decide the segment as
    before); the grouping below then finds the same anchors. With `slots`, the cohort of
    every slot at once: a boolean column `member<k>` per segment slot k, true when the
    entity's anchor meets it (no column for a slot without a segment).
    """
    f = _matching(ev, anchor, tr)
    f = f.filter(f[entity].notnull())
    if firsts is not None and not anchor.where and (entity, anchor.event) in firsts.pairs:
        t = firsts.table
        new = t.filter(t.kind == entity, t.event == anchor.event,
                       t.first_at >= q.start_lit(), t.first_at < q.end_lit(),
                       t.first_at < q.as_of_lit())
        f = f.filter(f.timestamp >= q.start_lit(), f.timestamp < q.end_lit())
        f = f.semi_join(new, [f[entity] == new.entity, f.timestamp == new.first_at])
    columns: dict[int, str] = {}
    segs = ({f"seg{k}": s for k, s in enumerate(slots) if s is not None} if slots is not None
            else {"anchor_seg": q.segment} if q.segment is not None else {})
    if segs:
        f, columns = with_traits(f, list(segs.values()), tr.entity, tr.ctx)
    metrics = {"anchor": f.timestamp.min()}
    for col, seg in segs.items():
        metrics[col] = f.timestamp.min(where=predicate(f, seg, columns.get(id(seg))))
    anchors = f.group_by(entity).aggregate(**metrics)
    cohort = anchors.filter(
        anchors.anchor >= q.start_lit(),
        anchors.anchor < q.end_lit(),
    )
    if slots is not None:
        member = {f"member{col[3:]}": (cohort[col] == cohort.anchor).fill_null(False)
                  for col in segs}
        cohort = cohort.mutate(**member).drop(*segs)
        if None not in slots:  # an entity in no slot's cohort is not joined to its outcomes
            cohort = cohort.filter(ibis.or_(*[cohort[col] for col in member]))
    elif q.segment is not None:
        cohort = cohort.filter(cohort.anchor_seg == cohort.anchor).drop("anchor_seg")
    return cohort


def _cohort_metric(
    m: ConversionMetric | RetentionMetric | DurationMetric, ev: ir.Table, q: Query,
    tr: _Traits, firsts: FirstEvents | None = None, slots: Slots | None = None,
) -> ir.Table:
    entity = m.entity
    anchor_ref, outcome_ref = (m.start, m.return_) if isinstance(m, RetentionMetric) else (
        m.from_, m.to)
    cohort = _cohort(ev, entity, anchor_ref, q, tr, firsts, slots)
    marks = [c for c in cohort.columns if c.startswith("member")]
    window = outcome_window(m)
    outcomes = _matching(ev, outcome_ref, tr)
    outcomes = outcomes.filter(outcomes[entity].notnull()).select(
        oid=outcomes[entity], ots=outcomes.timestamp
    )
    lo, hi = _outcome_range(m)
    conds = [cohort[entity] == outcomes.oid, outcomes.ots >= _shift(cohort.anchor, lo)]
    if hi is not None:
        upper = _shift(cohort.anchor, hi)
        inclusive = isinstance(m, ConversionMetric | DurationMetric)
        conds.append(outcomes.ots <= upper if inclusive else outcomes.ots < upper)
    joined = cohort.left_join(outcomes, conds)
    flagged = joined.group_by([entity, "anchor", *marks]).aggregate(
        first_outcome=joined.ots.min())
    if slots is not None:
        flagged = _slot_marks(flagged, [None if s is None else flagged[f"member{k}"]
                                        for k, s in enumerate(slots)]).drop(*marks)
    mature = (
        flagged.anchor <= q.cutoff_lit(window)
        if window is not None else ibis.literal(True)
    )
    flagged = flagged.mutate(bucket=q.bucket(flagged.anchor), mature=mature)
    if isinstance(m, DurationMetric):
        return _duration_stats(m, flagged, slots)
    hit = flagged.mature & flagged.first_outcome.notnull()
    agg = flagged.group_by(_keys(slots, "bucket")).aggregate(
        entities=flagged.count(where=flagged.mature),
        excluded_immature=flagged.count(where=~flagged.mature),
        total=flagged.count(where=hit),
    )
    agg = agg.mutate(n=agg.entities, total_sq=agg.total)
    value = ibis.ifelse(agg.entities > 0, agg.total.cast(dt.float64) / agg.entities, ibis.null())
    return _shape(agg.mutate(value=value))


def _outcome_range(
    m: ConversionMetric | RetentionMetric | DurationMetric,
) -> tuple[timedelta, timedelta | None]:
    """Offsets from the anchor bounding an outcome event: [lo, hi] or [lo, hi)."""
    if isinstance(m, ConversionMetric):
        return timedelta(0), m.within
    if isinstance(m, RetentionMetric):
        first, last = m.day_range()
        return timedelta(days=first), timedelta(days=last + 1)
    return timedelta(0), m.within


def _shift(ts: ir.TimestampValue, delta: timedelta) -> ir.TimestampValue:
    seconds = int(delta.total_seconds())
    return ts + ibis.interval(seconds=seconds) if seconds else ts


def _duration_stats(m: DurationMetric, flagged: ir.Table, slots: Slots | None = None
                    ) -> ir.Table:
    seconds = flagged.first_outcome.epoch_seconds().cast(dt.float64) - (
        flagged.anchor.epoch_seconds().cast(dt.float64))
    x = ibis.ifelse(flagged.mature, seconds / m.seconds_per_unit(), ibis.null().cast(dt.float64))
    f = flagged.mutate(x=x)
    quantile = m.quantile()
    agg = f.group_by(_keys(slots, "bucket")).aggregate(
        entities=f.count(where=f.mature),
        excluded_immature=f.count(where=~f.mature),
        n=f.x.count(),
        total=f.x.sum(),
        total_sq=(f.x * f.x).sum(),
        stat=f.x.mean() if quantile is None else f.x.quantile(quantile),
    )
    return _shape(agg.mutate(value=agg.stat, without_outcome=agg.entities - agg.n))


def _ratio(num: ir.Table, den: ir.Table, num_def: MetricDef, den_def: MetricDef,
           q: Query) -> ir.Table:
    n = num.select(bucket=num.bucket, nv=num.value)
    d = den.select(dbucket=den.bucket, dv=den.value)
    j = n.outer_join(d, n.bucket == d.dbucket)
    bucket = j.bucket.fill_null(j.dbucket)
    nv = _empty_side(j.nv, j.bucket, bucket, num_def, q)
    dv = _empty_side(j.dv, j.dbucket, bucket, den_def, q)
    value = ibis.ifelse(dv == 0, ibis.null().cast(dt.float64), nv / dv)
    return _shape(j.select(bucket=bucket, value=value, n=dv, total=nv))


def _empty_side(v: ir.FloatingValue, own: ir.TimestampValue, bucket: ir.TimestampValue,
                m: MetricDef, q: Query) -> ir.FloatingValue:
    """A ratio side's value where its own query had no row for the bucket (engine._empty_row).

    Counts read 0; an active metric reads 0 when the bucket holds a complete period (no one
    was active) and stays undefined when it holds none; other types stay undefined.
    """
    if isinstance(m, ZERO_WHEN_EMPTY):
        return v.fill_null(0.0)
    if isinstance(m, ActiveMetric):
        zero = ibis.ifelse(complete_periods_expr(bucket, q, m.per) > 0, 0.0,
                           ibis.null().cast(dt.float64))
        return ibis.ifelse(own.isnull(), zero, v)
    return v
